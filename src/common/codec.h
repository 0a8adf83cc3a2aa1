/* codec.h - the binary encoding of events (spool records and wire batches).
 *
 * Record (all integers LEB128 varints unless noted):
 *   u8 version=1 | table | seq | time_ns | boot_id (len, bytes) | action (len, bytes) |
 *   nfields | nfields x (field id | u8 type | value)
 *   value: INT = zigzag varint; TEXT = len, bytes (not NUL-terminated on the wire)
 *
 * Batch (what an agent POSTs, zstd-compressed by the transport):
 *   "VGB1" | agent_id (len, bytes) | hostname (len, bytes) | count | count x (len, record)
 *
 * Decoding is defensive: every length is checked against what remains, strings are bounded,
 * unknown field ids are skipped (a newer agent talking to an older server), unknown types are
 * an error. Errors name the byte offset and what was wrong. */
#ifndef VIGIL_CODEC_H
#define VIGIL_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/event.h"

#define CODEC_RECORD_VERSION 1
#define BATCH_MAGIC "VGB1"
#define BATCH_MAX_RECORDS 100000

/* Append the encoding of ev to out. 0 or -ENOMEM. */
int codec_encode(const struct event *ev, struct buf *out);

/* Decode one record of exactly len bytes into ev (which is reset first). On failure returns
 * -EINVAL (or -E2BIG) and describes the problem in err. ev may be reused across calls. */
int codec_decode(const uint8_t *data, size_t len, struct event *ev, struct vg_error *err);

struct batch_header {
    char agent_id[64];
    char hostname[256];
    uint64_t count;
};

/* Start a batch in out with the header fields; the count is patched in by batch_finish. */
int batch_begin(struct buf *out, const char *agent_id, const char *hostname);
/* Append one already-encoded record. */
int batch_add(struct buf *out, const uint8_t *rec, size_t len);
/* Fix up the record count. The batch layout stores the count as a fixed 5-byte varint so that
 * it can be patched in place. */
int batch_finish(struct buf *out, uint64_t count);

/* Cursor over a decoded batch. */
struct batch_reader {
    const uint8_t *data;
    size_t len, pos;
    uint64_t remaining;
};

/* Parse the header; positions the reader at the first record. */
int batch_open(struct batch_reader *r, const uint8_t *data, size_t len, struct batch_header *h,
               struct vg_error *err);
/* Next record's bytes: returns 1 and sets rec and rec_len, 0 at the end, negative on error (a
 * truncated batch, or trailing bytes after the last record). */
int batch_next(struct batch_reader *r, const uint8_t **rec, size_t *rec_len,
               struct vg_error *err);

/* Low-level helpers shared with the spool. */
int codec_read_varint(const uint8_t *data, size_t len, size_t *pos, uint64_t *out);

#endif
