/* pipeline.c - bounded queue from producers to the writer thread, processors, spooling
 * (pipeline.h). The queue is a ring of event pointers under one mutex: producers hold it for a
 * pointer store, and the writer swaps out everything queued at once, so contention stays low
 * at the rates one host produces. */
#include "agent/pipeline.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/codec.h"
#include "common/log.h"
#include "common/util.h"

#define MAX_PROCESSORS 16
#define EMIT_MAX 64
#define LINGER_MS 5       /* the writer waits this long for a batch to gather ... */
#define LINGER_BATCH 256  /* ... unless this many events are queued already */

struct processor {
    const char *name;
    pipeline_processor_fn fn;
    void *ctx;
};

struct pipeline {
    struct spool *spool;
    char boot_id[37];

    pthread_mutex_t lock;
    pthread_cond_t nonempty;
    struct event **ring;
    size_t cap, head, len; /* ring[head] is the oldest */
    bool stopping, running;
    pthread_t writer;

    struct processor processors[MAX_PROCESSORS];
    size_t nprocessors;
    struct event *emitted[EMIT_MAX];
    size_t nemitted;

    _Atomic uint64_t submitted, spooled, queue_dropped, filtered, encode_failed;
};

int pipeline_new(struct spool *sp, size_t queue_cap, const char *boot_id, struct pipeline **out,
                 struct vg_error *err)
{
    struct pipeline *p = calloc(1, sizeof(*p));
    if (!p || !(p->ring = calloc(queue_cap ? queue_cap : 1, sizeof(*p->ring)))) {
        free(p);
        return vg_error_set(err, -ENOMEM, "pipeline: out of memory");
    }
    p->spool = sp;
    p->cap = queue_cap ? queue_cap : 1;
    str_copy(p->boot_id, boot_id ? boot_id : "", sizeof(p->boot_id));
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->nonempty, NULL);
    *out = p;
    return 0;
}

int pipeline_add_processor(struct pipeline *p, const char *name, pipeline_processor_fn fn,
                           void *ctx)
{
    if (p->running || p->nprocessors == MAX_PROCESSORS)
        return -EBUSY;
    p->processors[p->nprocessors++] = (struct processor){name, fn, ctx};
    return 0;
}

int pipeline_submit(struct pipeline *p, struct event *ev)
{
    pthread_mutex_lock(&p->lock);
    if (p->stopping) {
        pthread_mutex_unlock(&p->lock);
        event_free(ev);
        return -EPIPE;
    }
    if (p->len == p->cap) {
        pthread_mutex_unlock(&p->lock);
        atomic_fetch_add(&p->queue_dropped, 1);
        event_free(ev);
        return -ENOBUFS;
    }
    p->ring[(p->head + p->len) % p->cap] = ev;
    p->len++;
    if (p->len == 1 || p->len == LINGER_BATCH)
        pthread_cond_signal(&p->nonempty);
    pthread_mutex_unlock(&p->lock);
    atomic_fetch_add(&p->submitted, 1);
    return 0;
}

void pipeline_emit(struct pipeline *p, struct event *ev)
{
    if (p->nemitted == EMIT_MAX) {
        log_warn("pipeline: a processor emitted more than %d events for one event; dropped",
                 EMIT_MAX);
        atomic_fetch_add(&p->queue_dropped, 1);
        event_free(ev);
        return;
    }
    p->emitted[p->nemitted++] = ev;
}

/* Encode and append one event to the spool. */
static void spool_one(struct pipeline *p, struct event *ev, struct buf *enc)
{
    if (!ev->boot_id[0])
        str_copy(ev->boot_id, p->boot_id, sizeof(ev->boot_id));
    ev->seq = spool_next_seq(p->spool);
    buf_reset(enc);
    int rc = codec_encode(ev, enc);
    if (!rc)
        rc = spool_append(p->spool, ev->seq, enc->data, enc->len);
    if (rc) {
        atomic_fetch_add(&p->encode_failed, 1);
        log_warn("pipeline: cannot spool a %s event: %s", ev->action, strerror(-rc));
    } else {
        atomic_fetch_add(&p->spooled, 1);
    }
}

static void process_one(struct pipeline *p, struct event *ev, struct buf *enc)
{
    p->nemitted = 0;
    bool keep = true;
    for (size_t i = 0; i < p->nprocessors && keep; i++)
        if (p->processors[i].fn(p->processors[i].ctx, p, ev) == 1)
            keep = false;
    if (keep)
        spool_one(p, ev, enc);
    else
        atomic_fetch_add(&p->filtered, 1);
    event_free(ev);
    for (size_t i = 0; i < p->nemitted; i++) {
        spool_one(p, p->emitted[i], enc);
        event_free(p->emitted[i]);
    }
    p->nemitted = 0;
}

static void *writer_main(void *arg)
{
    struct pipeline *p = arg;
    struct buf enc = {0};
    struct event **batch = malloc(p->cap * sizeof(*batch));
    if (!batch) {
        log_error("pipeline: out of memory for the writer");
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (p->len == 0 && !p->stopping)
            pthread_cond_wait(&p->nonempty, &p->lock);
        if (p->len < LINGER_BATCH && !p->stopping) {
            /* a trickle: let a batch gather rather than wake up (and write) for every event */
            struct timespec ts;
            time_deadline_ts(LINGER_MS, &ts);
            while (!p->stopping && p->len < LINGER_BATCH &&
                   pthread_cond_timedwait(&p->nonempty, &p->lock, &ts) != ETIMEDOUT)
                ;
        }
        size_t n = p->len;
        for (size_t i = 0; i < n; i++)
            batch[i] = p->ring[(p->head + i) % p->cap];
        p->head = (p->head + n) % p->cap;
        p->len = 0;
        bool stop = p->stopping;
        pthread_mutex_unlock(&p->lock);

        for (size_t i = 0; i < n; i++)
            process_one(p, batch[i], &enc);
        if (n) {
            int rc = spool_commit(p->spool);
            if (rc)
                log_error("pipeline: cannot write to the spool: %s (kept in memory, retrying)",
                          strerror(-rc));
        }
        if (stop && n == 0)
            break;
    }
    free(batch);
    buf_free(&enc);
    return NULL;
}

int pipeline_start(struct pipeline *p)
{
    int rc = pthread_create(&p->writer, NULL, writer_main, p);
    if (rc)
        return -rc;
    p->running = true;
    return 0;
}

void pipeline_stop(struct pipeline *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_signal(&p->nonempty);
    pthread_mutex_unlock(&p->lock);
    if (p->running) {
        pthread_join(p->writer, NULL);
        p->running = false;
    }
}

void pipeline_free(struct pipeline *p)
{
    if (!p)
        return;
    pipeline_stop(p);
    for (size_t i = 0; i < p->len; i++)
        event_free(p->ring[(p->head + i) % p->cap]);
    free(p->ring);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->nonempty);
    free(p);
}

size_t pipeline_backlog(struct pipeline *p)
{
    uint64_t in = atomic_load(&p->submitted);
    uint64_t out = atomic_load(&p->spooled) + atomic_load(&p->filtered) +
                   atomic_load(&p->encode_failed);
    return in > out ? (size_t)(in - out) : 0;
}

void pipeline_get_stats(struct pipeline *p, struct pipeline_stats *st)
{
    st->submitted = atomic_load(&p->submitted);
    st->spooled = atomic_load(&p->spooled);
    st->queue_dropped = atomic_load(&p->queue_dropped);
    st->filtered = atomic_load(&p->filtered);
    st->encode_failed = atomic_load(&p->encode_failed);
    pthread_mutex_lock(&p->lock);
    st->queue_len = p->len;
    st->queue_cap = p->cap;
    pthread_mutex_unlock(&p->lock);
}
