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
        static const char *const cols[] = {"agent_id", "hostname", "status", "sensors",
                                           "agent_version", "os", "spool_pending",
                                           "spool_dropped", "events_lost"};
        output_objects(stdout, agents, cols, sizeof(cols) / sizeof(cols[0]));
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

