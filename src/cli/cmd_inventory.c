/* cmd_inventory.c - `vigil inventory rescan [--agent ID]... [--full] [--wait 60s] [--json]
 * [COLLECTOR...]`: ask agents to run inventory collectors now (every enabled one by default;
 * --full sends every row again and the server replaces its copy) and print, per agent and
 * collector, what the scan found and changed. The rows themselves are in the host_* and
 * *_changes tables (vigil query). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "common/config.h"

#define AGENT_WAIT_MAX_S 50

static void print_scans(json_t *task, bool as_json)
{
    static const char *const cols[] = {"agent_id", "collector", "status", "full", "rows",
                                       "added", "removed", "changed", "cpu_us", "error"};
    json_t *res = json_object(), *colv = json_array(), *rows = json_array();
    for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++)
        json_array_append_new(colv, json_string(cols[k]));
    size_t i, j;
    json_t *t, *scan;
    json_array_foreach(json_object_get(task, "targets"), i, t) {
        json_t *agent = json_object_get(t, "agent_id");
        json_t *scans = json_object_get(json_object_get(t, "result"), "scans");
        if (!json_array_size(scans)) { /* the agent failed, or has not answered */
            json_t *row = json_array();
            json_array_append(row, agent);
            json_array_append_new(row, json_string(""));
            json_array_append(row, json_object_get(t, "status"));
            for (int k = 0; k < 6; k++)
                json_array_append_new(row, json_null());
            json_t *e = json_object_get(t, "error");
            json_array_append(row, e ? e : json_null());
            json_array_append_new(rows, row);
            continue;
        }
        json_array_foreach(scans, j, scan) {
            if (as_json) {
                json_t *o = json_deep_copy(scan);
                json_object_set(o, "agent_id", agent);
                char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
                if (s)
                    puts(s);
                free(s);
                json_decref(o);
                continue;
            }
            json_t *row = json_array();
            json_array_append(row, agent);
            for (size_t k = 1; k < sizeof(cols) / sizeof(cols[0]); k++) {
                json_t *v = json_object_get(scan, k == 2 ? "status" : cols[k]);
                json_array_append(row, v ? v : json_null());
            }
            json_array_append_new(rows, row);
        }
    }
    json_object_set_new(res, "columns", colv);
    json_object_set_new(res, "rows", rows);
    if (!as_json)
        output_table(stdout, res);
    json_decref(res);
}

/* 0 when every agent answered and every scan is done. */
static int scans_outcome(json_t *task)
{
    size_t i, j;
    json_t *t, *scan;
    json_array_foreach(json_object_get(task, "targets"), i, t) {
        const char *st = json_string_value(json_object_get(t, "status"));
        if (!st || strcmp(st, "done") != 0)
            return 1;
        json_array_foreach(json_object_get(json_object_get(t, "result"), "scans"), j, scan)
            if (strcmp(json_string_value(json_object_get(scan, "status")), "done") != 0)
                return 1;
    }
    return 0;
}

static int inventory_rescan(struct cli *c, int argc, char **argv)
{
    const char *wait = "60s", *ttl = "10m";
    bool full = false, as_json = false;
    json_t *agents = json_array(), *collectors = json_array();
    static const struct option opts[] = {
        {"agent", required_argument, NULL, 'a'}, {"full", no_argument, NULL, 'f'},
        {"wait", required_argument, NULL, 'w'}, {"ttl", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0},
    };
    int o, rc = 2;
    optind = 2;
    while ((o = getopt_long(argc, argv, "a:fw:t:j", opts, NULL)) != -1) {
        switch (o) {
        case 'a': json_array_append_new(agents, json_string(optarg)); break;
        case 'f': full = true; break;
        case 'w': wait = optarg; break;
        case 't': ttl = optarg; break;
        case 'j': as_json = true; break;
        default: goto usage;
        }
    }
    for (int i = optind; i < argc; i++)
        json_array_append_new(collectors, json_string(argv[i]));
    uint64_t wait_ms;
    if (config_parse_duration(wait, &wait_ms) || wait_ms < 1000) {
        fprintf(stderr, "vigil inventory: --wait %s is not a duration of at least 1s\n", wait);
        goto out;
    }
    /* the agent waits for its scans a little less than we wait for its answer */
    uint64_t agent_wait = wait_ms / 1000 > 5 ? wait_ms / 1000 - 5 : 1;
    json_t *payload = json_pack("{s:O,s:b,s:I}", "collectors", collectors, "full", full, "wait",
                                (json_int_t)(agent_wait > AGENT_WAIT_MAX_S ? AGENT_WAIT_MAX_S
                                                                           : agent_wait));
    json_t *task = cli_task_run(c, "inventory", "inventory.rescan", payload, agents, ttl,
                                wait_ms);
    json_decref(payload);
    rc = 1;
    if (task) {
        print_scans(task, as_json);
        rc = scans_outcome(task);
        json_decref(task);
    }
    goto out;
usage:
    fprintf(stderr, "usage: vigil inventory rescan [--agent ID]... [--full] [--wait 60s] "
                    "[--ttl 10m] [--json] [COLLECTOR...]\n");
out:
    json_decref(agents);
    json_decref(collectors);
    return rc;
}

int cmd_inventory(struct cli *c, int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "rescan"))
        return inventory_rescan(c, argc, argv);
    fprintf(stderr, "usage: vigil inventory rescan [--agent ID]... [--full] [--wait 60s] "
                    "[--json] [COLLECTOR...]\n");
    return 2;
}
