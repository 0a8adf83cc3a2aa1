/* cmd_query.c - `vigil query`: one read-only SQL statement over the store, printed as a
 * table, JSON lines or CSV. */
#include <stdlib.h>
#include <string.h>
#include <getopt.h>

#include "cli/cli.h"
#include "cli/output.h"

int cmd_query(struct cli *g, int argc, char **argv)
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
    json_t *r = cli_call(g, "query", "POST", "/api/v1/query", body);
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

