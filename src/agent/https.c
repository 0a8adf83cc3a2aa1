/* https.c - libcurl calls for the agent (https.h). */
#include "agent/https.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct https_client {
    CURL *h;
    atomic_bool aborted;
};

void https_client_abort(struct https_client *c) { atomic_store(&c->aborted, true); }

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    struct https_client *c = ctx;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return atomic_load(&c->aborted) ? 1 : 0;
}

struct https_client *https_client_new(void)
{
    struct https_client *c = calloc(1, sizeof(*c));
    if (c && !(c->h = curl_easy_init())) {
        free(c);
        return NULL;
    }
    return c;
}

void https_client_free(struct https_client *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->h);
    free(c);
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    struct buf *b = ctx;
    if (b->len + size * n > (64u << 20) || buf_append(b, data, size * n))
        return 0; /* refuse absurd answers */
    return size * n;
}

int https_call(struct https_client *c, const struct https_request *r, struct buf *resp,
               struct vg_error *err)
{
    CURL *h = c->h;
    char ctype[128], cenc[128];
    struct curl_slist *hdrs = NULL;
    curl_easy_reset(h);
    buf_reset(resp);
    curl_easy_setopt(h, CURLOPT_URL, r->url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, r->timeout_ms > 0 ? r->timeout_ms : 60000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
    if (atomic_load(&c->aborted))
        return vg_error_set(err, -ECANCELED, "%s %s: cancelled", r->method, r->url);
    if (r->no_verify) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (r->ca_pem) {
        struct curl_blob blob = {(void *)r->ca_pem, strlen(r->ca_pem), CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
    } else if (r->ca_file) {
        curl_easy_setopt(h, CURLOPT_CAINFO, r->ca_file);
    }
    if (r->cert_file) {
        curl_easy_setopt(h, CURLOPT_SSLCERT, r->cert_file);
        curl_easy_setopt(h, CURLOPT_SSLKEY, r->key_file);
    }
    if (r->content_type) {
        snprintf(ctype, sizeof(ctype), "Content-Type: %s", r->content_type);
        hdrs = curl_slist_append(hdrs, ctype);
    }
    if (r->content_encoding) {
        snprintf(cenc, sizeof(cenc), "Content-Encoding: %s", r->content_encoding);
        hdrs = curl_slist_append(hdrs, cenc);
    }
    hdrs = curl_slist_append(hdrs, "Expect:");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    if (r->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    }
    CURLcode cc = curl_easy_perform(h);
    curl_slist_free_all(hdrs);
    if (cc != CURLE_OK)
        return vg_error_set(err, cc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -ECONNREFUSED,
                            "%s %s: %s", r->method, r->url, curl_easy_strerror(cc));
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    buf_terminate(resp);
    return (int)status;
}
