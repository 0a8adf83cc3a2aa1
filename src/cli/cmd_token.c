/* cmd_token.c - `vigil token create`: a new enrollment token for agents. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int cmd_token(struct cli *g, int argc, char **argv)
{
    const char *ttl = "7d", *desc = "";
    long long uses = 0;
    if (argc < 2 || strcmp(argv[1], "create") != 0) {
        fprintf(stderr, "usage: vigil token create [--ttl 7d] [--uses N] [--description TEXT]\n");
        return 2;
    }
    static const struct option opts[] = {
        {"ttl", required_argument, NULL, 't'}, {"uses", required_argument, NULL, 'u'},
        {"description", required_argument, NULL, 'd'}, {NULL, 0, NULL, 0},
    };
    int o;
    optind = 2;
    while ((o = getopt_long(argc, argv, "t:u:d:", opts, NULL)) != -1) {
        switch (o) {
        case 't': ttl = optarg; break;
        case 'u': uses = strtoll(optarg, NULL, 10); break;
        case 'd': desc = optarg; break;
        default: return 2;
        }
    }
    json_t *body = json_pack("{s:s,s:I,s:s}", "ttl", ttl, "max_uses", (json_int_t)uses,
                             "description", desc);
    json_t *r = cli_call(g, "token", "POST", "/api/v1/enroll-tokens", body);
    json_decref(body);
    if (!r)
        return 1;
    puts(json_string_value(json_object_get(r, "token")));
    json_decref(r);
    return 0;
}

