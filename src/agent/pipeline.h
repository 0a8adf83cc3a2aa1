/* pipeline.h - the one path every event takes on the agent:
 *
 *   sensors/collectors --pipeline_submit--> bounded queue --writer thread--> processors
 *   (enrichment, detection) --> encode --> spool (on disk) --> transport (another thread)
 *
 * pipeline_submit never blocks the caller (a sensor's ring-buffer reader must keep reading):
 * when the queue is full the event is dropped and counted per table, and the counts are
 * reported in the agent's status events. The writer thread assigns each event its sequence
 * number as it enters the spool. */
#ifndef VIGIL_AGENT_PIPELINE_H
#define VIGIL_AGENT_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/event.h"
#include "common/spool.h"

struct pipeline;

/* A processor sees every event on the writer thread, in order, before it is spooled. It may
 * add fields to the event, and may emit new events with pipeline_emit (they are spooled right
 * after the current one). Returns 0 to keep the event, 1 to drop it (filtered). */
typedef int (*pipeline_processor_fn)(void *ctx, struct pipeline *p, struct event *ev);

/* Create a pipeline writing into sp, with a queue of queue_cap events; boot_id is stamped on
 * events that lack one. */
int pipeline_new(struct spool *sp, size_t queue_cap, const char *boot_id, struct pipeline **out,
                 struct vg_error *err);
/* Register a processor (before pipeline_start). */
int pipeline_add_processor(struct pipeline *p, const char *name, pipeline_processor_fn fn,
                           void *ctx);
int pipeline_start(struct pipeline *p);
/* Stop accepting events, spool what is queued, join the writer. */
void pipeline_stop(struct pipeline *p);
void pipeline_free(struct pipeline *p);

/* Hand an event to the pipeline (ownership passes, whatever the result). Thread-safe, never
 * blocks. Returns 0, or -ENOBUFS when the queue was full (event dropped, counted) or -EPIPE
 * after pipeline_stop. */
int pipeline_submit(struct pipeline *p, struct event *ev);
/* From a processor only: spool ev right after the event being processed (ownership passes). */
void pipeline_emit(struct pipeline *p, struct event *ev);

struct pipeline_stats {
    uint64_t submitted;   /* events accepted into the queue */
    uint64_t spooled;     /* events written to the spool */
    uint64_t queue_dropped; /* events dropped because the queue was full */
    uint64_t filtered;    /* events dropped by a processor on purpose */
    uint64_t encode_failed;
    size_t queue_len, queue_cap;
};
void pipeline_get_stats(struct pipeline *p, struct pipeline_stats *st);
/* Events accepted but not yet through the writer (lock-free, approximate): how far the writer
 * is behind. A sensor with a buffer of its own (the BPF ring buffer) may leave records there
 * while this is high, rather than turn them into queued events that cost more memory. */
size_t pipeline_backlog(struct pipeline *p);

#endif
