/* test_baseline.c - the SCA policy engine: the OS_Regex dialect on PCRE2, rule parsing, every
 * rule kind (f:, d:, p:, c:, r:) and content operator (literal, r:, n: with each comparison,
 * !, &&, not) on fixture files and real commands, the all/any/none conditions with not
 * applicable rules, policy loading (the shared sample policy and the shipped ones parse with
 * no error), and a run that reports a regression when a fixture changes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/baseline/baseline_run.h"
#include "agent/baseline/sca_eval.h"
#include "agent/baseline/sca_exec.h"
#include "agent/baseline/sca_policy.h"
#include "agent/baseline/sca_regex.h"
#include "agent/baseline/sca_rule.h"
#include "agent/baseline/sca_yaml.h"
#include "common/util.h"
#include "test.h"

static char dir[64];

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static int re_match(const char *pattern, enum sca_regex_kind kind, const char *s)
{
    struct sca_regex re;
    struct vg_error err = {{0}};
    if (sca_regex_compile(&re, pattern, kind, &err)) {
        fprintf(stderr, "compile %s: %s\n", pattern, err.msg);
        return -1;
    }
    int m = sca_regex_match(&re, s, strlen(s), NULL, NULL);
    sca_regex_free(&re);
    return m;
}

static void test_osregex(void)
{
    /* case-insensitive; \s is a space only, \t a tab; \. any character, '.' a dot */
    CHECK_EQ_INT(re_match("^PermitRootLogin\\s+no", SCA_RE_OSREGEX, "permitrootlogin no"), 1);
    CHECK_EQ_INT(re_match("^a\\sb", SCA_RE_OSREGEX, "a\tb"), 0);
    CHECK_EQ_INT(re_match("^a\\s*\\t*b", SCA_RE_OSREGEX, "a \tb"), 1);
    CHECK_EQ_INT(re_match("Port\\.+22", SCA_RE_OSREGEX, "Port 22"), 1);
    CHECK_EQ_INT(re_match("a.c", SCA_RE_OSREGEX, "abc"), 0);
    CHECK_EQ_INT(re_match("a.c", SCA_RE_OSREGEX, "a.c"), 1);
    /* \w includes @ - _; \p punctuation; \d digits; escapes */
    CHECK_EQ_INT(re_match("^\\w+$", SCA_RE_OSREGEX, "user@host-name_1"), 1);
    CHECK_EQ_INT(re_match("^\\w+$", SCA_RE_OSREGEX, "a.b"), 0);
    CHECK_EQ_INT(re_match("\\p", SCA_RE_OSREGEX, "x;y"), 1);
    CHECK_EQ_INT(re_match("^\\d+$", SCA_RE_OSREGEX, "0755"), 1);
    CHECK_EQ_INT(re_match("\\$FileCreateMode \\(x\\)", SCA_RE_OSREGEX, "$FileCreateMode (x)"), 1);
    /* alternation and capture groups; PCRE2 specials are literal in OS_Regex */
    CHECK_EQ_INT(re_match("^enabled|^static", SCA_RE_OSREGEX, "static"), 1);
    CHECK_EQ_INT(re_match("a[b]", SCA_RE_OSREGEX, "a[b]"), 1);
    CHECK_EQ_INT(re_match("a?", SCA_RE_OSREGEX, "a?"), 1);
    /* PCRE2 dialect: case-sensitive, full syntax */
    CHECK_EQ_INT(re_match("^Permit", SCA_RE_PCRE2, "permit"), 0);
    CHECK_EQ_INT(re_match("^a\\s+b{2}$", SCA_RE_PCRE2, "a\tbb"), 1);
    /* OS_Match for file names: substring, ^ $ |, case-insensitive, no regex */
    CHECK_EQ_INT(re_match("^.mysql_history$", SCA_RE_OSMATCH, ".MYSQL_history"), 1);
    CHECK_EQ_INT(re_match("^.mysql_history$", SCA_RE_OSMATCH, "xmysql_history"), 0);
    CHECK_EQ_INT(re_match(".conf|.rules", SCA_RE_OSMATCH, "audit.rules"), 1);
    /* bad patterns are errors, not crashes */
    struct sca_regex re;
    struct vg_error err = {{0}};
    CHECK(sca_regex_compile(&re, "abc\\", SCA_RE_OSREGEX, &err) == -EINVAL);
    CHECK(strstr(err.msg, "trailing backslash") != NULL);
    CHECK(sca_regex_compile(&re, "(unclosed", SCA_RE_PCRE2, &err) == -EINVAL);
    /* a catastrophic pattern hits the match limit instead of spinning */
    CHECK_EQ_INT(sca_regex_compile(&re, "^(a+)+$", SCA_RE_PCRE2, &err), 0);
    char s[64];
    memset(s, 'a', 40);
    strcpy(s + 40, "!");
    int m = sca_regex_match(&re, s, strlen(s), NULL, NULL);
    CHECK(m == -E2BIG || m == 0);
    sca_regex_free(&re);
}

static void test_rule_parse(void)
{
    struct sca_rule r;
    struct vg_error err = {{0}};
    struct sca_var v[] = {{"$file", "/etc/a,/etc/b"}, {"$f", "/short"}};
    struct sca_vars vars = {v, 2};
    CHECK_EQ_INT(sca_rule_parse("not f:$file -> !r:^# && r:Port && n:x (\\d+) compare >= 2", &vars,
                                SCA_RE_OSREGEX, &r, &err), 0);
    CHECK(r.negated);
    CHECK_EQ_INT(r.type, SCA_RULE_FILE);
    CHECK_EQ_STR(r.target, "/etc/a,/etc/b"); /* the longest variable name wins */
    CHECK(r.content && r.content->n == 3);
    CHECK(r.content->terms[0].negated && r.content->terms[0].op == SCA_TERM_REGEX);
    CHECK_EQ_INT(r.content->terms[2].op, SCA_TERM_NUMERIC);
    CHECK_EQ_INT(r.content->terms[2].cmp, SCA_CMP_GE);
    CHECK_EQ_INT(r.content->terms[2].value, 2);
    sca_rule_free(&r);
    CHECK_EQ_INT(sca_rule_parse("d:/etc -> r:inetd\\.\\w+ -> r:^telnet", NULL, SCA_RE_OSREGEX, &r,
                                &err), 0);
    CHECK(r.type == SCA_RULE_DIR && r.name && r.content);
    sca_rule_free(&r);
    CHECK_EQ_INT(sca_rule_parse("c:echo a -> b -> c", NULL, SCA_RE_OSREGEX, &r, &err), 0);
    CHECK_EQ_STR(r.content->terms[0].text, "b -> c"); /* a later arrow is content */
    sca_rule_free(&r);
    CHECK_EQ_INT(sca_rule_parse("r:HKLM\\Software -> Key", NULL, SCA_RE_OSREGEX, &r, &err), 0);
    CHECK_EQ_INT(r.type, SCA_RULE_REGISTRY);
    sca_rule_free(&r);
    static const char *const bad[] = {
        "x:/etc", "f", "f:", "f:/etc -> n:(\\d+)", "f:/etc -> n:(\\d+) compare ~ 3",
        "f:/etc -> n:(\\d+) compare < three", "f:/etc -> r:(", "f:/etc -> ", "p:a -> b",
        "f:/etc -> r:a &&  && r:b",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err.msg[0] = '\0';
        int rc = sca_rule_parse(bad[i], NULL, SCA_RE_PCRE2, &r, &err);
        CHECK(rc == -EINVAL);
        CHECK(err.msg[0] != '\0');
        if (rc != -EINVAL)
            fprintf(stderr, "accepted: %s\n", bad[i]);
    }
}

/* Evaluate one check made of rules under condition; return its status. */
static enum sca_status eval_rules(const char *condition, const char *const *rules, size_t n,
                                  char **reason_out)
{
    struct buf doc = {0};
    buf_printf(&doc, "policy:\n  id: t\nvariables:\n  $d: %s\nchecks:\n  - id: 1\n    title: t\n"
                     "    condition: %s\n    rules:\n", dir, condition);
    for (size_t i = 0; i < n; i++) {
        buf_append_str(&doc, "      - '");
        for (const char *p = rules[i]; *p; p++)
            buf_append(&doc, p, *p == '\'' ? 0 : 1), *p == '\'' ? buf_append_str(&doc, "''") : 0;
        buf_append_str(&doc, "'\n");
    }
    struct sca_policy *p = NULL;
    struct vg_error err = {{0}};
    int rc = sca_policy_load_string((const char *)doc.data, doc.len, "test.yml", &p, &err);
    buf_free(&doc);
    CHECK_EQ_INT(rc, 0);
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        return SCA_NOT_APPLICABLE;
    }
    if (p->checks[0].error)
        fprintf(stderr, "check error: %s\n", p->checks[0].error);
    struct sca_eval_options o = {.command_timeout_ms = 500, .commands = true};
    struct sca_eval *e = NULL;
    CHECK_EQ_INT(sca_eval_new(&o, &e), 0);
    struct sca_check_result res;
    CHECK_EQ_INT(sca_eval_check(e, &p->checks[0], &res), 0);
    enum sca_status st = res.status;
    if (reason_out)
        *reason_out = res.reason ? strdup(res.reason) : NULL;
    /* evidence names every rule evaluated */
    CHECK(json_array_size(res.evidence) >= 1);
    sca_check_result_free(&res);
    sca_eval_free(e);
    sca_policy_free(p);
    return st;
}

static enum sca_status one(const char *rule)
{
    return eval_rules("all", &rule, 1, NULL);
}

static void test_files(void)
{
    write_file("sshd_config", "# comment\nPort 22\nPermitRootLogin no\nMaxAuthTries 4\n"
                              "ClientAliveInterval 300\r\nBanner none\n");
    char rule[512];
    /* existence */
    snprintf(rule, sizeof(rule), "f:%s/sshd_config", dir);
    CHECK_EQ_INT(one(rule), SCA_PASSED);
    CHECK_EQ_INT(one("f:$d/missing"), SCA_FAILED);
    CHECK_EQ_INT(one("not f:$d/missing"), SCA_PASSED);
    CHECK_EQ_INT(one("f:$d/missing,$d/sshd_config"), SCA_PASSED); /* a list: any file */
    CHECK_EQ_INT(one("f:$d"), SCA_NOT_APPLICABLE);                /* a directory */
    /* literal: the whole line, case-insensitive, trailing CR ignored */
    CHECK_EQ_INT(one("f:$d/sshd_config -> permitrootlogin no"), SCA_PASSED);
    CHECK_EQ_INT(one("f:$d/sshd_config -> PermitRootLogin"), SCA_FAILED);
    CHECK_EQ_INT(one("f:$d/sshd_config -> ClientAliveInterval 300"), SCA_PASSED);
    /* regex, negation of a term, && on one line */
    CHECK_EQ_INT(one("f:$d/sshd_config -> r:^PermitRootLogin\\s+no$"), SCA_PASSED);
    CHECK_EQ_INT(one("f:$d/sshd_config -> !r:^# && r:Port && r:22"), SCA_PASSED);
    CHECK_EQ_INT(one("f:$d/sshd_config -> r:Port && r:2222"), SCA_FAILED);
    CHECK_EQ_INT(one("f:$d/sshd_config -> !r:^# && r:comment"), SCA_FAILED);
    /* numeric comparisons, each operator */
    CHECK_EQ_INT(one("f:$d/sshd_config -> n:^MaxAuthTries\\s+(\\d+) compare <= 4"), SCA_PASSED);
    CHECK_EQ_INT(one("f:$d/sshd_config -> n:^MaxAuthTries\\s+(\\d+) compare < 4"), SCA_FAILED);
    CHECK_EQ_INT(one("f:$d/sshd_config -> n:^MaxAuthTries\\s+(\\d+) compare == 4"), SCA_PASSED);
    CHECK_EQ_INT(one("f:$d/sshd_config -> n:^MaxAuthTries\\s+(\\d+) compare != 4"), SCA_FAILED);
    CHECK_EQ_INT(one("f:$d/sshd_config -> n:^MaxAuthTries\\s+(\\d+) compare >= 5"), SCA_FAILED);
    CHECK_EQ_INT(one("f:$d/sshd_config -> n:^MaxAuthTries\\s+(\\d+) compare > 3"), SCA_PASSED);
    CHECK_EQ_INT(one("f:$d/sshd_config -> n:^ClientAliveInterval\\s+(\\d+) compare <= 300"),
                 SCA_PASSED);
    /* a number pattern without a group cannot be evaluated */
    CHECK_EQ_INT(one("f:$d/sshd_config -> n:^MaxAuthTries\\s+\\d+ compare <= 4"),
                 SCA_NOT_APPLICABLE);
    /* not on content; a missing file makes a content check not applicable, also negated */
    CHECK_EQ_INT(one("not f:$d/sshd_config -> r:^PermitRootLogin\\s+yes"), SCA_PASSED);
    char *reason = NULL;
    const char *r1 = "not f:$d/missing -> r:x";
    CHECK_EQ_INT(eval_rules("all", &r1, 1, &reason), SCA_NOT_APPLICABLE);
    CHECK(reason && strstr(reason, "does not exist"));
    free(reason);
}

static void test_dirs(void)
{
    char sub[256];
    snprintf(sub, sizeof(sub), "%s/conf.d", dir);
    mkdir(sub, 0755);
    snprintf(sub, sizeof(sub), "%s/conf.d/deep", dir);
    mkdir(sub, 0755);
    write_file("conf.d/10-a.conf", "x = 1\n");
    write_file("conf.d/deep/20-b.rules", "-w /etc/passwd -p wa -k identity\n");
    CHECK_EQ_INT(one("d:$d/conf.d"), SCA_PASSED);
    CHECK_EQ_INT(one("d:$d/nope"), SCA_FAILED);
    CHECK_EQ_INT(one("d:$d/conf.d -> 10-a.conf"), SCA_PASSED);          /* OS_Match name */
    CHECK_EQ_INT(one("d:$d/conf.d -> r:\\.rules$"), SCA_PASSED);         /* regex name, recursive */
    CHECK_EQ_INT(one("d:$d/conf.d -> r:\\.nothing$"), SCA_FAILED);
    CHECK_EQ_INT(one("d:$d/conf.d -> r:\\.rules$ -> r:-k identity"), SCA_PASSED);
    CHECK_EQ_INT(one("d:$d/conf.d -> r:\\.rules$ -> r:-k session"), SCA_FAILED);
    CHECK_EQ_INT(one("not d:$d/conf.d -> r:\\.conf$ -> n:^x = (\\d+) compare > 5"), SCA_PASSED);
    CHECK_EQ_INT(one("d:$d/nope -> r:. -> r:x"), SCA_NOT_APPLICABLE);
}

static void test_processes(void)
{
    /* this test's own process: its comm is test_baseline */
    CHECK_EQ_INT(one("p:test_baseline"), SCA_PASSED);
    CHECK_EQ_INT(one("p:r:^test_base"), SCA_PASSED);
    CHECK_EQ_INT(one("p:no-such-process-vigil"), SCA_FAILED);
    CHECK_EQ_INT(one("not p:no-such-process-vigil"), SCA_PASSED);
}

static void test_commands(void)
{
    CHECK_EQ_INT(one("c:echo hello world -> r:^hello"), SCA_PASSED);
    CHECK_EQ_INT(one("c:echo hello -> hello"), SCA_PASSED);
    CHECK_EQ_INT(one("c:echo hello -> r:^bye"), SCA_FAILED);
    /* exit status does not matter, stderr is read too */
    CHECK_EQ_INT(one("c:ls /nonexistent-vigil -> r:No such file or directory"), SCA_PASSED);
    /* shell only when needed: a pipeline, quotes */
    CHECK_EQ_INT(one("c:printf 'a\\nb=7\\n' | grep b -> n:^b=(\\d+)$ compare == 7"), SCA_PASSED);
    CHECK(!sca_exec_needs_shell("sshd -T -f /etc/ssh/sshd_config"));
    CHECK(sca_exec_needs_shell("grep x /etc/* | wc -l"));
    CHECK(sca_exec_needs_shell("LC_ALL=C date"));
    /* a minimal environment */
    CHECK_EQ_INT(one("c:env -> r:^PATH=/usr/local/sbin"), SCA_PASSED);
    CHECK_EQ_INT(one("not c:env -> r:^VIGIL_TEST_SECRET="), SCA_PASSED);
    /* a program that does not exist, and one that times out, are not applicable */
    char *reason = NULL;
    const char *r1 = "c:no-such-program-vigil -> r:x";
    CHECK_EQ_INT(eval_rules("all", &r1, 1, &reason), SCA_NOT_APPLICABLE);
    CHECK(reason && strstr(reason, "not found"));
    free(reason);
    const char *r2 = "c:sleep 5 -> r:x";
    uint64_t t0 = time_mono_ns();
    CHECK_EQ_INT(eval_rules("all", &r2, 1, &reason), SCA_NOT_APPLICABLE);
    CHECK((time_mono_ns() - t0) / 1000000 < 3000); /* killed at the 500 ms timeout */
    CHECK(reason && strstr(reason, "did not finish"));
    free(reason);
    /* a shell whose children keep the output open are killed with it */
    const char *r3 = "c:sleep 5 & echo started -> r:started";
    t0 = time_mono_ns();
    CHECK_EQ_INT(eval_rules("all", &r3, 1, NULL), SCA_NOT_APPLICABLE);
    CHECK((time_mono_ns() - t0) / 1000000 < 3000);
    /* no pattern: found without running (as the format defines) */
    CHECK_EQ_INT(one("c:no-such-program-vigil"), SCA_PASSED);
    /* registry rules do not apply here */
    CHECK_EQ_INT(one("r:HKEY_LOCAL_MACHINE\\Software"), SCA_NOT_APPLICABLE);
    /* output bound */
    struct sca_exec_result res;
    struct vg_error err = {{0}};
    CHECK_EQ_INT(sca_exec_run("head -c 100000 /dev/zero", 5000, 1000, &res, &err), 0);
    CHECK(res.truncated && res.output.len == 1000 && res.exit_code == 0);
    sca_exec_result_free(&res);
}

static void test_conditions(void)
{
    const char *pass = "f:$d/sshd_config -> r:Port";
    const char *fail = "f:$d/sshd_config -> r:NotThere";
    const char *na = "f:$d/missing -> r:x";
    const char *const pf[] = {pass, fail}, *const pp[] = {pass, pass}, *const ff[] = {fail, fail};
    const char *const pn[] = {pass, na}, *const fn[] = {na, fail}, *const nn[] = {na, na};
    CHECK_EQ_INT(eval_rules("all", pp, 2, NULL), SCA_PASSED);
    CHECK_EQ_INT(eval_rules("all", pf, 2, NULL), SCA_FAILED);
    CHECK_EQ_INT(eval_rules("all", pn, 2, NULL), SCA_NOT_APPLICABLE);
    CHECK_EQ_INT(eval_rules("all", fn, 2, NULL), SCA_FAILED); /* a failure beats n/a */
    CHECK_EQ_INT(eval_rules("any", pf, 2, NULL), SCA_PASSED);
    CHECK_EQ_INT(eval_rules("any", ff, 2, NULL), SCA_FAILED);
    CHECK_EQ_INT(eval_rules("any", pn, 2, NULL), SCA_PASSED);
    CHECK_EQ_INT(eval_rules("any", fn, 2, NULL), SCA_NOT_APPLICABLE);
    CHECK_EQ_INT(eval_rules("none", ff, 2, NULL), SCA_PASSED);
    CHECK_EQ_INT(eval_rules("none", pf, 2, NULL), SCA_FAILED);
    CHECK_EQ_INT(eval_rules("none", fn, 2, NULL), SCA_NOT_APPLICABLE);
    CHECK_EQ_INT(eval_rules("none", nn, 2, NULL), SCA_NOT_APPLICABLE);
}

static void test_policy_errors(void)
{
    struct sca_policy *p = NULL;
    struct vg_error err = {{0}};
    static const char *const bad[] = {
        "", "- a\n- b\n", "checks: []\n", "policy: {}\nchecks: []\n",
        "policy: {id: x}\n", "policy: {id: x}\npolicy: {id: y}\nchecks: []\n",
        "policy: {id: x}\nchecks: [\n", "policy: {id: x}\nvariables: {a: b}\nchecks: []\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err.msg[0] = '\0';
        CHECK(sca_policy_load_string(bad[i], strlen(bad[i]), "bad.yml", &p, &err) < 0);
        CHECK(p == NULL && err.msg[0]);
    }
    /* a bad check does not take the policy down: it is kept with its error */
    const char *doc = "policy: {id: x}\nchecks:\n  - {id: 1, title: a, condition: all, rules: "
                      "['f:/etc/passwd']}\n  - {id: 2, title: b, condition: most, rules: "
                      "['f:/etc/passwd']}\n  - {id: 3, title: c, condition: all, rules: "
                      "['q:/x']}\n  - {id: 1, title: d, condition: all, rules: ['f:/x']}\n";
    CHECK_EQ_INT(sca_policy_load_string(doc, strlen(doc), "mixed.yml", &p, &err), 0);
    CHECK(p && p->nchecks == 4 && p->parse_errors == 3);
    if (p) {
        CHECK(p->checks[0].error == NULL);
        CHECK(p->checks[1].error && strstr(p->checks[1].error, "most"));
        CHECK(p->checks[2].error && strstr(p->checks[2].error, "rule 1"));
        CHECK(p->checks[3].error && strstr(p->checks[3].error, "twice"));
    }
    sca_policy_free(p);
    /* aliases are expanded within a bound (no billion laughs) */
    struct buf bomb = {0};
    buf_append_str(&bomb, "a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (char c = 'b'; c <= 'k'; c++)
        buf_printf(&bomb, "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", c, c,
                   c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
    json_t *j = NULL;
    CHECK_EQ_INT(sca_yaml_parse((const char *)bomb.data, bomb.len, "bomb.yml", &j, &err), -E2BIG);
    buf_free(&bomb);
}

/* Every check of a policy is evaluated or not applicable with a reason; returns parse errors. */
static size_t run_policy_file(const char *path, size_t *nchecks)
{
    struct sca_policy *p = NULL;
    struct vg_error err = {{0}};
    int rc = sca_policy_load_file(path, &p, &err);
    CHECK_EQ_INT(rc, 0);
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    struct sca_eval_options o = {.command_timeout_ms = 30000, .commands = true};
    struct sca_eval *e = NULL;
    sca_eval_new(&o, &e);
    for (size_t i = 0; i < p->nchecks; i++) {
        if (p->checks[i].error)
            fprintf(stderr, "%s: check %lld: %s\n", path, p->checks[i].id, p->checks[i].error);
        struct sca_check_result r;
        CHECK_EQ_INT(sca_eval_check(e, &p->checks[i], &r), 0);
        CHECK(r.status != SCA_NOT_APPLICABLE || (r.reason && *r.reason));
        CHECK(json_array_size(r.evidence) > 0 || r.status == SCA_NOT_APPLICABLE);
        sca_check_result_free(&r);
    }
    size_t errors = p->parse_errors;
    *nchecks = p->nchecks;
    sca_eval_free(e);
    sca_policy_free(p);
    return errors;
}

static void test_sample_policy(void)
{
    /* shared/ lies beside the repository (CI) or beside the worktrees (developers) */
    const char *sample = VIGIL_SOURCE_DIR "/../shared/sca/sca_distro_independent_linux.yml";
    if (access(sample, R_OK) != 0)
        sample = VIGIL_SOURCE_DIR "/../../shared/sca/sca_distro_independent_linux.yml";
    if (access(sample, R_OK) != 0) {
        printf("skip: the sample SCA policy is not beside the tree\n");
        return;
    }
    size_t n = 0;
    CHECK_EQ_INT(run_policy_file(sample, &n), 0);
    CHECK(n >= 150);
}

static void test_shipped_policies(void)
{
    static const char *const names[] = {"vigil_linux", "vigil_sshd", "vigil_nginx",
                                        "vigil_debian12", "vigil_ubuntu", "vigil_rhel9"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/policies/%s.yml", VIGIL_SOURCE_DIR, names[i]);
        size_t n = 0;
        CHECK_EQ_INT(run_policy_file(path, &n), 0);
        CHECK(n >= 10);
    }
}

struct collected {
    struct event *ev[256];
    size_t n;
};

static void collect(void *ctx, struct event *ev)
{
    struct collected *c = ctx;
    if (c->n < 256)
        c->ev[c->n++] = ev;
    else
        event_free(ev);
}

static void clear(struct collected *c)
{
    for (size_t i = 0; i < c->n; i++)
        event_free(c->ev[i]);
    c->n = 0;
}

static size_t count(struct collected *c, enum table_id t, const char *action)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += c->ev[i]->table == t && !strcmp(c->ev[i]->action, action);
    return n;
}

static void test_run_changes(void)
{
    write_file("app.conf", "debug = off\nport = 8080\n");
    char pol[4096];
    snprintf(pol, sizeof(pol),
             "policy: {id: fixture, name: Fixture}\n"
             "requirements: {title: fixture present, condition: all, rules: ['f:%s/app.conf']}\n"
             "checks:\n"
             "  - {id: 1, title: debug off, condition: all,"
             " rules: ['f:%s/app.conf -> r:^debug = off'], remediation: set debug = off}\n"
             "  - {id: 2, title: port, condition: all,"
             " rules: ['f:%s/app.conf -> n:^port = (\\d+) compare > 1024']}\n"
             "  - {id: 3, title: missing file, condition: all, rules: ['f:%s/none -> r:x']}\n",
             dir, dir, dir, dir);
    write_file("fixture.yml", pol);
    write_file("other.yml", "policy: {id: other}\nrequirements: {title: never, condition: all, "
                            "rules: ['f:/nonexistent-vigil']}\nchecks: []\n");
    write_file("broken.yml", "policy: [\n");
    char pdir[128], state[128];
    snprintf(pdir, sizeof(pdir), "%s", dir);
    snprintf(state, sizeof(state), "%s/state.json", dir);
    char *items[] = {pdir};
    struct config_list paths = {items, 1};
    struct collected col = {{0}, 0};
    struct baseline_run_options o = {.paths = &paths, .state_path = state, .trigger = "on_demand",
                                     .eval = {.command_timeout_ms = 1000, .commands = true},
                                     .emit = collect, .emit_ctx = &col};
    struct baseline_run_totals t;
    struct vg_error err = {{0}};
    CHECK_EQ_INT(baseline_run(&o, &t, &err), 0);
    CHECK_EQ_INT(t.policies_run, 1);
    CHECK_EQ_INT(t.policies_skipped, 1);
    CHECK_EQ_INT(t.policies_failed, 1);
    CHECK_EQ_INT(t.passed, 2);
    CHECK_EQ_INT(t.not_applicable, 1);
    CHECK_EQ_INT(count(&col, TBL_BASELINE_CHECKS, "result"), 3);
    CHECK_EQ_INT(count(&col, TBL_BASELINE_RUNS, "summary"), 1);
    CHECK_EQ_INT(count(&col, TBL_BASELINE_RUNS, "skipped"), 1);
    CHECK_EQ_INT(count(&col, TBL_BASELINE_RUNS, "error"), 1);
    CHECK_EQ_INT(count(&col, TBL_BASELINE_CHANGES, "regressed"), 0); /* first run */
    for (size_t i = 0; i < col.n; i++) {
        const struct event *ev = col.ev[i];
        if (ev->table == TBL_BASELINE_RUNS && !strcmp(ev->action, "summary")) {
            int64_t score = 0;
            CHECK(event_get_int(ev, FLD_SCORE, &score) && score == 100);
        }
        if (ev->table == TBL_BASELINE_CHECKS) {
            int64_t id = 0;
            event_get_int(ev, FLD_CHECK_ID, &id);
            if (id == 1) /* evidence names the line that decided it */
                CHECK(strstr(event_get_str(ev, FLD_EVIDENCE), "app.conf:1: debug = off"));
            if (id == 3)
                CHECK(event_get_str(ev, FLD_REASON) != NULL);
        }
    }
    clear(&col);
    /* break one setting: exactly that check regresses */
    write_file("app.conf", "debug = on\nport = 8080\n");
    CHECK_EQ_INT(baseline_run(&o, &t, &err), 0);
    CHECK_EQ_INT(t.regressed, 1);
    CHECK_EQ_INT(t.fixed + t.changed, 0);
    CHECK_EQ_INT(count(&col, TBL_BASELINE_CHANGES, "regressed"), 1);
    for (size_t i = 0; i < col.n; i++)
        if (col.ev[i]->table == TBL_BASELINE_CHANGES) {
            int64_t id = 0;
            CHECK(event_get_int(col.ev[i], FLD_CHECK_ID, &id) && id == 1);
            CHECK_EQ_STR(event_get_str(col.ev[i], FLD_PREVIOUS_RESULT), "passed");
            CHECK_EQ_STR(event_get_str(col.ev[i], FLD_REMEDIATION), "set debug = off");
        }
    clear(&col);
    /* and back: fixed */
    write_file("app.conf", "debug = off\nport = 8080\n");
    CHECK_EQ_INT(baseline_run(&o, &t, &err), 0);
    CHECK_EQ_INT(t.fixed, 1);
    CHECK_EQ_INT(t.regressed, 0);
    clear(&col);
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/vigil-baseline-test.XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    static const struct test_case cases[] = {
        TEST(test_osregex), TEST(test_rule_parse), TEST(test_files), TEST(test_dirs),
        TEST(test_processes), TEST(test_commands), TEST(test_conditions),
        TEST(test_policy_errors), TEST(test_sample_policy), TEST(test_shipped_policies),
        TEST(test_run_changes),
    };
    int rc = test_run(cases, sizeof(cases) / sizeof(cases[0]));
    dir_remove_tree(dir);
    return rc;
}
