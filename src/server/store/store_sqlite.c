/* store_sqlite.c - the SQLite store (store.h): state tables, event tables from the schema,
 * ingest with de-duplication by event key, and read-only hunting queries.
 *
 * Concurrency: the writer connection is used under `wlock` only. Queries take a read-only
 * connection from a small pool; in WAL mode they read a consistent snapshot while ingest
 * writes. Each query connection is opened SQLITE_OPEN_READONLY with query_only set, and an
 * authorizer admits only reads of non-secret tables, so a hunt cannot write, attach or
 * change settings whatever SQL it sends. */
#include "server/store/store.h"
#include "server/store/store_internal.h"

#include <crypt.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/inventory_schema.h"
#include "common/log.h"
#include "common/schema.h"
#include "common/util.h"

#define SCHEMA_VERSION 1

static const char *const state_ddl =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL,"
    " role TEXT NOT NULL, created_at INTEGER NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS api_tokens (token_hash TEXT PRIMARY KEY, user TEXT NOT NULL,"
    " name TEXT, created_at INTEGER NOT NULL, expires_at INTEGER, last_used INTEGER);\n"
    "CREATE TABLE IF NOT EXISTS enroll_tokens (token_hash TEXT PRIMARY KEY,"
    " created_at INTEGER NOT NULL, expires_at INTEGER, max_uses INTEGER,"
    " uses INTEGER NOT NULL DEFAULT 0, description TEXT);\n"
    "CREATE TABLE IF NOT EXISTS agents (agent_num INTEGER PRIMARY KEY,"
    " agent_id TEXT NOT NULL UNIQUE, hostname TEXT, machine_id TEXT, os TEXT, kernel TEXT,"
    " arch TEXT, agent_version TEXT, sensors TEXT, status TEXT NOT NULL,"
    " cert_fingerprint TEXT NOT NULL, cert_serial TEXT, cert_not_after INTEGER,"
    " enrolled_at INTEGER NOT NULL, last_seen INTEGER, last_addr TEXT, spool_pending INTEGER,"
    " spool_dropped INTEGER, events_lost INTEGER);\n"
    "CREATE TABLE IF NOT EXISTS ingest_errors (id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
    " agent_id TEXT, seq INTEGER, reason TEXT NOT NULL, raw_hex TEXT);\n"
    "CREATE TABLE IF NOT EXISTS audit_log (id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
    " user TEXT, addr TEXT, action TEXT NOT NULL, detail TEXT);\n"
    "CREATE INDEX IF NOT EXISTS audit_log_by_time ON audit_log (time);\n";

/* Tables whose content never leaves the server through a hunt. */
static const char *const secret_tables[] = {"users", "api_tokens", "enroll_tokens", NULL};

int store_db_error(struct vg_error *err, sqlite3 *db, const char *what)
{
    int code = sqlite3_errcode(db);
    return vg_error_set(err, code == SQLITE_BUSY ? -EBUSY : -EIO, "%s: %s", what,
                        sqlite3_errmsg(db));
}

int store_exec(sqlite3 *db, const char *sql, struct vg_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = vg_error_set(err, -EIO, "database: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return rc;
    }
    return 0;
}

/* vg_time(ns) -> "2026-11-22T10:00:00.123456789Z" */
static void fn_vg_time(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (argc != 1 || sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    char out[48];
    time_format_ns((uint64_t)sqlite3_value_int64(argv[0]), out, sizeof(out));
    sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

static int prepare_inserts(struct store *st, struct vg_error *err)
{
    size_t n;
    const struct table_def *tables = schema_tables(&n);
    for (size_t i = 0; i < n; i++) {
        const struct table_def *t = &tables[i];
        struct table_insert *ti = &st->inserts[t->id];
        struct buf sql = {0};
        buf_printf(&sql, "INSERT OR IGNORE INTO %s (", t->name);
        for (size_t h = 0; h < schema_header_ncolumns; h++)
            buf_printf(&sql, "%s%s", h ? "," : "", schema_header_columns[h].name);
        memset(ti->col_of_field, 0, sizeof(ti->col_of_field));
        int bind = (int)schema_header_ncolumns;
        for (size_t c = 0; t->columns[c] != FLD_NONE; c++) {
            buf_printf(&sql, ",%s", schema_field(t->columns[c])->name);
            ti->col_of_field[t->columns[c]] = (int16_t)++bind;
        }
        buf_append_str(&sql, ") VALUES (");
        for (int b = 0; b < bind; b++)
            buf_append_str(&sql, b ? ",?" : "?");
        buf_append_str(&sql, ")");
        buf_terminate(&sql);
        int rc = sqlite3_prepare_v3(st->w, (const char *)sql.data, -1, SQLITE_PREPARE_PERSISTENT,
                                    &ti->stmt, NULL);
        buf_free(&sql);
        if (rc != SQLITE_OK)
            return store_db_error(err, st->w, "preparing the insert statements");
    }
    return 0;
}

/* Add to table the columns of cols (FLD_NONE-terminated; only those keep() accepts, when given)
 * that an existing table lacks. */
static int add_missing(sqlite3 *db, const char *table, const enum field_id *cols,
                       bool (*keep)(enum field_id), struct vg_error *err)
{
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT name FROM pragma_table_info('%s')", table);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        return store_db_error(err, db, "reading the tables' columns");
    bool have[FLD_MAX_ID] = {false}, exists = false;
    while (sqlite3_step(s) == SQLITE_ROW) {
        const struct field_def *f = schema_field_by_name((const char *)sqlite3_column_text(s, 0));
        exists = true;
        if (f)
            have[f->id] = true;
    }
    sqlite3_finalize(s);
    int rc = 0;
    for (size_t c = 0; exists && !rc && cols[c] != FLD_NONE; c++) {
        const struct field_def *f = schema_field(cols[c]);
        if (have[f->id] || (keep && !keep(f->id)))
            continue;
        snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s %s", table, f->name,
                 schema_sql_type(f->type));
        rc = store_exec(db, sql, err);
        if (!rc)
            log_info("database: column %s added to table %s (schema upgrade)", f->name, table);
    }
    return rc;
}

/* Columns the schema gained since the database was created: added to the event tables and to
 * the inventory's current-state tables (host_*), so an upgraded server keeps what it stored. */
static int add_new_columns(sqlite3 *db, struct vg_error *err)
{
    size_t n;
    const struct table_def *tables = schema_tables(&n);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = add_missing(db, tables[i].name, tables[i].columns, NULL, err);
    const struct inventory_table *it = inventory_tables(&n);
    for (size_t i = 0; i < n && !rc; i++)
        rc = add_missing(db, it[i].state_table, schema_table(it[i].table)->columns,
                         inventory_is_content_field, err);
    return rc;
}

int store_open(const char *path, struct store **out, struct vg_error *err)
{
    struct store *st = calloc(1, sizeof(*st));
    if (!st)
        return vg_error_set(err, -ENOMEM, "out of memory");
    str_copy(st->path, path, sizeof(st->path));
    pthread_mutex_init(&st->wlock, NULL);
    pthread_mutex_init(&st->plock, NULL);
    int rc;
    if (sqlite3_open_v2(path, &st->w,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        rc = vg_error_set(err, -EIO, "database %s: %s", path,
                          st->w ? sqlite3_errmsg(st->w) : "cannot open");
        goto fail;
    }
    sqlite3_busy_timeout(st->w, 10000);
    if ((rc = add_new_columns(st->w, err))) {
        vg_error_prefix(err, rc, "database %s: ", path);
        goto fail;
    }
    struct buf ddl = {0};
    /* the writer keeps up to 256 MiB of pages: the event tables' indexes on entity ids take
     * inserts at random places, which otherwise read their pages again on every batch */
    buf_append_str(&ddl, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                         " PRAGMA foreign_keys=ON; PRAGMA cache_size=-262144; BEGIN;\n");
    buf_append_str(&ddl, state_ddl);
    rc = schema_sqlite_ddl(&ddl);
    /* after the event tables: an area may put indexes, triggers or search tables on them */
    for (size_t i = 0; store_area_ddl[i]; i++)
        buf_append_str(&ddl, store_area_ddl[i]);
    for (size_t i = 0; store_area_ddl_gen[i] && !rc; i++)
        rc = store_area_ddl_gen[i](&ddl);
    buf_append_str(&ddl, "COMMIT;");
    buf_terminate(&ddl);
    if (!rc)
        rc = store_exec(st->w, (const char *)ddl.data, err);
    buf_free(&ddl);
    if (rc) {
        vg_error_prefix(err, rc, "database %s: ", path);
        goto fail;
    }
    char ver[128];
    snprintf(ver, sizeof(ver),
             "INSERT INTO schema_version SELECT %d WHERE NOT EXISTS (SELECT 1 FROM schema_version)",
             SCHEMA_VERSION);
    if ((rc = store_exec(st->w, ver, err)) || (rc = prepare_inserts(st, err)))
        goto fail;
    *out = st;
    return 0;
fail:
    store_close(st);
    return rc;
}

void store_close(struct store *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < TBL_MAX_ID; i++)
        sqlite3_finalize(st->inserts[i].stmt);
    for (size_t i = 0; i < st->npool; i++)
        sqlite3_close(st->pool[i]);
    sqlite3_close(st->w);
    pthread_mutex_destroy(&st->wlock);
    pthread_mutex_destroy(&st->plock);
    free(st);
}

/* ---------------------------------------------------------------- users and tokens */


int store_user_create(struct store *st, const char *name, const char *password, const char *role,
                      struct vg_error *err)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    if (!crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)))
        return vg_error_set(err, -EIO, "cannot make a password salt: %s", strerror(errno));
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    if (!cd)
        return vg_error_set(err, -ENOMEM, "out of memory");
    const char *hash = crypt_r(password, salt, cd);
    int rc = 0;
    if (!hash || hash[0] == '*') {
        rc = vg_error_set(err, -EIO, "cannot hash the password");
        goto cleanup;
    }
    pthread_mutex_lock(&st->wlock);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->w, "INSERT INTO users VALUES (?,?,?,?)", -1, &s, NULL) != SQLITE_OK) {
        rc = store_db_error(err, st->w, "creating a user");
    } else {
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, role, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, store_now_ns());
        int r = sqlite3_step(s);
        if (r == SQLITE_CONSTRAINT)
            rc = vg_error_set(err, -EEXIST, "user %s already exists", name);
        else if (r != SQLITE_DONE)
            rc = store_db_error(err, st->w, "creating a user");
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->wlock);
cleanup:
    explicit_bzero(cd, sizeof(*cd));
    free(cd);
    return rc;
}

int store_user_check_password(struct store *st, const char *name, const char *password)
{
    char stored[256] = "";
    pthread_mutex_lock(&st->wlock);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->w, "SELECT password_hash FROM users WHERE name=?", -1, &s, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW)
            str_copy(stored, (const char *)sqlite3_column_text(s, 0), sizeof(stored));
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->wlock);
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    if (!cd)
        return -ENOMEM;
    /* hash even for unknown users so that timing does not tell which names exist */
    const char *h = crypt_r(password, stored[0] ? stored : "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$", cd);
    int rc = (stored[0] && h && strlen(h) == strlen(stored) && secure_equal(h, stored, strlen(h)))
                 ? 0
                 : -EACCES;
    explicit_bzero(cd, sizeof(*cd));
    free(cd);
    return rc;
}

/* A random secret "prefix_<32 hex>". */
static int make_secret(const char *prefix, char *out, size_t outlen)
{
    uint8_t raw[16];
    char hex[33];
    int rc = random_bytes(raw, sizeof(raw));
    if (rc)
        return rc;
    hex_encode(raw, sizeof(raw), hex);
    snprintf(out, outlen, "%s%s", prefix, hex);
    return 0;
}

int store_token_create(struct store *st, const char *user, const char *name, uint64_t ttl_s,
                       char **token, struct vg_error *err)
{
    char secret[64], hash[65];
    int rc = make_secret("vga_", secret, sizeof(secret));
    if (rc)
        return vg_error_set(err, rc, "no randomness: %s", strerror(-rc));
    sha256_hex(secret, strlen(secret), hash);
    pthread_mutex_lock(&st->wlock);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->w, "INSERT INTO api_tokens VALUES (?,?,?,?,?,NULL)", -1, &s, NULL) !=
        SQLITE_OK) {
        rc = store_db_error(err, st->w, "creating a token");
    } else {
        int64_t now = store_now_ns();
        sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, user, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, now);
        if (ttl_s)
            sqlite3_bind_int64(s, 5, now + (int64_t)ttl_s * 1000000000ll);
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = store_db_error(err, st->w, "creating a token");
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->wlock);
    if (!rc && !(*token = strdup(secret)))
        rc = vg_error_set(err, -ENOMEM, "out of memory");
    explicit_bzero(secret, sizeof(secret));
    return rc;
}

int store_token_check(struct store *st, const char *token, char *user, size_t userlen, char *role,
                      size_t rolelen)
{
    char hash[65];
    sha256_hex(token, strlen(token), hash);
    int rc = -EACCES;
    pthread_mutex_lock(&st->wlock);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->w,
                           "SELECT t.user, u.role FROM api_tokens t JOIN users u ON u.name=t.user"
                           " WHERE t.token_hash=? AND (t.expires_at IS NULL OR t.expires_at>?)",
                           -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, store_now_ns());
        if (sqlite3_step(s) == SQLITE_ROW) {
            str_copy(user, (const char *)sqlite3_column_text(s, 0), userlen);
            str_copy(role, (const char *)sqlite3_column_text(s, 1), rolelen);
            rc = 0;
        }
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->wlock);
    return rc;
}

/* ---------------------------------------------------------------- enrollment and agents */

int store_enroll_token_create(struct store *st, uint64_t ttl_s, uint64_t max_uses,
                              const char *description, char **secret, struct vg_error *err)
{
    char sec[64], hash[65];
    int rc = make_secret("", sec, sizeof(sec));
    if (rc)
        return vg_error_set(err, rc, "no randomness: %s", strerror(-rc));
    sha256_hex(sec, strlen(sec), hash);
    pthread_mutex_lock(&st->wlock);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->w, "INSERT INTO enroll_tokens VALUES (?,?,?,?,0,?)", -1, &s,
                           NULL) != SQLITE_OK) {
        rc = store_db_error(err, st->w, "creating an enrollment token");
    } else {
        int64_t now = store_now_ns();
        sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, now);
        if (ttl_s)
            sqlite3_bind_int64(s, 3, now + (int64_t)ttl_s * 1000000000ll);
        if (max_uses)
            sqlite3_bind_int64(s, 4, (int64_t)max_uses);
        sqlite3_bind_text(s, 5, description ? description : "", -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = store_db_error(err, st->w, "creating an enrollment token");
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->wlock);
    if (!rc && !(*secret = strdup(sec)))
        rc = vg_error_set(err, -ENOMEM, "out of memory");
    return rc;
}

int store_enroll_token_use(struct store *st, const char *secret, struct vg_error *err)
{
    char hash[65];
    sha256_hex(secret, strlen(secret), hash);
    int rc = 0;
    pthread_mutex_lock(&st->wlock);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->w,
                           "UPDATE enroll_tokens SET uses=uses+1 WHERE token_hash=?"
                           " AND (expires_at IS NULL OR expires_at>?)"
                           " AND (max_uses IS NULL OR uses<max_uses)",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = store_db_error(err, st->w, "checking the enrollment token");
    } else {
        sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, store_now_ns());
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = store_db_error(err, st->w, "checking the enrollment token");
        else if (sqlite3_changes(st->w) != 1)
            rc = vg_error_set(err, -EACCES,
                              "the enrollment token is unknown, expired or used up");
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->wlock);
    return rc;
}

int store_agent_register(struct store *st, const char *agent_id, const char *hostname,
                         const char *machine_id, const char *os, const char *kernel,
                         const char *arch, const char *cert_fingerprint, const char *cert_serial,
                         int64_t cert_not_after, const char *addr, struct vg_error *err)
{
    int rc = 0;
    pthread_mutex_lock(&st->wlock);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->w,
                           "INSERT INTO agents (agent_id, hostname, machine_id, os, kernel, arch,"
                           " status, cert_fingerprint, cert_serial, cert_not_after, enrolled_at,"
                           " last_addr) VALUES (?,?,?,?,?,?,'active',?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = store_db_error(err, st->w, "registering the agent");
    } else {
        const char *vals[] = {agent_id, hostname, machine_id, os, kernel, arch, cert_fingerprint,
                              cert_serial};
        for (int i = 0; i < 8; i++)
            sqlite3_bind_text(s, i + 1, vals[i] ? vals[i] : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 9, cert_not_after);
        sqlite3_bind_int64(s, 10, store_now_ns());
        sqlite3_bind_text(s, 11, addr ? addr : "", -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = store_db_error(err, st->w, "registering the agent");
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->wlock);
    return rc;
}

int store_agent_get(struct store *st, const char *agent_id, struct agent_record *out)
{
    int rc = -ENOENT;
    pthread_mutex_lock(&st->wlock);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->w,
                           "SELECT agent_num, agent_id, hostname, status, cert_fingerprint"
                           " FROM agents WHERE agent_id=?",
                           -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, agent_id, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW) {
            memset(out, 0, sizeof(*out));
            out->agent_num = sqlite3_column_int64(s, 0);
            str_copy(out->agent_id, (const char *)sqlite3_column_text(s, 1), sizeof(out->agent_id));
            const char *h = (const char *)sqlite3_column_text(s, 2);
            str_copy(out->hostname, h ? h : "", sizeof(out->hostname));
            str_copy(out->status, (const char *)sqlite3_column_text(s, 3), sizeof(out->status));
            str_copy(out->cert_fingerprint, (const char *)sqlite3_column_text(s, 4),
                     sizeof(out->cert_fingerprint));
            rc = 0;
        }
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->wlock);
    return rc;
}

int store_agent_revoke(struct store *st, const char *agent_id, struct vg_error *err)
{
    int rc = 0;
    pthread_mutex_lock(&st->wlock);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->w, "UPDATE agents SET status='revoked' WHERE agent_id=?", -1, &s,
                           NULL) != SQLITE_OK || (sqlite3_bind_text(s, 1, agent_id, -1,
                                                                    SQLITE_STATIC),
                                                  sqlite3_step(s) != SQLITE_DONE))
        rc = store_db_error(err, st->w, "revoking the agent");
    else if (sqlite3_changes(st->w) != 1)
        rc = vg_error_set(err, -ENOENT, "no agent %s", agent_id);
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->wlock);
    return rc;
}

/* A JSON value for column i of a result row; text that is not UTF-8 is made valid with
 * U+FFFD replacements (the raw bytes stay in the store). */
json_t *store_column_json(sqlite3_stmt *s, int i, size_t *bytes)
{
    switch (sqlite3_column_type(s, i)) {
    case SQLITE_INTEGER:
        *bytes += 8;
        return json_integer(sqlite3_column_int64(s, i));
    case SQLITE_FLOAT:
        *bytes += 8;
        return json_real(sqlite3_column_double(s, i));
    case SQLITE_NULL:
        *bytes += 4;
        return json_null();
    case SQLITE_BLOB: {
        int n = sqlite3_column_bytes(s, i);
        const void *p = sqlite3_column_blob(s, i);
        char *hex = malloc((size_t)n * 2 + 1);
        if (!hex)
            return NULL;
        hex_encode(p, (size_t)n, hex);
        json_t *v = json_string(hex);
        free(hex);
        *bytes += (size_t)n * 2;
        return v;
    }
    default: {
        const char *p = (const char *)sqlite3_column_text(s, i);
        int n = sqlite3_column_bytes(s, i);
        *bytes += (size_t)n;
        json_t *v = json_stringn(p, (size_t)n);
        if (v)
            return v;
        struct buf fixed = {0};
        for (int k = 0; k < n; k++) {
            unsigned char c = (unsigned char)p[k];
            if (c >= 0x80 || c == 0)
                buf_append(&fixed, c ? "\xef\xbf\xbd" : "\\0", c ? 3 : 2);
            else
                buf_putc(&fixed, c);
        }
        v = json_stringn((const char *)fixed.data ? (const char *)fixed.data : "", fixed.len);
        buf_free(&fixed);
        return v;
    }
    }
}

json_t *store_rows_json(sqlite3_stmt *s)
{
    json_t *arr = json_array();
    size_t bytes = 0;
    while (arr && sqlite3_step(s) == SQLITE_ROW) {
        json_t *o = json_object();
        for (int i = 0; o && i < sqlite3_column_count(s); i++)
            json_object_set_new(o, sqlite3_column_name(s, i), store_column_json(s, i, &bytes));
        json_array_append_new(arr, o);
    }
    return arr;
}

json_t *store_agents_json(struct store *st)
{
    json_t *arr = NULL;
    pthread_mutex_lock(&st->wlock);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->w,
                           "SELECT agent_id, hostname, status, os, kernel, arch,"
                           " agent_version, sensors, enrolled_at, last_seen, last_addr,"
                           " spool_pending, spool_dropped, events_lost, cert_serial"
                           " FROM agents ORDER BY agent_num",
                           -1, &s, NULL) == SQLITE_OK)
        arr = store_rows_json(s);
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->wlock);
    return arr ? arr : json_array();
}

/* ---------------------------------------------------------------- ingest */

static int bind_event(struct store *st, sqlite3_stmt *s, const struct table_insert *ti,
                      const struct agent_record *agent, const char *hostname,
                      const struct event *ev)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    sqlite3_bind_int64(s, 1, (int64_t)(((uint64_t)agent->agent_num << STORE_SEQ_BITS) | ev->seq));
    sqlite3_bind_int64(s, 2, (int64_t)ev->time_ns);
    sqlite3_bind_text(s, 3, agent->agent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, hostname, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, ev->boot_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, (int64_t)ev->seq);
    sqlite3_bind_text(s, 7, ev->action, -1, SQLITE_STATIC);
    for (unsigned i = 0; i < ev->nfields; i++) {
        const struct event_field *f = &ev->fields[i];
        int col = f->id < FLD_MAX_ID ? ti->col_of_field[f->id] : 0;
        if (!col)
            continue; /* a field this table does not have: not stored */
        if (f->type == FT_INT)
            sqlite3_bind_int64(s, col, f->v.i);
        else
            sqlite3_bind_text(s, col, ev->arena + f->v.off, (int)f->len, SQLITE_STATIC);
    }
    (void)st;
    return sqlite3_step(s);
}

int store_ingest(struct store *st, const struct agent_record *agent, const char *hostname,
                 struct event *const *events, size_t n, struct ingest_result *res,
                 struct vg_error *err)
{
    memset(res, 0, sizeof(*res));
    pthread_mutex_lock(&st->wlock);
    int rc = store_exec(st->w, "BEGIN IMMEDIATE", err);
    if (rc) {
        pthread_mutex_unlock(&st->wlock);
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        const struct event *ev = events[i];
        const struct table_insert *ti =
            ev->table < TBL_MAX_ID && st->inserts[ev->table].stmt ? &st->inserts[ev->table]
                                                                  : NULL;
        const char *why = NULL;
        char reason[256];
        if (!ti)
            why = "unknown table id (an agent newer than this server?)";
        else if (ev->seq == 0 || ev->seq > STORE_MAX_SEQ)
            why = "sequence number out of range";
        if (!why) {
            int r = bind_event(st, ti->stmt, ti, agent, hostname, ev);
            if (r == SQLITE_DONE) {
                if (sqlite3_changes(st->w))
                    res->stored++;
                else
                    res->duplicates++;
                continue;
            }
            snprintf(reason, sizeof(reason), "insert failed: %s", sqlite3_errmsg(st->w));
            why = reason;
            if (r == SQLITE_FULL || r == SQLITE_IOERR || r == SQLITE_BUSY) {
                /* the database cannot take writes: refuse the batch, the agent retries */
                rc = store_db_error(err, st->w, "storing events");
                sqlite3_reset(ti->stmt);
                break;
            }
        }
        res->rejected++;
        sqlite3_stmt *e = NULL;
        if (sqlite3_prepare_v2(st->w,
                               "INSERT INTO ingest_errors (time, agent_id, seq, reason)"
                               " VALUES (?,?,?,?)",
                               -1, &e, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(e, 1, store_now_ns());
            sqlite3_bind_text(e, 2, agent->agent_id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(e, 3, (int64_t)ev->seq);
            char full[400];
            snprintf(full, sizeof(full), "table %u action %s: %s", ev->table, ev->action, why);
            sqlite3_bind_text(e, 4, full, -1, SQLITE_TRANSIENT);
            sqlite3_step(e);
        }
        sqlite3_finalize(e);
    }
    for (size_t t = 0; t < TBL_MAX_ID; t++)
        if (st->inserts[t].stmt)
            sqlite3_reset(st->inserts[t].stmt);
    if (rc) {
        store_exec(st->w, "ROLLBACK", NULL);
    } else {
        rc = store_exec(st->w, "COMMIT", err);
        if (rc)
            store_exec(st->w, "ROLLBACK", NULL);
    }
    pthread_mutex_unlock(&st->wlock);
    return rc;
}

int store_ingest_error(struct store *st, const char *agent_id, uint64_t seq, const char *reason,
                       const void *raw, size_t raw_len)
{
    char *hex = NULL;
    if (raw && raw_len) {
        size_t n = raw_len > 4096 ? 4096 : raw_len;
        hex = malloc(n * 2 + 1);
        if (hex)
            hex_encode(raw, n, hex);
    }
    pthread_mutex_lock(&st->wlock);
    sqlite3_stmt *s = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(st->w, "INSERT INTO ingest_errors (time, agent_id, seq, reason, raw_hex)"
                                  " VALUES (?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = -EIO;
    } else {
        sqlite3_bind_int64(s, 1, store_now_ns());
        sqlite3_bind_text(s, 2, agent_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, (int64_t)seq);
        sqlite3_bind_text(s, 4, reason, -1, SQLITE_STATIC);
        if (hex)
            sqlite3_bind_text(s, 5, hex, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = -EIO;
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->wlock);
    free(hex);
    if (rc)
        log_error("store: cannot record an ingest error of agent %s: %s", agent_id, reason);
    return rc;
}

int store_agent_seen(struct store *st, const struct agent_record *agent, const char *hostname,
                     const char *addr, const struct event *status)
{
    pthread_mutex_lock(&st->wlock);
    sqlite3_stmt *s = NULL;
    int rc = 0;
    const char *sql =
        status ? "UPDATE agents SET last_seen=?, last_addr=?, hostname=?, agent_version=?,"
                 " sensors=?, os=?, kernel=?, spool_pending=?, spool_dropped=?, events_lost=?"
                 " WHERE agent_num=?"
               : "UPDATE agents SET last_seen=?, last_addr=?, hostname=? WHERE agent_num=?";
    if (sqlite3_prepare_v2(st->w, sql, -1, &s, NULL) != SQLITE_OK) {
        rc = -EIO;
    } else {
        sqlite3_bind_int64(s, 1, store_now_ns());
        sqlite3_bind_text(s, 2, addr ? addr : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, hostname, -1, SQLITE_STATIC);
        if (status) {
            const enum field_id texts[] = {FLD_AGENT_VERSION, FLD_SENSORS, FLD_OS, FLD_KERNEL};
            const enum field_id ints[] = {FLD_SPOOL_PENDING, FLD_SPOOL_DROPPED, FLD_EVENTS_LOST};
            for (int i = 0; i < 4; i++) {
                const char *v = event_get_str(status, texts[i]);
                sqlite3_bind_text(s, 4 + i, v ? v : "", -1, SQLITE_STATIC);
            }
            for (int i = 0; i < 3; i++) {
                int64_t v = 0;
                event_get_int(status, ints[i], &v);
                sqlite3_bind_int64(s, 8 + i, v);
            }
            sqlite3_bind_int64(s, 11, agent->agent_num);
        } else {
            sqlite3_bind_int64(s, 4, agent->agent_num);
        }
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = -EIO;
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->wlock);
    return rc;
}

/* ---------------------------------------------------------------- queries */

struct query_guard {
    char denied[256];      /* why the authorizer refused, for the error message */
    uint64_t deadline_ns;
    bool timed_out;
};

static int query_authorizer(void *ctx, int action, const char *a1, const char *a2, const char *db,
                            const char *trigger)
{
    struct query_guard *g = ctx;
    (void)db;
    (void)trigger;
    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_RECURSIVE:
        return SQLITE_OK;
    case SQLITE_READ:
        for (size_t i = 0; secret_tables[i]; i++)
            if (a1 && !strcasecmp(a1, secret_tables[i])) {
                snprintf(g->denied, sizeof(g->denied),
                         "table %s is not available to hunts (it holds credentials)", a1);
                return SQLITE_DENY;
            }
        return SQLITE_OK;
    case SQLITE_FUNCTION:
        if (a2 && (!strcasecmp(a2, "load_extension") || !strcasecmp(a2, "fts3_tokenizer") ||
                   !strcasecmp(a2, "readfile") || !strcasecmp(a2, "writefile") ||
                   !strcasecmp(a2, "edit"))) {
            snprintf(g->denied, sizeof(g->denied), "function %s() is not allowed in hunts", a2);
            return SQLITE_DENY;
        }
        return SQLITE_OK;
    case SQLITE_PRAGMA:
        snprintf(g->denied, sizeof(g->denied), "PRAGMA %s is not allowed in hunts",
                 a1 ? a1 : "");
        return SQLITE_DENY;
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
        snprintf(g->denied, sizeof(g->denied),
                 "ATTACH and DETACH are not allowed in hunts (only the Vigil store is queried)");
        return SQLITE_DENY;
    default:
        snprintf(g->denied, sizeof(g->denied),
                 "only SELECT is allowed in hunts: writes, schema changes and transactions are "
                 "refused");
        return SQLITE_DENY;
    }
}

static int query_progress(void *ctx)
{
    struct query_guard *g = ctx;
    if (time_mono_ns() > g->deadline_ns) {
        g->timed_out = true;
        return 1;
    }
    return 0;
}

sqlite3 *store_reader_get(struct store *st, struct vg_error *err)
{
    sqlite3 *db = NULL;
    pthread_mutex_lock(&st->plock);
    if (st->npool)
        db = st->pool[--st->npool];
    pthread_mutex_unlock(&st->plock);
    if (db)
        return db;
    if (sqlite3_open_v2(st->path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        vg_error_set(err, -EIO, "cannot open the store for reading: %s",
                     db ? sqlite3_errmsg(db) : "error");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_exec(db, "PRAGMA query_only=1", NULL, NULL, NULL);
    /* hunts scan large tables: reading pages through a memory map instead of read() calls
     * makes a full scan about a third faster (SQLite caps the size at its compiled maximum) */
    sqlite3_exec(db, "PRAGMA mmap_size=1099511627776", NULL, NULL, NULL);
    /* load the schema before any authorizer is installed (loading it looks like a write) */
    sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
    sqlite3_create_function(db, "vg_time", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                            fn_vg_time, NULL, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
    sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 1000000);
    return db;
}

void store_reader_put(struct store *st, sqlite3 *db)
{
    sqlite3_set_authorizer(db, NULL, NULL);
    sqlite3_progress_handler(db, 0, NULL, NULL);
    pthread_mutex_lock(&st->plock);
    if (st->npool < READ_POOL) {
        st->pool[st->npool++] = db;
        db = NULL;
    }
    pthread_mutex_unlock(&st->plock);
    sqlite3_close(db);
}


/* True when s holds only whitespace and SQL comments. */
static bool only_trivia(const char *s)
{
    while (*s) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == ';') {
            s++;
        } else if (s[0] == '-' && s[1] == '-') {
            while (*s && *s != '\n')
                s++;
        } else if (s[0] == '/' && s[1] == '*') {
            const char *e = strstr(s + 2, "*/");
            if (!e)
                return true;
            s = e + 2;
        } else {
            return false;
        }
    }
    return true;
}

/* Prepare sql on a guarded read connection: one read-only statement over non-secret tables.
 * On success *out is the statement and *dbout its connection (give both back with
 * finish_guarded). */
static int prepare_guarded(struct store *st, const char *sql, struct query_guard *g,
                           sqlite3 **dbout, sqlite3_stmt **out, struct vg_error *err)
{
    sqlite3 *db = store_reader_get(st, err);
    sqlite3_stmt *s = NULL;
    const char *tail = NULL;
    int rc = 0;
    *out = NULL;
    *dbout = NULL;
    if (!db)
        return -EIO;
    sqlite3_set_authorizer(db, query_authorizer, g);
    sqlite3_progress_handler(db, 1000, query_progress, g);
    if (only_trivia(sql)) {
        rc = vg_error_set(err, -EINVAL, "the query is empty");
    } else if (sqlite3_prepare_v2(db, sql, -1, &s, &tail) != SQLITE_OK) {
        if (g->denied[0])
            rc = vg_error_set(err, -EPERM, "refused: %s", g->denied);
        else if (g->timed_out)
            rc = vg_error_set(err, -ETIMEDOUT, "the query exceeded its time limit while being "
                                               "prepared");
        else
            rc = vg_error_set(err, -EINVAL, "SQL error: %s", sqlite3_errmsg(db));
    } else if (!s) {
        rc = vg_error_set(err, -EINVAL, "the query is empty");
    } else if (tail && !only_trivia(tail)) {
        rc = vg_error_set(err, -EINVAL,
                          "only one statement per query is allowed (found more after \"%.40s\")",
                          sql);
    } else if (!sqlite3_stmt_readonly(s)) {
        rc = vg_error_set(err, -EPERM, "refused: only read-only SELECT statements are allowed");
    }
    if (rc) {
        sqlite3_finalize(s);
        store_reader_put(st, db);
        return rc;
    }
    *out = s;
    *dbout = db;
    return 0;
}

int store_query_check(struct store *st, const char *sql, struct vg_error *err)
{
    struct query_guard g = {.deadline_ns = time_mono_ns() + 5000000000ull};
    sqlite3 *db;
    sqlite3_stmt *s;
    int rc = prepare_guarded(st, sql, &g, &db, &s, err);
    if (!rc) {
        sqlite3_finalize(s);
        store_reader_put(st, db);
    }
    return rc;
}

int store_query(struct store *st, const char *sql, const struct query_limits *lim,
                json_t **result, struct vg_error *err)
{
    uint64_t start = time_mono_ns();
    struct query_guard g = {.deadline_ns = start + lim->timeout_ms * 1000000ull};
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    json_t *rows = NULL, *cols = NULL;
    int rc = prepare_guarded(st, sql, &g, &db, &s, err);
    if (rc)
        return rc;
    int ncol = sqlite3_column_count(s);
    cols = json_array();
    rows = json_array();
    for (int i = 0; i < ncol; i++)
        json_array_append_new(cols, json_string(sqlite3_column_name(s, i)));
    uint64_t nrows = 0;
    size_t bytes = 0;
    bool truncated = false;
    for (;;) {
        int r = sqlite3_step(s);
        if (r == SQLITE_DONE)
            break;
        if (r != SQLITE_ROW) {
            if (g.timed_out || r == SQLITE_INTERRUPT)
                rc = vg_error_set(err, -ETIMEDOUT,
                                  "the query exceeded the time limit of %" PRIu64
                                  " ms and was stopped; narrow it (time range, host) or raise "
                                  "the limit",
                                  lim->timeout_ms);
            else
                rc = vg_error_set(err, -EINVAL, "SQL error: %s", sqlite3_errmsg(db));
            goto cleanup;
        }
        if (nrows >= lim->max_rows || bytes >= lim->max_bytes) {
            truncated = true;
            break;
        }
        json_t *row = json_array();
        for (int i = 0; i < ncol; i++)
            json_array_append_new(row, store_column_json(s, i, &bytes));
        json_array_append_new(rows, row);
        nrows++;
    }
    *result = json_object();
    json_object_set_new(*result, "columns", cols);
    json_object_set_new(*result, "rows", rows);
    json_object_set_new(*result, "row_count", json_integer((json_int_t)nrows));
    json_object_set_new(*result, "truncated", json_boolean(truncated));
    json_object_set_new(*result, "elapsed_ms",
                        json_real((double)(time_mono_ns() - start) / 1e6));
    cols = rows = NULL;
cleanup:
    json_decref(cols);
    json_decref(rows);
    sqlite3_finalize(s);
    store_reader_put(st, db);
    return rc;
}

/* ---------------------------------------------------------------- audit */

void store_audit(struct store *st, const char *user, const char *addr, const char *action,
                 const char *detail)
{
    pthread_mutex_lock(&st->wlock);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->w, "INSERT INTO audit_log (time, user, addr, action, detail)"
                                  " VALUES (?,?,?,?,?)",
                           -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, store_now_ns());
        sqlite3_bind_text(s, 2, user ? user : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, addr ? addr : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, action, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, detail ? detail : "", -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE)
            log_error("audit log: %s", sqlite3_errmsg(st->w));
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->wlock);
}
