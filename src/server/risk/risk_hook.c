/* risk_hook.c - the ingest hook of the risk area: the agents' risk findings (risk_findings,
 * closed by a risk_scans row per run of a check) go to the findings table, and a batch that
 * changed a host's packages or OS has the host's packages matched against the vulnerability
 * data again. Idempotent: a finding reported twice keeps its newest state. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "common/log.h"
#include "server/ingest/hooks.h"
#include "server/risk/findings.h"
#include "server/risk/vulns.h"
#include "server/server.h"
#include "server/store/store.h"
#include "server/store/store_internal.h"

/* The fields of a finding event that describe it, as a JSON object. */
static char *finding_detail(const struct event *ev)
{
    static const enum field_id fields[] = {FLD_FINDING_RULE, FLD_USER,    FLD_PATH,
                                           FLD_APP_NAME,     FLD_SRC_IP,  FLD_SRC_PORT,
                                           FLD_SETTING,      FLD_VALUE,   FLD_MESSAGE};
    json_t *o = json_object();
    for (size_t i = 0; o && i < sizeof(fields) / sizeof(fields[0]); i++) {
        const struct field_def *f = schema_field(fields[i]);
        int64_t v;
        const char *s;
        if (f->type == FT_INT && event_get_int(ev, fields[i], &v))
            json_object_set_new(o, f->name, json_integer(v));
        else if (f->type != FT_INT && (s = event_get_str(ev, fields[i])))
            json_object_set_new(o, f->name, json_string(s));
    }
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return text;
}

static int apply(sqlite3 *db, sqlite3_stmt **stmt, const struct agent_record *agent,
                 const struct event *ev, struct vg_error *err)
{
    const char *check = event_get_str(ev, FLD_RISK_CHECK);
    if (!check || !*check)
        return 0; /* malformed: kept in the event table only */
    if (ev->table == TBL_RISK_SCANS)
        return strcmp(ev->action, "completed")
                   ? 0
                   : store_findings_sweep(db, agent->agent_id, check, (int64_t)ev->time_ns,
                                          NULL, err);
    const char *kind = event_get_str(ev, FLD_FINDING_KIND);
    const char *subject = event_get_str(ev, FLD_FINDING_SUBJECT);
    if (!kind || !subject || !*kind || !*subject)
        return 0;
    char *detail = finding_detail(ev);
    struct finding f = {
        .agent_id = agent->agent_id,
        .hostname = agent->hostname,
        .check = check,
        .kind = kind,
        .subject = subject,
        .severity = event_get_str(ev, FLD_SEVERITY),
        .title = event_get_str(ev, FLD_MESSAGE),
        .detail = detail,
        .remediation = event_get_str(ev, FLD_REMEDIATION),
        .cvss = -1,
        .time = (int64_t)ev->time_ns,
    };
    int rc = store_findings_report(db, stmt, &f, err);
    free(detail);
    return rc;
}

static int risk_after_batch(struct server *srv, const struct agent_record *agent,
                            struct event *const *events, size_t n, struct vg_error *err)
{
    bool findings = false, packages = false;
    for (size_t i = 0; i < n; i++) {
        enum table_id t = events[i]->table;
        findings |= t == TBL_RISK_FINDINGS || t == TBL_RISK_SCANS;
        /* packages, the OS, or the applications (whether a package runs or listens) */
        packages |= t == TBL_PACKAGE_CHANGES || t == TBL_HOST_INFO_CHANGES ||
                    t == TBL_APPLICATION_CHANGES;
        if (t == TBL_INVENTORY_SCANS) {
            const char *tbl = event_get_str(events[i], FLD_INVENTORY_TABLE);
            packages |= tbl && !strcmp(tbl, "package_changes") &&
                        !strcmp(events[i]->action, "full");
        }
    }
    int rc = 0;
    if (findings) {
        sqlite3 *db = store_writer(srv->store);
        sqlite3_stmt *stmt = NULL;
        rc = store_exec(db, "BEGIN IMMEDIATE", err);
        for (size_t i = 0; i < n && !rc; i++)
            if (events[i]->table == TBL_RISK_FINDINGS || events[i]->table == TBL_RISK_SCANS)
                rc = apply(db, &stmt, agent, events[i], err);
        sqlite3_finalize(stmt);
        if (!rc)
            rc = store_exec(db, "COMMIT", err);
        if (rc)
            store_exec(db, "ROLLBACK", NULL);
        store_writer_done(srv->store);
    }
    if (!rc && packages) {
        struct vuln_match_stats st = {0};
        rc = vulns_match(srv->store, agent->agent_id, &st, err);
        if (!rc && (st.findings || st.fixed))
            log_debug("risk: %s: %d vulnerable packages, %d fixed", agent->agent_id,
                      st.findings, st.fixed);
    }
    return rc;
}

const struct ingest_hook risk_hook = {
    .name = "risk",
    .after_batch = risk_after_batch,
};
