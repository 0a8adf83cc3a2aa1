/* hooks.h - server areas that act on ingested events (current inventory state, findings,
 * baseline results, detection): after a batch is committed, each hook sees its decoded events.
 * A re-sent batch is seen again, so hooks must be idempotent. Registered in ingest/hooks.c. */
#ifndef VIGIL_SERVER_INGEST_HOOKS_H
#define VIGIL_SERVER_INGEST_HOOKS_H

#include <stddef.h>

#include "common/error.h"
#include "common/event.h"

struct server;
struct agent_record;

struct ingest_hook {
    const char *name;
    /* Return 0, or -errno with err filled (logged; the batch stays stored and acknowledged). */
    int (*after_batch)(struct server *srv, const struct agent_record *agent,
                       struct event *const *events, size_t n, struct vg_error *err);
};

/* NULL-terminated. */
extern const struct ingest_hook *const ingest_hooks[];

#endif
