/* vulns.h - the server's vulnerability data (tables vuln_sources, vulns, vuln_affected) and
 * matching it against the packages of every host (host_packages) into findings of kind
 * vulnerable_package (findings.h). */
#ifndef VIGIL_SERVER_VULNS_H
#define VIGIL_SERVER_VULNS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

struct store;

/* Import one document of vulnerability data under the name source (format "osv" or
 * "debian"), in one transaction: with replace, the source's earlier data is dropped first;
 * otherwise advisories are added or replaced one by one (an OSV advisory marked withdrawn is
 * removed). data_date (ns, 0: unknown) is the date of the data when the document does not say.
 * *report (caller decrefs) says what was read and skipped. Nothing is changed on failure.
 * 0, or -errno with err. */
int vulns_import(struct store *st, const char *source, const char *format, json_t *data,
                 bool replace, int64_t data_date, const char *who, json_t **report,
                 struct vg_error *err);

/* The sources of vulnerability data with their dates and counts: {"sources": [...]}. */
json_t *vulns_sources_json(struct store *st, struct vg_error *err);

struct vuln_match_stats {
    int hosts;      /* hosts matched (those with known OS and packages) */
    int findings;   /* vulnerable (CVE, package) pairs found */
    int fixed;      /* findings that no longer hold */
};

/* Match the packages of agent_id (NULL: every agent) against the vulnerability data and update
 * their findings: each vulnerable (CVE, source package) is reported, every other
 * vulnerable_package finding of the host is fixed. A host whose OS the data does not cover is
 * left as it is. stats may be NULL. 0 or -errno with err. */
int vulns_match(struct store *st, const char *agent_id, struct vuln_match_stats *stats,
                struct vg_error *err);

#endif
