/* test_process_sensor.c - the process sensor end to end, in each mode (ebpf, proc_connector):
 * the real module with a real pipeline and spool, real processes started with fork+execve, the
 * events read back from the spool and checked field by field (exe, argv, parent entity id and
 * executable, cwd, uid, exit codes, truncation, `existing`), an exec storm in eBPF mode, and the
 * capture rate of short-lived commands in fallback mode. Needs root (prints "skipped" else).
 *
 * The pure parts (argv to JSON, container ids, ring-buffer record validation) are tested first
 * and run without root. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/host.h"
#include "agent/module.h"
#include "agent/pipeline.h"
#include "agent/proctable.h"
#include "agent/sensors/hub/hub.h"
#include "agent/sensors/process/process_event.h"
#include "agent/sensors/process/process_sensor.h"
#include "agent/sensors/process/process_text.h"
#include "agent/sensors/process/procfs.h"
#include "common/codec.h"
#include "common/entity.h"
#include "common/log.h"
#include "common/spool.h"
#include "common/util.h"
#include "test.h"

extern const struct agent_module process_module;
extern char **environ;

static struct host_info host;

/* ---- pure parts ---- */

static void check_json(const char *args, size_t len, const char *want_json, size_t want_count)
{
    struct buf b = {0};
    size_t count = 99;
    CHECK_EQ_INT(ptext_args_json(&b, args, len, &count), 0);
    buf_terminate(&b);
    CHECK_EQ_STR((const char *)b.data, want_json);
    CHECK_EQ_INT(count, want_count);
    json_error_t jerr;
    json_t *j = json_loads((const char *)b.data, 0, &jerr); /* valid JSON, always */
    CHECK(j && json_is_array(j) && json_array_size(j) == want_count);
    json_decref(j);
    buf_free(&b);
}

static void test_args_text(void)
{
    static const char a1[] = "sh\0-c\0echo vigil\0";
    check_json(a1, sizeof(a1) - 1, "[\"sh\",\"-c\",\"echo vigil\"]", 3);
    static const char a2[] = "q\"b\\s\0tab\there\nnl\0\x01\x1f\x7f\0";
    check_json(a2, sizeof(a2) - 1, "[\"q\\\"b\\\\s\",\"tab\\there\\nnl\",\"\\u0001\\u001f\x7f\"]", 3);
    /* invalid UTF-8 (lone continuation, overlong, surrogate, truncated): \ufffd, never lost */
    static const char a3[] = "\xff\xfe\0\xc0\xaf\0\xed\xa0\x80\0ok\xe2\x82\0";
    check_json(a3, sizeof(a3) - 1,
               "[\"\\ufffd\\ufffd\",\"\\ufffd\\ufffd\",\"\\ufffd\\ufffd\\ufffd\",\"ok\\ufffd\\ufffd\"]",
               4);
    /* valid UTF-8 is kept as is */
    static const char a4[] = "caf\xc3\xa9\0\xf0\x9f\x98\x80\0";
    check_json(a4, sizeof(a4) - 1, "[\"caf\xc3\xa9\",\"\xf0\x9f\x98\x80\"]", 2);
    /* a cut capture: the last argument lacks its NUL; empty arguments are arguments */
    static const char a5[] = "a\0\0long-argum";
    check_json(a5, sizeof(a5) - 1, "[\"a\",\"\",\"long-argum\"]", 3);
    check_json("", 0, "[]", 0);

    /* cutting text to a size never splits a character */
    char small[4];
    CHECK_EQ_INT(ptext_copy(small, sizeof(small), "ab\xc3\xa9", 4), 2);
    CHECK_EQ_STR(small, "ab");
    CHECK_EQ_INT(ptext_copy(small, sizeof(small), "\xe2\x82\xac!", 4), 3);
    CHECK_EQ_STR(small, "\xe2\x82\xac");
    CHECK_EQ_INT(ptext_copy(small, sizeof(small), "abcdef", 6), 3);
    CHECK_EQ_STR(small, "abc");
    CHECK_EQ_INT(ptext_copy(small, sizeof(small), NULL, 0), 0);
    CHECK_EQ_STR(small, "");

    struct buf line = {0};
    CHECK_EQ_INT(ptext_args_line(&line, a1, sizeof(a1) - 1), 0);
    buf_terminate(&line);
    CHECK_EQ_STR((const char *)line.data, "sh -c echo vigil");
    buf_reset(&line);
    CHECK_EQ_INT(ptext_args_line(&line, a3, sizeof(a3) - 1), 0);
    buf_terminate(&line);
    CHECK_EQ_STR((const char *)line.data, "\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd "
                                          "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd ok\xef\xbf\xbd\xef\xbf\xbd");
    buf_free(&line);
}

static void test_container_id(void)
{
    const char *id64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    char path[512], out[128];
    struct {
        const char *before, *after; /* the path is before + id + after, or before alone */
        bool found;
    } cases[] = {
        {"/system.slice/docker-", ".scope", true},
        {"/docker/", "", true},
        {"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice/"
         "cri-containerd-", ".scope", true},
        {"/kubepods/besteffort/pod0f1e2d3c-aaaa-bbbb-cccc-111122223333/", "", true},
        {"/machine.slice/libpod-", ".scope/container", true},
        {"/kubepods.slice/kubepods-pod1.slice/crio-", ".scope", true},
        {"/machine.slice/libpod-conmon-", ".scope", false},
        {"/kubepods.slice/kubepods-pod1.slice/crio-conmon-", ".scope", false},
        {"/user.slice/user-1000.slice/session-3.scope", NULL, false},
        {"/system.slice/ssh.service", NULL, false},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        snprintf(path, sizeof(path), "%s%s%s", cases[i].before, cases[i].after ? id64 : "",
                 cases[i].after ? cases[i].after : "");
        bool found = ptext_container_id(path, out, sizeof(out));
        CHECK_EQ_INT(found, cases[i].found);
        if (cases[i].found)
            CHECK_EQ_STR(out, id64);
        else
            CHECK_EQ_STR(out, "");
    }
    CHECK(ptext_container_id("/lxc.payload.web1", out, sizeof(out)));
    CHECK_EQ_STR(out, "web1");
    CHECK(ptext_container_id("/lxc/db2/init.scope", out, sizeof(out)));
    CHECK_EQ_STR(out, "db2");
    CHECK(!ptext_container_id("/", out, sizeof(out)));
    CHECK(!ptext_container_id("", out, sizeof(out)));
    CHECK(!ptext_container_id(NULL, out, sizeof(out)));
    /* 64 characters that are not hex */
    CHECK(!ptext_container_id("/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
                              out, sizeof(out)));
}

/* A synthetic exec record: exe /usr/bin/sh, cwd /tmp, cgroup /a/b, argv "sh -c x". */
static size_t make_exec(struct pe_exec *e)
{
    static const char exe[] = "sh\0bin\0usr\0", cwd[] = "tmp\0", cg[] = "b\0a\0",
                      args[] = "sh\0-c\0x\0";
    memset(e, 0, offsetof(struct pe_exec, data));
    e->h.type = PE_EXEC;
    e->h.pid = 4242;
    e->h.tid = 4242;
    e->h.ppid = 1;
    e->h.time_ns = 5000000000ull;
    e->h.start_boottime = 4990000000ull;
    e->h.parent_start_boottime = 10000000ull;
    e->h.uid = 1000;
    memcpy(e->h.comm, "sh", 3);
    memcpy(e->tty, "pts1", 5); /* the kernel's name for /dev/pts/1 */
    size_t off = 0;
    memcpy(e->data + off, exe, sizeof(exe) - 1);
    off += e->exe_len = sizeof(exe) - 1;
    memcpy(e->data + off, cwd, sizeof(cwd) - 1);
    off += e->cwd_len = sizeof(cwd) - 1;
    memcpy(e->data + off, cg, sizeof(cg) - 1);
    off += e->cgroup_len = sizeof(cg) - 1;
    memcpy(e->data + off, args, sizeof(args) - 1);
    off += e->args_len = sizeof(args) - 1;
    e->h.size = (uint32_t)(offsetof(struct pe_exec, data) + off);
    return e->h.size;
}

static void test_decode(void)
{
    static struct pe_exec e;
    struct pe_decoder d = {0};
    struct pe_proc p;
    size_t size = make_exec(&e);
    CHECK_EQ_INT(pe_decode(&host, &e, size, &d, &p), PE_EXEC);
    CHECK_EQ_INT(p.pid, 4242);
    CHECK_EQ_INT(p.ppid, 1);
    CHECK_EQ_STR(p.exe, "/usr/bin/sh");
    CHECK_EQ_STR(p.cwd, "/tmp");
    CHECK_EQ_STR(p.cgroup, "/a/b");
    CHECK_EQ_STR(p.tty, "pts/1");
    CHECK_EQ_STR(p.comm, "sh");
    CHECK_EQ_INT(p.args_len, 8);
    CHECK(p.args && memcmp(p.args, "sh\0-c\0x\0", 8) == 0);
    CHECK_EQ_INT(p.start_ticks, 4990000000ull / (1000000000ull / (uint64_t)host.clk_tck));
    CHECK_EQ_INT(p.time_ns, host.boot_time_ns + 5000000000ull);
    CHECK(p.have_audit && p.have_creds && p.uid == 1000);

    /* flags: deleted exe, truncated path, v1 cgroup, argv fault */
    e.h.flags = PE_F_EXE_DELETED | PE_F_CWD_TRUNCATED | PE_F_CGROUP_V1 | PE_F_ARGS_FAULT |
                PE_F_NO_AUDIT;
    CHECK_EQ_INT(pe_decode(&host, &e, size, &d, &p), PE_EXEC);
    CHECK_EQ_STR(p.exe, "/usr/bin/sh (deleted)");
    CHECK_EQ_STR(p.cwd, ".../tmp");
    CHECK_EQ_STR(p.cgroup, "/");
    CHECK_EQ_STR(p.container_hint, "/a/b");
    CHECK(p.args == NULL);
    CHECK(!p.have_audit);

    /* malformed records are refused, never read past */
    e.h.flags = 0;
    CHECK_EQ_INT(pe_decode(&host, &e, size - 1, &d, &p), -EINVAL); /* size mismatch */
    CHECK_EQ_INT(pe_decode(&host, &e, 8, &d, &p), -EINVAL);
    e.args_len += 1;
    CHECK_EQ_INT(pe_decode(&host, &e, size, &d, &p), -EINVAL); /* lengths do not add up */
    e.args_len -= 1;
    e.exe_len = PE_PATH_MAX + 1;
    CHECK_EQ_INT(pe_decode(&host, &e, size, &d, &p), -EINVAL);
    make_exec(&e);
    e.h.type = 77;
    CHECK_EQ_INT(pe_decode(&host, &e, size, &d, &p), -EINVAL);
    make_exec(&e);
    e.h.pid = 0x80000000u;
    CHECK_EQ_INT(pe_decode(&host, &e, size, &d, &p), -EINVAL);

    /* fork / exit */
    struct pe_exit x;
    memset(&x, 0, sizeof(x));
    x.h.type = PE_EXIT;
    x.h.size = sizeof(x);
    x.h.pid = 9;
    memset(x.h.comm, 'A', sizeof(x.h.comm)); /* no NUL: bounded anyway */
    x.exit_status = 3 << 8;
    CHECK_EQ_INT(pe_decode(&host, &x, sizeof(x), &d, &p), PE_EXIT);
    CHECK(p.have_exit && p.exit_status == (3 << 8));
    CHECK_EQ_INT(strlen(p.comm), 15);
    CHECK_EQ_INT(pe_decode(&host, &x, sizeof(x) - 8, &d, &p), -EINVAL);
    x.h.type = PE_FORK;
    CHECK_EQ_INT(pe_decode(&host, &x, sizeof(x), &d, &p), -EINVAL); /* wrong size for a fork */
    pe_decoder_free(&d);
}

/* ---- the real sensor ---- */

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

struct run {
    char dir[64];
    struct spool *spool;
    struct pipeline *pipeline;
    struct proctable *procs;
    void *state;
    struct bpfhub *hub;
    struct event **events;
    size_t nevents, cap;
};

static bool run_start_opts(struct run *r, const char *mode, const char *const *opts);
static void run_free(struct run *r);

static bool run_start(struct run *r, const char *mode)
{
    return run_start_opts(r, mode, NULL);
}

/* Start the module in mode with extra options (name, value, ..., NULL). */
static bool run_start_opts(struct run *r, const char *mode, const char *const *opts)
{
    memset(r, 0, sizeof(*r));
    str_copy(r->dir, "/tmp/vigil-sensor-XXXXXX", sizeof(r->dir));
    struct vg_error err = {{0}};
    if (!mkdtemp(r->dir)) {
        fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
        return false;
    }
    if (spool_open(r->dir, NULL, &r->spool, &err) ||
        pipeline_new(r->spool, 1 << 17, host.boot_id, &r->pipeline, &err) ||
        pipeline_start(r->pipeline) || proctable_new(&host, &r->procs, &err)) {
        fprintf(stderr, "setup failed: %s\n", err.msg);
        run_free(r);
        return false;
    }
    void *cfg = calloc(1, process_module.config_size);
    CHECK(cfg != NULL);
    CHECK_EQ_INT(config_defaults(process_module.options, cfg), 0);
    CHECK_EQ_INT(config_set(process_module.options, cfg, "mode", mode, &err), 0);
    for (size_t i = 0; opts && opts[i]; i += 2)
        CHECK_EQ_INT(config_set(process_module.options, cfg, opts[i], opts[i + 1], &err), 0);
    if (getenv("VIGIL_TEST_NO_RT")) /* to measure what the real-time reader buys */
        CHECK_EQ_INT(config_set(process_module.options, cfg, "realtime_reader", "false", &err), 0);
    struct bpfhub_options ho = {.self_pid = getpid(), .pipeline = r->pipeline};
    CHECK_EQ_INT(bpfhub_new(&ho, &r->hub, &err), 0);
    struct agent_module_ctx ctx = {.host = &host, .pipeline = r->pipeline, .procs = r->procs,
                                   .state_dir = r->dir, .bpf = r->hub};
    int rc = process_module.start(&ctx, cfg, &r->state, &err);
    config_free(process_module.options, cfg);
    free(cfg);
    if (!rc)
        rc = bpfhub_start(r->hub, &err);
    if (rc) {
        fprintf(stderr, "start(%s) failed: %s\n", mode, vg_error_str(&err, rc));
        CHECK_EQ_INT(rc, 0);
        run_free(r);
        return false;
    }
    struct module_status st;
    process_module.status(r->state, &st);
    if (strcmp(mode, "auto") != 0)
        CHECK_EQ_STR(st.mode, mode);
    return true;
}

/* Stop everything and read every event back from the spool. */
static void run_stop(struct run *r, struct module_status *st)
{
    bpfhub_stop(r->hub);
    process_module.status(r->state, st);
    process_module.stop(r->state);
    pipeline_stop(r->pipeline);
    struct spool_batch b = {0};
    int n;
    while ((n = spool_read(r->spool, &b, 4096, 16 << 20, 0)) > 0) {
        for (size_t i = 0; i < b.count; i++) {
            struct event *ev = event_new(TBL_NONE, "");
            struct vg_error err;
            if (!ev)
                continue;
            int rc = codec_decode(b.records[i].data, b.records[i].len, ev, &err);
            CHECK_EQ_INT(rc, 0);
            if (rc) {
                event_free(ev);
                continue;
            }
            if (r->nevents == r->cap) {
                r->cap = r->cap ? r->cap * 2 : 1024;
                r->events = realloc(r->events, r->cap * sizeof(*r->events));
            }
            r->events[r->nevents++] = ev;
        }
    }
    spool_batch_free(&b);
}

static void run_free(struct run *r)
{
    for (size_t i = 0; i < r->nevents; i++)
        event_free(r->events[i]);
    free(r->events);
    bpfhub_free(r->hub);
    pipeline_free(r->pipeline);
    spool_close(r->spool);
    proctable_free(r->procs);
    dir_remove_tree(r->dir);
}

static struct event *find(struct run *r, const char *action, pid_t pid)
{
    for (size_t i = 0; i < r->nevents; i++) {
        int64_t v;
        if (!strcmp(r->events[i]->action, action) && event_get_int(r->events[i], FLD_PID, &v) &&
            v == pid)
            return r->events[i];
    }
    return NULL;
}

static int64_t get_int(const struct event *ev, enum field_id f)
{
    int64_t v = INT64_MIN;
    if (ev)
        event_get_int(ev, f, &v);
    return v;
}

static const char *get_str(const struct event *ev, enum field_id f)
{
    const char *s = ev ? event_get_str(ev, f) : NULL;
    return s ? s : "(missing)";
}

/* fork + execve argv in cwd, stdout to /dev/null; the child's start ticks are read while it is
 * a zombie (waitid WNOWAIT), then it is reaped. */
static pid_t spawn(char *const argv[], const char *cwd, unsigned long long *ticks, int *status)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (cwd && chdir(cwd) != 0)
            _exit(126);
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0)
            dup2(fd, 1);
        execve(argv[0], argv, environ);
        _exit(127);
    }
    if (pid < 0)
        return pid;
    siginfo_t si;
    if (ticks) {
        waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT);
        *ticks = stat_start_ticks(pid);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (status)
        *status = st;
    return pid;
}

/* Run argv in a new session whose controlling terminal is a new pseudo-terminal, and wait for
 * it; tty receives the terminal's name ("pts/N"). */
static pid_t spawn_tty(char *const argv[], char *tty, size_t ttylen)
{
    char name[64];
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) || unlockpt(master) ||
        ptsname_r(master, name, sizeof(name))) {
        if (master >= 0)
            close(master);
        return -1;
    }
    snprintf(tty, ttylen, "%s", name + strlen("/dev/"));
    pid_t pid = fork();
    if (pid == 0) {
        close(master);
        setsid();
        int fd = open(name, O_RDWR); /* the session leader's first terminal: its ctty */
        if (fd < 0)
            _exit(125);
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execve(argv[0], argv, environ);
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
    close(master);
    return pid;
}

/* Copy the file src to dst with mode 0755. */
static bool copy_file(const char *src, const char *dst)
{
    struct buf b = {0};
    bool ok = file_read_all(src, &b, 64 << 20) == 0 &&
              file_write_replace(dst, b.data, b.len, 0755, false) == 0;
    buf_free(&b);
    return ok;
}

/* Start /bin/sleep's image from a memfd named name (fileless execution), let it run, and read
 * its /proc/PID/exe while it lives: what the kernel itself shows. */
static pid_t spawn_memfd(const char *name, char *exe_seen, size_t len)
{
    struct buf b = {0};
    int fd = memfd_create(name, 0);
    if (fd < 0 || file_read_all("/bin/sleep", &b, 64 << 20) != 0 ||
        write(fd, b.data, b.len) != (ssize_t)b.len) {
        buf_free(&b);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    buf_free(&b);
    char *argv[] = {"sleep", "0.3", NULL};
    pid_t pid = fork();
    if (pid == 0) {
        fexecve(fd, argv, environ);
        _exit(127);
    }
    close(fd);
    char link[64];
    snprintf(link, sizeof(link), "/proc/%d/exe", pid);
    exe_seen[0] = '\0';
    for (int i = 0; i < 100; i++) { /* until the exec is done */
        usleep(2000);
        ssize_t n = readlink(link, exe_seen, len - 1);
        exe_seen[n > 0 ? n : 0] = '\0';
        if (strstr(exe_seen, "memfd:"))
            break;
    }
    waitpid(pid, NULL, 0);
    return pid;
}

static void random_tag(char *out, size_t len)
{
    uint8_t b[6];
    random_bytes(b, sizeof(b));
    char hex[13];
    hex_encode(b, sizeof(b), hex);
    snprintf(out, len, "vigil-unit-%s", hex);
}

static void check_mode(const char *mode)
{
    struct run r;
    if (!run_start(&r, mode))
        return;
    char sh[PATH_MAX], self_exe[PATH_MAX], cwd[PATH_MAX];
    CHECK(realpath("/bin/sh", sh) != NULL);
    CHECK(realpath("/proc/self/exe", self_exe) != NULL);
    CHECK(realpath(r.dir, cwd) != NULL);

    /* the command under test. eBPF reads it in the kernel: one run must be exact. The proc
     * connector reads /proc after the fact, racing the command: on a loaded host a run can be
     * missed (test_fallback_capture_rate measures how often), so it gets up to 5 runs, each
     * with its own tag, and the first one read in time is checked. */
    bool fallback = strcmp(mode, "ebpf") != 0;
    enum { ATTEMPTS = 5 };
    struct attempt {
        char tag[64], cmd[128];
        pid_t pid;
        unsigned long long ticks;
    } att[ATTEMPTS];
    int natt = fallback ? ATTEMPTS : 1;
    for (int a = 0; a < natt; a++) {
        random_tag(att[a].tag, sizeof(att[a].tag));
        char cmd[sizeof(att[a].cmd)]; /* via a local: gcc -O0 mistakes the two members for one */
        snprintf(cmd, sizeof(cmd), "echo %.60s", att[a].tag);
        memcpy(att[a].cmd, cmd, sizeof(cmd));
        char *argv1[] = {"sh", "-c", att[a].cmd, NULL}; /* argv[0] as a shell passes it */
        int status = 0;
        pid_t pid = fork();
        if (pid == 0) {
            if (chdir(cwd) != 0)
                _exit(126);
            int fd = open("/dev/null", O_WRONLY);
            if (fd >= 0)
                dup2(fd, 1);
            execve("/bin/sh", argv1, environ);
            _exit(127);
        }
        siginfo_t si;
        waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT); /* a zombie: its stat is still there */
        att[a].ticks = stat_start_ticks(pid);
        att[a].pid = pid;
        waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }

    /* exit codes and signals */
    char *argv_exit[] = {"/bin/sh", "-c", "exit 7", NULL};
    pid_t pid_exit = spawn(argv_exit, NULL, NULL, NULL);
    char *argv_kill[] = {"/bin/sh", "-c", "kill -9 $$", NULL};
    pid_t pid_kill = spawn(argv_kill, NULL, NULL, NULL);

    /* a 10000-byte argument (args_max is 4096 by default), in a process that lives long
     * enough for the proc connector too ($0 of the script) */
    char *big = malloc(10001);
    memset(big, 'A', 10000);
    big[10000] = '\0';
    char *argv_big[] = {"/bin/sh", "-c", "sleep 0.05", big, NULL};
    pid_t pid_big = spawn(argv_big, NULL, NULL, NULL);
    free(big);

    /* a command with a controlling terminal */
    char tty[64] = "";
    char *argv_tty[] = {"/bin/sleep", "0.05", NULL};
    pid_t pid_tty = spawn_tty(argv_tty, tty, sizeof(tty));
    CHECK(pid_tty > 0);

    /* a binary on another mount (tmpfs /dev/shm on devtmpfs /dev on /), run from there */
    char shmdir[64] = "/dev/shm/vigil-unit-XXXXXX", shmbin[128];
    CHECK(mkdtemp(shmdir) != NULL);
    snprintf(shmbin, sizeof(shmbin), "%s/sl", shmdir);
    CHECK(copy_file("/bin/sleep", shmbin));
    char *argv_shm[] = {shmbin, "0.05", NULL};
    pid_t pid_shm = spawn(argv_shm, shmdir, NULL, NULL);
    unlink(shmbin);
    rmdir(shmdir);

    /* fileless: an image in a memfd */
    char memfd_exe[PATH_MAX];
    pid_t pid_memfd = spawn_memfd("vigil-unit", memfd_exe, sizeof(memfd_exe));
    CHECK(pid_memfd > 0);
    CHECK_EQ_STR(memfd_exe, "/memfd:vigil-unit (deleted)");

    usleep(500 * 1000); /* let the sensor catch up before it is stopped */
    struct module_status st;
    run_stop(&r, &st);
    CHECK_EQ_STR(st.mode, mode);
    CHECK(st.events > 0);
    CHECK_EQ_INT(st.lost, 0);
    printf("  %s: %zu events, lost %llu\n", mode, r.nevents, (unsigned long long)st.lost);
    if (getenv("VIGIL_TEST_DEBUG"))
        for (size_t i = 0; i < r.nevents; i++)
            printf("    %s pid=%lld exe=%s args=%s\n", r.events[i]->action,
                   (long long)get_int(r.events[i], FLD_PID), get_str(r.events[i], FLD_EXE),
                   get_str(r.events[i], FLD_ARGS));

    /* the run to check: the first whose exec was read with its arguments */
    int chosen = 0;
    for (int a = 0; a < natt; a++) {
        struct event *e = find(&r, "exec", att[a].pid);
        if (e && event_get_str(e, FLD_ARGS) && strcmp(get_str(e, FLD_ARGS), "[]") != 0) {
            chosen = a;
            break;
        }
    }
    if (chosen)
        printf("  %s: the command was read in time at run %d\n", mode, chosen + 1);
    pid_t pid = att[chosen].pid;
    char want_args[256], want_line[256], my_id[ENTITY_ID_LEN + 1], child_id[ENTITY_ID_LEN + 1];
    snprintf(want_args, sizeof(want_args), "[\"sh\",\"-c\",\"echo %.60s\"]", att[chosen].tag);
    snprintf(want_line, sizeof(want_line), "sh -c echo %.60s", att[chosen].tag);
    entity_id_make(host.machine_id, host.boot_id, getpid(), stat_start_ticks(getpid()), my_id);
    entity_id_make(host.machine_id, host.boot_id, pid, att[chosen].ticks, child_id);

    for (int a = 0; a < natt; a++) /* every run is reported, read in time or not */
        CHECK(find(&r, "exec", att[a].pid) != NULL);
    struct event *ex = find(&r, "exec", pid);
    CHECK(ex != NULL);
    if (ex) {
        CHECK_EQ_STR(get_str(ex, FLD_EXE), sh);
        CHECK_EQ_STR(get_str(ex, FLD_ARGS), want_args);
        CHECK_EQ_STR(get_str(ex, FLD_CMDLINE), want_line);
        CHECK_EQ_INT(get_int(ex, FLD_ARGS_COUNT), 3);
        CHECK_EQ_INT(get_int(ex, FLD_ARGS_TRUNCATED), 0);
        CHECK_EQ_INT(get_int(ex, FLD_PPID), getpid());
        CHECK_EQ_STR(get_str(ex, FLD_ENTITY_ID), child_id);
        CHECK_EQ_STR(get_str(ex, FLD_PARENT_ENTITY_ID), my_id);
        CHECK_EQ_STR(get_str(ex, FLD_PARENT_EXE), self_exe);
        CHECK_EQ_STR(get_str(ex, FLD_CWD), cwd);
        CHECK_EQ_STR(get_str(ex, FLD_COMM), "sh");
        CHECK_EQ_INT(get_int(ex, FLD_UID), 0);
        CHECK_EQ_INT(get_int(ex, FLD_EUID), 0);
        CHECK_EQ_STR(get_str(ex, FLD_SENSOR), mode);
        CHECK(get_int(ex, FLD_START_TIME) > 0);
        CHECK(ex->time_ns >= (uint64_t)get_int(ex, FLD_START_TIME));
        CHECK(event_get_str(ex, FLD_CGROUP) != NULL);
        CHECK(event_get_str(ex, FLD_TTY) != NULL);
        CHECK(event_get_str(ex, FLD_CONTAINER_ID) != NULL);
        uint64_t now = time_now_ns();
        CHECK(ex->time_ns <= now && ex->time_ns > now - 60ull * 1000000000ull);
    }
    struct event *fk = find(&r, "fork", pid);
    CHECK(fk != NULL);
    if (fk) {
        CHECK_EQ_STR(get_str(fk, FLD_ENTITY_ID), child_id);
        CHECK_EQ_STR(get_str(fk, FLD_PARENT_ENTITY_ID), my_id);
        CHECK_EQ_STR(get_str(fk, FLD_EXE), self_exe); /* still the parent's image */
        CHECK_EQ_STR(get_str(fk, FLD_SENSOR), mode);
    }
    struct event *xt = find(&r, "exit", pid);
    CHECK(xt != NULL);
    if (xt) {
        CHECK_EQ_INT(get_int(xt, FLD_EXIT_CODE), 0);
        CHECK_EQ_INT(get_int(xt, FLD_EXIT_SIGNAL), 0);
        CHECK_EQ_STR(get_str(xt, FLD_ENTITY_ID), child_id);
        CHECK_EQ_STR(get_str(xt, FLD_EXE), sh);
        CHECK_EQ_STR(get_str(xt, FLD_SENSOR), mode);
    }
    xt = find(&r, "exit", pid_exit);
    CHECK(xt != NULL);
    CHECK_EQ_INT(get_int(xt, FLD_EXIT_CODE), 7);
    CHECK_EQ_INT(get_int(xt, FLD_EXIT_SIGNAL), 0);
    xt = find(&r, "exit", pid_kill);
    CHECK(xt != NULL);
    CHECK_EQ_INT(get_int(xt, FLD_EXIT_CODE), -1);
    CHECK_EQ_INT(get_int(xt, FLD_EXIT_SIGNAL), SIGKILL);

    ex = find(&r, "exec", pid_big);
    CHECK(ex != NULL);
    if (ex) {
        CHECK_EQ_INT(get_int(ex, FLD_ARGS_TRUNCATED), 1);
        CHECK_EQ_INT(get_int(ex, FLD_ARGS_COUNT), 4);
        const char *line = get_str(ex, FLD_CMDLINE);
        /* "/bin/sh\0-c\0sleep 0.05\0" + 4074 bytes of the argument = 4096 bytes */
        CHECK_EQ_INT(strlen(line), 4096);
        CHECK(str_starts_with(line, "/bin/sh -c sleep 0.05 AAAA"));
    }

    ex = find(&r, "exec", pid_tty);
    CHECK(ex != NULL);
    CHECK(str_starts_with(tty, "pts/"));
    CHECK_EQ_STR(get_str(ex, FLD_TTY), tty);
    ex = find(&r, "exec", pid); /* the terminal of this test, if any */
    char my_tty[64] = "";
    struct procfs_proc *self = calloc(1, sizeof(*self));
    if (self && procfs_read(getpid(), PROCFS_TTY, 0, self) == 0)
        str_copy(my_tty, self->tty, sizeof(my_tty));
    procfs_proc_free(self);
    free(self);
    CHECK_EQ_STR(get_str(ex, FLD_TTY), my_tty);

    ex = find(&r, "exec", pid_shm);
    CHECK(ex != NULL);
    CHECK_EQ_STR(get_str(ex, FLD_EXE), shmbin);
    CHECK_EQ_STR(get_str(ex, FLD_CWD), shmdir);
    ex = find(&r, "exec", pid_memfd);
    CHECK(ex != NULL);
    CHECK_EQ_STR(get_str(ex, FLD_EXE), memfd_exe);
    CHECK_EQ_STR(get_str(ex, FLD_ARGS), "[\"sleep\",\"0.3\"]");

    /* this process, found in /proc at start */
    struct event *me = find(&r, "existing", getpid());
    CHECK(me != NULL);
    if (me) {
        CHECK_EQ_STR(get_str(me, FLD_ENTITY_ID), my_id);
        CHECK_EQ_STR(get_str(me, FLD_EXE), self_exe);
        CHECK_EQ_STR(get_str(me, FLD_SENSOR), "procfs");
        CHECK_EQ_INT(get_int(me, FLD_PPID), getppid());
        char parent_id[ENTITY_ID_LEN + 1];
        entity_id_make(host.machine_id, host.boot_id, getppid(), stat_start_ticks(getppid()),
                       parent_id);
        CHECK_EQ_STR(get_str(me, FLD_PARENT_ENTITY_ID), parent_id);
        CHECK(str_starts_with(get_str(me, FLD_ARGS), "[\""));
    }
    struct event *init = find(&r, "existing", 1);
    CHECK(init != NULL);
    run_free(&r);
}

static bool is_root(void)
{
    if (geteuid() == 0)
        return true;
    printf("skipped: not root\n");
    return false;
}

static void test_ebpf(void)
{
    if (is_root())
        check_mode("ebpf");
}

static void test_proc_connector(void)
{
    if (is_root())
        check_mode("proc_connector");
}

static void *thread_sleep(void *arg)
{
    (void)arg;
    usleep(10000);
    return NULL;
}

static void *thread_exit6(void *arg)
{
    (void)arg;
    usleep(30000);
    _exit(6); /* exit_group, without flushing the stdio buffers inherited from the test */
}

/* Threads are not processes: a process that starts threads is one fork and one exit, and its
 * exit is reported when its last thread is gone (here after its main thread ended), with the
 * code the last thread gave. Also: the agent's own threads are never reported. */
static void test_threads(void)
{
    if (!is_root())
        return;
    struct run r;
    if (!run_start(&r, "ebpf"))
        return;
    pthread_t t;
    CHECK_EQ_INT(pthread_create(&t, NULL, thread_sleep, NULL), 0);
    pthread_join(t, NULL);
    pid_t pid = fork();
    if (pid == 0) {
        pthread_t ts[3], last;
        for (int i = 0; i < 3; i++)
            pthread_create(&ts[i], NULL, thread_sleep, NULL);
        for (int i = 0; i < 3; i++)
            pthread_join(ts[i], NULL);
        pthread_create(&last, NULL, thread_exit6, NULL);
        pthread_exit(NULL); /* the leader goes first; the process lives on */
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 6);
    usleep(200 * 1000);
    struct module_status st;
    run_stop(&r, &st);
    int forks = 0, exits = 0, self_forks = 0;
    for (size_t i = 0; i < r.nevents; i++) {
        int64_t p = get_int(r.events[i], FLD_PID);
        if (p == pid) {
            forks += !strcmp(r.events[i]->action, "fork");
            exits += !strcmp(r.events[i]->action, "exit");
        }
        if (p == getpid() && strcmp(r.events[i]->action, "existing") != 0)
            self_forks++;
    }
    CHECK_EQ_INT(forks, 1);
    CHECK_EQ_INT(exits, 1);
    CHECK_EQ_INT(self_forks, 0);
    struct event *xt = find(&r, "exit", pid);
    CHECK_EQ_INT(get_int(xt, FLD_EXIT_CODE), 6);
    run_free(&r);
}

/* auto picks eBPF where it works; a bad mode is a clear error; NULL state is harmless. */
static void test_modes(void)
{
    struct module_status st;
    process_module.status(NULL, &st);
    CHECK_EQ_STR(st.mode, "disabled");
    process_module.stop(NULL);

    void *cfg = calloc(1, process_module.config_size);
    struct vg_error err = {{0}};
    CHECK_EQ_INT(config_defaults(process_module.options, cfg), 0);
    CHECK_EQ_INT(config_set(process_module.options, cfg, "mode", "kprobes", &err), 0);
    struct agent_module_ctx ctx = {.host = &host};
    void *state = NULL;
    CHECK_EQ_INT(process_module.start(&ctx, cfg, &state, &err), -EINVAL);
    CHECK(strstr(err.msg, "kprobes") != NULL);
    CHECK(state == NULL);
    CHECK(config_set(process_module.options, cfg, "args_max", "lots", &err) < 0);
    config_free(process_module.options, cfg);
    free(cfg);

    if (!is_root())
        return;
    struct run r;
    if (!run_start(&r, "auto"))
        return;
    process_module.status(r.state, &st);
    CHECK_EQ_STR(st.mode, "ebpf");
    run_stop(&r, &st);
    CHECK(find(&r, "existing", getpid()) != NULL);
    run_free(&r);
}

/* 2000 fork+exec of /bin/true: every exec must be reported in eBPF mode. */
static void test_exec_storm(void)
{
    if (!is_root())
        return;
    struct run r;
    if (!run_start(&r, "ebpf"))
        return;
    enum { N = 2000 };
    static pid_t pids[N];
    char *argv[] = {"/bin/true", NULL};
    for (int i = 0; i < N; i++)
        pids[i] = spawn(argv, NULL, NULL, NULL);
    usleep(300 * 1000);
    struct module_status st;
    run_stop(&r, &st);
    char tru[PATH_MAX];
    CHECK(realpath("/bin/true", tru) != NULL);
    int seen = 0;
    for (int i = 0; i < N; i++) {
        struct event *ex = find(&r, "exec", pids[i]);
        seen += ex && !strcmp(get_str(ex, FLD_EXE), tru) && find(&r, "exit", pids[i]) != NULL;
    }
    printf("  exec storm: %d/%d exec+exit captured, lost %llu\n", seen, N,
           (unsigned long long)st.lost);
    CHECK_EQ_INT(seen, N);
    CHECK_EQ_INT(st.lost, 0);
    run_free(&r);
}

/* How reliably the fallback reads a short-lived command's argv before it is gone. */
static void test_fallback_capture_rate(void)
{
    if (!is_root())
        return;
    struct run r;
    if (!run_start(&r, "proc_connector"))
        return;
    enum { N = 500 };
    static pid_t pids[N];
    static char cmds[N][64];
    for (int i = 0; i < N; i++) {
        snprintf(cmds[i], sizeof(cmds[i]), "echo x%d", i);
        char *argv[] = {"/bin/sh", "-c", cmds[i], NULL};
        pids[i] = spawn(argv, NULL, NULL, NULL);
    }
    usleep(500 * 1000);
    struct module_status st;
    run_stop(&r, &st);
    int exact = 0, seen = 0;
    for (int i = 0; i < N; i++) {
        struct event *ex = find(&r, "exec", pids[i]);
        char want[128];
        snprintf(want, sizeof(want), "[\"/bin/sh\",\"-c\",\"echo x%d\"]", i);
        seen += ex != NULL;
        exact += ex && !strcmp(get_str(ex, FLD_ARGS), want);
        if (getenv("VIGIL_TEST_DEBUG") && ex && strcmp(get_str(ex, FLD_ARGS), want))
            printf("    missed: pid %d exe=%s args=%s entity=%s\n", pids[i], get_str(ex, FLD_EXE),
                   get_str(ex, FLD_ARGS), get_str(ex, FLD_ENTITY_ID));
    }
    printf("  proc_connector: %d/%d sh -c exec events with their exact argv (%d reported)\n",
           exact, N, seen);
    CHECK_EQ_INT(seen, N);
    /* a figure, not a pass mark: it depends on the host's load (99-100% idle, ~85% when the
     * test's two vCPUs were busy with a build); the floor only catches a sensor that stopped
     * reading /proc at all */
    CHECK(exact >= N / 2);
    run_free(&r);
}

/* A tiny socket buffer and a burst from several processes at once: the proc connector
 * overflows; the loss must be counted (never silent), the table resynchronised from /proc, and
 * the sensor must keep working afterwards. */
static void test_proc_connector_overflow(void)
{
    if (!is_root())
        return;
    struct run r;
    const char *const opts[] = {"ringbuf_size", "1", "realtime_reader", "false", NULL};
    if (!run_start_opts(&r, "proc_connector", opts))
        return;
    enum { SPAWNERS = 4, EACH = 300 };
    pid_t spawners[SPAWNERS];
    for (int s = 0; s < SPAWNERS; s++) {
        spawners[s] = fork();
        if (spawners[s] == 0) {
            char *argv[] = {"/bin/true", NULL};
            for (int i = 0; i < EACH; i++) {
                pid_t c = fork();
                if (c == 0) {
                    execve(argv[0], argv, environ);
                    _exit(127);
                }
                waitpid(c, NULL, 0);
            }
            _exit(0);
        }
    }
    for (int s = 0; s < SPAWNERS; s++)
        waitpid(spawners[s], NULL, 0);
    usleep(300 * 1000);
    /* afterwards: still working */
    char tag[64], cmd[128];
    random_tag(tag, sizeof(tag));
    snprintf(cmd, sizeof(cmd), "echo %s; sleep 0.05", tag);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    pid_t pid = spawn(argv, NULL, NULL, NULL);
    usleep(300 * 1000);
    struct module_status st;
    run_stop(&r, &st);
    int execs = 0; /* the spawners' children's execs that were reported */
    for (size_t i = 0; i < r.nevents; i++) {
        int64_t ppid = get_int(r.events[i], FLD_PPID);
        bool ours = false;
        for (int k = 0; k < SPAWNERS; k++)
            ours |= ppid == spawners[k];
        execs += ours && !strcmp(r.events[i]->action, "exec");
    }
    int existing_late = 0; /* `existing` events from the resync, after the start's scan */
    for (size_t i = 0; i < r.nevents; i++)
        existing_late += !strcmp(r.events[i]->action, "existing") &&
                         !strcmp(get_str(r.events[i], FLD_SENSOR), "procfs") && i > 0 &&
                         strcmp(r.events[i - 1]->action, "existing") != 0;
    printf("  overflow: %d of %d execs reported, lost %llu, resync events %d\n", execs,
           SPAWNERS * EACH, (unsigned long long)st.lost, existing_late);
    /* every exec message that arrived is an exec event: each missing one is a lost message,
     * which the per-CPU sequence numbers must have counted */
    CHECK(execs <= SPAWNERS * EACH);
    CHECK(st.lost >= (uint64_t)(SPAWNERS * EACH - execs));
    CHECK(find(&r, "exec", pid) != NULL);
    run_free(&r);
}

/* A one-page ring buffer and a burst from several processes at once: records are dropped in
 * the kernel, and every one must be counted. Also exclude_self: the agent's own process is not
 * reported, its children are. */
static void test_ebpf_drops(void)
{
    if (!is_root())
        return;
    struct run r;
    const char *const opts[] = {"ringbuf_size", "1", "exclude_self", "true", NULL};
    if (!run_start_opts(&r, "ebpf", opts))
        return;
    enum { SPAWNERS = 4, EACH = 300 };
    pid_t spawners[SPAWNERS];
    for (int s = 0; s < SPAWNERS; s++) {
        spawners[s] = fork();
        if (spawners[s] == 0) {
            char *argv[] = {"/bin/true", NULL};
            for (int i = 0; i < EACH; i++) {
                pid_t c = fork();
                if (c == 0) {
                    execve(argv[0], argv, environ);
                    _exit(127);
                }
                waitpid(c, NULL, 0);
            }
            _exit(0);
        }
    }
    for (int s = 0; s < SPAWNERS; s++)
        waitpid(spawners[s], NULL, 0);
    usleep(300 * 1000);
    struct module_status st;
    run_stop(&r, &st);
    int execs = 0, reported[SPAWNERS] = {0};
    for (size_t i = 0; i < r.nevents; i++) {
        int64_t pid = get_int(r.events[i], FLD_PID), ppid = get_int(r.events[i], FLD_PPID);
        for (int k = 0; k < SPAWNERS; k++) {
            execs += ppid == spawners[k] && !strcmp(r.events[i]->action, "exec");
            reported[k] += pid == spawners[k];
        }
    }
    printf("  ebpf, one-page ring buffer: %d of %d execs reported, lost %llu\n", execs,
           SPAWNERS * EACH, (unsigned long long)st.lost);
    CHECK(execs <= SPAWNERS * EACH);
    CHECK(st.lost >= (uint64_t)(SPAWNERS * EACH - execs));
    CHECK(find(&r, "existing", getpid()) == NULL); /* exclude_self */
    for (int k = 0; k < SPAWNERS; k++)
        CHECK(reported[k] > 0); /* ... but not its children */
    run_free(&r);
}

static void setup(void)
{
    CHECK_EQ_INT(host_info_load(&host, NULL, NULL), 0);
    if (getenv("VIGIL_TEST_DEBUG"))
        log_set_level(LOG_LVL_DEBUG);
}

TEST_MAIN(TEST(setup), TEST(test_args_text), TEST(test_container_id), TEST(test_decode),
          TEST(test_modes), TEST(test_ebpf), TEST(test_proc_connector), TEST(test_threads),
          TEST(test_exec_storm),
          TEST(test_ebpf_drops), TEST(test_fallback_capture_rate),
          TEST(test_proc_connector_overflow))
