/* vulndb.h - vulnerability data as the operator provides it, read into one model: OSV JSON
 * advisories (the format of osv.dev for Debian, Ubuntu, Red Hat, AlmaLinux, Rocky Linux, SUSE,
 * ...) and the Debian Security Tracker's JSON (every source package's CVEs with their status in
 * each Debian release). Both arrive as JSON already parsed by jansson; these readers check every
 * member's type and size, skip what does not concern host packages (language ecosystems, git
 * ranges) and count it, and never fail on one bad advisory: it is skipped with its position. */
#ifndef VIGIL_SERVER_VULNDB_H
#define VIGIL_SERVER_VULNDB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Whether the installed version is affected, per release (stored as fix_state). */
#define VULN_FIXED "fixed"               /* affected below `fixed` */
#define VULN_NO_FIX "no_fix"             /* affected, no fixed version yet */
#define VULN_WILL_NOT_FIX "will_not_fix" /* affected, the distribution will not fix it */
#define VULN_POSTPONED "postponed"       /* affected, fix postponed to a later update */
#define VULN_END_OF_LIFE "end_of_life"   /* affected, the package is no longer supported */
#define VULN_NOT_AFFECTED "not_affected" /* this release's package never was vulnerable */
#define VULN_UNDETERMINED "undetermined" /* not yet known: never reported */
#define VULN_UNIMPORTANT "unimportant"   /* the distribution rates it no security risk */

struct vuln_advisory {
    const char *id;          /* CVE-2024-1234, DSA-5678-1, USN-..., RHSA-... */
    const char *cves;        /* the CVEs it is about, comma separated (may be "") */
    const char *summary;
    const char *severity;    /* informational, low, medium, high, critical, unknown */
    double cvss_score;       /* < 0: none */
    const char *cvss_vector; /* may be NULL */
    int64_t published, modified; /* ns, 0 when absent */
    int withdrawn;           /* the advisory was withdrawn: forget it */
};

struct vuln_affected {
    const char *ecosystem;     /* Debian:12, Debian:bookworm, Ubuntu:22.04:LTS, AlmaLinux:9, ... */
    const char *package;       /* the distribution's (source) package name */
    const char *version_type;  /* dpkg or rpm */
    const char *introduced;    /* NULL: from the first version */
    const char *fixed;         /* NULL: no fix */
    const char *last_affected; /* NULL: none */
    const char *exact;         /* a single affected version (OSV "versions"), else NULL */
    const char *fix_state;     /* VULN_* */
    const char *severity;      /* this release's rating, or NULL */
};

struct vulndb_sink {
    void *ctx;
    /* One advisory with all its affected ranges for host packages (n may be 0). A non-zero
     * return stops the reading with that code. */
    int (*advisory)(void *ctx, const struct vuln_advisory *adv, const struct vuln_affected *aff,
                    size_t n, struct vg_error *err);
};

struct vulndb_stats {
    size_t advisories, affected, skipped; /* skipped: malformed or not about host packages */
    int64_t newest;                       /* the newest modified time seen (ns) */
    char first_problem[256];              /* what the first skipped entry was, and where */
};

/* Read OSV data: one advisory object, or an array of them. 0, or the sink's error. */
int vulndb_read_osv(json_t *doc, const struct vulndb_sink *sink, struct vulndb_stats *stats,
                    struct vg_error *err);

/* Read the Debian Security Tracker's JSON ({package: {CVE: {description, releases: {codename:
 * {status, fixed_version, urgency, nodsa_reason}}}}}). Ranges get ecosystem "Debian:<codename>".
 * 0, -EINVAL when doc is not an object, or the sink's error. */
int vulndb_read_debian(json_t *doc, const struct vulndb_sink *sink, struct vulndb_stats *stats,
                       struct vg_error *err);

/* The CVSS v3.x base score of a vector ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), as
 * the specification computes it; -1 when the vector is not a complete, valid v3 vector. */
double vulndb_cvss3_score(const char *vector);

/* The qualitative rating of a CVSS score: none, low, medium, high or critical. */
const char *vulndb_cvss_severity(double score);

#endif
