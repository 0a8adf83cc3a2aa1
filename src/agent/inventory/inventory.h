/* inventory.h - the asset inventory of the agent: collectors that read what is on the host, and
 * the engine that runs them, diffs each table against the previous scan and emits events.
 *
 * A collector (collectors.def lists them) fills a scan with rows: one event per row, of one of
 * its tables, with a key that identifies the row on this host (a package's manager, name and
 * architecture; a user's name). The engine (inventory_engine.c) then compares the rows with
 * the previous scan of each table, kept in the state directory (inventory_snapshot.c), and
 * emits only what changed: `added`, `removed`, `changed` (with the changed columns and their
 * previous values). The first scan of a table, or one asked to be full, sends every row as
 * `snapshot`. Every run ends with one inventory_scans event per table.
 *
 * Collectors read files through inv_read() and inv_path(), which put every path under the
 * configured root (`inventory.root`, "" for the live system), so the same code reads a fixture
 * tree in tests. Everything a collector reads is untrusted: reads are bounded, never block on
 * a FIFO or a device, and parse errors are warnings of the scan, not crashes. */
#ifndef VIGIL_INVENTORY_H
#define VIGIL_INVENTORY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/config.h"
#include "common/error.h"
#include "common/event.h"

struct host_info;

/* ---- configuration (inventory_config.c) ---- */

#define INV_CTYPE_STR char *
#define INV_CTYPE_INT int64_t
#define INV_CTYPE_BOOL bool
#define INV_CTYPE_SIZE uint64_t
#define INV_CTYPE_DURATION uint64_t
#define INV_CTYPE_LIST struct config_list

enum inv_collector_id {
#define COLLECTOR(name, interval, desc) INV_C_##name,
#define COLLECTOR_OPTION(c, o, type, def, desc)
#include "agent/inventory/collectors.def"
#undef COLLECTOR
#undef COLLECTOR_OPTION
    INV_NCOLLECTORS
};

struct inventory_config {
    char *root;              /* read the host's files under this directory ("" = /) */
    uint64_t splay;          /* first scans spread over this long after start (ms) */
    int64_t jitter;          /* percent by which each interval varies at random */
    int64_t max_rows;        /* rows of one table at most (a bound on memory) */
    uint64_t interval[INV_NCOLLECTORS]; /* ms, 0 = collector off */
#define COLLECTOR(name, interval, desc)
#define COLLECTOR_OPTION(c, o, type, def, desc) INV_CTYPE_##type c##_##o;
#include "agent/inventory/collectors.def"
#undef COLLECTOR
#undef COLLECTOR_OPTION
};

/* The module's option table (NULL-terminated). */
extern const struct config_option inventory_options[];

/* ---- collectors ---- */

struct inv_scan;

struct inv_collector {
    const char *name;
    const enum table_id *tables; /* the tables it fills, TBL_NONE-terminated */
    /* Read the host and add rows with inv_row(). Return 0 (problems with single items are
     * warnings: inv_warn), or -errno with err filled when the table cannot be read at all (the
     * engine then keeps the previous scan and reports the failure). */
    int (*collect)(struct inv_scan *s, struct vg_error *err);
};

/* The registry, in collectors.def order (collectors.c). */
extern const struct inv_collector *const inv_collectors[INV_NCOLLECTORS];
/* A collector's index by name, or -1. */
int inv_collector_find(const char *name);

/* ---- what a collector gets (inventory_scan.c) ---- */

/* Cache of file hashes across scans, keyed by (device, inode, size, mtime, ctime). */
struct inv_hash_cache;

struct inv_scan {
    const struct inventory_config *cfg;
    const struct host_info *host;
    const char *root;              /* "" for the live system, else a directory without a
                                      trailing slash */
    struct inv_hash_cache *hashes; /* may be NULL (no caching) */
    const atomic_bool *cancel;     /* set when the agent stops: long walks give up (may be NULL) */
    /* filled by inv_row and inv_warn; read by the engine */
    struct inv_table_rows *tables;
    size_t ntables;
    unsigned warnings;
    char warning[512];             /* the first warning, for the scan summary */
    bool oom;
};

/* A new row of table t (one of the collector's) identified by the key (printf format); the
 * caller adds its fields with inv_str/inv_int. Rows with the same key in one scan are told apart
 * by a suffix (#2, #3, ...). Returns NULL when memory or the table's row bound ran out (the scan
 * records it; the collector may go on, further rows are dropped). */
struct event *inv_row(struct inv_scan *s, enum table_id t, const char *keyfmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Add a text field: valid UTF-8 (invalid bytes become U+FFFD), at most 64 KiB (cut at a
 * character boundary). NULL adds nothing; "" adds an empty value. */
void inv_str(struct event *ev, enum field_id f, const char *s);
void inv_strn(struct event *ev, enum field_id f, const char *s, size_t len);
void inv_int(struct event *ev, enum field_id f, int64_t v);
/* Record a problem with one item (a file that cannot be read, a line that does not parse);
 * logged at debug level, counted, and the first one is kept for the scan summary. */
void inv_warn(struct inv_scan *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* snprintf that says whether everything fit: false (out holds "") when the text was too long,
 * so that a cut path is never used. */
bool inv_fmt(char *out, size_t outlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The path of the host's file abs (absolute) under the scan's root, into out. -ENAMETOOLONG. */
int inv_path(const struct inv_scan *s, const char *abs, char *out, size_t outlen);
/* Read the host's file abs into b (appending, NUL-terminated), at most max bytes: -EFBIG when
 * larger, -EINVAL when it is not a regular file (a FIFO, a device: never blocks), -ENOENT when
 * absent. st receives its status when not NULL. */
int inv_read(const struct inv_scan *s, const char *abs, struct buf *b, size_t max,
             struct stat *st);
/* Same for a path already under the root (from inv_path or a directory walk). */
int inv_read_real(const char *real, struct buf *b, size_t max, struct stat *st);
/* SHA-256 (hex) of the regular file at real (a path under the root), through the scan's cache.
 * Files larger than max are not hashed (-EFBIG). */
int inv_sha256_file(struct inv_scan *s, const char *real, uint64_t max, char out[65]);
/* Iterate over the lines of text: returns the next line (not NUL-terminated) and its length,
 * without the newline, or NULL at the end. *pos starts at 0. */
const char *inv_next_line(const char *text, size_t len, size_t *pos, size_t *linelen);

/* The names of the files of directory abs (under the root), sorted, into *names (caller frees
 * with inv_names_free). Hidden files are skipped when skip_hidden. -errno when it cannot be
 * listed. */
int inv_list_dir(const struct inv_scan *s, const char *abs, bool skip_hidden, char ***names,
                 size_t *n);
void inv_names_free(char **names, size_t n);

/* ---- the engine (inventory_engine.c) ---- */

/* Where the engine sends events (ownership passes): 0, or -ENOBUFS when it was dropped. */
typedef int (*inv_emit_fn)(void *ctx, struct event *ev);

struct inv_engine;

/* What one run of a collector did, per table and in total. */
struct inv_run_result {
    char scan_id[17];
    bool full;          /* rows were sent as a snapshot */
    int status;         /* 0, or the collector's -errno */
    char error[512];    /* why it failed */
    uint64_t rows, added, removed, changed, emitted, dropped;
    uint64_t duration_us, cpu_us;
};

/* An engine for the configuration (which must outlive it); snapshots are kept in
 * state_dir/inventory. */
int inv_engine_new(const struct inventory_config *cfg, const struct host_info *host,
                   const char *state_dir, inv_emit_fn emit, void *emit_ctx,
                   struct inv_engine **out, struct vg_error *err);
/* Run one collector now; full sends every row as a snapshot. Returns 0 (res says what
 * happened, including a collector's failure) or -errno when the engine itself failed. */
int inv_engine_run(struct inv_engine *e, enum inv_collector_id c, bool full,
                   struct inv_run_result *res);
/* Long collectors give up (and the run fails) once *cancel is set. */
void inv_engine_set_cancel(struct inv_engine *e, const atomic_bool *cancel);
void inv_engine_free(struct inv_engine *e);
/* Whether the scan should give up now (the agent is stopping). */
static inline bool inv_cancelled(const struct inv_scan *s)
{
    return s->cancel && atomic_load(s->cancel);
}

#endif
