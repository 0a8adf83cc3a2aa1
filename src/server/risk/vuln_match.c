/* vuln_match.c - matching every host's installed packages (host_packages) against the
 * vulnerability data (vulns.h) with the package manager's own version ordering (vercmp.h).
 *
 * The host's OS (host_info: os_id, os_version, os_codename) selects the ecosystems whose data
 * applies (Debian 12: "Debian:12" from OSV and "Debian:bookworm" from the Debian tracker;
 * Ubuntu 22.04: "Ubuntu:22.04..."; AlmaLinux 9: "AlmaLinux:9"; ...). A package matches the data
 * of its source package or of its own name. For each (CVE, source package) every record that
 * covers it (each source's advisory) must say the installed version is affected: a source that
 * says it is fixed, not affected, unimportant or undetermined wins, because a "vulnerable" on a
 * patched package is the error users can least afford. */
#include "server/risk/vulns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/vercmp.h"
#include "server/risk/findings.h"
#include "server/risk/vulndb.h"
#include "server/store/store.h"
#include "server/store/store_internal.h"

/* One record's verdict on one installed binary package for one CVE. */
struct verdict {
    char *cve, *src, *binary, *installed, *source, *vuln_id, *fixed, *fix_state, *severity,
        *summary, *vector;
    double cvss;
    int rpm;      /* versions are rpm's (else dpkg's) */
    int affected; /* 1 affected, 0 not (fixed, not affected, unimportant, undetermined) */
};

struct verdicts {
    struct verdict *v;
    size_t n, cap;
};

static void verdicts_free(struct verdicts *vs)
{
    for (size_t i = 0; i < vs->n; i++) {
        struct verdict *v = &vs->v[i];
        free(v->cve), free(v->src), free(v->binary), free(v->installed), free(v->source);
        free(v->vuln_id), free(v->fixed), free(v->fix_state), free(v->severity);
        free(v->summary), free(v->vector);
    }
    free(vs->v);
    memset(vs, 0, sizeof(*vs));
}

static char *dup_col(sqlite3_stmt *s, int i)
{
    const char *t = (const char *)sqlite3_column_text(s, i);
    return t ? strdup(t) : NULL;
}

static int sev_rank(const char *s)
{
    static const char *const names[] = {"unknown", "informational", "low", "medium", "high",
                                        "critical"};
    for (int i = 0; s && i < 6; i++)
        if (!strcmp(s, names[i]))
            return i;
    return 0;
}

/* Whether the installed version falls in one range row: introduced <= v < fixed,
 * v <= last_affected, or v == exact; with the version ordering of type. */
static int in_range(const char *type, const char *v, const char *intro, const char *fixed,
                    const char *last, const char *exact)
{
    int (*cmp)(const char *, const char *) = !strcmp(type, "rpm") ? vercmp_rpm : vercmp_dpkg;
    if (exact)
        return cmp(v, exact) == 0;
    if (intro && cmp(v, intro) < 0)
        return 0;
    if (fixed && cmp(v, fixed) >= 0)
        return 0;
    if (last && cmp(v, last) > 0)
        return 0;
    return 1;
}

/* The ecosystems of a host: exact names and prefixes, as JSON arrays. */
static void host_ecosystems(const char *os_id, const char *ver, const char *codename,
                            json_t *exact, json_t *prefix)
{
    char major[32] = "", b[160];
    if (ver)
        snprintf(major, sizeof(major), "%.*s", (int)strcspn(ver, "."), ver);
    if (!os_id)
        return;
    if (!strcmp(os_id, "debian")) {
        if (*major)
            snprintf(b, sizeof(b), "Debian:%s", major), json_array_append_new(exact, json_string(b));
        if (codename && *codename)
            snprintf(b, sizeof(b), "Debian:%s", codename),
                json_array_append_new(exact, json_string(b));
    } else if (!strcmp(os_id, "ubuntu") && ver) {
        snprintf(b, sizeof(b), "Ubuntu:%s", ver), json_array_append_new(exact, json_string(b));
        snprintf(b, sizeof(b), "Ubuntu:%s:", ver), json_array_append_new(prefix, json_string(b));
        snprintf(b, sizeof(b), "Ubuntu:Pro:%s:", ver),
            json_array_append_new(prefix, json_string(b));
    } else if ((!strcmp(os_id, "rhel") || !strcmp(os_id, "centos")) && *major) {
        snprintf(b, sizeof(b), "Red Hat:enterprise_linux:%s:", major),
            json_array_append_new(prefix, json_string(b));
    } else if (*major) {
        static const char *const map[][2] = {
            {"almalinux", "AlmaLinux"}, {"rocky", "Rocky Linux"}, {"ol", "Oracle Linux"},
            {"opensuse-leap", "openSUSE:Leap"}, {"mageia", "Mageia"}, {"openEuler", "openEuler"},
        };
        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
            if (!strcmp(os_id, map[i][0])) {
                if (!strcmp(os_id, "opensuse-leap"))
                    snprintf(b, sizeof(b), "%s %s", map[i][1], ver);
                else
                    snprintf(b, sizeof(b), "%s:%s", map[i][1], major);
                json_array_append_new(exact, json_string(b));
            }
    }
}

/* Every record's verdict on every installed package of the host. */
static int collect(sqlite3 *db, const char *agent_id, const char *exact, const char *prefix,
                   struct verdicts *out, struct vg_error *err)
{
    /* the data's package name is the group: a binary, its source, or linux for Debian's signed
     * kernel images (source linux-signed-<arch>, binary versions those of linux). Other signed
     * templates (grub-efi-*-signed, shim-signed) have versions of their own: their unsigned
     * binaries (grub-efi-amd64-bin, ...) are installed too and matched instead. */
    static const char sql[] =
        "SELECT p.package_name, a.package,"
        " p.version, a.source, a.vuln_id, a.version_type, a.introduced, a.fixed,"
        " a.last_affected, a.exact, a.fix_state, coalesce(a.severity, v.severity),"
        " v.cves, v.summary, v.cvss_score, v.cvss_vector,"
        /* a record about the source package is about the source's version (a binNMU or a
         * binary versioned on its own differs from it) */
        " CASE WHEN a.package = p.package_name THEN p.version"
        "      ELSE coalesce(p.source_version, p.version) END"
        " FROM host_packages p JOIN vuln_affected a"
        "   ON a.package IN (p.package_name, p.source_package,"
        "     CASE WHEN p.source_package LIKE 'linux-signed-%' THEN 'linux' END)"
        "  AND a.version_type = p.package_manager"
        "  AND (a.ecosystem IN (SELECT value FROM json_each(?2)) OR EXISTS (SELECT 1 FROM"
        "       json_each(?3) e WHERE substr(a.ecosystem, 1, length(e.value)) = e.value))"
        " JOIN vulns v ON v.source = a.source AND v.vuln_id = a.vuln_id"
        " WHERE p.agent_id = ?1 AND p.version IS NOT NULL"
        "   AND (p.package_status IS NULL OR p.package_status = ''"
        "        OR p.package_status LIKE '% installed')";
    sqlite3_stmt *s = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        return store_db_error(err, db, "preparing the vulnerability matching");
    sqlite3_bind_text(s, 1, agent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, exact, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, prefix, -1, SQLITE_STATIC);
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(s, 5);
        const char *state = (const char *)sqlite3_column_text(s, 10);
        const char *cves = (const char *)sqlite3_column_text(s, 12);
        const char *id = (const char *)sqlite3_column_text(s, 4);
        int affected = 0;
        if (strcmp(state, VULN_NOT_AFFECTED) && strcmp(state, VULN_UNIMPORTANT) &&
            strcmp(state, VULN_UNDETERMINED))
            affected = in_range(type, (const char *)sqlite3_column_text(s, 16),
                                (const char *)sqlite3_column_text(s, 6),
                                (const char *)sqlite3_column_text(s, 7),
                                (const char *)sqlite3_column_text(s, 8),
                                (const char *)sqlite3_column_text(s, 9));
        /* one verdict per CVE of the advisory (the advisory's id when it names none) */
        const char *p = cves && *cves ? cves : id;
        while (p && *p) {
            size_t l = strcspn(p, ",");
            if (out->n == out->cap) {
                size_t cap = out->cap ? out->cap * 2 : 256;
                struct verdict *nv = realloc(out->v, cap * sizeof(*nv));
                if (!nv) {
                    rc = vg_error_set(err, -ENOMEM, "out of memory");
                    goto cleanup;
                }
                out->v = nv, out->cap = cap;
            }
            struct verdict *v = &out->v[out->n++];
            memset(v, 0, sizeof(*v));
            v->cve = strndup(p, l);
            v->binary = dup_col(s, 0);
            v->src = dup_col(s, 1);
            v->installed = dup_col(s, 2);
            v->source = dup_col(s, 3);
            v->vuln_id = dup_col(s, 4);
            v->fixed = dup_col(s, 7);
            v->fix_state = dup_col(s, 10);
            v->severity = dup_col(s, 11);
            v->summary = dup_col(s, 13);
            v->cvss = sqlite3_column_type(s, 14) == SQLITE_NULL ? -1 : sqlite3_column_double(s, 14);
            v->vector = dup_col(s, 15);
            v->affected = affected;
            v->rpm = !strcmp(type, "rpm");
            if (!v->cve || !v->binary || !v->src || !v->source) {
                rc = vg_error_set(err, -ENOMEM, "out of memory");
                goto cleanup;
            }
            p += l;
            if (*p == ',')
                p++;
        }
    }
    if (r != SQLITE_DONE)
        rc = store_db_error(err, db, "matching packages");
cleanup:
    sqlite3_finalize(s);
    return rc;
}

static int by_key(const void *a, const void *b)
{
    const struct verdict *x = a, *y = b;
    int r = strcmp(x->cve, y->cve);
    if (!r)
        r = strcmp(x->src, y->src);
    if (!r)
        r = strcmp(x->source, y->source);
    if (!r)
        r = strcmp(x->vuln_id, y->vuln_id);
    return r ? r : strcmp(x->binary, y->binary);
}

/* Which of the host's packages run, and which listen: names of executables and of the
 * applications' packages. */
struct activity {
    json_t *running, *listening; /* objects: name -> true */
};

static void load_activity(sqlite3 *db, const char *agent_id, struct activity *a)
{
    static const char *const queries[] = {
        "SELECT exe, 0 FROM host_processes WHERE agent_id = ?1",
        "SELECT exe, 1 FROM host_listening_ports WHERE agent_id = ?1",
        "SELECT package_name, CASE WHEN coalesce(listen, '') != '' THEN 1 ELSE 0 END"
        " FROM host_applications WHERE agent_id = ?1 AND coalesce(pid, 0) > 0",
    };
    a->running = json_object();
    a->listening = json_object();
    for (size_t q = 0; q < 3; q++) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(db, queries[q], -1, &s, NULL) != SQLITE_OK)
            continue; /* an older store without the table: activity unknown */
        sqlite3_bind_text(s, 1, agent_id, -1, SQLITE_STATIC);
        while (sqlite3_step(s) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(s, 0);
            if (!name || !*name)
                continue;
            const char *base = strrchr(name, '/');
            base = base ? base + 1 : name;
            json_object_set_new(a->running, base, json_true());
            if (sqlite3_column_int(s, 1))
                json_object_set_new(a->listening, base, json_true());
        }
        sqlite3_finalize(s);
    }
}

/* Report the (CVE, source package) of verdicts [from, to) when every record says affected. */
static int report_group(sqlite3 *db, sqlite3_stmt **stmt, const char *agent_id,
                        const char *hostname, struct verdict *v, size_t from, size_t to,
                        const struct activity *act, int64_t t, int *found,
                        struct vg_error *err)
{
    /* every (source, advisory) must have at least one affected binary */
    for (size_t i = from; i < to;) {
        size_t j = i;
        int any = 0;
        while (j < to && !strcmp(v[j].source, v[i].source) && !strcmp(v[j].vuln_id, v[i].vuln_id))
            any |= v[j++].affected;
        if (!any)
            return 0;
        i = j;
    }
    json_t *detail = json_object(), *bins = json_array(), *sources = json_array();
    const char *severity = "unknown", *fixed = NULL, *state = NULL, *summary = NULL,
               *vector = NULL, *installed = NULL;
    double cvss = -1;
    bool running = false, listening = false;
    for (size_t i = from; i < to; i++) {
        if (!v[i].affected)
            continue;
        if (sev_rank(v[i].severity) > sev_rank(severity))
            severity = v[i].severity;
        if (v[i].cvss > cvss)
            cvss = v[i].cvss, vector = v[i].vector;
        int (*cmp)(const char *, const char *) = v[i].rpm ? vercmp_rpm : vercmp_dpkg;
        if (v[i].fixed && (!fixed || cmp(v[i].fixed, fixed) > 0))
            fixed = v[i].fixed; /* the newest fix any source asks for */
        if (!state || !strcmp(v[i].fix_state, VULN_FIXED))
            state = v[i].fix_state;
        if (!summary && v[i].summary && *v[i].summary)
            summary = v[i].summary;
        installed = v[i].installed;
        bool seen = false;
        size_t k;
        json_t *b;
        json_array_foreach(bins, k, b)
            seen |= !strcmp(json_string_value(json_object_get(b, "package")), v[i].binary);
        if (!seen) {
            bool r = json_object_get(act->running, v[i].binary) != NULL;
            bool l = json_object_get(act->listening, v[i].binary) != NULL;
            running |= r, listening |= l;
            json_array_append_new(bins, json_pack("{s:s,s:s,s:b,s:b}", "package", v[i].binary,
                                                  "version", v[i].installed, "running", r,
                                                  "listening", l));
        }
        char src_id[300];
        snprintf(src_id, sizeof(src_id), "%s:%s", v[i].source, v[i].vuln_id);
        bool have = false;
        json_array_foreach(sources, k, b)
            have |= !strcmp(json_string_value(b), src_id);
        if (!have)
            json_array_append_new(sources, json_string(src_id));
    }
    const char *cve = v[from].cve, *src = v[from].src;
    json_object_set_new(detail, "cve", json_string(cve));
    json_object_set_new(detail, "package", json_string(src));
    json_object_set_new(detail, "installed_version", json_string(installed));
    json_object_set_new(detail, "fixed_version", fixed ? json_string(fixed) : json_null());
    json_object_set_new(detail, "fix_state", json_string(state));
    json_object_set_new(detail, "binaries", bins);
    json_object_set_new(detail, "running", json_boolean(running));
    json_object_set_new(detail, "listening", json_boolean(listening));
    json_object_set_new(detail, "sources", sources);
    if (cvss >= 0)
        json_object_set_new(detail, "cvss", json_real(cvss));
    if (vector)
        json_object_set_new(detail, "cvss_vector", json_string(vector));
    if (summary)
        json_object_set_new(detail, "summary", json_stringn(summary, strnlen(summary, 400)));
    char subject[600], title[900], remediation[900];
    snprintf(subject, sizeof(subject), "%s %s", cve, src);
    snprintf(title, sizeof(title), "%s in %s %s%s%s%s", cve, src, installed,
             fixed ? " (fixed in " : "", fixed ? fixed : "", fixed ? ")" : "");
    if (fixed)
        snprintf(remediation, sizeof(remediation),
                 "Upgrade the packages built from %s to %s or later%s", src, fixed,
                 running ? " and restart the processes that run them" : "");
    else
        snprintf(remediation, sizeof(remediation),
                 "No fixed version in this release (%s): remove or isolate %s, or accept the "
                 "risk with a reason", state, src);
    char *dtext = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    struct finding f = {
        .agent_id = agent_id,
        .hostname = hostname,
        .check = "vulns",
        .kind = "vulnerable_package",
        .subject = subject,
        .severity = severity,
        .title = title,
        .detail = dtext,
        .remediation = remediation,
        .cve = cve,
        .package = src,
        .cvss = cvss,
        .time = t,
    };
    int rc = dtext ? store_findings_report(db, stmt, &f, err)
                   : vg_error_set(err, -ENOMEM, "out of memory");
    free(dtext);
    if (!rc)
        (*found)++;
    return rc;
}

static bool has_packages(sqlite3 *db, const char *agent_id)
{
    sqlite3_stmt *s = NULL;
    bool any = false;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM host_packages WHERE agent_id = ?1 LIMIT 1", -1, &s,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, agent_id, -1, SQLITE_STATIC);
        any = sqlite3_step(s) == SQLITE_ROW;
    }
    sqlite3_finalize(s);
    return any;
}

static int match_host(sqlite3 *db, const char *agent_id, const char *hostname,
                      const char *os_id, const char *ver, const char *codename,
                      struct vuln_match_stats *stats, struct vg_error *err)
{
    json_t *exact = json_array(), *prefix = json_array();
    struct verdicts vs = {0};
    struct activity act = {0};
    char *es = NULL, *ps = NULL;
    int rc = 0;
    host_ecosystems(os_id, ver, codename, exact, prefix);
    if (!json_array_size(exact) && !json_array_size(prefix))
        goto cleanup; /* an OS no data covers: leave its findings as they are */
    if (!has_packages(db, agent_id))
        goto cleanup; /* no package list (yet): nothing is known to be fixed */
    es = json_dumps(exact, JSON_COMPACT);
    ps = json_dumps(prefix, JSON_COMPACT);
    if (!es || !ps) {
        rc = vg_error_set(err, -ENOMEM, "out of memory");
        goto cleanup;
    }
    if ((rc = collect(db, agent_id, es, ps, &vs, err)))
        goto cleanup;
    if (vs.n)
        qsort(vs.v, vs.n, sizeof(*vs.v), by_key);
    load_activity(db, agent_id, &act);
    int64_t t = store_now_ns();
    int found = 0, fixed = 0;
    sqlite3_stmt *stmt = NULL;
    for (size_t i = 0; i < vs.n && !rc;) {
        size_t j = i;
        while (j < vs.n && !strcmp(vs.v[j].cve, vs.v[i].cve) && !strcmp(vs.v[j].src, vs.v[i].src))
            j++;
        rc = report_group(db, &stmt, agent_id, hostname, vs.v, i, j, &act, t, &found, err);
        i = j;
    }
    sqlite3_finalize(stmt);
    if (!rc)
        rc = store_findings_sweep(db, agent_id, "vulns", t, &fixed, err);
    if (!rc && stats) {
        stats->hosts++;
        stats->findings += found;
        stats->fixed += fixed;
    }
cleanup:
    json_decref(exact);
    json_decref(prefix);
    json_decref(act.running);
    json_decref(act.listening);
    free(es);
    free(ps);
    verdicts_free(&vs);
    return rc;
}

int vulns_match(struct store *st, const char *agent_id, struct vuln_match_stats *stats,
                struct vg_error *err)
{
    sqlite3_stmt *hosts = NULL;
    sqlite3 *db = store_writer(st);
    int rc = store_exec(db, "BEGIN IMMEDIATE", err);
    if (rc)
        goto done;
    if (sqlite3_prepare_v2(db,
                           "SELECT h.agent_id, coalesce(g.hostname, h.hostname), h.os_id,"
                           " h.os_version, h.os_codename FROM host_info h"
                           " LEFT JOIN agents g USING (agent_id)"
                           " WHERE ?1 IS NULL OR h.agent_id = ?1", -1, &hosts, NULL) !=
        SQLITE_OK) {
        rc = store_db_error(err, db, "reading the hosts' operating systems");
        goto rollback;
    }
    if (agent_id)
        sqlite3_bind_text(hosts, 1, agent_id, -1, SQLITE_STATIC);
    int r;
    while (!rc && (r = sqlite3_step(hosts)) == SQLITE_ROW) {
        char *id = dup_col(hosts, 0), *hn = dup_col(hosts, 1), *os = dup_col(hosts, 2),
             *ver = dup_col(hosts, 3), *cn = dup_col(hosts, 4);
        if (id)
            rc = match_host(db, id, hn, os, ver, cn, stats, err);
        free(id), free(hn), free(os), free(ver), free(cn);
    }
    if (rc)
        goto rollback;
    sqlite3_finalize(hosts);
    hosts = NULL;
    if (!(rc = store_exec(db, "COMMIT", err)))
        goto done;
rollback:
    store_exec(db, "ROLLBACK", NULL);
done:
    sqlite3_finalize(hosts);
    store_writer_done(st);
    return rc;
}
