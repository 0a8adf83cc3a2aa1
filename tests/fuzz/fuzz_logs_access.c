/* fuzz_logs_access.c - fuzz target: web access logs (combined and common formats). */
#include "fuzz_logs.h"

static const char *const prefixes[] = {
    "",
    "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"",
    "::1 - bob [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" ",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_logs_pick(prefixes, sizeof(prefixes) / sizeof(prefixes[0]), data, size);
    return 0;
}
