/* store_baseline.c - tables and queries of baseline results (store_baseline.h). */
#include "server/store/store_baseline.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "server/store/store_internal.h"

const char store_baseline_ddl[] =
    "CREATE TABLE IF NOT EXISTS baseline_current (agent_id TEXT NOT NULL,"
    " policy_id TEXT NOT NULL, check_id INTEGER NOT NULL, policy_name TEXT, check_title TEXT,"
    " check_result TEXT NOT NULL, previous_result TEXT, reason TEXT, evidence TEXT,"
    " remediation TEXT, run_id TEXT, time INTEGER NOT NULL,"
    " PRIMARY KEY (agent_id, policy_id, check_id));\n"
    "CREATE INDEX IF NOT EXISTS baseline_current_by_result ON baseline_current (check_result);\n"
    "CREATE TABLE IF NOT EXISTS baseline_scores (agent_id TEXT NOT NULL,"
    " policy_id TEXT NOT NULL, policy_name TEXT, status TEXT NOT NULL, score INTEGER,"
    " passed INTEGER, failed INTEGER, not_applicable INTEGER, total_checks INTEGER,"
    " reason TEXT, policy_file TEXT, run_id TEXT, trigger TEXT, duration_ms INTEGER,"
    " time INTEGER NOT NULL, PRIMARY KEY (agent_id, policy_id));\n";

static void bind_opt(sqlite3_stmt *s, int i, const struct event *ev, enum field_id f)
{
    const char *v = event_get_str(ev, f);
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

static void bind_int_opt(sqlite3_stmt *s, int i, const struct event *ev, enum field_id f)
{
    int64_t v;
    if (event_get_int(ev, f, &v))
        sqlite3_bind_int64(s, i, v);
    else
        sqlite3_bind_null(s, i);
}

static int apply_check(sqlite3_stmt *s, const char *agent_id, const struct event *ev)
{
    int64_t check_id;
    const char *policy = event_get_str(ev, FLD_POLICY_ID);
    const char *result = event_get_str(ev, FLD_CHECK_RESULT);
    if (!policy || !result || !event_get_int(ev, FLD_CHECK_ID, &check_id))
        return 0; /* malformed: kept in the event table, not in the current view */
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    sqlite3_bind_text(s, 1, agent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, policy, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, check_id);
    bind_opt(s, 4, ev, FLD_POLICY_NAME);
    bind_opt(s, 5, ev, FLD_CHECK_TITLE);
    sqlite3_bind_text(s, 6, result, -1, SQLITE_STATIC);
    bind_opt(s, 7, ev, FLD_PREVIOUS_RESULT);
    bind_opt(s, 8, ev, FLD_REASON);
    bind_opt(s, 9, ev, FLD_EVIDENCE);
    bind_opt(s, 10, ev, FLD_REMEDIATION);
    bind_opt(s, 11, ev, FLD_RUN_ID);
    sqlite3_bind_int64(s, 12, (int64_t)ev->time_ns);
    return sqlite3_step(s) == SQLITE_DONE ? 0 : -EIO;
}

static int apply_run(sqlite3 *db, sqlite3_stmt *s, sqlite3_stmt *prune, const char *agent_id,
                     const struct event *ev)
{
    const char *policy = event_get_str(ev, FLD_POLICY_ID);
    if (!policy || !*policy)
        policy = event_get_str(ev, FLD_POLICY_FILE); /* a file that could not be loaded */
    if (!policy)
        return 0;
    const char *status = !strcmp(ev->action, "summary") ? "ran" : ev->action;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    sqlite3_bind_text(s, 1, agent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, policy, -1, SQLITE_STATIC);
    bind_opt(s, 3, ev, FLD_POLICY_NAME);
    sqlite3_bind_text(s, 4, status, -1, SQLITE_STATIC);
    bind_int_opt(s, 5, ev, FLD_SCORE);
    bind_int_opt(s, 6, ev, FLD_PASSED);
    bind_int_opt(s, 7, ev, FLD_FAILED);
    bind_int_opt(s, 8, ev, FLD_NOT_APPLICABLE);
    bind_int_opt(s, 9, ev, FLD_TOTAL_CHECKS);
    bind_opt(s, 10, ev, FLD_REASON);
    bind_opt(s, 11, ev, FLD_POLICY_FILE);
    bind_opt(s, 12, ev, FLD_RUN_ID);
    bind_opt(s, 13, ev, FLD_TRIGGER);
    bind_int_opt(s, 14, ev, FLD_DURATION_MS);
    sqlite3_bind_int64(s, 15, (int64_t)ev->time_ns);
    if (sqlite3_step(s) != SQLITE_DONE)
        return -EIO;
    if (sqlite3_changes(db) == 0 || !strcmp(ev->action, "error"))
        return 0; /* older than what is stored; or the old results stay until the file loads */
    /* checks of this policy not in the run that just ended (removed from the policy, or the
     * policy no longer applies) leave the current view */
    const char *run_id = event_get_str(ev, FLD_RUN_ID);
    sqlite3_reset(prune);
    sqlite3_clear_bindings(prune);
    sqlite3_bind_text(prune, 1, agent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(prune, 2, policy, -1, SQLITE_STATIC);
    sqlite3_bind_text(prune, 3, run_id && !strcmp(ev->action, "summary") ? run_id : "", -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(prune, 4, (int64_t)ev->time_ns);
    return sqlite3_step(prune) == SQLITE_DONE ? 0 : -EIO;
}

int store_baseline_apply(struct store *st, const char *agent_id, struct event *const *events,
                         size_t n, struct vg_error *err)
{
    bool any = false;
    for (size_t i = 0; i < n && !any; i++)
        any = events[i]->table == TBL_BASELINE_CHECKS || events[i]->table == TBL_BASELINE_RUNS;
    if (!any)
        return 0;
    sqlite3 *db = store_writer(st);
    sqlite3_stmt *chk = NULL, *run = NULL, *prune = NULL;
    int rc = store_exec(db, "BEGIN IMMEDIATE", err);
    if (rc)
        goto out;
    if (sqlite3_prepare_v2(db,
            "INSERT INTO baseline_current (agent_id, policy_id, check_id, policy_name,"
            " check_title, check_result, previous_result, reason, evidence, remediation, run_id,"
            " time) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (agent_id, policy_id, check_id)"
            " DO UPDATE SET policy_name=excluded.policy_name, check_title=excluded.check_title,"
            " check_result=excluded.check_result, previous_result=excluded.previous_result,"
            " reason=excluded.reason, evidence=excluded.evidence,"
            " remediation=excluded.remediation, run_id=excluded.run_id, time=excluded.time"
            " WHERE excluded.time >= baseline_current.time", -1, &chk, NULL) ||
        sqlite3_prepare_v2(db,
            "INSERT INTO baseline_scores (agent_id, policy_id, policy_name, status, score,"
            " passed, failed, not_applicable, total_checks, reason, policy_file, run_id,"
            " trigger, duration_ms, time) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (agent_id, policy_id) DO UPDATE SET policy_name=excluded.policy_name,"
            " status=excluded.status, score=excluded.score, passed=excluded.passed,"
            " failed=excluded.failed, not_applicable=excluded.not_applicable,"
            " total_checks=excluded.total_checks, reason=excluded.reason,"
            " policy_file=excluded.policy_file, run_id=excluded.run_id,"
            " trigger=excluded.trigger, duration_ms=excluded.duration_ms, time=excluded.time"
            " WHERE excluded.time >= baseline_scores.time", -1, &run, NULL) ||
        sqlite3_prepare_v2(db,
            "DELETE FROM baseline_current WHERE agent_id=? AND policy_id=?"
            " AND coalesce(run_id,'') != ? AND time < ?", -1, &prune, NULL)) {
        rc = store_db_error(err, db, "preparing baseline updates");
        goto rollback;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        const struct event *ev = events[i];
        if (ev->table == TBL_BASELINE_CHECKS)
            rc = apply_check(chk, agent_id, ev);
        else if (ev->table == TBL_BASELINE_RUNS)
            rc = apply_run(db, run, prune, agent_id, ev);
    }
    if (rc) {
        rc = store_db_error(err, db, "updating baseline results");
        goto rollback;
    }
    rc = store_exec(db, "COMMIT", err);
    if (!rc)
        goto out;
rollback:
    store_exec(db, "ROLLBACK", NULL);
out:
    sqlite3_finalize(chk);
    sqlite3_finalize(run);
    sqlite3_finalize(prune);
    store_writer_done(st);
    return rc;
}

json_t *store_baseline_json(struct store *st, const struct baseline_filter *f, bool with_checks,
                            struct vg_error *err)
{
    static const char filter[] =
        " WHERE (?1 IS NULL OR x.agent_id = ?1 OR a.hostname = ?1)"
        " AND (?2 IS NULL OR x.policy_id = ?2)";
    char sql[1400];
    json_t *out = NULL, *scores = NULL, *checks = NULL;
    sqlite3_stmt *s = NULL;
    sqlite3 *db = store_writer(st);
    snprintf(sql, sizeof(sql),
             "SELECT x.agent_id, a.hostname, x.policy_id, x.policy_name, x.status, x.score,"
             " x.passed, x.failed, x.not_applicable, x.total_checks, x.reason, x.run_id,"
             " x.trigger, x.duration_ms, x.time FROM baseline_scores x"
             " LEFT JOIN agents a USING (agent_id)%s ORDER BY a.hostname, x.policy_id", filter);
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        store_db_error(err, db, "reading baseline scores");
        goto out;
    }
    if (f->host)
        sqlite3_bind_text(s, 1, f->host, -1, SQLITE_STATIC);
    if (f->policy)
        sqlite3_bind_text(s, 2, f->policy, -1, SQLITE_STATIC);
    scores = store_rows_json(s);
    sqlite3_finalize(s);
    s = NULL;
    if (with_checks) {
        snprintf(sql, sizeof(sql),
                 "SELECT x.agent_id, a.hostname, x.policy_id, x.check_id, x.check_title,"
                 " x.check_result, x.previous_result, x.reason, x.evidence, x.remediation,"
                 " x.run_id, x.time FROM baseline_current x LEFT JOIN agents a USING (agent_id)"
                 "%s AND (?3 = 0 OR x.check_result = 'failed')"
                 " ORDER BY a.hostname, x.policy_id, x.check_id LIMIT ?4", filter);
        if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
            store_db_error(err, db, "reading baseline checks");
            goto out;
        }
        if (f->host)
            sqlite3_bind_text(s, 1, f->host, -1, SQLITE_STATIC);
        if (f->policy)
            sqlite3_bind_text(s, 2, f->policy, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, f->failed_only);
        sqlite3_bind_int64(s, 4, f->limit ? (int64_t)f->limit : 100000);
        checks = store_rows_json(s);
    }
    if (!scores || (with_checks && !checks)) {
        vg_error_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    out = json_pack("{s:O}", "scores", scores);
    if (out && with_checks)
        json_object_set(out, "checks", checks);
out:
    sqlite3_finalize(s);
    store_writer_done(st);
    json_decref(scores);
    json_decref(checks);
    return out;
}
