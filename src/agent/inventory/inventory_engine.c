/* inventory_engine.c - running a collector and turning its rows into events (inventory.h):
 * compare each table with its snapshot, emit the changes (or every row, for a full scan), keep
 * the new snapshot only when everything was handed over, and report the run in inventory_scans.
 *
 * What is never lost: when an event cannot be handed to the pipeline (its queue is full), the
 * snapshot is not advanced, so the next scan finds the same differences again (a full scan that
 * lost rows forgets its snapshot, so the next one is full again, and its summary says failed so
 * the server does not prune on an incomplete snapshot). A collector that fails keeps the
 * previous snapshot and reports `failed`; it never reports every row as removed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/inventory/inventory_internal.h"
#include "common/inventory_schema.h"
#include "common/log.h"
#include "common/util.h"

#define HASH_CACHE_MAX_AGE_NS (6ull * 3600 * 1000000000ull)

struct inv_engine {
    const struct inventory_config *cfg;
    const atomic_bool *cancel;
    const struct host_info *host;
    char dir[4096];
    inv_emit_fn emit;
    void *emit_ctx;
    struct inv_hash_cache *hashes;
};

/* What one table's diff found and did. */
struct table_outcome {
    const char *action; /* full, incremental, failed */
    uint64_t rows, added, removed, changed, dropped;
    char message[512];
};

enum row_status { ROW_SAME, ROW_ADDED, ROW_CHANGED };

int inv_engine_new(const struct inventory_config *cfg, const struct host_info *host,
                   const char *state_dir, inv_emit_fn emit, void *emit_ctx,
                   struct inv_engine **out, struct vg_error *err)
{
    struct inv_engine *e = calloc(1, sizeof(*e));
    if (!e || !(e->hashes = inv_hash_cache_new())) {
        free(e);
        return vg_error_set(err, -ENOMEM, "inventory: out of memory");
    }
    e->cfg = cfg;
    e->host = host;
    e->emit = emit;
    e->emit_ctx = emit_ctx;
    int n = snprintf(e->dir, sizeof(e->dir), "%s/inventory", state_dir);
    int rc = n < 0 || (size_t)n >= sizeof(e->dir) ? -ENAMETOOLONG : dir_make(e->dir, 0700);
    if (rc) {
        inv_engine_free(e);
        return vg_error_set(err, rc, "inventory: state directory %s/inventory: %s", state_dir,
                            strerror(-rc));
    }
    *out = e;
    return 0;
}

void inv_engine_set_cancel(struct inv_engine *e, const atomic_bool *cancel) { e->cancel = cancel; }

void inv_engine_free(struct inv_engine *e)
{
    if (!e)
        return;
    inv_hash_cache_free(e->hashes);
    free(e);
}

/* CPU time (user + system) of the calling thread, in microseconds. */
static uint64_t thread_cpu_us(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000ull + (uint64_t)ts.tv_nsec / 1000;
}

/* Hand one row to the pipeline with its change record; ev's ownership passes. */
static int emit_row(struct inv_engine *e, struct event *ev, const char *action, const char *key,
                    const char *scan_id, uint64_t time_ns, const char *changed,
                    const char *previous)
{
    str_copy(ev->action, action, sizeof(ev->action));
    ev->time_ns = time_ns;
    event_add_str(ev, FLD_ROW_KEY, key);
    event_add_str(ev, FLD_SCAN_ID, scan_id);
    if (changed)
        event_add_str(ev, FLD_CHANGED_FIELDS, changed);
    if (previous)
        event_add_str(ev, FLD_PREVIOUS, previous);
    return e->emit(e->emit_ctx, ev);
}

/* Diff one table of a finished scan against its snapshot and emit what is to be sent. */
static void diff_table(struct inv_engine *e, struct inv_table_rows *t, bool full,
                       const char *scan_id, uint64_t time_ns, struct table_outcome *out)
{
    const struct table_def *td = schema_table(t->table);
    const struct inventory_table *it = inventory_table_of(t->table);
    struct inv_row_entry *old = NULL;
    size_t nold = 0;
    enum row_status *status = NULL;
    char **changed = NULL, **previous = NULL;
    struct buf snap = {0};
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s.snap", e->dir, td->name);
    out->rows = t->n;
    if (!full) {
        struct vg_error err = {{0}};
        int rc = inv_snapshot_load(path, t->table, &old, &nold, &err);
        if (rc && rc != -ENOENT)
            log_warn("inventory: %s; sending a full snapshot of %s", err.msg, td->name);
        full = rc != 0;
    }
    out->action = full ? INV_SCAN_FULL : INV_SCAN_INCREMENTAL;
    status = calloc(t->n ? t->n : 1, sizeof(*status));
    changed = calloc(t->n ? t->n : 1, sizeof(*changed));
    previous = calloc(t->n ? t->n : 1, sizeof(*previous));
    bool *gone = calloc(nold ? nold : 1, sizeof(*gone));
    if (!status || !changed || !previous || !gone) {
        out->action = INV_SCAN_FAILED;
        snprintf(out->message, sizeof(out->message), "out of memory");
        goto cleanup;
    }
    /* pass 1: what changed (rows and snapshot are both sorted by key) */
    size_t i = 0, j = 0;
    while (!full && (i < t->n || j < nold)) {
        int cmp = i == t->n ? 1 : j == nold ? -1 : strcmp(t->rows[i].key, old[j].key);
        if (cmp < 0) {
            status[i++] = ROW_ADDED;
            out->added++;
        } else if (cmp > 0) {
            gone[j++] = true;
            if (it->report_removed)
                out->removed++;
        } else {
            struct buf c = {0}, p = {0};
            int n = inv_row_diff(old[j].ev, t->rows[i].ev, &c, &p);
            if (n > 0 && !buf_terminate(&c) && !buf_terminate(&p)) {
                status[i] = ROW_CHANGED;
                changed[i] = (char *)buf_steal(&c, NULL);
                previous[i] = (char *)buf_steal(&p, NULL);
                out->changed++;
            }
            buf_free(&c);
            buf_free(&p);
            i++;
            j++;
        }
    }
    bool any = full || out->added || out->changed || nold != t->n;
    /* the snapshot to keep if everything gets through, encoded before the rows are handed on */
    if (any && inv_snapshot_encode(t->table, t->rows, t->n, &snap)) {
        out->action = INV_SCAN_FAILED;
        snprintf(out->message, sizeof(out->message), "out of memory encoding the snapshot");
        goto cleanup;
    }
    /* pass 2: emit */
    for (size_t k = 0; k < t->n; k++) {
        const char *action = full                      ? INV_ACTION_SNAPSHOT
                             : status[k] == ROW_ADDED   ? INV_ACTION_ADDED
                             : status[k] == ROW_CHANGED ? INV_ACTION_CHANGED
                                                        : NULL;
        if (!action)
            continue;
        struct event *ev = t->rows[k].ev;
        t->rows[k].ev = NULL;
        if (emit_row(e, ev, action, t->rows[k].key, scan_id, time_ns, changed[k], previous[k]))
            out->dropped++;
    }
    for (size_t k = 0; k < nold && it->report_removed; k++) {
        if (!gone[k])
            continue;
        struct event *ev = old[k].ev;
        old[k].ev = NULL;
        if (emit_row(e, ev, INV_ACTION_REMOVED, old[k].key, scan_id, time_ns, NULL, NULL))
            out->dropped++;
    }
    if (out->dropped) {
        snprintf(out->message, sizeof(out->message),
                 "%llu events could not be queued (the agent's queue was full); the differences "
                 "are sent again at the next scan", (unsigned long long)out->dropped);
        if (full) {
            out->action = INV_SCAN_FAILED; /* the server must not prune on a partial snapshot */
            unlink(path);
        }
    } else if (any) {
        int rc = file_write_replace(path, snap.data, snap.len, 0600, true);
        if (rc) {
            log_warn("inventory: cannot save %s: %s; the same changes are sent again at the next "
                     "scan", path, strerror(-rc));
            unlink(path);
        }
    }
cleanup:
    for (size_t k = 0; changed && previous && k < t->n; k++) {
        free(changed[k]);
        free(previous[k]);
    }
    free(changed);
    free(previous);
    free(status);
    free(gone);
    buf_free(&snap);
    inv_rows_free(old, nold);
}

static void emit_summary(struct inv_engine *e, const char *collector, enum table_id t,
                         const char *scan_id, uint64_t time_ns, const struct table_outcome *o,
                         uint64_t duration_us, uint64_t cpu_us, const char *warning)
{
    struct event *ev = event_new(TBL_INVENTORY_SCANS, o->action);
    if (!ev)
        return;
    ev->time_ns = time_ns;
    event_add_str(ev, FLD_COLLECTOR, collector);
    event_add_str(ev, FLD_INVENTORY_TABLE, schema_table(t)->name);
    event_add_str(ev, FLD_SCAN_ID, scan_id);
    event_add_int(ev, FLD_ROW_COUNT, (int64_t)o->rows);
    event_add_int(ev, FLD_ADDED_COUNT, (int64_t)o->added);
    event_add_int(ev, FLD_REMOVED_COUNT, (int64_t)o->removed);
    event_add_int(ev, FLD_CHANGED_COUNT, (int64_t)o->changed);
    event_add_int(ev, FLD_DURATION_US, (int64_t)duration_us);
    event_add_int(ev, FLD_CPU_US, (int64_t)cpu_us);
    const char *msg = o->message[0] ? o->message : warning;
    if (msg && msg[0])
        event_add_str(ev, FLD_MESSAGE, msg);
    e->emit(e->emit_ctx, ev);
}

int inv_engine_run(struct inv_engine *e, enum inv_collector_id c, bool full,
                   struct inv_run_result *res)
{
    const struct inv_collector *col = inv_collectors[c];
    struct inv_scan s;
    struct table_outcome *out = NULL;
    memset(res, 0, sizeof(*res));
    uint8_t id[8];
    random_bytes(id, sizeof(id));
    hex_encode(id, sizeof(id), res->scan_id);
    int rc = inv_scan_init(&s, col, e->cfg, e->host, e->hashes);
    if (rc)
        return rc;
    s.cancel = e->cancel;
    if (!(out = calloc(s.ntables ? s.ntables : 1, sizeof(*out)))) {
        inv_scan_fini(&s);
        return -ENOMEM;
    }
    uint64_t wall0 = time_mono_ns(), cpu0 = thread_cpu_us();
    struct vg_error err = {{0}};
    res->status = col->collect(&s, &err);
    if (!res->status && s.oom)
        res->status = vg_error_set(&err, -ENOMEM, "out of memory");
    if (res->status)
        str_copy(res->error, vg_error_str(&err, res->status), sizeof(res->error));
    uint64_t time_ns = time_now_ns();
    for (size_t t = 0; t < s.ntables; t++) {
        if (res->status) {
            out[t].action = INV_SCAN_FAILED;
            str_copy(out[t].message, res->error, sizeof(out[t].message));
            continue;
        }
        inv_rows_finish(&s.tables[t]);
        diff_table(e, &s.tables[t], full, res->scan_id, time_ns, &out[t]);
    }
    res->cpu_us = thread_cpu_us() - cpu0;
    res->duration_us = (time_mono_ns() - wall0) / 1000;
    res->full = !res->status;
    for (size_t t = 0; t < s.ntables; t++) {
        emit_summary(e, col->name, s.tables[t].table, res->scan_id, time_ns, &out[t],
                     res->duration_us, res->cpu_us, s.warnings ? s.warning : NULL);
        res->rows += out[t].rows;
        res->added += out[t].added;
        res->removed += out[t].removed;
        res->changed += out[t].changed;
        res->dropped += out[t].dropped;
        if (strcmp(out[t].action, INV_SCAN_FULL) != 0)
            res->full = false;
    }
    res->emitted = res->added + res->removed + res->changed + (res->full ? res->rows : 0);
    if (s.warnings) /* also in the scan summaries' message, where hunts find them */
        log_debug("inventory: %s: %u warnings, the first: %s", col->name, s.warnings, s.warning);
    inv_hash_cache_sweep(e->hashes, HASH_CACHE_MAX_AGE_NS);
    free(out);
    inv_scan_fini(&s);
    return 0;
}
