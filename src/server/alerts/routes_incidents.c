/* routes_incidents.c - incidents (user):
 *   GET  /incidents?since=7d&status=open|investigating|closed|merged&limit=N
 *   GET  /incidents/{id}[?format=json|dot]  the incident, its alerts in time order, and the
 *        provenance of its latest alert that names a process (storyline, entry points)
 *   POST /incidents/{id}  {"status": "open"|"investigating"|"closed"} */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/util.h"
#include "server/api/http.h"
#include "server/provenance/build.h"
#include "server/store/store.h"
#include "server/store/store_incidents.h"

static const char *const statuses[] = {"open", "investigating", "closed", NULL};

static void h_list(struct http_request *req, struct http_response *resp)
{
    const char *since = http_arg(req, "since"), *status = http_arg(req, "status");
    const char *limit = http_arg(req, "limit");
    uint64_t since_ms = 7ull * 86400 * 1000;
    if (since && config_parse_duration(since, &since_ms)) {
        http_error(resp, 400, "since \"%s\" is not a duration (24h, 7d)", since);
        return;
    }
    bool ok = !status || !strcmp(status, "merged");
    for (size_t i = 0; statuses[i] && !ok; i++)
        ok = !strcmp(status, statuses[i]);
    if (!ok) {
        http_error(resp, 400, "status must be open, investigating, closed or merged");
        return;
    }
    long n = limit ? strtol(limit, NULL, 10) : 100;
    if (n < 1 || n > 10000) {
        http_error(resp, 400, "limit must be from 1 to 10000");
        return;
    }
    struct vg_error err = {{0}};
    json_t *list = store_incidents_json(req->srv->store,
                                        (int64_t)time_now_ns() - (int64_t)since_ms * 1000000ll,
                                        status, (int)n, &err);
    if (!list) {
        http_error(resp, 500, "%s", err.msg);
        return;
    }
    http_json(resp, 200, json_pack("{s:o}", "incidents", list));
}

/* The id in /incidents/{id}; -1 when it is not a number. */
static int64_t path_id(struct http_request *req)
{
    char *end;
    long long id = strtoll(req->path_arg ? req->path_arg : "", &end, 10);
    return end != req->path_arg && !*end && id > 0 ? id : -1;
}

/* The latest alert of the incident that names a process known to the store. */
static const char *story_entity(json_t *alerts, json_t **which)
{
    for (size_t i = json_array_size(alerts); i-- > 0;) {
        json_t *a = json_array_get(alerts, i);
        const char *e = json_string_value(json_object_get(a, "entity_id"));
        if (e && *e) {
            *which = a;
            return e;
        }
    }
    return NULL;
}

static void h_get(struct http_request *req, struct http_response *resp)
{
    int64_t id = path_id(req);
    const char *format = http_arg(req, "format");
    if (id < 0) {
        http_error(resp, 400, "an incident id is a positive number");
        return;
    }
    if (format && strcmp(format, "json") && strcmp(format, "dot")) {
        http_error(resp, 400, "format must be json or dot");
        return;
    }
    struct vg_error err = {{0}};
    json_t *inc = NULL;
    int src = store_incident_json(req->srv->store, id, &inc, &err);
    if (src) {
        http_error(resp, src == -ENOENT ? 404 : 500, "%s", err.msg);
        return;
    }
    json_t *from = NULL;
    const char *entity = story_entity(json_object_get(inc, "alerts"), &from);
    if (entity) {
        struct prov_request pr = {.entity_id = entity};
        struct prov_graph g;
        uint64_t t0 = time_mono_ns();
        int rc = prov_build(req->srv->store, &pr, &g, &err);
        if (rc == 0 && format && !strcmp(format, "dot")) {
            resp->status = 200;
            resp->text = prov_graph_dot(&g);
            resp->content_type = "text/vnd.graphviz";
            prov_graph_free(&g);
            json_decref(inc);
            return;
        }
        if (rc == 0) {
            json_t *entries = json_array();
            for (size_t i = 0; i < g.nnodes; i++)
                if (g.nodes[i].entry)
                    json_array_append_new(entries, json_pack("{s:s,s:s}", "id", g.nodes[i].id,
                                                             "label", g.nodes[i].label));
            json_object_set_new(inc, "provenance",
                                json_pack("{s:O,s:o,s:o,s:f}", "from_alert",
                                          json_object_get(from, "event_key"), "entry", entries,
                                          "storyline", prov_storyline(&g), "elapsed_ms",
                                          (double)(time_mono_ns() - t0) / 1e6));
        } else {
            json_object_set_new(inc, "provenance_error", json_string(err.msg));
        }
        prov_graph_free(&g);
    }
    http_json(resp, 200, inc);
}

static void h_set(struct http_request *req, struct http_response *resp)
{
    int64_t id = path_id(req);
    if (id < 0) {
        http_error(resp, 400, "an incident id is a positive number");
        return;
    }
    json_t *body = http_body_json(req, resp);
    if (!body)
        return;
    const char *status = http_json_string(body, "status", 32, true, resp);
    bool ok = false;
    for (size_t i = 0; status && statuses[i] && !ok; i++)
        ok = !strcmp(status, statuses[i]);
    if (status && !ok)
        http_error(resp, 400, "status must be open, investigating or closed");
    if (ok) {
        struct vg_error err = {{0}};
        int rc = store_incident_set_status(req->srv->store, id, status, req->user, &err);
        if (rc) {
            http_error(resp, rc == -ENOENT ? 404 : 500, "%s", err.msg);
        } else {
            char detail[96];
            snprintf(detail, sizeof(detail), "incident %lld: %s", (long long)id, status);
            store_audit(req->srv->store, req->user, req->addr, "incident", detail);
            http_json(resp, 200, json_pack("{s:I,s:s}", "id", (json_int_t)id, "status", status));
        }
    }
    json_decref(body);
}

const struct http_route incident_routes[] = {
    {"GET", "/api/v1/incidents", AUTH_ADMIN, 0, h_list},
    {"GET", "/api/v1/incidents/", AUTH_ADMIN, 0, h_get},
    {"POST", "/api/v1/incidents/", AUTH_ADMIN, 4096, h_set},
    {NULL, NULL, AUTH_NONE, 0, NULL},
};
