/* cli.h - what the commands of `vigil` share: global options, calling the API with the
 * credentials, and the registry of commands (commands.c). A command is one function in its own
 * cmd_<name>.c file and one line in the registry. */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "common/error.h"

struct cli {
    const char *credentials; /* --credentials, or NULL for the default search */
};

/* Call the API. Returns the JSON reply of a 2xx answer (caller decrefs), or NULL after
 * printing "vigil CMD: <why>" on stderr. */
json_t *cli_call(struct cli *c, const char *cmd, const char *method, const char *path,
                 json_t *body);

struct cli_command {
    const char *name;
    int (*run)(struct cli *c, int argc, char **argv); /* argv[0] is the command name */
    const char *help;
};

extern const struct cli_command cli_commands[];

#endif
