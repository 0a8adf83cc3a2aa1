/* cli.h - what the commands of `vigil` share: global options, calling the API with the
 * credentials, and the registry of commands (commands.c). A command is one function in its own
 * cmd_<name>.c file and one line in the registry. */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/error.h"

struct cli {
    const char *credentials; /* --credentials, or NULL for the default search */
};

/* Call the API. Returns the JSON reply of a 2xx answer (caller decrefs), or NULL after
 * printing "vigil CMD: <why>" on stderr. */
json_t *cli_call(struct cli *c, const char *cmd, const char *method, const char *path,
                 json_t *body);

/* Create a task of kind for the agents (a JSON array of ids; NULL or empty: all) with payload
 * (may be NULL), report offline agents on stderr, and wait up to wait_ms for the answers.
 * Returns the task as GET /tasks/{id} gives it (caller decrefs), or NULL after printing why. */
json_t *cli_task_run(struct cli *c, const char *cmd, const char *kind, json_t *payload,
                     json_t *agents, const char *ttl, uint64_t wait_ms);

struct cli_command {
    const char *name;
    int (*run)(struct cli *c, int argc, char **argv); /* argv[0] is the command name */
    const char *help;
};

extern const struct cli_command cli_commands[];

#endif
