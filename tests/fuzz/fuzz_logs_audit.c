/* fuzz_logs_audit.c - fuzz target: audit records (fields, quoting, hex values, nested msg, ENRICHED fields, serial grouping). */
#include "fuzz_logs.h"

static const char *const prefixes[] = {
    "",
    "type=SYSCALL msg=audit(1700000000.123:4242): ",
    "type=EXECVE msg=audit(1700000000.123:4242): ",
    "Nov 22 10:00:01 h kernel: [ 1.0] audit: ",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_logs_pick(prefixes, sizeof(prefixes) / sizeof(prefixes[0]), data, size);
    return 0;
}
