/* cmd_live.c - `vigil live "SELECT ..."`: a live query answered by agents from their current
 * state (processes now, a file's hash now, ...). The rows of every agent are printed together,
 * each prefixed with the agent's id and host name; agents that failed, are offline or did not
 * answer in time are named on stderr, and the exit status says whether all answered. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "common/config.h"

/* Merge the agents' result sets into one {"columns", "rows"}; returns how many agents did not
 * answer with rows. */
static int merge(json_t *task, json_t *merged)
{
    json_t *cols = NULL, *rows = json_array();
    int missing = 0;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(task, "targets"), i, t) {
        const char *id = json_string_value(json_object_get(t, "agent_id"));
        const char *host = json_string_value(json_object_get(t, "hostname"));
        const char *status = json_string_value(json_object_get(t, "status"));
        json_t *res = json_object_get(t, "result");
        if (strcmp(status, "done") != 0 || !json_is_object(res)) {
            const char *e = json_string_value(json_object_get(t, "error"));
            fprintf(stderr, "vigil live: agent %s (%s): %s\n", id, host ? host : "?",
                    !strcmp(status, "failed")                      ? (e ? e : "failed")
                    : !strcmp(status, "expired")                   ? "did not answer (offline)"
                                                                   : "no answer in time");
            missing++;
            continue;
        }
        json_t *c = json_object_get(res, "columns");
        if (!cols) {
            cols = json_array();
            json_array_append_new(cols, json_string("agent_id"));
            json_array_append_new(cols, json_string("hostname"));
            json_array_extend(cols, c);
        } else if (json_array_size(c) + 2 != json_array_size(cols)) {
            fprintf(stderr, "vigil live: agent %s answered with other columns; skipped\n", id);
            missing++;
            continue;
        }
        size_t k;
        json_t *row;
        json_array_foreach(json_object_get(res, "rows"), k, row) {
            json_t *r = json_array();
            json_array_append_new(r, json_string(id));
            json_array_append_new(r, host ? json_string(host) : json_null());
            json_array_extend(r, row);
            json_array_append_new(rows, r);
        }
        if (json_is_true(json_object_get(res, "truncated")))
            fprintf(stderr, "vigil live: agent %s: result cut (use --max-rows)\n", id);
    }
    json_object_set_new(merged, "columns", cols ? cols : json_array());
    json_object_set_new(merged, "rows", rows);
    return missing;
}

int cmd_live(struct cli *c, int argc, char **argv)
{
    enum { TABLE, JSON, CSV } fmt = TABLE;
    const char *timeout = "10s";
    long long max_rows = 10000;
    json_t *agents = json_array();
    static const struct option opts[] = {
        {"agent", required_argument, NULL, 'a'}, {"json", no_argument, NULL, 'j'},
        {"csv", no_argument, NULL, 'c'},         {"timeout", required_argument, NULL, 't'},
        {"max-rows", required_argument, NULL, 'n'}, {NULL, 0, NULL, 0},
    };
    int o, rc = 2;
    while ((o = getopt_long(argc, argv, "a:jct:n:", opts, NULL)) != -1) {
        switch (o) {
        case 'a': json_array_append_new(agents, json_string(optarg)); break;
        case 'j': fmt = JSON; break;
        case 'c': fmt = CSV; break;
        case 't': timeout = optarg; break;
        case 'n': max_rows = strtoll(optarg, NULL, 10); break;
        default: goto out;
        }
    }
    uint64_t wait_ms;
    if (optind != argc - 1 || config_parse_duration(timeout, &wait_ms) || wait_ms == 0 ||
        wait_ms > 60000 || max_rows < 1 || max_rows > 100000) {
        fprintf(stderr, "usage: vigil live [--agent ID]... [--json|--csv] [--timeout 10s (max "
                        "60s)] [--max-rows N (max 100000)] \"SELECT ...\"\n"
                        "Tables: select * from live_tables\n");
        goto out;
    }
    json_t *payload = json_pack("{s:s,s:I,s:I}", "sql", argv[optind], "max_rows",
                                (json_int_t)max_rows, "timeout_ms", (json_int_t)wait_ms);
    if (!payload) {
        fprintf(stderr, "vigil live: the query is not valid UTF-8\n");
        goto out;
    }
    /* the task lives a little longer than we wait, so late answers are still stored */
    json_t *task = cli_task_run(c, "live", "live.query", payload, agents, "2m", wait_ms + 2000);
    json_decref(payload);
    rc = 1;
    if (!task)
        goto out;
    json_t *merged = json_object();
    int missing = merge(task, merged);
    if (fmt == JSON)
        output_json(stdout, merged);
    else if (fmt == CSV)
        output_csv(stdout, merged);
    else
        output_table(stdout, merged);
    json_decref(merged);
    json_decref(task);
    rc = missing ? 1 : 0;
out:
    json_decref(agents);
    return rc;
}
