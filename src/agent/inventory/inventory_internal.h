/* inventory_internal.h - what the parts of the inventory engine share: the rows of a scan, the
 * hash cache and the snapshot files. Collectors do not use this; they see inventory.h. */
#ifndef VIGIL_INVENTORY_INTERNAL_H
#define VIGIL_INVENTORY_INTERNAL_H

#include "agent/inventory/inventory.h"

/* One row: its identity and its content (an event whose table is the row's table). */
struct inv_row_entry {
    char *key;
    struct event *ev;
};

struct inv_table_rows {
    enum table_id table;
    struct inv_row_entry *rows;
    size_t n, cap;
    bool full_warned; /* the max_rows warning was given */
};

/* Start a scan of collector c (no rows yet); inv_scan_fini releases what it holds. */
int inv_scan_init(struct inv_scan *s, const struct inv_collector *c,
                  const struct inventory_config *cfg, const struct host_info *host,
                  struct inv_hash_cache *hashes);
void inv_scan_fini(struct inv_scan *s);
/* Sort a table's rows by key and make keys unique (#2, #3, ... for repeats). */
void inv_rows_finish(struct inv_table_rows *t);
void inv_rows_free(struct inv_row_entry *rows, size_t n);

/* The hash cache (inventory_scan.c): inv_hash_cache_sweep drops the entries not used for
 * max_age_ns. */
struct inv_hash_cache *inv_hash_cache_new(void);
void inv_hash_cache_sweep(struct inv_hash_cache *c, uint64_t max_age_ns);
void inv_hash_cache_free(struct inv_hash_cache *c);

/* Snapshot files (inventory_snapshot.c): the rows of a table as last sent, sorted by key.
 * Load: -ENOENT when there is none, -EINVAL (err says why) when it is damaged; either way the
 * caller sends a full snapshot. */
int inv_snapshot_load(const char *path, enum table_id table, struct inv_row_entry **rows,
                      size_t *n, struct vg_error *err);
int inv_snapshot_save(const char *path, enum table_id table, const struct inv_row_entry *rows,
                      size_t n, struct vg_error *err);
/* Encode/decode the same format in memory (for tests and fuzzing). */
int inv_snapshot_encode(enum table_id table, const struct inv_row_entry *rows, size_t n,
                        struct buf *out);
int inv_snapshot_decode(const uint8_t *data, size_t len, enum table_id table,
                        struct inv_row_entry **rows, size_t *n, struct vg_error *err);

/* Compare the content of two rows of one table: 0 when equal; else the number of columns
 * that differ, with their names (comma separated) appended to changed and their previous
 * values (from old) as a JSON object into previous (both may be NULL). -ENOMEM. */
int inv_row_diff(const struct event *old, const struct event *cur, struct buf *changed,
                 struct buf *previous);

#endif
