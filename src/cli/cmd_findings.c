/* cmd_findings.c - `vigil findings`: the risks found on the fleet and their lifecycle.
 *   vigil findings [--host H] [--kind K] [--severity S] [--status open|accepted|fixed|all]
 *                  [--cve CVE] [--package P] [--check C] [--limit N] [--json]
 *   vigil findings show ID                 one finding with all its detail
 *   vigil findings summary [--by kind|host|severity|cve|package|status|check] [filters]
 *   vigil findings hosts CVE               which hosts have CVE, with versions and activity
 *   vigil findings accept ID --reason R    accept a risk (kept out of the open list)
 *   vigil findings reopen ID               an accepted finding back in the open list */
#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "common/buf.h"
#include "common/util.h"

static void add_arg(struct buf *q, const char *name, const char *value)
{
    if (!value)
        return;
    char *e = curl_easy_escape(NULL, value, 0);
    buf_printf(q, "%s%s=%s", q->len ? "&" : "", name, e ? e : "");
    curl_free(e);
}

/* Options shared by the listing commands, turned into a query string. */
static int parse_filters(int argc, char **argv, struct buf *q, bool *as_json, const char **by)
{
    static const struct option opts[] = {
        {"host", required_argument, NULL, 'H'},   {"kind", required_argument, NULL, 'k'},
        {"severity", required_argument, NULL, 's'}, {"status", required_argument, NULL, 't'},
        {"cve", required_argument, NULL, 'c'},    {"package", required_argument, NULL, 'p'},
        {"check", required_argument, NULL, 'C'},  {"limit", required_argument, NULL, 'l'},
        {"by", required_argument, NULL, 'b'},     {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    static const char *const names[128] = {['H'] = "host", ['k'] = "kind", ['s'] = "severity",
                                           ['t'] = "status", ['c'] = "cve", ['p'] = "package",
                                           ['C'] = "check", ['l'] = "limit"};
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "H:k:s:t:c:p:C:l:b:j", opts, NULL)) != -1) {
        if (o == 'j')
            *as_json = true;
        else if (o == 'b' && by)
            *by = optarg;
        else if (o > 0 && o < 128 && names[o])
            add_arg(q, names[o], optarg);
        else
            return 2;
    }
    return 0;
}

static void print_lines(json_t *rows)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        char *s = json_dumps(r, JSON_COMPACT);
        if (s)
            puts(s);
        free(s);
    }
}

static int list(struct cli *c, int argc, char **argv)
{
    struct buf q = {0};
    bool as_json = false;
    int rc = parse_filters(argc, argv, &q, &as_json, NULL);
    if (rc || buf_terminate(&q))
        goto cleanup;
    char path[2048];
    snprintf(path, sizeof(path), "/api/v1/findings%s%s", q.len ? "?" : "",
             q.len ? (const char *)q.data : "");
    json_t *r = cli_call(c, "findings", "GET", path, NULL);
    if (!r) {
        rc = 1;
        goto cleanup;
    }
    json_t *rows = json_object_get(r, "findings");
    if (as_json) {
        print_lines(rows);
    } else {
        static const char *const cols[] = {"id", "hostname", "severity", "kind", "status",
                                           "title", "last_seen"};
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row)
            output_time_field(row, "last_seen");
        output_objects(stdout, rows, cols, sizeof(cols) / sizeof(cols[0]));
        fprintf(stderr, "%zu findings\n", json_array_size(rows));
    }
    json_decref(r);
cleanup:
    buf_free(&q);
    return rc;
}

static int show(struct cli *c, int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: vigil findings show ID\n");
        return 2;
    }
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/findings?status=all&id=%lld", atoll(argv[1]));
    json_t *r = cli_call(c, "findings", "GET", path, NULL);
    if (!r)
        return 1;
    json_t *f = json_array_get(json_object_get(r, "findings"), 0);
    int rc = 0;
    if (!f) {
        fprintf(stderr, "vigil findings: no finding %s\n", argv[1]);
        rc = 1;
    } else {
        static const char *const times[] = {"first_seen", "last_seen", "fixed_at", "status_at"};
        for (size_t i = 0; i < 4; i++)
            output_time_field(f, times[i]);
        char *s = json_dumps(f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s)
            puts(s);
        free(s);
    }
    json_decref(r);
    return rc;
}

static int summary(struct cli *c, int argc, char **argv)
{
    struct buf q = {0};
    bool as_json = false;
    const char *by = "kind";
    int rc = parse_filters(argc, argv, &q, &as_json, &by);
    add_arg(&q, "by", by);
    if (rc || buf_terminate(&q))
        goto cleanup;
    char path[2048];
    snprintf(path, sizeof(path), "/api/v1/findings/summary?%s", (const char *)q.data);
    json_t *r = cli_call(c, "findings", "GET", path, NULL);
    if (!r) {
        rc = 1;
        goto cleanup;
    }
    json_t *rows = json_object_get(r, "groups");
    if (as_json) {
        print_lines(rows);
    } else {
        static const char *const cols[] = {"key", "findings", "hosts", "critical", "high",
                                           "medium", "low", "accepted", "host_names"};
        output_objects(stdout, rows, cols, sizeof(cols) / sizeof(cols[0]));
    }
    json_decref(r);
cleanup:
    buf_free(&q);
    return rc;
}

static int hosts(struct cli *c, int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: vigil findings hosts CVE [--json]\n");
        return 2;
    }
    struct buf q = {0};
    add_arg(&q, "cve", argv[1]);
    add_arg(&q, "kind", "vulnerable_package");
    bool as_json = argc > 2 && !strcmp(argv[2], "--json");
    int rc = buf_terminate(&q) ? 1 : 0;
    char path[1024];
    snprintf(path, sizeof(path), "/api/v1/findings?%s", (const char *)q.data);
    json_t *r = rc ? NULL : cli_call(c, "findings", "GET", path, NULL);
    if (!r) {
        buf_free(&q);
        return 1;
    }
    json_t *rows = json_object_get(r, "findings"), *row;
    size_t i;
    json_array_foreach(rows, i, row) {
        json_t *d = json_object_get(row, "detail");
        static const char *const keep[] = {"installed_version", "fixed_version", "fix_state",
                                           "running", "listening"};
        for (size_t k = 0; k < 5; k++) {
            json_t *v = json_object_get(d, keep[k]);
            json_object_set(row, keep[k], v ? v : json_null());
        }
    }
    if (as_json) {
        print_lines(rows);
    } else {
        static const char *const cols[] = {"hostname", "package_name", "installed_version",
                                           "fixed_version", "fix_state", "running", "listening",
                                           "status", "severity"};
        output_objects(stdout, rows, cols, sizeof(cols) / sizeof(cols[0]));
        fprintf(stderr, "%zu hosts with %s\n", json_array_size(rows), argv[1]);
    }
    json_decref(r);
    buf_free(&q);
    return 0;
}

static int set_status(struct cli *c, int argc, char **argv, const char *status)
{
    const char *reason = NULL;
    static const struct option opts[] = {{"reason", required_argument, NULL, 'r'},
                                         {NULL, 0, NULL, 0}};
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "r:", opts, NULL)) != -1) {
        if (o != 'r')
            return 2;
        reason = optarg;
    }
    if (optind >= argc || (!strcmp(status, "accepted") && !reason)) {
        fprintf(stderr, "usage: vigil findings accept ID --reason TEXT | reopen ID\n");
        return 2;
    }
    json_t *body = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)atoll(argv[optind]), "status",
                             status, "reason", reason ? reason : "");
    json_t *r = cli_call(c, "findings", "POST", "/api/v1/findings/status", body);
    json_decref(body);
    if (!r)
        return 1;
    printf("finding %s: %s\n", argv[optind], status);
    json_decref(r);
    return 0;
}

int cmd_findings(struct cli *c, int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "show"))
        return show(c, argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "summary"))
        return summary(c, argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "hosts"))
        return hosts(c, argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "accept"))
        return set_status(c, argc - 1, argv + 1, "accepted");
    if (argc >= 2 && !strcmp(argv[1], "reopen"))
        return set_status(c, argc - 1, argv + 1, "open");
    if (argc >= 2 && argv[1][0] != '-') {
        fprintf(stderr, "vigil findings: unknown subcommand %s (show, summary, hosts, accept, "
                        "reopen, or options to list)\n", argv[1]);
        return 2;
    }
    return list(c, argc, argv);
}
