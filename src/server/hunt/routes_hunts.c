/* routes_hunts.c - endpoints of saved and scheduled hunts (user):
 *   GET    /hunts                 the hunts with their last run
 *   POST   /hunts                 save {name, sql, description, every, severity}
 *   DELETE /hunts/{name}          delete it, its runs and results
 *   POST   /hunts/{name}/run      run it now (result + new_rows)
 *   GET    /hunts/{name}/runs     its last runs
 *   GET    /hunts/{name}/results  the new rows of its scheduled runs */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/util.h"
#include "server/api/http.h"
#include "server/hunt/hunts.h"
#include "server/store/store_hunts.h"

static bool valid_name(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len > 128)
        return false;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            return false;
    return true;
}

static const char *const severities[] = {"informational", "low", "medium", "high", "critical",
                                         NULL};

static void h_list(struct http_request *req, struct http_response *resp)
{
    json_t *h = store_hunts_json(req->srv->store);
    if (!h)
        http_error(resp, 500, "cannot read the hunts");
    else
        http_json(resp, 200, json_pack("{s:o}", "hunts", h));
}

static void h_save(struct http_request *req, struct http_response *resp)
{
    struct server *srv = req->srv;
    json_t *body = http_body_json(req, resp);
    if (!body)
        return;
    const char *name = http_json_string(body, "name", 128, true, resp);
    const char *sql = name ? http_json_string(body, "sql", 1000000, true, resp) : NULL;
    const char *desc = sql ? http_json_string(body, "description", 500, false, resp) : NULL;
    const char *every = desc ? http_json_string(body, "every", 32, false, resp) : NULL;
    const char *sev = every ? http_json_string(body, "severity", 15, false, resp) : NULL;
    if (!sev)
        goto out;
    struct hunt_def h;
    memset(&h, 0, sizeof(h));
    if (!valid_name(name)) {
        http_error(resp, 400, "hunt name \"%s\" must be 1-128 characters of A-Z a-z 0-9 . _ -",
                   name);
        goto out;
    }
    if (*every && (config_parse_duration(every, &h.every_ms) || h.every_ms < 10000)) {
        http_error(resp, 400, "every \"%s\" must be a duration of at least 10s (5m, 1h, 1d)",
                   every);
        goto out;
    }
    if (!strcmp(sev, "info"))
        sev = "informational"; /* the short form people type */
    bool sev_ok = !*sev;
    for (size_t i = 0; severities[i] && !sev_ok; i++)
        sev_ok = !strcmp(sev, severities[i]);
    if (!sev_ok) {
        http_error(resp, 400, "severity must be informational, low, medium, high or critical "
                              "(as the detection engine's)");
        goto out;
    }
    struct vg_error err = {{0}};
    int rc = store_query_check(srv->store, sql, &err);
    if (rc) {
        http_error(resp, rc == -EPERM ? 403 : 400, "the hunt's query is not accepted: %s",
                   err.msg);
        goto out;
    }
    str_copy(h.name, name, sizeof(h.name));
    h.sql = (char *)sql;
    str_copy(h.description, desc, sizeof(h.description));
    str_copy(h.severity, *sev ? sev : "medium", sizeof(h.severity));
    if ((rc = store_hunt_save(srv->store, &h, req->user, &err))) {
        http_error(resp, 500, "%s", err.msg);
        goto out;
    }
    char detail[1200];
    snprintf(detail, sizeof(detail), "%s every %s: %.1000s", name, *every ? every : "-", sql);
    store_audit(srv->store, req->user, req->addr, "hunt.save", detail);
    http_json(resp, 200, json_pack("{s:s,s:I,s:s}", "name", name, "every_ms",
                                   (json_int_t)h.every_ms, "severity", h.severity));
out:
    json_decref(body);
}

/* Split "name/action" from the path. */
static bool split(const char *arg, char *name, size_t len, const char **action)
{
    const char *slash = strchr(arg, '/');
    size_t n = slash ? (size_t)(slash - arg) : strlen(arg);
    if (n == 0 || n >= len)
        return false;
    memcpy(name, arg, n);
    name[n] = '\0';
    *action = slash ? slash + 1 : "";
    return valid_name(name);
}

static void h_delete(struct http_request *req, struct http_response *resp)
{
    char name[129];
    const char *action;
    if (!split(req->path_arg, name, sizeof(name), &action) || *action) {
        http_error(resp, 404, "no such hunt endpoint: %s", req->path);
        return;
    }
    struct vg_error err = {{0}};
    int rc = store_hunt_delete(req->srv->store, name, &err);
    if (rc) {
        http_error(resp, rc == -ENOENT ? 404 : 500, "%s", err.msg);
        return;
    }
    store_audit(req->srv->store, req->user, req->addr, "hunt.delete", name);
    http_json(resp, 200, json_pack("{s:s}", "deleted", name));
}

static void h_run(struct http_request *req, struct http_response *resp)
{
    char name[129];
    const char *action;
    if (!split(req->path_arg, name, sizeof(name), &action) || strcmp(action, "run") != 0) {
        http_error(resp, 404, "no such hunt endpoint: %s", req->path);
        return;
    }
    store_audit(req->srv->store, req->user, req->addr, "hunt.run", name);
    json_t *res = NULL;
    struct vg_error err = {{0}};
    int rc = hunts_run(req->srv, name, false, &res, &err);
    if (rc)
        http_error(resp, rc == -ENOENT ? 404 : rc == -ETIMEDOUT ? 408 : rc == -EPERM ? 403 : 400,
                   "%s", err.msg);
    else
        http_json(resp, 200, res);
}

static void h_get(struct http_request *req, struct http_response *resp)
{
    char name[129];
    const char *action;
    if (!split(req->path_arg, name, sizeof(name), &action)) {
        http_error(resp, 404, "no such hunt endpoint: %s", req->path);
        return;
    }
    const char *l = http_arg(req, "limit");
    int limit = l ? atoi(l) : 100;
    if (limit < 1 || limit > 10000)
        limit = 100;
    json_t *out = NULL;
    if (!strcmp(action, "runs"))
        out = store_hunt_runs_json(req->srv->store, name, limit);
    else if (!strcmp(action, "results"))
        out = store_hunt_results_json(req->srv->store, name, limit);
    else {
        http_error(resp, 404, "no such hunt endpoint: %s", req->path);
        return;
    }
    if (!out)
        http_error(resp, 500, "cannot read the hunt's %s", action);
    else
        http_json(resp, 200, json_pack("{s:s,s:o}", "hunt", name, action, out));
}

const struct http_route hunt_routes[] = {
    {"GET", "/api/v1/hunts", AUTH_ADMIN, 0, h_list},
    {"POST", "/api/v1/hunts", AUTH_ADMIN, 2u << 20, h_save},
    {"DELETE", "/api/v1/hunts/", AUTH_ADMIN, 0, h_delete},
    {"POST", "/api/v1/hunts/", AUTH_ADMIN, 4096, h_run},
    {"GET", "/api/v1/hunts/", AUTH_ADMIN, 0, h_get},
    {NULL, NULL, AUTH_NONE, 0, NULL},
};
