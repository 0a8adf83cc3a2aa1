/* parse_inet_diag.c - the answers of the kernel's sock_diag netlink interface (inet_diag): a
 * buffer of netlink messages, each an inet_diag_msg, read defensively (every length checked
 * against what was received) into socket records with printable addresses. */
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <string.h>

#include "agent/inventory/parsers.h"

int parse_inet_diag(const uint8_t *data, size_t len, int protocol,
                    void (*each)(void *ctx, const struct diag_socket *d), void *ctx, bool *done)
{
    int n = 0;
    size_t off = 0;
    *done = false;
    while (len - off >= sizeof(struct nlmsghdr)) {
        struct nlmsghdr h;
        memcpy(&h, data + off, sizeof(h));
        if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off)
            return -1; /* a message that does not fit what was received */
        if (h.nlmsg_type == NLMSG_DONE) {
            *done = true;
            return n;
        }
        if (h.nlmsg_type == NLMSG_ERROR) {
            *done = true;
            int err = 0;
            if (h.nlmsg_len >= sizeof(h) + sizeof(int))
                memcpy(&err, data + off + sizeof(h), sizeof(int));
            return err ? (err < 0 ? err : -err) : n;
        }
        if (h.nlmsg_len >= sizeof(h) + sizeof(struct inet_diag_msg)) {
            struct inet_diag_msg m;
            memcpy(&m, data + off + sizeof(h), sizeof(m));
            struct diag_socket d;
            memset(&d, 0, sizeof(d));
            int fam = m.idiag_family;
            if (fam == AF_INET || fam == AF_INET6) {
                d.family = fam == AF_INET ? "ipv4" : "ipv6";
                d.protocol = protocol;
                d.state = m.idiag_state;
                inet_ntop(fam, m.id.idiag_src, d.src, sizeof(d.src));
                inet_ntop(fam, m.id.idiag_dst, d.dst, sizeof(d.dst));
                d.sport = ntohs(m.id.idiag_sport);
                d.dport = ntohs(m.id.idiag_dport);
                d.uid = m.idiag_uid;
                d.inode = m.idiag_inode;
                each(ctx, &d);
                n++;
            }
        }
        size_t step = NLMSG_ALIGN(h.nlmsg_len);
        if (step > len - off)
            break;
        off += step;
    }
    return n;
}
