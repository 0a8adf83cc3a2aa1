/* store_tasks.c - tables and queries of tasks (store_tasks.h). */
#include "server/store/store_tasks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "server/store/store_internal.h"

const char store_tasks_ddl[] =
    "CREATE TABLE IF NOT EXISTS tasks (task_id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    " payload TEXT NOT NULL, created_by TEXT, created_at INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS task_targets (task_id TEXT NOT NULL, agent_id TEXT NOT NULL,"
    " status TEXT NOT NULL, sent_at INTEGER, done_at INTEGER, result TEXT, error TEXT,"
    " PRIMARY KEY (task_id, agent_id));\n"
    "CREATE INDEX IF NOT EXISTS task_targets_by_agent ON task_targets (agent_id, status);\n";

static int insert_target(sqlite3 *db, sqlite3_stmt *s, const char *task_id, const char *agent)
{
    sqlite3_reset(s);
    sqlite3_bind_text(s, 1, task_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, agent, -1, SQLITE_STATIC);
    (void)db;
    return sqlite3_step(s) == SQLITE_DONE ? 0 : -EIO;
}

int store_task_create(struct store *st, const char *task_id, const char *kind, json_t *payload,
                      const char *user, int64_t expires_at, const char *const *agent_ids,
                      size_t nagents, json_t **targets, struct vg_error *err)
{
    char *text = json_dumps(payload ? payload : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        return vg_error_set(err, -ENOMEM, "out of memory");
    json_t *list = json_array();
    sqlite3_stmt *task = NULL, *target = NULL, *check = NULL, *all = NULL;
    sqlite3 *db = store_writer(st);
    int rc = store_exec(db, "BEGIN IMMEDIATE", err);
    if (rc)
        goto out;
    if (sqlite3_prepare_v2(db, "INSERT INTO tasks VALUES (?,?,?,?,?,?)", -1, &task, NULL) ||
        sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO task_targets (task_id, agent_id, status)"
                               " VALUES (?,?,'pending')", -1, &target, NULL) ||
        sqlite3_prepare_v2(db, "SELECT status FROM agents WHERE agent_id=?", -1, &check, NULL) ||
        sqlite3_prepare_v2(db, "SELECT agent_id FROM agents WHERE status='active'"
                               " ORDER BY agent_num", -1, &all, NULL)) {
        rc = store_db_error(err, db, "creating a task");
        goto rollback;
    }
    sqlite3_bind_text(task, 1, task_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(task, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(task, 3, text, -1, SQLITE_STATIC);
    sqlite3_bind_text(task, 4, user ? user : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(task, 5, store_now_ns());
    sqlite3_bind_int64(task, 6, expires_at);
    if (sqlite3_step(task) != SQLITE_DONE) {
        rc = store_db_error(err, db, "creating a task");
        goto rollback;
    }
    if (agent_ids) {
        for (size_t i = 0; i < nagents; i++) {
            sqlite3_reset(check);
            sqlite3_bind_text(check, 1, agent_ids[i], -1, SQLITE_STATIC);
            if (sqlite3_step(check) != SQLITE_ROW) {
                rc = vg_error_set(err, -ENOENT, "no agent %s", agent_ids[i]);
                goto rollback;
            }
            if (strcmp((const char *)sqlite3_column_text(check, 0), "active") != 0) {
                rc = vg_error_set(err, -EINVAL, "agent %s is revoked", agent_ids[i]);
                goto rollback;
            }
            if ((rc = insert_target(db, target, task_id, agent_ids[i]))) {
                rc = store_db_error(err, db, "creating a task");
                goto rollback;
            }
            json_array_append_new(list, json_string(agent_ids[i]));
        }
    } else {
        while (sqlite3_step(all) == SQLITE_ROW) {
            const char *id = (const char *)sqlite3_column_text(all, 0);
            if ((rc = insert_target(db, target, task_id, id))) {
                rc = store_db_error(err, db, "creating a task");
                goto rollback;
            }
            json_array_append_new(list, json_string(id));
        }
    }
    if (json_array_size(list) == 0) {
        rc = vg_error_set(err, -EINVAL, "the task has no target agent");
        goto rollback;
    }
    rc = store_exec(db, "COMMIT", err);
    if (!rc)
        goto out;
rollback:
    store_exec(db, "ROLLBACK", NULL);
out:
    sqlite3_finalize(task);
    sqlite3_finalize(target);
    sqlite3_finalize(check);
    sqlite3_finalize(all);
    store_writer_done(st);
    free(text);
    if (rc)
        json_decref(list);
    else
        *targets = list;
    return rc;
}

bool store_tasks_pending(struct store *st, const char *agent_id)
{
    sqlite3 *db = store_writer(st);
    sqlite3_stmt *s = NULL;
    bool any = false;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM task_targets t JOIN tasks k USING (task_id)"
                               " WHERE t.agent_id=? AND t.status='pending' AND k.expires_at>?"
                               " LIMIT 1", -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, agent_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, store_now_ns());
        any = sqlite3_step(s) == SQLITE_ROW;
    }
    sqlite3_finalize(s);
    store_writer_done(st);
    return any;
}

json_t *store_tasks_take(struct store *st, const char *agent_id)
{
    json_t *out = json_array();
    sqlite3 *db = store_writer(st);
    sqlite3_stmt *s = NULL, *u = NULL;
    int64_t now = store_now_ns();
    if (!out || store_exec(db, "BEGIN IMMEDIATE", NULL))
        goto fail;
    if (sqlite3_prepare_v2(db, "SELECT k.task_id, k.kind, k.payload FROM task_targets t"
                               " JOIN tasks k USING (task_id) WHERE t.agent_id=?"
                               " AND t.status='pending' AND k.expires_at>? ORDER BY k.created_at",
                           -1, &s, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "UPDATE task_targets SET status='sent', sent_at=?"
                               " WHERE task_id=? AND agent_id=?", -1, &u, NULL) != SQLITE_OK) {
        store_exec(db, "ROLLBACK", NULL);
        goto fail;
    }
    sqlite3_bind_text(s, 1, agent_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(s, 0);
        json_error_t jerr;
        json_t *payload = json_loads((const char *)sqlite3_column_text(s, 2),
                                     JSON_DECODE_ANY, &jerr);
        json_array_append_new(out, json_pack("{s:s,s:s,s:o}", "task_id", id, "kind",
                                             (const char *)sqlite3_column_text(s, 1), "payload",
                                             payload ? payload : json_null()));
        sqlite3_reset(u);
        sqlite3_bind_int64(u, 1, now);
        sqlite3_bind_text(u, 2, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(u, 3, agent_id, -1, SQLITE_STATIC);
        sqlite3_step(u);
    }
    if (store_exec(db, "COMMIT", NULL)) {
        store_exec(db, "ROLLBACK", NULL);
        goto fail;
    }
    sqlite3_finalize(s);
    sqlite3_finalize(u);
    store_writer_done(st);
    return out;
fail:
    sqlite3_finalize(s);
    sqlite3_finalize(u);
    store_writer_done(st);
    json_decref(out);
    return NULL;
}

int store_task_answer(struct store *st, const char *task_id, const char *agent_id,
                      const char *status, json_t *result, const char *error,
                      struct vg_error *err)
{
    char *text = result ? json_dumps(result, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    sqlite3 *db = store_writer(st);
    sqlite3_stmt *s = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(db, "UPDATE task_targets SET status=?, done_at=?, result=?, error=?"
                               " WHERE task_id=? AND agent_id=? AND status IN ('pending','sent')",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = store_db_error(err, db, "recording a task answer");
    } else {
        sqlite3_bind_text(s, 1, status, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, store_now_ns());
        if (text)
            sqlite3_bind_text(s, 3, text, -1, SQLITE_STATIC);
        if (error && *error)
            sqlite3_bind_text(s, 4, error, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, task_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 6, agent_id, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = store_db_error(err, db, "recording a task answer");
        else if (sqlite3_changes(db) != 1)
            rc = vg_error_set(err, -ENOENT,
                              "task %s is not waiting for an answer from agent %s (unknown, "
                              "answered or expired)", task_id, agent_id);
    }
    sqlite3_finalize(s);
    store_writer_done(st);
    free(text);
    return rc;
}

json_t *store_task_get(struct store *st, const char *task_id)
{
    sqlite3 *db = store_writer(st);
    sqlite3_stmt *s = NULL, *t = NULL;
    json_t *task = NULL;
    if (sqlite3_prepare_v2(db, "SELECT task_id, kind, payload, created_by, created_at, expires_at"
                               " FROM tasks WHERE task_id=?", -1, &s, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT t.agent_id, a.hostname, t.status, t.sent_at, t.done_at,"
                               " t.result, t.error FROM task_targets t LEFT JOIN agents a"
                               " USING (agent_id) WHERE t.task_id=? ORDER BY a.agent_num",
                           -1, &t, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(s, 1, task_id, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_ROW)
        goto out;
    json_error_t jerr;
    json_t *payload = json_loads((const char *)sqlite3_column_text(s, 2), JSON_DECODE_ANY, &jerr);
    task = json_pack("{s:s,s:s,s:o,s:s,s:I,s:I}", "task_id", sqlite3_column_text(s, 0), "kind",
                     sqlite3_column_text(s, 1), "payload", payload ? payload : json_null(),
                     "created_by", sqlite3_column_text(s, 3), "created_at",
                     (json_int_t)sqlite3_column_int64(s, 4), "expires_at",
                     (json_int_t)sqlite3_column_int64(s, 5));
    json_t *targets = json_array();
    int pending = 0;
    sqlite3_bind_text(t, 1, task_id, -1, SQLITE_STATIC);
    while (sqlite3_step(t) == SQLITE_ROW) {
        size_t bytes = 0;
        json_t *o = json_object();
        static const char *names[] = {"agent_id", "hostname", "status", "sent_at", "done_at"};
        for (int i = 0; i < 5; i++)
            json_object_set_new(o, names[i], store_column_json(t, i, &bytes));
        const char *res = (const char *)sqlite3_column_text(t, 5);
        json_t *rj = res ? json_loads(res, JSON_DECODE_ANY, &jerr) : NULL;
        json_object_set_new(o, "result", rj ? rj : json_null());
        json_object_set_new(o, "error", store_column_json(t, 6, &bytes));
        const char *status = (const char *)sqlite3_column_text(t, 2);
        if (!strcmp(status, "pending") || !strcmp(status, "sent"))
            pending++;
        json_array_append_new(targets, o);
    }
    json_object_set_new(task, "targets", targets);
    json_object_set_new(task, "pending", json_integer(pending));
out:
    sqlite3_finalize(s);
    sqlite3_finalize(t);
    store_writer_done(st);
    return task;
}

int store_tasks_expire(struct store *st)
{
    sqlite3 *db = store_writer(st);
    sqlite3_stmt *s = NULL;
    int n = 0;
    if (sqlite3_prepare_v2(db, "UPDATE task_targets SET status='expired', done_at=?1"
                               " WHERE status IN ('pending','sent') AND task_id IN"
                               " (SELECT task_id FROM tasks WHERE expires_at<=?1)",
                           -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, store_now_ns());
        if (sqlite3_step(s) == SQLITE_DONE)
            n = sqlite3_changes(db);
    }
    sqlite3_finalize(s);
    store_writer_done(st);
    return n;
}

void store_agent_touch(struct store *st, const char *agent_id, const char *addr)
{
    sqlite3 *db = store_writer(st);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, "UPDATE agents SET last_seen=?, last_addr=? WHERE agent_id=?", -1,
                           &s, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, store_now_ns());
        sqlite3_bind_text(s, 2, addr ? addr : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, agent_id, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE)
            log_warn("store: cannot record that agent %s was seen: %s", agent_id,
                     sqlite3_errmsg(db));
    }
    sqlite3_finalize(s);
    store_writer_done(st);
}

bool store_agent_online(struct store *st, const char *agent_id, int64_t window_s)
{
    sqlite3 *db = store_writer(st);
    sqlite3_stmt *s = NULL;
    bool online = false;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM agents WHERE agent_id=? AND last_seen>?", -1, &s,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, agent_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, store_now_ns() - window_s * 1000000000ll);
        online = sqlite3_step(s) == SQLITE_ROW;
    }
    sqlite3_finalize(s);
    store_writer_done(st);
    return online;
}
