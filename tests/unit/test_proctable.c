/* test_proctable.c - the process table and the /proc parsers under it: seeding from the real
 * /proc (this process and its parent), entity ids that agree with /proc/PID/stat field 22,
 * fork/exec/exit updates, pid reuse, and the stat/status/cgroup parsers on hostile text. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/host.h"
#include "agent/proctable.h"
#include "agent/sensors/process/procfs.h"
#include "common/buf.h"
#include "common/entity.h"
#include "common/util.h"
#include "test.h"

/* Field 22 of /proc/PID/stat, parsed here independently of procfs.c. */
static unsigned long long stat_start_ticks(int pid)
{
    char path[64], text[2048];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    char *p = strrchr(text, ')');
    unsigned long long start = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
                            "%*d %*d %*d %llu", &start) != 1)
        return 0;
    return start;
}

/* /proc/PID/cmdline joined by spaces. */
static void joined_cmdline(int pid, char *out, size_t outlen)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
    struct buf b = {0};
    out[0] = '\0';
    if (file_read_all(path, &b, 1 << 20) == 0) {
        size_t len = b.len;
        if (len && b.data[len - 1] == '\0')
            len--;
        for (size_t i = 0; i < len; i++)
            if (b.data[i] == '\0')
                b.data[i] = ' ';
        size_t k = len < outlen - 1 ? len : outlen - 1;
        memcpy(out, b.data, k);
        out[k] = '\0';
    }
    buf_free(&b);
}

static void test_parse_stat(void)
{
    struct procfs_stat st;
    const char *plain = "1234 (bash) S 1000 1234 1234 34816 1234 4194304 100 200 0 0 5 6 0 0 20 0 1 "
                        "0 98765 1000000 200 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1\n";
    CHECK_EQ_INT(procfs_parse_stat(plain, strlen(plain), &st), 0);
    CHECK_EQ_STR(st.comm, "bash");
    CHECK_EQ_INT(st.state, 'S');
    CHECK_EQ_INT(st.ppid, 1000);
    CHECK_EQ_INT(st.session, 1234);
    CHECK_EQ_INT(st.tty_nr, 34816);
    CHECK_EQ_INT(st.start_ticks, 98765);

    /* comm with spaces and parentheses: only the LAST ')' ends it */
    const char *nasty = "77 (a) (b) S x) R 5 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4242 0 0\n";
    CHECK_EQ_INT(procfs_parse_stat(nasty, strlen(nasty), &st), 0);
    CHECK_EQ_STR(st.comm, "a) (b) S x");
    CHECK_EQ_INT(st.state, 'R');
    CHECK_EQ_INT(st.ppid, 5);
    CHECK_EQ_INT(st.start_ticks, 4242);

    const char *parens = "8 ()) ) S 2 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 17 0 0";
    CHECK_EQ_INT(procfs_parse_stat(parens, strlen(parens), &st), 0);
    CHECK_EQ_STR(st.comm, ")) ");
    CHECK_EQ_INT(st.ppid, 2);
    CHECK_EQ_INT(st.start_ticks, 17);

    const char *newline = "9 (x\ny) S 3 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 33 0 0";
    CHECK_EQ_INT(procfs_parse_stat(newline, strlen(newline), &st), 0);
    CHECK_EQ_STR(st.comm, "x\ny");
    CHECK_EQ_INT(st.start_ticks, 33);

    /* longer than 15 bytes (kworker descriptions): cut, still parsed */
    const char *longc = "10 (kworker/u4:1-events_unbound) I 2 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 44";
    CHECK_EQ_INT(procfs_parse_stat(longc, strlen(longc), &st), 0);
    CHECK_EQ_STR(st.comm, "kworker/u4:1-ev");
    CHECK_EQ_INT(st.start_ticks, 44);

    /* garbage */
    const char *bad[] = {"", "123", "1 (x S 1 2", "1 x) S", "1 (x) S 1 2 3",
                         "1 (x) S -5 0 0 0 0 0 0 0 0 0 0 0 0 0 20 0 1 0 12",
                         "1 (x) S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99999999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_EQ_INT(procfs_parse_stat(bad[i], strlen(bad[i]), &st), -EINVAL);
    /* not NUL-terminated: the parser must stay within len */
    char cut[64];
    memcpy(cut, plain, sizeof(cut));
    CHECK_EQ_INT(procfs_parse_stat(cut, sizeof(cut), &st), -EINVAL);
}

static void test_parse_status_cgroup(void)
{
    const char *status = "Name:\tbash\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t1000\t1001\t1002\t1003\n"
                         "Gid:\t100\t101\t102\t103\nFDSize:\t256\n";
    uint32_t uid, euid, gid, egid;
    CHECK_EQ_INT(procfs_parse_status(status, strlen(status), &uid, &euid, &gid, &egid), 0);
    CHECK_EQ_INT(uid, 1000);
    CHECK_EQ_INT(euid, 1001);
    CHECK_EQ_INT(gid, 100);
    CHECK_EQ_INT(egid, 101);
    const char *nouid = "Name:\tx\nGid:\t1\t1\t1\t1\n";
    CHECK_EQ_INT(procfs_parse_status(nouid, strlen(nouid), &uid, &euid, &gid, &egid), -EINVAL);

    char v2[256], v1[256];
    const char *hybrid = "12:pids:/\n4:memory:/docker/abc\n1:name=systemd:/user.slice\n0::/\n";
    CHECK_EQ_INT(procfs_parse_cgroup(hybrid, strlen(hybrid), v2, sizeof(v2), v1, sizeof(v1)), 0);
    CHECK_EQ_STR(v2, "/");
    CHECK_EQ_STR(v1, "/docker/abc");
    const char *unified = "0::/system.slice/x:y.service\n";
    CHECK_EQ_INT(procfs_parse_cgroup(unified, strlen(unified), v2, sizeof(v2), v1, sizeof(v1)), 0);
    CHECK_EQ_STR(v2, "/system.slice/x:y.service");
    CHECK_EQ_STR(v1, "");
    const char *combined = "3:cpu,memory,pids:/lxc/c1\n";
    CHECK_EQ_INT(procfs_parse_cgroup(combined, strlen(combined), v2, sizeof(v2), v1, sizeof(v1)), 0);
    CHECK_EQ_STR(v1, "/lxc/c1");
    CHECK_EQ_INT(procfs_parse_cgroup("garbage", 7, v2, sizeof(v2), v1, sizeof(v1)), -EINVAL);

    char tty[64];
    CHECK_EQ_INT(procfs_tty_name(0, tty, sizeof(tty)), 0);
    CHECK_EQ_STR(tty, "");
    CHECK_EQ_INT(procfs_tty_name(34816 + 3, tty, sizeof(tty)), 0); /* 136:3 */
    CHECK_EQ_STR(tty, "pts/3");
    CHECK_EQ_INT(procfs_tty_name((4 << 8) | 1, tty, sizeof(tty)), 0);
    CHECK_EQ_STR(tty, "tty1");
    CHECK_EQ_INT(procfs_tty_name((4 << 8) | 64, tty, sizeof(tty)), 0);
    CHECK_EQ_STR(tty, "ttyS0");
}

struct seen {
    int self, parent;
    struct proc_snapshot me, dad;
    int count;
};

static void on_each(void *ctx, const struct proc_snapshot *p)
{
    struct seen *s = ctx;
    s->count++;
    if (p->pid == getpid()) {
        s->self++;
        s->me = *p;
    }
    if (p->pid == getppid()) {
        s->parent++;
        s->dad = *p;
    }
}

static struct host_info host;

static void test_seed(void)
{
    struct proctable *pt = NULL;
    CHECK_EQ_INT(proctable_new(&host, &pt, NULL), 0);
    static struct seen s;
    memset(&s, 0, sizeof(s));
    int n = proctable_seed(pt, on_each, &s);
    CHECK(n > 2);
    CHECK_EQ_INT(s.count, n);
    CHECK_EQ_INT(s.self, 1);
    CHECK_EQ_INT(s.parent, 1);
    CHECK((size_t)n <= proctable_size(pt));

    char exe[PATH_MAX], cmd[PROC_CMDLINE_MAX], id[ENTITY_ID_LEN + 1];
    CHECK(realpath("/proc/self/exe", exe) != NULL);
    CHECK_EQ_STR(s.me.exe, exe);
    joined_cmdline(getpid(), cmd, sizeof(cmd));
    CHECK_EQ_STR(s.me.cmdline, cmd);
    CHECK_EQ_INT(s.me.ppid, getppid());
    CHECK_EQ_INT(s.me.start_ticks, stat_start_ticks(getpid()));
    CHECK(s.me.start_ticks > 0);
    entity_id_make(host.machine_id, host.boot_id, getpid(), stat_start_ticks(getpid()), id);
    CHECK_EQ_STR(s.me.entity_id, id);
    CHECK_EQ_INT(s.me.uid, getuid());
    CHECK_EQ_INT(s.me.euid, geteuid());
    CHECK_EQ_INT(s.me.gid, getgid());
    CHECK(!s.me.exited);
    CHECK(strlen(s.me.comm) > 0);

    char pexe_link[64], pexe[PATH_MAX];
    snprintf(pexe_link, sizeof(pexe_link), "/proc/%d/exe", getppid());
    ssize_t l = readlink(pexe_link, pexe, sizeof(pexe) - 1); /* not as another user: "" */
    CHECK(l > 0 || geteuid() != 0);
    pexe[l > 0 ? l : 0] = '\0';
    CHECK_EQ_STR(s.dad.exe, pexe);
    joined_cmdline(getppid(), cmd, sizeof(cmd));
    CHECK_EQ_STR(s.dad.cmdline, cmd);
    CHECK_EQ_INT(s.dad.start_ticks, stat_start_ticks(getppid()));
    entity_id_make(host.machine_id, host.boot_id, getppid(), stat_start_ticks(getppid()), id);
    CHECK_EQ_STR(s.dad.entity_id, id);
    CHECK_EQ_STR(s.me.parent_entity_id, s.dad.entity_id);

    /* lookups agree with the seed, and ids are stable across a second seed */
    static struct proc_snapshot got;
    CHECK(proctable_get(pt, getpid(), &got));
    CHECK_EQ_STR(got.entity_id, s.me.entity_id);
    size_t before = proctable_size(pt);
    CHECK(proctable_seed(pt, NULL, NULL) > 0);
    CHECK(proctable_get(pt, getpid(), &got));
    CHECK_EQ_STR(got.entity_id, s.me.entity_id);
    CHECK(proctable_size(pt) <= before + 16); /* no duplicates */
    proctable_free(pt);
}

static void test_get_unknown(void)
{
    struct proctable *pt = NULL;
    CHECK_EQ_INT(proctable_new(&host, &pt, NULL), 0);
    CHECK_EQ_INT(proctable_size(pt), 0);
    static struct proc_snapshot a, b;
    CHECK(proctable_get(pt, getpid(), &a)); /* read from /proc */
    CHECK_EQ_INT(proctable_size(pt), 1);
    CHECK(proctable_get(pt, getpid(), &b)); /* from the table */
    CHECK_EQ_INT(proctable_size(pt), 1);
    CHECK_EQ_STR(a.entity_id, b.entity_id);
    char id[ENTITY_ID_LEN + 1];
    entity_id_make(host.machine_id, host.boot_id, getpid(), stat_start_ticks(getpid()), id);
    CHECK_EQ_STR(a.entity_id, id);
    /* the parent's id comes from /proc too */
    entity_id_make(host.machine_id, host.boot_id, getppid(), stat_start_ticks(getppid()), id);
    CHECK_EQ_STR(a.parent_entity_id, id);
    CHECK(!proctable_get(pt, 0, &a));
    CHECK(!proctable_get(pt, -1, &a));
    CHECK(!proctable_get(pt, INT32_MAX, &a)); /* no such process */
    proctable_free(pt);
}

static void test_fork_exec_exit(void)
{
    struct proctable *pt = NULL;
    CHECK_EQ_INT(proctable_new(&host, &pt, NULL), 0);
    static struct proc_snapshot me, child, got;
    CHECK(proctable_get(pt, getpid(), &me));

    /* a fork: the sensor knows the pids and start; exe/cmdline/ids come from the parent */
    const int32_t cpid = 4190001;
    memset(&child, 0, sizeof(child));
    child.pid = cpid;
    child.ppid = getpid();
    child.start_ticks = me.start_ticks + 100;
    proctable_on_fork(pt, &child);
    CHECK(proctable_get(pt, cpid, &got));
    CHECK_EQ_STR(got.exe, me.exe);
    CHECK_EQ_STR(got.cmdline, me.cmdline);
    CHECK_EQ_STR(got.comm, me.comm);
    CHECK_EQ_INT(got.uid, me.uid);
    CHECK_EQ_INT(got.ppid, getpid());
    CHECK_EQ_STR(got.parent_entity_id, me.entity_id);
    char id[ENTITY_ID_LEN + 1];
    entity_id_make(host.machine_id, host.boot_id, cpid, me.start_ticks + 100, id);
    CHECK_EQ_STR(got.entity_id, id);
    CHECK(!got.exited);

    /* its exec: a new image, same identity */
    memset(&child, 0, sizeof(child));
    child.pid = cpid;
    child.ppid = getpid();
    child.start_ticks = me.start_ticks + 100;
    child.uid = child.euid = 1000;
    str_copy(child.comm, "true", sizeof(child.comm));
    str_copy(child.exe, "/usr/bin/true", sizeof(child.exe));
    str_copy(child.cmdline, "true --version", sizeof(child.cmdline));
    proctable_on_exec(pt, &child);
    CHECK(proctable_get(pt, cpid, &got));
    CHECK_EQ_STR(got.exe, "/usr/bin/true");
    CHECK_EQ_STR(got.cmdline, "true --version");
    CHECK_EQ_STR(got.comm, "true");
    CHECK_EQ_INT(got.uid, 1000);
    CHECK_EQ_STR(got.entity_id, id);
    CHECK_EQ_STR(got.parent_entity_id, me.entity_id);

    /* exec without start ticks (proc connector, process already gone): keeps the identity */
    child.start_ticks = 0;
    str_copy(child.exe, "/usr/bin/env", sizeof(child.exe));
    proctable_on_exec(pt, &child);
    CHECK(proctable_get(pt, cpid, &got));
    CHECK_EQ_STR(got.exe, "/usr/bin/env");
    CHECK_EQ_STR(got.entity_id, id);
    size_t size = proctable_size(pt);

    /* an exit with other start ticks is another process: ignored */
    proctable_on_exit(pt, cpid, me.start_ticks + 99);
    CHECK(proctable_get(pt, cpid, &got));
    CHECK(!got.exited);
    /* the real exit: still resolvable during the grace period */
    proctable_on_exit(pt, cpid, me.start_ticks + 100);
    CHECK(proctable_get(pt, cpid, &got));
    CHECK(got.exited);
    CHECK_EQ_STR(got.exe, "/usr/bin/env");
    CHECK_EQ_INT(proctable_size(pt), size);
    proctable_purge(pt); /* within the grace period: kept */
    CHECK_EQ_INT(proctable_size(pt), size);

    /* pid reuse: a new process with the same pid is a new entity; the live one wins */
    memset(&child, 0, sizeof(child));
    child.pid = cpid;
    child.ppid = getpid();
    child.start_ticks = me.start_ticks + 500;
    proctable_on_fork(pt, &child);
    CHECK(proctable_get(pt, cpid, &got));
    CHECK(!got.exited);
    CHECK_EQ_INT(got.start_ticks, me.start_ticks + 500);
    CHECK(strcmp(got.entity_id, id) != 0);
    CHECK_EQ_STR(got.exe, me.exe);
    CHECK_EQ_INT(proctable_size(pt), size + 1);

    /* a fork that reuses a pid whose exit was missed retires the old entry */
    child.start_ticks = me.start_ticks + 600;
    proctable_on_fork(pt, &child);
    CHECK(proctable_get(pt, cpid, &got));
    CHECK_EQ_INT(got.start_ticks, me.start_ticks + 600);
    CHECK_EQ_INT(proctable_size(pt), size + 2);

    /* long strings are bounded */
    static struct proc_snapshot big;
    memset(&big, 0, sizeof(big));
    big.pid = cpid + 1;
    big.ppid = getpid();
    big.start_ticks = 1;
    memset(big.exe, 'e', sizeof(big.exe) - 1);
    memset(big.cmdline, 'c', sizeof(big.cmdline) - 1);
    proctable_on_exec(pt, &big);
    CHECK(proctable_get(pt, cpid + 1, &got));
    CHECK_EQ_INT(strlen(got.exe), PROC_EXE_MAX - 1);
    CHECK_EQ_INT(strlen(got.cmdline), PROC_CMDLINE_MAX - 1);

    /* rescan: entries whose process is not in /proc are retired, real ones kept */
    size_t gone = 0;
    int added = proctable_rescan(pt, NULL, NULL, &gone);
    CHECK(added >= 0);
    CHECK(gone >= 2); /* cpid and cpid + 1 do not exist */
    CHECK(proctable_get(pt, cpid, &got));
    CHECK(got.exited);
    CHECK(proctable_get(pt, getpid(), &got));
    CHECK(!got.exited);
    proctable_free(pt);
}

static void test_many(void)
{
    /* growth and lookups with many entries */
    struct proctable *pt = NULL;
    CHECK_EQ_INT(proctable_new(&host, &pt, NULL), 0);
    static struct proc_snapshot s, got;
    for (int i = 0; i < 20000; i++) {
        memset(&s, 0, sizeof(s));
        s.pid = 3000000 + i;
        s.ppid = i ? 3000000 + i - 1 : 0;
        s.start_ticks = 1000 + (uint64_t)i;
        str_copy(s.exe, "/bin/x", sizeof(s.exe));
        proctable_on_exec(pt, &s);
    }
    CHECK_EQ_INT(proctable_size(pt), 20000);
    int ok = 0;
    for (int i = 0; i < 20000; i++)
        ok += proctable_get(pt, 3000000 + i, &got) && got.start_ticks == 1000 + (uint64_t)i;
    CHECK_EQ_INT(ok, 20000);
    CHECK(proctable_get(pt, 3000005, &got));
    CHECK(got.parent_entity_id[0] != '\0');
    for (int i = 0; i < 20000; i++)
        proctable_on_exit(pt, 3000000 + i, 0);
    CHECK_EQ_INT(proctable_size(pt), 20000); /* in their grace period */
    proctable_free(pt);
}

static void setup(void)
{
    CHECK_EQ_INT(host_info_load(&host, NULL, NULL), 0);
}

TEST_MAIN(TEST(setup), TEST(test_parse_stat), TEST(test_parse_status_cgroup), TEST(test_seed),
          TEST(test_get_unknown), TEST(test_fork_exec_exit), TEST(test_many))
