/* store_findings.c - the findings table and its lifecycle (findings.h). */
#include "server/risk/findings.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "server/store/store.h"
#include "server/store/store_internal.h"

const char store_findings_ddl[] =
    "CREATE TABLE IF NOT EXISTS findings (id INTEGER PRIMARY KEY, agent_id TEXT NOT NULL,"
    " hostname TEXT, check_name TEXT NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL,"
    " severity TEXT NOT NULL, severity_rank INTEGER NOT NULL, title TEXT, detail TEXT,"
    " remediation TEXT, cve TEXT, package_name TEXT, cvss REAL,"
    " status TEXT NOT NULL DEFAULT 'open', first_seen INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL, fixed_at INTEGER, status_reason TEXT, status_by TEXT,"
    " status_at INTEGER, UNIQUE (agent_id, kind, subject));\n"
    "CREATE INDEX IF NOT EXISTS findings_by_check ON findings (agent_id, check_name, status);\n"
    "CREATE INDEX IF NOT EXISTS findings_by_kind ON findings (kind, status);\n"
    "CREATE INDEX IF NOT EXISTS findings_by_cve ON findings (cve);\n";

static int severity_rank(const char *s)
{
    static const char *const names[] = {"unknown", "informational", "low", "medium", "high",
                                        "critical"};
    for (int i = 0; s && i < (int)(sizeof(names) / sizeof(names[0])); i++)
        if (!strcmp(s, names[i]))
            return i;
    return 0;
}

int store_findings_report(sqlite3 *db, sqlite3_stmt **stmt, const struct finding *f,
                          struct vg_error *err)
{
    static const char sql[] =
        "INSERT INTO findings (agent_id, hostname, check_name, kind, subject, severity,"
        " severity_rank, title, detail, remediation, cve, package_name, cvss, status,"
        " first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
        " 'open', ?14, ?14)"
        " ON CONFLICT (agent_id, kind, subject) DO UPDATE SET"
        " hostname = coalesce(excluded.hostname, hostname), check_name = excluded.check_name,"
        " severity = excluded.severity, severity_rank = excluded.severity_rank,"
        " title = excluded.title, detail = excluded.detail, remediation = excluded.remediation,"
        " cve = excluded.cve, package_name = excluded.package_name, cvss = excluded.cvss,"
        " status = CASE WHEN status = 'fixed' AND excluded.last_seen > coalesce(fixed_at, 0)"
        "   THEN 'open' ELSE status END,"
        " fixed_at = CASE WHEN status = 'fixed' AND excluded.last_seen > coalesce(fixed_at, 0)"
        "   THEN NULL ELSE fixed_at END,"
        " last_seen = excluded.last_seen"
        " WHERE excluded.last_seen >= last_seen";
    int rc = 0;
    if (!f->agent_id || !f->check || !f->kind || !f->subject)
        return vg_error_set(err, -EINVAL, "a finding needs an agent, a check, a kind and a "
                                          "subject");
    if (!*stmt && sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL) !=
                      SQLITE_OK)
        return store_db_error(err, db, "preparing a finding");
    sqlite3_stmt *s = *stmt;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    store_bind_text(s, 1, f->agent_id);
    store_bind_text(s, 2, f->hostname);
    store_bind_text(s, 3, f->check);
    store_bind_text(s, 4, f->kind);
    store_bind_text(s, 5, f->subject);
    store_bind_text(s, 6, f->severity ? f->severity : "unknown");
    sqlite3_bind_int(s, 7, severity_rank(f->severity));
    store_bind_text(s, 8, f->title);
    store_bind_text(s, 9, f->detail);
    store_bind_text(s, 10, f->remediation);
    store_bind_text(s, 11, f->cve);
    store_bind_text(s, 12, f->package);
    if (f->cvss >= 0)
        sqlite3_bind_double(s, 13, f->cvss);
    else
        sqlite3_bind_null(s, 13);
    sqlite3_bind_int64(s, 14, f->time);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = store_db_error(err, db, "writing a finding");
    sqlite3_reset(s);
    return rc;
}

int store_findings_sweep(sqlite3 *db, const char *agent_id, const char *check, int64_t t,
                         int *fixed, struct vg_error *err)
{
    static const char sql[] =
        "UPDATE findings SET status = 'fixed', fixed_at = ?3 WHERE agent_id = ?1"
        " AND check_name = ?2 AND status != 'fixed' AND last_seen < ?3";
    sqlite3_stmt *s = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        rc = store_db_error(err, db, "preparing the fixed findings");
        goto cleanup;
    }
    sqlite3_bind_text(s, 1, agent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, check, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, t);
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = store_db_error(err, db, "marking findings fixed");
        goto cleanup;
    }
    if (fixed)
        *fixed = sqlite3_changes(db);
cleanup:
    sqlite3_finalize(s);
    return rc;
}

/* The WHERE clause of a filter, binding ?1..?9 (see bind_filter). */
static const char filter_sql[] =
    " WHERE (?1 IS NULL OR f.agent_id = ?1 OR f.hostname = ?1 OR f.hostname GLOB ?1)"
    " AND (?2 IS NULL OR f.kind = ?2)"
    " AND (?3 IS NULL OR f.severity_rank >= ?3)"
    " AND (CASE coalesce(?4, 'current') WHEN 'all' THEN 1"
    "   WHEN 'current' THEN f.status IN ('open', 'accepted') ELSE f.status = ?4 END)"
    " AND (?5 IS NULL OR f.cve = ?5)"
    " AND (?6 IS NULL OR f.package_name = ?6)"
    " AND (?7 IS NULL OR f.check_name = ?7)"
    " AND (?8 IS NULL OR f.id = ?8)";

static void bind_filter(sqlite3_stmt *s, const struct findings_filter *f)
{
    store_bind_text(s, 1, f->host);
    store_bind_text(s, 2, f->kind);
    if (f->severity)
        sqlite3_bind_int(s, 3, severity_rank(f->severity));
    store_bind_text(s, 4, f->status);
    store_bind_text(s, 5, f->cve);
    store_bind_text(s, 6, f->package);
    store_bind_text(s, 7, f->check);
    if (f->id > 0)
        sqlite3_bind_int64(s, 8, f->id);
}

json_t *store_findings_json(struct store *st, const struct findings_filter *f,
                            struct vg_error *err)
{
    char sql[2048];
    json_t *out = NULL;
    sqlite3_stmt *s = NULL;
    sqlite3 *db = store_reader_get(st, err);
    if (!db)
        return NULL;
    snprintf(sql, sizeof(sql),
             "SELECT f.id, f.agent_id, f.hostname, f.check_name AS check_name, f.kind,"
             " f.subject, f.severity, f.cvss, f.title, f.detail, f.remediation, f.cve,"
             " f.package_name, f.status, f.first_seen, f.last_seen, f.fixed_at,"
             " f.status_reason, f.status_by, f.status_at FROM findings f%s"
             " ORDER BY f.severity_rank DESC, f.cvss DESC, f.hostname, f.kind, f.subject"
             " LIMIT ?9", filter_sql);
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        store_db_error(err, db, "reading findings");
        goto cleanup;
    }
    bind_filter(s, f);
    sqlite3_bind_int64(s, 9, f->limit ? (int64_t)f->limit : 10000);
    json_t *rows = store_rows_json(s);
    if (!rows) {
        vg_error_set(err, -ENOMEM, "out of memory");
        goto cleanup;
    }
    /* detail is a JSON object stored as text: give it back as one */
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        const char *d = json_string_value(json_object_get(row, "detail"));
        json_t *parsed = d ? json_loads(d, 0, NULL) : NULL;
        if (parsed)
            json_object_set_new(row, "detail", parsed);
    }
    out = json_pack("{s:o}", "findings", rows);
cleanup:
    sqlite3_finalize(s);
    store_reader_put(st, db);
    return out;
}

json_t *store_findings_summary(struct store *st, const struct findings_filter *f,
                               const char *by, struct vg_error *err)
{
    static const struct {
        const char *name, *expr;
    } groups[] = {
        {"kind", "f.kind"}, {"host", "coalesce(f.hostname, f.agent_id)"},
        {"severity", "f.severity"}, {"cve", "f.cve"}, {"package", "f.package_name"},
        {"status", "f.status"}, {"check", "f.check_name"},
    };
    const char *expr = NULL;
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
        if (by && !strcmp(by, groups[i].name))
            expr = groups[i].expr;
    if (!expr) {
        vg_error_set(err, -EINVAL, "unknown grouping '%s' (kind, host, severity, cve, package, "
                     "status, check)", by ? by : "");
        return NULL;
    }
    char sql[3072];
    json_t *out = NULL;
    sqlite3_stmt *s = NULL;
    sqlite3 *db = store_reader_get(st, err);
    if (!db)
        return NULL;
    snprintf(sql, sizeof(sql),
             "SELECT %s AS key, count(*) AS findings, count(DISTINCT f.agent_id) AS hosts,"
             " sum(f.severity = 'critical') AS critical, sum(f.severity = 'high') AS high,"
             " sum(f.severity = 'medium') AS medium, sum(f.severity = 'low') AS low,"
             " sum(f.status = 'accepted') AS accepted, max(f.severity_rank) AS max_rank,"
             " group_concat(DISTINCT coalesce(f.hostname, f.agent_id)) AS host_names"
             " FROM findings f%s AND %s IS NOT NULL GROUP BY 1"
             " ORDER BY max_rank DESC, findings DESC, key LIMIT ?9",
             expr, filter_sql, expr);
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        store_db_error(err, db, "summarizing findings");
        goto cleanup;
    }
    bind_filter(s, f);
    sqlite3_bind_int64(s, 9, f->limit ? (int64_t)f->limit : 10000);
    json_t *rows = store_rows_json(s);
    if (!rows) {
        vg_error_set(err, -ENOMEM, "out of memory");
        goto cleanup;
    }
    out = json_pack("{s:s,s:o}", "by", by, "groups", rows);
cleanup:
    sqlite3_finalize(s);
    store_reader_put(st, db);
    return out;
}

int store_findings_set_status(struct store *st, int64_t id, const char *status,
                              const char *reason, const char *who, struct vg_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = 0;
    if (!status || (strcmp(status, "accepted") && strcmp(status, "open")))
        return vg_error_set(err, -EINVAL, "status must be accepted or open");
    if (!strcmp(status, "accepted") && (!reason || !*reason))
        return vg_error_set(err, -EINVAL, "accepting a finding needs a reason");
    sqlite3 *db = store_writer(st);
    if (sqlite3_prepare_v2(db, "SELECT status FROM findings WHERE id = ?1", -1, &s, NULL) !=
        SQLITE_OK) {
        rc = store_db_error(err, db, "reading a finding");
        goto cleanup;
    }
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        rc = vg_error_set(err, -ENOENT, "no finding %lld", (long long)id);
        goto cleanup;
    }
    if (!strcmp((const char *)sqlite3_column_text(s, 0), "fixed")) {
        rc = vg_error_set(err, -EINVAL, "finding %lld is fixed: it no longer holds",
                          (long long)id);
        goto cleanup;
    }
    sqlite3_finalize(s);
    s = NULL;
    if (sqlite3_prepare_v2(db,
                           "UPDATE findings SET status = ?2, status_reason = ?3, status_by = ?4,"
                           " status_at = ?5 WHERE id = ?1 AND status != 'fixed'",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = store_db_error(err, db, "preparing a finding's status");
        goto cleanup;
    }
    sqlite3_bind_int64(s, 1, id);
    store_bind_text(s, 2, status);
    store_bind_text(s, 3, reason && *reason ? reason : NULL);
    store_bind_text(s, 4, who);
    sqlite3_bind_int64(s, 5, store_now_ns());
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = store_db_error(err, db, "writing a finding's status");
cleanup:
    sqlite3_finalize(s);
    store_writer_done(st);
    return rc;
}
