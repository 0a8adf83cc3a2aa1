/* fieldmap.c - the one table from Sigma's names to Vigil's schema: logsources to tables and
 * actions, and Sigma (Sysmon/ECS-style) field names to schema fields. docs/rules.md prints the
 * same tables; keep them in sync. A schema field name is always accepted as is. */
#include <string.h>
#include <strings.h>

#include "engine/engine_internal.h"

static const struct logsource_map logsources[] = {
    /* category, product, service -> table, actions, who provides the table */
    {"process_creation", NULL, NULL, "process_events", "exec", "process sensor"},
    {"process_termination", NULL, NULL, "process_events", "exit", "process sensor"},
    {"network_connection", NULL, NULL, "network_events", "connect,accept", "network sensor (#3)"},
    {"dns_query", NULL, NULL, "network_events", "dns_query", "network sensor (#3)"},
    {"file_event", NULL, NULL, "file_events", "open_write,rename,chmod,chown,link,symlink,utimes",
     "file sensor (#3)"},
    {"file_create", NULL, NULL, "file_events", "open_write", "file sensor (#3)"},
    {"file_change", NULL, NULL, "file_events", "open_write", "file sensor (#3)"},
    {"file_delete", NULL, NULL, "file_events", "unlink", "file sensor (#3)"},
    {"file_rename", NULL, NULL, "file_events", "rename", "file sensor (#3)"},
    {"file_access", NULL, NULL, "file_events", "read_sensitive", "file sensor (#3)"},
    {NULL, "linux", "auditd", "audit_events", "", "log collector's audit records (#5)"},
    {NULL, "linux", "auth", "login_events", "", "log collector (#5)"},
    {NULL, "linux", "sshd", "login_events", "", "log collector (#5)"},
    {NULL, "linux", "sudo", "login_events", "", "log collector (#5)"},
    {NULL, "linux", "syslog", "log_events", "", "log collector (#5)"},
    {NULL, "linux", "cron", "log_events", "", "log collector (#5)"},
    {NULL, "linux", "vsftpd", "log_events", "", "log collector (#5)"},
    {NULL, "linux", "guacamole", "log_events", "", "log collector (#5)"},
    {NULL, "linux", "clamav", "log_events", "", "log collector (#5)"},
    {NULL, "linux", NULL, "log_events", "", "log collector (#5)"},
};

static bool eq_opt(const char *want, const char *have)
{
    if (!want)
        return true;
    return have && strcasecmp(want, have) == 0;
}

const struct logsource_map *fieldmap_logsource(const char *category, const char *product,
                                               const char *service)
{
    for (size_t i = 0; i < sizeof(logsources) / sizeof(logsources[0]); i++) {
        const struct logsource_map *m = &logsources[i];
        if (m->category && !eq_opt(m->category, category))
            continue;
        if (!m->category && category)
            continue;
        if (m->product && product && strcasecmp(m->product, product) != 0)
            continue;
        if (!m->category && !eq_opt(m->product, product))
            continue;
        /* a service-less entry only for rules without a service */
        if (!m->category && (m->service ? !eq_opt(m->service, service) : service != NULL))
            continue;
        return m;
    }
    return NULL;
}

/* Sigma name -> schema name; table NULL: any table. */
static const struct {
    const char *sigma, *table, *field;
} fields[] = {
    {"Image", NULL, "exe"},
    {"CommandLine", NULL, "cmdline"},
    {"ParentImage", NULL, "parent_exe"},
    {"ParentCommandLine", NULL, "parent_cmdline"},
    {"User", NULL, "user"},
    {"CurrentDirectory", NULL, "cwd"},
    {"ProcessId", NULL, "pid"},
    {"ParentProcessId", NULL, "ppid"},
    {"ProcessGuid", NULL, "entity_id"},
    {"ParentProcessGuid", NULL, "parent_entity_id"},
    {"LogonId", NULL, "session_id"},
    {"Sha256", NULL, "exe_sha256"},
    {"Hashes", NULL, "exe_sha256"},
    {"TargetFilename", NULL, "path"},
    {"SourceFilename", NULL, "path"},
    {"DestinationIp", NULL, "dst_ip"},
    {"DestinationPort", NULL, "dst_port"},
    {"DestinationHostname", NULL, "dns_query"},
    {"QueryName", NULL, "dns_query"},
    {"SourceIp", NULL, "src_ip"},
    {"SourcePort", NULL, "src_port"},
    {"Protocol", NULL, "protocol"},
    {"ImageLoaded", NULL, "path"},
    /* auditd records (the log collector's audit_events): the record's fields by their audit
     * names; exe, comm, euid, uid, auid, pid are the schema's own names */
    {"SYSCALL", "audit_events", "syscall"},
    {"syscall", "audit_events", "syscall"},
    {"type", "audit_events", "audit_type"},
    {"key", "audit_events", "audit_key"},
    {"name", "audit_events", "path"},
    {"nametype", "audit_events", "audit_nametype"},
    {"a0", "audit_events", "audit_a0"},
    {"a1", "audit_events", "audit_a1"},
    {"a2", "audit_events", "audit_a2"},
    {"a3", "audit_events", "audit_a3"},
    {"a4", "audit_events", "audit_a4"},
    {"a5", "audit_events", "audit_a5"},
    {"a6", "audit_events", "audit_a6"},
    {"a7", "audit_events", "audit_a7"},
};

uint16_t fieldmap_field(const char *name, uint16_t table)
{
    const struct table_def *t = schema_table(table);
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (strcmp(fields[i].sigma, name) != 0)
            continue;
        if (fields[i].table && (!t || strcmp(fields[i].table, t->name) != 0))
            continue;
        const struct field_def *f = schema_field_by_name(fields[i].field);
        return f ? (uint16_t)f->id : 0;
    }
    const struct field_def *f = schema_field_by_name(name);
    return f ? (uint16_t)f->id : 0;
}

uint16_t fieldmap_keyword_field(uint16_t table)
{
    /* Sigma keywords search the whole record: the command line of a process, the raw line of a
     * log record, the message otherwise */
    return table == TBL_PROCESS_EVENTS ? FLD_CMDLINE : table == TBL_LOG_EVENTS ? FLD_RAW
                                                                               : FLD_MESSAGE;
}
