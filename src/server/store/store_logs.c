/* store_logs.c - the log search table and its queries (store_logs.h). */
#include "server/store/store_logs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "server/store/store_internal.h"

const char store_logs_ddl[] =
    "CREATE VIRTUAL TABLE IF NOT EXISTS log_search USING fts5(raw, content='log_events',"
    " content_rowid='event_key', tokenize='unicode61');\n"
    "CREATE TRIGGER IF NOT EXISTS log_events_search AFTER INSERT ON log_events BEGIN"
    " INSERT INTO log_search(rowid, raw) VALUES (new.event_key, new.raw); END;\n";

#define SEARCH_SQL                                                                          \
    "SELECT l.time, l.agent_id, l.hostname, l.log_input, l.log_file, l.unit, l.program,"    \
    " l.pid, l.raw FROM log_search JOIN log_events l ON l.event_key = log_search.rowid"     \
    " WHERE log_search MATCH ?1"                                                            \
    " AND (?2 IS NULL OR l.hostname = ?2 OR l.agent_id = ?2)"                               \
    " AND (?3 IS NULL OR l.log_file = ?3 OR l.unit = ?3)"                                   \
    " AND (?4 IS NULL OR l.program = ?4)"                                                   \
    " AND l.time >= ?5 AND l.time <= ?6 ORDER BY l.time DESC, l.event_key DESC LIMIT ?7"

/* The words as one FTS5 phrase: "..." with inner quotes doubled. */
static int phrase(const char *text, struct buf *out)
{
    int rc = buf_putc(out, '"');
    for (const char *p = text; *p && !rc; p++)
        rc = *p == '"' ? buf_append(out, "\"\"", 2) : buf_putc(out, (uint8_t)*p);
    if (!rc)
        rc = buf_putc(out, '"');
    if (!rc)
        rc = buf_terminate(out);
    return rc;
}

static void bind_opt(sqlite3_stmt *s, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

int store_logs_search(struct store *st, const struct logs_search *q, json_t **result,
                      struct vg_error *err)
{
    int rc = 0;
    struct buf match = {0};
    sqlite3_stmt *s = NULL;
    json_t *rows = NULL;
    sqlite3 *db = store_reader_get(st, err);
    if (!db)
        return -EIO;
    if (q->fts_syntax ? buf_append_str(&match, q->text) || buf_terminate(&match)
                      : phrase(q->text, &match)) {
        rc = vg_error_set(err, -ENOMEM, "out of memory");
        goto cleanup;
    }
    if (sqlite3_prepare_v2(db, SEARCH_SQL, -1, &s, NULL) != SQLITE_OK) {
        rc = store_db_error(err, db, "preparing the log search");
        goto cleanup;
    }
    sqlite3_bind_text(s, 1, (const char *)match.data, -1, SQLITE_STATIC);
    bind_opt(s, 2, q->host);
    bind_opt(s, 3, q->file);
    bind_opt(s, 4, q->program);
    sqlite3_bind_int64(s, 5, q->since);
    sqlite3_bind_int64(s, 6, q->until ? q->until : INT64_MAX);
    sqlite3_bind_int64(s, 7, (sqlite3_int64)(q->limit + 1));
    rows = json_array();
    bool truncated = false;
    int step;
    size_t bytes = 0;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (json_array_size(rows) == q->limit) {
            truncated = true;
            break;
        }
        json_t *row = json_object();
        for (int c = 0; c < sqlite3_column_count(s); c++)
            json_object_set_new(row, sqlite3_column_name(s, c), store_column_json(s, c, &bytes));
        json_array_append_new(rows, row);
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        const char *m = sqlite3_errmsg(db);
        rc = vg_error_set(err, strstr(m, "fts5") || strstr(m, "syntax") ? -EINVAL : -EIO,
                          "log search \"%s\": %s", q->text, m);
        goto cleanup;
    }
    *result = json_pack("{s:O,s:I,s:b}", "rows", rows, "row_count",
                        (json_int_t)json_array_size(rows), "truncated", truncated);
cleanup:
    json_decref(rows);
    sqlite3_finalize(s);
    buf_free(&match);
    store_reader_put(st, db);
    return rc;
}
