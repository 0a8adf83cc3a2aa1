/* inventory_schema.h - what the agent's inventory and the server's current-state tables share:
 * which event tables are inventory tables, the server table that holds the current rows of each
 * (host_packages for package_changes, ...), and the actions of inventory rows.
 *
 * The columns of a current-state table are those of its event table (schema_inventory.inc)
 * without the change record (changed_fields, previous), plus the host and bookkeeping columns
 * the server adds (store_inventory.c). */
#ifndef VIGIL_INVENTORY_SCHEMA_H
#define VIGIL_INVENTORY_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "common/schema.h"

/* Actions of inventory rows, and of scan summaries (inventory_scans). */
#define INV_ACTION_SNAPSHOT "snapshot"
#define INV_ACTION_ADDED "added"
#define INV_ACTION_REMOVED "removed"
#define INV_ACTION_CHANGED "changed"
#define INV_SCAN_FULL "full"
#define INV_SCAN_INCREMENTAL "incremental"
#define INV_SCAN_FAILED "failed"

struct inventory_table {
    enum table_id table;     /* the event table: history of snapshots and changes */
    const char *state_table; /* the server's table of the current rows of each host */
    bool report_removed;     /* false for append-only sources (login records): rows that leave
                                the source are not reported as removed */
};

/* The inventory tables (not inventory_scans), in id order; *n receives the count. */
const struct inventory_table *inventory_tables(size_t *n);
/* The inventory table entry of an event table, or NULL when it is not one. */
const struct inventory_table *inventory_table_of(enum table_id t);
/* Whether the field is part of a row's content (not its change record: row_key, scan_id,
 * changed_fields, previous). */
bool inventory_is_content_field(enum field_id f);

#endif
