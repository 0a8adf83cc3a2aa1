/* sockdiag.h - sockets of the agent's network namespace from the kernel's sock_diag netlink
 * interface, and which processes hold them (socket inode -> /proc/PID/fd), for the sockets and
 * applications collectors. */
#ifndef VIGIL_INV_SOCKDIAG_H
#define VIGIL_INV_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/inventory/parsers.h"

struct sock_list {
    struct diag_socket *v;
    size_t n, cap;
    bool oom;
};

/* Append the sockets of family (AF_INET, AF_INET6) and protocol (IPPROTO_TCP, IPPROTO_UDP) in
 * the states of the mask (1 << TCP_LISTEN, ...) to out, through the netlink socket fd
 * (NETLINK_SOCK_DIAG). 0 or -errno. */
int sockdiag_dump(int fd, int family, int protocol, uint32_t states, struct sock_list *out);
/* Every listening TCP and bound unconnected UDP socket, IPv4 and IPv6. 0 or -errno. */
int sockdiag_listening(struct sock_list *out);

struct sock_owner {
    uint64_t inode;
    int32_t pid;
};
/* (socket inode, pid) for every socket fd of every process, sorted by inode then pid; *count
 * receives their number (the array may be NULL when there is none). Caller frees. */
struct sock_owner *sockdiag_owners(size_t *count);
/* The lowest pid holding the socket, 0 when none does. */
int32_t sockdiag_owner_of(const struct sock_owner *o, size_t n, uint64_t inode);

#endif
