/* commands.c - the registry of `vigil` commands. */
#include "cli/cli.h"

int cmd_query(struct cli *c, int argc, char **argv);
int cmd_agents(struct cli *c, int argc, char **argv);
int cmd_agent(struct cli *c, int argc, char **argv);
int cmd_token(struct cli *c, int argc, char **argv);
int cmd_task(struct cli *c, int argc, char **argv);
int cmd_schema(struct cli *c, int argc, char **argv);
int cmd_inventory(struct cli *c, int argc, char **argv);

const struct cli_command cli_commands[] = {
    {"query", cmd_query, "run a read-only SQL query over the store"},
    {"agents", cmd_agents, "list enrolled agents with their sensors and counters"},
    {"agent", cmd_agent, "agent revoke ID: refuse an agent's certificate from now on"},
    {"token", cmd_token, "token create: a new enrollment token for agents"},
    {"task", cmd_task, "task run KIND | task show ID: send a task to agents, see the answers"},
    {"schema", cmd_schema, "print the event schema (Markdown)"},
    {"inventory", cmd_inventory, "inventory rescan [COLLECTOR...]: run inventory collectors on agents now"},
    {NULL, NULL, NULL},
};
