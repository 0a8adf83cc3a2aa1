/* main.c - `vigil`, the command-line tool: global options, then one of the commands of the
 * registry (commands.c). */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"

json_t *cli_call(struct cli *c, const char *cmd, const char *method, const char *path,
                 json_t *body)
{
    struct client cl;
    struct vg_error err = {{0}};
    int rc = client_load(&cl, c->credentials, &err);
    if (rc) {
        fprintf(stderr, "vigil %s: %s\n", cmd, vg_error_str(&err, rc));
        return NULL;
    }
    json_t *reply = NULL;
    rc = client_call(&cl, method, path, body, &reply, &err);
    if (rc < 200 || rc >= 300) {
        fprintf(stderr, "vigil %s: %s\n", cmd, vg_error_str(&err, rc < 0 ? rc : -EPROTO));
        json_decref(reply);
        return NULL;
    }
    return reply;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: vigil [--credentials FILE] COMMAND [ARGS]\n\ncommands:\n");
    for (const struct cli_command *c = cli_commands; c->name; c++)
        fprintf(f, "  %-11s %s\n", c->name, c->help);
    fprintf(f, "\nCredentials: --credentials, $VIGIL_CREDENTIALS, ~/.config/vigil/credentials or "
               "/var/lib/vigil/admin.credentials.\n");
}

int main(int argc, char **argv)
{
    struct cli c = {0};
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        if (!strcmp(argv[i], "--credentials") && i + 1 < argc) {
            c.credentials = argv[i + 1];
            i += 2;
        } else if (!strcmp(argv[i], "--version")) {
            printf("vigil %s\n", VIGIL_VERSION);
            return 0;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "vigil: unknown option %s\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = 2;
    bool found = false;
    for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++)
        if (!strcmp(cmd->name, argv[i])) {
            optind = 1;
            rc = cmd->run(&c, argc - i, argv + i);
            found = true;
            break;
        }
    if (!found) {
        fprintf(stderr, "vigil: unknown command \"%s\"\n", argv[i]);
        usage(stderr);
    }
    curl_global_cleanup();
    return rc;
}
