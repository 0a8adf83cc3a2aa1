/* routes.c - the REST API's endpoints (documented in docs/api.md) and their handlers.
 * Each handler validates its input, does one thing through the store, and answers JSON. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/log.h"
#include "common/pki.h"
#include "common/util.h"
#include "server/api/http.h"
#include "server/ingest/ingest.h"

static void h_health(struct http_request *req, struct http_response *resp)
{
    (void)req;
    http_json(resp, 200, json_pack("{s:s,s:s}", "status", "ok", "version", VIGIL_VERSION));
}

static void h_ca(struct http_request *req, struct http_response *resp)
{
    resp->status = 200;
    resp->text = strdup(req->srv->ca_cert_pem);
    resp->content_type = "application/x-pem-file";
    if (!resp->text)
        http_error(resp, 500, "out of memory");
}

static void h_enroll(struct http_request *req, struct http_response *resp)
{
    struct server *srv = req->srv;
    json_t *body = http_body_json(req, resp);
    if (!body)
        return;
    const char *token = http_json_string(body, "token", 128, true, resp);
    const char *csr = token ? http_json_string(body, "csr", 16384, true, resp) : NULL;
    const char *hostname = csr ? http_json_string(body, "hostname", 255, false, resp) : NULL;
    const char *machine_id = hostname ? http_json_string(body, "machine_id", 63, false, resp) : NULL;
    const char *os = machine_id ? http_json_string(body, "os", 255, false, resp) : NULL;
    const char *kernel = os ? http_json_string(body, "kernel", 127, false, resp) : NULL;
    const char *arch = kernel ? http_json_string(body, "arch", 31, false, resp) : NULL;
    if (!arch) {
        json_decref(body);
        return;
    }
    struct vg_error err = {{0}};
    if (store_enroll_token_use(srv->store, token, &err)) {
        log_warn("enrollment refused from %s (%s): %s", req->addr, hostname, err.msg);
        store_audit(srv->store, "", req->addr, "enroll.refused", err.msg);
        http_error(resp, 403, "enrollment refused: %s", err.msg);
        json_decref(body);
        return;
    }
    char agent_id[37];
    char *cert = NULL;
    struct pki_cert_info info;
    if (uuid_random(agent_id) ||
        pki_sign_client_csr(srv->ca_key_pem, srv->ca_cert_pem, csr, strlen(csr), agent_id,
                            (int)srv->cfg.agent_cert_days, &cert, &info, &err)) {
        http_error(resp, 400, "cannot issue a certificate: %s", err.msg);
        json_decref(body);
        return;
    }
    if (store_agent_register(srv->store, agent_id, hostname, machine_id, os, kernel, arch,
                             info.fingerprint, info.serial, info.not_after, req->addr, &err)) {
        http_error(resp, 500, "cannot register the agent: %s", err.msg);
        free(cert);
        json_decref(body);
        return;
    }
    char detail[512];
    snprintf(detail, sizeof(detail), "agent %s host %s serial %s", agent_id, hostname,
             info.serial);
    store_audit(srv->store, "", req->addr, "agent.enroll", detail);
    log_info("enrolled agent %s (%s) from %s", agent_id, hostname, req->addr);
    http_json(resp, 200, json_pack("{s:s,s:s,s:s}", "agent_id", agent_id, "certificate", cert,
                                   "ca", srv->ca_cert_pem));
    free(cert);
    json_decref(body);
}

static void h_events(struct http_request *req, struct http_response *resp)
{
    struct ingest_reply r;
    struct vg_error err = {{0}};
    int rc = ingest_batch(req->srv, &req->agent, req->addr, req->body.data, req->body.len,
                          (size_t)req->srv->cfg.max_batch_decompressed, &r, &err);
    if (rc == -EACCES) {
        log_warn("refused a batch from %s: %s", req->addr, err.msg);
        store_audit(req->srv->store, req->agent.agent_id, req->addr, "ingest.refused", err.msg);
        http_error(resp, 403, "%s", err.msg);
        return;
    }
    if (rc == -E2BIG) {
        http_error(resp, 413, "%s", err.msg);
        return;
    }
    if (rc == -EINVAL) {
        log_warn("malformed batch from agent %s: %s", req->agent.agent_id, err.msg);
        http_error(resp, 400, "malformed batch: %s", err.msg);
        return;
    }
    if (rc) {
        log_error("cannot store a batch of agent %s: %s", req->agent.agent_id, err.msg);
        http_error(resp, 503, "the store cannot take the batch now: %s", err.msg);
        return;
    }
    http_json(resp, 200,
              json_pack("{s:I,s:I,s:I,s:I,s:I}", "records", (json_int_t)r.records, "last_seq",
                        (json_int_t)r.last_seq, "stored", (json_int_t)r.stored.stored,
                        "duplicates", (json_int_t)r.stored.duplicates, "rejected",
                        (json_int_t)r.stored.rejected));
}

static void h_query(struct http_request *req, struct http_response *resp)
{
    struct server *srv = req->srv;
    json_t *body = http_body_json(req, resp);
    if (!body)
        return;
    const char *sql = http_json_string(body, "sql", 1000000, true, resp);
    if (!sql) {
        json_decref(body);
        return;
    }
    struct query_limits lim = {
        .max_rows = (uint64_t)srv->cfg.query_max_rows,
        .timeout_ms = srv->cfg.query_timeout,
        .max_bytes = 256u << 20,
    };
    json_t *v;
    if ((v = json_object_get(body, "max_rows"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 ||
            json_integer_value(v) > srv->cfg.query_max_rows) {
            http_error(resp, 400, "max_rows must be an integer from 1 to %lld",
                       (long long)srv->cfg.query_max_rows);
            json_decref(body);
            return;
        }
        lim.max_rows = (uint64_t)json_integer_value(v);
    }
    if ((v = json_object_get(body, "timeout_ms"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 ||
            (uint64_t)json_integer_value(v) > srv->cfg.query_max_timeout) {
            http_error(resp, 400, "timeout_ms must be an integer from 1 to %" PRIu64,
                       srv->cfg.query_max_timeout);
            json_decref(body);
            return;
        }
        lim.timeout_ms = (uint64_t)json_integer_value(v);
    }
    char detail[1100];
    snprintf(detail, sizeof(detail), "%.1000s", sql);
    store_audit(srv->store, req->user, req->addr, "query", detail);
    json_t *result = NULL;
    struct vg_error err = {{0}};
    int rc = store_query(srv->store, sql, &lim, &result, &err);
    if (rc == -EPERM)
        http_error(resp, 403, "%s", err.msg);
    else if (rc == -ETIMEDOUT)
        http_error(resp, 408, "%s", err.msg);
    else if (rc == -EINVAL)
        http_error(resp, 400, "%s", err.msg);
    else if (rc)
        http_error(resp, 500, "%s", err.msg);
    else
        http_json(resp, 200, result);
    json_decref(body);
}

static void h_agents(struct http_request *req, struct http_response *resp)
{
    json_t *a = store_agents_json(req->srv->store);
    if (!a)
        http_error(resp, 500, "out of memory");
    else
        http_json(resp, 200, json_pack("{s:o}", "agents", a));
}

static void h_agent_action(struct http_request *req, struct http_response *resp)
{
    /* path_arg: "<agent id>/revoke" */
    char id[64];
    const char *slash = strchr(req->path_arg, '/');
    if (!slash || (size_t)(slash - req->path_arg) >= sizeof(id) || strcmp(slash, "/revoke") != 0) {
        http_error(resp, 404, "no such agent action: %s", req->path);
        return;
    }
    memcpy(id, req->path_arg, (size_t)(slash - req->path_arg));
    id[slash - req->path_arg] = '\0';
    struct vg_error err = {{0}};
    int rc = store_agent_revoke(req->srv->store, id, &err);
    if (rc == -ENOENT) {
        http_error(resp, 404, "%s", err.msg);
        return;
    }
    if (rc) {
        http_error(resp, 500, "%s", err.msg);
        return;
    }
    store_audit(req->srv->store, req->user, req->addr, "agent.revoke", id);
    log_info("agent %s revoked by %s", id, req->user);
    http_json(resp, 200, json_pack("{s:s,s:s}", "agent_id", id, "status", "revoked"));
}

static void h_enroll_token(struct http_request *req, struct http_response *resp)
{
    struct server *srv = req->srv;
    json_t *body = req->body.len ? http_body_json(req, resp) : json_object();
    if (!body)
        return;
    uint64_t ttl_ms = 7ull * 86400 * 1000, uses = 0;
    const char *ttl = http_json_string(body, "ttl", 32, false, resp);
    const char *desc = ttl ? http_json_string(body, "description", 200, false, resp) : NULL;
    json_t *u = json_object_get(body, "max_uses");
    if (!ttl || !desc) {
        json_decref(body);
        return;
    }
    if (*ttl && config_parse_duration(ttl, &ttl_ms)) {
        http_error(resp, 400, "ttl \"%s\" is not a duration (examples: 1h, 7d)", ttl);
        json_decref(body);
        return;
    }
    if (u && (!json_is_integer(u) || json_integer_value(u) < 0)) {
        http_error(resp, 400, "max_uses must be a non-negative integer (0 = unlimited)");
        json_decref(body);
        return;
    }
    if (u)
        uses = (uint64_t)json_integer_value(u);
    char *secret = NULL;
    struct vg_error err = {{0}};
    if (store_enroll_token_create(srv->store, ttl_ms / 1000, uses, desc, &secret, &err)) {
        http_error(resp, 500, "%s", err.msg);
        json_decref(body);
        return;
    }
    char full[256];
    server_enroll_token_string(srv, secret, full, sizeof(full));
    free(secret);
    store_audit(srv->store, req->user, req->addr, "enroll_token.create", desc);
    http_json(resp, 200, json_pack("{s:s,s:I,s:I}", "token", full, "ttl_seconds",
                                   (json_int_t)(ttl_ms / 1000), "max_uses", (json_int_t)uses));
    json_decref(body);
}

static void h_login(struct http_request *req, struct http_response *resp)
{
    json_t *body = http_body_json(req, resp);
    if (!body)
        return;
    const char *user = http_json_string(body, "user", 64, true, resp);
    const char *password = user ? http_json_string(body, "password", 256, true, resp) : NULL;
    if (!password) {
        json_decref(body);
        return;
    }
    if (store_user_check_password(req->srv->store, user, password)) {
        store_audit(req->srv->store, user, req->addr, "login.failed", "");
        http_error(resp, 401, "wrong user name or password");
        json_decref(body);
        return;
    }
    char *token = NULL;
    struct vg_error err = {{0}};
    if (store_token_create(req->srv->store, user, "login", 12 * 3600, &token, &err)) {
        http_error(resp, 500, "%s", err.msg);
    } else {
        store_audit(req->srv->store, user, req->addr, "login", "");
        http_json(resp, 200, json_pack("{s:s,s:i}", "token", token, "expires_in", 12 * 3600));
        free(token);
    }
    json_decref(body);
}

const struct http_route core_routes[] = {
    {"GET", "/api/v1/health", AUTH_NONE, 0, h_health},
    {"GET", "/api/v1/ca", AUTH_NONE, 0, h_ca},
    {"POST", "/api/v1/enroll", AUTH_NONE, 64 * 1024, h_enroll},
    {"POST", "/api/v1/login", AUTH_NONE, 4096, h_login},
    {"POST", "/api/v1/events", AUTH_AGENT, 0, h_events},
    {"POST", "/api/v1/query", AUTH_ADMIN, 2u << 20, h_query},
    {"GET", "/api/v1/agents", AUTH_ADMIN, 0, h_agents},
    {"POST", "/api/v1/agents/", AUTH_ADMIN, 4096, h_agent_action},
    {"POST", "/api/v1/enroll-tokens", AUTH_ADMIN, 4096, h_enroll_token},
    {NULL, NULL, AUTH_NONE, 0, NULL},
};
