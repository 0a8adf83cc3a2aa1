/* tasks.c - the agent's task thread (tasks.h) and the agent's own task kinds:
 *   ping    {} -> {"pong": true, "agent_version", "hostname", "time"}
 *   status  {} -> {"sensors", "spool": {...}, "pipeline": {...}, "transport": {...}}
 *   live.query {"sql", "max_rows", "timeout_ms"} -> a result set over the live tables */
#include "agent/tasks.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/https.h"
#include "agent/identity.h"
#include "agent/live/live.h"
#include "agent/pipeline.h"
#include "agent/transport.h"
#include "common/log.h"
#include "common/spool.h"
#include "common/util.h"

#define POLL_WAIT_S 25

struct agent_tasks {
    struct agent *agent;
    struct https_client *http;
    struct agent_identity id;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop;
};

static int task_ping(void *state, json_t *payload, json_t **result, struct vg_error *err)
{
    struct agent *a = state;
    (void)payload;
    (void)err;
    *result = json_pack("{s:b,s:s,s:s,s:I}", "pong", 1, "agent_version", VIGIL_VERSION,
                        "hostname", a->host.hostname, "time", (json_int_t)time_now_ns());
    return 0;
}

static int task_status(void *state, json_t *payload, json_t **result, struct vg_error *err)
{
    struct agent *a = state;
    (void)payload;
    (void)err;
    char sensors[512];
    agent_sensors_summary(a, sensors, sizeof(sensors));
    struct spool_stats ss;
    spool_get_stats(a->spool, &ss);
    struct pipeline_stats ps;
    pipeline_get_stats(a->pipeline, &ps);
    struct transport_stats ts;
    transport_get_stats(a->transport, &ts);
    *result = json_pack(
        "{s:s,s:{s:I,s:I,s:I,s:I,s:I},s:{s:I,s:I,s:I,s:I},s:{s:I,s:I,s:I,s:b,s:s}}",
        "sensors", sensors,
        "spool", "pending", (json_int_t)ss.pending, "bytes", (json_int_t)ss.bytes, "segments",
        (json_int_t)ss.segments, "dropped", (json_int_t)ss.dropped, "corrupt",
        (json_int_t)ss.corrupt,
        "pipeline", "submitted", (json_int_t)ps.submitted, "spooled", (json_int_t)ps.spooled,
        "queue_dropped", (json_int_t)ps.queue_dropped, "queue_len", (json_int_t)ps.queue_len,
        "transport", "batches", (json_int_t)ts.batches, "events", (json_int_t)ts.events,
        "failures", (json_int_t)ts.failures, "connected", ts.connected, "last_error",
        ts.last_error);
    return 0;
}

/* live.query {"sql": "SELECT ...", "max_rows": 10000, "timeout_ms": 10000} -> the result set */
static int task_live_query(void *state, json_t *payload, json_t **result, struct vg_error *err)
{
    const char *sql = json_string_value(json_object_get(payload, "sql"));
    if (!sql)
        return vg_error_set(err, -EINVAL, "live.query needs a \"sql\" string");
    struct live_limits lim = {.max_rows = 10000, .timeout_ms = 10000, .max_bytes = 16u << 20};
    json_t *v = json_object_get(payload, "max_rows");
    if (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) <= 100000)
        lim.max_rows = (uint64_t)json_integer_value(v);
    v = json_object_get(payload, "timeout_ms");
    if (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) <= 60000)
        lim.timeout_ms = (uint64_t)json_integer_value(v);
    return live_query(state, sql, &lim, result, err);
}

static const struct agent_task_handler core_tasks[] = {
    {"ping", task_ping},
    {"status", task_status},
    {"live.query", task_live_query},
    {NULL, NULL},
};

/* Run one task: the handler for its kind, or a failure saying there is none. */
static void run_task(struct agent_tasks *t, const char *kind, json_t *payload, json_t **result,
                     char *error, size_t errlen)
{
    struct agent *a = t->agent;
    const struct agent_task_handler *h = NULL;
    void *state = NULL;
    for (const struct agent_task_handler *c = core_tasks; c->kind && !h; c++)
        if (!strcmp(c->kind, kind)) {
            h = c;
            state = a;
        }
    for (size_t i = 0; i < a->nmodules && !h; i++) {
        const struct agent_task_handler *m = a->modules[i].module->tasks;
        for (; m && m->kind && !h; m++)
            if (!strcmp(m->kind, kind)) {
                if (!a->modules[i].state) {
                    snprintf(error, errlen, "module %s is not running: %s",
                             a->modules[i].module->name, a->modules[i].error);
                    return;
                }
                h = m;
                state = a->modules[i].state;
            }
    }
    if (!h) {
        snprintf(error, errlen, "this agent (version %s) has no handler for tasks of kind %s",
                 VIGIL_VERSION, kind);
        return;
    }
    struct vg_error err = {{0}};
    int rc = h->run(state, payload, result, &err);
    if (rc) {
        json_decref(*result);
        *result = NULL;
        snprintf(error, errlen, "%s", vg_error_str(&err, rc));
    }
}

static bool nap(struct agent_tasks *t, unsigned ms)
{
    struct timespec ts;
    time_deadline_ts(ms, &ts);
    pthread_mutex_lock(&t->lock);
    while (!t->stop)
        if (pthread_cond_timedwait(&t->cond, &t->lock, &ts) == ETIMEDOUT)
            break;
    bool s = t->stop;
    pthread_mutex_unlock(&t->lock);
    return s;
}

static void answer(struct agent_tasks *t, const char *task_id, json_t *result, const char *error)
{
    const char *server = t->agent->cfg.server;
    char url[1024];
    snprintf(url, sizeof(url), "%s/api/v1/agent/tasks/%s", server, task_id);
    json_t *body = json_pack("{s:s,s:O?,s:s?}", "status", error ? "failed" : "done", "result",
                             result, "error", error);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text) {
        log_error("tasks: cannot encode the answer to task %s", task_id);
        return;
    }
    struct buf resp = {0};
    for (int attempt = 0; attempt < 5; attempt++) {
        struct vg_error err = {{0}};
        struct https_request r = {
            .method = "POST", .url = url, .body = text, .body_len = strlen(text),
            .content_type = "application/json", .ca_file = t->id.ca_file,
            .cert_file = t->id.cert_file, .key_file = t->id.key_file, .timeout_ms = 30000,
        };
        int status = https_call(t->http, &r, &resp, &err);
        if (status == 200 || status == 404) /* 404: expired meanwhile, nothing to retry */
            break;
        log_warn("tasks: answering task %s: %s", task_id,
                 status < 0 ? err.msg : (const char *)resp.data);
        if (nap(t, 1000u << attempt))
            break;
    }
    buf_free(&resp);
    free(text);
}

static void *tasks_main(void *arg)
{
    struct agent_tasks *t = arg;
    struct agent *a = t->agent;
    struct buf resp = {0};
    char url[1024];
    unsigned backoff = 500;
    /* the transport enrolls the agent; wait for its identity */
    for (;;) {
        if (identity_load(a->cfg.state_dir, &t->id, NULL) == 0)
            break;
        if (nap(t, 1000))
            goto out;
    }
    snprintf(url, sizeof(url), "%s/api/v1/agent/tasks?wait=%d", a->cfg.server, POLL_WAIT_S);
    for (;;) {
        pthread_mutex_lock(&t->lock);
        bool stop = t->stop;
        pthread_mutex_unlock(&t->lock);
        if (stop)
            break;
        struct vg_error err = {{0}};
        struct https_request r = {
            .method = "GET", .url = url, .ca_file = t->id.ca_file, .cert_file = t->id.cert_file,
            .key_file = t->id.key_file, .timeout_ms = (POLL_WAIT_S + 15) * 1000,
        };
        int status = https_call(t->http, &r, &resp, &err);
        if (status != 200) {
            if (status < 0)
                log_debug("tasks: poll failed: %s", err.msg);
            else
                log_warn("tasks: poll answered %d: %s", status, (const char *)resp.data);
            if (nap(t, backoff))
                break;
            backoff = backoff * 2 > 30000 ? 30000 : backoff * 2;
            continue;
        }
        backoff = 500;
        json_error_t jerr;
        json_t *reply = json_loadb((const char *)resp.data, resp.len, 0, &jerr);
        json_t *tasks = json_object_get(reply, "tasks");
        size_t i;
        json_t *task;
        json_array_foreach(tasks, i, task) {
            const char *id = json_string_value(json_object_get(task, "task_id"));
            const char *kind = json_string_value(json_object_get(task, "kind"));
            if (!id || !kind)
                continue;
            json_t *result = NULL;
            char error[1024] = "";
            uint64_t t0 = time_mono_ns();
            run_task(t, kind, json_object_get(task, "payload"), &result, error, sizeof(error));
            log_info("tasks: %s %s %s in %.1f ms%s%s", kind, id, error[0] ? "failed" : "done",
                     (double)(time_mono_ns() - t0) / 1e6, error[0] ? ": " : "", error);
            answer(t, id, result, error[0] ? error : NULL);
            json_decref(result);
        }
        json_decref(reply);
    }
out:
    buf_free(&resp);
    return NULL;
}

int agent_tasks_start(struct agent *a, struct agent_tasks **out, struct vg_error *err)
{
    struct agent_tasks *t = calloc(1, sizeof(*t));
    if (!t || !(t->http = https_client_new())) {
        free(t);
        return vg_error_set(err, -ENOMEM, "tasks: out of memory");
    }
    t->agent = a;
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->cond, NULL);
    int rc = pthread_create(&t->thread, NULL, tasks_main, t);
    if (rc) {
        https_client_free(t->http);
        free(t);
        return vg_error_set(err, -rc, "tasks: cannot start a thread: %s", strerror(rc));
    }
    *out = t;
    return 0;
}

void agent_tasks_stop(struct agent_tasks *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    t->stop = true;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
    https_client_abort(t->http);
    pthread_join(t->thread, NULL);
    https_client_free(t->http);
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->cond);
    free(t);
}
