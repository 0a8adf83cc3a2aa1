/* fuzz_logs_cron.c - fuzz target: cron's records. */
#include "fuzz_logs.h"

static const char *const prefixes[] = {
    "Nov 22 10:00:01 h CRON[9]: ",
    "Nov 22 10:00:01 h crond[9]: (",
    "",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_logs_pick(prefixes, sizeof(prefixes) / sizeof(prefixes[0]), data, size);
    return 0;
}
