/* store_schema.c - the list of each server area's own tables (beyond the state tables of
 * store_sqlite.c and the event tables generated from the schema). Adding an area's tables:
 * define its DDL string (or a function generating it) in its store_<area>.c and add one line
 * here. */
#include <stddef.h>

#include "server/store/store_internal.h"

extern const char store_tasks_ddl[];
extern int store_inventory_ddl(struct buf *out);
extern const char store_logs_ddl[];
extern const char store_baseline_ddl[];
extern const char store_hunts_ddl[];
extern const char store_alerts_ddl[];
extern const char store_incidents_ddl[];
extern const char store_findings_ddl[];
extern const char store_vulns_ddl[];

const char *const store_area_ddl[] = {
    store_tasks_ddl,
    store_logs_ddl,
    store_baseline_ddl,
    store_hunts_ddl,
    store_alerts_ddl,
    store_incidents_ddl,
    store_findings_ddl,
    store_vulns_ddl,
    NULL,
};

int (*const store_area_ddl_gen[])(struct buf *out) = {
    store_inventory_ddl,
    NULL,
};
