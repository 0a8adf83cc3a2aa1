/* compress.h - zstd compression of batches. Decompression is bounded: input that would expand
 * beyond max_out bytes (a decompression bomb) is refused. */
#ifndef VIGIL_COMPRESS_H
#define VIGIL_COMPRESS_H

#include <stddef.h>

#include "common/buf.h"
#include "common/error.h"

/* Append the zstd frame of data to out at the given level (1..19; 3 is a good default). */
int compress_zstd(const void *data, size_t len, int level, struct buf *out);
/* Append the decompression of a zstd stream to out; -E2BIG past max_out, -EINVAL on bad data. */
int decompress_zstd(const void *data, size_t len, size_t max_out, struct buf *out,
                    struct vg_error *err);

#endif
