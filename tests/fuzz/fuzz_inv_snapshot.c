/* fuzz_inv_snapshot.c - fuzz target: the inventory's snapshot files (read back from the state
 * directory, where a crash or a disk may damage them). */
#include <stdint.h>

#include "agent/inventory/inventory_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct inv_row_entry *rows;
    size_t n;
    struct vg_error err;
    if (inv_snapshot_decode(data, size, TBL_PACKAGE_CHANGES, &rows, &n, &err) == 0)
        inv_rows_free(rows, n);
    return 0;
}
