/* vulndb_osv.c - OSV advisories (https://ossf.github.io/osv-schema/) into the vulnerability
 * model of vulndb.h: the affected packages of Linux distributions' ecosystems with their
 * ECOSYSTEM ranges (introduced / fixed / last_affected events) and explicit versions, the CVEs
 * among id, aliases and upstream, and the severity (CVSS v3 vectors scored; a distribution's
 * own rating where it gives one). */
#include "server/risk/vulndb.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/buf.h"

#define OSV_STR_MAX 4096      /* ids, names, versions: longer is malformed */
#define OSV_SUMMARY_MAX 65536 /* summary or details kept */
#define OSV_RANGES_MAX 1024   /* ranges of one advisory */

static const struct {
    const char *prefix, *type;
} ecosystems[] = {
    {"Debian", "dpkg"},     {"Ubuntu", "dpkg"},     {"Red Hat", "rpm"},  {"AlmaLinux", "rpm"},
    {"Rocky Linux", "rpm"}, {"openSUSE", "rpm"},    {"SUSE", "rpm"},     {"Mageia", "rpm"},
    {"openEuler", "rpm"},   {"Oracle Linux", "rpm"}, {"Azure Linux", "rpm"}, {"CentOS", "rpm"},
};

/* dpkg or rpm for a distribution's ecosystem ("Debian:12"), NULL for any other. */
static const char *version_type(const char *eco)
{
    for (size_t i = 0; i < sizeof(ecosystems) / sizeof(ecosystems[0]); i++) {
        size_t n = strlen(ecosystems[i].prefix);
        if (!strncmp(eco, ecosystems[i].prefix, n) && (eco[n] == 0 || eco[n] == ':'))
            return ecosystems[i].type;
    }
    return NULL;
}

/* A string member no longer than max bytes, without NUL or control characters; else NULL. */
static const char *str_member(json_t *o, const char *name, size_t max)
{
    json_t *v = json_object_get(o, name);
    if (!json_is_string(v) || json_string_length(v) > max)
        return NULL;
    const char *s = json_string_value(v);
    for (size_t i = 0; i < json_string_length(v); i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t' && s[i] != '\r')
            return NULL;
    return s;
}

/* RFC 3339 time ("2024-01-02T03:04:05Z", fractions and offsets ignored) in ns; 0 if none or
 * outside 1970-2200 (ns since the epoch fit in 64 bits until 2262). */
static int64_t parse_time(const char *s)
{
    struct tm tm = {0};
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return 0;
    if (tm.tm_year < 1970 || tm.tm_year > 2200 || tm.tm_mon < 1 || tm.tm_mon > 12)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    return t < 0 ? 0 : (int64_t)t * 1000000000ll;
}

static void add_cve(struct buf *b, const char *id)
{
    if (!id || strncmp(id, "CVE-", 4) || strlen(id) > 32)
        return;
    buf_terminate(b);
    /* once each */
    const char *have = b->len ? (const char *)b->data : "";
    size_t n = strlen(id);
    for (const char *p = have; (p = strstr(p, id)); p += n)
        if ((p == have || p[-1] == ',') && (p[n] == 0 || p[n] == ','))
            return;
    if (b->len)
        buf_putc(b, ',');
    buf_append_str(b, id);
}

static void note_problem(struct vulndb_stats *st, const char *what, const char *problem,
                         size_t i)
{
    st->skipped++;
    if (!st->first_problem[0])
        snprintf(st->first_problem, sizeof(st->first_problem), "%.100s: %.100s (entry %zu)",
                 what, problem, i);
}

/* The severity of an advisory: the best CVSS v3 vector, else a distribution's rating. */
static void read_severity(json_t *adv, json_t *affected, struct vuln_advisory *a)
{
    json_t *sev = json_object_get(adv, "severity"), *e;
    size_t i;
    a->cvss_score = -1;
    a->severity = "unknown";
    json_array_foreach(sev, i, e) {
        const char *type = str_member(e, "type", 64), *score = str_member(e, "score", 256);
        if (!type || !score)
            continue;
        if (!strcmp(type, "CVSS_V3")) {
            double s = vulndb_cvss3_score(score);
            if (s > a->cvss_score) {
                a->cvss_score = s;
                a->cvss_vector = score;
            }
        } else if (!strcmp(type, "Ubuntu") && !strcmp(a->severity, "unknown")) {
            a->severity = !strcmp(score, "negligible") ? "informational" : score;
        } else if (!a->cvss_vector && (!strcmp(type, "CVSS_V4") || !strcmp(type, "CVSS_V2"))) {
            a->cvss_vector = score;
        }
    }
    if (a->cvss_score > 0)
        a->severity = vulndb_cvss_severity(a->cvss_score);
    else if (a->cvss_score == 0)
        a->severity = "informational";
    /* database_specific.severity of the advisory or of an affected package (GHSA, Red Hat,
     * AlmaLinux, ...) */
    const char *ds = str_member(json_object_get(adv, "database_specific"), "severity", 32);
    json_array_foreach(affected, i, e) {
        if (!ds)
            ds = str_member(json_object_get(e, "database_specific"), "severity", 32);
        if (!ds)
            ds = str_member(json_object_get(e, "ecosystem_specific"), "severity", 32);
    }
    if (ds && !strcmp(a->severity, "unknown")) {
        static const char *const known[][2] = {
            {"critical", "critical"}, {"important", "high"}, {"high", "high"},
            {"moderate", "medium"},   {"medium", "medium"},  {"low", "low"},
            {"negligible", "informational"},
        };
        for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
            if (!strcasecmp(ds, known[k][0]))
                a->severity = known[k][1];
    }
}

struct range_list {
    struct vuln_affected v[OSV_RANGES_MAX];
    size_t n;
};

static void push(struct range_list *r, const struct vuln_affected *x, struct vulndb_stats *st)
{
    if (r->n < OSV_RANGES_MAX)
        r->v[r->n++] = *x;
    else
        note_problem(st, "osv", "more than 1024 ranges, the rest skipped", r->n);
}

/* The ECOSYSTEM ranges of one affected package, as intervals: each "introduced" opens one,
 * closed by the next "fixed" or "last_affected" (an interval left open has no fix). */
static void read_ranges(json_t *aff, const struct vuln_affected *base, struct range_list *out,
                        struct vulndb_stats *st)
{
    json_t *ranges = json_object_get(aff, "ranges"), *r;
    size_t i;
    json_array_foreach(ranges, i, r) {
        const char *type = str_member(r, "type", 32);
        if (!type || strcmp(type, "ECOSYSTEM"))
            continue; /* GIT and SEMVER ranges are not about distribution packages */
        json_t *events = json_object_get(r, "events"), *e;
        size_t j;
        struct vuln_affected cur = *base;
        bool open = false;
        json_array_foreach(events, j, e) {
            const char *intro = str_member(e, "introduced", OSV_STR_MAX);
            const char *fixed = str_member(e, "fixed", OSV_STR_MAX);
            const char *last = str_member(e, "last_affected", OSV_STR_MAX);
            if (intro) {
                if (open) /* introduced twice: the first stays affected without a fix */
                    push(out, &cur, st);
                cur = *base;
                cur.introduced = strcmp(intro, "0") ? intro : NULL;
                cur.fix_state = VULN_NO_FIX;
                open = true;
            } else if ((fixed || last) && open) {
                cur.fixed = fixed;
                cur.last_affected = fixed ? NULL : last;
                cur.fix_state = fixed ? VULN_FIXED : VULN_NO_FIX;
                push(out, &cur, st);
                open = false;
            }
        }
        if (open)
            push(out, &cur, st);
    }
    json_t *versions = json_object_get(aff, "versions"), *v;
    json_array_foreach(versions, i, v) {
        if (!json_is_string(v) || json_string_length(v) > OSV_STR_MAX ||
            !json_string_length(v))
            continue;
        struct vuln_affected x = *base;
        x.exact = json_string_value(v);
        x.fix_state = VULN_NO_FIX;
        push(out, &x, st);
    }
}

static int read_one(json_t *adv, size_t index, const struct vulndb_sink *sink,
                    struct vulndb_stats *st, struct range_list *ranges, struct vg_error *err)
{
    struct vuln_advisory a = {0};
    struct buf cves = {0};
    int rc = 0;
    a.id = str_member(adv, "id", 256);
    if (!json_is_object(adv) || !a.id || !*a.id) {
        note_problem(st, "osv advisory", "not an advisory object with an id", index);
        goto cleanup;
    }
    a.summary = str_member(adv, "summary", OSV_SUMMARY_MAX);
    if (!a.summary || !*a.summary)
        a.summary = str_member(adv, "details", OSV_SUMMARY_MAX);
    a.published = parse_time(str_member(adv, "published", 64));
    a.modified = parse_time(str_member(adv, "modified", 64));
    a.withdrawn = str_member(adv, "withdrawn", 64) != NULL;
    if (a.modified > st->newest)
        st->newest = a.modified;
    add_cve(&cves, a.id);
    json_t *e;
    size_t i;
    json_array_foreach(json_object_get(adv, "aliases"), i, e)
        add_cve(&cves, json_string_value(e));
    json_array_foreach(json_object_get(adv, "upstream"), i, e)
        add_cve(&cves, json_string_value(e));
    json_array_foreach(json_object_get(adv, "related"), i, e)
        if (!strncmp(a.id, "DEBIAN-", 7) || !strncmp(a.id, "UBUNTU-", 7))
            add_cve(&cves, json_string_value(e));
    if (buf_terminate(&cves)) {
        rc = vg_error_set(err, -ENOMEM, "out of memory");
        goto cleanup;
    }
    a.cves = (const char *)cves.data;
    json_t *affected = json_object_get(adv, "affected");
    read_severity(adv, affected, &a);
    ranges->n = 0;
    json_array_foreach(affected, i, e) {
        json_t *pkg = json_object_get(e, "package");
        const char *eco = str_member(pkg, "ecosystem", 256);
        const char *name = str_member(pkg, "name", 512);
        const char *type = eco ? version_type(eco) : NULL;
        if (!eco || !name || !*name) {
            note_problem(st, a.id, "affected entry without ecosystem or package name", i);
            continue;
        }
        if (!type)
            continue; /* a language ecosystem, an Alpine package, ...: not read here */
        struct vuln_affected base = {
            .ecosystem = eco,
            .package = name,
            .version_type = type,
            .severity = str_member(json_object_get(e, "ecosystem_specific"), "urgency", 64),
        };
        read_ranges(e, &base, ranges, st);
    }
    st->advisories++;
    st->affected += ranges->n;
    rc = sink->advisory(sink->ctx, &a, ranges->v, ranges->n, err);
cleanup:
    buf_free(&cves);
    return rc;
}

int vulndb_read_osv(json_t *doc, const struct vulndb_sink *sink, struct vulndb_stats *stats,
                    struct vg_error *err)
{
    int rc = 0;
    struct range_list *ranges = calloc(1, sizeof(*ranges));
    if (!ranges)
        return vg_error_set(err, -ENOMEM, "out of memory");
    if (json_is_array(doc)) {
        json_t *adv;
        size_t i;
        json_array_foreach(doc, i, adv)
            if ((rc = read_one(adv, i, sink, stats, ranges, err)))
                break;
    } else if (json_is_object(doc)) {
        rc = read_one(doc, 0, sink, stats, ranges, err);
    } else {
        rc = vg_error_set(err, -EINVAL, "OSV data must be an advisory object or an array of "
                                        "them");
    }
    free(ranges);
    return rc;
}
