/* routes_retrohunt.c - POST /retrohunt (user): rules over stored history (retrohunt.h).
 * Body: {"rules": "<YAML of one or more Sigma or native rules>"} (or an array of texts or of
 *       {"name", "text"}), or {"shipped": true} (the server's rules_dir),
 *       "since": "1d" (default 1d) or ns, "until": ns (default now),
 *       "agents": ["<agent id>", ...] (default every host), "raise": false,
 *       "max_matches": 10000} */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/config.h"
#include "common/util.h"
#include "server/api/http.h"
#include "server/hunt/retrohunt.h"
#include "server/store/store.h"

#define RETRO_MAX_RULES_TEXT (4u << 20)
#define RETRO_MAX_AGENTS 10000
#define RETRO_MAX_MATCHES 100000

/* "rules" as [{"name", "text"}]: it may be one YAML text, or an array of texts or of
 * {"name": file name, "text": YAML} objects. NULL with resp set when it is none of these. */
static json_t *rule_texts(json_t *rules, struct http_response *resp)
{
    json_t *out = json_array(), *r;
    size_t i, total = 0;
    if (json_is_string(rules)) {
        json_array_append_new(out, json_pack("{s:s,s:O}", "name", "rules", "text", rules));
        total = json_string_length(rules);
    } else if (json_is_array(rules) && json_array_size(rules) > 0) {
        json_array_foreach(rules, i, r) {
            json_t *text = json_is_string(r) ? r : json_object_get(r, "text");
            json_t *name = json_object_get(r, "name");
            if (!json_is_string(text) || (name && !json_is_string(name))) {
                http_error(resp, 400, "rules[%zu] must be YAML text or {\"name\", \"text\"}", i);
                json_decref(out);
                return NULL;
            }
            char def[32];
            snprintf(def, sizeof(def), "rules[%zu]", i);
            json_array_append_new(out, json_pack("{s:s,s:O}", "name",
                                                 name ? json_string_value(name) : def, "text",
                                                 text));
            total += json_string_length(text);
        }
    } else {
        total = SIZE_MAX;
    }
    if (total == 0 || total > RETRO_MAX_RULES_TEXT) {
        http_error(resp, 400, "rules must be the YAML text of one or more Sigma or native rules "
                              "(1 byte to %u MiB), or an array of such texts",
                   RETRO_MAX_RULES_TEXT >> 20);
        json_decref(out);
        return NULL;
    }
    return out;
}

static void h_retrohunt(struct http_request *req, struct http_response *resp)
{
    json_t *body = http_body_json(req, resp);
    if (!body)
        return;
    struct retro_request rr = {.user = req->user};
    json_t *rules = json_object_get(body, "rules"), *shipped = json_object_get(body, "shipped");
    json_t *since = json_object_get(body, "since"), *until = json_object_get(body, "until");
    json_t *agents = json_object_get(body, "agents"), *raise = json_object_get(body, "raise");
    json_t *max = json_object_get(body, "max_matches");
    if (rules && !(rr.rules = rule_texts(rules, resp)))
        goto out;
    if (shipped && !json_is_boolean(shipped)) {
        http_error(resp, 400, "shipped must be true or false");
        goto out;
    }
    rr.shipped = shipped && json_is_true(shipped);
    if (!rr.rules == !rr.shipped) {
        http_error(resp, 400, "give either rules (YAML text) or \"shipped\": true");
        goto out;
    }
    rr.until = json_is_integer(until) ? json_integer_value(until) : (int64_t)time_now_ns();
    if (until && !json_is_integer(until)) {
        http_error(resp, 400, "until must be a time in ns since the epoch");
        goto out;
    }
    uint64_t since_ms = 86400ull * 1000;
    if (json_is_integer(since)) {
        rr.since = json_integer_value(since);
    } else if (since && (!json_is_string(since) ||
                         config_parse_duration(json_string_value(since), &since_ms))) {
        http_error(resp, 400, "since must be a duration (24h, 7d) or a time in ns");
        goto out;
    }
    if (!json_is_integer(since))
        rr.since = rr.until - (int64_t)since_ms * 1000000ll;
    if (rr.since > rr.until) {
        http_error(resp, 400, "since is after until");
        goto out;
    }
    if (agents) {
        size_t i;
        json_t *a;
        if (!json_is_array(agents) || json_array_size(agents) == 0 ||
            json_array_size(agents) > RETRO_MAX_AGENTS) {
            http_error(resp, 400, "agents must be an array of 1 to %d agent ids", RETRO_MAX_AGENTS);
            goto out;
        }
        json_array_foreach(agents, i, a) {
            if (!json_is_string(a)) {
                http_error(resp, 400, "agents[%zu] is not an agent id", i);
                goto out;
            }
        }
        rr.agents = agents;
    }
    if (raise && !json_is_boolean(raise)) {
        http_error(resp, 400, "raise must be true or false");
        goto out;
    }
    rr.raise = raise && json_is_true(raise);
    if (max && (!json_is_integer(max) || json_integer_value(max) < 1 ||
                json_integer_value(max) > RETRO_MAX_MATCHES)) {
        http_error(resp, 400, "max_matches must be between 1 and %d", RETRO_MAX_MATCHES);
        goto out;
    }
    rr.max_matches = max ? (size_t)json_integer_value(max) : 0;
    char detail[256];
    snprintf(detail, sizeof(detail), "%s over %.1f h%s%s",
             rr.shipped ? "shipped rules" : "rules", (double)(rr.until - rr.since) / 3.6e12,
             rr.agents ? " on selected hosts" : " on every host", rr.raise ? ", raising" : "");
    store_audit(req->srv->store, req->user, req->addr, "retrohunt", detail);
    json_t *result = NULL;
    struct vg_error err = {{0}};
    int rc = retrohunt_run(req->srv, &rr, &result, &err);
    if (rc) {
        http_error(resp, rc == -EINVAL || rc == -ENOENT ? 400 : 500, "%s", err.msg);
        goto out;
    }
    http_json(resp, 200, result);
out:
    json_decref(rr.rules);
    json_decref(body);
}

const struct http_route retrohunt_routes[] = {
    {"POST", "/api/v1/retrohunt", AUTH_ADMIN, RETRO_MAX_RULES_TEXT + (1u << 20), h_retrohunt},
    {NULL, NULL, AUTH_NONE, 0, NULL},
};
