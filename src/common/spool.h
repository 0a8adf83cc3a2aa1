/* spool.h - the agent's on-disk spool: every event is written here before it is sent, and leaves
 * only when the server has acknowledged it. The server can be down for hours and the agent can be
 * killed at any moment without losing what reached the spool.
 *
 * Layout: a directory of segment files named by the sequence number of their first record
 * ("00000000000000001234.seg"), each a 16-byte header ("VGSPOOL1" + first seq) followed by
 * records framed as  u32 len | u32 crc32(seq, payload) | u64 seq | payload  (little endian),
 * and a small "ack" file holding the highest acknowledged sequence number.
 *
 * Sequence numbers are assigned by the spool, contiguously, so a segment's record count is the
 * next segment's first seq minus its own. After a crash only the last segment is scanned: a torn
 * record at its end is cut off. The total size is bounded; past the bound the oldest segment is
 * dropped and its unacknowledged records are counted in `dropped` (never silent).
 *
 * Threading: one writer thread (spool_next_seq/spool_append/spool_commit) and one reader thread
 * (spool_read/spool_ack) may work concurrently; everything else is called before/after them. */
#ifndef VIGIL_SPOOL_H
#define VIGIL_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"

struct spool;

struct spool_options {
    uint64_t segment_bytes;      /* rotate segments past this size (default 8 MiB) */
    uint64_t max_bytes;          /* total bound (default 1 GiB) */
    unsigned fsync_interval_ms;  /* fdatasync at most this often; 0 = after every commit */
};

struct spool_stats {
    uint64_t next_seq;     /* the seq the next appended record will get */
    uint64_t acked_seq;    /* everything <= this is acknowledged */
    uint64_t pending;      /* records appended but not acknowledged */
    uint64_t bytes;        /* bytes in segment files */
    uint64_t segments;
    uint64_t dropped;      /* records dropped past the size bound since open */
    uint64_t corrupt;      /* records found corrupt by the reader since open (skipped, counted) */
    uint64_t truncated_at_open; /* bytes of a torn tail cut off when the spool was opened */
};

/* Open (creating if needed) the spool in dir. On failure returns a negative errno and err says
 * which file and what was wrong. */
int spool_open(const char *dir, const struct spool_options *opt, struct spool **out,
               struct vg_error *err);
/* Commit what is buffered, and close. NULL-safe. */
void spool_close(struct spool *sp);

/* Writer: the sequence number the next spool_append will assign (to encode into the record). */
uint64_t spool_next_seq(struct spool *sp);
/* Writer: buffer one record; its seq must be spool_next_seq(). Records become visible to the
 * reader and safe from a process crash at spool_commit. */
int spool_append(struct spool *sp, uint64_t seq, const void *payload, size_t len);
/* Writer: write buffered records to the segment file, rotate, enforce the size bound, wake the
 * reader. Returns 0 or -errno (the records stay buffered and are retried). */
int spool_commit(struct spool *sp);

/* Reader: one record handed out by spool_read. */
struct spool_record {
    uint64_t seq;
    const uint8_t *data;
    size_t len;
};
struct spool_batch {
    struct buf mem;                 /* backing storage of the records */
    struct spool_record *records;
    size_t count, cap;
    uint64_t first_seq, last_seq;
};
/* Reader: read up to max_records / about max_bytes unacknowledged records that follow the
 * previous read (or the ack point, at open), waiting up to timeout_ms for some to arrive.
 * Returns the count (0 on timeout). The batch is reused across calls. */
int spool_read(struct spool *sp, struct spool_batch *b, size_t max_records, size_t max_bytes,
               int timeout_ms);
/* Reader: records up to and including seq are acknowledged: persisted to the ack file,
 * fully-acknowledged segments are deleted. */
int spool_ack(struct spool *sp, uint64_t seq);
/* Reader: forget the read position so the next spool_read starts right after the ack point
 * (after a failed send whose batch was discarded). */
void spool_rewind(struct spool *sp);
void spool_batch_free(struct spool_batch *b);

void spool_get_stats(struct spool *sp, struct spool_stats *st);
/* Wake a reader blocked in spool_read (shutdown). */
void spool_wakeup(struct spool *sp);

#endif
