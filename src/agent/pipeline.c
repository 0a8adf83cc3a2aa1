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
#define MAX_TRACKERS 32

/* A queued event; the last event of a tracked group carries its tracker. */
struct qentry {
    struct event *ev;
    const struct pipeline_tracker *tracker;
    uint64_t token;
};
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
    struct qentry *ring;
    size_t cap, head, len; /* ring[head] is the oldest */
    uint64_t first_seq;
    bool stopping, running;
    pthread_t writer;

    struct processor processors[MAX_PROCESSORS];
    _Atomic size_t nprocessors; /* published after the entry is written (added while running) */
    pthread_mutex_t plock;      /* held by the writer while it runs processors on a batch */
    struct event *emitted[EMIT_MAX];
    size_t nemitted;
    /* trackers whose events were appended since the last successful commit */
    const struct pipeline_tracker *touched[MAX_TRACKERS];
    size_t ntouched;

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
    p->first_seq = spool_next_seq(sp);
    p->cap = queue_cap ? queue_cap : 1;
    str_copy(p->boot_id, boot_id ? boot_id : "", sizeof(p->boot_id));
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->nonempty, NULL);
    pthread_mutex_init(&p->plock, NULL);
    *out = p;
    return 0;
}

int pipeline_add_processor(struct pipeline *p, const char *name, pipeline_processor_fn fn,
                           void *ctx)
{
    size_t n = atomic_load(&p->nprocessors);
    if (n == MAX_PROCESSORS)
        return -EBUSY;
    p->processors[n] = (struct processor){name, fn, ctx};
    atomic_store(&p->nprocessors, n + 1);
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
    p->ring[(p->head + p->len) % p->cap] = (struct qentry){ev, NULL, 0};
    p->len++;
    if (p->len == 1 || p->len == LINGER_BATCH)
        pthread_cond_signal(&p->nonempty);
    pthread_mutex_unlock(&p->lock);
    atomic_fetch_add(&p->submitted, 1);
    return 0;
}

int pipeline_offer(struct pipeline *p, struct event *const *evs, size_t n,
                   const struct pipeline_tracker *t, uint64_t token)
{
    if (n == 0 || n > PIPELINE_GROUP_MAX)
        return -EINVAL;
    pthread_mutex_lock(&p->lock);
    if (p->stopping) {
        pthread_mutex_unlock(&p->lock);
        return -EPIPE;
    }
    if (p->cap - p->len < n) {
        pthread_mutex_unlock(&p->lock);
        return -EAGAIN;
    }
    size_t before = p->len;
    for (size_t i = 0; i < n; i++)
        p->ring[(p->head + p->len + i) % p->cap] =
            (struct qentry){evs[i], i == n - 1 ? t : NULL, i == n - 1 ? token : 0};
    p->len += n;
    if (before == 0 || (before < LINGER_BATCH && p->len >= LINGER_BATCH))
        pthread_cond_signal(&p->nonempty);
    pthread_mutex_unlock(&p->lock);
    atomic_fetch_add(&p->submitted, n);
    return 0;
}

uint64_t pipeline_first_seq(const struct pipeline *p) { return p->first_seq; }

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

void pipeline_remove_processor(struct pipeline *p, void *ctx)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->plock);
    size_t n = atomic_load(&p->nprocessors);
    for (size_t i = 0; i < n; i++) {
        if (p->processors[i].ctx != ctx)
            continue;
        memmove(&p->processors[i], &p->processors[i + 1], (n - i - 1) * sizeof(p->processors[0]));
        atomic_store(&p->nprocessors, n - 1);
        break;
    }
    pthread_mutex_unlock(&p->plock);
}

uint64_t pipeline_next_seq(struct pipeline *p) { return spool_next_seq(p->spool); }

/* Encode and append one event to the spool; returns its seq, 0 when it was not spooled. */
static uint64_t spool_one(struct pipeline *p, struct event *ev, struct buf *enc)
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
        return 0;
    }
    atomic_fetch_add(&p->spooled, 1);
    return ev->seq;
}

static void commit(struct pipeline *p);

/* Remember a tracker to prepare and confirm at the next commit. */
static void touch_tracker(struct pipeline *p, const struct pipeline_tracker *t)
{
    for (size_t i = 0; i < p->ntouched; i++)
        if (p->touched[i] == t)
            return;
    if (p->ntouched == MAX_TRACKERS) /* NEVER with the agent's few trackers: commit early */
        commit(p);
    if (p->ntouched < MAX_TRACKERS)
        p->touched[p->ntouched++] = t;
    else
        log_error("pipeline: more than %d trackers wait for a commit the spool refuses",
                  MAX_TRACKERS);
}

static void process_one(struct pipeline *p, struct qentry *q, struct buf *enc)
{
    struct event *ev = q->ev;
    p->nemitted = 0;
    bool keep = true;
    uint64_t seq = 0;
    size_t nproc = atomic_load(&p->nprocessors);
    for (size_t i = 0; i < nproc && keep; i++)
        if (p->processors[i].fn(p->processors[i].ctx, p, ev) == 1)
            keep = false;
    if (keep)
        seq = spool_one(p, ev, enc);
    else
        atomic_fetch_add(&p->filtered, 1);
    event_free(ev);
    for (size_t i = 0; i < p->nemitted; i++) {
        spool_one(p, p->emitted[i], enc);
        event_free(p->emitted[i]);
    }
    p->nemitted = 0;
    if (q->tracker) {
        if (q->tracker->assigned)
            q->tracker->assigned(q->tracker->ctx, q->token, seq);
        touch_tracker(p, q->tracker);
    }
}

/* Make what was appended durable against a crash of the agent: trackers first write down
 * where they are, then the spool commit, then the trackers learn it is done. */
static void commit(struct pipeline *p)
{
    for (size_t i = 0; i < p->ntouched; i++)
        if (p->touched[i]->prepare)
            p->touched[i]->prepare(p->touched[i]->ctx);
    int rc = spool_commit(p->spool);
    if (rc) {
        log_error("pipeline: cannot write to the spool: %s (kept in memory, retrying)",
                  strerror(-rc));
        return;
    }
    for (size_t i = 0; i < p->ntouched; i++)
        if (p->touched[i]->committed)
            p->touched[i]->committed(p->touched[i]->ctx);
    p->ntouched = 0;
}

static void *writer_main(void *arg)
{
    struct pipeline *p = arg;
    struct buf enc = {0};
    struct qentry *batch = malloc(p->cap * sizeof(*batch));
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

        pthread_mutex_lock(&p->plock);
        for (size_t i = 0; i < n; i++)
            process_one(p, &batch[i], &enc);
        pthread_mutex_unlock(&p->plock);
        if (n)
            commit(p);
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
        event_free(p->ring[(p->head + i) % p->cap].ev);
    free(p->ring);
    pthread_mutex_destroy(&p->lock);
    pthread_mutex_destroy(&p->plock);
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
