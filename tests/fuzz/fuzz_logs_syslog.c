/* fuzz_logs_syslog.c - fuzz target: syslog headers (RFC 3164, RFC 5424, RFC 3339 stamps) and the parser registry behind them. */
#include "fuzz_logs.h"

static const char *const prefixes[] = {
    "",
    "<13>",
    "<34>1 ",
    "Nov 22 10:00:01 ",
    "2026-11-22T10:00:01.5+01:00 ",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_logs_pick(prefixes, sizeof(prefixes) / sizeof(prefixes[0]), data, size);
    return 0;
}
