/* fuzz_inv_host.c - fuzz target: the host description parsers (os-release, cpuinfo, meminfo,
 * resolv.conf, the kernel's route tables, /proc/modules). */
#include <stdint.h>

#include "agent/inventory/parsers.h"
#include "fuzz_inv_common.h"

static void route(void *ctx, const struct route_entry *r)
{
    (void)ctx;
    fuzz_touch(r->destination);
    fuzz_touch(r->gateway);
    fuzz_touch(r->interface);
}

static void module(void *ctx, const struct kernel_module *m)
{
    (void)ctx;
    fuzz_touch(m->name);
    fuzz_touch(m->used_by);
    fuzz_touch(m->taint);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *t = (const char *)data;
    struct os_release os;
    parse_os_release(t, size, &os);
    struct cpu_info ci;
    parse_cpuinfo(t, size, &ci);
    uint64_t mem, swap;
    parse_meminfo(t, size, &mem, &swap);
    struct buf a = {0}, b = {0};
    parse_resolv_conf(t, size, &a, &b);
    buf_free(&a);
    buf_free(&b);
    parse_proc_route(t, size, route, NULL);
    parse_proc_ipv6_route(t, size, route, NULL);
    parse_proc_modules(t, size, module, NULL);
    return 0;
}
