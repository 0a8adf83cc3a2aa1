/* routes_tasks.c - endpoints of the task channel:
 *   POST /tasks            (user)   create a task for some agents or all
 *   GET  /tasks/{id}       (user)   its answers; ?wait=MS parks until all answered
 *   GET  /agent/tasks      (agent)  long poll for this agent's tasks; ?wait=S
 *   POST /agent/tasks/{id} (agent)  the answer to one task */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/log.h"
#include "common/util.h"
#include "server/api/http.h"
#include "server/store/store_tasks.h"
#include "server/tasks/tasks.h"

#define TASK_TTL_DEFAULT_MS (5 * 60 * 1000ull)
#define TASK_TTL_MAX_MS (7 * 86400 * 1000ull)
#define TASK_MAX_TARGETS 100000

static bool valid_kind(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > 64)
        return false;
    for (const char *p = k; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
              *p == '-'))
            return false;
    return true;
}

static void h_task_create(struct http_request *req, struct http_response *resp)
{
    struct server *srv = req->srv;
    json_t *body = http_body_json(req, resp);
    if (!body)
        return;
    const char *kind = http_json_string(body, "kind", 64, true, resp);
    const char *ttl = kind ? http_json_string(body, "ttl", 32, false, resp) : NULL;
    if (!ttl) {
        json_decref(body);
        return;
    }
    uint64_t ttl_ms = TASK_TTL_DEFAULT_MS;
    if (!valid_kind(kind)) {
        http_error(resp, 400, "task kind \"%s\" must be 1-64 characters of a-z 0-9 . _ -", kind);
        goto out;
    }
    if (*ttl && (config_parse_duration(ttl, &ttl_ms) || ttl_ms == 0 || ttl_ms > TASK_TTL_MAX_MS)) {
        http_error(resp, 400, "ttl \"%s\" must be a duration from 1ms to 7d", ttl);
        goto out;
    }
    json_t *agents = json_object_get(body, "agents");
    const char **ids = NULL;
    size_t nids = 0;
    if (agents && !(json_is_string(agents) && !strcmp(json_string_value(agents), "all"))) {
        if (!json_is_array(agents) || json_array_size(agents) == 0 ||
            json_array_size(agents) > TASK_MAX_TARGETS) {
            http_error(resp, 400, "agents must be \"all\" or a non-empty array of agent ids");
            goto out;
        }
        nids = json_array_size(agents);
        ids = calloc(nids, sizeof(*ids));
        for (size_t i = 0; ids && i < nids; i++) {
            ids[i] = json_string_value(json_array_get(agents, i));
            if (!ids[i] || strlen(ids[i]) > 63) {
                http_error(resp, 400, "agents[%zu] is not an agent id", i);
                free(ids);
                goto out;
            }
        }
        if (!ids) {
            http_error(resp, 500, "out of memory");
            goto out;
        }
    }
    char task_id[37];
    uuid_random(task_id);
    json_t *targets = NULL;
    struct vg_error err = {{0}};
    int64_t expires = (int64_t)time_now_ns() + (int64_t)ttl_ms * 1000000ll;
    int rc = store_task_create(srv->store, task_id, kind, json_object_get(body, "payload"),
                               req->user, expires, ids, nids, &targets, &err);
    free(ids);
    if (rc) {
        http_error(resp, rc == -ENOENT || rc == -EINVAL ? 400 : 500, "%s", err.msg);
        goto out;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < json_array_size(targets); i++) {
        const char *id = json_string_value(json_array_get(targets, i));
        char key[128];
        snprintf(key, sizeof(key), "agent:%s", id);
        tasks_notify(srv, key);
        json_array_append_new(list, json_pack("{s:s,s:b}", "agent_id", id, "online",
                                              tasks_agent_online(srv, id)));
    }
    json_decref(targets);
    char detail[256];
    snprintf(detail, sizeof(detail), "task %s kind %s for %zu agents", task_id, kind,
             json_array_size(list));
    store_audit(srv->store, req->user, req->addr, "task.create", detail);
    http_json(resp, 200, json_pack("{s:s,s:s,s:I,s:o}", "task_id", task_id, "kind", kind,
                                   "expires_at", (json_int_t)expires, "targets", list));
out:
    json_decref(body);
}

static void h_task_get(struct http_request *req, struct http_response *resp)
{
    struct server *srv = req->srv;
    const char *id = req->path_arg;
    const char *w = http_arg(req, "wait");
    uint64_t wait_ms = 0;
    if (w && (config_parse_duration(w, &wait_ms) || wait_ms > 60000)) {
        http_error(resp, 400, "wait must be a duration of at most 60s (e.g. 10s, 500ms)");
        return;
    }
    if (strlen(id) > 64) {
        http_error(resp, 404, "no task %.64s", id);
        return;
    }
    char key[128];
    snprintf(key, sizeof(key), "task:%s", id);
    tasks_lock(srv);
    json_t *task = store_task_get(srv->store, id);
    if (task && wait_ms && !req->resumed &&
        json_integer_value(json_object_get(task, "pending")) &&
        tasks_park(srv, req, key, wait_ms)) {
        tasks_unlock(srv);
        json_decref(task);
        return;
    }
    tasks_unlock(srv);
    if (!task)
        http_error(resp, 404, "no task %s", id);
    else
        http_json(resp, 200, task);
}

static void h_agent_poll(struct http_request *req, struct http_response *resp)
{
    struct server *srv = req->srv;
    const char *w = http_arg(req, "wait");
    long wait_s = w ? strtol(w, NULL, 10) : 0;
    if (wait_s < 0 || wait_s > TASKS_POLL_MAX_S)
        wait_s = TASKS_POLL_MAX_S;
    char key[128];
    snprintf(key, sizeof(key), "agent:%s", req->agent.agent_id);
    store_agent_touch(srv->store, req->agent.agent_id, req->addr);
    tasks_lock(srv);
    if (wait_s && !req->resumed && !store_tasks_pending(srv->store, req->agent.agent_id) &&
        tasks_park(srv, req, key, (uint64_t)wait_s * 1000)) {
        tasks_unlock(srv);
        return;
    }
    tasks_unlock(srv);
    json_t *tasks = store_tasks_take(srv->store, req->agent.agent_id);
    if (!tasks)
        http_error(resp, 503, "the store cannot hand out tasks now");
    else
        http_json(resp, 200, json_pack("{s:o}", "tasks", tasks));
}

static void h_agent_answer(struct http_request *req, struct http_response *resp)
{
    struct server *srv = req->srv;
    const char *id = req->path_arg;
    json_t *body = http_body_json(req, resp);
    if (!body)
        return;
    const char *status = http_json_string(body, "status", 16, true, resp);
    const char *error = status ? http_json_string(body, "error", 4096, false, resp) : NULL;
    if (!error) {
        json_decref(body);
        return;
    }
    if (strcmp(status, "done") != 0 && strcmp(status, "failed") != 0) {
        http_error(resp, 400, "status must be done or failed, not %s", status);
        json_decref(body);
        return;
    }
    struct vg_error err = {{0}};
    int rc = store_task_answer(srv->store, id, req->agent.agent_id, status,
                               json_object_get(body, "result"), error, &err);
    if (rc) {
        http_error(resp, rc == -ENOENT ? 404 : 500, "%s", err.msg);
    } else {
        char key[128];
        snprintf(key, sizeof(key), "task:%s", id);
        tasks_notify(srv, key);
        http_json(resp, 200, json_pack("{s:b}", "ok", 1));
    }
    json_decref(body);
}

const struct http_route task_routes[] = {
    {"POST", "/api/v1/tasks", AUTH_ADMIN, 16u << 20, h_task_create},
    {"GET", "/api/v1/tasks/", AUTH_ADMIN, 0, h_task_get},
    {"GET", "/api/v1/agent/tasks", AUTH_AGENT, 0, h_agent_poll},
    {"POST", "/api/v1/agent/tasks/", AUTH_AGENT, 64u << 20, h_agent_answer},
    {NULL, NULL, AUTH_NONE, 0, NULL},
};
