/* process_procconn.c - the fallback process sensor: the kernel's netlink proc connector
 * (PROC_EVENT_FORK / EXEC / EXIT), for kernels where the eBPF sensor cannot run.
 *
 * The connector only says "pid N exec'd"; everything else is read from /proc/N, which races the
 * process: a short-lived command may be gone before it is read. So one dedicated thread receives
 * and reads at once, argv first, and runs at a real-time priority (SCHED_FIFO) so that the
 * kernel's wake-up of the reader preempts the new process rather than queueing behind it.
 * When the socket overflows (ENOBUFS) events were lost: /proc is rescanned so the process table
 * catches up and processes started meanwhile appear as `existing`. The loss is counted exactly:
 * the kernel numbers its messages per CPU (cn_msg.seq), so a gap in a CPU's numbers is the
 * number of events that CPU sent and we did not get. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include "agent/host.h"
#include "agent/sensors/process/process_sensor.h"
#include "agent/sensors/process/procfs.h"
#include "common/log.h"
#include "common/util.h"

#define POLL_MS 200
#define RT_PRIORITY 10
#define PURGE_EVERY_NS 2000000000ull
#define RESYNC_MIN_NS 1000000000ull

struct pconn {
    int fd;
    struct psensor *s;
    struct pconn_options opt;
    pthread_t thread;
    bool running;
    atomic_bool stop;
    struct procfs_proc *pp;
    bool resync_pending; /* overflowed since the last rescan */
    uint64_t last_resync;
    uint32_t *last_seq;  /* per CPU: the last message number received */
    bool *seen_cpu;
    unsigned ncpus;
};

/* Send a LISTEN / IGNORE request to the connector. */
static int send_op(int fd, enum proc_cn_mcast_op op)
{
    uint8_t msg[NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(uint32_t))];
    memset(msg, 0, sizeof(msg));
    struct nlmsghdr *nh = (struct nlmsghdr *)msg;
    nh->nlmsg_len = sizeof(msg);
    nh->nlmsg_type = NLMSG_DONE;
    nh->nlmsg_pid = 0;
    struct cn_msg *cn = NLMSG_DATA(nh);
    cn->id.idx = CN_IDX_PROC;
    cn->id.val = CN_VAL_PROC;
    cn->len = sizeof(uint32_t);
    uint32_t v = (uint32_t)op;
    memcpy(cn->data, &v, sizeof(v));
    return send(fd, msg, sizeof(msg), 0) < 0 ? -errno : 0;
}

/* ns since epoch of a connector timestamp (CLOCK_MONOTONIC ns). */
static uint64_t mono_to_epoch(uint64_t ts)
{
    uint64_t now_mono = time_mono_ns(), now = time_now_ns();
    return ts && ts <= now_mono ? now - (now_mono - ts) : now;
}

static void pc_fork(struct pconn *c, const struct proc_event *ev)
{
    const struct fork_proc_event *f = &ev->event_data.fork;
    if (f->child_pid != f->child_tgid || f->child_tgid <= 0)
        return; /* a thread */
    if (!host_pid_in_scope(c->s->host, f->child_tgid))
        return;
    struct pe_proc p;
    if (procfs_read(f->child_tgid, PROCFS_STAT, 0, c->pp) == 0) {
        pe_proc_from_procfs(&p, c->pp, c->s->host);
    } else {
        memset(&p, 0, sizeof(p));
        p.pid = f->child_tgid;
    }
    p.ppid = f->parent_tgid;
    p.time_ns = mono_to_epoch(ev->timestamp_ns);
    psensor_fork(c->s, &p, "proc_connector");
}

static void pc_exec(struct pconn *c, const struct proc_event *ev)
{
    int32_t pid = ev->event_data.exec.process_tgid;
    if (pid <= 0 || (c->s->self_pid && pid == c->s->self_pid) ||
        !host_pid_in_scope(c->s->host, pid))
        return;
    struct pe_proc p;
    procfs_read(pid, PROCFS_ALL, c->s->args_max, c->pp); /* as much as is still there */
    pe_proc_from_procfs(&p, c->pp, c->s->host);
    if (!p.have_start && proctable_get(c->s->procs, pid, &c->s->snap) && !c->s->snap.exited) {
        /* gone already: its identity from the fork we saw */
        p.have_start = true;
        p.start_ticks = c->s->snap.start_ticks;
        p.start_time_ns = c->s->snap.start_time_ns;
        p.ppid = c->s->snap.ppid;
    }
    p.time_ns = mono_to_epoch(ev->timestamp_ns);
    psensor_exec(c->s, &p, "exec", "proc_connector");
}

static void pc_exit(struct pconn *c, const struct proc_event *ev)
{
    const struct exit_proc_event *x = &ev->event_data.exit;
    if (x->process_pid != x->process_tgid || x->process_tgid <= 0)
        return; /* a thread (the group leader's exit stands for the process) */
    if (c->s->self_pid && x->process_tgid == c->s->self_pid)
        return;
    /* out of the scope: never seen, so not in the table */
    if (c->s->host->scope_netns && !proctable_get(c->s->procs, x->process_tgid, &c->s->snap))
        return;
    struct pe_proc p;
    memset(&p, 0, sizeof(p));
    p.pid = x->process_tgid;
    p.ppid = x->parent_tgid > 0 ? x->parent_tgid : -1;
    p.time_ns = mono_to_epoch(ev->timestamp_ns);
    p.have_exit = true;
    p.exit_status = (int32_t)x->exit_code;
    psensor_exit(c->s, &p, "proc_connector");
}

/* Events were lost (counted by check_seq): bring the table back in line with /proc. At most
 * once a second, so that a host that overflows the socket all the time is not rescanned all
 * the time instead of being listened to. */
static void resync(struct pconn *c, uint64_t now)
{
    if (!c->resync_pending || now - c->last_resync < RESYNC_MIN_NS)
        return;
    c->resync_pending = false;
    c->last_resync = now;
    size_t gone = 0;
    int n = proctable_rescan(c->s->procs, psensor_existing, c->s, &gone);
    log_warn("process: the proc connector overflowed; rescanned /proc (%d new, %zu gone)",
             n < 0 ? 0 : n, gone);
}

/* Count the messages CPU cpu sent that did not reach us. */
static void check_seq(struct pconn *c, uint32_t cpu, uint32_t seq)
{
    if (cpu >= c->ncpus)
        return;
    if (c->seen_cpu[cpu]) {
        uint32_t gap = seq - c->last_seq[cpu] - 1; /* modulo 2^32 */
        if (gap && gap < (1u << 30)) /* else a message from before a wrap: ignore */
            atomic_fetch_add(&c->s->lost, gap);
    }
    c->seen_cpu[cpu] = true;
    c->last_seq[cpu] = seq;
}

static void handle(struct pconn *c, const uint8_t *data, size_t size)
{
    int len = (int)size; /* signed: NLMSG_NEXT may step past the end, NLMSG_OK then stops */
    for (const struct nlmsghdr *nh = (const struct nlmsghdr *)data; NLMSG_OK(nh, len);
         nh = NLMSG_NEXT(nh, len)) {
        if (nh->nlmsg_type == NLMSG_NOOP || nh->nlmsg_type == NLMSG_ERROR)
            continue;
        if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct cn_msg)))
            continue;
        const struct cn_msg *cn = NLMSG_DATA(nh);
        if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC)
            continue;
        size_t avail = nh->nlmsg_len - NLMSG_LENGTH(sizeof(struct cn_msg));
        if (cn->len > avail || cn->len < offsetof(struct proc_event, event_data))
            continue;
        struct proc_event ev; /* copied: the payload has no alignment guarantee */
        memset(&ev, 0, sizeof(ev));
        memcpy(&ev, cn->data, cn->len < sizeof(ev) ? cn->len : sizeof(ev));
        size_t need = offsetof(struct proc_event, event_data);
        check_seq(c, ev.cpu, cn->seq);
        switch (ev.what) {
        case PROC_EVENT_FORK:
            if (cn->len >= need + sizeof(ev.event_data.fork))
                pc_fork(c, &ev);
            break;
        case PROC_EVENT_EXEC:
            if (cn->len >= need + sizeof(ev.event_data.exec))
                pc_exec(c, &ev);
            break;
        case PROC_EVENT_EXIT:
            /* parent_pid/parent_tgid are recent additions: shorter payloads leave them 0 */
            if (cn->len >= need + offsetof(struct exit_proc_event, parent_pid))
                pc_exit(c, &ev);
            break;
        default:
            break;
        }
    }
}

static void *reader_main(void *arg)
{
    struct pconn *c = arg;
    pthread_setname_np(pthread_self(), "vigil-process");
    if (c->opt.realtime) {
        struct sched_param sp = {.sched_priority = RT_PRIORITY};
        int rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
        if (rc)
            log_info("process: cannot run the proc connector reader at a real-time priority "
                     "(%s); short-lived processes may be read too late", strerror(rc));
    }
    uint8_t *buf = malloc(65536);
    if (!buf) {
        log_error("process: out of memory for the proc connector reader");
        return NULL;
    }
    uint64_t last_purge = time_mono_ns();
    while (!atomic_load(&c->stop)) {
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        int n = poll(&pfd, 1, POLL_MS);
        uint64_t now = time_mono_ns();
        if (now - last_purge >= PURGE_EVERY_NS) {
            proctable_purge(c->s->procs);
            last_purge = now;
        }
        resync(c, now);
        if (n <= 0)
            continue;
        for (;;) {
            struct sockaddr_nl from;
            socklen_t fromlen = sizeof(from);
            ssize_t len = recvfrom(c->fd, buf, 65536, MSG_DONTWAIT, (struct sockaddr *)&from,
                                   &fromlen);
            if (len < 0) {
                int e = errno;
                if (e == ENOBUFS) { /* overflowed: read on, resync soon */
                    c->resync_pending = true;
                    continue;
                }
                if (e != EAGAIN && e != EINTR)
                    log_warn("process: proc connector receive failed: %s", strerror(e));
                break;
            }
            if (fromlen != sizeof(from) || from.nl_pid != 0)
                continue; /* only the kernel speaks here */
            handle(c, buf, (size_t)len);
        }
        resync(c, time_mono_ns());
    }
    free(buf);
    return NULL;
}

int pconn_open(const struct pconn_options *opt, struct psensor *s, struct pconn **out,
               struct vg_error *err)
{
    int rc = 0;
    struct pconn *c = calloc(1, sizeof(*c));
    if (c)
        c->fd = -1;
    if (!c || !(c->pp = calloc(1, sizeof(*c->pp)))) {
        rc = vg_error_set(err, -ENOMEM, "proc connector: out of memory");
        goto cleanup;
    }
    c->s = s;
    c->opt = *opt;
    atomic_init(&c->stop, false);
    long ncpus = sysconf(_SC_NPROCESSORS_CONF);
    c->ncpus = ncpus > 0 && ncpus < 65536 ? (unsigned)ncpus : 1024;
    c->last_seq = calloc(c->ncpus, sizeof(*c->last_seq));
    c->seen_cpu = calloc(c->ncpus, sizeof(*c->seen_cpu));
    if (!c->last_seq || !c->seen_cpu) {
        rc = vg_error_set(err, -ENOMEM, "proc connector: out of memory");
        goto cleanup;
    }
    c->fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
    if (c->fd < 0) {
        rc = vg_error_set(err, -errno, "proc connector: cannot open a netlink socket: %s",
                          strerror(errno));
        goto cleanup;
    }
    int size = opt->rcvbuf > (1u << 30) ? (1 << 30) : (int)opt->rcvbuf;
    if (size > 0 && setsockopt(c->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
        setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC, .nl_pid = 0};
    if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        rc = vg_error_set(err, -errno, "proc connector: cannot join the process events group: %s",
                          strerror(errno));
        goto cleanup;
    }
    if ((rc = send_op(c->fd, PROC_CN_MCAST_LISTEN)) < 0) {
        rc = vg_error_set(err, rc, "proc connector: cannot subscribe: %s", strerror(-rc));
        goto cleanup;
    }
    *out = c;
    return 0;
cleanup:
    pconn_close(c);
    return rc;
}

int pconn_start(struct pconn *c, struct vg_error *err)
{
    int rc = pthread_create(&c->thread, NULL, reader_main, c);
    if (rc)
        return vg_error_set(err, -rc, "proc connector: cannot start the reader thread: %s",
                            strerror(rc));
    c->running = true;
    return 0;
}

void pconn_close(struct pconn *c)
{
    if (!c)
        return;
    if (c->running) {
        atomic_store(&c->stop, true);
        pthread_join(c->thread, NULL);
        c->running = false;
    }
    if (c->fd >= 0) {
        send_op(c->fd, PROC_CN_MCAST_IGNORE);
        close(c->fd);
    }
    procfs_proc_free(c->pp);
    free(c->pp);
    free(c->last_seq);
    free(c->seen_cpu);
    free(c);
}
