/* cmd_agents.c - `vigil agents` (the enrolled agents) and `vigil agent revoke ID`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"

int cmd_agents(struct cli *g, int argc, char **argv)
{
    bool as_json = argc > 1 && !strcmp(argv[1], "--json");
    json_t *r = cli_call(g, "agents", "GET", "/api/v1/agents", NULL);
    if (!r)
        return 1;
    json_t *agents = json_object_get(r, "agents");
    if (as_json) {
        char *s = json_dumps(agents, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s)
            puts(s);
        free(s);
    } else {
        /* reuse the table printer: build columns and rows */
        const char *cols[] = {"agent_id", "hostname", "status", "sensors", "agent_version",
                              "os", "spool_pending", "spool_dropped", "events_lost"};
        json_t *res = json_object(), *c = json_array(), *rows = json_array();
        for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
            json_array_append_new(c, json_string(cols[i]));
        for (size_t i = 0; i < json_array_size(agents); i++) {
            json_t *row = json_array();
            for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++)
                json_array_append(row, json_object_get(json_array_get(agents, i), cols[k]));
            json_array_append_new(rows, row);
        }
        json_object_set_new(res, "columns", c);
        json_object_set_new(res, "rows", rows);
        output_table(stdout, res);
        json_decref(res);
    }
    json_decref(r);
    return 0;
}

int cmd_agent(struct cli *g, int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "revoke") != 0) {
        fprintf(stderr, "usage: vigil agent revoke AGENT_ID\n");
        return 2;
    }
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/agents/%s/revoke", argv[2]);
    json_t *r = cli_call(g, "agent", "POST", path, NULL);
    if (!r)
        return 1;
    printf("agent %s revoked: its certificate is refused from now on\n", argv[2]);
    json_decref(r);
    return 0;
}

