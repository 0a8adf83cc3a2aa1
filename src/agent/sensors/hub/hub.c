/* hub.c - the eBPF hub (hub.h): the shared ring buffer, its reader thread, the routing of
 * records to sensors by type, and loss accounting. Loading the syscall sensor is in sys_load.c.
 *
 * The reader polls with a timeout (the BPF side wakes it only when enough is pending, see
 * wakeup_bytes in common.bpf.h), then consumes; it calls the sensors' tick functions about once
 * a second and looks for losses every loss_interval: a change of a (sensor, type) drop or
 * truncation counter becomes one `sensor_loss` event with the deltas. */
#include "agent/sensors/hub/hub.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/pipeline.h"
#include "agent/sensors/hub/hub_internal.h"
#include "agent/sensors/hub/sys_event.h"
#include "common/event.h"
#include "common/log.h"
#include "common/util.h"

#define POLL_MS 100
#define TICK_NS 1000000000ull
/* While the pipeline's writer has this many events to go, records wait in the ring buffer (a
 * record costs a few hundred bytes there, an event a few KiB in the queue); the ring buffer
 * absorbs the burst and its drops are counted if it overflows. */
#define BACKLOG_HIGH 256
#define BACKLOG_CHECK_EVERY 32
#define PAUSE_US 2000

uint64_t bpfhub_default_ringbuf(int ncpus)
{
    uint64_t want = (uint64_t)(ncpus > 0 ? ncpus : 1) * (2u << 20), size = 8u << 20;
    while (size < want && size < (256u << 20))
        size <<= 1;
    return size;
}

const char *bpfhub_type_name(unsigned type)
{
    switch (type) {
    case PE_FORK: return "fork";
    case PE_EXEC: return "exec";
    case PE_EXIT: return "exit";
    case SX_SETID: return "setuid";
    case SX_CAPSET: return "capset";
    case SX_PTRACE: return "ptrace";
    case SX_SET_NAME: return "set_name";
    case SX_MEMFD: return "memfd_create";
    case SX_KILL: return "kill";
    case SX_CONNECT: return "connect";
    case SX_ACCEPT: return "accept";
    case SX_BIND: return "bind";
    case SX_LISTEN: return "listen";
    case SX_DNS: return "dns_query";
    case SX_OPEN: return "open_write";
    case SX_RENAME: return "rename";
    case SX_UNLINK: return "unlink";
    case SX_CHMOD: return "chmod";
    case SX_CHOWN: return "chown";
    case SX_LINK: return "link";
    case SX_SYMLINK: return "symlink";
    case SX_UTIMES: return "utimes";
    case SX_READ: return "read_sensitive";
    case SX_MODULE: return "module_load";
    case SX_MOUNT: return "mount";
    case SX_UMOUNT: return "umount";
    case SX_BPF_LOAD: return "bpf_load";
    default: return "unknown";
    }
}

int bpfhub_new(const struct bpfhub_options *opt, struct bpfhub **out, struct vg_error *err)
{
    struct bpfhub *h = calloc(1, sizeof(*h));
    if (!h)
        return vg_error_set(err, -ENOMEM, "eBPF hub: out of memory");
    h->opt = *opt;
    h->ring_fd = -1;
    h->ncpus = libbpf_num_possible_cpus();
    if (h->ncpus <= 0)
        h->ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
    if (h->ncpus <= 0)
        h->ncpus = 1;
    if (!h->opt.ringbuf_size)
        h->opt.ringbuf_size = bpfhub_default_ringbuf(h->ncpus);
    atomic_init(&h->stop, false);
    atomic_init(&h->malformed, 0);
    *out = h;
    return 0;
}

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

int bpfhub_ringbuf(struct bpfhub *h, struct vg_error *err)
{
    if (h->ring_fd >= 0)
        return h->ring_fd;
    if (h->ring_errno)
        return vg_error_set(err, h->ring_errno, "%s", h->ring_why);
    libbpf_set_print(libbpf_to_log);
    int rc;
    if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
        rc = -ENOTSUP;
        snprintf(h->ring_why, sizeof(h->ring_why),
                 "eBPF: the kernel exposes no BTF (/sys/kernel/btf/vmlinux: %s)", strerror(errno));
    } else {
        /* a power of two multiple of the page size, at most 1 GiB */
        long page = sysconf(_SC_PAGESIZE);
        uint64_t size = page > 0 ? (uint64_t)page : 4096;
        while (size < h->opt.ringbuf_size && size < (1ull << 30))
            size <<= 1;
        h->opt.ringbuf_size = size;
        rc = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "vigil_events", 0, 0, (__u32)size, NULL);
        if (rc >= 0) {
            h->ring_fd = rc;
            uint64_t wake = size / 16;
            h->wakeup_bytes = wake > (256u << 10) ? (256u << 10) : wake;
            return h->ring_fd;
        }
        rc = -errno ? -errno : -EINVAL;
        snprintf(h->ring_why, sizeof(h->ring_why),
                 "eBPF: cannot create a BPF ring buffer of %llu bytes: %s",
                 (unsigned long long)size, strerror(-rc));
    }
    h->ring_errno = rc;
    return vg_error_set(err, rc, "%s", h->ring_why);
}

uint64_t bpfhub_wakeup_bytes(const struct bpfhub *h)
{
    return h->wakeup_bytes;
}

int bpfhub_route(struct bpfhub *h, const char *sensor, unsigned first, unsigned last,
                 bpfhub_record_fn fn, bpfhub_tick_fn tick, void *ctx, int drops_fd,
                 int truncs_fd)
{
    if (h->running || first == 0 || last >= HUB_NTYPES || first > last || !fn)
        return -EINVAL;
    for (unsigned t = first; t <= last; t++)
        if (h->routes[t].fn)
            return -EBUSY;
    for (unsigned t = first; t <= last; t++)
        h->routes[t] = (struct hub_route){sensor, fn, ctx, drops_fd, truncs_fd};
    if (tick && h->nticks < HUB_MAX_TICKS) {
        h->ticks[h->nticks].fn = tick;
        h->ticks[h->nticks++].ctx = ctx;
    }
    return 0;
}

int bpfhub_want(struct bpfhub *h, unsigned family, const struct bpfhub_file_filter *filter,
                bpfhub_fail_fn fail, void *ctx)
{
    if (h->running || h->nwants >= HUB_MAX_WANTS)
        return -EINVAL;
    h->wants[h->nwants++] = (struct hub_want){family, fail, ctx};
    h->families |= family;
    if (filter)
        h->file_filter = *filter;
    return 0;
}

/* Sum over CPUs of one per-CPU counter. */
static uint64_t read_counter(struct bpfhub *h, int fd, unsigned type)
{
    if (fd < 0 || !h->counter_buf)
        return 0;
    __u32 key = type;
    if (bpf_map_lookup_elem(fd, &key, h->counter_buf) != 0)
        return 0;
    uint64_t total = 0;
    for (int c = 0; c < h->ncpus; c++)
        total += h->counter_buf[c];
    return total;
}

static uint64_t sum_counters(struct bpfhub *h, unsigned first, unsigned last, bool truncs)
{
    uint64_t total = 0;
    pthread_mutex_lock(&h->counter_lock);
    for (unsigned t = first; t <= last && t < HUB_NTYPES; t++)
        if (h->routes[t].fn)
            total += read_counter(h, truncs ? h->routes[t].truncs_fd : h->routes[t].drops_fd, t);
    pthread_mutex_unlock(&h->counter_lock);
    return total;
}

uint64_t bpfhub_lost(struct bpfhub *h, unsigned first, unsigned last)
{
    return h ? sum_counters(h, first, last, false) : 0;
}

uint64_t bpfhub_truncated(struct bpfhub *h, unsigned first, unsigned last)
{
    return h ? sum_counters(h, first, last, true) : 0;
}

uint64_t bpfhub_malformed(const struct bpfhub *h)
{
    return h ? atomic_load(&h->malformed) : 0;
}

/* One sensor_loss event per (sensor, type) whose counters moved since the last look. */
static void report_losses(struct bpfhub *h)
{
    for (unsigned t = 1; t < HUB_NTYPES; t++) {
        const struct hub_route *r = &h->routes[t];
        if (!r->fn)
            continue;
        pthread_mutex_lock(&h->counter_lock);
        uint64_t lost = read_counter(h, r->drops_fd, t);
        uint64_t cut = read_counter(h, r->truncs_fd, t);
        pthread_mutex_unlock(&h->counter_lock);
        if (lost == h->reported_lost[t] && cut == h->reported_cut[t])
            continue;
        struct event *ev = event_new(TBL_AGENT_EVENTS, "sensor_loss");
        if (!ev)
            return;
        int64_t dl = (int64_t)(lost - h->reported_lost[t]), dc = (int64_t)(cut - h->reported_cut[t]);
        int rc = event_add_str(ev, FLD_SENSOR, r->sensor);
        rc = rc ? rc : event_add_str(ev, FLD_EVENT_TYPE, bpfhub_type_name(t));
        rc = rc ? rc : event_add_int(ev, FLD_LOST, dl);
        rc = rc ? rc : event_add_int(ev, FLD_TRUNCATED, dc);
        rc = rc ? rc : event_add_fmt(ev, FLD_MESSAGE,
                                     "%s sensor: %lld %s records lost (ring buffer full), %lld "
                                     "cut short, since the previous report",
                                     r->sensor, (long long)dl, bpfhub_type_name(t), (long long)dc);
        if (rc) {
            event_free(ev);
            return;
        }
        if (dl)
            log_warn("%s sensor: %lld %s records lost (ring buffer full: ebpf.ringbuf_size too "
                     "small for this host?)", r->sensor, (long long)dl, bpfhub_type_name(t));
        if (h->opt.pipeline && pipeline_submit(h->opt.pipeline, ev) == 0) {
            h->reported_lost[t] = lost;
            h->reported_cut[t] = cut;
        }
    }
}

static int on_record(void *ctx, void *data, size_t size)
{
    struct bpfhub *h = ctx;
    uint32_t type;
    if (size < 8) {
        atomic_fetch_add(&h->malformed, 1);
        return 0;
    }
    memcpy(&type, data, sizeof(type));
    if (type >= HUB_NTYPES || !h->routes[type].fn) {
        if (atomic_fetch_add(&h->malformed, 1) == 0)
            log_warn("eBPF: record of unknown type %u (%zu bytes) ignored (counted)", type, size);
        return 0;
    }
    h->routes[type].fn(h->routes[type].ctx, data, size);
    /* this record is consumed; a negative value stops the consumer after it */
    if (h->opt.pipeline && ++h->since_check >= BACKLOG_CHECK_EVERY) {
        h->since_check = 0;
        if (pipeline_backlog(h->opt.pipeline) >= BACKLOG_HIGH)
            return -EAGAIN;
    }
    return 0;
}

static void *reader_main(void *arg)
{
    struct bpfhub *h = arg;
    uint64_t last_tick = time_mono_ns(), last_loss = last_tick;
    uint64_t loss_ns = (h->opt.loss_interval_ms ? h->opt.loss_interval_ms : 10000) * 1000000ull;
    pthread_setname_np(pthread_self(), "vigil-ebpf");
    while (!atomic_load(&h->stop)) {
        int n = ring_buffer__poll(h->rb, POLL_MS);
        if (n == 0)
            n = ring_buffer__consume(h->rb); /* written without a wake-up (see wakeup_bytes) */
        if (n == -EAGAIN) { /* the writer is behind: let it catch up */
            h->paused++;
            while (!atomic_load(&h->stop) && h->opt.pipeline &&
                   pipeline_backlog(h->opt.pipeline) >= BACKLOG_HIGH / 2)
                usleep(PAUSE_US);
            n = 0;
        }
        if (n < 0 && n != -EINTR) {
            log_error("eBPF: ring buffer poll failed: %s", strerror(-n));
            usleep(100000);
        }
        uint64_t now = time_mono_ns();
        if (now - last_tick >= TICK_NS) {
            for (size_t i = 0; i < h->nticks; i++)
                h->ticks[i].fn(h->ticks[i].ctx);
            last_tick = now;
        }
        if (now - last_loss >= loss_ns) {
            report_losses(h);
            last_loss = now;
        }
    }
    ring_buffer__consume(h->rb); /* what was written before the programs were detached */
    report_losses(h);
    return NULL;
}

int bpfhub_start(struct bpfhub *h, struct vg_error *err)
{
    if (h->running)
        return 0;
    pthread_mutex_init(&h->counter_lock, NULL);
    h->lock_init = true;
    h->counter_buf = calloc((size_t)h->ncpus, sizeof(*h->counter_buf));
    if (!h->counter_buf)
        return vg_error_set(err, -ENOMEM, "eBPF hub: out of memory");
    if (h->families) {
        struct vg_error why = {{0}};
        int rc = hub_sys_load(h, &why);
        if (rc) {
            const char *msg = vg_error_str(&why, rc);
            log_warn("eBPF: the syscall sensor cannot run: %s", msg);
            for (size_t i = 0; i < h->nwants; i++)
                if (h->wants[i].fail)
                    h->wants[i].fail(h->wants[i].ctx, msg);
        }
    }
    bool any = false;
    for (unsigned t = 1; t < HUB_NTYPES; t++)
        any |= h->routes[t].fn != NULL;
    if (!any || h->ring_fd < 0)
        return 0;
    h->rb = ring_buffer__new(h->ring_fd, on_record, h, NULL);
    if (!h->rb)
        return vg_error_set(err, -errno ? -errno : -EINVAL,
                            "eBPF: cannot map the ring buffer: %s", strerror(errno));
    int rc = pthread_create(&h->thread, NULL, reader_main, h);
    if (rc)
        return vg_error_set(err, -rc, "eBPF: cannot start the ring-buffer thread: %s",
                            strerror(rc));
    h->running = true;
    return 0;
}

bool bpfhub_sys_running(const struct bpfhub *h)
{
    return h && h->sys != NULL;
}

void bpfhub_stop(struct bpfhub *h)
{
    if (!h)
        return;
    hub_sys_detach(h); /* no new records from it; the reader drains the rest */
    if (h->running) {
        atomic_store(&h->stop, true);
        pthread_join(h->thread, NULL);
        h->running = false;
    }
}

void bpfhub_free(struct bpfhub *h)
{
    if (!h)
        return;
    bpfhub_stop(h);
    ring_buffer__free(h->rb);
    hub_sys_free(h);
    if (h->ring_fd >= 0)
        close(h->ring_fd);
    if (h->lock_init)
        pthread_mutex_destroy(&h->counter_lock);
    free(h->counter_buf);
    free(h);
}
