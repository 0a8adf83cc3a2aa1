/* inventory_module.c - the asset inventory as an agent module ("inventory"): one thread runs
 * each collector on its own interval (with a random splay after start and jitter on every
 * interval, so a fleet never scans in step), and the task `inventory.rescan` runs collectors
 * now.
 *
 * Task inventory.rescan, payload (all optional):
 *   {"collectors": ["packages", ...], "full": false, "wait": 20}
 * runs the named collectors (default: every enabled one) as soon as the running one is done;
 * with full, every row is sent as a snapshot and the server replaces its copy. The answer
 * waits up to `wait` seconds (at most 50) for the scans and reports each:
 *   {"scans": [{"collector", "status": "done"|"failed"|"pending", "scan_id", "full", "rows",
 *               "added", "removed", "changed", "cpu_us", "duration_us", "error"}]} */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "agent/host.h"
#include "agent/inventory/inventory.h"
#include "agent/inventory/inventory_live.h"
#include "agent/module.h"
#include "agent/pipeline.h"
#include "common/log.h"
#include "common/util.h"

#define RESCAN_WAIT_DEFAULT_S 20
#define RESCAN_WAIT_MAX_S 50
#define QUEUE_WAIT_MAX_MS 10000

struct inventory_state {
    struct inventory_live_ctx live; /* first: the live tables' scans receive the state */
    const struct inventory_config *cfg;
    struct pipeline *pipeline;
    struct inv_engine *engine;
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* wakes the scheduler (a request, stop) and waiters (a run ended) */
    atomic_bool stop;
    uint64_t next_due[INV_NCOLLECTORS]; /* monotonic ns; 0 = never (off) */
    bool requested[INV_NCOLLECTORS], request_full[INV_NCOLLECTORS];
    uint64_t runs[INV_NCOLLECTORS];     /* completed runs */
    struct inv_run_result last[INV_NCOLLECTORS];
    atomic_uint_fast64_t emitted, dropped;
};

static uint64_t random_below(uint64_t n)
{
    uint64_t r = 0;
    random_bytes(&r, sizeof(r));
    return n ? r % n : 0;
}

/* The next run of collector c after now: its interval, varied by up to jitter percent. */
static uint64_t next_run(const struct inventory_config *cfg, enum inv_collector_id c, uint64_t now)
{
    uint64_t iv = cfg->interval[c] * 1000000ull;
    if (!iv)
        return 0;
    int64_t jitter = cfg->jitter < 0 ? 0 : cfg->jitter > 50 ? 50 : cfg->jitter;
    uint64_t span = iv * (uint64_t)jitter / 100;
    uint64_t when = iv - span + random_below(2 * span + 1);
    return now + (when ? when : 1);
}

/* Hand an event to the pipeline, giving the writer time when its queue is more than half full
 * (a full snapshot must not crowd out the sensors' events). */
static int emit(void *ctx, struct event *ev)
{
    struct inventory_state *st = ctx;
    for (unsigned waited = 0; waited < QUEUE_WAIT_MAX_MS && !atomic_load(&st->stop); waited += 5) {
        struct pipeline_stats ps;
        pipeline_get_stats(st->pipeline, &ps);
        if (ps.queue_len * 2 < ps.queue_cap)
            break;
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    int rc = pipeline_submit(st->pipeline, ev);
    if (rc)
        atomic_fetch_add(&st->dropped, 1);
    else
        atomic_fetch_add(&st->emitted, 1);
    return rc;
}

static void *inventory_main(void *arg)
{
    struct inventory_state *st = arg;
    pthread_mutex_lock(&st->lock);
    while (!atomic_load(&st->stop)) {
        uint64_t now = time_mono_ns(), soonest = UINT64_MAX;
        int pick = -1;
        for (int c = 0; c < INV_NCOLLECTORS && pick < 0; c++)
            if (st->requested[c])
                pick = c;
        for (int c = 0; c < INV_NCOLLECTORS && pick < 0; c++) {
            if (!st->next_due[c])
                continue;
            if (st->next_due[c] <= now)
                pick = c;
            else if (st->next_due[c] < soonest)
                soonest = st->next_due[c];
        }
        if (pick < 0) {
            uint64_t wait_ms = soonest == UINT64_MAX ? 3600000 : (soonest - now) / 1000000 + 1;
            struct timespec ts;
            time_deadline_ts(wait_ms, &ts);
            pthread_cond_timedwait(&st->cond, &st->lock, &ts);
            continue;
        }
        bool full = st->request_full[pick];
        st->requested[pick] = st->request_full[pick] = false;
        pthread_mutex_unlock(&st->lock);

        struct inv_run_result res;
        int rc = inv_engine_run(st->engine, (enum inv_collector_id)pick, full, &res);
        if (rc) {
            memset(&res, 0, sizeof(res));
            res.status = rc;
            str_copy(res.error, strerror(-rc), sizeof(res.error));
        }
        if (res.status)
            log_warn("inventory: %s failed: %s", inv_collectors[pick]->name, res.error);
        else
            log_debug("inventory: %s: %llu rows, %llu added, %llu removed, %llu changed%s, "
                      "%.1f ms CPU", inv_collectors[pick]->name, (unsigned long long)res.rows,
                      (unsigned long long)res.added, (unsigned long long)res.removed,
                      (unsigned long long)res.changed, res.full ? " (full)" : "",
                      (double)res.cpu_us / 1000.0);

        pthread_mutex_lock(&st->lock);
        st->last[pick] = res;
        st->runs[pick]++;
        if (st->next_due[pick])
            st->next_due[pick] = next_run(st->cfg, (enum inv_collector_id)pick, time_mono_ns());
        pthread_cond_broadcast(&st->cond);
    }
    pthread_mutex_unlock(&st->lock);
    return NULL;
}

static void inventory_stop(void *state)
{
    struct inventory_state *st = state;
    if (!st)
        return;
    if (st->thread_started) {
        pthread_mutex_lock(&st->lock);
        atomic_store(&st->stop, true);
        pthread_cond_broadcast(&st->cond);
        pthread_mutex_unlock(&st->lock);
        pthread_join(st->thread, NULL);
    }
    inv_engine_free(st->engine);
    pthread_mutex_destroy(&st->lock);
    pthread_cond_destroy(&st->cond);
    free(st);
}

static int inventory_start(const struct agent_module_ctx *ctx, const void *config, void **state,
                           struct vg_error *err)
{
    const struct inventory_config *cfg = config;
    struct inventory_state *st = calloc(1, sizeof(*st));
    if (!st)
        return vg_error_set(err, -ENOMEM, "inventory: out of memory");
    st->cfg = cfg;
    st->pipeline = ctx->pipeline;
    st->live = (struct inventory_live_ctx){cfg, ctx->host, &st->stop};
    pthread_mutex_init(&st->lock, NULL);
    pthread_cond_init(&st->cond, NULL);
    int rc = inventory_live_init();
    if (rc) {
        rc = vg_error_set(err, rc, "inventory: live tables: %s", strerror(-rc));
        goto cleanup;
    }
    rc = inv_engine_new(cfg, ctx->host, ctx->state_dir, emit, st, &st->engine, err);
    if (rc)
        goto cleanup;
    inv_engine_set_cancel(st->engine, &st->stop);
    uint64_t now = time_mono_ns();
    unsigned enabled = 0;
    for (int c = 0; c < INV_NCOLLECTORS; c++) {
        if (!cfg->interval[c])
            continue;
        st->next_due[c] = now + 1 + random_below(cfg->splay * 1000000ull);
        enabled++;
    }
    if ((rc = pthread_create(&st->thread, NULL, inventory_main, st))) {
        rc = vg_error_set(err, -rc, "inventory: cannot start a thread: %s", strerror(rc));
        goto cleanup;
    }
    st->thread_started = true;
    log_info("inventory: %u of %d collectors enabled%s%s", enabled, INV_NCOLLECTORS,
             cfg->root && cfg->root[0] ? ", reading the host under " : "",
             cfg->root && cfg->root[0] ? cfg->root : "");
    *state = st;
    return 0;
cleanup:
    inventory_stop(st);
    return rc;
}

static void inventory_status(void *state, struct module_status *out)
{
    struct inventory_state *st = state;
    memset(out, 0, sizeof(*out));
    str_copy(out->mode, st ? "running" : "disabled", sizeof(out->mode));
    if (!st)
        return;
    out->events = atomic_load(&st->emitted);
    out->lost = atomic_load(&st->dropped);
}

static json_t *run_json(const char *name, const struct inv_run_result *r, bool done)
{
    if (!done)
        return json_pack("{s:s,s:s}", "collector", name, "status", "pending");
    return json_pack("{s:s,s:s,s:s,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:s?}", "collector", name,
                     "status", r->status ? "failed" : "done", "scan_id", r->scan_id, "full",
                     r->full, "rows", (json_int_t)r->rows, "added", (json_int_t)r->added,
                     "removed", (json_int_t)r->removed, "changed", (json_int_t)r->changed,
                     "cpu_us", (json_int_t)r->cpu_us, "duration_us", (json_int_t)r->duration_us,
                     "error", r->status ? r->error : NULL);
}

static int task_rescan(void *state, json_t *payload, json_t **result, struct vg_error *err)
{
    struct inventory_state *st = state;
    bool want[INV_NCOLLECTORS] = {false};
    json_t *names = json_object_get(payload, "collectors");
    json_t *full = json_object_get(payload, "full");
    json_t *wait = json_object_get(payload, "wait");
    if (payload && !json_is_null(payload) && !json_is_object(payload))
        return vg_error_set(err, -EINVAL, "inventory.rescan: the payload must be an object");
    if (full && !json_is_boolean(full))
        return vg_error_set(err, -EINVAL, "inventory.rescan: full must be true or false");
    if (wait && (!json_is_integer(wait) || json_integer_value(wait) < 0))
        return vg_error_set(err, -EINVAL, "inventory.rescan: wait must be a number of seconds");
    json_int_t wait_s = wait ? json_integer_value(wait) : RESCAN_WAIT_DEFAULT_S;
    if (wait_s > RESCAN_WAIT_MAX_S)
        wait_s = RESCAN_WAIT_MAX_S;
    if (names && json_array_size(names)) {
        size_t i;
        json_t *n;
        json_array_foreach(names, i, n) {
            int c = json_is_string(n) ? inv_collector_find(json_string_value(n)) : -1;
            if (c < 0) {
                char known[1024] = "";
                size_t len = 0;
                for (int k = 0; k < INV_NCOLLECTORS && len < sizeof(known); k++)
                    len += (size_t)snprintf(known + len, sizeof(known) - len, "%s%s",
                                            k ? ", " : "", inv_collectors[k]->name);
                return vg_error_set(err, -EINVAL,
                                    "inventory.rescan: collectors[%zu] is not a collector "
                                    "(known: %s)", i, known);
            }
            want[c] = true;
        }
    } else if (names && !json_is_array(names)) {
        return vg_error_set(err, -EINVAL, "inventory.rescan: collectors must be a list of names");
    } else {
        for (int c = 0; c < INV_NCOLLECTORS; c++)
            want[c] = st->cfg->interval[c] != 0;
    }
    uint64_t before[INV_NCOLLECTORS];
    pthread_mutex_lock(&st->lock);
    for (int c = 0; c < INV_NCOLLECTORS; c++) {
        before[c] = st->runs[c];
        if (want[c]) {
            st->requested[c] = true;
            st->request_full[c] = st->request_full[c] || json_is_true(full);
        }
    }
    pthread_cond_broadcast(&st->cond);
    struct timespec deadline;
    time_deadline_ts((uint64_t)wait_s * 1000, &deadline);
    for (;;) {
        bool all = true;
        for (int c = 0; c < INV_NCOLLECTORS; c++)
            if (want[c] && st->runs[c] == before[c])
                all = false;
        if (all || atomic_load(&st->stop) ||
            pthread_cond_timedwait(&st->cond, &st->lock, &deadline) == ETIMEDOUT)
            break;
    }
    json_t *scans = json_array();
    for (int c = 0; c < INV_NCOLLECTORS; c++)
        if (want[c])
            json_array_append_new(scans, run_json(inv_collectors[c]->name, &st->last[c],
                                                  st->runs[c] != before[c]));
    pthread_mutex_unlock(&st->lock);
    *result = json_pack("{s:o}", "scans", scans);
    return *result ? 0 : vg_error_set(err, -ENOMEM, "out of memory");
}

static const struct agent_task_handler inventory_tasks[] = {
    {"inventory.rescan", task_rescan},
    {NULL, NULL},
};

const struct agent_module inventory_module = {
    .name = "inventory",
    .options = inventory_options,
    .config_size = sizeof(struct inventory_config),
    .start = inventory_start,
    .stop = inventory_stop,
    .status = inventory_status,
    .tasks = inventory_tasks,
    .live_tables = inventory_live_tables,
};
