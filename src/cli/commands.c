/* commands.c - the registry of `vigil` commands. */
#include "cli/cli.h"

int cmd_query(struct cli *c, int argc, char **argv);
int cmd_agents(struct cli *c, int argc, char **argv);
int cmd_agent(struct cli *c, int argc, char **argv);
int cmd_token(struct cli *c, int argc, char **argv);
int cmd_task(struct cli *c, int argc, char **argv);
int cmd_live(struct cli *c, int argc, char **argv);
int cmd_hunt(struct cli *c, int argc, char **argv);
int cmd_provenance(struct cli *c, int argc, char **argv);
int cmd_sweep(struct cli *c, int argc, char **argv);
int cmd_retrohunt(struct cli *c, int argc, char **argv);
int cmd_incidents(struct cli *c, int argc, char **argv);
int cmd_schema(struct cli *c, int argc, char **argv);
int cmd_inventory(struct cli *c, int argc, char **argv);
int cmd_logs(struct cli *c, int argc, char **argv);
int cmd_baseline(struct cli *c, int argc, char **argv);
int cmd_rules(struct cli *c, int argc, char **argv);
int cmd_findings(struct cli *c, int argc, char **argv);
int cmd_vulns(struct cli *c, int argc, char **argv);

const struct cli_command cli_commands[] = {
    {"query", cmd_query, "run a read-only SQL query over the store"},
    {"agents", cmd_agents, "list enrolled agents with their sensors and counters"},
    {"agent", cmd_agent, "agent revoke ID: refuse an agent's certificate from now on"},
    {"token", cmd_token, "token create: a new enrollment token for agents"},
    {"task", cmd_task, "task run KIND | task show ID: send a task to agents, see the answers"},
    {"hunt", cmd_hunt, "saved and scheduled hunts: save, list, run, delete, runs, results"},
    {"provenance", cmd_provenance, "the story of a process or event: entry point to impact"},
    {"sweep", cmd_sweep, "IOC sweep: hosts and processes that saw hashes, addresses, domains"},
    {"incidents", cmd_incidents, "alerts grouped into incidents; show ID: its alerts and story"},
    {"retrohunt", cmd_retrohunt, "run Sigma or native rules over stored history (no SQL)"},
    {"live", cmd_live, "run a SQL query on agents now (their processes, files, ...)"},
    {"schema", cmd_schema, "print the event schema (Markdown)"},
    {"inventory", cmd_inventory, "inventory rescan [COLLECTOR...]: run inventory collectors on agents now"},
    {"logs", cmd_logs, "logs search TEXT [--host H] [--file F] [--since 1h]: search log records"},
    {"baseline", cmd_baseline, "baseline scores per host and policy; --failed: failed checks"},
    {"rules", cmd_rules, "rules check PATH...: load rule files or folders, report what cannot be used"},
    {"findings", cmd_findings, "risks found on the fleet (vulnerable packages, weak passwords, open services, risky settings); summary, hosts CVE, accept"},
    {"vulns", cmd_vulns, "vulns import PATH...: load OSV or Debian Security Tracker data; sources; match"},
    {NULL, NULL, NULL},
};
