/* process_ebpf.c - the eBPF process sensor's user-space side: open the skeleton, set the
 * read-only settings and map sizes, load (CO-RE against the running kernel's BTF), attach, then
 * one thread polls the ring buffer and hands each decoded record to process_events.c.
 *
 * The thread never blocks on anything but the ring buffer: events go to pipeline_submit, which
 * drops (and counts) rather than wait. Lost records are counted in the BPF `drops` map and read
 * on demand by pebpf_lost. */
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

#include "agent/sensors/process/process_event.h"
#include "agent/sensors/process/process_sensor.h"
#include "agent/sensors/process/procfs.h"
#include "common/log.h"
#include "common/util.h"
#include "process_bpf.skel.h"

#define POLL_MS 100 /* the longest a record waits when few are written */
#define PURGE_EVERY_NS 2000000000ull

struct pebpf {
    struct process_bpf *skel;
    struct ring_buffer *rb;
    struct psensor *s;
    pthread_t thread;
    bool running;
    atomic_bool stop;
    int ncpus;
    struct pe_decoder dec;
    struct procfs_proc *pp; /* argv fallback when the BPF side could not read it */
    _Atomic uint64_t malformed;
};

/* libbpf's messages at debug level. A failed load prints the verifier's log as one message:
 * its last lines (where the verifier says what it refused) are kept. */
static int libbpf_to_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    if (level == LIBBPF_DEBUG)
        return 0;
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        return 0;
    size_t len = strlen(msg), lines = 0;
    const char *start = msg + len;
    while (start > msg && lines < 40)
        if (*--start == '\n' && start + 1 < msg + len)
            lines++;
    for (char *save = NULL, *line = strtok_r((char *)start, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save))
        log_debug("libbpf: %s", line);
    free(msg);
    return 0;
}

static int on_record(void *ctx, void *data, size_t size)
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
    return 0; /* a negative value would stop the consumer */
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

static void *poll_main(void *arg)
{
    struct pebpf *b = arg;
    uint64_t last_purge = time_mono_ns(), last_lost = 0;
    pthread_setname_np(pthread_self(), "vigil-process");
    while (!atomic_load(&b->stop)) {
        int n = ring_buffer__poll(b->rb, POLL_MS);
        if (n == 0)
            n = ring_buffer__consume(b->rb); /* written without a wake-up (see wakeup_bytes) */
        if (n < 0 && n != -EINTR) {
            log_error("process: ring buffer poll failed: %s", strerror(-n));
            usleep(100000);
        }
        uint64_t now = time_mono_ns();
        if (now - last_purge >= PURGE_EVERY_NS) {
            proctable_purge(b->s->procs);
            resync_after_drops(b, &last_lost);
            last_purge = now;
        }
    }
    ring_buffer__consume(b->rb); /* what was recorded before the programs were detached */
    return NULL;
}

int pebpf_open(const struct pebpf_options *opt, struct psensor *s, struct pebpf **out,
               struct vg_error *err)
{
    int rc = 0;
    struct pebpf *b = calloc(1, sizeof(*b));
    if (!b || !(b->pp = calloc(1, sizeof(*b->pp)))) {
        rc = vg_error_set(err, -ENOMEM, "eBPF: out of memory");
        goto cleanup;
    }
    b->s = s;
    atomic_init(&b->stop, false);
    atomic_init(&b->malformed, 0);
    libbpf_set_print(libbpf_to_log);

    if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
        rc = vg_error_set(err, -ENOTSUP,
                          "eBPF: the kernel exposes no BTF (/sys/kernel/btf/vmlinux: %s)",
                          strerror(errno));
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
    /* wake the reader when 1/16 of the ring is pending (at most 256 KiB), else every POLL_MS */
    uint64_t wake = opt->ringbuf_size / 16;
    b->skel->rodata->wakeup_bytes = wake > (256u << 10) ? (256u << 10) : wake;
    if ((rc = bpf_map__set_max_entries(b->skel->maps.events, (__u32)opt->ringbuf_size)) ||
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
    b->rb = ring_buffer__new(bpf_map__fd(b->skel->maps.events), on_record, b, NULL);
    if (!b->rb) {
        rc = vg_error_set(err, -errno ? -errno : -EINVAL,
                          "eBPF: cannot map the ring buffer: %s", strerror(errno));
        goto cleanup;
    }
    *out = b;
    return 0;
cleanup:
    pebpf_close(b);
    return rc;
}

int pebpf_start(struct pebpf *b, struct vg_error *err)
{
    int rc = pthread_create(&b->thread, NULL, poll_main, b);
    if (rc)
        return vg_error_set(err, -rc, "eBPF: cannot start the ring-buffer thread: %s",
                            strerror(rc));
    b->running = true;
    return 0;
}

uint64_t pebpf_lost(struct pebpf *b)
{
    if (!b || !b->skel)
        return 0;
    int fd = bpf_map__fd(b->skel->maps.drops);
    uint64_t *vals = calloc((size_t)b->ncpus, sizeof(*vals));
    uint64_t total = 0;
    if (!vals)
        return 0;
    for (__u32 type = 0; type < PE_NTYPES; type++) {
        if (bpf_map_lookup_elem(fd, &type, vals) != 0)
            continue;
        for (int c = 0; c < b->ncpus; c++)
            total += vals[c];
    }
    free(vals);
    return total;
}

uint64_t pebpf_malformed(struct pebpf *b)
{
    return b ? atomic_load(&b->malformed) : 0;
}

void pebpf_close(struct pebpf *b)
{
    if (!b)
        return;
    if (b->skel)
        process_bpf__detach(b->skel); /* no new records; the thread drains the rest */
    if (b->running) {
        atomic_store(&b->stop, true);
        pthread_join(b->thread, NULL);
        b->running = false;
    }
    ring_buffer__free(b->rb);
    process_bpf__destroy(b->skel);
    pe_decoder_free(&b->dec);
    procfs_proc_free(b->pp);
    free(b->pp);
    free(b);
}
