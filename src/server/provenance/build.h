/* build.h - building the provenance graph of a process or an event from the store.
 *
 * Backward: the process's ancestry up to the entry point — a network service that accepted a
 * connection shortly before spawning the chain (its client's address becomes a node; a
 * matching connect on another host continues the walk there: lateral movement), an SSH
 * daemon, or cron (the cron files written before, and who wrote them) — and, for every process
 * on the way, who wrote its executable (a download, a dropper) and what it did (connections,
 * files written). Forward: descendants, files written, connections made (and the process that
 * accepted them on another host), and whoever executed a file the subtree wrote. */
#ifndef VIGIL_SERVER_PROV_BUILD_H
#define VIGIL_SERVER_PROV_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "server/provenance/graph.h"

struct store;

struct prov_request {
    const char *entity_id;   /* the process the story is about, or */
    const char *table;       /* an event: its table */
    int64_t event_key;       /* ... and event_key */
    int ancestry_depth;      /* default 32 */
    int forward_depth;       /* default 8 */
    int max_jumps;           /* writer / cross-host hops, default 4 */
    size_t max_nodes;        /* default 400 */
    size_t prune_limit;      /* default 8 */
    bool backward_only;      /* the way in only (no descendants, alerts or host nodes) */
};

/* Build the graph; -ENOENT when the process or event is unknown. */
int prov_build(struct store *st, const struct prov_request *req, struct prov_graph *g,
               struct vg_error *err);

/* Where a process's story came in, for correlating alerts: the session root (the ancestor the
 * entry point spawned for this connection, login or job; the topmost ancestor below init when
 * no entry point is seen) and the client address at the entry (empty when none). Each out
 * buffer holds at least 64 bytes. -ENOENT when the entity is unknown. */
int prov_entry(struct store *st, const char *entity, char *session_root, char *client_ip,
               struct vg_error *err);

#endif
