/* cmd_baseline.c - `vigil baseline`: the baseline score of every policy on every host, and
 * with --checks or --failed the latest result of each check with its evidence and remediation.
 * A run on demand is a task: `vigil task run baseline.run [--agent ID]`. */
#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "common/buf.h"
#include "common/util.h"

static void usage(void)
{
    fprintf(stderr,
            "usage: vigil baseline [--host H] [--policy ID] [--checks | --failed] [--limit N] "
            "[--json]\n"
            "  scores per host and policy; --checks: every check's latest result, --failed: the "
            "failed ones\n"
            "  (evidence and remediation with --json). Run now: vigil task run baseline.run\n");
}

static int add_arg(struct buf *b, const char *name, const char *value)
{
    char *esc = curl_easy_escape(NULL, value, 0);
    if (!esc)
        return -1;
    int rc = buf_printf(b, "%c%s=%s", strchr((const char *)b->data, '?') ? '&' : '?', name, esc);
    curl_free(esc);
    return rc;
}

int cmd_baseline(struct cli *c, int argc, char **argv)
{
    const char *host = NULL, *policy = NULL, *limit = NULL;
    bool checks = false, failed = false, as_json = false;
    static const struct option opts[] = {
        {"host", required_argument, NULL, 'H'}, {"policy", required_argument, NULL, 'p'},
        {"checks", no_argument, NULL, 'c'}, {"failed", no_argument, NULL, 'f'},
        {"limit", required_argument, NULL, 'l'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "H:p:cfl:jh", opts, NULL)) != -1) {
        switch (o) {
        case 'H': host = optarg; break;
        case 'p': policy = optarg; break;
        case 'c': checks = true; break;
        case 'f': failed = true; break;
        case 'l': limit = optarg; break;
        case 'j': as_json = true; break;
        default: usage(); return o == 'h' ? 0 : 2;
        }
    }
    if (optind != argc) {
        usage();
        return 2;
    }
    struct buf path = {0};
    int rc = buf_append_str(&path, "/api/v1/baseline") || buf_terminate(&path);
    if (!rc && host)
        rc = add_arg(&path, "host", host) || buf_terminate(&path);
    if (!rc && policy)
        rc = add_arg(&path, "policy", policy) || buf_terminate(&path);
    if (!rc && limit)
        rc = add_arg(&path, "limit", limit) || buf_terminate(&path);
    if (!rc && (checks || failed))
        rc = add_arg(&path, failed ? "failed" : "checks", "1") || buf_terminate(&path);
    if (rc) {
        buf_free(&path);
        fprintf(stderr, "vigil baseline: out of memory\n");
        return 1;
    }
    json_t *r = cli_call(c, "baseline", "GET", (const char *)path.data, NULL);
    buf_free(&path);
    if (!r)
        return 1;
    if (as_json) {
        char *s = json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s)
            puts(s);
        free(s);
    } else if (checks || failed) {
        static const char *const cols[] = {"hostname", "policy_id", "check_id", "check_result",
                                           "check_title", "reason"};
        output_objects(stdout, json_object_get(r, "checks"), cols, ARRAY_SIZE(cols));
    } else {
        static const char *const cols[] = {"hostname", "agent_id", "policy_id", "status",
                                           "score", "passed", "failed", "not_applicable",
                                           "reason"};
        output_objects(stdout, json_object_get(r, "scores"), cols, ARRAY_SIZE(cols));
    }
    json_decref(r);
    return 0;
}
