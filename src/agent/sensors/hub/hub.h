/* hub.h - the eBPF hub: the one BPF ring buffer every eBPF sensor writes into, the one reader
 * thread that drains it and hands each record to the sensor that owns its type, the syscall
 * sensor (sys.bpf.c) shared by the process-action, network, file and kernel families, and the
 * loss accounting of all of them (drops and truncations per sensor and record type, reported as
 * `sensor_loss` agent events).
 *
 * One ring buffer and one reader keep the events of one process in the order they happened (an
 * exec before its connect) whatever sensor saw them, and a sensor's reader never waits for the
 * pipeline (pipeline_submit drops and counts rather than block).
 *
 * Life: bpfhub_new before the modules start; modules that run in eBPF mode take the ring buffer
 * (bpfhub_ringbuf) for their own objects, route their record types (bpfhub_route) and ask for
 * syscall families (bpfhub_want); bpfhub_start, once every module has started, loads and attaches
 * the syscall sensor and starts the reader; bpfhub_stop detaches it and drains the ring buffer
 * before the modules stop. Routes and wants are made before bpfhub_start only. */
#ifndef VIGIL_BPFHUB_H
#define VIGIL_BPFHUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/error.h"

struct bpfhub;
struct pipeline;

struct bpfhub_options {
    uint64_t ringbuf_size;    /* bytes; 0 = by the number of CPUs (bpfhub_default_ringbuf) */
    int32_t self_pid;         /* the agent: its syscalls are not reported */
    uint64_t scope_netns;     /* only tasks of this network namespace (host.h); 0: all */
    struct pipeline *pipeline; /* where sensor_loss events go */
    uint64_t loss_interval_ms; /* how often losses are looked for and reported */
};

/* A record of one of the routed types, validated only for its header's size field (size >= 8).
 * Runs on the reader thread. */
typedef void (*bpfhub_record_fn)(void *ctx, const void *data, size_t size);
/* Called about once a second on the reader thread (housekeeping), may be NULL. */
typedef void (*bpfhub_tick_fn)(void *ctx);
/* The syscall sensor could not be started (err says why): the family must fall back. Called
 * from bpfhub_start. */
typedef void (*bpfhub_fail_fn)(void *ctx, const char *why);

/* Paths the file family watches: prefixes whose changes are reported and files whose reads are
 * reported. Entries may hold a '*' component (glob(3), expanded when the sensor starts). */
struct bpfhub_file_filter {
    const struct config_list *prefixes;
    const struct config_list *sensitive;
};

/* The ring buffer size used for ringbuf_size 0: 2 MiB per possible CPU, at least 8 MiB, at
 * most 256 MiB (a power of two). Its pages count twice in the agent's RSS (the kernel maps the
 * data area twice so that records can wrap around). */
uint64_t bpfhub_default_ringbuf(int ncpus);

/* A hub (nothing is created in the kernel yet). 0 or -ENOMEM. */
int bpfhub_new(const struct bpfhub_options *opt, struct bpfhub **out, struct vg_error *err);
/* Stop (when started) and free. NULL-safe. */
void bpfhub_free(struct bpfhub *h);

/* The ring buffer's descriptor for bpf_map__reuse_fd, created on the first call. -errno with
 * err filled when eBPF cannot be used here (no BTF, no permission, old kernel). */
int bpfhub_ringbuf(struct bpfhub *h, struct vg_error *err);
/* The wake-up threshold the BPF programs should use (their `wakeup_bytes`). */
uint64_t bpfhub_wakeup_bytes(const struct bpfhub *h);

/* Hand records of types first..last (inclusive, < 80) to fn(ctx). sensor names the sensor in
 * loss reports. drops_fd / truncs_fd are the object's per-type counter maps (or -1). 0, or
 * -EBUSY when a type is routed already, -EINVAL when out of range or the hub runs. */
int bpfhub_route(struct bpfhub *h, const char *sensor, unsigned first, unsigned last,
                 bpfhub_record_fn fn, bpfhub_tick_fn tick, void *ctx, int drops_fd,
                 int truncs_fd);

/* Ask for a family of the syscall sensor (enum sx_family). The family's records are routed
 * (bpfhub_route) by the caller too. filter is for SXF_FILE (NULL otherwise); it must stay
 * valid until bpfhub_start returns. fail is called if the syscall sensor cannot start. */
int bpfhub_want(struct bpfhub *h, unsigned family, const struct bpfhub_file_filter *filter,
                bpfhub_fail_fn fail, void *ctx);

/* Load and attach the syscall sensor when a family is wanted, then start the reader when any
 * type is routed. 0 (also when the syscall sensor failed: its families were told), or -errno
 * with err filled when the reader cannot start. */
int bpfhub_start(struct bpfhub *h, struct vg_error *err);
/* Detach the syscall sensor, drain the ring buffer, stop the reader. Safe to call twice. */
void bpfhub_stop(struct bpfhub *h);

/* Whether the syscall sensor runs. */
bool bpfhub_sys_running(const struct bpfhub *h);
/* Records lost (ring buffer full) and cut (truncated) of types first..last since start. */
uint64_t bpfhub_lost(struct bpfhub *h, unsigned first, unsigned last);
uint64_t bpfhub_truncated(struct bpfhub *h, unsigned first, unsigned last);
/* Records the reader found malformed (never expected; counted). */
uint64_t bpfhub_malformed(const struct bpfhub *h);

/* Name of a record type for loss reports ("exec", "connect", "open_write", ...). */
const char *bpfhub_type_name(unsigned type);

#endif
