/* retrohunt.h - a retro-hunt: Sigma or native rules (the engine's own loader) run over the
 * stored history of a time range and a host selection, without SQL. The events of every table
 * the rules use are read in time order (one cursor per table, merged), so thresholds and
 * sequences behave as they would have live; the matches come back as a result set and may be
 * raised as alerts. */
#ifndef VIGIL_SERVER_RETROHUNT_H
#define VIGIL_SERVER_RETROHUNT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct server;

struct retro_request {
    json_t *rules;           /* [{"name": ..., "text": YAML of Sigma or native rules}], or */
    bool shipped;            /* every rule installed with the server (share/vigil/rules) */
    int64_t since, until;    /* ns */
    json_t *agents;          /* array of agent ids; NULL: every host */
    bool raise;              /* store the matches as alerts */
    size_t max_matches;      /* 0: 10000 */
    const char *user;
};

/* Result: {"matches": [alert objects], "events_scanned": n, "rules_loaded": n,
 * "rules_not_loaded": [{rule_id, construct, reason}], "raised": n, "truncated": bool,
 * "elapsed_ms": x}. -EINVAL when no rule could be loaded (err says why). */
int retrohunt_run(struct server *srv, const struct retro_request *req, json_t **result,
                  struct vg_error *err);

#endif
