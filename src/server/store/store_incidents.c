/* store_incidents.c - incidents in the store (store_incidents.h). An alert joins one incident
 * in one transaction: the incidents its keys point to within the window are found through
 * incident_keys, merged into the oldest (the others stay as "merged" pointers to it), and the
 * incident's summary (times, count, top severity and title, hosts, techniques, keys) is
 * recomputed from its alerts. */
#include "server/store/store_incidents.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "server/store/store_internal.h"

const char store_incidents_ddl[] =
    "CREATE TABLE IF NOT EXISTS incidents (id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL,"
    " first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, title TEXT NOT NULL,"
    " severity TEXT NOT NULL, alert_count INTEGER NOT NULL, hosts TEXT NOT NULL,"
    " techniques TEXT NOT NULL, correlation_keys TEXT NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'open', merged_into INTEGER, updated_by TEXT,"
    " updated_at INTEGER);\n"
    "CREATE INDEX IF NOT EXISTS incidents_by_last_seen ON incidents (last_seen);\n"
    "CREATE TABLE IF NOT EXISTS incident_alerts (alert_key INTEGER PRIMARY KEY,"
    " incident_id INTEGER NOT NULL, time INTEGER NOT NULL, agent_id TEXT, hostname TEXT,"
    " rule_id TEXT, title TEXT, severity TEXT, severity_rank INTEGER NOT NULL, technique TEXT,"
    " entity_id TEXT);\n"
    "CREATE INDEX IF NOT EXISTS incident_alerts_by_incident ON incident_alerts"
    " (incident_id, time);\n"
    "CREATE TABLE IF NOT EXISTS incident_keys (corr_key TEXT NOT NULL,"
    " incident_id INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
    " PRIMARY KEY (corr_key, incident_id)) WITHOUT ROWID;\n"
    "CREATE TABLE IF NOT EXISTS correlation_queue (alert_key INTEGER PRIMARY KEY);\n"
    "CREATE TRIGGER IF NOT EXISTS alerts_to_correlate AFTER INSERT ON alerts"
    " WHEN new.action = 'alert' BEGIN"
    " INSERT OR IGNORE INTO correlation_queue VALUES (new.event_key); END;\n";

static const char *const severity_names[] = {"informational", "low", "medium", "high",
                                             "critical"};

static int severity_rank(const char *s)
{
    for (int i = 0; i < 5; i++)
        if (!strcmp(s, severity_names[i]))
            return i;
    return 2; /* unknown: as a medium */
}

/* Prepare sql, bind the arguments ('i' int64_t, 't' text, 'n' NULL) and step once. Returns the
 * step's result code (SQLITE_ROW, SQLITE_DONE or an error); *out keeps the statement for
 * reading a row when given (caller finalizes), else it is finalized. */
static int run(sqlite3 *db, sqlite3_stmt **out, const char *sql, const char *types, ...)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        return sqlite3_errcode(db);
    va_list ap;
    va_start(ap, types);
    for (int i = 0; types[i]; i++) {
        if (types[i] == 'i')
            sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t));
        else if (types[i] == 't')
            sqlite3_bind_text(s, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
    }
    va_end(ap);
    int rc = sqlite3_step(s);
    if (out)
        *out = s;
    else
        sqlite3_finalize(s);
    return rc;
}

static const char *col(sqlite3_stmt *s, int i)
{
    const char *t = (const char *)sqlite3_column_text(s, i);
    return t ? t : "";
}

int store_correlation_pending(struct store *st, struct incident_alert *out, size_t max,
                              struct vg_error *err)
{
    sqlite3 *db = store_reader_get(st, err);
    if (!db)
        return -EIO;
    sqlite3_stmt *s = NULL;
    int n = 0;
    if (sqlite3_prepare_v2(db, "SELECT q.alert_key, a.time, a.agent_id, a.hostname, a.rule_id,"
                               " a.rule_title, a.severity, a.technique, a.entity_id, a.user,"
                               " a.src_ip, a.uid, a.event_table FROM correlation_queue q"
                               " LEFT JOIN alerts a ON a.event_key = q.alert_key"
                               " ORDER BY q.alert_key LIMIT ?", -1, &s, NULL) != SQLITE_OK) {
        n = store_db_error(err, db, "reading the alerts to correlate");
    } else {
        sqlite3_bind_int64(s, 1, (int64_t)max);
        while ((size_t)n < max && sqlite3_step(s) == SQLITE_ROW) {
            struct incident_alert *a = &out[n++];
            memset(a, 0, sizeof(*a));
            a->key = sqlite3_column_int64(s, 0);
            a->time = sqlite3_column_int64(s, 1);
            str_copy(a->agent_id, col(s, 2), sizeof(a->agent_id));
            str_copy(a->hostname, col(s, 3), sizeof(a->hostname));
            str_copy(a->rule_id, col(s, 4), sizeof(a->rule_id));
            str_copy(a->title, col(s, 5), sizeof(a->title));
            str_copy(a->severity, col(s, 6), sizeof(a->severity));
            str_copy(a->technique, col(s, 7), sizeof(a->technique));
            str_copy(a->entity_id, col(s, 8), sizeof(a->entity_id));
            str_copy(a->user, col(s, 9), sizeof(a->user));
            str_copy(a->src_ip, col(s, 10), sizeof(a->src_ip));
            a->uid = sqlite3_column_type(s, 11) == SQLITE_INTEGER ? sqlite3_column_int64(s, 11)
                                                                  : -1;
            str_copy(a->event_table, col(s, 12), sizeof(a->event_table));
        }
    }
    sqlite3_finalize(s);
    store_reader_put(st, db);
    return n;
}

/* Move incident `from` into `into`: its alerts and keys; `from` stays as a pointer. */
static int merge(sqlite3 *db, int64_t into, int64_t from)
{
    int rc = run(db, NULL, "UPDATE incident_alerts SET incident_id=?1 WHERE incident_id=?2", "ii",
                 into, from);
    if (rc == SQLITE_DONE)
        rc = run(db, NULL,
                 "INSERT INTO incident_keys SELECT corr_key, ?1, first_seen, last_seen"
                 " FROM incident_keys WHERE incident_id=?2 AND true"
                 " ON CONFLICT (corr_key, incident_id) DO UPDATE SET"
                 " first_seen=min(first_seen, excluded.first_seen),"
                 " last_seen=max(last_seen, excluded.last_seen)", "ii", into, from);
    if (rc == SQLITE_DONE)
        rc = run(db, NULL, "DELETE FROM incident_keys WHERE incident_id=?1", "i", from);
    if (rc == SQLITE_DONE)
        rc = run(db, NULL, "UPDATE incidents SET status='merged', merged_into=?1, alert_count=0,"
                           " updated_at=?3 WHERE id=?2", "iii", into, from, store_now_ns());
    /* anything that pointed at `from` now points at `into` */
    if (rc == SQLITE_DONE)
        rc = run(db, NULL, "UPDATE incidents SET merged_into=?1 WHERE merged_into=?2", "ii", into,
                 from);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

/* Recompute an incident's summary from its alerts and keys. */
static int summarize(sqlite3 *db, int64_t id)
{
    sqlite3_stmt *s = NULL;
    int64_t first = 0, last = 0, count = 0, rank = 0;
    char title[256] = "";
    if (run(db, &s, "SELECT min(time), max(time), count(*), max(severity_rank) FROM"
                    " incident_alerts WHERE incident_id=?1", "i", id) == SQLITE_ROW) {
        first = sqlite3_column_int64(s, 0);
        last = sqlite3_column_int64(s, 1);
        count = sqlite3_column_int64(s, 2);
        rank = sqlite3_column_int64(s, 3);
    }
    sqlite3_finalize(s);
    if (run(db, &s, "SELECT title FROM incident_alerts WHERE incident_id=?1"
                    " ORDER BY severity_rank DESC, time LIMIT 1", "i", id) == SQLITE_ROW)
        str_copy(title, col(s, 0), sizeof(title));
    sqlite3_finalize(s);
    json_t *hosts = json_array(), *techniques = json_array(), *keys = json_array();
    if (sqlite3_prepare_v2(db, "SELECT DISTINCT hostname FROM incident_alerts WHERE"
                               " incident_id=?1 ORDER BY hostname", -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, id);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(hosts, json_string(col(s, 0)));
    }
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(db, "SELECT technique FROM incident_alerts WHERE incident_id=?1"
                               " AND technique != '' ORDER BY time", -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, id);
        while (sqlite3_step(s) == SQLITE_ROW) {
            char list[256];
            str_copy(list, col(s, 0), sizeof(list));
            for (char *save = NULL, *t = strtok_r(list, ", ", &save); t;
                 t = strtok_r(NULL, ", ", &save)) {
                bool seen = false;
                for (size_t i = 0; i < json_array_size(techniques) && !seen; i++)
                    seen = !strcmp(json_string_value(json_array_get(techniques, i)), t);
                if (!seen)
                    json_array_append_new(techniques, json_string(t));
            }
        }
    }
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(db, "SELECT corr_key FROM incident_keys WHERE incident_id=?1"
                               " ORDER BY corr_key LIMIT 100", -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, id);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(keys, json_string(col(s, 0)));
    }
    sqlite3_finalize(s);
    char *h = json_dumps(hosts, JSON_COMPACT), *t = json_dumps(techniques, JSON_COMPACT);
    char *k = json_dumps(keys, JSON_COMPACT);
    int rc = h && t && k
                 ? run(db, NULL, "UPDATE incidents SET first_seen=?2, last_seen=?3, alert_count=?4,"
                                 " severity=?5, title=?6, hosts=?7, techniques=?8,"
                                 " correlation_keys=?9 WHERE id=?1", "iiiittttt", id, first,
                       last, count, severity_names[rank < 0 || rank > 4 ? 2 : rank], title, h,
                       t, k)
                 : SQLITE_NOMEM;
    free(h);
    free(t);
    free(k);
    json_decref(hosts);
    json_decref(techniques);
    json_decref(keys);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

#define MAX_LINKED 16

int store_incident_attach(struct store *st, const struct incident_alert *a,
                          const char *const *keys, size_t nkeys, int64_t window_ns,
                          int64_t *incident, struct vg_error *err)
{
    sqlite3 *db = store_writer(st);
    sqlite3_stmt *s = NULL;
    int64_t linked[MAX_LINKED];
    size_t nlinked = 0;
    int64_t target = 0;
    int rank = severity_rank(a->severity);
    int rc = store_exec(db, "BEGIN IMMEDIATE", err);
    if (rc)
        goto out;
    /* already attached (a queue entry left by a crash after the attach) */
    if (run(db, &s, "SELECT incident_id FROM incident_alerts WHERE alert_key=?1", "i", a->key) ==
        SQLITE_ROW)
        target = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    s = NULL;
    if (target)
        goto dequeue;
    if (sqlite3_prepare_v2(db, "SELECT k.incident_id FROM incident_keys k JOIN incidents i ON"
                               " i.id = k.incident_id WHERE k.corr_key=?1 AND k.last_seen>=?2"
                               " AND k.first_seen<=?3 AND i.status NOT IN ('closed','merged')",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = store_db_error(err, db, "correlating an alert");
        goto rollback;
    }
    for (size_t k = 0; k < nkeys; k++) {
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, keys[k], -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, a->time - window_ns);
        sqlite3_bind_int64(s, 3, a->time + window_ns);
        while (sqlite3_step(s) == SQLITE_ROW && nlinked < MAX_LINKED) {
            int64_t id = sqlite3_column_int64(s, 0);
            bool dup = false;
            for (size_t i = 0; i < nlinked && !dup; i++)
                dup = linked[i] == id;
            if (!dup)
                linked[nlinked++] = id;
        }
    }
    sqlite3_finalize(s);
    s = NULL;
    for (size_t i = 0; i < nlinked; i++)
        if (!target || linked[i] < target)
            target = linked[i];
    if (!target) {
        if (rank == 0)
            goto dequeue; /* informational alerts join incidents but open none */
        if (run(db, NULL, "INSERT INTO incidents (created_at, first_seen, last_seen, title,"
                          " severity, alert_count, hosts, techniques, correlation_keys)"
                          " VALUES (?1, ?2, ?2, ?3, ?4, 0, '[]', '[]', '[]')", "iitt",
                store_now_ns(), a->time, a->title, a->severity) != SQLITE_DONE) {
            rc = store_db_error(err, db, "creating an incident");
            goto rollback;
        }
        target = sqlite3_last_insert_rowid(db);
    }
    for (size_t i = 0; i < nlinked; i++)
        if (linked[i] != target && merge(db, target, linked[i])) {
            rc = store_db_error(err, db, "merging incidents");
            goto rollback;
        }
    if (run(db, NULL, "INSERT INTO incident_alerts VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
            "iiitttttitt", a->key, target, a->time, a->agent_id, a->hostname, a->rule_id,
            a->title, a->severity, (int64_t)rank, a->technique, a->entity_id) != SQLITE_DONE) {
        rc = store_db_error(err, db, "attaching an alert to an incident");
        goto rollback;
    }
    for (size_t k = 0; k < nkeys; k++)
        if (run(db, NULL, "INSERT INTO incident_keys VALUES (?1, ?2, ?3, ?3)"
                          " ON CONFLICT (corr_key, incident_id) DO UPDATE SET"
                          " first_seen=min(first_seen, ?3), last_seen=max(last_seen, ?3)",
                "tii", keys[k], target, a->time) != SQLITE_DONE) {
            rc = store_db_error(err, db, "recording an incident's keys");
            goto rollback;
        }
    if (summarize(db, target)) {
        rc = store_db_error(err, db, "summarizing an incident");
        goto rollback;
    }
dequeue:
    if (run(db, NULL, "DELETE FROM correlation_queue WHERE alert_key=?1", "i", a->key) !=
        SQLITE_DONE) {
        rc = store_db_error(err, db, "taking an alert off the correlation queue");
        goto rollback;
    }
    rc = store_exec(db, "COMMIT", err);
    if (rc)
        goto rollback;
    *incident = target;
    goto out;
rollback:
    sqlite3_finalize(s);
    store_exec(db, "ROLLBACK", NULL);
out:
    store_writer_done(st);
    return rc;
}

/* The JSON text columns of an incident row as JSON values. */
static void parse_lists(json_t *row)
{
    static const char *const cols[] = {"hosts", "techniques", "correlation_keys"};
    for (size_t i = 0; i < 3; i++) {
        json_t *v = json_loads(json_string_value(json_object_get(row, cols[i])) ?
                                   json_string_value(json_object_get(row, cols[i])) : "[]",
                               0, NULL);
        if (v)
            json_object_set_new(row, cols[i], v);
    }
}

#define INCIDENT_COLUMNS                                                                       \
    "id, status, severity, title, first_seen, last_seen, alert_count, hosts, techniques,"     \
    " correlation_keys, created_at, merged_into, updated_by, updated_at"

json_t *store_incidents_json(struct store *st, int64_t since, const char *status, int limit,
                             struct vg_error *err)
{
    sqlite3 *db = store_reader_get(st, err);
    if (!db)
        return NULL;
    sqlite3_stmt *s = NULL;
    json_t *out = NULL;
    if (sqlite3_prepare_v2(db, "SELECT " INCIDENT_COLUMNS " FROM incidents WHERE last_seen>=?1"
                               " AND (?2 IS NULL AND status != 'merged' OR status=?2)"
                               " ORDER BY last_seen DESC LIMIT ?3", -1, &s, NULL) != SQLITE_OK) {
        store_db_error(err, db, "listing incidents");
    } else {
        sqlite3_bind_int64(s, 1, since);
        if (status)
            sqlite3_bind_text(s, 2, status, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(s, 3, limit);
        out = store_rows_json(s);
        size_t i;
        json_t *r;
        json_array_foreach(out, i, r)
            parse_lists(r);
    }
    sqlite3_finalize(s);
    store_reader_put(st, db);
    return out;
}

int store_incident_json(struct store *st, int64_t id, json_t **out, struct vg_error *err)
{
    sqlite3 *db = store_reader_get(st, err);
    if (!db)
        return -EIO;
    int rc = 0;
    sqlite3_stmt *s = NULL;
    json_t *inc = NULL;
    if (sqlite3_prepare_v2(db, "SELECT " INCIDENT_COLUMNS " FROM incidents WHERE id=?1", -1, &s,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, id);
        json_t *rows = store_rows_json(s);
        inc = json_incref(json_array_get(rows, 0));
        json_decref(rows);
    }
    sqlite3_finalize(s);
    s = NULL;
    if (!inc) {
        rc = vg_error_set(err, -ENOENT, "no incident %lld", (long long)id);
        goto out;
    }
    parse_lists(inc);
    int64_t alerts_of = json_is_integer(json_object_get(inc, "merged_into"))
                            ? json_integer_value(json_object_get(inc, "merged_into"))
                            : id;
    if (sqlite3_prepare_v2(db, "SELECT i.alert_key AS event_key, i.time, i.agent_id, i.hostname,"
                               " i.rule_id, i.title, i.severity, i.technique, i.entity_id,"
                               " a.exe, a.cmdline, a.user, a.path, a.src_ip, a.dst_ip, a.message"
                               " FROM incident_alerts i LEFT JOIN alerts a ON"
                               " a.event_key = i.alert_key WHERE i.incident_id=?1"
                               " ORDER BY i.time, i.alert_key LIMIT 10000", -1, &s,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, alerts_of);
        json_object_set_new(inc, "alerts", store_rows_json(s));
    }
    sqlite3_finalize(s);
out:
    store_reader_put(st, db);
    *out = inc;
    return rc;
}

int store_incident_set_status(struct store *st, int64_t id, const char *status, const char *user,
                              struct vg_error *err)
{
    sqlite3 *db = store_writer(st);
    int rc = run(db, NULL, "UPDATE incidents SET status=?2, updated_by=?3, updated_at=?4"
                           " WHERE id=?1 AND status != 'merged'", "itti", id, status, user,
                 store_now_ns());
    int changed = sqlite3_changes(db);
    if (rc != SQLITE_DONE)
        rc = store_db_error(err, db, "updating an incident");
    else if (!changed)
        rc = vg_error_set(err, -ENOENT, "no open or closed incident %lld (merged incidents "
                                        "follow the one they were merged into)", (long long)id);
    else
        rc = 0;
    store_writer_done(st);
    return rc;
}
