/* schema.h - the one schema of Vigil's events: the field dictionary (schema_fields.def) and the
 * tables built from it. The codec, the SQLite and ClickHouse stores, the rule engine's field
 * mapping and docs/schema.md are all derived from here, so a name means one thing everywhere.
 *
 * Every event table also has the common header columns (schema_header_columns). */
#ifndef VIGIL_SCHEMA_H
#define VIGIL_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

enum field_type { FT_TEXT = 1, FT_INT = 2 };

enum field_id {
    FLD_NONE = 0,
#define FIELD(e, id, name, type, desc) e = id,
#include "common/schema_fields.def"
#undef FIELD
    FLD_MAX_ID = 1000 /* above every field id: arrays indexed by field id have this size */
};

/* Table ids are written on the wire: stable, append-only. Ranges: 1-9 foundation,
 * 10-29 telemetry, 30-59 inventory, 60-69 logs, 70-79 detection, 80-89 hunting,
 * 90-99 risk, 100-109 baseline. */
enum table_id {
    TBL_NONE = 0,
    TBL_PROCESS_EVENTS = 1,
    TBL_AGENT_EVENTS = 2,
    TBL_NETWORK_EVENTS = 10,
    TBL_FILE_EVENTS = 11,
    TBL_KERNEL_EVENTS = 12,
    /* 30-59 asset inventory: the scan summaries, then one table per kind of inventory row */
    TBL_INVENTORY_SCANS = 30,
    TBL_HOST_INFO_CHANGES = 31,
    TBL_MOUNT_CHANGES = 32,
    TBL_DISK_CHANGES = 33,
    TBL_INTERFACE_CHANGES = 34,
    TBL_ROUTE_CHANGES = 35,
    TBL_USER_CHANGES = 36,
    TBL_GROUP_CHANGES = 37,
    TBL_SUDOERS_CHANGES = 38,
    TBL_SSH_KEY_CHANGES = 39,
    TBL_LOGIN_HISTORY_CHANGES = 40,
    TBL_SESSION_CHANGES = 41,
    TBL_PACKAGE_CHANGES = 42,
    TBL_LANGUAGE_PACKAGE_CHANGES = 43,
    TBL_PROCESS_CHANGES = 44,
    TBL_LISTENING_PORT_CHANGES = 45,
    TBL_CONNECTION_CHANGES = 46,
    TBL_SERVICE_CHANGES = 47,
    TBL_CRON_JOB_CHANGES = 48,
    TBL_KERNEL_MODULE_CHANGES = 49,
    TBL_SYSCTL_CHANGES = 50,
    TBL_SUID_FILE_CHANGES = 51,
    TBL_STARTUP_FILE_CHANGES = 52,
    TBL_APPLICATION_CHANGES = 53,
    TBL_WEB_SITE_CHANGES = 54,
    TBL_CONTAINER_CHANGES = 55,
    TBL_CONTAINER_IMAGE_CHANGES = 56,
    TBL_LOG_EVENTS = 60,
    TBL_LOGIN_EVENTS = 61,
    TBL_ACCOUNT_EVENTS = 62,
    TBL_WEB_ACCESS_EVENTS = 63,
    TBL_AUDIT_EVENTS = 64,
    TBL_ALERTS = 70,
    TBL_RISK_FINDINGS = 90,
    TBL_RISK_SCANS = 91,
    TBL_BASELINE_CHECKS = 100,
    TBL_BASELINE_RUNS = 101,
    TBL_BASELINE_CHANGES = 102,
    TBL_MAX_ID = 110 /* one past the last range: arrays indexed by table id have this size */
};

struct field_def {
    enum field_id id;
    const char *name;
    enum field_type type;
    const char *description;
};

struct table_def {
    enum table_id id;
    const char *name;
    const char *description;
    const char *actions;          /* documented values of the action column */
    const enum field_id *columns; /* terminated by FLD_NONE */
    const char *const *indexes;   /* extra indexes, each a column list "agent_id, time"; NULL-terminated */
};

/* Field by wire id; NULL when unknown (a newer agent: the caller skips it). */
const struct field_def *schema_field(unsigned id);
/* Field by column name; NULL when unknown. */
const struct field_def *schema_field_by_name(const char *name);
/* Table by wire id / by name; NULL when unknown. */
const struct table_def *schema_table(unsigned id);
const struct table_def *schema_table_by_name(const char *name);
/* All tables, in id order; *n receives the count. */
const struct table_def *schema_tables(size_t *n);
/* Position of field in table's column list, or -1 when the table does not have it. */
int schema_table_column(const struct table_def *t, enum field_id f);
/* Number of table-specific columns. */
size_t schema_table_ncolumns(const struct table_def *t);

/* The common header columns every event table starts with, in order. */
struct header_column {
    const char *name;
    enum field_type type;
    const char *description;
};
extern const struct header_column schema_header_columns[];
extern const size_t schema_header_ncolumns;

/* The SQLite type of a field type: INTEGER or TEXT. */
const char *schema_sql_type(enum field_type t);

/* SQLite DDL for every event table (CREATE TABLE/INDEX IF NOT EXISTS), appended to out. */
int schema_sqlite_ddl(struct buf *out);
/* The Markdown reference of the event tables (the generated part of docs/schema.md). */
int schema_markdown(struct buf *out);

#endif
