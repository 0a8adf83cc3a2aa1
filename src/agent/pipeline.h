/* pipeline.h - the one path every event takes on the agent:
 *
 *   sensors/collectors --pipeline_submit--> bounded queue --writer thread--> processors
 *   (enrichment, detection) --> encode --> spool (on disk) --> transport (another thread)
 *
 * pipeline_submit never blocks the caller (a sensor's ring-buffer reader must keep reading):
 * when the queue is full the event is dropped and counted per table, and the counts are
 * reported in the agent's status events. The writer thread assigns each event its sequence
 * number as it enters the spool.
 *
 * Producers that must not lose anything and must not read their input twice (log tailing)
 * use pipeline_offer instead: when the queue is full the events stay theirs (-EAGAIN, nothing
 * dropped), and a tracker tells them, on the writer thread, which sequence number their events
 * got and when the spool commit that makes them survive a crash happens, so they can persist
 * their own position together with it (see struct pipeline_tracker). */
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
/* Register a processor, before or after pipeline_start (a module registers its processor when
 * it starts; events already past the writer are not seen by it). Processors stay registered
 * until pipeline_remove_processor or pipeline_free.
 * 0, or -EBUSY when MAX_PROCESSORS are registered. Not thread-safe against itself (modules
 * start one after the other). */
int pipeline_add_processor(struct pipeline *p, const char *name, pipeline_processor_fn fn,
                           void *ctx);
/* Unregister the processor with this ctx; when it returns the writer no longer runs it, so a
 * module may free ctx (it waits for the batch being processed). NULL-safe. */
void pipeline_remove_processor(struct pipeline *p, void *ctx);
int pipeline_start(struct pipeline *p);
/* Stop accepting events, spool what is queued, join the writer. */
void pipeline_stop(struct pipeline *p);
void pipeline_free(struct pipeline *p);

/* Hand an event to the pipeline (ownership passes, whatever the result). Thread-safe, never
 * blocks. Returns 0, or -ENOBUFS when the queue was full (event dropped, counted) or -EPIPE
 * after pipeline_stop. */
int pipeline_submit(struct pipeline *p, struct event *ev);
/* Follows tracked events into the spool; all three are called on the writer thread, in this
 * order for each commit:
 *   assigned(ctx, token, seq)  for each tracked group, in submission order, once its events are
 *                              appended: seq is the sequence number of the group's last event,
 *                              0 when none was spooled (filtered by a processor, or it could not
 *                              be encoded: counted in the pipeline's stats);
 *   prepare(ctx)               once, before the spool commit that will make them durable: the
 *                              producer writes down what it needs to resume after a crash
 *                              (records with seq < pipeline_first_seq() of the next run are
 *                              durable, later ones are not);
 *   committed(ctx)             once, after that commit succeeded (retried with the next one if
 *                              it failed).
 * They must be quick and must not call back into the pipeline. */
struct pipeline_tracker {
    void (*assigned)(void *ctx, uint64_t token, uint64_t seq);
    void (*prepare)(void *ctx);
    void (*committed)(void *ctx);
    void *ctx;
};

/* Hand a group of n events (1..PIPELINE_GROUP_MAX) to the pipeline as one unit, tracked by t
 * (may be NULL) with token. The group is queued whole and spooled in one commit. Thread-safe,
 * never blocks. Returns 0 (ownership of the events passes), -EAGAIN when the queue has no
 * room for the group now (the events stay the caller's: nothing is dropped or counted; offer
 * them again later), -EPIPE after pipeline_stop (the events stay the caller's), -EINVAL for a
 * bad n. */
#define PIPELINE_GROUP_MAX 16
int pipeline_offer(struct pipeline *p, struct event *const *evs, size_t n,
                   const struct pipeline_tracker *t, uint64_t token);
/* The sequence number of the first event this run spools: every lower one was written to the
 * spool by an earlier run (it survived), so a tracker's records can be checked after a crash. */
uint64_t pipeline_first_seq(const struct pipeline *p);

/* From a processor only: spool ev right after the event being processed (ownership passes). */
void pipeline_emit(struct pipeline *p, struct event *ev);
/* From a processor only: the sequence number the event being processed will have in the spool
 * (if no later processor drops it). Lets a detection name the events behind an alert. */
uint64_t pipeline_next_seq(struct pipeline *p);

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
