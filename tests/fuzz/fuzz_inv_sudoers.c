/* fuzz_inv_sudoers.c - fuzz target: the sudoers reader. */
#include <stdint.h>

#include "agent/inventory/parsers.h"
#include "fuzz_inv_common.h"

static void entry(void *ctx, const struct sudo_entry *e)
{
    (void)ctx;
    fuzz_touch(e->rule);
    fuzz_touch(e->principal);
    fuzz_touch(e->hosts);
    fuzz_touch(e->run_as);
    fuzz_touch(e->tags);
    fuzz_touch(e->command);
    fuzz_touch(e->target);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse_sudoers((const char *)data, size, "/etc/sudoers", entry, NULL);
    return 0;
}
