/* live.c - the live-query engine (live.h): an in-memory SQLite database per query in which
 * every live table is an eponymous virtual table, read by calling the table's scan() when the
 * query first touches it. The query runs under the same guard as hunts on the server: an
 * authorizer that admits reads only, one statement, a time limit and row/byte limits. */
#include "agent/live/live.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/agent.h"
#include "common/util.h"

#define LIVE_MAX_COLUMNS 64

/* ---------------------------------------------------------------- rows */

struct live_cell {
    int type; /* SQLITE_INTEGER, SQLITE_TEXT or SQLITE_NULL */
    int64_t i;
    char *s;
};

struct live_rows {
    int ncols;
    struct live_cell *cells; /* nrows * ncols */
    size_t nrows, cap_rows;
    int col;                 /* next column of the current row */
    size_t bytes, max_bytes;
    bool full;
};

static void rows_clear(struct live_rows *r)
{
    for (size_t i = 0; i < r->nrows * (size_t)r->ncols; i++)
        free(r->cells[i].s);
    free(r->cells);
    r->cells = NULL;
    r->nrows = r->cap_rows = 0;
    r->col = r->ncols;
    r->bytes = 0;
    r->full = false;
}

int live_row_begin(struct live_rows *r)
{
    if (r->full || r->bytes > r->max_bytes) {
        r->full = true;
        return -E2BIG;
    }
    if (r->nrows == r->cap_rows) {
        size_t cap = r->cap_rows ? r->cap_rows * 2 : 64;
        struct live_cell *c = realloc(r->cells, cap * (size_t)r->ncols * sizeof(*c));
        if (!c)
            return -ENOMEM;
        r->cells = c;
        r->cap_rows = cap;
    }
    struct live_cell *row = &r->cells[r->nrows * (size_t)r->ncols];
    for (int i = 0; i < r->ncols; i++)
        row[i] = (struct live_cell){SQLITE_NULL, 0, NULL};
    r->nrows++;
    r->col = 0;
    return 0;
}

static struct live_cell *next_cell(struct live_rows *r)
{
    if (r->nrows == 0 || r->col >= r->ncols)
        return NULL; /* more values than declared columns: ignored */
    return &r->cells[(r->nrows - 1) * (size_t)r->ncols + (size_t)r->col++];
}

int live_col_int(struct live_rows *r, int64_t v)
{
    struct live_cell *c = next_cell(r);
    if (c) {
        c->type = SQLITE_INTEGER;
        c->i = v;
        r->bytes += 8;
    }
    return 0;
}

int live_col_text(struct live_rows *r, const char *s)
{
    struct live_cell *c = next_cell(r);
    if (!c)
        return 0;
    if (!s) {
        c->type = SQLITE_NULL;
        return 0;
    }
    c->s = strdup(s);
    if (!c->s)
        return -ENOMEM;
    c->type = SQLITE_TEXT;
    r->bytes += strlen(s);
    return 0;
}

int live_col_null(struct live_rows *r)
{
    next_cell(r);
    return 0;
}

/* ---------------------------------------------------------------- virtual tables */

struct live_source {
    const struct live_table *table;
    void *state;
    size_t max_bytes;
};

struct live_vtab {
    sqlite3_vtab base;
    struct live_source *src;
    int ncols;
    int key_col; /* -1 when the table takes no key */
};

struct live_cursor {
    sqlite3_vtab_cursor base;
    struct live_rows rows;
    size_t row;
};

/* Column names of a schema "a INTEGER, b TEXT": counts them and finds key's index. */
static int parse_schema(const char *schema, const char *key, int *key_col)
{
    int n = 0;
    *key_col = -1;
    const char *p = schema;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *name = p;
        while (*p && *p != ' ' && *p != ',')
            p++;
        if (key && (size_t)(p - name) == strlen(key) && !strncmp(name, key, (size_t)(p - name)))
            *key_col = n;
        n++;
        while (*p && *p != ',')
            p++;
    }
    return n;
}

static int vt_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                      sqlite3_vtab **out, char **errmsg)
{
    struct live_source *src = aux;
    (void)argc;
    (void)argv;
    char *sql = sqlite3_mprintf("CREATE TABLE x(%s)", src->table->schema);
    if (!sql)
        return SQLITE_NOMEM;
    int rc = sqlite3_declare_vtab(db, sql);
    sqlite3_free(sql);
    if (rc != SQLITE_OK) {
        *errmsg = sqlite3_mprintf("live table %s has a bad schema", src->table->name);
        return rc;
    }
    struct live_vtab *vt = sqlite3_malloc(sizeof(*vt));
    if (!vt)
        return SQLITE_NOMEM;
    memset(vt, 0, sizeof(*vt));
    vt->src = src;
    vt->ncols = parse_schema(src->table->schema, src->table->key, &vt->key_col);
    *out = &vt->base;
    return SQLITE_OK;
}

static int vt_disconnect(sqlite3_vtab *v)
{
    sqlite3_free(v);
    return SQLITE_OK;
}

static int vt_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
    struct live_vtab *vt = (struct live_vtab *)v;
    info->idxNum = 0;
    info->estimatedCost = 1e6;
    if (vt->key_col < 0)
        return SQLITE_OK;
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        if (c->usable && c->iColumn == vt->key_col && c->op == SQLITE_INDEX_CONSTRAINT_EQ) {
            info->aConstraintUsage[i].argvIndex = 1;
            info->aConstraintUsage[i].omit = 1;
            info->idxNum = 1;
            info->estimatedCost = 1;
            return SQLITE_OK;
        }
    }
    info->estimatedCost = 1e12; /* no key: xFilter explains what is missing */
    return SQLITE_OK;
}

static int vt_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
    struct live_vtab *vt = (struct live_vtab *)v;
    struct live_cursor *c = sqlite3_malloc(sizeof(*c));
    if (!c)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof(*c));
    c->rows.ncols = vt->ncols;
    c->rows.col = vt->ncols;
    c->rows.max_bytes = vt->src->max_bytes;
    *out = &c->base;
    return SQLITE_OK;
}

static int vt_close(sqlite3_vtab_cursor *cur)
{
    struct live_cursor *c = (struct live_cursor *)cur;
    rows_clear(&c->rows);
    sqlite3_free(c);
    return SQLITE_OK;
}

static int vt_filter(sqlite3_vtab_cursor *cur, int idx_num, const char *idx_str, int argc,
                     sqlite3_value **argv)
{
    struct live_cursor *c = (struct live_cursor *)cur;
    struct live_vtab *vt = (struct live_vtab *)cur->pVtab;
    const struct live_table *t = vt->src->table;
    (void)idx_str;
    rows_clear(&c->rows);
    c->row = 0;
    const char *arg = NULL;
    if (vt->key_col >= 0) {
        if (idx_num != 1 || argc < 1 || sqlite3_value_type(argv[0]) == SQLITE_NULL) {
            sqlite3_free(vt->base.zErrMsg);
            vt->base.zErrMsg = sqlite3_mprintf("table %s needs %s = '...' in the WHERE clause",
                                               t->name, t->key);
            return SQLITE_ERROR;
        }
        arg = (const char *)sqlite3_value_text(argv[0]);
    }
    struct vg_error err = {{0}};
    int rc = t->scan(vt->src->state, t, arg, &c->rows, &err);
    if (rc && rc != -E2BIG) {
        sqlite3_free(vt->base.zErrMsg);
        vt->base.zErrMsg = sqlite3_mprintf("table %s: %s", t->name, vg_error_str(&err, rc));
        return SQLITE_ERROR;
    }
    return SQLITE_OK;
}

static int vt_next(sqlite3_vtab_cursor *cur)
{
    ((struct live_cursor *)cur)->row++;
    return SQLITE_OK;
}

static int vt_eof(sqlite3_vtab_cursor *cur)
{
    struct live_cursor *c = (struct live_cursor *)cur;
    return c->row >= c->rows.nrows;
}

static int vt_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i)
{
    struct live_cursor *c = (struct live_cursor *)cur;
    const struct live_cell *cell = &c->rows.cells[c->row * (size_t)c->rows.ncols + (size_t)i];
    if (cell->type == SQLITE_INTEGER)
        sqlite3_result_int64(ctx, cell->i);
    else if (cell->type == SQLITE_TEXT)
        sqlite3_result_text(ctx, cell->s, -1, SQLITE_STATIC);
    else
        sqlite3_result_null(ctx);
    return SQLITE_OK;
}

static int vt_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
    *rowid = (sqlite3_int64)((struct live_cursor *)cur)->row;
    return SQLITE_OK;
}

static const sqlite3_module live_module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous only */
    .xConnect = vt_connect,
    .xBestIndex = vt_best_index,
    .xDisconnect = vt_disconnect,
    .xDestroy = vt_disconnect,
    .xOpen = vt_open,
    .xClose = vt_close,
    .xFilter = vt_filter,
    .xNext = vt_next,
    .xEof = vt_eof,
    .xColumn = vt_column,
    .xRowid = vt_rowid,
};

/* ---------------------------------------------------------------- the registry */

extern const struct live_table live_core_tables[];

/* Call fn for every live table with the state its scan() needs: the core tables (state: the
 * agent), then each running module's. */
static int each_table(struct agent *a, int (*fn)(void *ctx, const struct live_table *t, void *st),
                      void *ctx)
{
    int rc = 0;
    for (const struct live_table *t = live_core_tables; t->name && !rc; t++)
        rc = fn(ctx, t, a);
    for (size_t i = 0; i < a->nmodules && !rc; i++) {
        const struct live_table *t = a->modules[i].module->live_tables;
        for (; t && t->name && !rc; t++)
            if (a->modules[i].state)
                rc = fn(ctx, t, a->modules[i].state);
    }
    return rc;
}

struct reg_ctx {
    sqlite3 *db;
    struct live_source *srcs;
    size_t n, cap;
    size_t max_bytes;
};

static int register_table(void *vctx, const struct live_table *t, void *state)
{
    struct reg_ctx *r = vctx;
    if (r->n == r->cap)
        return -E2BIG;
    struct live_source *s = &r->srcs[r->n++];
    *s = (struct live_source){t, state, r->max_bytes};
    return sqlite3_create_module_v2(r->db, t->name, &live_module, s, NULL) == SQLITE_OK ? 0
                                                                                         : -EIO;
}

static int describe_table(void *ctx, const struct live_table *t, void *state)
{
    (void)state;
    json_array_append_new(ctx, json_pack("{s:s,s:s,s:s?,s:s}", "name", t->name, "columns",
                                         t->schema, "key", t->key, "description",
                                         t->description ? t->description : ""));
    return 0;
}

json_t *live_tables_json(struct agent *a)
{
    json_t *arr = json_array();
    if (arr)
        each_table(a, describe_table, arr);
    return arr;
}

/* ---------------------------------------------------------------- queries */

struct guard {
    char denied[256];
    uint64_t deadline;
    bool timed_out;
};

static int authorize(void *ctx, int action, const char *a1, const char *a2, const char *db,
                     const char *trigger)
{
    struct guard *g = ctx;
    (void)db;
    (void)trigger;
    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_RECURSIVE:
        return SQLITE_OK;
    case SQLITE_UPDATE:
        /* SQLite's own bookkeeping of the eponymous tables in this private in-memory database;
         * a user's write is refused by the read-only check of the statement anyway */
        if (a1 && !strcasecmp(a1, "sqlite_master"))
            return SQLITE_OK;
        break;
    case SQLITE_FUNCTION:
        if (a2 && (!strcasecmp(a2, "load_extension") || !strcasecmp(a2, "fts3_tokenizer"))) {
            snprintf(g->denied, sizeof(g->denied), "function %s() is not allowed", a2);
            return SQLITE_DENY;
        }
        return SQLITE_OK;
    default:
        break;
    }
    snprintf(g->denied, sizeof(g->denied), "only SELECT is allowed in live queries (%s refused)",
             action == SQLITE_PRAGMA   ? "PRAGMA"
             : action == SQLITE_ATTACH ? "ATTACH"
                                       : "writes and schema changes are");
    return SQLITE_DENY;
}

static int progress(void *ctx)
{
    struct guard *g = ctx;
    if (time_mono_ns() > g->deadline) {
        g->timed_out = true;
        return 1;
    }
    return 0;
}

static json_t *value_json(sqlite3_stmt *s, int i, size_t *bytes)
{
    switch (sqlite3_column_type(s, i)) {
    case SQLITE_INTEGER:
        *bytes += 8;
        return json_integer(sqlite3_column_int64(s, i));
    case SQLITE_FLOAT:
        *bytes += 8;
        return json_real(sqlite3_column_double(s, i));
    case SQLITE_NULL:
        return json_null();
    default: {
        const char *t = (const char *)sqlite3_column_text(s, i);
        size_t n = (size_t)sqlite3_column_bytes(s, i);
        *bytes += n;
        json_t *v = json_stringn(t, n);
        return v ? v : json_string("<not valid UTF-8>");
    }
    }
}

static bool only_trivia(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == ';')
        s++;
    return *s == '\0';
}

int live_query(struct agent *a, const char *sql, const struct live_limits *lim, json_t **result,
               struct vg_error *err)
{
    uint64_t start = time_mono_ns();
    struct guard g = {.deadline = start + lim->timeout_ms * 1000000ull};
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    struct live_source srcs[256];
    struct reg_ctx reg = {.srcs = srcs, .cap = 256, .max_bytes = lim->max_bytes};
    json_t *cols = NULL, *rows = NULL;
    int rc = 0;
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        rc = vg_error_set(err, -ENOMEM, "cannot open an in-memory database");
        goto cleanup;
    }
    reg.db = db;
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
    if ((rc = each_table(a, register_table, &reg))) {
        rc = vg_error_set(err, rc, "cannot register the live tables");
        goto cleanup;
    }
    sqlite3_set_authorizer(db, authorize, &g);
    sqlite3_progress_handler(db, 1000, progress, &g);
    const char *tail = NULL;
    if (only_trivia(sql)) {
        rc = vg_error_set(err, -EINVAL, "the query is empty");
        goto cleanup;
    }
    if (sqlite3_prepare_v2(db, sql, -1, &s, &tail) != SQLITE_OK || !s) {
        if (g.denied[0])
            rc = vg_error_set(err, -EPERM, "refused: %s", g.denied);
        else
            rc = vg_error_set(err, -EINVAL, "SQL error: %s", sqlite3_errmsg(db));
        goto cleanup;
    }
    if (tail && !only_trivia(tail)) {
        rc = vg_error_set(err, -EINVAL, "only one statement per query is allowed");
        goto cleanup;
    }
    if (!sqlite3_stmt_readonly(s)) {
        rc = vg_error_set(err, -EPERM, "refused: only read-only SELECT statements are allowed");
        goto cleanup;
    }
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
            if (g.timed_out)
                rc = vg_error_set(err, -ETIMEDOUT, "the query exceeded the time limit of %llu ms",
                                  (unsigned long long)lim->timeout_ms);
            else
                rc = vg_error_set(err, -EINVAL, "%s", sqlite3_errmsg(db));
            goto cleanup;
        }
        if (nrows >= lim->max_rows || bytes >= lim->max_bytes) {
            truncated = true;
            break;
        }
        json_t *row = json_array();
        for (int i = 0; i < ncol; i++)
            json_array_append_new(row, value_json(s, i, &bytes));
        json_array_append_new(rows, row);
        nrows++;
    }
    *result = json_pack("{s:o,s:o,s:I,s:b,s:f}", "columns", cols, "rows", rows, "row_count",
                        (json_int_t)nrows, "truncated", truncated, "elapsed_ms",
                        (double)(time_mono_ns() - start) / 1e6);
    cols = rows = NULL;
cleanup:
    json_decref(cols);
    json_decref(rows);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return rc;
}
