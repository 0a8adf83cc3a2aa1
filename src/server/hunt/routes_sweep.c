/* routes_sweep.c - POST /sweep (user): an IOC sweep.
 * Body: {"indicators": ["<sha256|ip|cidr|domain>", {"type": "ip", "value": "..."}, ...],
 *        "since": "7d" (default 30d), "until": ns (default now)} */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/config.h"
#include "common/util.h"
#include "server/api/http.h"
#include "server/hunt/sweep.h"

#define SWEEP_MAX_INDICATORS 10000

static void h_sweep(struct http_request *req, struct http_response *resp)
{
    json_t *body = http_body_json(req, resp);
    if (!body)
        return;
    json_t *in = json_object_get(body, "indicators"), *norm = json_array();
    const char *since = http_json_string(body, "since", 32, false, resp);
    if (!since)
        goto out;
    if (!json_is_array(in) || json_array_size(in) == 0 ||
        json_array_size(in) > SWEEP_MAX_INDICATORS) {
        http_error(resp, 400, "indicators must be an array of 1 to %d indicators",
                   SWEEP_MAX_INDICATORS);
        goto out;
    }
    size_t i;
    json_t *v;
    json_array_foreach(in, i, v) {
        const char *value = json_is_string(v) ? json_string_value(v)
                                              : json_string_value(json_object_get(v, "value"));
        const char *type = json_string_value(json_object_get(v, "type"));
        enum ioc_type t = value ? ioc_guess_type(value) : IOC_INVALID;
        if (type && value) {
            t = IOC_INVALID;
            for (int k = 0; k < IOC_INVALID; k++)
                if (!strcmp(type, ioc_type_name((enum ioc_type)k)))
                    t = (enum ioc_type)k;
        }
        if (t == IOC_INVALID) {
            http_error(resp, 400, "indicators[%zu] (%.80s) is not a SHA-256, an IP address, a "
                                  "CIDR range or a domain name", i, value ? value : "?");
            goto out;
        }
        json_array_append_new(norm, json_pack("{s:s,s:s}", "type", ioc_type_name(t), "value",
                                              value));
    }
    uint64_t since_ms = 30ull * 86400 * 1000;
    if (*since && config_parse_duration(since, &since_ms)) {
        http_error(resp, 400, "since \"%s\" is not a duration (24h, 7d)", since);
        goto out;
    }
    int64_t until = (int64_t)time_now_ns();
    json_t *u = json_object_get(body, "until");
    if (json_is_integer(u))
        until = json_integer_value(u);
    int64_t from = until - (int64_t)since_ms * 1000000ll;
    char detail[256];
    snprintf(detail, sizeof(detail), "%zu indicators over %s", json_array_size(norm),
             *since ? since : "30d");
    store_audit(req->srv->store, req->user, req->addr, "sweep", detail);
    json_t *result = NULL;
    struct vg_error err = {{0}};
    uint64_t t0 = time_mono_ns();
    int rc = sweep_run(req->srv->store, norm, from, until, &result, &err);
    if (rc) {
        http_error(resp, rc == -EINVAL ? 400 : 500, "%s", err.msg);
        goto out;
    }
    json_object_set_new(result, "elapsed_ms", json_real((double)(time_mono_ns() - t0) / 1e6));
    http_json(resp, 200, result);
out:
    json_decref(norm);
    json_decref(body);
}

const struct http_route sweep_routes[] = {
    {"POST", "/api/v1/sweep", AUTH_ADMIN, 8u << 20, h_sweep},
    {NULL, NULL, AUTH_NONE, 0, NULL},
};
