/* transport.c - the sending thread (transport.h). */
#include "agent/transport.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/agent_config.h"
#include "agent/host.h"
#include "agent/https.h"
#include "agent/identity.h"
#include "common/buf.h"
#include "common/codec.h"
#include "common/compress.h"
#include "common/log.h"
#include "common/spool.h"
#include "common/util.h"

#define BACKOFF_MIN_MS 200
#define BACKOFF_MAX_MS 5000
#define MALFORMED_RETRIES 5

struct transport {
    const struct agent_config *cfg;
    const struct host_info *host;
    struct spool *spool;
    struct https_client *http;
    struct agent_identity id;
    char url[1024];

    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop;
    uint64_t drain_deadline; /* monotonic ns; 0 = not draining */
    struct transport_stats stats;
    uint64_t last_log_ns;
};

/* Sleep ms unless asked to stop; returns true when stopping. */
static bool nap(struct transport *t, unsigned ms)
{
    struct timespec ts;
    time_deadline_ts(ms, &ts);
    pthread_mutex_lock(&t->lock);
    while (!t->stop)
        if (pthread_cond_timedwait(&t->cond, &t->lock, &ts) == ETIMEDOUT)
            break;
    bool s = t->stop;
    pthread_mutex_unlock(&t->lock);
    return s;
}

static void record_failure(struct transport *t, const char *msg)
{
    uint64_t now = time_mono_ns();
    pthread_mutex_lock(&t->lock);
    bool was_connected = t->stats.connected;
    t->stats.failures++;
    t->stats.connected = false;
    str_copy(t->stats.last_error, msg, sizeof(t->stats.last_error));
    bool log_now = was_connected || now - t->last_log_ns > 30ull * 1000000000ull;
    if (log_now)
        t->last_log_ns = now;
    pthread_mutex_unlock(&t->lock);
    if (log_now)
        log_warn("transport: %s (retrying; events stay in the spool)", msg);
}

static void record_success(struct transport *t, uint64_t events)
{
    pthread_mutex_lock(&t->lock);
    if (!t->stats.connected && t->stats.failures)
        log_info("transport: connected to %s again", t->cfg->server);
    t->stats.connected = true;
    t->stats.batches++;
    t->stats.events += events;
    pthread_mutex_unlock(&t->lock);
}

static char *read_token(const struct agent_config *cfg)
{
    if (cfg->enroll_token && *cfg->enroll_token)
        return strdup(cfg->enroll_token);
    if (cfg->enroll_token_file && *cfg->enroll_token_file) {
        char line[512];
        if (file_read_line(cfg->enroll_token_file, line, sizeof(line)) > 0)
            return strdup(line);
    }
    return NULL;
}

/* Become enrolled, retrying until it works or we are stopped. */
static bool ensure_identity(struct transport *t)
{
    unsigned backoff = BACKOFF_MIN_MS;
    for (;;) {
        struct vg_error err = {{0}};
        int rc = identity_load(t->cfg->state_dir, &t->id, &err);
        if (rc == 0)
            break;
        if (rc != -ENOENT) {
            record_failure(t, err.msg);
        } else {
            char *token = read_token(t->cfg);
            if (!token) {
                record_failure(t, "not enrolled and no enrollment token given (enroll_token or "
                                  "enroll_token_file)");
            } else {
                rc = identity_enroll(t->http, t->cfg->server, token, t->host, t->cfg->state_dir,
                                     &t->id, &err);
                explicit_bzero(token, strlen(token));
                free(token);
                if (rc == 0)
                    break;
                record_failure(t, err.msg);
            }
        }
        if (nap(t, backoff))
            return false;
        backoff = backoff * 2 > 60000 ? 60000 : backoff * 2;
    }
    pthread_mutex_lock(&t->lock);
    t->stats.enrolled = true;
    str_copy(t->stats.agent_id, t->id.agent_id, sizeof(t->stats.agent_id));
    pthread_mutex_unlock(&t->lock);
    log_info("transport: agent %s sending to %s", t->id.agent_id, t->cfg->server);
    return true;
}

/* Send one compressed batch until the server takes it. Returns 0 when acknowledged, 1 when it
 * must be dropped (refused as malformed several times), -1 when stopping. */
static int send_batch(struct transport *t, const struct buf *payload, uint64_t count)
{
    unsigned backoff = BACKOFF_MIN_MS, malformed = 0;
    struct buf resp = {0};
    int result = -1;
    for (;;) {
        struct vg_error err = {{0}};
        struct https_request r = {
            .method = "POST", .url = t->url, .body = payload->data, .body_len = payload->len,
            .content_type = "application/x-vigil-batch", .content_encoding = "zstd",
            .ca_file = t->id.ca_file, .cert_file = t->id.cert_file, .key_file = t->id.key_file,
            .timeout_ms = (long)t->cfg->request_timeout,
        };
        int status = https_call(t->http, &r, &resp, &err);
        if (status == 200) {
            record_success(t, count);
            result = 0;
            break;
        }
        char msg[700];
        if (status < 0) {
            snprintf(msg, sizeof(msg), "%s", err.msg);
        } else {
            json_error_t jerr;
            json_t *j = json_loadb((const char *)resp.data, resp.len, 0, &jerr);
            const char *e = json_string_value(json_object_get(j, "error"));
            snprintf(msg, sizeof(msg), "server answered %d: %s", status, e ? e : "(no detail)");
            json_decref(j);
            if (status == 400 && ++malformed >= MALFORMED_RETRIES) {
                log_error("transport: the server refuses a batch of %llu events as malformed "
                          "(%s); dropping it and counting the loss",
                          (unsigned long long)count, msg);
                pthread_mutex_lock(&t->lock);
                t->stats.dropped += count;
                pthread_mutex_unlock(&t->lock);
                result = 1;
                break;
            }
        }
        record_failure(t, msg);
        /* refused (revoked, superseded certificate): an operator must act, so ask less often */
        bool refused = status == 401 || status == 403;
        unsigned cap = refused ? 60000 : BACKOFF_MAX_MS;
        if (refused && backoff < 30000)
            backoff = 30000;
        if (nap(t, backoff))
            break;
        backoff = backoff * 2 > cap ? cap : backoff * 2;
    }
    buf_free(&resp);
    return result;
}

static void *transport_main(void *arg)
{
    struct transport *t = arg;
    struct spool_batch batch = {0};
    struct buf raw = {0}, packed = {0};
    if (!ensure_identity(t))
        goto out;
    snprintf(t->url, sizeof(t->url), "%s/api/v1/events", t->cfg->server);
    for (;;) {
        pthread_mutex_lock(&t->lock);
        bool stop = t->stop;
        uint64_t deadline = t->drain_deadline;
        pthread_mutex_unlock(&t->lock);
        if (stop || (deadline && time_mono_ns() > deadline))
            break;
        int n = spool_read(t->spool, &batch, (size_t)t->cfg->batch_max_events,
                           (size_t)t->cfg->batch_max_bytes, deadline ? 0 : 1000);
        if (n < 0) {
            log_error("transport: cannot read the spool: %s", strerror(-n));
            if (nap(t, 1000))
                break;
            continue;
        }
        if (n == 0) {
            if (deadline)
                break; /* drained */
            continue;
        }
        buf_reset(&raw);
        buf_reset(&packed);
        int rc = batch_begin(&raw, t->id.agent_id, t->host->hostname);
        for (int i = 0; i < n && !rc; i++)
            rc = batch_add(&raw, batch.records[i].data, batch.records[i].len);
        if (!rc)
            rc = batch_finish(&raw, (uint64_t)n);
        if (!rc)
            rc = compress_zstd(raw.data, raw.len, 3, &packed);
        if (rc) {
            log_error("transport: cannot build a batch: %s", strerror(-rc));
            spool_rewind(t->spool);
            if (nap(t, 1000))
                break;
            continue;
        }
        rc = send_batch(t, &packed, (uint64_t)n);
        if (rc < 0)
            break; /* stopping: the batch stays in the spool and is sent after restart */
        int arc = spool_ack(t->spool, batch.last_seq);
        if (arc)
            log_warn("transport: cannot record the acknowledgement: %s (events may be sent "
                     "again; the server stores them once)",
                     strerror(-arc));
    }
out:
    spool_batch_free(&batch);
    buf_free(&raw);
    buf_free(&packed);
    return NULL;
}

int transport_start(const struct agent_config *cfg, const struct host_info *host,
                    struct spool *sp, struct transport **out, struct vg_error *err)
{
    struct transport *t = calloc(1, sizeof(*t));
    if (!t || !(t->http = https_client_new())) {
        free(t);
        return vg_error_set(err, -ENOMEM, "transport: out of memory");
    }
    t->cfg = cfg;
    t->host = host;
    t->spool = sp;
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->cond, NULL);
    int rc = pthread_create(&t->thread, NULL, transport_main, t);
    if (rc) {
        https_client_free(t->http);
        free(t);
        return vg_error_set(err, -rc, "transport: cannot start a thread: %s", strerror(rc));
    }
    *out = t;
    return 0;
}

void transport_stop(struct transport *t, unsigned drain_ms)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    t->drain_deadline = time_mono_ns() + (uint64_t)drain_ms * 1000000ull;
    pthread_mutex_unlock(&t->lock);
    /* give the thread drain_ms to send what is spooled, then stop it */
    struct timespec ts;
    time_deadline_ts((uint64_t)drain_ms + 1000, &ts);
    if (pthread_timedjoin_np(t->thread, NULL, &ts) != 0) {
        pthread_mutex_lock(&t->lock);
        t->stop = true;
        pthread_cond_broadcast(&t->cond);
        pthread_mutex_unlock(&t->lock);
        spool_wakeup(t->spool);
        pthread_join(t->thread, NULL);
    }
    https_client_free(t->http);
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->cond);
    free(t);
}

void transport_get_stats(struct transport *t, struct transport_stats *st)
{
    pthread_mutex_lock(&t->lock);
    *st = t->stats;
    pthread_mutex_unlock(&t->lock);
}
