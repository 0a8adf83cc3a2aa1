/* task_client.c - creating a task for agents and waiting for their answers (cli.h), shared
 * by `vigil task run` and `vigil live`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/util.h"

json_t *cli_task_run(struct cli *c, const char *cmd, const char *kind, json_t *payload,
                     json_t *agents, const char *ttl, uint64_t wait_ms)
{
    json_t *body = json_pack("{s:s,s:s}", "kind", kind, "ttl", ttl);
    if (!body)
        return NULL;
    if (agents && json_array_size(agents))
        json_object_set(body, "agents", agents);
    else
        json_object_set_new(body, "agents", json_string("all"));
    if (payload)
        json_object_set(body, "payload", payload);
    json_t *created = cli_call(c, cmd, "POST", "/api/v1/tasks", body);
    json_decref(body);
    if (!created)
        return NULL;
    const char *id = json_string_value(json_object_get(created, "task_id"));
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(created, "targets"), i, t)
        if (!json_is_true(json_object_get(t, "online")))
            fprintf(stderr, "vigil %s: agent %s is offline: it gets the task when it comes back, "
                            "unless the task expires first (ttl %s)\n",
                    cmd, json_string_value(json_object_get(t, "agent_id")), ttl);
    fprintf(stderr, "task %s\n", id);
    uint64_t deadline = time_mono_ns() + wait_ms * 1000000ull;
    json_t *task = NULL;
    for (;;) {
        uint64_t now = time_mono_ns();
        uint64_t left = now < deadline ? (deadline - now) / 1000000ull : 0;
        char path[256];
        snprintf(path, sizeof(path), "/api/v1/tasks/%s?wait=%llums", id,
                 (unsigned long long)(left > 60000 ? 60000 : left));
        json_decref(task);
        task = cli_call(c, cmd, "GET", path, NULL);
        if (!task || json_integer_value(json_object_get(task, "pending")) == 0 || !left)
            break;
    }
    json_decref(created);
    return task;
}
