/* sys_decode.c - validating and decoding the syscall sensor's records (sys_event.h). Nothing
 * from the ring buffer is trusted: the type must be one of the syscall sensor's, the record at
 * least its fixed part, each string within its bound and the strings' lengths must add up to
 * the record's size; the short name is bounded by its array. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "agent/sensors/hub/sys_sensor.h"

int sx_decode(const struct host_info *host, const void *data, size_t size, struct sx_rec *out)
{
    struct sx_event e; /* the fixed part */
    const size_t fixed = offsetof(struct sx_event, data);
    if (size < fixed || size > sizeof(struct sx_event))
        return -EINVAL;
    memcpy(&e, data, fixed);
    if (e.h.size != size || e.h.type < SX_SETID || e.h.type >= SX_NTYPES || e.h.pid == 0 ||
        e.h.pid > INT32_MAX || e.h.ppid > INT32_MAX)
        return -EINVAL;
    if (e.len[0] > SX_STR_MAX || e.len[1] > SX_STR_MAX ||
        (size_t)e.len[0] + e.len[1] != size - fixed)
        return -EINVAL;
    pe_decode_header(host, &e.h, &out->p);
    out->type = e.h.type;
    out->flags = e.h.flags;
    out->ret = e.ret;
    out->nr = e.nr;
    memcpy(out->v, e.v, sizeof(out->v));
    memcpy(out->addr, e.addr, sizeof(out->addr));
    size_t n = strnlen(e.aux, sizeof(e.aux) - 1);
    memcpy(out->aux, e.aux, n);
    out->aux[n] = '\0';
    const char *blob = (const char *)data + fixed;
    out->s[0] = blob;
    out->len[0] = e.len[0];
    out->s[1] = blob + e.len[0];
    out->len[1] = e.len[1];
    out->cut[0] = (e.h.flags & SX_F_S0_TRUNCATED) != 0;
    out->cut[1] = (e.h.flags & SX_F_S1_TRUNCATED) != 0;
    return 0;
}
