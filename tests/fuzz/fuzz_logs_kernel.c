/* fuzz_logs_kernel.c - fuzz target: kernel messages (dmesg style and through syslog). */
#include "fuzz_logs.h"

static const char *const prefixes[] = {
    "",
    "[",
    "Nov 22 10:00:01 h kernel: ",
    "[ 12.345678] ",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_logs_pick(prefixes, sizeof(prefixes) / sizeof(prefixes[0]), data, size);
    return 0;
}
