/* logs_files.h - the file inputs of the log collector: files named by paths and globs
 * (new files picked up through inotify and a periodic scan), followed by inode across
 * rotation by rename (the old file is read to its end first) and copytruncate (the rest of
 * the old content is read from the copy, found by the fingerprint of its head), symlinks
 * followed, compressed rotated files ignored; records are lines or multiline records (a
 * start pattern, PCRE2), cut at max_line with the cut counted.
 *
 * Records are handed to an emit callback that may refuse one (-EAGAIN: rate limit, queue
 * full): the input then holds it and offers it again later, so the position never moves past
 * a record that is not in the pipeline. Positions are kept in the checkpoint (logs_ckpt.h). */
#ifndef VIGIL_AGENT_LOGS_FILES_H
#define VIGIL_AGENT_LOGS_FILES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/logs/logs_ckpt.h"
#include "common/config.h"
#include "common/error.h"

struct logs_files_options {
    const struct config_list *paths;     /* paths and globs */
    const struct config_list *exclude;   /* globs of file names never read */
    const struct config_list *multiline; /* "GLOB=REGEX": records of matching files start with REGEX */
    uint64_t max_line;                   /* bytes of a record kept; the rest is cut and counted */
    bool read_from_head;                 /* first run: read files that exist from their start */
    uint64_t rotate_wait_ms;             /* a rotated file is read this long after its last growth */
    uint64_t multiline_flush_ms;         /* a multiline record is complete after this long idle */
    double rate_limit;                   /* records/s per file, 0 = no limit */
};

/* A record ready to be emitted. */
struct logs_file_record {
    const char *text;   /* NUL-terminated */
    size_t len;         /* kept bytes (<= max_line) */
    uint64_t total;     /* bytes as written (len + cut) */
    uint64_t start, end;/* offsets of its first byte and after its newline */
    const char *log_file; /* the configured path or the glob's match */
    ino_t ino;
    int slot;           /* checkpoint source */
};

/* Return 0 when the record was taken, -EAGAIN to hold it (offered again later). */
typedef int (*logs_emit_fn)(void *ctx, const struct logs_file_record *rec);

struct logs_files;

struct logs_files_stats {
    uint64_t files, records, bytes, cut_records, cut_bytes, rotations, truncations,
        held, lost_rotated;
};

int logs_files_new(const struct logs_files_options *opt, struct logs_ckpt *ck, logs_emit_fn emit,
                   void *ctx, struct logs_files **out, struct vg_error *err);
void logs_files_free(struct logs_files *lf);
/* Look for new, rotated, truncated and deleted files. */
void logs_files_scan(struct logs_files *lf);
/* Read and emit up to max records per file; returns how many were emitted in all. */
size_t logs_files_pump(struct logs_files *lf, size_t max);
/* The inotify descriptor to poll (or -1), and what to do when it is readable: returns true
 * when files appeared or moved (scan now). */
int logs_files_fd(const struct logs_files *lf);
bool logs_files_drain_events(struct logs_files *lf);
/* Milliseconds until something times out (a multiline record, a rotated file's wait, a rate
 * limit), or -1. */
int logs_files_timeout_ms(const struct logs_files *lf);
void logs_files_get_stats(struct logs_files *lf, struct logs_files_stats *st);

#endif
