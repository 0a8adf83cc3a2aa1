/* net_dns.c - the question of a DNS query (net_dns.h), parsed by libresolv. */
#include "agent/sensors/network/net_dns.h"

#include <arpa/nameser.h>
#include <errno.h>
#include <resolv.h>
#include <stdio.h>
#include <string.h>

static const char *type_name(unsigned t)
{
    switch (t) {
    case ns_t_a: return "A";
    case ns_t_ns: return "NS";
    case ns_t_cname: return "CNAME";
    case ns_t_soa: return "SOA";
    case ns_t_ptr: return "PTR";
    case ns_t_mx: return "MX";
    case ns_t_txt: return "TXT";
    case ns_t_aaaa: return "AAAA";
    case ns_t_srv: return "SRV";
    case ns_t_naptr: return "NAPTR";
    case ns_t_any: return "ANY";
    case 64: return "SVCB";
    case 65: return "HTTPS";
    case ns_t_caa: return "CAA";
    default: return NULL;
    }
}

int netdns_parse_query(const uint8_t *msg, size_t len, char *name, size_t namelen, char *type,
                       size_t typelen)
{
    ns_msg handle;
    ns_rr rr;
    if (!msg || namelen < 2 || typelen < 8 || len < NS_HFIXEDSZ || len > 65535)
        return -EINVAL;
    if (ns_initparse(msg, (int)len, &handle) < 0)
        return -EINVAL;
    if (ns_msg_getflag(handle, ns_f_qr) != 0 || ns_msg_count(handle, ns_s_qd) < 1)
        return -EINVAL; /* a response, or no question */
    if (ns_parserr(&handle, ns_s_qd, 0, &rr) < 0)
        return -EINVAL;
    const char *n = ns_rr_name(rr);
    size_t nl = strnlen(n, NS_MAXDNAME);
    if (nl == 0 || nl >= namelen)
        return -EINVAL;
    memcpy(name, n, nl + 1);
    const char *t = type_name(ns_rr_type(rr));
    if (t)
        snprintf(type, typelen, "%s", t);
    else
        snprintf(type, typelen, "TYPE%u", (unsigned)ns_rr_type(rr));
    return 0;
}
