/* https.h - the agent's HTTPS calls to the server (libcurl with OpenSSL): one request at a time
 * on a reusable handle, so the TLS session and connection are kept between batches. */
#ifndef VIGIL_AGENT_HTTPS_H
#define VIGIL_AGENT_HTTPS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "common/error.h"

struct https_request {
    const char *method;
    const char *url;
    const void *body;
    size_t body_len;
    const char *content_type;
    const char *content_encoding;
    const char *ca_file;      /* trust this CA file, or */
    const char *ca_pem;       /* this CA in memory, or */
    bool no_verify;           /* nothing (only to fetch the CA, which is then pinned) */
    const char *cert_file;    /* client certificate and key for mutual TLS */
    const char *key_file;
    long timeout_ms;
};

struct https_client;

struct https_client *https_client_new(void);
void https_client_free(struct https_client *c);
/* Make the request in progress on c (from another thread), and every later one, fail at once. */
void https_client_abort(struct https_client *c);
/* Perform r. Returns the HTTP status (>0) with the body in resp, or a negative errno when no
 * answer came (connection refused, TLS failure, timeout) with err describing it. */
int https_call(struct https_client *c, const struct https_request *r, struct buf *resp,
               struct vg_error *err);

#endif
