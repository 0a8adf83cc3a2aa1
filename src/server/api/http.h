/* http.h - the HTTPS front of the server on libmicrohttpd (GnuTLS): request accumulation with
 * size limits, routing, authentication (agent client certificates, admin bearer tokens), JSON
 * responses. Handlers live in api/routes_*.c and are listed in api/routes.c. */
#ifndef VIGIL_SERVER_HTTP_H
#define VIGIL_SERVER_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "common/pki.h"
#include "server/server.h"
#include "server/store/store.h"

enum http_auth {
    AUTH_NONE,   /* anyone (health, CA, enrollment, login) */
    AUTH_AGENT,  /* a client certificate issued by our CA to a registered, active agent */
    AUTH_ADMIN,  /* a bearer API token of a user */
};

struct http_request {
    struct server *srv;
    void *conn;                /* struct MHD_Connection */
    const char *method;
    const char *path;          /* without query string */
    struct buf body;
    size_t max_body;
    bool body_too_large;
    char addr[64];             /* peer address */
    /* filled by authentication */
    char user[64], role[32];   /* AUTH_ADMIN */
    struct agent_record agent; /* AUTH_AGENT */
    const char *path_arg;      /* the part of the path after a prefix route */
    const struct http_route *route;
    bool suspended;            /* http_suspend() was called: no answer yet */
    bool resumed;              /* the handler runs again after a suspension */
};

struct http_response {
    int status;
    json_t *json;              /* the body, or */
    char *text;                /* a text body (heap) with content_type */
    const char *content_type;
};

typedef void (*http_handler_fn)(struct http_request *req, struct http_response *resp);

struct http_route {
    const char *method;
    const char *path;          /* exact path, or prefix when it ends with '/' */
    enum http_auth auth;
    size_t max_body;           /* 0 = the server's max_batch */
    http_handler_fn handler;
};

/* The route tables of every area, searched in order; each table ends with a NULL path.
 * Adding an area's endpoints: its own routes_<area>.c and one line in api/route_tables.c. */
extern const struct http_route *const http_route_tables[];

int http_start(struct server *srv, struct vg_error *err);
void http_stop(struct server *srv);

/* Helpers for handlers. */
void http_error(struct http_response *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void http_json(struct http_response *resp, int status, json_t *body); /* takes the reference */
/* Parse the request body as a JSON object; on failure fills resp with a 400 and returns NULL. */
json_t *http_body_json(struct http_request *req, struct http_response *resp);
/* A string member of a JSON body, at most max bytes, without control characters (other than
 * tab and newlines). Missing or null: "" when optional; when required, or when invalid, NULL
 * with a 400 in resp naming the field. */
const char *http_json_string(json_t *obj, const char *name, size_t max, bool required,
                             struct http_response *resp);
/* A query-string argument of the request, or NULL. */
const char *http_arg(struct http_request *req, const char *name);

/* Long polls: from a handler, park the request without answering (the handler returns with
 * resp untouched). When http_resume() is called on req->conn, the handler runs again with
 * req->resumed set and must answer then. */
void http_suspend(struct http_request *req);
/* Wake a parked request; safe from any thread, once per suspension. */
void http_resume(void *conn);
/* The socket of the request's connection (to watch a parked request), or -1. */
int http_connection_fd(struct http_request *req);

#endif
