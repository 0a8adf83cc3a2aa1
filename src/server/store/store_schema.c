/* store_schema.c - the list of each server area's own tables (beyond the state tables of
 * store_sqlite.c and the event tables generated from the schema). Adding an area's tables:
 * define its DDL string (or a function generating it) in its store_<area>.c and add one line
 * here. */
#include <stddef.h>

#include "server/store/store_internal.h"

extern const char store_tasks_ddl[];
extern int store_inventory_ddl(struct buf *out);

const char *const store_area_ddl[] = {
    store_tasks_ddl,
    NULL,
};

int (*const store_area_ddl_gen[])(struct buf *out) = {
    store_inventory_ddl,
    NULL,
};
