/* live.h - live queries on the agent: read-only SQL over the agent's current state, answered
 * in seconds (task kind "live.query"). Each table is a SQLite virtual table backed by a
 * `struct live_table` (module.h) from the agent's core or a module; a table is read only when
 * the query uses it. */
#ifndef VIGIL_AGENT_LIVE_H
#define VIGIL_AGENT_LIVE_H

#include <jansson.h>
#include <stdint.h>

#include "common/error.h"

struct agent;
struct live_rows;

/* Building rows from a scan: live_row_begin starts a row; then one value per declared column,
 * in order; columns not given are NULL. Return 0 or -ENOMEM. */
int live_row_begin(struct live_rows *rows);
int live_col_int(struct live_rows *rows, int64_t v);
int live_col_text(struct live_rows *rows, const char *s);
int live_col_null(struct live_rows *rows);

struct live_limits {
    uint64_t max_rows;
    uint64_t timeout_ms;
    uint64_t max_bytes;
};

/* Run one read-only SELECT over the agent's live tables. Result:
 * {"columns": [...], "rows": [[...]], "row_count": n, "truncated": bool, "elapsed_ms": x}.
 * Writes, ATTACH, PRAGMA and several statements are refused (-EPERM/-EINVAL with the reason);
 * a query past the time limit is interrupted (-ETIMEDOUT). */
int live_query(struct agent *a, const char *sql, const struct live_limits *lim, json_t **result,
               struct vg_error *err);

/* The live tables this agent answers, as a JSON array of {name, columns, key, description}. */
json_t *live_tables_json(struct agent *a);

#endif
