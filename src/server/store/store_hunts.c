/* store_hunts.c - saved and scheduled hunts in the store (store_hunts.h). A row of a hunt's
 * result is identified by the SHA-256 of its JSON encoding; hunt_seen keeps the identities
 * already reported, so a scheduled hunt raises each row once, however often it runs. */
#include "server/store/store_hunts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "server/store/store_internal.h"

const char store_hunts_ddl[] =
    "CREATE TABLE IF NOT EXISTS hunts (name TEXT PRIMARY KEY, sql TEXT NOT NULL,"
    " description TEXT, every_ms INTEGER NOT NULL DEFAULT 0, severity TEXT,"
    " created_by TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    " next_run_at INTEGER);\n"
    "CREATE TABLE IF NOT EXISTS hunt_runs (id INTEGER PRIMARY KEY, hunt TEXT NOT NULL,"
    " started_at INTEGER NOT NULL, elapsed_ms REAL, row_count INTEGER, new_rows INTEGER,"
    " truncated INTEGER, baseline INTEGER NOT NULL DEFAULT 0, error TEXT);\n"
    "CREATE INDEX IF NOT EXISTS hunt_runs_by_hunt ON hunt_runs (hunt, id);\n"
    "CREATE TABLE IF NOT EXISTS hunt_seen (hunt TEXT NOT NULL, row_hash TEXT NOT NULL,"
    " first_seen INTEGER NOT NULL, PRIMARY KEY (hunt, row_hash)) WITHOUT ROWID;\n"
    "CREATE TABLE IF NOT EXISTS hunt_results (id INTEGER PRIMARY KEY, hunt TEXT NOT NULL,"
    " run_id INTEGER NOT NULL, time INTEGER NOT NULL, row TEXT NOT NULL);\n"
    "CREATE INDEX IF NOT EXISTS hunt_results_by_hunt ON hunt_results (hunt, id);\n";

int store_hunt_save(struct store *st, const struct hunt_def *h, const char *user,
                    struct vg_error *err)
{
    sqlite3 *db = store_writer(st);
    sqlite3_stmt *s = NULL;
    int rc = 0;
    int64_t now = store_now_ns();
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO hunts (name, sql, description, every_ms, severity,"
                           " created_by, created_at, updated_at, next_run_at)"
                           " VALUES (?1,?2,?3,?4,?5,?6,?7,?7,?8)"
                           " ON CONFLICT(name) DO UPDATE SET sql=?2, description=?3, every_ms=?4,"
                           " severity=?5, updated_at=?7, next_run_at=?8",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = store_db_error(err, db, "saving the hunt");
    } else {
        sqlite3_bind_text(s, 1, h->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, h->sql, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, h->description, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, (int64_t)h->every_ms);
        sqlite3_bind_text(s, 5, h->severity, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 6, user ? user : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 7, now);
        if (h->every_ms)
            sqlite3_bind_int64(s, 8, now); /* a scheduled hunt runs (its baseline) at once */
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = store_db_error(err, db, "saving the hunt");
    }
    sqlite3_finalize(s);
    store_writer_done(st);
    return rc;
}

int store_hunt_delete(struct store *st, const char *name, struct vg_error *err)
{
    sqlite3 *db = store_writer(st);
    int rc = store_exec(db, "BEGIN", err);
    const char *sqls[] = {"DELETE FROM hunt_seen WHERE hunt=?", "DELETE FROM hunt_results WHERE hunt=?",
                          "DELETE FROM hunt_runs WHERE hunt=?", "DELETE FROM hunts WHERE name=?"};
    for (size_t i = 0; i < 4 && !rc; i++) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(db, sqls[i], -1, &s, NULL) != SQLITE_OK) {
            rc = store_db_error(err, db, "deleting the hunt");
        } else {
            sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
            if (sqlite3_step(s) != SQLITE_DONE)
                rc = store_db_error(err, db, "deleting the hunt");
            else if (i == 3 && sqlite3_changes(db) == 0)
                rc = vg_error_set(err, -ENOENT, "no hunt named %s", name);
        }
        sqlite3_finalize(s);
    }
    store_exec(db, rc ? "ROLLBACK" : "COMMIT", NULL);
    store_writer_done(st);
    return rc;
}

int store_hunt_get(struct store *st, const char *name, struct hunt_def *h)
{
    sqlite3 *db = store_writer(st);
    sqlite3_stmt *s = NULL;
    int rc = -ENOENT;
    memset(h, 0, sizeof(*h));
    if (sqlite3_prepare_v2(db, "SELECT name, sql, description, every_ms, severity, next_run_at"
                               " FROM hunts WHERE name=?", -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW) {
            str_copy(h->name, (const char *)sqlite3_column_text(s, 0), sizeof(h->name));
            h->sql = strdup((const char *)sqlite3_column_text(s, 1));
            const char *d = (const char *)sqlite3_column_text(s, 2);
            str_copy(h->description, d ? d : "", sizeof(h->description));
            h->every_ms = (uint64_t)sqlite3_column_int64(s, 3);
            const char *sev = (const char *)sqlite3_column_text(s, 4);
            str_copy(h->severity, sev ? sev : "", sizeof(h->severity));
            h->next_run_at = sqlite3_column_int64(s, 5);
            rc = h->sql ? 0 : -ENOMEM;
        }
    }
    sqlite3_finalize(s);
    store_writer_done(st);
    return rc;
}

json_t *store_hunts_json(struct store *st)
{
    sqlite3 *db = store_writer(st);
    sqlite3_stmt *s = NULL;
    json_t *out = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT h.name, h.sql, h.description, h.every_ms, h.severity,"
                           " h.created_by, h.updated_at, h.next_run_at, r.started_at AS last_run,"
                           " r.row_count AS last_rows, r.new_rows AS last_new_rows,"
                           " r.error AS last_error FROM hunts h LEFT JOIN hunt_runs r"
                           " ON r.id = (SELECT max(id) FROM hunt_runs WHERE hunt=h.name)"
                           " ORDER BY h.name",
                           -1, &s, NULL) == SQLITE_OK)
        out = store_rows_json(s);
    sqlite3_finalize(s);
    store_writer_done(st);
    return out;
}

json_t *store_hunts_due(struct store *st, int64_t now)
{
    sqlite3 *db = store_writer(st);
    sqlite3_stmt *s = NULL;
    json_t *out = json_array();
    if (out && sqlite3_prepare_v2(db, "SELECT name FROM hunts WHERE every_ms > 0 AND"
                                      " next_run_at <= ? ORDER BY next_run_at",
                                  -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, now);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(out, json_string((const char *)sqlite3_column_text(s, 0)));
    }
    sqlite3_finalize(s);
    store_writer_done(st);
    return out;
}

int store_hunt_record_run(struct store *st, const char *name, int64_t started_at,
                          double elapsed_ms, json_t *columns, json_t *rows, bool truncated,
                          const char *error, bool diff, json_t **new_rows, int64_t *run_id,
                          struct vg_error *err)
{
    sqlite3 *db = store_writer(st);
    sqlite3_stmt *prev = NULL, *run = NULL, *seen = NULL, *res = NULL, *next = NULL;
    json_t *fresh = json_array();
    int rc = store_exec(db, "BEGIN IMMEDIATE", err);
    if (rc)
        goto out;
    bool baseline = false;
    if (diff) {
        /* the first run of a hunt only learns what is there */
        if (sqlite3_prepare_v2(db, "SELECT count(*) FROM hunt_runs WHERE hunt=? AND error IS NULL",
                               -1, &prev, NULL) != SQLITE_OK) {
            rc = store_db_error(err, db, "recording the hunt run");
            goto rollback;
        }
        sqlite3_bind_text(prev, 1, name, -1, SQLITE_STATIC);
        baseline = sqlite3_step(prev) == SQLITE_ROW && sqlite3_column_int64(prev, 0) == 0;
    }
    if (sqlite3_prepare_v2(db, "INSERT INTO hunt_runs (hunt, started_at, elapsed_ms, row_count,"
                               " new_rows, truncated, baseline, error) VALUES (?,?,?,?,0,?,?,?)",
                           -1, &run, NULL) != SQLITE_OK) {
        rc = store_db_error(err, db, "recording the hunt run");
        goto rollback;
    }
    sqlite3_bind_text(run, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(run, 2, started_at);
    sqlite3_bind_double(run, 3, elapsed_ms);
    sqlite3_bind_int64(run, 4, (int64_t)json_array_size(rows));
    sqlite3_bind_int(run, 5, truncated);
    sqlite3_bind_int(run, 6, baseline);
    if (error)
        sqlite3_bind_text(run, 7, error, -1, SQLITE_STATIC);
    if (sqlite3_step(run) != SQLITE_DONE) {
        rc = store_db_error(err, db, "recording the hunt run");
        goto rollback;
    }
    int64_t id = sqlite3_last_insert_rowid(db);
    if (diff && !error) {
        if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO hunt_seen VALUES (?,?,?)", -1, &seen,
                               NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(db, "INSERT INTO hunt_results (hunt, run_id, time, row)"
                                   " VALUES (?,?,?,?)", -1, &res, NULL) != SQLITE_OK) {
            rc = store_db_error(err, db, "recording the hunt run");
            goto rollback;
        }
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row) {
            json_t *obj = json_object();
            for (size_t c = 0; c < json_array_size(columns); c++)
                json_object_set(obj, json_string_value(json_array_get(columns, c)),
                                json_array_get(row, c));
            char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
            char hash[65];
            sha256_hex(text ? text : "", text ? strlen(text) : 0, hash);
            sqlite3_reset(seen);
            sqlite3_bind_text(seen, 1, name, -1, SQLITE_STATIC);
            sqlite3_bind_text(seen, 2, hash, -1, SQLITE_STATIC);
            sqlite3_bind_int64(seen, 3, started_at);
            bool is_new = sqlite3_step(seen) == SQLITE_DONE && sqlite3_changes(db) == 1;
            if (is_new && !baseline && text) {
                sqlite3_reset(res);
                sqlite3_bind_text(res, 1, name, -1, SQLITE_STATIC);
                sqlite3_bind_int64(res, 2, id);
                sqlite3_bind_int64(res, 3, started_at);
                sqlite3_bind_text(res, 4, text, -1, SQLITE_STATIC);
                sqlite3_step(res);
                json_array_append(fresh, obj);
            }
            free(text);
            json_decref(obj);
        }
    }
    if (sqlite3_prepare_v2(db, "UPDATE hunt_runs SET new_rows=? WHERE id=?", -1, &next, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_int64(next, 1, (int64_t)json_array_size(fresh));
        sqlite3_bind_int64(next, 2, id);
        sqlite3_step(next);
    }
    sqlite3_finalize(next);
    next = NULL;
    if (sqlite3_prepare_v2(db, "UPDATE hunts SET next_run_at = CASE WHEN every_ms > 0"
                               " THEN ? + every_ms * 1000000 END WHERE name=?",
                           -1, &next, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(next, 1, started_at);
        sqlite3_bind_text(next, 2, name, -1, SQLITE_STATIC);
        sqlite3_step(next);
    }
    rc = store_exec(db, "COMMIT", err);
    if (rc)
        goto rollback;
    if (run_id)
        *run_id = id;
    goto out;
rollback:
    store_exec(db, "ROLLBACK", NULL);
out:
    sqlite3_finalize(prev);
    sqlite3_finalize(run);
    sqlite3_finalize(seen);
    sqlite3_finalize(res);
    sqlite3_finalize(next);
    store_writer_done(st);
    if (!rc && new_rows)
        *new_rows = fresh;
    else
        json_decref(fresh);
    return rc;
}

static json_t *named_rows(struct store *st, const char *sql, const char *name, int limit)
{
    sqlite3 *db = store_writer(st);
    sqlite3_stmt *s = NULL;
    json_t *out = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 2, limit);
        out = store_rows_json(s);
    }
    sqlite3_finalize(s);
    store_writer_done(st);
    return out;
}

json_t *store_hunt_runs_json(struct store *st, const char *name, int limit)
{
    return named_rows(st, "SELECT id, started_at, elapsed_ms, row_count, new_rows, truncated,"
                          " baseline, error FROM hunt_runs WHERE hunt=? ORDER BY id DESC LIMIT ?",
                      name, limit);
}

json_t *store_hunt_results_json(struct store *st, const char *name, int limit)
{
    json_t *rows = named_rows(st, "SELECT id, run_id, time, row FROM hunt_results WHERE hunt=?"
                                  " ORDER BY id DESC LIMIT ?", name, limit);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        json_error_t jerr;
        json_t *parsed = json_loads(json_string_value(json_object_get(r, "row")), 0, &jerr);
        if (parsed)
            json_object_set_new(r, "row", parsed);
    }
    return rows;
}
