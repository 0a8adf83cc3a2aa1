/* hooks.c - the registry of ingest hooks: one line per server area that acts on events. */
#include "server/ingest/hooks.h"

const struct ingest_hook *const ingest_hooks[] = {
    NULL,
};
