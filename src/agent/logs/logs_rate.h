/* logs_rate.h - a token bucket: at most `rate` takes per second, bursts of up to one second's
 * worth (at least one). Used for the per-file rate limit and the collector's total budget. */
#ifndef VIGIL_AGENT_LOGS_RATE_H
#define VIGIL_AGENT_LOGS_RATE_H

#include <stdbool.h>
#include <stdint.h>

struct logs_rate {
    double rate;      /* takes per second; <= 0: no limit */
    double tokens;
    uint64_t refill_ns;
};

/* A full bucket for rate at monotonic time now_ns. */
void logs_rate_init(struct logs_rate *r, double rate, uint64_t now_ns);
/* Take one token at now_ns: false when the bucket is empty (nothing taken). */
bool logs_rate_take(struct logs_rate *r, uint64_t now_ns);
/* Give back a token taken for something that did not happen after all. */
void logs_rate_give_back(struct logs_rate *r);
/* Milliseconds until a token is there again (0 when one is there now or there is no limit). */
int logs_rate_wait_ms(const struct logs_rate *r);

#endif
