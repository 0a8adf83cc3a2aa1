/* fuzz_sysrec.c - fuzz target: validating and decoding a record from the BPF ring buffer (the
 * syscall sensor's and the process sensor's), then normalising its first string as a path. */
#include <stdint.h>
#include <string.h>

#include "agent/host.h"
#include "agent/sensors/file/file_path.h"
#include "agent/sensors/hub/sys_sensor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct host_info host = {.clk_tck = 100};
    static struct sx_rec r;
    static struct pe_decoder d;
    static struct pe_proc p;
    static char out[8192];
    if (sx_decode(&host, data, size, &r) == 0) {
        if (r.len[0] > SX_STR_MAX || r.len[1] > SX_STR_MAX)
            __builtin_trap();
        fpath_normalize(r.s[0], r.len[0], out, sizeof(out));
    }
    pe_decode(&host, data, size, &d, &p);
    return 0;
}
