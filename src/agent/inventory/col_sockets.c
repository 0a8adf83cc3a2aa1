/* col_sockets.c - the sockets collector: listening TCP sockets and bound unconnected UDP
 * sockets (listening_port_changes), established TCP connections and connected UDP sockets
 * (connection_changes), from the kernel's sock_diag netlink interface, each with the process
 * that holds it (socket inode -> /proc/PID/fd; the lowest pid when several share it, as a
 * forking server's master usually is). Sockets of the agent's network namespace only; with
 * inventory.root set it reports nothing (sockets are not files). */
#include <dirent.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/host.h"
#include "agent/inventory/inv_users.h"
#include "agent/inventory/parsers.h"
#include "agent/sensors/process/procfs.h"
#include "common/entity.h"
#include "common/util.h"

#define DIAG_BUF (64u << 10)

struct sock_list {
    struct diag_socket *v;
    size_t n, cap;
    bool oom;
};

static void keep(void *ctx, const struct diag_socket *d)
{
    struct sock_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 128;
        struct diag_socket *v = realloc(l->v, cap * sizeof(*v));
        if (!v) {
            l->oom = true;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *d;
}

/* One dump: sockets of family and protocol in the states of the mask. */
static int dump(int fd, int family, int protocol, uint32_t states, struct sock_list *out)
{
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 r;
    } req;
    memset(&req, 0, sizeof(req));
    req.nlh.nlmsg_len = sizeof(req);
    req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.nlh.nlmsg_seq = (uint32_t)(family * 1000 + protocol);
    req.r.sdiag_family = (uint8_t)family;
    req.r.sdiag_protocol = (uint8_t)protocol;
    req.r.idiag_states = states;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
        return -errno;
    uint8_t *buf = malloc(DIAG_BUF);
    if (!buf)
        return -ENOMEM;
    int rc = 0;
    for (bool done = false; !done;) {
        ssize_t r = recv(fd, buf, DIAG_BUF, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = r < 0 ? -errno : -EIO;
            break;
        }
        int n = parse_inet_diag(buf, (size_t)r, protocol, keep, out, &done);
        if (n < 0) {
            rc = n == -1 ? -EPROTO : n;
            break;
        }
    }
    free(buf);
    return rc;
}

struct owner {
    uint64_t inode;
    int32_t pid;
};

static int by_inode(const void *a, const void *b)
{
    uint64_t x = ((const struct owner *)a)->inode, y = ((const struct owner *)b)->inode;
    if (x != y)
        return x < y ? -1 : 1;
    int32_t p = ((const struct owner *)a)->pid, q = ((const struct owner *)b)->pid;
    return p < q ? -1 : p > q;
}

/* Socket inode -> pid for every fd of every process, sorted by inode then pid. */
static struct owner *socket_owners(size_t *count)
{
    struct owner *v = NULL;
    size_t n = 0, cap = 0;
    DIR *proc = opendir("/proc");
    struct dirent *pe;
    while (proc && (pe = readdir(proc))) {
        char *end;
        long pid = strtol(pe->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        char dir[64];
        snprintf(dir, sizeof(dir), "/proc/%ld/fd", pid);
        DIR *fds = opendir(dir);
        struct dirent *fe;
        while (fds && (fe = readdir(fds))) {
            char link[128], target[64];
            if (fe->d_name[0] == '.' || !inv_fmt(link, sizeof(link), "%s/%s", dir, fe->d_name))
                continue;
            ssize_t l = readlink(link, target, sizeof(target) - 1);
            if (l < 9 || strncmp(target, "socket:[", 8) != 0)
                continue;
            target[l] = '\0';
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 256;
                struct owner *nv = realloc(v, nc * sizeof(*nv));
                if (!nv)
                    break;
                v = nv;
                cap = nc;
            }
            v[n].inode = strtoull(target + 8, NULL, 10);
            v[n].pid = (int32_t)pid;
            n++;
        }
        if (fds)
            closedir(fds);
    }
    if (proc)
        closedir(proc);
    if (n)
        qsort(v, n, sizeof(*v), by_inode);
    *count = n;
    return v;
}

static int32_t owner_of(const struct owner *o, size_t n, uint64_t inode)
{
    size_t lo = 0, hi = n;
    while (lo < hi) { /* the first entry of the inode: the lowest pid */
        size_t mid = (lo + hi) / 2;
        if (o[mid].inode < inode)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && o[lo].inode == inode ? o[lo].pid : 0;
}

/* The owning process's context on a row. */
static void add_process(struct inv_scan *s, struct event *ev, int32_t pid,
                        const struct inv_users *users, uint32_t uid)
{
    inv_int(ev, FLD_UID, uid);
    inv_str(ev, FLD_USER, inv_users_name(users, uid));
    if (!pid)
        return;
    struct procfs_proc p;
    memset(&p, 0, sizeof(p));
    if (procfs_read(pid, PROCFS_STAT | PROCFS_EXE, 0, &p) == 0 && (p.have & PROCFS_STAT)) {
        char eid[ENTITY_ID_LEN + 1];
        entity_id_make(s->host->machine_id, s->host->boot_id, pid, p.stat.start_ticks, eid);
        inv_int(ev, FLD_PID, pid);
        inv_str(ev, FLD_ENTITY_ID, eid);
        inv_str(ev, FLD_COMM, p.stat.comm);
        if (p.have & PROCFS_EXE)
            inv_str(ev, FLD_EXE, p.exe);
    }
    procfs_proc_free(&p);
}

static int by_tuple(const void *a, const void *b)
{
    const struct diag_socket *x = a, *y = b;
    int c = x->protocol - y->protocol;
    if (!c)
        c = strcmp(x->src, y->src);
    if (!c)
        c = (int)x->sport - (int)y->sport;
    if (!c)
        c = strcmp(x->dst, y->dst);
    if (!c)
        c = (int)x->dport - (int)y->dport;
    return c;
}

static int sockets_collect(struct inv_scan *s, struct vg_error *err)
{
    if (s->root[0])
        return 0;
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0)
        return vg_error_set(err, -errno, "sock_diag: %s", strerror(errno));
    struct sock_list listen = {0}, conn = {0};
    const uint32_t listen_tcp = 1u << TCP_LISTEN, listen_udp = 1u << TCP_CLOSE,
                   established = 1u << TCP_ESTABLISHED;
    int rc = 0;
    static const int families[] = {AF_INET, AF_INET6};
    for (int f = 0; f < 2 && !rc; f++) {
        if ((rc = dump(fd, families[f], IPPROTO_TCP, listen_tcp, &listen)) ||
            (rc = dump(fd, families[f], IPPROTO_UDP, listen_udp, &listen)) ||
            (rc = dump(fd, families[f], IPPROTO_TCP, established, &conn)) ||
            (rc = dump(fd, families[f], IPPROTO_UDP, established, &conn)))
            break;
    }
    close(fd);
    if (!rc && (listen.oom || conn.oom))
        rc = -ENOMEM;
    if (rc) {
        free(listen.v);
        free(conn.v);
        return vg_error_set(err, rc, "sock_diag: %s", strerror(-rc));
    }
    size_t nowners;
    struct owner *owners = socket_owners(&nowners);
    struct inv_users *users = inv_users_load(s);
    /* sockets bound to the same address and port (SO_REUSEPORT) are one listening port: the
     * one held by the lowest pid stands for them */
    qsort(listen.v, listen.n, sizeof(*listen.v), by_tuple);
    for (size_t i = 0; i < listen.n; i++) {
        const struct diag_socket *d = &listen.v[i];
        int32_t pid = owner_of(owners, nowners, d->inode);
        size_t j = i;
        while (j + 1 < listen.n && !by_tuple(&listen.v[j + 1], d)) {
            int32_t p2 = owner_of(owners, nowners, listen.v[++j].inode);
            if (p2 && (!pid || p2 < pid))
                pid = p2;
        }
        const char *proto = d->protocol == IPPROTO_TCP ? "tcp" : "udp";
        struct event *ev = inv_row(s, TBL_LISTENING_PORT_CHANGES, "%s\t%s\t%u", proto, d->src,
                                   d->sport);
        inv_str(ev, FLD_PROTOCOL, proto);
        inv_str(ev, FLD_FAMILY, d->family);
        inv_str(ev, FLD_SRC_IP, d->src);
        inv_int(ev, FLD_SRC_PORT, d->sport);
        inv_int(ev, FLD_INODE, (int64_t)d->inode);
        add_process(s, ev, pid, users, d->uid);
        i = j;
    }
    for (size_t i = 0; i < conn.n; i++) {
        const struct diag_socket *d = &conn.v[i];
        const char *proto = d->protocol == IPPROTO_TCP ? "tcp" : "udp";
        bool inbound = false;
        for (size_t k = 0; k < listen.n && !inbound; k++)
            inbound = listen.v[k].protocol == d->protocol && listen.v[k].sport == d->sport &&
                      d->protocol == IPPROTO_TCP;
        struct event *ev = inv_row(s, TBL_CONNECTION_CHANGES, "%s\t%s\t%u\t%s\t%u", proto, d->src,
                                   d->sport, d->dst, d->dport);
        inv_str(ev, FLD_PROTOCOL, proto);
        inv_str(ev, FLD_FAMILY, d->family);
        inv_str(ev, FLD_SRC_IP, d->src);
        inv_int(ev, FLD_SRC_PORT, d->sport);
        inv_str(ev, FLD_DST_IP, d->dst);
        inv_int(ev, FLD_DST_PORT, d->dport);
        inv_str(ev, FLD_DIRECTION, inbound ? "inbound" : "outbound");
        add_process(s, ev, owner_of(owners, nowners, d->inode), users, d->uid);
    }
    inv_users_free(users);
    free(owners);
    free(listen.v);
    free(conn.v);
    return 0;
}

static const enum table_id sockets_tables[] = {TBL_LISTENING_PORT_CHANGES, TBL_CONNECTION_CHANGES,
                                               TBL_NONE};

const struct inv_collector inv_collector_sockets = {
    .name = "sockets",
    .tables = sockets_tables,
    .collect = sockets_collect,
};
