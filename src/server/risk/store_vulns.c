/* store_vulns.c - the vulnerability data tables and importing documents into them (vulns.h):
 * the readers of vulndb.h feed advisories to a sink that writes them. */
#include "server/risk/vulns.h"

#include <errno.h>
#include <string.h>

#include "server/risk/vulndb.h"
#include "server/store/store.h"
#include "server/store/store_internal.h"

const char store_vulns_ddl[] =
    "CREATE TABLE IF NOT EXISTS vuln_sources (source TEXT PRIMARY KEY, format TEXT NOT NULL,"
    " data_date INTEGER, imported_at INTEGER NOT NULL, imported_by TEXT, advisories INTEGER,"
    " affected INTEGER, skipped INTEGER, problem TEXT);\n"
    "CREATE TABLE IF NOT EXISTS vulns (source TEXT NOT NULL, vuln_id TEXT NOT NULL, cves TEXT,"
    " summary TEXT, severity TEXT, cvss_score REAL, cvss_vector TEXT, published INTEGER,"
    " modified INTEGER, PRIMARY KEY (source, vuln_id)) WITHOUT ROWID;\n"
    "CREATE TABLE IF NOT EXISTS vuln_affected (source TEXT NOT NULL, vuln_id TEXT NOT NULL,"
    " ecosystem TEXT NOT NULL, package TEXT NOT NULL, version_type TEXT NOT NULL,"
    " introduced TEXT, fixed TEXT, last_affected TEXT, exact TEXT, fix_state TEXT NOT NULL,"
    " severity TEXT);\n"
    "CREATE INDEX IF NOT EXISTS vuln_affected_by_package ON vuln_affected (package, ecosystem);\n"
    "CREATE INDEX IF NOT EXISTS vuln_affected_by_vuln ON vuln_affected (source, vuln_id);\n";

struct import_ctx {
    sqlite3 *db;
    const char *source;
    sqlite3_stmt *del_aff, *del_vuln, *ins_vuln, *ins_aff;
};

static int step(struct import_ctx *c, sqlite3_stmt *s, struct vg_error *err, const char *what)
{
    int r = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return r == SQLITE_DONE ? 0 : store_db_error(err, c->db, what);
}

static int sink_advisory(void *ctx, const struct vuln_advisory *adv,
                         const struct vuln_affected *aff, size_t n, struct vg_error *err)
{
    struct import_ctx *c = ctx;
    int rc;
    store_bind_text(c->del_aff, 1, c->source);
    store_bind_text(c->del_aff, 2, adv->id);
    if ((rc = step(c, c->del_aff, err, "replacing an advisory")))
        return rc;
    store_bind_text(c->del_vuln, 1, c->source);
    store_bind_text(c->del_vuln, 2, adv->id);
    if ((rc = step(c, c->del_vuln, err, "replacing an advisory")))
        return rc;
    if (adv->withdrawn || n == 0)
        return 0; /* withdrawn, or about nothing installed on hosts (language ecosystems) */
    sqlite3_stmt *s = c->ins_vuln;
    store_bind_text(s, 1, c->source);
    store_bind_text(s, 2, adv->id);
    store_bind_text(s, 3, adv->cves);
    store_bind_text(s, 4, adv->summary);
    store_bind_text(s, 5, adv->severity);
    if (adv->cvss_score >= 0)
        sqlite3_bind_double(s, 6, adv->cvss_score);
    store_bind_text(s, 7, adv->cvss_vector);
    if (adv->published)
        sqlite3_bind_int64(s, 8, adv->published);
    if (adv->modified)
        sqlite3_bind_int64(s, 9, adv->modified);
    if ((rc = step(c, s, err, "writing an advisory")))
        return rc;
    for (size_t i = 0; i < n; i++) {
        s = c->ins_aff;
        store_bind_text(s, 1, c->source);
        store_bind_text(s, 2, adv->id);
        store_bind_text(s, 3, aff[i].ecosystem);
        store_bind_text(s, 4, aff[i].package);
        store_bind_text(s, 5, aff[i].version_type);
        store_bind_text(s, 6, aff[i].introduced);
        store_bind_text(s, 7, aff[i].fixed);
        store_bind_text(s, 8, aff[i].last_affected);
        store_bind_text(s, 9, aff[i].exact);
        store_bind_text(s, 10, aff[i].fix_state);
        store_bind_text(s, 11, aff[i].severity);
        if ((rc = step(c, s, err, "writing an affected package")))
            return rc;
    }
    return 0;
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **s, struct vg_error *err)
{
    return sqlite3_prepare_v2(db, sql, -1, s, NULL) == SQLITE_OK
               ? 0
               : store_db_error(err, db, "preparing the vulnerability import");
}

int vulns_import(struct store *st, const char *source, const char *format, json_t *data,
                 bool replace, int64_t data_date, const char *who, json_t **report,
                 struct vg_error *err)
{
    struct import_ctx c = {.source = source};
    struct vulndb_stats stats = {0};
    struct vulndb_sink sink = {.ctx = &c, .advisory = sink_advisory};
    sqlite3_stmt *src = NULL, *drop = NULL;
    bool osv = format && !strcmp(format, "osv");
    *report = NULL;
    if (!osv && !(format && !strcmp(format, "debian")))
        return vg_error_set(err, -EINVAL, "unknown vulnerability data format '%s' (osv, "
                            "debian)", format ? format : "");
    sqlite3 *db = c.db = store_writer(st);
    int rc = store_exec(db, "BEGIN IMMEDIATE", err);
    if (rc)
        goto cleanup;
    if (replace) {
        static const char *const drops[] = {"DELETE FROM vuln_affected WHERE source = ?1",
                                            "DELETE FROM vulns WHERE source = ?1"};
        for (size_t i = 0; i < 2 && !rc; i++) {
            if (!(rc = prepare(db, drops[i], &drop, err))) {
                store_bind_text(drop, 1, source);
                if (sqlite3_step(drop) != SQLITE_DONE)
                    rc = store_db_error(err, db, "dropping the source's earlier data");
            }
            sqlite3_finalize(drop);
            drop = NULL;
        }
    }
    if (rc ||
        (rc = prepare(db, "DELETE FROM vuln_affected WHERE source = ?1 AND vuln_id = ?2",
                      &c.del_aff, err)) ||
        (rc = prepare(db, "DELETE FROM vulns WHERE source = ?1 AND vuln_id = ?2", &c.del_vuln,
                      err)) ||
        (rc = prepare(db, "INSERT INTO vulns (source, vuln_id, cves, summary, severity,"
                          " cvss_score, cvss_vector, published, modified)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", &c.ins_vuln, err)) ||
        (rc = prepare(db, "INSERT INTO vuln_affected (source, vuln_id, ecosystem, package,"
                          " version_type, introduced, fixed, last_affected, exact, fix_state,"
                          " severity) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                      &c.ins_aff, err)))
        goto rollback;
    rc = osv ? vulndb_read_osv(data, &sink, &stats, err)
             : vulndb_read_debian(data, &sink, &stats, err);
    if (rc)
        goto rollback;
    if (stats.newest)
        data_date = stats.newest; /* the data's own date (OSV modified) over the file's */
    if ((rc = prepare(db,
                      "INSERT INTO vuln_sources (source, format, data_date, imported_at,"
                      " imported_by, advisories, affected, skipped, problem)"
                      " VALUES (?1, ?2, ?3, ?4, ?5,"
                      " (SELECT count(*) FROM vulns WHERE source = ?1),"
                      " (SELECT count(*) FROM vuln_affected WHERE source = ?1), ?6, ?7)"
                      " ON CONFLICT (source) DO UPDATE SET format = excluded.format,"
                      " data_date = max(coalesce(excluded.data_date, 0), CASE WHEN ?8"
                      "   THEN 0 ELSE coalesce(data_date, 0) END),"
                      " imported_at = excluded.imported_at, imported_by = excluded.imported_by,"
                      " advisories = excluded.advisories, affected = excluded.affected,"
                      " skipped = excluded.skipped, problem = excluded.problem",
                      &src, err)))
        goto rollback;
    store_bind_text(src, 1, source);
    store_bind_text(src, 2, format);
    if (data_date)
        sqlite3_bind_int64(src, 3, data_date);
    sqlite3_bind_int64(src, 4, store_now_ns());
    store_bind_text(src, 5, who);
    sqlite3_bind_int64(src, 6, (int64_t)stats.skipped);
    store_bind_text(src, 7, stats.first_problem[0] ? stats.first_problem : NULL);
    sqlite3_bind_int(src, 8, replace);
    if (sqlite3_step(src) != SQLITE_DONE) {
        rc = store_db_error(err, db, "recording the source");
        goto rollback;
    }
    if ((rc = store_exec(db, "COMMIT", err)))
        goto rollback;
    *report = json_pack("{s:s,s:s,s:I,s:I,s:I,s:s?}", "source", source, "format", format,
                        "advisories", (json_int_t)stats.advisories, "affected",
                        (json_int_t)stats.affected, "skipped", (json_int_t)stats.skipped,
                        "first_problem", stats.first_problem[0] ? stats.first_problem : NULL);
    if (!*report)
        rc = vg_error_set(err, -ENOMEM, "out of memory");
    goto cleanup;
rollback:
    store_exec(db, "ROLLBACK", NULL);
cleanup:
    sqlite3_finalize(c.del_aff);
    sqlite3_finalize(c.del_vuln);
    sqlite3_finalize(c.ins_vuln);
    sqlite3_finalize(c.ins_aff);
    sqlite3_finalize(src);
    store_writer_done(st);
    return rc;
}

json_t *vulns_sources_json(struct store *st, struct vg_error *err)
{
    sqlite3_stmt *s = NULL;
    json_t *out = NULL;
    sqlite3 *db = store_reader_get(st, err);
    if (!db)
        return NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT source, format, data_date, imported_at, imported_by,"
                           " advisories, affected, skipped, problem FROM vuln_sources"
                           " ORDER BY source", -1, &s, NULL) != SQLITE_OK) {
        store_db_error(err, db, "reading the vulnerability sources");
        goto cleanup;
    }
    json_t *rows = store_rows_json(s);
    out = rows ? json_pack("{s:o}", "sources", rows) : NULL;
    if (!out)
        vg_error_set(err, -ENOMEM, "out of memory");
cleanup:
    sqlite3_finalize(s);
    store_reader_put(st, db);
    return out;
}
