/* procfs.c - bounded, defensive readers of /proc/PID (procfs.h). Each file is read with one
 * open and a bounded read; a process that vanishes mid-way leaves the parts already read and
 * clear bits for the others. */
#include "agent/sensors/process/procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"

/* Read up to cap bytes of path into out (not NUL-terminated); returns the length or -errno. */
static ssize_t read_small(const char *path, char *out, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t len = 0;
    while (len < cap) {
        ssize_t n = read(fd, out + len, cap - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = -errno;
            close(fd);
            return e;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    return (ssize_t)len;
}

/* Parse an unsigned decimal at *p (after spaces); advances *p. false when there is none. */
static bool parse_u64(const char **p, const char *end, uint64_t *out)
{
    const char *s = *p;
    while (s < end && *s == ' ')
        s++;
    if (s == end || *s < '0' || *s > '9')
        return false;
    uint64_t v = 0;
    while (s < end && *s >= '0' && *s <= '9') {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
        s++;
    }
    *out = v;
    *p = s;
    return true;
}

/* Parse a signed decimal (stat fields such as tpgid can be -1). */
static bool parse_i64(const char **p, const char *end, int64_t *out)
{
    const char *s = *p;
    while (s < end && *s == ' ')
        s++;
    bool neg = s < end && *s == '-';
    if (neg)
        s++;
    uint64_t v;
    if (!parse_u64(&s, end, &v) || v > (uint64_t)INT64_MAX)
        return false;
    *out = neg ? -(int64_t)v : (int64_t)v;
    *p = s;
    return true;
}

/* Skip one space-separated token. */
static bool skip_token(const char **p, const char *end)
{
    const char *s = *p;
    while (s < end && *s == ' ')
        s++;
    if (s == end)
        return false;
    while (s < end && *s != ' ' && *s != '\n')
        s++;
    *p = s;
    return true;
}

int procfs_parse_stat(const char *text, size_t len, struct procfs_stat *out)
{
    const char *end = text + len;
    const char *open = memchr(text, '(', len);
    const char *close = NULL;
    for (const char *s = end; s > text; s--)
        if (s[-1] == ')') {
            close = s - 1;
            break;
        }
    if (!open || !close || close < open)
        return -EINVAL;
    size_t clen = (size_t)(close - open - 1);
    if (clen > sizeof(out->comm) - 1)
        clen = sizeof(out->comm) - 1;
    memcpy(out->comm, open + 1, clen);
    out->comm[clen] = '\0';

    const char *p = close + 1;
    while (p < end && *p == ' ')
        p++;
    if (p == end)
        return -EINVAL;
    out->state = *p++; /* field 3 */
    int64_t ppid, pgrp, session, tty_nr;
    if (!parse_i64(&p, end, &ppid) || !parse_i64(&p, end, &pgrp) ||
        !parse_i64(&p, end, &session) || !parse_i64(&p, end, &tty_nr))
        return -EINVAL; /* fields 4-7 */
    for (int field = 8; field < 22; field++)
        if (!skip_token(&p, end))
            return -EINVAL;
    uint64_t start;
    if (!parse_u64(&p, end, &start)) /* field 22 */
        return -EINVAL;
    if (ppid < 0 || ppid > INT32_MAX || session < INT32_MIN || session > INT32_MAX)
        return -EINVAL;
    out->ppid = (int32_t)ppid;
    out->session = (int32_t)session;
    out->tty_nr = (uint32_t)tty_nr;
    out->start_ticks = start;
    return 0;
}

/* The four ids after "Uid:" or "Gid:" in status text. */
static bool status_ids(const char *text, size_t len, const char *key, uint32_t *real,
                       uint32_t *eff)
{
    size_t klen = strlen(key);
    const char *end = text + len;
    for (const char *line = text; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *lend = nl ? nl : end;
        if ((size_t)(lend - line) > klen && memcmp(line, key, klen) == 0) {
            const char *p = line + klen;
            uint64_t r, e;
            while (p < lend && (*p == '\t' || *p == ' '))
                p++;
            if (!parse_u64(&p, lend, &r))
                return false;
            while (p < lend && (*p == '\t' || *p == ' '))
                p++;
            if (!parse_u64(&p, lend, &e) || r > UINT32_MAX || e > UINT32_MAX)
                return false;
            *real = (uint32_t)r;
            *eff = (uint32_t)e;
            return true;
        }
        line = nl ? nl + 1 : end;
    }
    return false;
}

int procfs_parse_status(const char *text, size_t len, uint32_t *uid, uint32_t *euid,
                        uint32_t *gid, uint32_t *egid)
{
    if (!status_ids(text, len, "Uid:", uid, euid) || !status_ids(text, len, "Gid:", gid, egid))
        return -EINVAL;
    return 0;
}

static void copy_bounded(char *dst, size_t dstlen, const char *src, size_t len)
{
    if (len > dstlen - 1)
        len = dstlen - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

int procfs_parse_cgroup(const char *text, size_t len, char *v2, size_t v2len, char *v1,
                        size_t v1len)
{
    bool found = false;
    v2[0] = '\0';
    v1[0] = '\0';
    const char *end = text + len;
    for (const char *line = text; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *lend = nl ? nl : end;
        /* hierarchy-id:controller-list:path (the path may itself contain ':') */
        const char *c1 = memchr(line, ':', (size_t)(lend - line));
        const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(lend - c1 - 1)) : NULL;
        if (c2) {
            const char *path = c2 + 1;
            size_t plen = (size_t)(lend - path);
            if (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1) {
                copy_bounded(v2, v2len, path, plen);
                found = true;
            } else {
                /* "memory" alone or within a comma-separated list */
                for (const char *s = c1 + 1; s < c2;) {
                    const char *comma = memchr(s, ',', (size_t)(c2 - s));
                    const char *tend = comma ? comma : c2;
                    if (tend - s == 6 && memcmp(s, "memory", 6) == 0) {
                        copy_bounded(v1, v1len, path, plen);
                        found = true;
                    }
                    s = tend + 1;
                }
            }
        }
        line = nl ? nl + 1 : end;
    }
    return found ? 0 : -EINVAL;
}

int procfs_tty_name(uint32_t tty_nr, char *out, size_t outlen)
{
    unsigned major = (tty_nr >> 8) & 0xfff;
    unsigned minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
    out[0] = '\0';
    if (tty_nr == 0)
        return 0;
    if (major >= 136 && major <= 143) { /* UNIX98 pseudo-terminals */
        snprintf(out, outlen, "pts/%u", (major - 136) * 256 + minor);
        return 0;
    }
    if (major == 4) { /* virtual consoles and serial ports */
        if (minor < 64)
            snprintf(out, outlen, "tty%u", minor);
        else
            snprintf(out, outlen, "ttyS%u", minor - 64);
        return 0;
    }
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof(link), "/sys/dev/char/%u:%u", major, minor);
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    if (n <= 0)
        return -ENOENT;
    target[n] = '\0';
    const char *base = strrchr(target, '/');
    str_copy(out, base ? base + 1 : target, outlen);
    return 0;
}

/* readlink of /proc/PID/<name> into out; false when it cannot be read. */
static bool read_link(int32_t pid, const char *name, char *out, size_t outlen)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
    ssize_t n = readlink(path, out, outlen - 1);
    if (n < 0) {
        out[0] = '\0';
        return false;
    }
    out[n] = '\0';
    return true;
}

/* Read /proc/PID/cmdline into b, at most max bytes. */
static int read_cmdline(int32_t pid, size_t max, struct buf *b, bool *truncated)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
    b->len = 0;
    return file_read_prefix(path, b, max, truncated);
}

/* Where the cgroup v2 hierarchy is mounted, found once in /proc/self/mountinfo. */
static char cgroup2_root[PATH_MAX];
static pthread_once_t cgroup2_once = PTHREAD_ONCE_INIT;

static void find_cgroup2_root(void)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return;
    char line[4096];
    while (fgets(line, sizeof(line), f)) {
        /* id parent major:minor root mountpoint options ... - fstype source super */
        const char *sep = strstr(line, " - cgroup2 ");
        if (!sep)
            continue;
        char *save = NULL, *tok = strtok_r(line, " ", &save);
        for (int i = 1; tok && i < 5; i++)
            tok = strtok_r(NULL, " ", &save);
        if (tok && tok < sep) {
            str_copy(cgroup2_root, tok, sizeof(cgroup2_root));
            break;
        }
    }
    fclose(f);
}

static uint64_t cgroup_inode(const char *v2path)
{
    pthread_once(&cgroup2_once, find_cgroup2_root);
    if (!cgroup2_root[0] || v2path[0] != '/')
        return 0;
    char path[2 * PATH_MAX];
    snprintf(path, sizeof(path), "%s%s", cgroup2_root, strcmp(v2path, "/") ? v2path : "");
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

int procfs_read(int32_t pid, unsigned what, size_t args_max, struct procfs_proc *p)
{
    char path[64], text[4096];
    ssize_t n;
    p->pid = pid;
    p->have = 0;
    p->args.len = 0;
    p->args_truncated = false;
    p->exe[0] = p->cwd[0] = p->tty[0] = p->cgroup[0] = p->cgroup_v1[0] = '\0';
    p->cgroup_id = 0;

    if (pid <= 0)
        return -ESRCH;
    /* argv first: it is what disappears first when a short-lived process exits */
    if ((what & PROCFS_CMDLINE) && read_cmdline(pid, args_max, &p->args, &p->args_truncated) == 0)
        p->have |= PROCFS_CMDLINE;
    if ((what & PROCFS_EXE) && read_link(pid, "exe", p->exe, sizeof(p->exe)))
        p->have |= PROCFS_EXE;
    if (what & (PROCFS_STAT | PROCFS_TTY)) {
        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
        n = read_small(path, text, sizeof(text));
        if (n < 0)
            return n == -ENOENT ? -ESRCH : (int)n;
        if (procfs_parse_stat(text, (size_t)n, &p->stat) != 0)
            return -ESRCH; /* garbage: treat as gone */
        p->have |= PROCFS_STAT;
    }
    if ((what & PROCFS_STATUS)) {
        snprintf(path, sizeof(path), "/proc/%d/status", pid);
        n = read_small(path, text, sizeof(text));
        if (n > 0 && procfs_parse_status(text, (size_t)n, &p->uid, &p->euid, &p->gid,
                                         &p->egid) == 0)
            p->have |= PROCFS_STATUS;
    }
    if ((what & PROCFS_CWD) && read_link(pid, "cwd", p->cwd, sizeof(p->cwd)))
        p->have |= PROCFS_CWD;
    if (what & PROCFS_AUDIT) {
        char v[32];
        uint64_t a, s;
        const char *q;
        snprintf(path, sizeof(path), "/proc/%d/loginuid", pid);
        n = read_small(path, v, sizeof(v) - 1);
        if (n > 0 && (v[n] = '\0', q = v, parse_u64(&q, v + n, &a)) && a <= UINT32_MAX) {
            snprintf(path, sizeof(path), "/proc/%d/sessionid", pid);
            n = read_small(path, v, sizeof(v) - 1);
            if (n > 0 && (v[n] = '\0', q = v, parse_u64(&q, v + n, &s)) && s <= UINT32_MAX) {
                p->auid = (uint32_t)a;
                p->session_id = (uint32_t)s;
                p->have |= PROCFS_AUDIT;
            }
        }
    }
    if (what & PROCFS_CGROUP) {
        snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
        n = read_small(path, text, sizeof(text));
        if (n > 0 && procfs_parse_cgroup(text, (size_t)n, p->cgroup, sizeof(p->cgroup),
                                         p->cgroup_v1, sizeof(p->cgroup_v1)) == 0) {
            if (p->cgroup[0])
                p->cgroup_id = cgroup_inode(p->cgroup);
            p->have |= PROCFS_CGROUP;
        }
    }
    if ((what & PROCFS_TTY) && procfs_tty_name(p->stat.tty_nr, p->tty, sizeof(p->tty)) == 0)
        p->have |= PROCFS_TTY;
    if (!(what & (PROCFS_STAT | PROCFS_TTY)) && !p->have) {
        snprintf(path, sizeof(path), "/proc/%d", pid);
        if (access(path, F_OK) != 0)
            return -ESRCH;
    }
    return 0;
}

uint64_t procfs_start_ticks(int32_t pid)
{
    char path[64], text[1024];
    struct procfs_stat st;
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    ssize_t n = read_small(path, text, sizeof(text));
    if (n <= 0 || procfs_parse_stat(text, (size_t)n, &st) != 0)
        return 0;
    return st.start_ticks;
}

void procfs_proc_free(struct procfs_proc *p)
{
    if (p)
        buf_free(&p->args);
}
