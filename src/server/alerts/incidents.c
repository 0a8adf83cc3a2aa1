/* incidents.c - the correlator thread and the ingest hook that wakes it (incidents.h). */
#include "server/alerts/incidents.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "server/ingest/hooks.h"
#include "server/provenance/build.h"
#include "server/server.h"
#include "server/store/store_incidents.h"

#define BATCH 64
#define POLL_MS 2000
#define MAX_KEYS 4

struct incidents_state {
    pthread_t thread;
    pthread_mutex_t lock;   /* guards the flags; */
    pthread_mutex_t work;   /* one correlation pass at a time */
    pthread_cond_t cond;
    bool stop, running, pending;
};

static bool loopback(const char *ip)
{
    return !strncmp(ip, "127.", 4) || !strcmp(ip, "::1") || !strncmp(ip, "::ffff:127.", 11);
}

static void client_key(char *out, size_t len, const char *agent, const char *ip)
{
    if (loopback(ip))
        snprintf(out, len, "client:%s:%s", agent, ip); /* local clients are per host */
    else
        snprintf(out, len, "client:%s", ip);
}

/* The correlation keys of an alert (see incidents.h). */
static size_t keys_of(struct server *srv, const struct incident_alert *a,
                      char keys[MAX_KEYS][192])
{
    size_t n = 0;
    if (a->entity_id[0]) {
        char root[64], client[64];
        struct vg_error err = {{0}};
        if (prov_entry(srv->store, a->entity_id, root, client, &err) == 0) {
            if (root[0])
                snprintf(keys[n++], 192, "session:%s:%s", a->agent_id, root);
            if (client[0])
                client_key(keys[n++], 192, a->agent_id, client);
        } else {
            snprintf(keys[n++], 192, "process:%s:%s", a->agent_id, a->entity_id);
        }
    }
    /* where a login or a request came from (a network alert's src_ip may be our own side) */
    if (a->src_ip[0] && strcmp(a->event_table, "network_events") && n < MAX_KEYS) {
        char k[192];
        client_key(k, sizeof(k), a->agent_id, a->src_ip);
        bool dup = false;
        for (size_t i = 0; i < n && !dup; i++)
            dup = !strcmp(keys[i], k);
        if (!dup)
            str_copy(keys[n++], k, 192);
    }
    if (a->user[0] && strcmp(a->user, "root") && (a->uid < 0 || a->uid >= 1000) && n < MAX_KEYS)
        snprintf(keys[n++], 192, "user:%s:%s", a->agent_id, a->user);
    if (!n)
        snprintf(keys[n++], 192, "alert:%lld", (long long)a->key);
    return n;
}

/* One pass over the queue; returns how many alerts were handled. */
static size_t correlate(struct server *srv)
{
    struct incident_alert *batch = calloc(BATCH, sizeof(*batch));
    if (!batch)
        return 0;
    size_t done = 0;
    for (;;) {
        struct vg_error err = {{0}};
        int n = store_correlation_pending(srv->store, batch, BATCH, &err);
        if (n < 0) {
            log_warn("incidents: %s", err.msg);
            break;
        }
        for (int i = 0; i < n; i++) {
            char keys[MAX_KEYS][192];
            const char *kp[MAX_KEYS];
            size_t nk = keys_of(srv, &batch[i], keys);
            for (size_t k = 0; k < nk; k++)
                kp[k] = keys[k];
            int64_t id = 0;
            if (store_incident_attach(srv->store, &batch[i], kp, nk,
                                      (int64_t)srv->cfg.incident_window * 1000000ll, &id, &err)) {
                log_warn("incidents: alert %lld: %s", (long long)batch[i].key, err.msg);
                n = 0; /* the store is failing: try again at the next poll */
                break;
            }
            if (id)
                log_debug("incidents: alert %lld (%s) in incident %lld", (long long)batch[i].key,
                          batch[i].rule_id, (long long)id);
            done++;
        }
        if (n < BATCH)
            break;
    }
    free(batch);
    return done;
}

void incidents_drain(struct server *srv)
{
    struct incidents_state *is = srv->incidents;
    if (is)
        pthread_mutex_lock(&is->work);
    correlate(srv);
    if (is)
        pthread_mutex_unlock(&is->work);
}

static void *correlator_main(void *arg)
{
    struct server *srv = arg;
    struct incidents_state *is = srv->incidents;
    pthread_mutex_lock(&is->lock);
    while (!is->stop) {
        if (!is->pending) {
            struct timespec ts;
            time_deadline_ts(POLL_MS, &ts);
            pthread_cond_timedwait(&is->cond, &is->lock, &ts);
        }
        if (is->stop)
            break;
        is->pending = false;
        pthread_mutex_unlock(&is->lock);
        pthread_mutex_lock(&is->work);
        correlate(srv);
        pthread_mutex_unlock(&is->work);
        pthread_mutex_lock(&is->lock);
    }
    pthread_mutex_unlock(&is->lock);
    return NULL;
}

void incidents_notify(struct server *srv)
{
    struct incidents_state *is = srv->incidents;
    if (!is)
        return;
    pthread_mutex_lock(&is->lock);
    is->pending = true;
    pthread_cond_signal(&is->cond);
    pthread_mutex_unlock(&is->lock);
}

int incidents_start(struct server *srv, struct vg_error *err)
{
    struct incidents_state *is = calloc(1, sizeof(*is));
    if (!is)
        return vg_error_set(err, -ENOMEM, "out of memory");
    pthread_mutex_init(&is->lock, NULL);
    pthread_mutex_init(&is->work, NULL);
    pthread_cond_init(&is->cond, NULL);
    is->pending = true; /* whatever was queued before a restart */
    srv->incidents = is;
    int rc = pthread_create(&is->thread, NULL, correlator_main, srv);
    if (rc)
        return vg_error_set(err, -rc, "cannot start the alert correlator: %s", strerror(rc));
    is->running = true;
    return 0;
}

void incidents_stop(struct server *srv)
{
    struct incidents_state *is = srv->incidents;
    if (!is)
        return;
    pthread_mutex_lock(&is->lock);
    is->stop = true;
    pthread_cond_broadcast(&is->cond);
    pthread_mutex_unlock(&is->lock);
    if (is->running)
        pthread_join(is->thread, NULL);
    pthread_mutex_destroy(&is->lock);
    pthread_mutex_destroy(&is->work);
    pthread_cond_destroy(&is->cond);
    free(is);
    srv->incidents = NULL;
}

/* The ingest hook: a batch with alerts wakes the correlator (the store queued them). */
static int after_batch(struct server *srv, const struct agent_record *agent,
                       struct event *const *events, size_t n, struct vg_error *err)
{
    (void)agent;
    (void)err;
    for (size_t i = 0; i < n; i++)
        if (events[i]->table == TBL_ALERTS) {
            incidents_notify(srv);
            break;
        }
    return 0;
}

const struct ingest_hook incidents_hook = {"incidents", after_batch};
