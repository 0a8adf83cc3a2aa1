/* fuzz_dns.c - fuzz target: the question of a DNS query a process sent (captured by the
 * syscall sensor), parsed with libresolv. */
#include <stdint.h>
#include <string.h>

#include "agent/sensors/network/net_dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char name[1025], type[16];
    if (netdns_parse_query(data, size, name, sizeof(name), type, sizeof(type)) == 0 &&
        strlen(name) >= sizeof(name))
        __builtin_trap();
    return 0;
}
