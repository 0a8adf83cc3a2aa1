/* periodic.h - a module's worker thread that runs its work on a schedule and on demand: the
 * first run after a start delay, then every interval, each delay plus a random jitter so a fleet
 * does not run in step, at a lowered CPU priority. A request (a task) runs the work at once,
 * without moving the schedule. Used by the modules whose work is a periodic scan (baseline,
 * risk). */
#ifndef VIGIL_AGENT_PERIODIC_H
#define VIGIL_AGENT_PERIODIC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

struct periodic {
    /* set before periodic_start */
    const char *name;        /* for messages: "baseline", "risk" */
    uint64_t start_delay_ms, interval_ms, jitter_ms;
    int64_t nice;            /* 0-19 */
    /* the work; on_demand says whether a request started it. Runs on the worker thread. */
    void (*run)(void *ctx, bool on_demand);
    void *ctx;
    /* the thread's state */
    pthread_t thread;
    bool started, stop, running, requested;
    pthread_mutex_t lock;
    pthread_cond_t cond;
};

/* Start the worker thread of p (fields above filled). 0 or -errno with err. */
int periodic_start(struct periodic *p, struct vg_error *err);
/* Stop and join the worker (the work in progress finishes first). Safe on a periodic that was
 * never started (all zero) and more than once. */
void periodic_stop(struct periodic *p);
/* Ask for a run now; returns whether a run was in progress (the request runs after it). */
bool periodic_request(struct periodic *p);
/* Whether the work is running now. */
bool periodic_running(struct periodic *p);
/* The mode a module reports (module_status.mode): "disabled" (p NULL or not started),
 * "running" or "scheduled". */
const char *periodic_mode(struct periodic *p);

#endif
