/* http.c - libmicrohttpd daemon, request lifecycle and authentication (http.h).
 *
 * A request is collected (headers, then the body in chunks, refused past the route's limit)
 * and dispatched once complete. Agents authenticate with a client certificate: GnuTLS checks
 * the chain against our CA, then the certificate must belong to a registered, active agent
 * and be the one most recently issued to it (fingerprint match), so a revoked or superseded
 * certificate is refused even though it is signed by the CA. Users authenticate with a
 * bearer API token. */
#include "server/api/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/util.h"

struct http_server {
    struct MHD_Daemon *daemon;
};

void http_error(struct http_response *resp, int status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_decref(resp->json);
    resp->status = status;
    resp->json = json_pack("{s:s}", "error", msg);
    if (!resp->json) /* msg was not UTF-8: keep the status, lose the detail */
        resp->json = json_pack("{s:s}", "error", "request refused");
}

void http_json(struct http_response *resp, int status, json_t *body)
{
    json_decref(resp->json);
    resp->status = status;
    resp->json = body;
}

json_t *http_body_json(struct http_request *req, struct http_response *resp)
{
    json_error_t jerr;
    json_t *j = json_loadb((const char *)req->body.data, req->body.len,
                           JSON_REJECT_DUPLICATES, &jerr);
    if (!j) {
        http_error(resp, 400, "request body is not valid JSON: %s (line %d, column %d)",
                   jerr.text, jerr.line, jerr.column);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        http_error(resp, 400, "request body must be a JSON object");
        return NULL;
    }
    return j;
}

/* A string member of obj, bounded and free of control characters; NULL with a 400 otherwise
 * (or when required and missing). */
const char *http_json_string(json_t *obj, const char *name, size_t max, bool required,
                             struct http_response *resp)
{
    json_t *v = json_object_get(obj, name);
    if (!v || json_is_null(v)) {
        if (required)
            http_error(resp, 400, "field \"%s\" is required", name);
        return required ? NULL : "";
    }
    if (!json_is_string(v)) {
        http_error(resp, 400, "field \"%s\" must be a string", name);
        return NULL;
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (len > max) {
        http_error(resp, 400, "field \"%s\" is longer than %zu bytes", name, max);
        return NULL;
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\r' && s[i] != '\t') {
            http_error(resp, 400, "field \"%s\" contains control characters", name);
            return NULL;
        }
    return s;
}

const char *http_arg(struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

static void peer_address(struct MHD_Connection *conn, char *out, size_t outlen)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    str_copy(out, "unknown", outlen);
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)outlen);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)outlen);
}

void http_suspend(struct http_request *req)
{
    MHD_suspend_connection(req->conn);
    req->suspended = true;
}

void http_resume(void *conn) { MHD_resume_connection(conn); }

int http_connection_fd(struct http_request *req)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    return ci ? ci->connect_fd : -1;
}

static const struct http_route *find_route(const char *method, const char *path,
                                           bool *method_mismatch, const char **path_arg)
{
    *method_mismatch = false;
    for (size_t t = 0; http_route_tables[t]; t++) {
        for (const struct http_route *r = http_route_tables[t]; r->path; r++) {
            size_t l = strlen(r->path);
            bool match = r->path[l - 1] == '/' ? strncmp(path, r->path, l) == 0 && path[l]
                                               : strcmp(path, r->path) == 0;
            if (!match)
                continue;
            if (strcmp(method, r->method) != 0) {
                *method_mismatch = true;
                continue;
            }
            *path_arg = r->path[l - 1] == '/' ? path + l : NULL;
            return r;
        }
    }
    return NULL;
}

/* Authenticate an agent by its client certificate; fills req->agent or an error. */
static bool auth_agent(struct http_request *req, struct http_response *resp)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!ci || !ci->tls_session) {
        http_error(resp, 401, "agents must connect over TLS with their client certificate");
        return false;
    }
    gnutls_session_t s = (gnutls_session_t)ci->tls_session;
    unsigned int status = 0;
    int r = gnutls_certificate_verify_peers2(s, &status);
    if (r == GNUTLS_E_NO_CERTIFICATE_FOUND || gnutls_certificate_get_peers(s, NULL) == NULL) {
        http_error(resp, 401, "no client certificate: the agent must enroll first");
        return false;
    }
    if (r < 0 || status) {
        gnutls_datum_t why = {NULL, 0};
        if (r >= 0)
            gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0);
        http_error(resp, 403, "client certificate refused: %s",
                   why.data ? (const char *)why.data : gnutls_strerror(r));
        gnutls_free(why.data);
        return false;
    }
    unsigned int n = 0;
    const gnutls_datum_t *certs = gnutls_certificate_get_peers(s, &n);
    struct pki_cert_info info;
    struct vg_error err = {{0}};
    if (!certs || n == 0 || pki_cert_info_der(certs[0].data, certs[0].size, &info, &err)) {
        http_error(resp, 403, "client certificate unreadable: %s", err.msg);
        return false;
    }
    if (store_agent_get(req->srv->store, info.cn, &req->agent)) {
        http_error(resp, 403, "client certificate is for agent %s, which is not registered here",
                   info.cn);
        return false;
    }
    if (strcmp(req->agent.status, "active") != 0) {
        http_error(resp, 403, "agent %s is %s: its data is refused", info.cn, req->agent.status);
        return false;
    }
    if (strcmp(req->agent.cert_fingerprint, info.fingerprint) != 0) {
        http_error(resp, 403,
                   "client certificate (serial %s) is not the one issued to agent %s; it was "
                   "superseded by a later enrollment",
                   info.serial, info.cn);
        return false;
    }
    return true;
}

static bool auth_admin(struct http_request *req, struct http_response *resp)
{
    const char *h = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
        http_error(resp, 401, "an API token is required (Authorization: Bearer <token>)");
        return false;
    }
    const char *tok = h + 7;
    while (*tok == ' ')
        tok++;
    if (strlen(tok) > 128 ||
        store_token_check(req->srv->store, tok, req->user, sizeof(req->user), req->role,
                          sizeof(req->role))) {
        http_error(resp, 401, "the API token is unknown or expired");
        return false;
    }
    return true;
}

static enum MHD_Result send_response(struct MHD_Connection *conn, struct http_request *req,
                                     struct http_response *resp)
{
    log_debug("%s %s from %s: %d", req->method, req->path, req->addr, resp->status);
    char *body;
    size_t len;
    const char *type;
    if (resp->json) {
        body = json_dumps(resp->json, JSON_COMPACT);
        if (!body)
            return MHD_NO;
        len = strlen(body);
        type = "application/json";
    } else {
        body = resp->text ? resp->text : strdup("");
        resp->text = NULL;
        if (!body)
            return MHD_NO;
        len = strlen(body);
        type = resp->content_type ? resp->content_type : "text/plain; charset=utf-8";
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct server *srv = cls;
    struct http_request *req = *con_cls;
    (void)version;
    if (!req) {
        req = calloc(1, sizeof(*req));
        if (!req)
            return MHD_NO;
        req->srv = srv;
        req->conn = conn;
        req->method = method;
        req->path = url;
        peer_address(conn, req->addr, sizeof(req->addr));
        bool mismatch;
        req->route = find_route(method, url, &mismatch, &req->path_arg);
        req->max_body = req->route && req->route->max_body ? req->route->max_body
                                                            : (size_t)srv->cfg.max_batch;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > req->max_body)
            req->body_too_large = true;
        *con_cls = req;
        return MHD_YES;
    }
    if (req->suspended) {
        /* woken by http_resume: the handler answers now */
        req->suspended = false;
        req->resumed = true;
        struct http_response resp = {.status = 500};
        req->route->handler(req, &resp);
        if (req->suspended) { /* a handler must not park twice */
            req->suspended = false;
            http_error(&resp, 500, "internal error: request parked twice");
        }
        enum MHD_Result ret = send_response(conn, req, &resp);
        json_decref(resp.json);
        free(resp.text);
        return ret;
    }
    if (*upload_size) {
        if (!req->body_too_large) {
            if (req->body.len + *upload_size > req->max_body ||
                buf_append(&req->body, upload, *upload_size))
                req->body_too_large = true;
        }
        *upload_size = 0;
        return MHD_YES;
    }

    struct http_response resp = {.status = 500};
    bool mismatch;
    const char *arg;
    if (!req->route) {
        find_route(method, url, &mismatch, &arg);
        if (mismatch)
            http_error(&resp, 405, "method %s is not allowed on %s", method, url);
        else
            http_error(&resp, 404, "no such endpoint: %s", url);
    } else if (req->body_too_large) {
        http_error(&resp, 413, "request body larger than the limit of %zu bytes", req->max_body);
    } else if (req->route->auth == AUTH_AGENT && !auth_agent(req, &resp)) {
        log_warn("refused %s %s from %s: %s", method, url, req->addr,
                 json_string_value(json_object_get(resp.json, "error")));
    } else if (req->route->auth == AUTH_ADMIN && !auth_admin(req, &resp)) {
        /* error set */
    } else {
        req->route->handler(req, &resp);
        if (req->suspended) {
            json_decref(resp.json);
            free(resp.text);
            return MHD_YES; /* parked: answered when resumed */
        }
    }
    enum MHD_Result ret = send_response(conn, req, &resp);
    json_decref(resp.json);
    free(resp.text);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_request *req = *con_cls;
    (void)cls;
    (void)conn;
    (void)toe;
    if (!req)
        return;
    buf_free(&req->body);
    free(req);
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[1024];
    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    log_debug("http: %s", msg);
}

int http_start(struct server *srv, struct vg_error *err)
{
    struct http_server *h = calloc(1, sizeof(*h));
    if (!h)
        return vg_error_set(err, -ENOMEM, "out of memory");
    union {
        struct sockaddr sa;
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
    } addr;
    memset(&addr, 0, sizeof(addr));
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TLS |
                     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (inet_pton(AF_INET, srv->cfg.listen, &addr.in4.sin_addr) == 1) {
        addr.in4.sin_family = AF_INET;
        addr.in4.sin_port = htons((uint16_t)srv->cfg.port);
    } else if (inet_pton(AF_INET6, srv->cfg.listen, &addr.in6.sin6_addr) == 1) {
        addr.in6.sin6_family = AF_INET6;
        addr.in6.sin6_port = htons((uint16_t)srv->cfg.port);
        flags |= MHD_USE_IPv6;
    } else {
        free(h);
        return vg_error_set(err, -EINVAL, "listen address %s is not an IPv4 or IPv6 address",
                            srv->cfg.listen);
    }
    h->daemon = MHD_start_daemon(
        flags, (uint16_t)srv->cfg.port, NULL, NULL, on_request, srv,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, &addr.sa,
        MHD_OPTION_HTTPS_MEM_KEY, srv->key_pem,
        MHD_OPTION_HTTPS_MEM_CERT, srv->cert_pem,
        MHD_OPTION_HTTPS_MEM_TRUST, srv->ca_cert_pem,
        MHD_OPTION_HTTPS_PRIORITIES, "SECURE256:+SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)srv->cfg.threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)10000,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_END);
    if (!h->daemon) {
        free(h);
        return vg_error_set(err, -EADDRINUSE,
                            "cannot listen on %s port %lld (in use, or not permitted)",
                            srv->cfg.listen, (long long)srv->cfg.port);
    }
    srv->http = h;
    return 0;
}

void http_stop(struct server *srv)
{
    if (!srv->http)
        return;
    MHD_stop_daemon(srv->http->daemon);
    free(srv->http);
    srv->http = NULL;
}
