/* compress.c - zstd wrappers (compress.h). Decompression streams so that the declared content
 * size of a hostile frame is never trusted. */
#include "common/compress.h"

#include <errno.h>
#include <zstd.h>

int compress_zstd(const void *data, size_t len, int level, struct buf *out)
{
    size_t bound = ZSTD_compressBound(len);
    int rc = buf_reserve(out, bound);
    if (rc)
        return rc;
    size_t n = ZSTD_compress(out->data + out->len, bound, data, len, level);
    if (ZSTD_isError(n))
        return -EIO;
    out->len += n;
    return 0;
}

int decompress_zstd(const void *data, size_t len, size_t max_out, struct buf *out,
                    struct vg_error *err)
{
    ZSTD_DStream *ds = ZSTD_createDStream();
    if (!ds)
        return vg_error_set(err, -ENOMEM, "out of memory");
    size_t start = out->len;
    ZSTD_inBuffer in = {data, len, 0};
    int rc = 0;
    size_t ret = 1;
    while (in.pos < in.size || ret != 0) {
        if (buf_reserve(out, 64 * 1024)) {
            rc = vg_error_set(err, -ENOMEM, "out of memory");
            break;
        }
        ZSTD_outBuffer ob = {out->data + out->len, out->cap - out->len, 0};
        ret = ZSTD_decompressStream(ds, &ob, &in);
        if (ZSTD_isError(ret)) {
            rc = vg_error_set(err, -EINVAL, "zstd: %s at input byte %zu", ZSTD_getErrorName(ret),
                              in.pos);
            break;
        }
        out->len += ob.pos;
        if (out->len - start > max_out) {
            rc = vg_error_set(err, -E2BIG, "decompressed body exceeds %zu bytes", max_out);
            break;
        }
        if (ob.pos == 0 && in.pos == in.size && ret != 0) {
            rc = vg_error_set(err, -EINVAL, "zstd: truncated frame");
            break;
        }
    }
    ZSTD_freeDStream(ds);
    if (rc)
        out->len = start;
    return rc;
}
