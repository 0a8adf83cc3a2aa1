/* net_diag.c - the network sensor's fallback without eBPF: every poll_interval, list the TCP
 * and UDP sockets of both families through NETLINK_SOCK_DIAG and report the ones that were not
 * there at the previous poll: a listening TCP socket as `listen`, a connected one as `accept`
 * when its local port is listened on, else as `connect`, a connected UDP socket as `connect`
 * and a bound one as `bind`. The owning process is found by the socket's inode in /proc/PID/fd
 * (read only when new sockets appeared). What this mode cannot see: sockets that live shorter
 * than a poll, results of failed calls, DNS questions. The first poll only learns what exists. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/pipeline.h"
#include "agent/sensors/network/net_sensor.h"
#include "common/log.h"
#include "common/util.h"

#define TCP_LISTEN_STATE 10
#define TCP_TIME_WAIT_STATE 6

struct diag_sock {
    uint32_t inode;
    uint8_t family, protocol, state;
    uint16_t sport, dport;
    uint8_t src[16], dst[16];
};

struct sockset {
    struct diag_sock *v;
    size_t n, cap;
};

struct netdiag {
    struct net_state *ns;
    uint64_t poll_ms;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop;
    struct sockset prev, cur, fresh;
};

static int set_add(struct sockset *s, const struct diag_sock *d)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        struct diag_sock *v = realloc(s->v, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = *d;
    return 0;
}

static int cmp_inode(const void *a, const void *b)
{
    uint32_t x = ((const struct diag_sock *)a)->inode, y = ((const struct diag_sock *)b)->inode;
    return x < y ? -1 : x > y;
}

static bool set_has(const struct sockset *s, uint32_t inode)
{
    struct diag_sock key = {.inode = inode};
    return s->n && bsearch(&key, s->v, s->n, sizeof(key), cmp_inode) != NULL;
}

/* One dump request (family, protocol) into s. 0 or -errno. */
static int dump(int fd, uint8_t family, uint8_t protocol, struct sockset *s)
{
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 r;
    } req;
    memset(&req, 0, sizeof(req));
    req.nlh.nlmsg_len = sizeof(req);
    req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.r.sdiag_family = family;
    req.r.sdiag_protocol = protocol;
    req.r.idiag_states = ~(1u << TCP_TIME_WAIT_STATE);
    struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
    if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&nl, sizeof(nl)) < 0)
        return -errno;
    static char buf[65536];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        size_t len = (size_t)n;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
             h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_type == NLMSG_DONE)
                return 0;
            if (h->nlmsg_type == NLMSG_ERROR)
                return -EPROTO;
            if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
                continue;
            const struct inet_diag_msg *m = NLMSG_DATA(h);
            struct diag_sock d = {.inode = m->idiag_inode, .family = m->idiag_family,
                                  .protocol = protocol, .state = m->idiag_state,
                                  .sport = ntohs(m->id.idiag_sport),
                                  .dport = ntohs(m->id.idiag_dport)};
            memcpy(d.src, m->id.idiag_src, 16);
            memcpy(d.dst, m->id.idiag_dst, 16);
            if (d.inode && set_add(s, &d))
                return -ENOMEM;
        }
    }
}

/* The pids owning the sockets of `want` (sorted by inode), with one pass over the /proc/PID/fd
 * links ("socket:[N]"); pids[i] stays 0 when not found. */
static void owners_of(const struct sockset *want, int32_t *pids)
{
    DIR *proc = opendir("/proc");
    size_t left = want->n;
    if (!proc)
        return;
    struct dirent *de;
    while (left && (de = readdir(proc))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        char path[64];
        snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
        DIR *fds = opendir(path);
        if (!fds)
            continue;
        struct dirent *fe;
        while (left && (fe = readdir(fds))) {
            char link[320], target[64];
            unsigned long inode;
            if (fe->d_name[0] == '.')
                continue;
            snprintf(link, sizeof(link), "%s/%s", path, fe->d_name);
            ssize_t n = readlink(link, target, sizeof(target) - 1);
            if (n <= 8)
                continue;
            target[n] = '\0';
            if (sscanf(target, "socket:[%lu]", &inode) != 1)
                continue;
            struct diag_sock key = {.inode = (uint32_t)inode};
            const struct diag_sock *hit =
                bsearch(&key, want->v, want->n, sizeof(key), cmp_inode);
            if (hit && !pids[hit - want->v]) {
                pids[hit - want->v] = (int32_t)pid;
                left--;
            }
        }
        closedir(fds);
    }
    closedir(proc);
}

static bool listening_on(const struct sockset *s, uint8_t family, uint16_t port)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].protocol == IPPROTO_TCP && s->v[i].state == TCP_LISTEN_STATE &&
            s->v[i].sport == port && s->v[i].family == family)
            return true;
    return false;
}

static void report(struct netdiag *g, const struct diag_sock *d, int32_t pid)
{
    struct net_state *ns = g->ns;
    const char *action;
    bool remote = false, any_dst = true;
    for (int i = 0; i < 16; i++)
        any_dst &= d->dst[i] == 0;
    if (d->protocol == IPPROTO_TCP && d->state == TCP_LISTEN_STATE) {
        action = "listen";
    } else if (d->protocol == IPPROTO_TCP) {
        action = listening_on(&g->cur, d->family, d->sport) ? "accept" : "connect";
        remote = true;
    } else if (!any_dst || d->dport) {
        action = "connect";
        remote = true;
    } else if (d->sport) {
        action = "bind";
    } else {
        return;
    }
    struct sx_rec r;
    memset(&r, 0, sizeof(r));
    if (pid > 0 && !sx_proc_from_table(&ns->ctx, pid, &r.p))
        r.p.pid = pid;
    struct event *ev = sx_event_new(&ns->ctx, &r, TBL_NETWORK_EVENTS, action, false);
    if (!ev) {
        atomic_fetch_add(&ns->failed, 1);
        return;
    }
    char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
    net_addr_text(d->family, d->src, src, sizeof(src));
    net_addr_text(d->family, d->dst, dst, sizeof(dst));
    int rc = event_add_str(ev, FLD_PROTOCOL, d->protocol == IPPROTO_TCP ? "tcp" : "udp");
    rc = rc ? rc : event_add_str(ev, FLD_FAMILY, d->family == AF_INET6 ? "ipv6" : "ipv4");
    /* src is the side that opened the connection: for an accepted one, the remote client */
    bool accepted = !strcmp(action, "accept");
    rc = rc ? rc : event_add_str(ev, FLD_SRC_IP, accepted ? dst : src);
    rc = rc ? rc : event_add_int(ev, FLD_SRC_PORT, accepted ? d->dport : d->sport);
    if (!rc && remote) {
        rc = event_add_str(ev, FLD_DST_IP, accepted ? src : dst);
        rc = rc ? rc : event_add_int(ev, FLD_DST_PORT, accepted ? d->sport : d->dport);
        rc = rc ? rc : event_add_str(ev, FLD_DIRECTION,
                                     strcmp(action, "accept") ? "outbound" : "inbound");
    }
    sx_submit(ns->pipeline, ev, rc, &ns->events, &ns->failed);
}

/* One poll: list, report what is new, keep the list for the next poll. */
static int poll_once(struct netdiag *g, int fd, bool first)
{
    static const uint8_t fams[] = {AF_INET, AF_INET6}, protos[] = {IPPROTO_TCP, IPPROTO_UDP};
    g->cur.n = 0;
    for (size_t f = 0; f < 2; f++)
        for (size_t p = 0; p < 2; p++) {
            int rc = dump(fd, fams[f], protos[p], &g->cur);
            if (rc)
                return rc;
        }
    qsort(g->cur.v, g->cur.n, sizeof(*g->cur.v), cmp_inode);
    g->fresh.n = 0;
    for (size_t i = 0; !first && i < g->cur.n; i++)
        if (!set_has(&g->prev, g->cur.v[i].inode) && set_add(&g->fresh, &g->cur.v[i]))
            return -ENOMEM;
    if (g->fresh.n) {
        int32_t *pids = calloc(g->fresh.n, sizeof(*pids));
        if (!pids)
            return -ENOMEM;
        owners_of(&g->fresh, pids); /* fresh is sorted: a subsequence of cur */
        for (size_t i = 0; i < g->fresh.n; i++)
            report(g, &g->fresh.v[i], pids[i]);
        free(pids);
    }
    struct sockset t = g->prev;
    g->prev = g->cur;
    g->cur = t;
    return 0;
}

static void *diag_main(void *arg)
{
    struct netdiag *g = arg;
    pthread_setname_np(pthread_self(), "vigil-netdiag");
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    bool first = true;
    if (fd < 0) {
        log_error("network: sock_diag socket: %s", strerror(errno));
        return NULL;
    }
    pthread_mutex_lock(&g->lock);
    while (!g->stop) {
        pthread_mutex_unlock(&g->lock);
        int rc = poll_once(g, fd, first);
        if (rc)
            log_warn("network: sock_diag poll failed: %s", strerror(-rc));
        first = false;
        struct timespec ts;
        time_deadline_ts(g->poll_ms, &ts);
        pthread_mutex_lock(&g->lock);
        while (!g->stop && pthread_cond_timedwait(&g->cond, &g->lock, &ts) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&g->lock);
    close(fd);
    return NULL;
}

int netdiag_start(struct net_state *ns, uint64_t poll_ms, struct netdiag **out,
                  struct vg_error *err)
{
    int probe = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (probe < 0)
        return vg_error_set(err, -errno, "network: cannot open a sock_diag socket: %s",
                            strerror(errno));
    close(probe);
    struct netdiag *g = calloc(1, sizeof(*g));
    if (!g)
        return vg_error_set(err, -ENOMEM, "network: out of memory");
    g->ns = ns;
    g->poll_ms = poll_ms;
    ns->ctx.sensor = "sock_diag";
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->cond, NULL);
    int rc = pthread_create(&g->thread, NULL, diag_main, g);
    if (rc) {
        pthread_mutex_destroy(&g->lock);
        pthread_cond_destroy(&g->cond);
        free(g);
        return vg_error_set(err, -rc, "network: cannot start the sock_diag thread: %s",
                            strerror(rc));
    }
    *out = g;
    return 0;
}

void netdiag_stop(struct netdiag *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->lock);
    g->stop = true;
    pthread_cond_broadcast(&g->cond);
    pthread_mutex_unlock(&g->lock);
    pthread_join(g->thread, NULL);
    pthread_mutex_destroy(&g->lock);
    pthread_cond_destroy(&g->cond);
    free(g->prev.v);
    free(g->cur.v);
    free(g->fresh.v);
    free(g);
}
