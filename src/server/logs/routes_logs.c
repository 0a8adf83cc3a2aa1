/* routes_logs.c - endpoints of the log collector's data:
 *   GET /logs/search?q=TEXT[&host=H][&file=F][&program=P][&since=1h][&until=...][&limit=N][&fts=1]
 *       (user)  log records whose raw text holds TEXT, newest first */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/util.h"
#include "server/api/http.h"
#include "server/store/store_logs.h"

#define SEARCH_LIMIT_DEFAULT 100
#define SEARCH_LIMIT_MAX 10000

/* "1h" (ago), or ns since the epoch; false when neither. */
static bool parse_time(const char *s, int64_t *out)
{
    uint64_t ms;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!errno && *end == '\0' && v >= 0) {
        *out = v;
        return true;
    }
    if (config_parse_duration(s, &ms))
        return false;
    int64_t now = (int64_t)time_now_ns();
    *out = now - (int64_t)(ms * 1000000ull) > 0 ? now - (int64_t)(ms * 1000000ull) : 0;
    return true;
}

static void h_logs_search(struct http_request *req, struct http_response *resp)
{
    struct logs_search q = {.limit = SEARCH_LIMIT_DEFAULT};
    q.text = http_arg(req, "q");
    if (!q.text || !*q.text || strlen(q.text) > 4096) {
        http_error(resp, 400, "q (the text to find, 1 to 4096 bytes) is required");
        return;
    }
    q.host = http_arg(req, "host");
    q.file = http_arg(req, "file");
    q.program = http_arg(req, "program");
    const char *fts = http_arg(req, "fts");
    q.fts_syntax = fts && (!strcmp(fts, "1") || !strcmp(fts, "true"));
    const char *v;
    if ((v = http_arg(req, "since")) && !parse_time(v, &q.since)) {
        http_error(resp, 400, "since \"%s\" is neither a duration ago (1h, 30m) nor ns since the epoch", v);
        return;
    }
    if ((v = http_arg(req, "until")) && !parse_time(v, &q.until)) {
        http_error(resp, 400, "until \"%s\" is neither a duration ago (1h, 30m) nor ns since the epoch", v);
        return;
    }
    if ((v = http_arg(req, "limit"))) {
        char *end;
        unsigned long long l = strtoull(v, &end, 10);
        if (*end || l == 0 || l > SEARCH_LIMIT_MAX) {
            http_error(resp, 400, "limit must be 1 to %d", SEARCH_LIMIT_MAX);
            return;
        }
        q.limit = l;
    }
    json_t *result = NULL;
    struct vg_error err = {{0}};
    int rc = store_logs_search(req->srv->store, &q, &result, &err);
    char detail[512];
    snprintf(detail, sizeof(detail), "logs search: %.400s", q.text);
    store_audit(req->srv->store, req->user, req->addr, "logs.search", detail);
    if (rc) {
        http_error(resp, rc == -EINVAL ? 400 : 500, "%s", vg_error_str(&err, rc));
        return;
    }
    http_json(resp, 200, result);
}

const struct http_route logs_routes[] = {
    {"GET", "/api/v1/logs/search", AUTH_ADMIN, 0, h_logs_search},
    {NULL, NULL, AUTH_NONE, 0, NULL},
};
