/* main.c - `vigil`, the command-line tool: hunting queries, agents, enrollment tokens and the
 * schema. Each command is one function in the table at the bottom. */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cli/client.h"
#include "cli/output.h"
#include "common/buf.h"
#include "common/schema.h"

struct global {
    const char *credentials;
};

static int fail(const char *cmd, const struct vg_error *err, int rc)
{
    fprintf(stderr, "vigil %s: %s\n", cmd, vg_error_str(err, rc));
    return 1;
}

/* Call the API; prints the error and returns NULL unless the status is 2xx. */
static json_t *call(struct global *g, const char *cmd, const char *method, const char *path,
                    json_t *body)
{
    struct client c;
    struct vg_error err = {{0}};
    int rc = client_load(&c, g->credentials, &err);
    if (rc) {
        fail(cmd, &err, rc);
        return NULL;
    }
    json_t *reply = NULL;
    rc = client_call(&c, method, path, body, &reply, &err);
    if (rc < 200 || rc >= 300) {
        fail(cmd, &err, rc < 0 ? rc : -EPROTO);
        json_decref(reply);
        return NULL;
    }
    return reply;
}

static int cmd_query(struct global *g, int argc, char **argv)
{
    enum { TABLE, JSON, CSV } fmt = TABLE;
    long long max_rows = 0, timeout = 0;
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},         {"csv", no_argument, NULL, 'c'},
        {"max-rows", required_argument, NULL, 'n'}, {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "jcn:t:h", opts, NULL)) != -1) {
        switch (o) {
        case 'j': fmt = JSON; break;
        case 'c': fmt = CSV; break;
        case 'n': max_rows = strtoll(optarg, NULL, 10); break;
        case 't': timeout = strtoll(optarg, NULL, 10); break;
        default:
            fprintf(o == 'h' ? stdout : stderr,
                    "usage: vigil query [--json|--csv] [--max-rows N] [--timeout MS] \"SELECT ...\"\n"
                    "Runs one read-only SQL query over the store (tables: docs/schema.md).\n");
            return o == 'h' ? 0 : 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "vigil query: give the SQL as one argument\n");
        return 2;
    }
    json_t *body = json_pack("{s:s}", "sql", argv[optind]);
    if (!body) {
        fprintf(stderr, "vigil query: the query is not valid UTF-8\n");
        return 2;
    }
    if (max_rows > 0)
        json_object_set_new(body, "max_rows", json_integer(max_rows));
    if (timeout > 0)
        json_object_set_new(body, "timeout_ms", json_integer(timeout));
    json_t *r = call(g, "query", "POST", "/api/v1/query", body);
    json_decref(body);
    if (!r)
        return 1;
    if (fmt == JSON)
        output_json(stdout, r);
    else if (fmt == CSV)
        output_csv(stdout, r);
    else
        output_table(stdout, r);
    if (json_is_true(json_object_get(r, "truncated")))
        fprintf(stderr, "vigil query: result cut at %lld rows (use --max-rows to change)\n",
                (long long)json_integer_value(json_object_get(r, "row_count")));
    json_decref(r);
    return 0;
}

static int cmd_agents(struct global *g, int argc, char **argv)
{
    bool as_json = argc > 1 && !strcmp(argv[1], "--json");
    json_t *r = call(g, "agents", "GET", "/api/v1/agents", NULL);
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

static int cmd_token(struct global *g, int argc, char **argv)
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
    json_t *r = call(g, "token", "POST", "/api/v1/enroll-tokens", body);
    json_decref(body);
    if (!r)
        return 1;
    puts(json_string_value(json_object_get(r, "token")));
    json_decref(r);
    return 0;
}

static int cmd_agent(struct global *g, int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "revoke") != 0) {
        fprintf(stderr, "usage: vigil agent revoke AGENT_ID\n");
        return 2;
    }
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/agents/%s/revoke", argv[2]);
    json_t *r = call(g, "agent", "POST", path, NULL);
    if (!r)
        return 1;
    printf("agent %s revoked: its certificate is refused from now on\n", argv[2]);
    json_decref(r);
    return 0;
}

static int cmd_schema(struct global *g, int argc, char **argv)
{
    (void)g;
    (void)argc;
    (void)argv;
    struct buf b = {0};
    if (schema_markdown(&b) || buf_terminate(&b)) {
        fprintf(stderr, "vigil schema: out of memory\n");
        return 1;
    }
    fputs((const char *)b.data, stdout);
    buf_free(&b);
    return 0;
}

struct command {
    const char *name;
    int (*fn)(struct global *g, int argc, char **argv);
    const char *help;
};

static const struct command commands[] = {
    {"query", cmd_query, "run a read-only SQL query over the store"},
    {"agents", cmd_agents, "list enrolled agents with their sensors and counters"},
    {"agent", cmd_agent, "agent revoke ID: refuse an agent's certificate from now on"},
    {"token", cmd_token, "token create: a new enrollment token for agents"},
    {"schema", cmd_schema, "print the event schema (Markdown)"},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: vigil [--credentials FILE] COMMAND [ARGS]\n\ncommands:\n");
    for (const struct command *c = commands; c->name; c++)
        fprintf(f, "  %-8s %s\n", c->name, c->help);
    fprintf(f, "\nCredentials: --credentials, $VIGIL_CREDENTIALS, ~/.config/vigil/credentials or "
               "/var/lib/vigil/admin.credentials.\n");
}

int main(int argc, char **argv)
{
    struct global g = {0};
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        if (!strcmp(argv[i], "--credentials") && i + 1 < argc) {
            g.credentials = argv[i + 1];
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
    for (const struct command *c = commands; c->name; c++)
        if (!strcmp(c->name, argv[i])) {
            optind = 1;
            rc = c->fn(&g, argc - i, argv + i);
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
