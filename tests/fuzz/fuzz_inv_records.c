/* fuzz_inv_records.c - fuzz target: binary records the inventory reads: utmp/wtmp/btmp login
 * records and sock_diag netlink answers. */
#include <netinet/in.h>
#include <stdint.h>

#include "agent/inventory/parsers.h"
#include "fuzz_inv_common.h"

static void rec(void *ctx, const struct login_record *r)
{
    (void)ctx;
    fuzz_touch(r->user);
    fuzz_touch(r->tty);
    fuzz_touch(r->host);
}

static void sock(void *ctx, const struct diag_socket *d)
{
    (void)ctx;
    fuzz_touch(d->src);
    fuzz_touch(d->dst);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse_utmp(data, size, rec, NULL);
    bool done;
    parse_inet_diag(data, size, IPPROTO_TCP, sock, NULL, &done);
    return 0;
}
