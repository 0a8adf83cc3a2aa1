/* logs_rate.c - the token bucket of the log collector's flow control (logs_rate.h). */
#include "agent/logs/logs_rate.h"

void logs_rate_init(struct logs_rate *r, double rate, uint64_t now_ns)
{
    r->rate = rate;
    r->tokens = rate > 1 ? rate : 1;
    r->refill_ns = now_ns;
}

bool logs_rate_take(struct logs_rate *r, uint64_t now_ns)
{
    if (r->rate <= 0)
        return true;
    r->tokens += (double)(now_ns - r->refill_ns) * r->rate / 1e9;
    r->refill_ns = now_ns;
    double cap = r->rate > 1 ? r->rate : 1;
    if (r->tokens > cap)
        r->tokens = cap;
    if (r->tokens < 1)
        return false;
    r->tokens -= 1;
    return true;
}

void logs_rate_give_back(struct logs_rate *r)
{
    if (r->rate > 0)
        r->tokens += 1;
}

int logs_rate_wait_ms(const struct logs_rate *r)
{
    if (r->rate <= 0 || r->tokens >= 1)
        return 0;
    return (int)((1 - r->tokens) * 1000.0 / r->rate) + 1;
}
