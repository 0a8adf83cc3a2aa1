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
    F_PID, F_PPID, F_ENTITY_ID, F_PARENT_ENTITY_ID, F_EXE, F_PARENT_EXE, F_COMM,
    F_ARGS, F_CMDLINE, F_ARGS_TRUNCATED, F_ARGS_COUNT, F_CWD, F_TTY,
    F_UID, F_EUID, F_GID, F_EGID, F_AUID, F_SESSION_ID, F_START_TIME,
    F_CGROUP, F_CGROUP_ID, F_CONTAINER_ID, F_EXIT_CODE, F_EXIT_SIGNAL, F_SENSOR, F_NONE,
};
static const char *const process_indexes[] = {
    "time", "entity_id", "agent_id, time", "exe", NULL,
};

static const enum field_id agent_columns[] = {
    F_AGENT_VERSION, F_SENSORS, F_OS, F_KERNEL, F_SPOOL_PENDING, F_SPOOL_BYTES,
    F_SPOOL_DROPPED, F_EVENTS_LOST, F_MESSAGE, F_NONE,
};
static const char *const agent_indexes[] = {"agent_id, time", NULL};

static const struct table_def tables[] = {
    {TBL_NONE, NULL, NULL, NULL, NULL, NULL},
    {TBL_PROCESS_EVENTS, "process_events",
     "Process lifecycle seen by the process sensor. Every row carries the process's entity id "
     "and its parent's, so a process tree can be rebuilt with joins on entity_id.",
     "`fork` (a new process; the child's pid and entity id), `exec` (a new program image), "
     "`exit` (with exit_code and exit_signal), `existing` (running when the agent started, "
     "read from /proc)",
     process_columns, process_indexes},
    {TBL_AGENT_EVENTS, "agent_events",
     "The agent's own life: start, periodic status with its counters, and stop. The latest "
     "status of each agent is also kept in the `agents` table.",
     "`start`, `status`, `stop`", agent_columns, agent_indexes},
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
    if (id == 0 || id >= ARRAY_SIZE(tables) || !tables[id].name)
        return NULL;
    return &tables[id];
}

const struct table_def *schema_table_by_name(const char *name)
{
    for (size_t i = 1; i < ARRAY_SIZE(tables); i++)
        if (tables[i].name && strcmp(tables[i].name, name) == 0)
            return &tables[i];
    return NULL;
}

const struct table_def *schema_tables(size_t *n)
{
    *n = ARRAY_SIZE(tables) - 1;
    return &tables[1];
}

int schema_table_column(const struct table_def *t, enum field_id f)
{
    for (int i = 0; t->columns[i] != F_NONE; i++)
        if (t->columns[i] == f)
            return i;
    return -1;
}

size_t schema_table_ncolumns(const struct table_def *t)
{
    size_t n = 0;
    while (t->columns[n] != F_NONE)
        n++;
    return n;
}

static const char *sql_type(enum field_type t) { return t == FT_INT ? "INTEGER" : "TEXT"; }

int schema_sqlite_ddl(struct buf *out)
{
    int rc = 0;
    for (size_t i = 1; i < ARRAY_SIZE(tables) && !rc; i++) {
        const struct table_def *t = &tables[i];
        rc |= buf_printf(out, "CREATE TABLE IF NOT EXISTS %s (\n  event_key INTEGER PRIMARY KEY",
                         t->name);
        for (size_t h = 1; h < schema_header_ncolumns; h++)
            rc |= buf_printf(out, ",\n  %s %s NOT NULL", schema_header_columns[h].name,
                             sql_type(schema_header_columns[h].type));
        for (size_t c = 0; t->columns[c] != F_NONE; c++) {
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
    for (size_t i = 1; i < ARRAY_SIZE(tables); i++) {
        const struct table_def *t = &tables[i];
        rc |= buf_printf(out, "\n## %s\n\n%s\n\nActions: %s.\n\n"
                              "| column | type | meaning |\n|---|---|---|\n",
                         t->name, t->description, t->actions);
        for (size_t c = 0; t->columns[c] != F_NONE; c++) {
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
