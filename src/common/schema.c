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
_Static_assert(sizeof(fields) / sizeof(fields[0]) <= FLD_MAX_ID,
               "a field id is not below FLD_MAX_ID (schema.h)");

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
    FLD_CGROUP, FLD_CGROUP_ID, FLD_CONTAINER_ID, FLD_EXIT_CODE, FLD_EXIT_SIGNAL, FLD_SENSOR,
    /* enrichment */
    FLD_USER, FLD_EUSER, FLD_GROUP, FLD_PARENT_CMDLINE, FLD_ANCESTRY, FLD_CONTAINER_RUNTIME,
    FLD_EXE_SHA256, FLD_EXE_DELETED, FLD_EXE_MEMFD, FLD_STDIN_TYPE, FLD_STDOUT_TYPE,
    FLD_STDIN_PEER, FLD_STDOUT_PEER, FLD_LD_PRELOAD,
    /* credential changes and actions on other processes */
    FLD_SYSCALL, FLD_OLD_UID, FLD_NEW_UID, FLD_OLD_EUID, FLD_NEW_EUID, FLD_OLD_GID, FLD_NEW_GID,
    FLD_OLD_EGID, FLD_NEW_EGID, FLD_OLD_CAPS, FLD_NEW_CAPS, FLD_TARGET_PID, FLD_TARGET_ENTITY_ID,
    FLD_TARGET_EXE, FLD_SIGNAL, FLD_PTRACE_REQUEST, FLD_NEW_NAME, FLD_MEMFD_NAME, FLD_RESULT_CODE,
    FLD_NONE,
};
static const char *const process_indexes[] = {
    "time", "entity_id", "parent_entity_id", "agent_id, time", "exe", NULL,
};

/* The process context every telemetry table carries. */
#define PROCESS_CONTEXT FLD_PID, FLD_PPID, FLD_ENTITY_ID, FLD_PARENT_ENTITY_ID, FLD_EXE, FLD_COMM, FLD_UID, \
    FLD_EUID, FLD_USER, FLD_CONTAINER_ID, FLD_CONTAINER_RUNTIME, FLD_PARENT_EXE, FLD_ANCESTRY

static const enum field_id network_columns[] = {
    PROCESS_CONTEXT, FLD_PROTOCOL, FLD_FAMILY, FLD_SRC_IP, FLD_SRC_PORT, FLD_DST_IP, FLD_DST_PORT,
    FLD_DIRECTION, FLD_RESULT_CODE, FLD_DNS_QUERY, FLD_DNS_TYPE, FLD_SYSCALL, FLD_SENSOR, FLD_NONE,
};
static const char *const network_indexes[] = {"time", "dst_ip", "entity_id", NULL};

static const enum field_id file_columns[] = {
    PROCESS_CONTEXT, FLD_PATH, FLD_TARGET_PATH, FLD_OPEN_FLAGS, FLD_FILE_MODE, FLD_OWNER_UID,
    FLD_OWNER_GID, FLD_INODE, FLD_MTIME, FLD_ATIME, FLD_RESULT_CODE, FLD_SYSCALL, FLD_SENSOR,
    FLD_NONE,
};
static const char *const file_indexes[] = {
    "time", "path", "entity_id", "target_path WHERE target_path IS NOT NULL", NULL,
};

static const enum field_id kernel_columns[] = {
    PROCESS_CONTEXT, FLD_MODULE_NAME, FLD_MOUNT_SOURCE, FLD_MOUNT_TARGET, FLD_FS_TYPE, FLD_MOUNT_FLAGS,
    FLD_BPF_PROG_TYPE, FLD_BPF_PROG_NAME, FLD_PATH, FLD_RESULT_CODE, FLD_SYSCALL, FLD_SENSOR,
    FLD_NONE,
};
static const char *const kernel_indexes[] = {"time", "entity_id", NULL};

/* Where a record derived from a log line came from and who wrote it. */
#define LOG_CONTEXT FLD_LOG_INPUT, FLD_LOG_FILE, FLD_LOG_OFFSET, FLD_UNIT, FLD_LOG_HOST, FLD_PROGRAM, \
    FLD_PID, FLD_MESSAGE

static const enum field_id log_columns[] = {
    LOG_CONTEXT, FLD_INODE, FLD_JOURNAL_CURSOR, FLD_SYSLOG_SEVERITY, FLD_FACILITY, FLD_RAW, FLD_PARSER,
    FLD_LINE_LENGTH, FLD_LINE_TRUNCATED, FLD_LINE_ESCAPED, FLD_USER, FLD_CMDLINE, FLD_COMM,
    FLD_KERNEL_TIME, FLD_NONE,
};
static const char *const log_indexes[] = {"time", "log_file, time", "program, time", NULL};

static const enum field_id login_columns[] = {
    LOG_CONTEXT, FLD_USER, FLD_TARGET_USER, FLD_SRC_IP, FLD_SRC_PORT, FLD_AUTH_METHOD,
    FLD_INVALID_USER, FLD_RESULT_CODE, FLD_REASON, FLD_KEY_TYPE, FLD_KEY_FINGERPRINT, FLD_TTY,
    FLD_CWD, FLD_CMDLINE, FLD_NONE,
};
static const char *const login_indexes[] = {"time", "user, time", "src_ip, time", NULL};

static const enum field_id account_columns[] = {
    LOG_CONTEXT, FLD_USER, FLD_TARGET_USER, FLD_GROUP, FLD_UID, FLD_GID, FLD_HOME_DIR, FLD_SHELL,
    FLD_RESULT_CODE, FLD_REASON, FLD_NONE,
};
static const char *const account_indexes[] = {"time", "target_user, time", NULL};

static const enum field_id web_columns[] = {
    FLD_LOG_INPUT, FLD_LOG_FILE, FLD_LOG_OFFSET, FLD_SRC_IP, FLD_HTTP_USER, FLD_HTTP_METHOD,
    FLD_URL, FLD_HTTP_VERSION, FLD_HTTP_STATUS, FLD_HTTP_BYTES, FLD_HTTP_REFERRER,
    FLD_HTTP_USER_AGENT, FLD_NONE,
};
static const char *const web_indexes[] = {"time", "src_ip, time", "http_status, time", NULL};

static const enum field_id audit_columns[] = {
    FLD_LOG_INPUT, FLD_LOG_FILE, FLD_LOG_OFFSET, FLD_AUDIT_TYPE, FLD_AUDIT_SERIAL, FLD_AUDIT_KEY,
    FLD_SYSCALL, FLD_RESULT_CODE, FLD_PID, FLD_PPID, FLD_UID, FLD_EUID, FLD_AUID, FLD_SESSION_ID,
    FLD_USER, FLD_TTY, FLD_EXE, FLD_COMM, FLD_CMDLINE, FLD_CWD, FLD_PATH, FLD_SRC_IP,
    FLD_AUDIT_FIELDS, FLD_AUDIT_A0, FLD_AUDIT_A1, FLD_AUDIT_A2, FLD_AUDIT_A3, FLD_AUDIT_A4,
    FLD_AUDIT_A5, FLD_AUDIT_A6, FLD_AUDIT_A7, FLD_AUDIT_NAMETYPE, FLD_NONE,
};
static const char *const audit_indexes[] = {"time", "audit_serial", "audit_type, time", NULL};
static const enum field_id alert_columns[] = {
    FLD_RULE_ID, FLD_RULE_TITLE, FLD_RULE_SOURCE, FLD_SEVERITY, FLD_TACTIC, FLD_TECHNIQUE,
    FLD_DEDUP_KEY, FLD_REPEAT_COUNT, FLD_MESSAGE, FLD_PID, FLD_PPID, FLD_ENTITY_ID,
    FLD_PARENT_ENTITY_ID, FLD_EXE, FLD_PARENT_EXE, FLD_CMDLINE, FLD_PARENT_CMDLINE, FLD_UID,
    FLD_EUID, FLD_USER, FLD_ANCESTRY, FLD_PATH, FLD_DST_IP, FLD_DST_PORT, FLD_INDICATOR,
    FLD_EVENT_TABLE, FLD_TRIGGER_EVENTS, FLD_SRC_IP, FLD_SRC_PORT, FLD_NONE,
};
static const char *const alert_indexes[] = {"time", "rule_id", "dedup_key", "entity_id", NULL};

static const enum field_id agent_columns[] = {
    FLD_AGENT_VERSION, FLD_SENSORS, FLD_OS, FLD_KERNEL, FLD_SPOOL_PENDING, FLD_SPOOL_BYTES,
    FLD_SPOOL_DROPPED, FLD_EVENTS_LOST, FLD_MESSAGE, FLD_SENSOR, FLD_EVENT_TYPE, FLD_LOST,
    FLD_TRUNCATED, FLD_NONE,
};
static const char *const agent_indexes[] = {"agent_id, time", NULL};

#include "common/schema_inventory.inc"

static const enum field_id baseline_check_columns[] = {
    FLD_RUN_ID, FLD_POLICY_ID, FLD_POLICY_NAME, FLD_CHECK_ID, FLD_CHECK_TITLE, FLD_CHECK_RESULT,
    FLD_PREVIOUS_RESULT, FLD_REASON, FLD_EVIDENCE, FLD_CHECK_DESCRIPTION, FLD_RATIONALE,
    FLD_REMEDIATION, FLD_COMPLIANCE, FLD_MITRE, FLD_CONDITION, FLD_RULES, FLD_NONE,
};
static const char *const baseline_check_indexes[] = {
    "agent_id, policy_id, check_id, time", "run_id", "check_result", NULL,
};

static const enum field_id baseline_run_columns[] = {
    FLD_RUN_ID, FLD_POLICY_ID, FLD_POLICY_NAME, FLD_POLICY_FILE, FLD_POLICY_SHA256, FLD_TRIGGER,
    FLD_PASSED, FLD_FAILED, FLD_NOT_APPLICABLE, FLD_TOTAL_CHECKS, FLD_SCORE, FLD_DURATION_MS,
    FLD_COMMANDS_RUN, FLD_REASON, FLD_NONE,
};
static const char *const baseline_run_indexes[] = {"agent_id, policy_id, time", "run_id", NULL};

static const enum field_id baseline_change_columns[] = {
    FLD_RUN_ID, FLD_POLICY_ID, FLD_POLICY_NAME, FLD_CHECK_ID, FLD_CHECK_TITLE, FLD_CHECK_RESULT,
    FLD_PREVIOUS_RESULT, FLD_REASON, FLD_EVIDENCE, FLD_REMEDIATION, FLD_NONE,
};
static const char *const baseline_change_indexes[] = {"agent_id, time", "run_id", NULL};

static const enum field_id risk_finding_columns[] = {
    FLD_RISK_CHECK, FLD_FINDING_KIND, FLD_FINDING_SUBJECT, FLD_SEVERITY, FLD_FINDING_RULE,
    FLD_USER, FLD_PATH, FLD_APP_NAME, FLD_SRC_IP, FLD_SRC_PORT, FLD_SETTING, FLD_VALUE,
    FLD_MESSAGE, FLD_REMEDIATION, FLD_SCAN_ID, FLD_NONE,
};
static const char *const risk_finding_indexes[] = {"agent_id, time", "finding_kind", NULL};

static const enum field_id risk_scan_columns[] = {
    FLD_RISK_CHECK, FLD_SCAN_ID, FLD_ROW_COUNT, FLD_INCOMPLETE, FLD_DURATION_US, FLD_CPU_US,
    FLD_MESSAGE, FLD_NONE,
};
static const char *const risk_scan_indexes[] = {"agent_id, time", NULL};

/* In the order of the documentation; looked up by id with schema_table(). */
static const struct table_def tables[] = {
    {TBL_PROCESS_EVENTS, "process_events",
     "Process lifecycle seen by the process sensor. Every row carries the process's entity id "
     "and its parent's, so a process tree can be rebuilt with joins on entity_id.",
     "`fork` (a new process; the child's pid and entity id), `exec` (a new program image), "
     "`exit` (with exit_code and exit_signal), `existing` (running when the agent started, "
     "read from /proc), `setuid` (a change of uids or gids by setuid, setreuid, setresuid, "
     "setgid, setregid, setresgid: old_* and new_*), `capset` (old_caps, new_caps), `ptrace` "
     "(ptrace_request on target_pid), `set_name` (prctl PR_SET_NAME: new_name), `memfd_create` "
     "(memfd_name), `kill` (a signal to another process: target_pid, signal); each with "
     "result_code",
     process_columns, process_indexes},
    {TBL_NETWORK_EVENTS, "network_events",
     "Network activity of processes: connections made and accepted, ports bound and listened "
     "on (TCP and UDP, IPv4 and IPv6), and DNS queries.",
     "`connect`, `accept`, `bind`, `listen`, `dns_query`", network_columns, network_indexes},
    {TBL_FILE_EVENTS, "file_events",
     "Changes to files under the watched paths, and reads of sensitive files.",
     "`open_write`, `rename`, `unlink`, `chmod`, `chown`, `link`, `symlink`, `utimes`, "
     "`read_sensitive`; in fanotify mode also `attrib` (mode, owner or times changed: fanotify "
     "does not say which)", file_columns, file_indexes},
    {TBL_KERNEL_EVENTS, "kernel_events",
     "Changes to the running kernel and its mounts: module loads, mounts, BPF programs.",
     "`module_load`, `mount`, `umount`, `bpf_load`", kernel_columns, kernel_indexes},
    {TBL_LOG_EVENTS, "log_events",
     "Every record the log collector read, from files and the journal, with the raw text kept; "
     "the text is searchable (`vigil logs search`, table `log_search`). Parsers fill the "
     "structured columns they understand and derive the login, account, web access and audit "
     "events of the tables below (joined on log_file and log_offset).",
     "`line`", log_columns, log_indexes},
    {TBL_LOGIN_EVENTS, "login_events",
     "Logins and privilege use read from the logs: sshd (accepted, failed, invalid user, "
     "disconnects), sudo, su and PAM. user is who logs in or runs sudo/su, src_ip and src_port "
     "where the login came from; result_code is 0 on success, -13 (EACCES) on failure.",
     "`login`, `login_failed`, `disconnect`, `session_open`, `session_close`, `sudo`, "
     "`sudo_failed`, `su`, `su_failed`, `auth_failure`",
     login_columns, login_indexes},
    {TBL_ACCOUNT_EVENTS, "account_events",
     "Changes to accounts and groups read from the logs (useradd, userdel, usermod, groupadd, "
     "groupdel, groupmod, gpasswd, passwd, chpasswd, chage). target_user is the account changed.",
     "`user_add`, `user_delete`, `user_modify`, `group_add`, `group_delete`, `group_modify`, "
     "`group_member_add`, `group_member_delete`, `password_change`",
     account_columns, account_indexes},
    {TBL_WEB_ACCESS_EVENTS, "web_access_events",
     "Requests from web server access logs (nginx and Apache combined and common formats); "
     "src_ip is the client.",
     "`request`", web_columns, web_indexes},
    {TBL_AUDIT_EVENTS, "audit_events",
     "Records of the Linux audit log (audit.log). The records of one audit event share "
     "audit_serial; the process context of the event's SYSCALL record (pid, uid, auid, exe, comm, "
     "audit_key) is copied into the records that follow it. audit_fields holds every field of "
     "the record as a JSON object, for rules (Sigma auditd rules read it).",
     "the record type in lower case: `syscall`, `execve`, `path`, `cwd`, `proctitle`, "
     "`user_login`, `user_auth`, `user_cmd`, `add_user`, ...",
     audit_columns, audit_indexes},
    {TBL_ALERTS, "alerts",
     "Detections by the rule engine on the agent (Sigma, native, IOC and YARA rules), and by the "
     "server (new rows of a scheduled hunt, matches of a retro-hunt raised as alerts): which "
     "rule, how severe, its ATT&CK tactic and technique, the process and its ancestry, and the "
     "events behind it. Repeats of one alert (same dedup_key) within the rule's window are "
     "counted, not repeated. Alerts the server raises have event keys below 2^44 (the server's "
     "own sequence) and the agent_id of the host they are about.",
     "`alert` (the first time), `update` (the repeat count at the end of the window)",
     alert_columns, alert_indexes},
    {TBL_AGENT_EVENTS, "agent_events",
     "The agent's own life: start, periodic status with its counters, and stop. The latest "
     "status of each agent is also kept in the `agents` table.",
     "`start`, `status`, `stop`, `sensor_loss` (a sensor lost or cut events since its previous "
     "report: sensor, event_type, lost, truncated)", agent_columns, agent_indexes},
    INVENTORY_TABLES
    {TBL_RISK_FINDINGS, "risk_findings",
     "Risks the agent found on its host (weak passwords, services open without authentication, "
     "risky configuration): one row per finding that holds at a scan of its check. Never a "
     "password or a hash: only the account and the rule it failed. The server keeps the "
     "lifecycle of each finding (first and last seen, fixed, accepted) in `findings`.",
     "`found` (the finding holds at this scan)", risk_finding_columns, risk_finding_indexes},
    {TBL_RISK_SCANS, "risk_scans",
     "One row per run of a risk check on a host: how many findings it reported. A finding of "
     "that check not reported by the run is fixed.",
     "`completed` (the check ran; its findings were sent before this row), `failed` (the check "
     "could not run, message says why; its findings stay as they were)", risk_scan_columns,
     risk_scan_indexes},
    {TBL_BASELINE_CHECKS, "baseline_checks",
     "Result of every baseline check in every run on every host (the history): passed, failed "
     "or not applicable, with the evidence that decided it, the reason when it could not be "
     "evaluated, and the check's rationale, remediation and compliance / MITRE mappings. The "
     "latest result of each check per host is also kept in the `baseline_current` table.",
     "`result`", baseline_check_columns, baseline_check_indexes},
    {TBL_BASELINE_RUNS, "baseline_runs",
     "One row per policy per run on a host: its score and counts, or why it was skipped (its "
     "requirements do not match the host) or could not be loaded. The latest per host and "
     "policy is also kept in the `baseline_scores` table.",
     "`summary` (the policy ran), `skipped` (requirements not met, see reason), `error` (the "
     "policy file could not be loaded, see reason)", baseline_run_columns, baseline_run_indexes},
    {TBL_BASELINE_CHANGES, "baseline_changes",
     "What changed since the host's previous run of a policy: a check that regressed (passed, "
     "now failed), was fixed (failed, now passed) or otherwise changed outcome.",
     "`regressed`, `fixed`, `changed`", baseline_change_columns, baseline_change_indexes},
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

const char *schema_sql_type(enum field_type t) { return t == FT_INT ? "INTEGER" : "TEXT"; }

int schema_sqlite_ddl(struct buf *out)
{
    int rc = 0;
    for (size_t i = 0; i < ARRAY_SIZE(tables) && !rc; i++) {
        const struct table_def *t = &tables[i];
        rc |= buf_printf(out, "CREATE TABLE IF NOT EXISTS %s (\n  event_key INTEGER PRIMARY KEY",
                         t->name);
        for (size_t h = 1; h < schema_header_ncolumns; h++)
            rc |= buf_printf(out, ",\n  %s %s NOT NULL", schema_header_columns[h].name,
                             schema_sql_type(schema_header_columns[h].type));
        for (size_t c = 0; t->columns[c] != FLD_NONE; c++) {
            const struct field_def *f = schema_field(t->columns[c]);
            rc |= buf_printf(out, ",\n  %s %s", f->name, schema_sql_type(f->type));
        }
        rc |= buf_append_str(out, "\n);\n");
        for (size_t x = 0; t->indexes && t->indexes[x]; x++) {
            /* "cols" or "cols WHERE condition" (a partial index) */
            const char *spec = t->indexes[x], *where = strstr(spec, " WHERE ");
            size_t cols_len = where ? (size_t)(where - spec) : strlen(spec);
            char idx_name[128];
            size_t k = 0;
            for (size_t i2 = 0; i2 < cols_len && k < sizeof(idx_name) - 1; i2++)
                if (spec[i2] != ' ')
                    idx_name[k++] = spec[i2] == ',' ? '_' : spec[i2];
            idx_name[k] = '\0';
            rc |= buf_printf(out, "CREATE INDEX IF NOT EXISTS %s_by_%s ON %s (%.*s)%s;\n",
                             t->name, idx_name, t->name, (int)cols_len, spec,
                             where ? where : "");
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
                         schema_sql_type(schema_header_columns[h].type),
                         schema_header_columns[h].description);
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
        const struct table_def *t = &tables[i];
        rc |= buf_printf(out, "\n## %s\n\n%s\n\nActions: %s.\n\n"
                              "| column | type | meaning |\n|---|---|---|\n",
                         t->name, t->description, t->actions);
        for (size_t c = 0; t->columns[c] != FLD_NONE; c++) {
            const struct field_def *f = schema_field(t->columns[c]);
            rc |= buf_printf(out, "| `%s` | %s | %s |\n", f->name, schema_sql_type(f->type),
                             f->description);
        }
        if (t->indexes && t->indexes[0]) {
            rc |= buf_append_str(out, "\nIndexed by: ");
            for (size_t x = 0; t->indexes[x]; x++) {
                const char *where = strstr(t->indexes[x], " WHERE ");
                int len = where ? (int)(where - t->indexes[x]) : (int)strlen(t->indexes[x]);
                rc |= buf_printf(out, "%s(%.*s)", x ? ", " : "", len, t->indexes[x]);
            }
            rc |= buf_append_str(out, ".\n");
        }
    }
    return rc ? -ENOMEM : 0;
}
