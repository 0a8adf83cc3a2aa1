/* cmd_task.c - `vigil task run KIND` sends a task to agents and prints their answers as they
 * come; `vigil task show ID` prints a task's answers. Offline agents are named as such. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "common/config.h"
#include "common/util.h"

static void print_answers(json_t *task, bool as_json)
{
    json_t *targets = json_object_get(task, "targets");
    if (as_json) {
        size_t i;
        json_t *t;
        json_array_foreach(targets, i, t) {
            char *s = json_dumps(t, JSON_COMPACT | JSON_PRESERVE_ORDER);
            if (s)
                puts(s);
            free(s);
        }
        return;
    }
    json_t *res = json_object(), *cols = json_array(), *rows = json_array();
    const char *names[] = {"agent_id", "hostname", "status", "result", "error"};
    for (size_t k = 0; k < 5; k++)
        json_array_append_new(cols, json_string(names[k]));
    size_t i;
    json_t *t;
    json_array_foreach(targets, i, t) {
        json_t *row = json_array();
        for (size_t k = 0; k < 5; k++) {
            json_t *v = json_object_get(t, names[k]);
            if (k == 3 && v && !json_is_null(v)) {
                char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
                json_array_append_new(row, json_string(s ? s : ""));
                free(s);
            } else {
                json_array_append(row, v ? v : json_null());
            }
        }
        json_array_append_new(rows, row);
    }
    json_object_set_new(res, "columns", cols);
    json_object_set_new(res, "rows", rows);
    output_table(stdout, res);
    json_decref(res);
}

/* 0 when every target answered "done". */
static int outcome(json_t *task)
{
    size_t i;
    json_t *t;
    int bad = 0;
    json_array_foreach(json_object_get(task, "targets"), i, t)
        bad += strcmp(json_string_value(json_object_get(t, "status")), "done") != 0;
    return bad ? 1 : 0;
}

static int task_run(struct cli *c, int argc, char **argv)
{
    const char *kind = NULL, *payload = NULL, *ttl = "5m", *wait = "30s";
    bool as_json = false;
    json_t *agents = json_array();
    static const struct option opts[] = {
        {"agent", required_argument, NULL, 'a'}, {"all", no_argument, NULL, 'A'},
        {"payload", required_argument, NULL, 'p'}, {"ttl", required_argument, NULL, 't'},
        {"wait", required_argument, NULL, 'w'}, {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    int o, rc = 2;
    optind = 2;
    while ((o = getopt_long(argc, argv, "a:Ap:t:w:j", opts, NULL)) != -1) {
        switch (o) {
        case 'a': json_array_append_new(agents, json_string(optarg)); break;
        case 'A': break;
        case 'p': payload = optarg; break;
        case 't': ttl = optarg; break;
        case 'w': wait = optarg; break;
        case 'j': as_json = true; break;
        default: goto out;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: vigil task run KIND [--agent ID]... [--all] [--payload JSON] "
                        "[--ttl 5m] [--wait 30s] [--json]\n");
        goto out;
    }
    kind = argv[optind];
    uint64_t wait_ms;
    if (config_parse_duration(wait, &wait_ms)) {
        fprintf(stderr, "vigil task: --wait %s is not a duration\n", wait);
        goto out;
    }
    json_t *p = NULL;
    if (payload) {
        json_error_t jerr;
        p = json_loads(payload, JSON_DECODE_ANY, &jerr);
        if (!p) {
            fprintf(stderr, "vigil task: --payload is not JSON: %s\n", jerr.text);
            goto out;
        }
    }
    rc = 1;
    json_t *task = cli_task_run(c, "task", kind, p, agents, ttl, wait_ms);
    json_decref(p);
    if (task) {
        print_answers(task, as_json);
        rc = outcome(task);
        json_decref(task);
    }
out:
    json_decref(agents);
    return rc;
}

static int task_show(struct cli *c, int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: vigil task show TASK_ID [--json]\n");
        return 2;
    }
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/tasks/%s", argv[2]);
    json_t *task = cli_call(c, "task", "GET", path, NULL);
    if (!task)
        return 1;
    print_answers(task, argc > 3 && !strcmp(argv[3], "--json"));
    int rc = outcome(task);
    json_decref(task);
    return rc;
}

int cmd_task(struct cli *c, int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "run"))
        return task_run(c, argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "show"))
        return task_show(c, argc, argv);
    fprintf(stderr, "usage: vigil task run KIND [options] | vigil task show TASK_ID\n");
    return 2;
}
