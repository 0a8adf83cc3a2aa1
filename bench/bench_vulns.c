/* bench_vulns.c - what vulnerability matching costs the server: a store with --hosts hosts
 * carrying this machine's installed packages (dpkg-query), a Debian Security Tracker document of
 * --per-package issues for every source package (states mixed as in the real tracker: fixed
 * above and below the installed version, open, will-not-fix, not affected, unimportant), then
 * the import and the matching of every host are timed (wall clock and process CPU), and the
 * version comparisons per second.
 *
 *   bench_vulns [--hosts N] [--per-package N] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/util.h"
#include "common/vercmp.h"
#include "server/risk/vulns.h"
#include "server/store/store.h"
#include "server/store/store_internal.h"

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct pkg {
    char name[128], version[128], source[128], status[64];
};

int main(int argc, char **argv)
{
    int hosts = 10, per = 40;
    static const struct option opts[] = {{"hosts", required_argument, NULL, 'h'},
                                         {"per-package", required_argument, NULL, 'p'},
                                         {NULL, 0, NULL, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "h:p:", opts, NULL)) != -1) {
        if (o == 'h')
            hosts = atoi(optarg) > 0 ? atoi(optarg) : 1;
        else if (o == 'p')
            per = atoi(optarg) > 0 ? atoi(optarg) : 1;
        else
            return 2;
    }
    struct pkg *p = NULL;
    size_t n = 0, cap = 0;
    FILE *f = popen("dpkg-query -W -f='${Package}\\t${Version}\\t${source:Package}\\t"
                    "${Status}\\n'", "r");
    char line[1024];
    while (f && fgets(line, sizeof(line), f)) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            p = realloc(p, cap * sizeof(*p));
        }
        line[strcspn(line, "\n")] = 0;
        char *save = NULL, *a = strtok_r(line, "\t", &save), *b = strtok_r(NULL, "\t", &save),
             *c = strtok_r(NULL, "\t", &save), *d = strtok_r(NULL, "\t", &save);
        if (!a || !b || !c || !d)
            continue;
        str_copy(p[n].name, a, 128), str_copy(p[n].version, b, 128);
        str_copy(p[n].source, c, 128), str_copy(p[n].status, d, 64);
        n++;
    }
    if (f)
        pclose(f);
    char dir[] = "/tmp/vigil-bench-vulns.XXXXXX", path[128];
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof(path), "%s/store.db", dir);
    struct store *st = NULL;
    struct vg_error err = {{0}};
    if (store_open(path, &st, &err)) {
        fprintf(stderr, "store: %s\n", err.msg);
        return 1;
    }
    sqlite3 *db = store_writer(st);
    store_exec(db, "BEGIN", NULL);
    sqlite3_stmt *hi = NULL, *hp = NULL;
    sqlite3_prepare_v2(db, "INSERT INTO host_info (agent_id, hostname, os_id, os_version,"
                           " os_codename, row_key, first_seen, updated_at, seq)"
                           " VALUES (?1, ?1, 'debian', '12', 'bookworm', 'host', 1, 1, 1)",
                       -1, &hi, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO host_packages (agent_id, package_manager, package_name,"
                           " version, source_package, package_status, row_key, first_seen,"
                           " updated_at, seq) VALUES (?1, 'dpkg', ?2, ?3, ?4, ?5, ?2, 1, 1, 1)",
                       -1, &hp, NULL);
    for (int h = 0; h < hosts; h++) {
        char id[32];
        snprintf(id, sizeof(id), "host%04d", h);
        sqlite3_bind_text(hi, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_step(hi);
        sqlite3_reset(hi);
        for (size_t i = 0; i < n; i++) {
            sqlite3_bind_text(hp, 1, id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(hp, 2, p[i].name, -1, SQLITE_STATIC);
            sqlite3_bind_text(hp, 3, p[i].version, -1, SQLITE_STATIC);
            sqlite3_bind_text(hp, 4, p[i].source, -1, SQLITE_STATIC);
            sqlite3_bind_text(hp, 5, p[i].status, -1, SQLITE_STATIC);
            sqlite3_step(hp);
            sqlite3_reset(hp);
        }
    }
    sqlite3_finalize(hi);
    sqlite3_finalize(hp);
    store_exec(db, "COMMIT", NULL);
    store_writer_done(st);

    /* the tracker document: per source package, `per` issues */
    json_t *doc = json_object();
    size_t issues = 0;
    for (size_t i = 0; i < n; i++) {
        if (json_object_get(doc, p[i].source))
            continue;
        json_t *pk = json_object();
        for (int k = 0; k < per; k++) {
            char cve[48], fixed[160];
            snprintf(cve, sizeof(cve), "CVE-2099-%05zu%03d", i, k);
            json_t *rel = json_object();
            switch (k % 6) {
            case 0: /* fixed above the installed version: vulnerable */
                snprintf(fixed, sizeof(fixed), "%s+vgt1", p[i].version);
                json_object_set_new(rel, "status", json_string("resolved"));
                json_object_set_new(rel, "fixed_version", json_string(fixed));
                break;
            case 1: /* fixed long ago */
            case 2:
                json_object_set_new(rel, "status", json_string("resolved"));
                json_object_set_new(rel, "fixed_version", json_string("0.1-1"));
                break;
            case 3:
                json_object_set_new(rel, "status", json_string("open"));
                json_object_set_new(rel, "nodsa_reason", json_string("ignored"));
                break;
            case 4:
                json_object_set_new(rel, "status", json_string("resolved"));
                json_object_set_new(rel, "fixed_version", json_string("0"));
                break;
            default:
                json_object_set_new(rel, "status", json_string("open"));
                break;
            }
            json_object_set_new(rel, "urgency", json_string(k % 6 == 5 ? "unimportant" : "medium"));
            json_t *issue = json_pack("{s:s,s:{s:o}}", "description", "bench issue", "releases",
                                      "bookworm", rel);
            json_object_set_new(pk, cve, issue);
            issues++;
        }
        json_object_set_new(doc, p[i].source, pk);
    }
    json_t *report = NULL;
    uint64_t t0 = time_mono_ns();
    double c0 = cpu_s();
    int rc = vulns_import(st, "debian-tracker", "debian", doc, true, 0, "bench", &report, &err);
    double import_s = (time_mono_ns() - t0) / 1e9, import_cpu = cpu_s() - c0;
    json_decref(report);
    json_decref(doc);
    if (rc) {
        fprintf(stderr, "import: %s\n", err.msg);
        return 1;
    }
    struct vuln_match_stats ms = {0};
    t0 = time_mono_ns();
    c0 = cpu_s();
    rc = vulns_match(st, NULL, &ms, &err);
    double match_s = (time_mono_ns() - t0) / 1e9, match_cpu = cpu_s() - c0;
    if (rc) {
        fprintf(stderr, "match: %s\n", err.msg);
        return 1;
    }
    struct vuln_match_stats again = {0};
    t0 = time_mono_ns();
    vulns_match(st, NULL, &again, &err);
    double rematch_s = (time_mono_ns() - t0) / 1e9;
    /* version comparisons */
    volatile int sink = 0;
    t0 = time_mono_ns();
    size_t cmps = 0;
    for (int r = 0; r < 200; r++)
        for (size_t i = 1; i < n; i++, cmps++)
            sink += vercmp_dpkg(p[i].version, p[i - 1].version);
    double dpkg_s = (time_mono_ns() - t0) / 1e9;
    t0 = time_mono_ns();
    for (int r = 0; r < 200; r++)
        for (size_t i = 1; i < n; i++)
            sink += vercmp_rpm(p[i].version, p[i - 1].version);
    double rpm_s = (time_mono_ns() - t0) / 1e9;
    printf("packages per host      %zu\n", n);
    printf("tracker issues         %zu (%zu source packages x %d)\n", issues,
           issues / (size_t)per, per);
    printf("import                 %.2f s wall, %.2f s CPU\n", import_s, import_cpu);
    printf("match %4d hosts        %.2f s wall, %.2f s CPU (%.1f ms per host); %d findings\n",
           hosts, match_s, match_cpu, match_s * 1000 / hosts, ms.findings);
    printf("match again            %.2f s wall (%.1f ms per host)\n", rematch_s,
           rematch_s * 1000 / hosts);
    printf("vercmp dpkg            %.1f M comparisons/s\n", cmps / dpkg_s / 1e6);
    printf("vercmp rpm             %.1f M comparisons/s\n", cmps / rpm_s / 1e6);
    store_close(st);
    free(p);
    snprintf(line, sizeof(line), "rm -rf %s", dir);
    return system(line) ? 1 : 0;
}
