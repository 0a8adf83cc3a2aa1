/* store_baseline.h - the server's view of baseline results: the latest outcome of every check
 * per host (baseline_current) and the latest score of every policy per host (baseline_scores),
 * kept from the baseline events as they are ingested. The history is the event tables
 * themselves (baseline_checks, baseline_runs, baseline_changes). */
#ifndef VIGIL_SERVER_STORE_BASELINE_H
#define VIGIL_SERVER_STORE_BASELINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/event.h"
#include "server/store/store.h"

/* Apply the baseline events among events (others are ignored) for agent_id, in one
 * transaction. Idempotent: an event older than what a row holds changes nothing, so a batch
 * sent twice, or late, leaves the newest state. */
int store_baseline_apply(struct store *st, const char *agent_id, struct event *const *events,
                         size_t n, struct vg_error *err);

struct baseline_filter {
    const char *host;   /* agent id or host name, or NULL */
    const char *policy; /* policy id, or NULL */
    bool failed_only;   /* checks: only failed ones */
    size_t limit;       /* checks: rows at most */
};

/* {"scores": [...], "checks": [...]} (checks only when with_checks); NULL on failure with err. */
json_t *store_baseline_json(struct store *st, const struct baseline_filter *f, bool with_checks,
                            struct vg_error *err);

#endif
