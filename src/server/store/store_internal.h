/* store_internal.h - what the files of the SQLite store share: the store's state, the writer
 * connection's lock, and small helpers. Each area of the server keeps its own tables and
 * queries in a store_<area>.c file built on this, and lists its DDL in store_schema.c. */
#ifndef VIGIL_SERVER_STORE_INTERNAL_H
#define VIGIL_SERVER_STORE_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>

#include "common/error.h"
#include "common/schema.h"
#include "common/util.h"

#define READ_POOL 4

struct table_insert {
    sqlite3_stmt *stmt;
    int16_t col_of_field[FLD_MAX_ID]; /* bind index (1-based) of each field, 0 = not in table */
};

struct store {
    char path[4096];
    sqlite3 *w;
    pthread_mutex_t wlock;
    struct table_insert inserts[TBL_MAX_ID];

    pthread_mutex_t plock;
    sqlite3 *pool[READ_POOL];
    size_t npool;
};

/* The DDL of every area, run (in one transaction, IF NOT EXISTS, after the event tables)
 * when the store opens;
 * NULL-terminated (store_schema.c). */
extern const char *const store_area_ddl[];
/* Areas whose tables are derived from the schema append their DDL to out (0 or -ENOMEM), run
 * right after store_area_ddl; NULL-terminated (store_schema.c). */
extern int (*const store_area_ddl_gen[])(struct buf *out);

/* The writer connection, locked: every write goes between these two calls. */
static inline sqlite3 *store_writer(struct store *st)
{
    pthread_mutex_lock(&st->wlock);
    return st->w;
}
static inline void store_writer_done(struct store *st) { pthread_mutex_unlock(&st->wlock); }

/* A read-only connection of the pool (query_only, defensive, vg_time() defined) for
 * reads that must not wait for the writer; NULL with err when none can be opened. Give it
 * back with store_reader_put. */
sqlite3 *store_reader_get(struct store *st, struct vg_error *err);
void store_reader_put(struct store *st, sqlite3 *db);

/* Execute SQL without results; err gets SQLite's message. */
int store_exec(sqlite3 *db, const char *sql, struct vg_error *err);
/* Fill err with what SQLite says about db's last error; returns -EIO (-EBUSY when busy). */
int store_db_error(struct vg_error *err, sqlite3 *db, const char *what);
/* Column i of the current row as JSON (text that is not UTF-8 is repaired); adds its size. */
json_t *store_column_json(sqlite3_stmt *s, int i, size_t *bytes);
/* The rows of a prepared statement (stepped to the end) as JSON objects named by its columns. */
json_t *store_rows_json(sqlite3_stmt *s);
/* Bind text v (copied), or NULL when v is NULL, to parameter i of s. */
static inline void store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}
/* Now, in ns since the epoch (the unit of every time column). */
static inline int64_t store_now_ns(void) { return (int64_t)time_now_ns(); }

#endif
