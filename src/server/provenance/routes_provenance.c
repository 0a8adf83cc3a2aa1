/* routes_provenance.c - GET /provenance (user): the causal graph of a process or an event.
 *   ?entity=ID | ?table=TABLE&event_key=KEY
 *   [&format=json|dot|story] [&max_nodes=N (<= 5000)] [&depth=N] */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "server/api/http.h"
#include "server/provenance/build.h"

static void h_provenance(struct http_request *req, struct http_response *resp)
{
    struct prov_request pr = {0};
    const char *entity = http_arg(req, "entity"), *table = http_arg(req, "table");
    const char *key = http_arg(req, "event_key"), *format = http_arg(req, "format");
    const char *max = http_arg(req, "max_nodes"), *depth = http_arg(req, "depth");
    if (entity && *entity) {
        if (strlen(entity) > 64) {
            http_error(resp, 400, "entity must be an entity id (16 hex digits)");
            return;
        }
        pr.entity_id = entity;
    } else if (table && key) {
        char *end;
        pr.table = table;
        pr.event_key = strtoll(key, &end, 10);
        if (*end || end == key) {
            http_error(resp, 400, "event_key must be an integer");
            return;
        }
    } else {
        http_error(resp, 400, "give entity=ID, or table=TABLE and event_key=KEY");
        return;
    }
    if (max) {
        long m = strtol(max, NULL, 10);
        if (m < 10 || m > 5000) {
            http_error(resp, 400, "max_nodes must be from 10 to 5000");
            return;
        }
        pr.max_nodes = (size_t)m;
    }
    if (depth) {
        long d = strtol(depth, NULL, 10);
        if (d < 1 || d > 64) {
            http_error(resp, 400, "depth must be from 1 to 64");
            return;
        }
        pr.forward_depth = (int)d;
    }
    if (format && strcmp(format, "json") && strcmp(format, "dot") && strcmp(format, "story")) {
        http_error(resp, 400, "format must be json, dot or story");
        return;
    }
    struct prov_graph g;
    struct vg_error err = {{0}};
    uint64_t t0 = time_mono_ns();
    int rc = prov_build(req->srv->store, &pr, &g, &err);
    double ms = (double)(time_mono_ns() - t0) / 1e6;
    if (rc) {
        http_error(resp, rc == -ENOENT ? 404 : rc == -EINVAL ? 400 : 500, "%s", err.msg);
        prov_graph_free(&g);
        return;
    }
    if (format && !strcmp(format, "dot")) {
        resp->status = 200;
        resp->text = prov_graph_dot(&g);
        resp->content_type = "text/vnd.graphviz";
    } else if (format && !strcmp(format, "story")) {
        http_json(resp, 200, json_pack("{s:o,s:f}", "storyline", prov_storyline(&g),
                                       "elapsed_ms", ms));
    } else {
        json_t *j = prov_graph_json(&g);
        json_object_set_new(j, "elapsed_ms", json_real(ms));
        http_json(resp, 200, j);
    }
    prov_graph_free(&g);
}

const struct http_route provenance_routes[] = {
    {"GET", "/api/v1/provenance", AUTH_ADMIN, 0, h_provenance},
    {NULL, NULL, AUTH_NONE, 0, NULL},
};
