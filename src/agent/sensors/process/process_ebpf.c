/* process_ebpf.c - the eBPF process sensor's user-space side: open the skeleton, give it the
 * hub's ring buffer (hub.h), set the read-only settings and map sizes, load (CO-RE against the
 * running kernel's BTF), attach, and route its record types to the decoder here; the hub's one
 * reader thread hands each record to on_record, which passes it to process_events.c.
 *
 * The reader never blocks on anything but the ring buffer: events go to pipeline_submit, which
 * drops (and counts) rather than wait. Lost records are counted in the BPF `drops` map per type
 * and reported by the hub. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/host.h"
#include "agent/sensors/process/process_event.h"
#include "agent/sensors/process/process_sensor.h"
#include "agent/sensors/process/procfs.h"
#include "common/log.h"
#include "common/util.h"
#include "agent/sensors/hub/hub.h"
#include "process_bpf.skel.h"

#define PURGE_EVERY_NS 2000000000ull

struct pebpf {
    struct process_bpf *skel;
    struct bpfhub *hub;
    struct psensor *s;
    int ncpus;
    uint64_t last_purge, last_lost;
    struct pe_decoder dec;
    struct procfs_proc *pp; /* argv fallback when the BPF side could not read it */
    _Atomic uint64_t malformed;
};

static void on_record(void *ctx, const void *data, size_t size)
{
    struct pebpf *b = ctx;
    struct pe_proc p;
    int type = pe_decode(b->s->host, data, size, &b->dec, &p);
    switch (type) {
    case PE_FORK:
        psensor_fork(b->s, &p, "ebpf");
        break;
    case PE_EXEC:
        if (!p.args && procfs_read(p.pid, PROCFS_CMDLINE, b->s->args_max, b->pp) == 0 &&
            (b->pp->have & PROCFS_CMDLINE)) {
            /* argv was not readable at the tracepoint (never seen; kept as a safety net) */
            p.args = b->pp->args.len ? (const char *)b->pp->args.data : "";
            p.args_len = b->pp->args.len;
            p.args_truncated = b->pp->args_truncated;
        }
        psensor_exec(b->s, &p, "exec", "ebpf");
        break;
    case PE_EXIT:
        psensor_exit(b->s, &p, "ebpf");
        break;
    default:
        if (atomic_fetch_add(&b->malformed, 1) == 0)
            log_warn("process: malformed ring-buffer record of %zu bytes (counted)", size);
        break;
    }
}

/* Records were dropped (counted in the kernel): bring the table back in line with /proc, so
 * that a missed exit does not leave an entry behind and a missed process is not invisible. */
static void resync_after_drops(struct pebpf *b, uint64_t *last_lost)
{
    uint64_t lost = pebpf_lost(b);
    if (lost == *last_lost)
        return;
    size_t gone = 0;
    int n = proctable_rescan(b->s->procs, psensor_existing, b->s, &gone);
    log_warn("process: %llu ring-buffer records lost (ringbuf_size too small for this host?); "
             "rescanned /proc (%d new, %zu gone)", (unsigned long long)(lost - *last_lost),
             n < 0 ? 0 : n, gone);
    *last_lost = lost;
}

/* The hub's tick (about once a second): purge the table when idle, resync after losses. */
static void on_tick(void *ctx)
{
    struct pebpf *b = ctx;
    uint64_t now = time_mono_ns();
    if (now - b->last_purge < PURGE_EVERY_NS)
        return;
    proctable_purge(b->s->procs);
    resync_after_drops(b, &b->last_lost);
    b->last_purge = now;
}

int pebpf_open(const struct pebpf_options *opt, struct psensor *s, struct bpfhub *hub,
               struct pebpf **out, struct vg_error *err)
{
    int rc = 0;
    struct pebpf *b = calloc(1, sizeof(*b));
    if (!b || !(b->pp = calloc(1, sizeof(*b->pp)))) {
        rc = vg_error_set(err, -ENOMEM, "eBPF: out of memory");
        goto cleanup;
    }
    b->s = s;
    b->hub = hub;
    b->last_purge = time_mono_ns();
    atomic_init(&b->malformed, 0);
    int ring = bpfhub_ringbuf(hub, err);
    if (ring < 0) {
        rc = ring;
        goto cleanup;
    }
    b->ncpus = libbpf_num_possible_cpus();
    if (b->ncpus <= 0) {
        rc = vg_error_set(err, b->ncpus ? b->ncpus : -EINVAL,
                          "eBPF: cannot count the possible CPUs");
        goto cleanup;
    }
    b->skel = process_bpf__open();
    if (!b->skel) {
        rc = vg_error_set(err, -errno ? -errno : -EINVAL, "eBPF: cannot open the BPF object: %s",
                          strerror(errno));
        goto cleanup;
    }
    b->skel->rodata->args_max = opt->args_max > PE_ARGS_CAP ? PE_ARGS_CAP : opt->args_max;
    b->skel->rodata->self_tgid = opt->self_pid > 0 ? (__u32)opt->self_pid : 0;
    b->skel->rodata->scope_netns = s->host->scope_netns;
    b->skel->rodata->wakeup_bytes = bpfhub_wakeup_bytes(hub);
    if ((rc = bpf_map__reuse_fd(b->skel->maps.events, ring)) ||
        (rc = bpf_map__set_max_entries(b->skel->maps.scratch, (__u32)b->ncpus))) {
        rc = vg_error_set(err, rc, "eBPF: cannot size the maps: %s", strerror(-rc));
        goto cleanup;
    }
    rc = process_bpf__load(b->skel);
    if (rc) {
        rc = vg_error_set(err, rc < 0 ? rc : -EINVAL,
                          "eBPF: the kernel refused the BPF program: %s (run with debug logging "
                          "for the verifier's log)", strerror(rc < 0 ? -rc : EINVAL));
        goto cleanup;
    }
    rc = process_bpf__attach(b->skel);
    if (rc) {
        rc = vg_error_set(err, rc < 0 ? rc : -EINVAL,
                          "eBPF: cannot attach to the sched_process_* raw tracepoints: %s",
                          strerror(rc < 0 ? -rc : EINVAL));
        goto cleanup;
    }
    rc = bpfhub_route(hub, "process", PE_FORK, PE_NTYPES - 1, on_record, on_tick, b,
                      bpf_map__fd(b->skel->maps.drops), bpf_map__fd(b->skel->maps.truncs));
    if (rc) {
        rc = vg_error_set(err, rc, "eBPF: cannot route the process records: %s", strerror(-rc));
        goto cleanup;
    }
    *out = b;
    return 0;
cleanup:
    pebpf_close(b);
    return rc;
}

uint64_t pebpf_lost(struct pebpf *b)
{
    return b ? bpfhub_lost(b->hub, PE_FORK, PE_NTYPES - 1) : 0;
}

uint64_t pebpf_malformed(struct pebpf *b)
{
    return b ? atomic_load(&b->malformed) : 0;
}

void pebpf_close(struct pebpf *b)
{
    if (!b)
        return;
    process_bpf__destroy(b->skel); /* the hub's reader has stopped (bpfhub_stop) */
    pe_decoder_free(&b->dec);
    procfs_proc_free(b->pp);
    free(b->pp);
    free(b);
}
