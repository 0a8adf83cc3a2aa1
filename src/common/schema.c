/* schema.c - tables of the event schema and the generators derived from them (SQLite DDL,
 * Markdown reference). To add a table: give it an id in schema.h, a column list and an entry in
 * `tables` below; the store and the docs follow. */
#include "common/schema.h"

#include <errno.h>
#include <string.h>

#include "common/util.h"

static const struct field_def fields[] = {
#define FIELD(e, id, name, type, desc) [id] = {e, name, FT_##type, desc},
#include "common/schema_fields.def"
#undef FIELD
};

const struct header_column schema_header_columns[] = {
    {"event_key", FT_INT,
     "Store key, unique per event: agent number * 2^44 + seq. A batch sent twice is stored once."},
    {"time", FT_INT, "When it happened, ns since the Unix epoch (UTC); vg_time(time) formats it"},
    {"agent_id", FT_TEXT, "Agent that observed the event (the CN of its certificate)"},
    {"hostname", FT_TEXT, "Host name of the agent's host when the event was received"},
    {"boot_id", FT_TEXT, "Kernel boot id of the host when the event was observed"},
    {"seq", FT_INT, "Sequence number of the event in its agent's stream (monotonic, never reused)"},
    {"action", FT_TEXT, "What happened (see each table)"},
};
const size_t schema_header_ncolumns = ARRAY_SIZE(schema_header_columns);

static const enum field_id process_columns[] = {
    FLD_PID, FLD_PPID, FLD_ENTITY_ID, FLD_PARENT_ENTITY_ID, FLD_EXE, FLD_PARENT_EXE, FLD_COMM,
    FLD_ARGS, FLD_CMDLINE, FLD_ARGS_TRUNCATED, FLD_ARGS_COUNT, FLD_CWD, FLD_TTY,
    FLD_UID, FLD_EUID, FLD_GID, FLD_EGID, FLD_AUID, FLD_SESSION_ID, FLD_START_TIME,
    FLD_CGROUP, FLD_CGROUP_ID, FLD_CONTAINER_ID, FLD_EXIT_CODE, FLD_EXIT_SIGNAL, FLD_SENSOR, FLD_NONE,
};
static const char *const process_indexes[] = {
    "time", "entity_id", "agent_id, time", "exe", NULL,
};

/* The process context every telemetry table carries. */
#define PROCESS_CONTEXT FLD_PID, FLD_PPID, FLD_ENTITY_ID, FLD_PARENT_ENTITY_ID, FLD_EXE, FLD_COMM, FLD_UID, \
    FLD_EUID, FLD_USER, FLD_CONTAINER_ID

static const enum field_id network_columns[] = {
    PROCESS_CONTEXT, FLD_PROTOCOL, FLD_FAMILY, FLD_SRC_IP, FLD_SRC_PORT, FLD_DST_IP, FLD_DST_PORT,
    FLD_DIRECTION, FLD_RESULT_CODE, FLD_DNS_QUERY, FLD_DNS_TYPE, FLD_SENSOR, FLD_NONE,
};
static const char *const network_indexes[] = {"time", "dst_ip", "entity_id", NULL};

static const enum field_id file_columns[] = {
    PROCESS_CONTEXT, FLD_PATH, FLD_TARGET_PATH, FLD_OPEN_FLAGS, FLD_FILE_MODE, FLD_OWNER_UID,
    FLD_OWNER_GID, FLD_INODE, FLD_MTIME, FLD_ATIME, FLD_RESULT_CODE, FLD_SENSOR, FLD_NONE,
};
static const char *const file_indexes[] = {"time", "path", "entity_id", NULL};

static const enum field_id kernel_columns[] = {
    PROCESS_CONTEXT, FLD_MODULE_NAME, FLD_MOUNT_SOURCE, FLD_MOUNT_TARGET, FLD_FS_TYPE, FLD_MOUNT_FLAGS,
    FLD_BPF_PROG_TYPE, FLD_BPF_PROG_NAME, FLD_PATH, FLD_RESULT_CODE, FLD_SENSOR, FLD_NONE,
};
static const char *const kernel_indexes[] = {"time", "entity_id", NULL};

static const enum field_id agent_columns[] = {
    FLD_AGENT_VERSION, FLD_SENSORS, FLD_OS, FLD_KERNEL, FLD_SPOOL_PENDING, FLD_SPOOL_BYTES,
    FLD_SPOOL_DROPPED, FLD_EVENTS_LOST, FLD_MESSAGE, FLD_NONE,
};
static const char *const agent_indexes[] = {"agent_id, time", NULL};

#include "common/schema_inventory.inc"

/* In the order of the documentation; looked up by id with schema_table(). */
static const struct table_def tables[] = {
    {TBL_PROCESS_EVENTS, "process_events",
     "Process lifecycle seen by the process sensor. Every row carries the process's entity id "
     "and its parent's, so a process tree can be rebuilt with joins on entity_id.",
     "`fork` (a new process; the child's pid and entity id), `exec` (a new program image), "
     "`exit` (with exit_code and exit_signal), `existing` (running when the agent started, "
     "read from /proc)",
     process_columns, process_indexes},
    {TBL_NETWORK_EVENTS, "network_events",
     "Network activity of processes: connections made and accepted, ports bound and listened "
     "on (TCP and UDP, IPv4 and IPv6), and DNS queries.",
     "`connect`, `accept`, `bind`, `listen`, `dns_query`", network_columns, network_indexes},
    {TBL_FILE_EVENTS, "file_events",
     "Changes to files under the watched paths, and reads of sensitive files.",
     "`open_write`, `rename`, `unlink`, `chmod`, `chown`, `link`, `symlink`, `utimes`, "
     "`read_sensitive`", file_columns, file_indexes},
    {TBL_KERNEL_EVENTS, "kernel_events",
     "Changes to the running kernel and its mounts: module loads, mounts, BPF programs.",
     "`module_load`, `mount`, `umount`, `bpf_load`", kernel_columns, kernel_indexes},
    {TBL_AGENT_EVENTS, "agent_events",
     "The agent's own life: start, periodic status with its counters, and stop. The latest "
     "status of each agent is also kept in the `agents` table.",
     "`start`, `status`, `stop`", agent_columns, agent_indexes},
    INVENTORY_TABLES
};

const struct field_def *schema_field(unsigned id)
{
    if (id == 0 || id >= ARRAY_SIZE(fields) || !fields[id].name)
        return NULL;
    return &fields[id];
}

const struct field_def *schema_field_by_name(const char *name)
{
    for (size_t i = 1; i < ARRAY_SIZE(fields); i++)
        if (fields[i].name && strcmp(fields[i].name, name) == 0)
            return &fields[i];
    return NULL;
}

const struct table_def *schema_table(unsigned id)
{
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++)
        if (tables[i].id == id)
            return &tables[i];
    return NULL;
}

const struct table_def *schema_table_by_name(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++)
        if (strcmp(tables[i].name, name) == 0)
            return &tables[i];
    return NULL;
}

const struct table_def *schema_tables(size_t *n)
{
    *n = ARRAY_SIZE(tables);
    return tables;
}

int schema_table_column(const struct table_def *t, enum field_id f)
{
    for (int i = 0; t->columns[i] != FLD_NONE; i++)
        if (t->columns[i] == f)
            return i;
    return -1;
}

size_t schema_table_ncolumns(const struct table_def *t)
{
    size_t n = 0;
    while (t->columns[n] != FLD_NONE)
        n++;
    return n;
}

static const char *sql_type(enum field_type t) { return t == FT_INT ? "INTEGER" : "TEXT"; }

int schema_sqlite_ddl(struct buf *out)
{
    int rc = 0;
    for (size_t i = 0; i < ARRAY_SIZE(tables) && !rc; i++) {
        const struct table_def *t = &tables[i];
        rc |= buf_printf(out, "CREATE TABLE IF NOT EXISTS %s (\n  event_key INTEGER PRIMARY KEY",
                         t->name);
        for (size_t h = 1; h < schema_header_ncolumns; h++)
            rc |= buf_printf(out, ",\n  %s %s NOT NULL", schema_header_columns[h].name,
                             sql_type(schema_header_columns[h].type));
        for (size_t c = 0; t->columns[c] != FLD_NONE; c++) {
            const struct field_def *f = schema_field(t->columns[c]);
            rc |= buf_printf(out, ",\n  %s %s", f->name, sql_type(f->type));
        }
        rc |= buf_append_str(out, "\n);\n");
        for (size_t x = 0; t->indexes && t->indexes[x]; x++) {
            char idx_name[128];
            size_t k = 0;
            for (const char *p = t->indexes[x]; *p && k < sizeof(idx_name) - 1; p++)
                if (*p != ' ')
                    idx_name[k++] = *p == ',' ? '_' : *p;
            idx_name[k] = '\0';
            rc |= buf_printf(out, "CREATE INDEX IF NOT EXISTS %s_by_%s ON %s (%s);\n", t->name,
                             idx_name, t->name, t->indexes[x]);
        }
    }
    return rc ? -ENOMEM : 0;
}

int schema_markdown(struct buf *out)
{
    int rc = 0;
    rc |= buf_append_str(out, "## Common columns\n\nEvery event table starts with these columns.\n\n"
                              "| column | type | meaning |\n|---|---|---|\n");
    for (size_t h = 0; h < schema_header_ncolumns; h++)
        rc |= buf_printf(out, "| `%s` | %s | %s |\n", schema_header_columns[h].name,
                         sql_type(schema_header_columns[h].type),
                         schema_header_columns[h].description);
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
        const struct table_def *t = &tables[i];
        rc |= buf_printf(out, "\n## %s\n\n%s\n\nActions: %s.\n\n"
                              "| column | type | meaning |\n|---|---|---|\n",
                         t->name, t->description, t->actions);
        for (size_t c = 0; t->columns[c] != FLD_NONE; c++) {
            const struct field_def *f = schema_field(t->columns[c]);
            rc |= buf_printf(out, "| `%s` | %s | %s |\n", f->name, sql_type(f->type),
                             f->description);
        }
        if (t->indexes && t->indexes[0]) {
            rc |= buf_append_str(out, "\nIndexed by: ");
            for (size_t x = 0; t->indexes[x]; x++)
                rc |= buf_printf(out, "%s(%s)", x ? ", " : "", t->indexes[x]);
            rc |= buf_append_str(out, ".\n");
        }
    }
    return rc ? -ENOMEM : 0;
}
