/* hunts.c - running saved hunts and the scheduler thread (hunts.h). */
#include "server/hunt/hunts.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "server/server.h"
#include "server/store/store.h"
#include "server/store/store_hunts.h"

struct hunts_state {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop, running;
};

int hunts_run(struct server *srv, const char *name, bool diff, json_t **result,
              struct vg_error *err)
{
    struct hunt_def h;
    int rc = store_hunt_get(srv->store, name, &h);
    if (rc == -ENOENT)
        return vg_error_set(err, rc, "no hunt named %s", name);
    if (rc)
        return vg_error_set(err, rc, "cannot read hunt %s", name);
    struct query_limits lim = {
        .max_rows = (uint64_t)srv->cfg.query_max_rows,
        .timeout_ms = srv->cfg.query_timeout,
        .max_bytes = 256u << 20,
    };
    int64_t started = (int64_t)time_now_ns();
    uint64_t t0 = time_mono_ns();
    json_t *res = NULL, *fresh = NULL;
    struct vg_error qerr = {{0}};
    int qrc = store_query(srv->store, h.sql, &lim, &res, &qerr);
    double ms = (double)(time_mono_ns() - t0) / 1e6;
    rc = store_hunt_record_run(srv->store, name, started, ms,
                               qrc ? NULL : json_object_get(res, "columns"),
                               qrc ? NULL : json_object_get(res, "rows"),
                               !qrc && json_is_true(json_object_get(res, "truncated")),
                               qrc ? vg_error_str(&qerr, qrc) : NULL, diff || h.every_ms > 0,
                               &fresh, NULL, err);
    free(h.sql);
    if (qrc) {
        json_decref(res);
        json_decref(fresh);
        if (err)
            *err = qerr;
        return qrc;
    }
    if (rc) {
        json_decref(res);
        return rc;
    }
    json_object_set_new(res, "new_rows", fresh);
    *result = res;
    return 0;
}

static void *scheduler_main(void *arg)
{
    struct server *srv = arg;
    struct hunts_state *hs = srv->hunts;
    pthread_mutex_lock(&hs->lock);
    while (!hs->stop) {
        struct timespec ts;
        time_deadline_ts(1000, &ts);
        pthread_cond_timedwait(&hs->cond, &hs->lock, &ts);
        if (hs->stop)
            break;
        pthread_mutex_unlock(&hs->lock);
        json_t *due = store_hunts_due(srv->store, (int64_t)time_now_ns());
        size_t i;
        json_t *n;
        json_array_foreach(due, i, n) {
            const char *name = json_string_value(n);
            json_t *res = NULL;
            struct vg_error err = {{0}};
            int rc = hunts_run(srv, name, true, &res, &err);
            if (rc) {
                log_warn("scheduled hunt %s failed: %s", name, vg_error_str(&err, rc));
            } else {
                size_t fresh = json_array_size(json_object_get(res, "new_rows"));
                if (fresh)
                    log_info("scheduled hunt %s: %zu new rows", name, fresh);
            }
            json_decref(res);
        }
        json_decref(due);
        pthread_mutex_lock(&hs->lock);
    }
    pthread_mutex_unlock(&hs->lock);
    return NULL;
}

int hunts_start(struct server *srv, struct vg_error *err)
{
    struct hunts_state *hs = calloc(1, sizeof(*hs));
    if (!hs)
        return vg_error_set(err, -ENOMEM, "out of memory");
    pthread_mutex_init(&hs->lock, NULL);
    pthread_cond_init(&hs->cond, NULL);
    srv->hunts = hs;
    int rc = pthread_create(&hs->thread, NULL, scheduler_main, srv);
    if (rc)
        return vg_error_set(err, -rc, "cannot start the hunt scheduler: %s", strerror(rc));
    hs->running = true;
    return 0;
}

void hunts_stop(struct server *srv)
{
    struct hunts_state *hs = srv->hunts;
    if (!hs)
        return;
    pthread_mutex_lock(&hs->lock);
    hs->stop = true;
    pthread_cond_broadcast(&hs->cond);
    pthread_mutex_unlock(&hs->lock);
    if (hs->running)
        pthread_join(hs->thread, NULL);
    pthread_mutex_destroy(&hs->lock);
    pthread_cond_destroy(&hs->cond);
    free(hs);
    srv->hunts = NULL;
}
