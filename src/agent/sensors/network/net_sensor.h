/* net_sensor.h - the network sensor's parts (internal to src/agent/sensors/network/):
 *
 *   net_module.c  module glue: options, eBPF (the hub's syscall sensor) or sock_diag polling
 *   net_events.c  syscall-sensor records -> network_events (connect, accept, bind, listen,
 *                 dns_query)
 *   net_diag.c    fallback: sock_diag polling of TCP/UDP sockets, new ones reported
 *   net_dns.c     the question of a DNS query payload */
#ifndef VIGIL_NET_SENSOR_H
#define VIGIL_NET_SENSOR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent/module.h"
#include "agent/sensors/hub/sys_sensor.h"
#include "common/error.h"

struct net_state {
    struct pipeline *pipeline;
    struct sx_ctx ctx;
    struct sx_rec rec;
    struct bpfhub *hub;
    _Atomic uint64_t events, failed, malformed;
    atomic_bool ebpf_failed;
    struct netdiag *diag;
    uint64_t poll_ms;
    char mode[32];
};

/* bpfhub_record_fn for SX_CONNECT..SX_DNS. */
void net_on_record(void *ctx, const void *data, size_t size);

/* Text of an address of the given family (2 = AF_INET, 10 = AF_INET6) into out. */
void net_addr_text(unsigned family, const uint8_t addr[16], char *out, size_t outlen);

/* The sock_diag fallback: a thread polling every poll_ms. */
struct netdiag;
int netdiag_start(struct net_state *ns, uint64_t poll_ms, struct netdiag **out,
                  struct vg_error *err);
void netdiag_stop(struct netdiag *d);

#endif
