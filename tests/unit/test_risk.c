/* test_risk.c - the server's risk area on a real SQLite store: the CVSS v3 base score against
 * the specification's worked values, reading OSV and Debian tracker documents, and the findings
 * lifecycle (open, fixed by a later run, open again, accepted with a reason, late or repeated
 * reports that cannot undo newer state). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/risk/findings.h"
#include "server/risk/vulns.h"
#include "server/risk/vulndb.h"
#include "server/store/store.h"
#include "server/store/store_internal.h"
#include "test.h"

static void test_cvss(void)
{
    static const struct {
        const char *v;
        double score;
    } ex[] = {
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1},
        {"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H", 5.5},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0},
        {"CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9},
        {"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8},
        {"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0},
        {"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H/E:P", 9.1},
    };
    for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
        double s = vulndb_cvss3_score(ex[i].v);
        if (s < ex[i].score - 0.001 || s > ex[i].score + 0.001)
            fprintf(stderr, "%s: %.1f, expected %.1f\n", ex[i].v, s, ex[i].score);
        CHECK(s > ex[i].score - 0.001 && s < ex[i].score + 0.001);
    }
    CHECK(vulndb_cvss3_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H") < 0);
    CHECK(vulndb_cvss3_score("CVSS:2.0/AV:N") < 0);
    CHECK(vulndb_cvss3_score("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") < 0);
    CHECK_EQ_STR(vulndb_cvss_severity(9.8), "critical");
    CHECK_EQ_STR(vulndb_cvss_severity(7.0), "high");
    CHECK_EQ_STR(vulndb_cvss_severity(3.9), "low");
}

struct seen {
    int advisories, ranges, fixed, no_fix, wontfix, not_affected, unimportant;
    char cves[256];
};

static int collect(void *ctx, const struct vuln_advisory *adv, const struct vuln_affected *aff,
                   size_t n, struct vg_error *err)
{
    (void)err;
    struct seen *s = ctx;
    s->advisories++;
    s->ranges += (int)n;
    strncat(s->cves, adv->cves, sizeof(s->cves) - strlen(s->cves) - 2);
    strcat(s->cves, ";");
    for (size_t i = 0; i < n; i++) {
        const char *f = aff[i].fix_state;
        s->fixed += !strcmp(f, VULN_FIXED);
        s->no_fix += !strcmp(f, VULN_NO_FIX);
        s->wontfix += !strcmp(f, VULN_WILL_NOT_FIX);
        s->not_affected += !strcmp(f, VULN_NOT_AFFECTED);
        s->unimportant += !strcmp(f, VULN_UNIMPORTANT);
    }
    return 0;
}

static void test_readers(void)
{
    const char *osv =
        "[{\"id\":\"DSA-1-1\",\"aliases\":[\"CVE-2099-1\",\"CVE-2099-2\",\"GHSA-x\"],"
        "\"modified\":\"2026-10-01T12:00:00Z\",\"affected\":["
        "{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"a\"},\"ranges\":[{\"type\":"
        "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.0-2\"},"
        "{\"introduced\":\"2.0-1\"}]}]},"
        "{\"package\":{\"ecosystem\":\"npm\",\"name\":\"b\"},\"ranges\":[{\"type\":\"SEMVER\","
        "\"events\":[{\"introduced\":\"0\"}]}]},"
        "{\"package\":{\"ecosystem\":\"Debian:12\"}}]},"
        "{\"no\":\"id\"}, 7]";
    json_t *doc = json_loads(osv, 0, NULL);
    struct seen s = {0};
    struct vulndb_sink sink = {.ctx = &s, .advisory = collect};
    struct vulndb_stats st = {0};
    struct vg_error err = {{0}};
    CHECK_EQ_INT(vulndb_read_osv(doc, &sink, &st, &err), 0);
    CHECK_EQ_INT(s.advisories, 1);
    CHECK_EQ_INT(s.ranges, 2); /* [0, 1.0-2) and [2.0-1, ...) */
    CHECK_EQ_INT(s.fixed, 1);
    CHECK_EQ_INT(s.no_fix, 1);
    CHECK_EQ_STR(s.cves, "CVE-2099-1,CVE-2099-2;");
    CHECK_EQ_INT(st.skipped, 3); /* the entry without a name, the object without id, 7 */
    CHECK(st.newest > 0);
    json_decref(doc);

    const char *tracker =
        "{\"p\":{\"CVE-2099-3\":{\"releases\":{"
        "\"bookworm\":{\"status\":\"resolved\",\"fixed_version\":\"1.2-3\",\"urgency\":\"high\"},"
        "\"bullseye\":{\"status\":\"open\",\"nodsa_reason\":\"ignored\",\"urgency\":\"low\"},"
        "\"buster\":{\"status\":\"resolved\",\"fixed_version\":\"0\"},"
        "\"trixie\":{\"status\":\"open\",\"urgency\":\"unimportant\"},"
        "\"sid\":{\"status\":\"weird\"}}}}, \"q\": []}";
    doc = json_loads(tracker, 0, NULL);
    memset(&s, 0, sizeof(s));
    memset(&st, 0, sizeof(st));
    CHECK_EQ_INT(vulndb_read_debian(doc, &sink, &st, &err), 0);
    CHECK_EQ_INT(s.ranges, 4);
    CHECK_EQ_INT(s.fixed, 1);
    CHECK_EQ_INT(s.wontfix, 1);
    CHECK_EQ_INT(s.not_affected, 1);
    CHECK_EQ_INT(s.unimportant, 1);
    CHECK_EQ_INT(st.skipped, 2);
    json_decref(doc);
    doc = json_loads("[1]", 0, NULL);
    CHECK(vulndb_read_debian(doc, &sink, &st, &err) < 0);
    json_decref(doc);
}

static struct store *open_store(char *dir)
{
    snprintf(dir, 64, "/tmp/vigil-test-risk.XXXXXX");
    if (!mkdtemp(dir))
        abort();
    char path[128];
    snprintf(path, sizeof(path), "%s/store.db", dir);
    struct store *st = NULL;
    struct vg_error err = {{0}};
    CHECK_EQ_INT(store_open(path, &st, &err), 0);
    return st;
}

static const char *status_of(struct store *st, const char *subject, char *out)
{
    sqlite3 *db = store_writer(st);
    sqlite3_stmt *s = NULL;
    strcpy(out, "none");
    sqlite3_prepare_v2(db, "SELECT status FROM findings WHERE subject = ?1", -1, &s, NULL);
    sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        snprintf(out, 32, "%s", sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    store_writer_done(st);
    return out;
}

/* One run of check "passwords" on agent a1 at time t reporting the subjects given. */
static void run(struct store *st, int64_t t, const char *const *subjects)
{
    struct vg_error err = {{0}};
    sqlite3 *db = store_writer(st);
    sqlite3_stmt *stmt = NULL;
    for (size_t i = 0; subjects[i]; i++) {
        struct finding f = {.agent_id = "a1", .hostname = "h1", .check = "passwords",
                            .kind = "weak_password", .subject = subjects[i],
                            .severity = "high", .cvss = -1, .time = t};
        CHECK_EQ_INT(store_findings_report(db, &stmt, &f, &err), 0);
    }
    sqlite3_finalize(stmt);
    CHECK_EQ_INT(store_findings_sweep(db, "a1", "passwords", t, NULL, &err), 0);
    store_writer_done(st);
}

static void test_lifecycle(void)
{
    char dir[64], s[32], cmd[128];
    struct store *st = open_store(dir);
    struct vg_error err = {{0}};
    run(st, 100, (const char *const[]){"alice", "bob", NULL});
    CHECK_EQ_STR(status_of(st, "alice", s), "open");
    run(st, 200, (const char *const[]){"bob", NULL});
    CHECK_EQ_STR(status_of(st, "alice", s), "fixed");
    CHECK_EQ_STR(status_of(st, "bob", s), "open");
    /* a late copy of the first run changes nothing */
    run(st, 100, (const char *const[]){"alice", "bob", NULL});
    CHECK_EQ_STR(status_of(st, "alice", s), "fixed");
    CHECK_EQ_STR(status_of(st, "bob", s), "open");
    /* alice's password is weak again */
    run(st, 300, (const char *const[]){"alice", "bob", NULL});
    CHECK_EQ_STR(status_of(st, "alice", s), "open");
    /* accept bob: needs a reason; stays accepted while it holds, fixed when it no longer does */
    struct findings_filter f = {.host = "h1", .kind = "weak_password", .limit = 10};
    json_t *r = store_findings_json(st, &f, &err);
    CHECK_EQ_INT(json_array_size(json_object_get(r, "findings")), 2);
    json_int_t bob = 0;
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(r, "findings"), i, row)
        if (!strcmp(json_string_value(json_object_get(row, "subject")), "bob"))
            bob = json_integer_value(json_object_get(row, "id"));
    json_decref(r);
    CHECK(store_findings_set_status(st, bob, "accepted", "", "admin", &err) < 0);
    CHECK_EQ_INT(store_findings_set_status(st, bob, "accepted", "lab host", "admin", &err), 0);
    CHECK(store_findings_set_status(st, 99999, "accepted", "x", "admin", &err) < 0);
    run(st, 400, (const char *const[]){"alice", "bob", NULL});
    CHECK_EQ_STR(status_of(st, "bob", s), "accepted");
    f.status = "open";
    r = store_findings_json(st, &f, &err);
    CHECK_EQ_INT(json_array_size(json_object_get(r, "findings")), 1);
    json_decref(r);
    run(st, 500, (const char *const[]){"alice", NULL});
    CHECK_EQ_STR(status_of(st, "bob", s), "fixed");
    CHECK(store_findings_set_status(st, bob, "accepted", "x", "admin", &err) < 0);
    /* fleet view */
    f.status = "all";
    r = store_findings_summary(st, &f, "status", &err);
    CHECK_EQ_INT(json_array_size(json_object_get(r, "groups")), 2);
    json_decref(r);
    CHECK(store_findings_summary(st, &f, "nonsense", &err) == NULL);
    store_close(st);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

/* Matching on hosts of three distributions: rpm ordering with epochs and releases on
 * AlmaLinux, Ubuntu's release ecosystems, and a Debian kernel image built from
 * linux-signed-amd64 matched to the data of linux. */
static void test_matching(void)
{
    char dir[64], cmd[128];
    struct store *st = open_store(dir);
    struct vg_error err = {{0}};
    sqlite3 *db = store_writer(st);
    static const char *const rows[] = {
        "INSERT INTO host_info (agent_id, hostname, os_id, os_version, os_codename, row_key,"
        " first_seen, updated_at, seq) VALUES ('deb1', 'deb1', 'debian', '12', 'bookworm',"
        " 'host', 1, 1, 1), ('alma1', 'alma1', 'almalinux', '9.3', '', 'host', 1, 1, 1),"
        " ('ubu1', 'ubu1', 'ubuntu', '22.04', 'jammy', 'host', 1, 1, 1)",
        "INSERT INTO host_packages (agent_id, package_manager, package_name, version,"
        " source_package, package_status, row_key, first_seen, updated_at, seq) VALUES"
        " ('deb1', 'dpkg', 'linux-image-6.1.0-18-amd64', '6.1.76-1', 'linux-signed-amd64',"
        "  'install ok installed', 'a', 1, 1, 1),"
        " ('deb1', 'dpkg', 'libssl3', '3.0.11-1~deb12u2', 'openssl', 'install ok installed',"
        "  'b', 1, 1, 1),"
        " ('deb1', 'dpkg', 'oldpkg', '1.0-1', 'oldpkg', 'deinstall ok config-files', 'c', 1, 1,"
        "  1),"
        " ('deb1', 'dpkg', 'grub-efi-amd64-signed', '1+2.06+13+deb12u1',"
        "  'grub-efi-amd64-signed', 'install ok installed', 'd', 1, 1, 1),"
        " ('deb1', 'dpkg', 'grub-efi-amd64-bin', '2.06-13+deb12u1', 'grub2',"
        "  'install ok installed', 'e', 1, 1, 1),"
        " ('alma1', 'rpm', 'openssl-libs', '1:3.0.7-24.el9', 'openssl', '', 'a', 1, 1, 1),"
        " ('alma1', 'rpm', 'bash', '5.1.8-6.el9', 'bash', '', 'b', 1, 1, 1),"
        " ('ubu1', 'dpkg', 'libssl3', '3.0.2-0ubuntu1.10', 'openssl', 'install ok installed',"
        "  'a', 1, 1, 1)",
        /* binaries versioned on their own: a record about the source compares the source's
         * version (deb1's libfoo1 5.0-1 is built from foo 1.4-2: vulnerable, though its own
         * version is past the fix; ubu1's libfoo1 1.0-1 is built from foo 1.4-3: fixed, though
         * its own version is below the fix) */
        "INSERT INTO host_packages (agent_id, package_manager, package_name, version,"
        " source_package, source_version, package_status, row_key, first_seen, updated_at, seq)"
        " VALUES ('deb1', 'dpkg', 'libfoo1', '5.0-1', 'foo', '1.4-2', 'install ok installed',"
        "  'f', 1, 1, 1),"
        " ('deb1', 'dpkg', 'foo-tools', '1.4-3', 'foo', NULL, 'install ok installed', 'g', 1, 1,"
        "  1),"
        " ('ubu1', 'dpkg', 'libfoo1', '1.0-1', 'foo', '1.4-3', 'install ok installed', 'f', 1, 1,"
        "  1)",
    };
    for (size_t i = 0; i < 3; i++)
        CHECK_EQ_INT(store_exec(db, rows[i], &err), 0);
    store_writer_done(st);
    const char *osv =
        "[{\"id\":\"A1\",\"aliases\":[\"CVE-2099-0001\"],\"affected\":[{\"package\":"
        "{\"ecosystem\":\"Debian:12\",\"name\":\"linux\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","
        "\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"6.1.82-1\"}]}]}]},"
        "{\"id\":\"A2\",\"aliases\":[\"CVE-2099-0002\"],\"affected\":[{\"package\":"
        "{\"ecosystem\":\"AlmaLinux:9\",\"name\":\"openssl\"},\"ranges\":[{\"type\":"
        "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1:3.0.7-25.el9_3\"}]}]}]},"
        "{\"id\":\"A3\",\"aliases\":[\"CVE-2099-0003\"],\"affected\":[{\"package\":"
        "{\"ecosystem\":\"AlmaLinux:9\",\"name\":\"bash\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","
        "\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"5.1.8-6.el9\"}]}]},"
        "{\"package\":{\"ecosystem\":\"AlmaLinux:9\",\"name\":\"bash\"},\"ranges\":[{\"type\":"
        "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"5.1.8~rc1-1.el9\"}]}]}]},"
        "{\"id\":\"A4\",\"aliases\":[\"CVE-2099-0004\"],\"affected\":[{\"package\":"
        "{\"ecosystem\":\"Ubuntu:22.04:LTS\",\"name\":\"openssl\"},\"ranges\":[{\"type\":"
        "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"3.0.2-0ubuntu1.12\"}]}]},"
        "{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"openssl\"},\"ranges\":[{\"type\":"
        "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"3.0.11-1~deb12u1\"}]}]}]},"
        "{\"id\":\"A6\",\"aliases\":[\"CVE-2099-0006\"],\"affected\":[{\"package\":"
        "{\"ecosystem\":\"Debian:12\",\"name\":\"grub2\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","
        "\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"2.06-13+deb12u1\"}]}]}]},"
        "{\"id\":\"A7\",\"aliases\":[\"CVE-2099-0007\"],\"affected\":[{\"package\":"
        "{\"ecosystem\":\"Debian:12\",\"name\":\"foo\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","
        "\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.4-3\"}]}]},"
        "{\"package\":{\"ecosystem\":\"Ubuntu:22.04:LTS\",\"name\":\"foo\"},\"ranges\":[{\"type\":"
        "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.4-3\"}]}]}]},"
        "{\"id\":\"A5\",\"aliases\":[\"CVE-2099-0005\"],\"affected\":[{\"package\":"
        "{\"ecosystem\":\"Debian:12\",\"name\":\"oldpkg\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","
        "\"events\":[{\"introduced\":\"0\"}]}]}]}]";
    json_t *doc = json_loads(osv, 0, NULL), *report = NULL;
    CHECK(doc != NULL);
    CHECK_EQ_INT(vulns_import(st, "osv", "osv", doc, true, 0, "test", &report, &err), 0);
    json_decref(report);
    json_decref(doc);
    struct vuln_match_stats ms = {0};
    CHECK_EQ_INT(vulns_match(st, NULL, &ms, &err), 0);
    CHECK_EQ_INT(ms.hosts, 3);
    CHECK_EQ_INT(ms.findings, 4);
    struct findings_filter f = {.kind = "vulnerable_package", .limit = 100};
    json_t *r = store_findings_json(st, &f, &err);
    char got[512] = "";
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(r, "findings"), i, row) {
        char one[128];
        snprintf(one, sizeof(one), "%s:%s;", json_string_value(json_object_get(row, "agent_id")),
                 json_string_value(json_object_get(row, "subject")));
        strncat(got, one, sizeof(got) - strlen(got) - 1);
    }
    json_decref(r);
    /* most severe first, then host: all unknown severity here, so by host name */
    CHECK_EQ_STR(got, "alma1:CVE-2099-0002 openssl;deb1:CVE-2099-0001 linux;"
                      "deb1:CVE-2099-0007 foo;ubu1:CVE-2099-0004 openssl;");
    store_close(st);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

TEST_MAIN(TEST(test_cvss), TEST(test_readers), TEST(test_lifecycle), TEST(test_matching))
