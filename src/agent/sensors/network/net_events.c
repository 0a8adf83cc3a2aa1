/* net_events.c - from syscall-sensor records of the network family to network_events rows:
 * endpoints as text, protocol and family names, direction, and the question of DNS queries. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "agent/pipeline.h"
#include "agent/sensors/network/net_dns.h"
#include "agent/sensors/network/net_sensor.h"

void net_addr_text(unsigned family, const uint8_t addr[16], char *out, size_t outlen)
{
    out[0] = '\0';
    if (family == AF_INET)
        inet_ntop(AF_INET, addr, out, (socklen_t)outlen);
    else if (family == AF_INET6)
        inet_ntop(AF_INET6, addr, out, (socklen_t)outlen);
}

static const char *protocol_name(uint64_t proto, uint64_t sock_type)
{
    if (proto == IPPROTO_TCP)
        return "tcp";
    if (proto == IPPROTO_UDP)
        return "udp";
    if (sock_type == SOCK_STREAM)
        return "tcp";
    if (sock_type == SOCK_DGRAM)
        return "udp";
    return NULL;
}

void net_on_record(void *ctx, const void *data, size_t size)
{
    struct net_state *ns = ctx;
    struct sx_rec *r = &ns->rec;
    if (sx_decode(ns->ctx.host, data, size, r) != 0 || r->type < SX_CONNECT ||
        r->type > SX_DNS) {
        atomic_fetch_add(&ns->malformed, 1);
        return;
    }
    char dns_name[1025] = "", dns_type[16] = "";
    if (r->type == SX_DNS && netdns_parse_query((const uint8_t *)r->s[0], r->len[0], dns_name,
                                                sizeof(dns_name), dns_type,
                                                sizeof(dns_type)) != 0)
        return; /* not a DNS query after all (something else sent to port 53) */
    static const char *const actions[] = {"connect", "accept", "bind", "listen", "dns_query"};
    struct event *ev = sx_event_new(&ns->ctx, r, TBL_NETWORK_EVENTS,
                                    actions[r->type - SX_CONNECT], r->type != SX_DNS);
    if (!ev) {
        atomic_fetch_add(&ns->failed, 1);
        return;
    }
    unsigned family = (unsigned)r->v[0];
    char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
    net_addr_text(family, r->addr[0], src, sizeof(src));
    net_addr_text(family, r->addr[1], dst, sizeof(dst));
    const char *proto = protocol_name(r->v[1], r->v[4]);
    int rc = 0;
    if (proto)
        rc = event_add_str(ev, FLD_PROTOCOL, proto);
    rc = rc ? rc : event_add_str(ev, FLD_FAMILY, family == AF_INET6 ? "ipv6" : "ipv4");
    /* src is the side that opened the connection: for an accept, the remote client */
    bool accept = r->type == SX_ACCEPT;
    const char *opener = accept ? dst : src, *answerer = accept ? src : dst;
    int64_t opener_port = (int64_t)r->v[accept ? 3 : 2], answerer_port = (int64_t)r->v[accept ? 2 : 3];
    if (!rc && opener[0])
        rc = event_add_str(ev, FLD_SRC_IP, opener);
    rc = rc ? rc : event_add_int(ev, FLD_SRC_PORT, opener_port);
    bool remote = r->type == SX_CONNECT || accept || r->type == SX_DNS;
    if (!rc && remote && answerer[0])
        rc = event_add_str(ev, FLD_DST_IP, answerer);
    if (!rc && remote)
        rc = event_add_int(ev, FLD_DST_PORT, answerer_port);
    if (!rc && r->type != SX_BIND && r->type != SX_LISTEN)
        rc = event_add_str(ev, FLD_DIRECTION, r->type == SX_ACCEPT ? "inbound" : "outbound");
    if (!rc && r->type == SX_DNS) {
        rc = event_add_str(ev, FLD_DNS_QUERY, dns_name);
        rc = rc ? rc : event_add_str(ev, FLD_DNS_TYPE, dns_type);
        const char *sc = sx_syscall_name(r->nr);
        if (!rc && sc)
            rc = event_add_str(ev, FLD_SYSCALL, sc);
    }
    sx_submit(ns->pipeline, ev, rc, &ns->events, &ns->failed);
}
