/* store_hunts.h - saved hunts (named read-only queries), their runs, and for scheduled hunts the
 * rows already seen, so that each run reports only the rows that are new since the previous
 * one. */
#ifndef VIGIL_SERVER_STORE_HUNTS_H
#define VIGIL_SERVER_STORE_HUNTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

struct store;

struct hunt_def {
    char name[129];
    char *sql;               /* heap */
    char description[512];
    uint64_t every_ms;       /* 0: run on demand only */
    char severity[16];       /* of the alerts its new rows raise */
    int64_t next_run_at;     /* ns */
};

/* Create or replace a hunt (the name is the key). */
int store_hunt_save(struct store *st, const struct hunt_def *h, const char *user,
                    struct vg_error *err);
/* -ENOENT when unknown. */
int store_hunt_delete(struct store *st, const char *name, struct vg_error *err);
/* Fill *h (h->sql is heap, caller frees); -ENOENT when unknown. */
int store_hunt_get(struct store *st, const char *name, struct hunt_def *h);
/* All hunts as a JSON array, with their last run. */
json_t *store_hunts_json(struct store *st);
/* The names of the scheduled hunts due now (JSON array of strings). */
json_t *store_hunts_due(struct store *st, int64_t now);

/* Record a run; when `rows` (the result's rows) and `columns` are given and the hunt is
 * scheduled, rows never seen before are stored as the run's new rows and counted; on the very
 * first run of a hunt they are only remembered (the baseline). Sets the next run time.
 * *new_rows receives the new rows as JSON objects (may be NULL). */
int store_hunt_record_run(struct store *st, const char *name, int64_t started_at,
                          double elapsed_ms, json_t *columns, json_t *rows, bool truncated,
                          const char *error, bool diff, json_t **new_rows, int64_t *run_id,
                          struct vg_error *err);
/* The last runs of a hunt (newest first) and the new rows of its last runs. */
json_t *store_hunt_runs_json(struct store *st, const char *name, int limit);
json_t *store_hunt_results_json(struct store *st, const char *name, int limit);

#endif
