/* net_dns.h - reading the question of a DNS query a process sent (the payload the syscall
 * sensor captured), with glibc's resolver library (ns_initparse, ns_parserr). The payload is
 * untrusted: anything malformed is an error, never a crash. */
#ifndef VIGIL_NET_DNS_H
#define VIGIL_NET_DNS_H

#include <stddef.h>
#include <stdint.h>

/* The first question of a DNS message: its name (without the trailing dot, "." for the root)
 * into name and its type ("A", "AAAA", ..., or "TYPE<n>") into type. 0, or -EINVAL when msg is
 * not a query with a question. */
int netdns_parse_query(const uint8_t *msg, size_t len, char *name, size_t namelen, char *type,
                       size_t typelen);

#endif
