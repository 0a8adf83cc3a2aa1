/* sockdiag.c - sock_diag dumps and socket owners (sockdiag.h). */
#include "agent/inventory/sockdiag.h"

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

#include "agent/inventory/inventory.h"

#define DIAG_BUF (64u << 10)

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
int sockdiag_dump(int fd, int family, int protocol, uint32_t states, struct sock_list *out)
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

static int by_inode(const void *a, const void *b)
{
    uint64_t x = ((const struct sock_owner *)a)->inode, y = ((const struct sock_owner *)b)->inode;
    if (x != y)
        return x < y ? -1 : 1;
    int32_t p = ((const struct sock_owner *)a)->pid, q = ((const struct sock_owner *)b)->pid;
    return p < q ? -1 : p > q;
}

/* Socket inode -> pid for every fd of every process, sorted by inode then pid. */
struct sock_owner *sockdiag_owners(size_t *count)
{
    struct sock_owner *v = NULL;
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
                struct sock_owner *nv = realloc(v, nc * sizeof(*nv));
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

int32_t sockdiag_owner_of(const struct sock_owner *o, size_t n, uint64_t inode)
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

int sockdiag_listening(struct sock_list *out)
{
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0)
        return -errno;
    int rc = 0;
    static const int families[] = {AF_INET, AF_INET6};
    for (int f = 0; f < 2 && !rc; f++)
        if (!(rc = sockdiag_dump(fd, families[f], IPPROTO_TCP, 1u << TCP_LISTEN, out)))
            rc = sockdiag_dump(fd, families[f], IPPROTO_UDP, 1u << TCP_CLOSE, out);
    close(fd);
    return rc ? rc : out->oom ? -ENOMEM : 0;
}
