/* hunts.c - running saved hunts and the scheduler thread (hunts.h); the new rows of a scheduled
 * hunt become alerts (rule_id hunt:<name>, the hunt's severity, the row's host and process). */
#include "server/hunt/hunts.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/schema.h"
#include "common/util.h"
#include "server/server.h"
#include "server/store/store.h"
#include "server/store/store_hunts.h"
#include "server/alerts/alerts.h"

struct hunts_state {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop, running;
};

/* Copy the columns of a result row that are schema fields of the alerts table into the alert,
 * so it names the host, process, file or address the row is about (and provenance starts
 * from it). */
static void row_fields(struct event *a, json_t *row)
{
    const struct table_def *t = schema_table(TBL_ALERTS);
    for (size_t c = 0; t->columns[c] != FLD_NONE; c++) {
        const struct field_def *f = schema_field(t->columns[c]);
        json_t *v = json_object_get(row, f->name);
        if (f->id == FLD_SEVERITY || f->id == FLD_MESSAGE || f->id == FLD_RULE_ID ||
            f->id == FLD_RULE_TITLE || f->id == FLD_RULE_SOURCE || f->id == FLD_DEDUP_KEY)
            continue;
        if (f->type == FT_INT && json_is_integer(v))
            event_add_int(a, f->id, json_integer_value(v));
        else if (f->type == FT_TEXT && json_is_string(v))
            event_add_str(a, f->id, json_string_value(v));
    }
}

/* One alert per new row of a scheduled hunt (at most HUNT_MAX_ALERTS per run; beyond, one
 * alert says how many more rows there were). Returns how many were stored. */
#define HUNT_MAX_ALERTS 1000
static size_t raise_alerts(struct server *srv, const struct hunt_def *h, json_t *fresh)
{
    size_t raised = 0, i;
    json_t *row;
    char rule_id[160], title[600];
    snprintf(rule_id, sizeof(rule_id), "hunt:%s", h->name);
    snprintf(title, sizeof(title), "%s", h->description[0] ? h->description : h->name);
    json_array_foreach(fresh, i, row) {
        struct event *a = event_new(TBL_ALERTS, "alert");
        if (!a)
            break;
        a->time_ns = time_now_ns();
        event_add_str(a, FLD_RULE_ID, rule_id);
        event_add_str(a, FLD_RULE_TITLE, title);
        event_add_str(a, FLD_RULE_SOURCE, "hunt");
        event_add_str(a, FLD_SEVERITY, !h->severity[0]                 ? "medium"
                                        : !strcmp(h->severity, "info") ? "informational" /* older */
                                                                        : h->severity);
        event_add_int(a, FLD_REPEAT_COUNT, 1);
        char *text = NULL;
        if (i + 1 == HUNT_MAX_ALERTS && json_array_size(fresh) > HUNT_MAX_ALERTS) {
            char msg[160];
            snprintf(msg, sizeof(msg), "%zu more new rows of the hunt (see its results)",
                     json_array_size(fresh) - i);
            event_add_str(a, FLD_MESSAGE, msg);
        } else {
            text = json_dumps(row, JSON_COMPACT | JSON_SORT_KEYS);
            if (text)
                event_add_str(a, FLD_MESSAGE, text);
            row_fields(a, row);
        }
        char key[65];
        sha256_hex(text ? text : "", text ? strlen(text) : 0, key);
        key[16] = '\0';
        event_add_str(a, FLD_DEDUP_KEY, key);
        free(text);
        const char *agent = json_string_value(json_object_get(row, "agent_id"));
        const char *host = json_string_value(json_object_get(row, "hostname"));
        struct vg_error err = {{0}};
        if (alerts_raise(srv, a, agent, host, &err) == 0)
            raised++;
        else
            log_warn("hunt %s: cannot raise an alert: %s", h->name, err.msg);
        event_free(a);
        if (i + 1 == HUNT_MAX_ALERTS)
            break;
    }
    if (raised)
        log_info("scheduled hunt %s raised %zu alerts", h->name, raised);
    return raised;
}

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
    if (h.every_ms > 0 && json_array_size(fresh))
        json_object_set_new(res, "alerts_raised",
                            json_integer((json_int_t)raise_alerts(srv, &h, fresh)));
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
