/* inventory_snapshot.c - the rows of a table as last sent to the server, one file per table in
 * state_dir/inventory/<table>.snap, so that the next scan sends only what changed, across agent
 * restarts.
 *
 * Format: zstd( "VGINVS1\0" | table | count | count x (key len, key, record len, record) |
 * first 8 bytes of the SHA-256 of everything before ), integers as LEB128 varints, records in
 * the event codec's encoding (codec.h). Keys are strictly increasing. The file is replaced
 * atomically; a damaged or foreign file is refused as a whole (the caller then sends a full
 * snapshot, which loses nothing). Full rows rather than hashes are kept so that a change can
 * say what the previous values were, and a removal can say what was removed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/inventory/inventory_internal.h"
#include "common/codec.h"
#include "common/compress.h"
#include "common/util.h"

#define SNAP_MAGIC "VGINVS1"
#define SNAP_MAGIC_LEN 8
#define SNAP_MAX_PLAIN (1024u << 20)
#define SNAP_MAX_ROWS 10000000u

int inv_snapshot_encode(enum table_id table, const struct inv_row_entry *rows, size_t n,
                        struct buf *out)
{
    struct buf plain = {0};
    int rc = buf_append(&plain, SNAP_MAGIC, SNAP_MAGIC_LEN);
    rc = rc ? rc : buf_put_varint(&plain, (uint64_t)table);
    rc = rc ? rc : buf_put_varint(&plain, n);
    struct buf rec = {0};
    for (size_t i = 0; i < n && !rc; i++) {
        size_t kl = strlen(rows[i].key);
        buf_reset(&rec);
        rc = buf_put_varint(&plain, kl);
        rc = rc ? rc : buf_append(&plain, rows[i].key, kl);
        rc = rc ? rc : codec_encode(rows[i].ev, &rec);
        rc = rc ? rc : buf_put_varint(&plain, rec.len);
        rc = rc ? rc : buf_append(&plain, rec.data, rec.len);
    }
    buf_free(&rec);
    if (!rc) {
        uint8_t digest[32];
        sha256_raw(plain.data, plain.len, digest);
        rc = buf_append(&plain, digest, 8);
    }
    if (!rc)
        rc = compress_zstd(plain.data, plain.len, 3, out);
    buf_free(&plain);
    return rc;
}

int inv_snapshot_decode(const uint8_t *data, size_t len, enum table_id table,
                        struct inv_row_entry **rows_out, size_t *n_out, struct vg_error *err)
{
    struct buf plain = {0};
    struct inv_row_entry *rows = NULL;
    size_t n = 0, pos = SNAP_MAGIC_LEN;
    uint64_t tbl = 0, count = 0;
    *rows_out = NULL;
    *n_out = 0;
    int rc = decompress_zstd(data, len, SNAP_MAX_PLAIN, &plain, err);
    if (rc)
        goto cleanup;
    if (plain.len < SNAP_MAGIC_LEN + 8 || memcmp(plain.data, SNAP_MAGIC, SNAP_MAGIC_LEN) != 0) {
        rc = vg_error_set(err, -EINVAL, "not an inventory snapshot (bad magic)");
        goto cleanup;
    }
    uint8_t digest[32];
    size_t body = plain.len - 8;
    sha256_raw(plain.data, body, digest);
    if (memcmp(digest, plain.data + body, 8) != 0) {
        rc = vg_error_set(err, -EINVAL, "checksum mismatch (the file is damaged)");
        goto cleanup;
    }
    if (codec_read_varint(plain.data, body, &pos, &tbl) || codec_read_varint(plain.data, body, &pos, &count)) {
        rc = vg_error_set(err, -EINVAL, "truncated header");
        goto cleanup;
    }
    if (tbl != (uint64_t)table) {
        rc = vg_error_set(err, -EINVAL, "snapshot of table %llu, not %u", (unsigned long long)tbl,
                          table);
        goto cleanup;
    }
    if (count > SNAP_MAX_ROWS || count > body) {
        rc = vg_error_set(err, -EINVAL, "row count %llu out of range", (unsigned long long)count);
        goto cleanup;
    }
    rows = calloc(count ? count : 1, sizeof(*rows));
    if (!rows) {
        rc = vg_error_set(err, -ENOMEM, "out of memory");
        goto cleanup;
    }
    for (; n < count; n++) {
        uint64_t kl, rl;
        if (codec_read_varint(plain.data, body, &pos, &kl) || kl > 65536 || kl > body - pos) {
            rc = vg_error_set(err, -EINVAL, "row %zu: bad key length at byte %zu", n, pos);
            goto cleanup;
        }
        const char *k = (const char *)plain.data + pos;
        if (memchr(k, '\0', kl)) {
            rc = vg_error_set(err, -EINVAL, "row %zu: NUL in key", n);
            goto cleanup;
        }
        pos += kl;
        if (codec_read_varint(plain.data, body, &pos, &rl) || rl > body - pos) {
            rc = vg_error_set(err, -EINVAL, "row %zu: bad record length at byte %zu", n, pos);
            goto cleanup;
        }
        rows[n].key = strndup(k, kl);
        rows[n].ev = event_new((enum table_id)table, "");
        if (!rows[n].key || !rows[n].ev) {
            n++;
            rc = vg_error_set(err, -ENOMEM, "out of memory");
            goto cleanup;
        }
        struct vg_error derr = {{0}};
        if (codec_decode(plain.data + pos, rl, rows[n].ev, &derr)) {
            n++;
            rc = vg_error_set(err, -EINVAL, "row %zu: %s", n - 1, derr.msg);
            goto cleanup;
        }
        if (rows[n].ev->table != (uint16_t)table) {
            n++;
            rc = vg_error_set(err, -EINVAL, "row %zu: record of another table", n - 1);
            goto cleanup;
        }
        if (n && strcmp(rows[n - 1].key, rows[n].key) >= 0) {
            n++;
            rc = vg_error_set(err, -EINVAL, "row %zu: keys out of order", n - 1);
            goto cleanup;
        }
        pos += rl;
    }
    if (pos != body) {
        rc = vg_error_set(err, -EINVAL, "%zu bytes after the last row", body - pos);
        goto cleanup;
    }
    *rows_out = rows;
    *n_out = n;
    rows = NULL;
    n = 0;
cleanup:
    inv_rows_free(rows, n);
    buf_free(&plain);
    return rc;
}

int inv_snapshot_load(const char *path, enum table_id table, struct inv_row_entry **rows,
                      size_t *n, struct vg_error *err)
{
    struct buf b = {0};
    *rows = NULL;
    *n = 0;
    int rc = file_read_all(path, &b, SNAP_MAX_PLAIN);
    if (rc == -ENOENT) {
        buf_free(&b);
        return -ENOENT;
    }
    if (rc)
        rc = vg_error_set(err, rc, "%s: %s", path, strerror(-rc));
    else if ((rc = inv_snapshot_decode(b.data, b.len, table, rows, n, err)))
        vg_error_prefix(err, rc, "%s: ", path);
    buf_free(&b);
    return rc;
}

int inv_snapshot_save(const char *path, enum table_id table, const struct inv_row_entry *rows,
                      size_t n, struct vg_error *err)
{
    struct buf b = {0};
    int rc = inv_snapshot_encode(table, rows, n, &b);
    if (rc)
        rc = vg_error_set(err, rc, "%s: cannot encode the snapshot", path);
    else if ((rc = file_write_replace(path, b.data, b.len, 0600, true)))
        rc = vg_error_set(err, rc, "%s: %s", path, strerror(-rc));
    buf_free(&b);
    return rc;
}
