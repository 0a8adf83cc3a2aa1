/* inventory_live.c - the inventory in live queries: one table per inventory table, named and
 * shaped as the server's current-state table (host_packages, host_listening_ports, ...) without
 * the server's bookkeeping columns. Reading one runs its collector now, in the querying thread,
 * and answers its rows as they are this moment: nothing is sent, no snapshot is touched, no
 * change is recorded (the scheduled scans do that). A collector that is off on this agent is not
 * run. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/inventory/inventory_internal.h"
#include "agent/inventory/inventory_live.h"
#include "agent/live/live.h"
#include "common/buf.h"
#include "common/inventory_schema.h"
#include "common/util.h"

#define MAX_TABLES 64

struct live_table inventory_live_tables[MAX_TABLES + 1];

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
static int tables_rc;

/* The collector that fills event table t, or -1. */
static int collector_of(enum table_id t)
{
    for (int c = 0; c < INV_NCOLLECTORS; c++)
        for (const enum table_id *p = inv_collectors[c]->tables; *p != TBL_NONE; p++)
            if (*p == t)
                return c;
    return -1;
}

/* The event table of a live table (by its current-state name). */
static const struct inventory_table *inventory_of(const struct live_table *lt)
{
    size_t n;
    const struct inventory_table *it = inventory_tables(&n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(it[i].state_table, lt->name))
            return &it[i];
    return NULL;
}

static int scan_inventory(void *state, const struct live_table *lt, const char *arg,
                          struct live_rows *rows, struct vg_error *err)
{
    const struct inventory_live_ctx *ctx = state;
    const struct inventory_table *it = inventory_of(lt);
    int c = it ? collector_of(it->table) : -1;
    (void)arg;
    if (c < 0)
        return vg_error_set(err, -ENOENT, "no collector fills %s", lt->name);
    if (!ctx->cfg->interval[c])
        return vg_error_set(err, -EPERM, "the %s collector is off on this agent "
                            "(inventory.%s.interval: 0)", inv_collectors[c]->name,
                            inv_collectors[c]->name);
    struct inv_scan s;
    int rc = inv_scan_init(&s, inv_collectors[c], ctx->cfg, ctx->host, NULL);
    if (rc)
        return vg_error_set(err, rc, "out of memory");
    s.cancel = ctx->cancel;
    rc = inv_collectors[c]->collect(&s, err);
    if (!rc && s.oom)
        rc = vg_error_set(err, -ENOMEM, "out of memory");
    const struct table_def *td = schema_table(it->table);
    for (size_t t = 0; t < s.ntables && !rc; t++) {
        if (s.tables[t].table != it->table)
            continue;
        inv_rows_finish(&s.tables[t]);
        for (size_t r = 0; r < s.tables[t].n && !rc; r++) {
            const struct event *ev = s.tables[t].rows[r].ev;
            rc = live_row_begin(rows);
            for (size_t col = 0; td->columns[col] != FLD_NONE && !rc; col++) {
                enum field_id f = td->columns[col];
                if (!inventory_is_content_field(f))
                    continue;
                const struct event_field *v = event_get(ev, f);
                int64_t iv;
                if (!v)
                    rc = live_col_null(rows);
                else if (schema_field(f)->type == FT_INT)
                    rc = event_get_int(ev, f, &iv) ? live_col_int(rows, iv) : live_col_null(rows);
                else
                    rc = live_col_text(rows, event_get_str(ev, f));
            }
            if (!rc)
                rc = live_col_text(rows, s.tables[t].rows[r].key);
        }
    }
    inv_scan_fini(&s);
    return rc;
}

/* Declare one live table per inventory table, from the schema. */
static void build_tables(void)
{
    size_t n;
    const struct inventory_table *it = inventory_tables(&n);
    if (n > MAX_TABLES) {
        tables_rc = -E2BIG;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct table_def *td = schema_table(it[i].table);
        struct buf cols = {0}, desc = {0};
        int rc = 0;
        for (size_t c = 0; td->columns[c] != FLD_NONE; c++) {
            const struct field_def *f = schema_field(td->columns[c]);
            if (inventory_is_content_field(f->id))
                rc |= buf_printf(&cols, "%s %s, ", f->name, f->type == FT_INT ? "INTEGER" : "TEXT");
        }
        rc |= buf_printf(&cols, "row_key TEXT");
        int col = collector_of(it[i].table);
        rc |= buf_printf(&desc, "%s Now: the %s collector runs for the query.", td->description,
                         col >= 0 ? inv_collectors[col]->name : "?");
        if (rc || buf_terminate(&cols) || buf_terminate(&desc)) {
            buf_free(&cols);
            buf_free(&desc);
            tables_rc = -ENOMEM;
            return;
        }
        inventory_live_tables[i] = (struct live_table){
            it[i].state_table, (const char *)buf_steal(&cols, NULL), NULL,
            (const char *)buf_steal(&desc, NULL), scan_inventory};
    }
}

int inventory_live_init(void)
{
    pthread_once(&tables_once, build_tables);
    return tables_rc;
}
