/* transport.h - moving spooled events to the server. One thread: enroll when the agent has no
 * identity yet, then read batches from the spool, compress them (zstd), POST them over mutual
 * TLS and acknowledge them in the spool only when the server has answered 200 (after its
 * commit). Failures are retried with capped exponential backoff; nothing is dropped because the
 * server is unreachable, refuses us, or is slow. */
#ifndef VIGIL_AGENT_TRANSPORT_H
#define VIGIL_AGENT_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

struct agent_config;
struct host_info;
struct spool;
struct transport;

struct transport_stats {
    uint64_t batches;      /* batches acknowledged */
    uint64_t events;       /* events acknowledged */
    uint64_t failures;     /* failed attempts */
    uint64_t dropped;      /* events the server could never accept (malformed batch) */
    bool enrolled;
    bool connected;        /* the last attempt succeeded */
    char agent_id[64];
    char last_error[512];
};

int transport_start(const struct agent_config *cfg, const struct host_info *host,
                    struct spool *sp, struct transport **out, struct vg_error *err);
/* Try for at most drain_ms to send what is spooled, then stop the thread. NULL-safe. */
void transport_stop(struct transport *t, unsigned drain_ms);
void transport_get_stats(struct transport *t, struct transport_stats *st);

#endif
