/* hooks.c - the registry of ingest hooks: one line per server area that acts on events. */
#include "server/ingest/hooks.h"

extern const struct ingest_hook inventory_hook;
extern const struct ingest_hook baseline_hook;
extern const struct ingest_hook incidents_hook;
extern const struct ingest_hook risk_hook;

const struct ingest_hook *const ingest_hooks[] = {
    &inventory_hook,
    &baseline_hook,
    &incidents_hook,
    &risk_hook, /* after inventory: it matches the packages just stored */
    NULL,
};
