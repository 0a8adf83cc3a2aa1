/* baseline_hook.c - the baseline area of the server: the ingest hook that keeps the current
 * results and scores per host (store_baseline.h) from the baseline events. */
#include "server/ingest/hooks.h"
#include "server/server.h"
#include "server/store/store_baseline.h"

static int baseline_after_batch(struct server *srv, const struct agent_record *agent,
                                struct event *const *events, size_t n, struct vg_error *err)
{
    return store_baseline_apply(srv->store, agent->agent_id, events, n, err);
}

const struct ingest_hook baseline_hook = {
    .name = "baseline",
    .after_batch = baseline_after_batch,
};
