/* store_inventory.c - the host_* tables of the current inventory (store_inventory.h): their DDL,
 * derived from the schema's inventory tables, and applying a batch of inventory events. */
#include "server/inventory/store_inventory.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/inventory_schema.h"
#include "common/util.h"
#include "server/store/store.h"
#include "server/store/store_internal.h"

static const char *sql_type(enum field_type t) { return t == FT_INT ? "INTEGER" : "TEXT"; }

int store_inventory_ddl(struct buf *out)
{
    size_t n;
    const struct inventory_table *it = inventory_tables(&n);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const struct table_def *t = schema_table(it[i].table);
        rc |= buf_printf(out, "CREATE TABLE IF NOT EXISTS %s (\n  agent_id TEXT NOT NULL,\n"
                              "  hostname TEXT", it[i].state_table);
        for (size_t c = 0; t->columns[c] != FLD_NONE; c++) {
            const struct field_def *f = schema_field(t->columns[c]);
            if (inventory_is_content_field(f->id))
                rc |= buf_printf(out, ",\n  %s %s", f->name, sql_type(f->type));
        }
        rc |= buf_printf(out, ",\n  row_key TEXT NOT NULL,\n  scan_id TEXT,\n"
                              "  first_seen INTEGER NOT NULL,\n  updated_at INTEGER NOT NULL,\n"
                              "  seq INTEGER NOT NULL,\n  PRIMARY KEY (agent_id, row_key)\n"
                              ") WITHOUT ROWID;\n"
                              "CREATE INDEX IF NOT EXISTS %s_by_scan ON %s (agent_id, scan_id);\n",
                         it[i].state_table, it[i].state_table);
    }
    return rc ? -ENOMEM : 0;
}

/* The statements of one host_* table, prepared when a batch first needs them. */
struct table_stmts {
    sqlite3_stmt *upsert, *remove, *prune;
    int16_t col_of_field[FLD_MAX_ID]; /* bind index of each content field in upsert */
    int ncols;                        /* content columns */
};

static int prepare(sqlite3 *db, const struct inventory_table *it, struct table_stmts *ts,
                   struct vg_error *err)
{
    const struct table_def *t = schema_table(it->table);
    struct buf sql = {0}, set = {0};
    memset(ts->col_of_field, 0, sizeof(ts->col_of_field));
    int bind = 2; /* 1 agent_id, 2 hostname */
    buf_printf(&sql, "INSERT INTO %s (agent_id, hostname", it->state_table);
    for (size_t c = 0; t->columns[c] != FLD_NONE; c++) {
        const struct field_def *f = schema_field(t->columns[c]);
        if (!inventory_is_content_field(f->id))
            continue;
        buf_printf(&sql, ", %s", f->name);
        buf_printf(&set, "%s = excluded.%s, ", f->name, f->name);
        ts->col_of_field[f->id] = (int16_t)++bind;
    }
    ts->ncols = bind - 2;
    /* then row_key, scan_id, first_seen, updated_at, seq */
    buf_append_str(&sql, ", row_key, scan_id, first_seen, updated_at, seq) VALUES (");
    for (int b = 0; b < bind + 5; b++)
        buf_append_str(&sql, b ? ", ?" : "?");
    buf_terminate(&set);
    buf_printf(&sql, ") ON CONFLICT (agent_id, row_key) DO UPDATE SET hostname = excluded.hostname, "
                     "%sscan_id = excluded.scan_id, updated_at = excluded.updated_at, "
                     "seq = excluded.seq WHERE excluded.seq >= %s.seq",
               set.len ? (const char *)set.data : "", it->state_table);
    int rc = buf_terminate(&sql);
    if (!rc && sqlite3_prepare_v2(db, (const char *)sql.data, -1, &ts->upsert, NULL) != SQLITE_OK)
        rc = store_db_error(err, db, "preparing the inventory upsert");
    buf_reset(&sql);
    if (!rc) {
        buf_printf(&sql, "DELETE FROM %s WHERE agent_id = ? AND row_key = ? AND seq <= ?",
                   it->state_table);
        buf_terminate(&sql);
        if (sqlite3_prepare_v2(db, (const char *)sql.data, -1, &ts->remove, NULL) != SQLITE_OK)
            rc = store_db_error(err, db, "preparing the inventory removal");
    }
    buf_reset(&sql);
    if (!rc) {
        buf_printf(&sql, "DELETE FROM %s WHERE agent_id = ? AND scan_id IS NOT ? AND seq < ?",
                   it->state_table);
        buf_terminate(&sql);
        if (sqlite3_prepare_v2(db, (const char *)sql.data, -1, &ts->prune, NULL) != SQLITE_OK)
            rc = store_db_error(err, db, "preparing the inventory pruning");
    }
    buf_free(&sql);
    buf_free(&set);
    return rc;
}

static void finalize(struct table_stmts *ts)
{
    sqlite3_finalize(ts->upsert);
    sqlite3_finalize(ts->remove);
    sqlite3_finalize(ts->prune);
}

static int step_done(sqlite3 *db, sqlite3_stmt *s, struct vg_error *err, const char *what)
{
    int r = sqlite3_step(s);
    sqlite3_reset(s);
    return r == SQLITE_DONE ? 0 : store_db_error(err, db, what);
}

static int apply_row(sqlite3 *db, struct table_stmts *ts, const struct agent_record *agent,
                     const struct event *ev, struct vg_error *err)
{
    const char *key = event_get_str(ev, FLD_ROW_KEY);
    if (!key)
        return 0; /* not a row of the inventory (kept in the event table, nothing to apply) */
    if (!strcmp(ev->action, INV_ACTION_REMOVED)) {
        sqlite3_bind_text(ts->remove, 1, agent->agent_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(ts->remove, 2, key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ts->remove, 3, (int64_t)ev->seq);
        return step_done(db, ts->remove, err, "removing an inventory row");
    }
    if (strcmp(ev->action, INV_ACTION_SNAPSHOT) && strcmp(ev->action, INV_ACTION_ADDED) &&
        strcmp(ev->action, INV_ACTION_CHANGED))
        return 0;
    sqlite3_stmt *s = ts->upsert;
    sqlite3_clear_bindings(s);
    sqlite3_bind_text(s, 1, agent->agent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, agent->hostname, -1, SQLITE_STATIC);
    for (unsigned i = 0; i < ev->nfields; i++) {
        const struct event_field *f = &ev->fields[i];
        int col = f->id < FLD_MAX_ID ? ts->col_of_field[f->id] : 0;
        if (!col)
            continue;
        if (f->type == FT_INT)
            sqlite3_bind_int64(s, col, f->v.i);
        else
            sqlite3_bind_text(s, col, ev->arena + f->v.off, (int)f->len, SQLITE_STATIC);
    }
    int b = ts->ncols + 2;
    const char *scan = event_get_str(ev, FLD_SCAN_ID);
    sqlite3_bind_text(s, b + 1, key, -1, SQLITE_STATIC);
    if (scan)
        sqlite3_bind_text(s, b + 2, scan, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, b + 3, (int64_t)ev->time_ns);
    sqlite3_bind_int64(s, b + 4, (int64_t)ev->time_ns);
    sqlite3_bind_int64(s, b + 5, (int64_t)ev->seq);
    return step_done(db, s, err, "writing an inventory row");
}

/* A full scan's summary: the rows of that table the scan did not report are gone. */
static int apply_full(sqlite3 *db, struct table_stmts *ts, const struct agent_record *agent,
                      const struct event *ev, struct vg_error *err)
{
    const char *scan = event_get_str(ev, FLD_SCAN_ID);
    if (!scan)
        return 0;
    sqlite3_bind_text(ts->prune, 1, agent->agent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(ts->prune, 2, scan, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ts->prune, 3, (int64_t)ev->seq);
    return step_done(db, ts->prune, err, "pruning the inventory after a full scan");
}

int store_inventory_apply(struct store *st, const struct agent_record *agent,
                          struct event *const *events, size_t n, struct vg_error *err)
{
    bool any = false;
    for (size_t i = 0; i < n && !any; i++)
        any = events[i]->table == TBL_INVENTORY_SCANS || inventory_table_of(events[i]->table);
    if (!any)
        return 0;
    size_t nt;
    const struct inventory_table *tables = inventory_tables(&nt);
    struct table_stmts *ts = calloc(nt, sizeof(*ts));
    if (!ts)
        return vg_error_set(err, -ENOMEM, "out of memory");
    sqlite3 *db = store_writer(st);
    int rc = store_exec(db, "BEGIN IMMEDIATE", err);
    for (size_t i = 0; i < n && !rc; i++) {
        const struct event *ev = events[i];
        const struct inventory_table *it = inventory_table_of(ev->table);
        bool full = false;
        if (!it && ev->table == TBL_INVENTORY_SCANS && !strcmp(ev->action, INV_SCAN_FULL)) {
            const char *name = event_get_str(ev, FLD_INVENTORY_TABLE);
            const struct table_def *t = name ? schema_table_by_name(name) : NULL;
            it = t ? inventory_table_of(t->id) : NULL;
            full = it != NULL;
        }
        if (!it)
            continue;
        struct table_stmts *s = &ts[it - tables];
        if (!s->upsert && (rc = prepare(db, it, s, err)))
            break;
        rc = full ? apply_full(db, s, agent, ev, err) : apply_row(db, s, agent, ev, err);
    }
    for (size_t i = 0; i < nt; i++)
        finalize(&ts[i]);
    free(ts);
    if (rc) {
        store_exec(db, "ROLLBACK", NULL);
    } else if ((rc = store_exec(db, "COMMIT", err))) {
        store_exec(db, "ROLLBACK", NULL);
    }
    store_writer_done(st);
    return rc;
}
