/* routes_baseline.c - endpoints of the baseline self-check:
 *   GET /api/v1/baseline?host=H&policy=P&checks=1&failed=1&limit=N   (user)
 *       {"scores": [per host and policy: score, counts, status, run], "checks": [latest result
 *       of each check per host with evidence and remediation]}
 * Runs on demand are tasks of kind baseline.run (POST /api/v1/tasks). */
#include <stdlib.h>
#include <string.h>

#include "server/api/http.h"
#include "server/store/store_baseline.h"

static bool flag(struct http_request *req, const char *name)
{
    const char *v = http_arg(req, name);
    return v && (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes"));
}

static void h_baseline(struct http_request *req, struct http_response *resp)
{
    struct baseline_filter f = {
        .host = http_arg(req, "host"),
        .policy = http_arg(req, "policy"),
        .failed_only = flag(req, "failed"),
        .limit = 10000,
    };
    const char *limit = http_arg(req, "limit");
    if (limit) {
        char *end = NULL;
        long long v = strtoll(limit, &end, 10);
        if (!end || *end || v <= 0 || v > 1000000) {
            http_error(resp, 400, "limit must be a number from 1 to 1000000");
            return;
        }
        f.limit = (size_t)v;
    }
    if ((f.host && strlen(f.host) > 255) || (f.policy && strlen(f.policy) > 128)) {
        http_error(resp, 400, "host or policy too long");
        return;
    }
    struct vg_error err = {{0}};
    json_t *r = store_baseline_json(req->srv->store, &f, flag(req, "checks") || f.failed_only,
                                    &err);
    if (!r)
        http_error(resp, 500, "%s", err.msg);
    else
        http_json(resp, 200, r);
}

const struct http_route baseline_routes[] = {
    {"GET", "/api/v1/baseline", AUTH_ADMIN, 0, h_baseline},
    {NULL, NULL, AUTH_NONE, 0, NULL},
};
