/* hub_internal.h - the eBPF hub's state, shared by hub.c (ring buffer, reader, routes, losses)
 * and sys_load.c (the syscall sensor). Internal to src/agent/sensors/hub/. */
#ifndef VIGIL_HUB_INTERNAL_H
#define VIGIL_HUB_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "agent/sensors/hub/hub.h"
#include "common/error.h"

#define HUB_NTYPES 80 /* VG_NTYPES of common.bpf.h */
#define HUB_MAX_TICKS 8
#define HUB_MAX_WANTS 8

struct hub_route {
    const char *sensor;
    bpfhub_record_fn fn;
    void *ctx;
    int drops_fd, truncs_fd;
};

struct hub_want {
    unsigned family;
    bpfhub_fail_fn fail;
    void *ctx;
};

struct sys_bpf;

struct bpfhub {
    struct bpfhub_options opt;
    int ncpus;
    int ring_fd;          /* -1 until bpfhub_ringbuf */
    int ring_errno;       /* why it could not be created (0: not tried or fine) */
    char ring_why[256];
    uint64_t wakeup_bytes;
    struct ring_buffer *rb;
    pthread_t thread;
    bool running;
    atomic_bool stop;
    _Atomic uint64_t malformed;
    unsigned since_check; /* records since the pipeline's backlog was looked at */
    uint64_t paused;      /* times the reader waited for the writer */
    struct hub_route routes[HUB_NTYPES];
    struct { bpfhub_tick_fn fn; void *ctx; } ticks[HUB_MAX_TICKS];
    size_t nticks;
    struct hub_want wants[HUB_MAX_WANTS];
    size_t nwants;
    unsigned families;
    struct bpfhub_file_filter file_filter;
    struct sys_bpf *sys;  /* the syscall sensor, NULL when not running */
    pthread_mutex_t counter_lock; /* counter_buf, map reads from two threads */
    bool lock_init;
    uint64_t *counter_buf; /* one value per CPU */
    uint64_t reported_lost[HUB_NTYPES], reported_cut[HUB_NTYPES];
};

/* sys_load.c: open, configure (syscall table, path filter), load and attach the syscall sensor
 * with the hub's ring buffer; point the routes of its types at its counters. 0 or -errno. */
int hub_sys_load(struct bpfhub *h, struct vg_error *err);
/* Detach its programs (NULL-safe, idempotent). */
void hub_sys_detach(struct bpfhub *h);
/* Free it. */
void hub_sys_free(struct bpfhub *h);

#endif
