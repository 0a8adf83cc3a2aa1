/* fuzz_inv_system.c - fuzz target: systemd unit files, SysV LSB headers, crontabs and
 * anacrontab. */
#include <stdint.h>

#include "agent/inventory/parsers.h"
#include "fuzz_inv_common.h"

static void assign(void *ctx, const char *s, const char *k, const char *v)
{
    (void)ctx;
    fuzz_touch(s);
    fuzz_touch(k);
    fuzz_touch(v);
}

static void job(void *ctx, const struct cron_entry *e)
{
    (void)ctx;
    fuzz_touch(e->schedule);
    fuzz_touch(e->user);
    fuzz_touch(e->command);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *t = (const char *)data;
    parse_unit_file(t, size, assign, NULL);
    char desc[256];
    parse_lsb_header(t, size, desc, sizeof(desc));
    parse_crontab(t, size, true, job, NULL);
    parse_crontab(t, size, false, job, NULL);
    parse_anacrontab(t, size, job, NULL);
    return 0;
}
