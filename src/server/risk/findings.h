/* findings.h - the findings table of the server: one row per risk (a vulnerable package, a weak
 * password, an open service, a risky setting) per host, with its lifecycle.
 *
 * A finding is identified by (agent_id, kind, subject). Each run of the check that produces it
 * (an agent's risk check, or the server's vulnerability matching) reports every finding that
 * holds and then closes the run (store_findings_sweep): a finding the run did not report is
 * `fixed`. A fixed finding that holds again is `open` again. `accepted` (with a reason, who and
 * when) keeps a finding out of the open list while it holds; once it no longer holds it is
 * fixed like any other. Times are ns since the epoch, and a report or sweep older than what a
 * row already has changes nothing, so a batch sent twice or late cannot undo newer state. */
#ifndef VIGIL_SERVER_FINDINGS_H
#define VIGIL_SERVER_FINDINGS_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

struct store;

struct finding {
    const char *agent_id, *hostname;
    const char *check;       /* passwords, services, config, vulns */
    const char *kind;        /* weak_password, vulnerable_package, ... */
    const char *subject;     /* unique per host and kind */
    const char *severity;    /* informational, low, medium, high, critical, unknown */
    const char *title;       /* one line for people */
    const char *detail;      /* JSON object text with what the check found (may be NULL) */
    const char *remediation; /* how to fix it (may be NULL) */
    const char *cve;         /* vulnerable packages: the CVE (or advisory id) */
    const char *package;     /* vulnerable packages: the (source) package */
    double cvss;             /* < 0: none */
    int64_t time;            /* when it was seen to hold (ns) */
};

/* Record that f holds at f->time, inside the caller's transaction on the writer connection:
 * a new finding is open; a known one gets the newer last_seen, severity and detail; a fixed one
 * seen again after it was fixed is open again. *stmt caches the prepared statement across
 * calls (NULL the first time; the caller finalizes it). 0 or -errno with err. */
int store_findings_report(sqlite3 *db, sqlite3_stmt **stmt, const struct finding *f,
                          struct vg_error *err);

/* Close a run of check on agent_id at time t (ns), inside the caller's transaction: every
 * finding of that check not reported at or after t is fixed (fixed_at = t). *fixed (may be NULL)
 * receives how many were. 0 or -errno with err. */
int store_findings_sweep(sqlite3 *db, const char *agent_id, const char *check, int64_t t,
                         int *fixed, struct vg_error *err);

struct findings_filter {
    const char *host;     /* agent id or host name */
    const char *kind;
    const char *severity; /* at least this severity */
    const char *status;   /* open (default: open and accepted), fixed, accepted, all */
    const char *cve;      /* findings of this CVE (any package) */
    const char *package;
    const char *check;
    int64_t id;           /* one finding (> 0) */
    size_t limit;
};

/* The findings matching f, most severe first: {"findings": [...]} (caller decrefs), or NULL
 * with err. */
json_t *store_findings_json(struct store *st, const struct findings_filter *f,
                            struct vg_error *err);

/* Fleet views: counts of findings matching f grouped by `by` (kind, host, severity, cve,
 * package, status): {"by": by, "groups": [{key, findings, hosts, critical, high, ...}]}.
 * NULL with err (-EINVAL for an unknown grouping). */
json_t *store_findings_summary(struct store *st, const struct findings_filter *f,
                               const char *by, struct vg_error *err);

/* Set the status of finding id: "accepted" (reason required) or "open" (an accepted finding
 * back in the open list). who and reason are recorded with the time. 0, -ENOENT when there is
 * no such finding, -EINVAL when the change is not possible (a fixed finding cannot be
 * accepted), or -errno with err. */
int store_findings_set_status(struct store *st, int64_t id, const char *status,
                              const char *reason, const char *who, struct vg_error *err);

#endif
