/* hunts.h - saved and scheduled hunts: a hunt is a named read-only query; a scheduled one runs
 * every N (a thread of the server), and the rows it finds that no earlier run found are kept as
 * its results and raised as alerts (rule_id hunt:<name>, the hunt's severity). */
#ifndef VIGIL_SERVER_HUNTS_H
#define VIGIL_SERVER_HUNTS_H

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"

struct server;

int hunts_start(struct server *srv, struct vg_error *err);
void hunts_stop(struct server *srv);

/* Run a saved hunt now with the server's query limits; record the run (diffed against the
 * previous ones when the hunt is scheduled, or when diff is set). *result is the query's result
 * with "new_rows" added. -ENOENT for an unknown hunt. */
int hunts_run(struct server *srv, const char *name, bool diff, json_t **result,
              struct vg_error *err);

#endif
