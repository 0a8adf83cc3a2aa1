/* routes_sweep.c - POST /sweep (user): an IOC sweep.
 * Body: {"indicators": ["<sha256|ip|cidr|domain>", {"type": "ip", "value": "..."}, ...],
 *        "feed": "<text of a feed: CSV, STIX 2.1 bundle or MISP event>", (either or both)
 *        "since": "7d" (default 30d), "until": ns (default now)}
 * A feed is read by the detection engine's own feed loader, so a feed the agents' engines
 * accept sweeps the same indicators. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/config.h"
#include "common/util.h"
#include "engine/engine.h"
#include "server/api/http.h"
#include "server/hunt/sweep.h"

#define SWEEP_MAX_INDICATORS 10000

struct feed_read {
    json_t *out;
    json_t *problems;
};

static void feed_entry(void *ctx, const char *kind, const char *value, size_t len)
{
    struct feed_read *fr = ctx;
    if (json_array_size(fr->out) <= SWEEP_MAX_INDICATORS)
        json_array_append_new(fr->out, json_pack("{s:s,s:s%}", "type", kind, "value", value, len));
}

static void feed_problem(void *ctx, const struct engine_report *r)
{
    struct feed_read *fr = ctx;
    if (json_array_size(fr->problems) < 100)
        json_array_append_new(fr->problems, json_pack("{s:s,s:s}", "where", r->construct ? r->construct : "",
                                                      "reason", r->reason ? r->reason : ""));
}

/* The indicators of a feed's text, appended to out; -EINVAL with err when it cannot be read. */
static int read_feed(const char *text, json_t *out, json_t *problems, struct vg_error *err)
{
    struct feed_read fr = {out, problems};
    struct engine_options opt = {.report = feed_problem, .report_ctx = &fr,
                                 .ioc_entry = feed_entry, .ioc_entry_ctx = &fr};
    struct engine *eng = NULL;
    int rc = engine_new(&opt, &eng, err);
    if (!rc) {
        rc = engine_load_ioc_text(eng, text, strlen(text), "feed", err);
        rc = rc < 0 ? -EINVAL : 0;
    }
    engine_free(eng);
    return rc;
}

static void h_sweep(struct http_request *req, struct http_response *resp)
{
    json_t *body = http_body_json(req, resp);
    if (!body)
        return;
    json_t *in = json_object_get(body, "indicators"), *norm = json_array();
    json_t *feed = json_object_get(body, "feed"), *problems = json_array();
    const char *since = http_json_string(body, "since", 32, false, resp);
    if (!since)
        goto out;
    if ((in || !feed) && (!json_is_array(in) || json_array_size(in) == 0 ||
                          json_array_size(in) > SWEEP_MAX_INDICATORS)) {
        http_error(resp, 400, "indicators must be an array of 1 to %d indicators",
                   SWEEP_MAX_INDICATORS);
        goto out;
    }
    if (feed) {
        struct vg_error ferr = {{0}};
        if (!json_is_string(feed)) {
            http_error(resp, 400, "feed must be the text of an indicator feed (CSV, STIX 2.1 "
                                  "bundle or MISP event)");
            goto out;
        }
        if (read_feed(json_string_value(feed), norm, problems, &ferr)) {
            http_error(resp, 400, "feed: %s", ferr.msg);
            goto out;
        }
        if (json_array_size(norm) > SWEEP_MAX_INDICATORS) {
            http_error(resp, 400, "the feed holds more than %d indicators", SWEEP_MAX_INDICATORS);
            goto out;
        }
        if (!json_array_size(norm)) {
            http_error(resp, 400, "the feed holds no SHA-256, address, network or domain "
                                  "indicator (%zu entries could not be used)",
                       json_array_size(problems));
            goto out;
        }
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
    if (json_array_size(problems))
        json_object_set(result, "feed_problems", problems);
    json_object_set_new(result, "elapsed_ms", json_real((double)(time_mono_ns() - t0) / 1e6));
    http_json(resp, 200, result);
out:
    json_decref(problems);
    json_decref(norm);
    json_decref(body);
}

const struct http_route sweep_routes[] = {
    {"POST", "/api/v1/sweep", AUTH_ADMIN, 8u << 20, h_sweep},
    {NULL, NULL, AUTH_NONE, 0, NULL},
};
