/* vulndb_debian.c - the Debian Security Tracker's JSON (security-tracker.debian.org/tracker/
 * data/json) into the vulnerability model of vulndb.h. Per source package and CVE, each release
 * says: resolved with a fixed_version (affected below it; "0" means never affected), open (no
 * fix yet; nodsa_reason "ignored" = will not be fixed, "postponed" = fixed in a later point
 * release), or undetermined; urgency rates it (unimportant = not a security risk in Debian's
 * build, end-of-life = no longer supported). */
#include "server/risk/vulndb.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"

#define DEB_STR_MAX 4096
#define DEB_RELEASES_MAX 64

static const char *str_of(json_t *o, const char *name, size_t max)
{
    json_t *v = json_object_get(o, name);
    if (!json_is_string(v) || json_string_length(v) > max)
        return NULL;
    const char *s = json_string_value(v);
    return memchr(s, 0, json_string_length(v)) ? NULL : s;
}

/* "low", "medium**", "not yet assigned", ... as a severity; NULL when it says nothing. */
static const char *urgency_severity(const char *u)
{
    if (!u)
        return NULL;
    if (!strncmp(u, "low", 3))
        return "low";
    if (!strncmp(u, "medium", 6))
        return "medium";
    if (!strncmp(u, "high", 4))
        return "high";
    if (!strcmp(u, "unimportant"))
        return "informational";
    return NULL;
}

static int severity_rank(const char *s)
{
    static const char *const order[] = {"informational", "low", "medium", "high"};
    for (int i = 0; s && i < 4; i++)
        if (!strcmp(s, order[i]))
            return i + 1;
    return 0;
}

static bool valid_name(const char *s)
{
    if (!s || !*s || strlen(s) > 256)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == '/')
            return false;
    return true;
}

static void problem(struct vulndb_stats *st, const char *pkg, const char *what)
{
    st->skipped++;
    if (!st->first_problem[0])
        snprintf(st->first_problem, sizeof(st->first_problem), "package %.100s: %.120s",
                 pkg, what);
}

int vulndb_read_debian(json_t *doc, const struct vulndb_sink *sink, struct vulndb_stats *stats,
                       struct vg_error *err)
{
    if (!json_is_object(doc))
        return vg_error_set(err, -EINVAL, "Debian Security Tracker data must be a JSON object "
                                          "of source packages");
    struct vuln_affected aff[DEB_RELEASES_MAX];
    struct buf eco = {0};
    int rc = 0;
    const char *pkg;
    json_t *cves;
    json_object_foreach(doc, pkg, cves) {
        if (!valid_name(pkg) || !json_is_object(cves)) {
            problem(stats, valid_name(pkg) ? pkg : "(invalid name)",
                    "not a package name with an object of issues");
            continue;
        }
        const char *id;
        json_t *issue;
        json_object_foreach(cves, id, issue) {
            json_t *releases = json_object_get(issue, "releases");
            if (!valid_name(id) || !json_is_object(issue) || !json_is_object(releases)) {
                problem(stats, pkg, "an issue without an id or releases");
                continue;
            }
            /* one buffer of "Debian:<codename>\0" strings for the ranges' ecosystems */
            buf_reset(&eco);
            size_t n = 0, offsets[DEB_RELEASES_MAX];
            const char *codename;
            json_t *rel;
            json_object_foreach(releases, codename, rel) {
                if (n == DEB_RELEASES_MAX || !valid_name(codename) || !json_is_object(rel)) {
                    problem(stats, pkg, "a release that is not a name with an object");
                    continue;
                }
                const char *status = str_of(rel, "status", 64);
                const char *fixed = str_of(rel, "fixed_version", DEB_STR_MAX);
                const char *urgency = str_of(rel, "urgency", 64);
                const char *nodsa = str_of(rel, "nodsa_reason", 64);
                struct vuln_affected *a = &aff[n];
                memset(a, 0, sizeof(*a));
                a->package = pkg;
                a->version_type = "dpkg";
                a->severity = urgency_severity(urgency);
                if (!status) {
                    problem(stats, pkg, "a release without a status");
                    continue;
                }
                if (urgency && !strcmp(urgency, "unimportant")) {
                    a->fix_state = VULN_UNIMPORTANT;
                    a->fixed = fixed;
                } else if (!strcmp(status, "resolved")) {
                    if (!fixed || !*fixed) {
                        problem(stats, pkg, "a resolved issue without a fixed_version");
                        continue;
                    }
                    a->fix_state = strcmp(fixed, "0") ? VULN_FIXED : VULN_NOT_AFFECTED;
                    a->fixed = strcmp(fixed, "0") ? fixed : NULL;
                } else if (!strcmp(status, "open")) {
                    a->fix_state = urgency && !strcmp(urgency, "end-of-life") ? VULN_END_OF_LIFE
                                   : nodsa && !strcmp(nodsa, "ignored")        ? VULN_WILL_NOT_FIX
                                   : nodsa && !strcmp(nodsa, "postponed")      ? VULN_POSTPONED
                                                                               : VULN_NO_FIX;
                } else if (!strcmp(status, "undetermined")) {
                    a->fix_state = VULN_UNDETERMINED;
                } else {
                    problem(stats, pkg, "a release with an unknown status");
                    continue;
                }
                offsets[n] = eco.len;
                if (buf_printf(&eco, "Debian:%s", codename) || buf_putc(&eco, 0)) {
                    rc = vg_error_set(err, -ENOMEM, "out of memory");
                    goto cleanup;
                }
                n++;
            }
            for (size_t i = 0; i < n; i++)
                aff[i].ecosystem = (const char *)eco.data + offsets[i];
            const char *desc = str_of(issue, "description", 65536);
            struct vuln_advisory adv = {
                .id = id,
                .cves = !strncmp(id, "CVE-", 4) ? id : "",
                .summary = desc,
                .severity = "unknown",
                .cvss_score = -1,
            };
            /* the advisory's severity: the highest urgency of its releases */
            for (size_t i = 0; i < n; i++)
                if (severity_rank(aff[i].severity) > severity_rank(adv.severity))
                    adv.severity = aff[i].severity;
            stats->advisories++;
            stats->affected += n;
            if ((rc = sink->advisory(sink->ctx, &adv, aff, n, err)))
                goto cleanup;
        }
    }
cleanup:
    buf_free(&eco);
    return rc;
}
