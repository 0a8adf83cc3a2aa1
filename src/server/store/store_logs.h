/* store_logs.h - full-text search over the log records kept in log_events: an FTS5 table
 * (log_search, external content over log_events.raw) filled by a trigger in the same
 * transaction as the rows, so a re-sent batch (INSERT OR IGNORE) is indexed once. */
#ifndef VIGIL_SERVER_STORE_LOGS_H
#define VIGIL_SERVER_STORE_LOGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "server/store/store.h"

struct logs_search {
    const char *text;     /* words to find, as a phrase; or an FTS5 query when fts_syntax */
    bool fts_syntax;
    const char *host;     /* hostname or agent id, NULL = any */
    const char *file;     /* log_file or journal unit, NULL = any */
    const char *program;  /* NULL = any */
    int64_t since, until; /* ns since the epoch; 0 = open */
    uint64_t limit;       /* rows at most */
};

/* Search: *result is {"rows": [{time, agent_id, hostname, log_input, log_file, unit, program,
 * pid, raw}...] newest first, "row_count": n, "truncated": bool}. -EINVAL with err for a bad
 * query (FTS5 syntax), -EIO for the store. */
int store_logs_search(struct store *st, const struct logs_search *q, json_t **result,
                      struct vg_error *err);

#endif
