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
#include "agent/inventory/sockdiag.h"
#include "agent/sensors/process/procfs.h"
#include "common/entity.h"
#include "common/util.h"

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
        if ((rc = sockdiag_dump(fd, families[f], IPPROTO_TCP, listen_tcp, &listen)) ||
            (rc = sockdiag_dump(fd, families[f], IPPROTO_UDP, listen_udp, &listen)) ||
            (rc = sockdiag_dump(fd, families[f], IPPROTO_TCP, established, &conn)) ||
            (rc = sockdiag_dump(fd, families[f], IPPROTO_UDP, established, &conn)))
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
    struct sock_owner *owners = sockdiag_owners(&nowners);
    struct inv_users *users = inv_users_load(s);
    /* sockets bound to the same address and port (SO_REUSEPORT) are one listening port: the
     * one held by the lowest pid stands for them */
    qsort(listen.v, listen.n, sizeof(*listen.v), by_tuple);
    for (size_t i = 0; i < listen.n; i++) {
        const struct diag_socket *d = &listen.v[i];
        int32_t pid = sockdiag_owner_of(owners, nowners, d->inode);
        size_t j = i;
        while (j + 1 < listen.n && !by_tuple(&listen.v[j + 1], d)) {
            int32_t p2 = sockdiag_owner_of(owners, nowners, listen.v[++j].inode);
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
        add_process(s, ev, sockdiag_owner_of(owners, nowners, d->inode), users, d->uid);
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
