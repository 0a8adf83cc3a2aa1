/* test_vercmp.c - package version ordering (common/vercmp.c) against the package managers
 * themselves: dpkg --compare-versions on thousands of version pairs drawn from this machine's
 * package lists (the dpkg database and apt's lists), and librpm's rpmvercmp()/rpmverCmp() on the
 * same pairs plus the examples of rpm's own documentation and test suite. */
#include <errno.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <rpm/rpmver.h>

#include "common/vercmp.h"
#include "test.h"

extern char **environ;

static int sign(int v) { return v < 0 ? -1 : v > 0; }

/* dpkg --compare-versions a op b: 1 when true, 0 when false, -1 when it could not run. */
static int dpkg_op(const char *a, const char *op, const char *b)
{
    char *argv[] = {"dpkg", "--compare-versions", (char *)a, (char *)op, (char *)b, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 1, 0); /* O_WRONLY: its warnings */
    pid_t pid;
    int rc = posix_spawnp(&pid, "dpkg", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc)
        return -1;
    int st;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st) == 0 ? 1 : WEXITSTATUS(st) == 1 ? 0 : -1;
}

static int dpkg_cmp(const char *a, const char *b)
{
    int lt = dpkg_op(a, "lt", b);
    if (lt != 0)
        return lt == 1 ? -1 : -2;
    int gt = dpkg_op(a, "gt", b);
    return gt == 1 ? 1 : gt == 0 ? 0 : -2;
}

struct pkgver {
    char *name, *version;
};
static struct pkgver *vers;
static size_t nvers, capvers;

static void add_ver(const char *name, const char *version)
{
    if (!*name || !*version || strlen(version) > 120)
        return;
    if (nvers == capvers) {
        capvers = capvers ? capvers * 2 : 4096;
        vers = realloc(vers, capvers * sizeof(*vers));
    }
    vers[nvers].name = strdup(name);
    vers[nvers].version = strdup(version);
    nvers++;
}

/* Package and version pairs from a command printing "name version" lines. */
static void read_versions(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return;
    char line[512], name[256], ver[256];
    while (fgets(line, sizeof(line), p))
        if (sscanf(line, "%255s %255s", name, ver) == 2)
            add_ver(name, ver);
    pclose(p);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int by_name(const void *a, const void *b)
{
    const struct pkgver *x = a, *y = b;
    int r = strcmp(x->name, y->name);
    return r ? r : strcmp(x->version, y->version);
}

struct pair {
    const char *a, *b;
    char buf_a[160], buf_b[160];
};

/* The pairs: every two versions of one package (apt knows several for upgraded packages),
 * random pairs across packages, and each version against its neighbours made with the
 * characters that matter (~ before, + after, an epoch). */
static struct pair *make_pairs(size_t *count)
{
    read_versions("dpkg-query -W -f='${Package} ${Version}\\n' 2>/dev/null");
    read_versions("apt-cache dumpavail 2>/dev/null | awk '/^Package:/{p=$2} "
                  "/^Version:/{print p, $2}'");
    qsort(vers, nvers, sizeof(*vers), by_name);
    size_t cap = 6000, n = 0;
    struct pair *v = calloc(cap, sizeof(*v));
    for (size_t i = 0; i + 1 < nvers && n < 2500; i++)
        if (!strcmp(vers[i].name, vers[i + 1].name) &&
            strcmp(vers[i].version, vers[i + 1].version)) {
            v[n].a = vers[i].version;
            v[n].b = vers[i + 1].version;
            n++;
        }
    while (nvers && n < 4500) {
        v[n].a = vers[next_rand() % nvers].version;
        v[n].b = vers[next_rand() % nvers].version;
        n++;
    }
    static const char *const suffix[] = {"~", "~rc1", "+b1", ".1", "-1", "+deb12u1~1", "a"};
    while (nvers && n < cap) {
        const char *base = vers[next_rand() % nvers].version;
        const char *sfx = suffix[next_rand() % (sizeof(suffix) / sizeof(suffix[0]))];
        snprintf(v[n].buf_a, sizeof(v[n].buf_a), "%s", base);
        if (next_rand() % 4 == 0 && !strchr(base, ':'))
            snprintf(v[n].buf_b, sizeof(v[n].buf_b), "1:%s", base);
        else
            snprintf(v[n].buf_b, sizeof(v[n].buf_b), "%s%s", base, sfx);
        if (next_rand() & 1) {
            v[n].a = v[n].buf_a;
            v[n].b = v[n].buf_b;
        } else {
            v[n].a = v[n].buf_b;
            v[n].b = v[n].buf_a;
        }
        n++;
    }
    *count = n;
    return v;
}

static struct pair *pairs;
static size_t npairs;

static void test_dpkg_examples(void)
{
    static const struct {
        const char *a, *b;
        int r;
    } ex[] = {
        {"1.0", "1.0", 0}, {"1.0", "1.0-0", 0}, {"1:1.0", "2.0", 1}, {"1.0~rc1", "1.0", -1},
        {"1.0~~", "1.0~", -1}, {"1.0~", "1.0", -1}, {"1.0", "1.0a", -1}, {"1.0a", "1.0+", -1},
        {"1.0+", "1.0.", -1}, {"1.10", "1.9", 1}, {"1.001", "1.1", 0}, {"0:1.0", "1.0", 0},
        {"1.0-1", "1.0-1+b1", -1}, {"1.0-1+deb12u1", "1.0-1+deb12u2", -1},
        {"3.0.11-1~deb12u2", "3.0.11-1", -1}, {"2.36-9+deb12u4", "2.36-9+deb12u10", -1},
        {"7.0.15-1~deb12u1", "5:7.0.15-1~deb12u1", -1}, {"", "0", 0},
        {"99999999999999999999", "99999999999999999998", 1},
    };
    for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
        CHECK_EQ_INT(sign(vercmp_dpkg(ex[i].a, ex[i].b)), ex[i].r);
        CHECK_EQ_INT(sign(vercmp_dpkg(ex[i].b, ex[i].a)), -ex[i].r);
    }
    CHECK(vercmp_dpkg_valid("1:2.3-4+deb12u1"));
    CHECK(vercmp_dpkg_valid("2.3~rc1"));
    CHECK(!vercmp_dpkg_valid("a1.0"));
    CHECK(!vercmp_dpkg_valid("x:1.0"));
    CHECK(!vercmp_dpkg_valid("1.0-"));
    CHECK(!vercmp_dpkg_valid("1.0 2"));
}

/* Every pair against dpkg itself. */
static void test_dpkg_vs_dpkg(void)
{
    CHECK(npairs >= 3000);
    size_t disagree = 0, compared = 0;
    for (size_t i = 0; i < npairs; i++) {
        int want = dpkg_cmp(pairs[i].a, pairs[i].b);
        if (want == -2)
            continue;
        compared++;
        int got = sign(vercmp_dpkg(pairs[i].a, pairs[i].b));
        if (got != want && disagree++ < 10)
            fprintf(stderr, "dpkg disagrees: %s vs %s: dpkg %d, vercmp %d\n", pairs[i].a,
                    pairs[i].b, want, got);
    }
    printf("dpkg: %zu pairs compared with dpkg --compare-versions, %zu disagreements\n",
           compared, disagree);
    CHECK(compared >= 3000);
    CHECK_EQ_INT(disagree, 0);
}

/* rpm's documented examples (the rpmvercmp cases of its test suite). */
static void test_rpm_examples(void)
{
    static const struct {
        const char *a, *b;
        int r;
    } ex[] = {
        {"1.0", "1.0", 0}, {"1.0", "2.0", -1}, {"2.0.1", "2.0", 1}, {"2.0.1a", "2.0.1", 1},
        {"5.5p1", "5.5p2", -1}, {"5.5p10", "5.5p1", 1}, {"10xyz", "10.1xyz", -1},
        {"xyz10", "xyz10.1", -1}, {"xyz.4", "8", -1}, {"xyz.4", "2", -1}, {"5.5p2", "5.6p1", -1},
        {"5.6p1", "6.5p1", -1}, {"6.0.rc1", "6.0", 1}, {"10b2", "10a1", 1}, {"10a2", "10b2", -1},
        {"1.0a", "1.0aa", -1}, {"10.0001", "10.1", 0}, {"10.0001", "10.0039", -1},
        {"4.999.9", "5.0", -1}, {"20101121", "20101122", -1}, {"2_0", "2.0", 0}, {"a+", "a_", 0},
        {"+a", "_a", 0}, {"+_", "_+", 0}, {"+", "_", 0}, {"1.0~rc1", "1.0", -1},
        {"1.0~rc1", "1.0~rc2", -1}, {"1.0~rc1~git123", "1.0~rc1", -1}, {"1.0^", "1.0", 1},
        {"1.0^git1", "1.0", 1}, {"1.0^git1", "1.0^git2", -1}, {"1.0^git1", "1.01", -1},
        {"1.0^20160101", "1.0.1", -1}, {"1.0^20160102", "1.0^20160101^git1", 1},
        {"1.0~rc1^git1", "1.0~rc1", 1}, {"1.0^git1~pre", "1.0^git1", -1},
    };
    for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
        CHECK_EQ_INT(sign(vercmp_rpm_segment(ex[i].a, ex[i].b)), ex[i].r);
        CHECK_EQ_INT(sign(vercmp_rpm_segment(ex[i].b, ex[i].a)), -ex[i].r);
        CHECK_EQ_INT(sign(rpmvercmp(ex[i].a, ex[i].b)), ex[i].r);
    }
    /* whole EVRs: the epoch first, then version, then release */
    CHECK(vercmp_rpm("1:1.0-1", "2.0-1") > 0);
    CHECK(vercmp_rpm("3.0.7-16.el9", "3.0.7-18.el9_2") < 0);
    CHECK(vercmp_rpm("3.0.7-24.el9", "1:3.0.7-24.el9") < 0);
    CHECK(vercmp_rpm("2.9.13-5.el9_4", "2.9.13-5.el9_4") == 0);
    CHECK(vercmp_rpm("1.2", "1.2-5") < 0); /* as rpmverCmp: no release sorts first */
}

/* The same pairs against librpm. */
static void test_rpm_vs_librpm(void)
{
    size_t disagree = 0;
    for (size_t i = 0; i < npairs; i++) {
        int want = sign(rpmvercmp(pairs[i].a, pairs[i].b));
        int got = sign(vercmp_rpm_segment(pairs[i].a, pairs[i].b));
        if (got != want && disagree++ < 10)
            fprintf(stderr, "rpmvercmp disagrees: %s vs %s: rpm %d, vercmp %d\n", pairs[i].a,
                    pairs[i].b, want, got);
        rpmver va = rpmverParse(pairs[i].a), vb = rpmverParse(pairs[i].b);
        if (va && vb) {
            want = sign(rpmverCmp(va, vb));
            got = sign(vercmp_rpm(pairs[i].a, pairs[i].b));
            if (got != want && disagree++ < 10)
                fprintf(stderr, "rpmverCmp disagrees: %s vs %s: rpm %d, vercmp %d\n",
                        pairs[i].a, pairs[i].b, want, got);
        }
        rpmverFree(va);
        rpmverFree(vb);
    }
    printf("rpm: %zu pairs compared with librpm, %zu disagreements\n", npairs, disagree);
    CHECK_EQ_INT(disagree, 0);
}

static void setup(void) { pairs = make_pairs(&npairs); }

static void teardown(void)
{
    for (size_t i = 0; i < nvers; i++) {
        free(vers[i].name);
        free(vers[i].version);
    }
    free(vers);
    free(pairs);
}

TEST_MAIN(TEST(setup), TEST(test_dpkg_examples), TEST(test_dpkg_vs_dpkg),
          TEST(test_rpm_examples), TEST(test_rpm_vs_librpm), TEST(teardown))
