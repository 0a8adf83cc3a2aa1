/* col_logins.c - the logins collector: login history (login_history_changes) from wtmp (logins,
 * logouts, boots) and btmp (failed logins), the most recent logins.max_records records of each,
 * read from the end of the file so that a huge wtmp costs no more than a small one; and current
 * sessions (session_changes) from utmp, as who lists them (user processes whose process is
 * alive). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utmp.h>

#include "agent/inventory/parsers.h"
#include "common/util.h"

struct login_ctx {
    struct inv_scan *s;
    const char *path;
    bool failed;  /* btmp */
    bool session; /* utmp: current sessions */
};

static void add_record(void *ctx, const struct login_record *r)
{
    struct login_ctx *c = ctx;
    if (c->session) {
        if (r->ut_type != USER_PROCESS || !r->user[0])
            return;
        /* who leaves out sessions whose process is gone (only knowable on the live system) */
        if (!c->s->root[0] && r->pid > 0 && kill(r->pid, 0) < 0 && errno == ESRCH)
            return;
        struct event *ev = inv_row(c->s, TBL_SESSION_CHANGES, "%s\t%d\t%lld", r->tty, r->pid,
                                   (long long)r->time_ns);
        inv_str(ev, FLD_USER, r->user);
        inv_str(ev, FLD_TTY, r->tty);
        inv_str(ev, FLD_REMOTE_HOST, r->host);
        inv_int(ev, FLD_LOGIN_TIME, r->time_ns);
        inv_int(ev, FLD_PID, r->pid);
        return;
    }
    const char *type = c->failed ? "failed" : r->type;
    struct event *ev = inv_row(c->s, TBL_LOGIN_HISTORY_CHANGES, "%s\t%s\t%lld\t%s\t%d\t%s",
                               c->path, type, (long long)r->time_ns, r->tty, r->pid, r->user);
    inv_str(ev, FLD_LOGIN_TYPE, type);
    inv_str(ev, FLD_USER, r->user);
    inv_str(ev, FLD_TTY, r->tty);
    inv_str(ev, FLD_REMOTE_HOST, r->host);
    inv_int(ev, FLD_LOGIN_TIME, r->time_ns);
    inv_int(ev, FLD_PID, r->pid);
    inv_str(ev, FLD_PATH, c->path);
}

/* The last max records of a utmp-format file. */
static void read_records(struct inv_scan *s, const char *path, int64_t max, struct login_ctx *c)
{
    char real[PATH_MAX];
    if (inv_path(s, path, real, sizeof(real)))
        return;
    int fd = open(real, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT)
            inv_warn(s, "%s: %s", path, strerror(errno));
        return;
    }
    struct stat st;
    uint8_t *data = NULL;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        goto cleanup;
    size_t rec = sizeof(struct utmp);
    uint64_t count = (uint64_t)st.st_size / rec;
    uint64_t want = max > 0 && (uint64_t)max < count ? (uint64_t)max : count;
    if (!want)
        goto cleanup;
    size_t bytes = (size_t)(want * rec);
    if (!(data = malloc(bytes)))
        goto cleanup;
    ssize_t got = pread(fd, data, bytes, (off_t)((count - want) * rec));
    if (got > 0)
        parse_utmp(data, (size_t)got, add_record, c);
cleanup:
    free(data);
    close(fd);
}

static int logins_collect(struct inv_scan *s, struct vg_error *err)
{
    (void)err;
    int64_t max = s->cfg->logins_max_records;
    struct login_ctx wtmp = {s, "/var/log/wtmp", false, false};
    read_records(s, wtmp.path, max, &wtmp);
    struct login_ctx btmp = {s, "/var/log/btmp", true, false};
    read_records(s, btmp.path, max, &btmp);
    /* utmp: /run/utmp (where /var/run points) */
    char real[PATH_MAX];
    const char *utmp = "/run/utmp";
    if (inv_path(s, utmp, real, sizeof(real)) == 0 && access(real, F_OK) != 0)
        utmp = "/var/run/utmp";
    struct login_ctx cur = {s, utmp, false, true};
    read_records(s, utmp, 1000000, &cur);
    return 0;
}

static const enum table_id logins_tables[] = {TBL_LOGIN_HISTORY_CHANGES, TBL_SESSION_CHANGES,
                                              TBL_NONE};

const struct inv_collector inv_collector_logins = {
    .name = "logins",
    .tables = logins_tables,
    .collect = logins_collect,
};
