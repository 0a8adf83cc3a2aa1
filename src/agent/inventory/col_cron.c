/* col_cron.c - the cron collector (cron_job_changes): jobs from every place cron, anacron and
 * at read them: /etc/crontab and /etc/cron.d (with a user field), the users' crontabs in the
 * spool (/var/spool/cron/crontabs, or /var/spool/cron on Red Hat systems), the scripts of
 * /etc/cron.{hourly,daily,weekly,monthly} that run-parts would run, /etc/anacrontab, and
 * pending at jobs (/var/spool/cron/atjobs, /var/spool/at). */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "agent/inventory/inv_users.h"
#include "agent/inventory/parsers.h"
#include "common/util.h"

#define CRONTAB_MAX (4u << 20)

struct cron_ctx {
    struct inv_scan *s;
    const char *source, *path;
    const char *user; /* for a user's crontab */
};

static void add_job(void *ctx, const struct cron_entry *e)
{
    struct cron_ctx *c = ctx;
    const char *user = c->user ? c->user : e->user;
    struct event *ev = inv_row(c->s, TBL_CRON_JOB_CHANGES, "%s\t%s\t%s\t%s", c->path, user,
                               e->schedule, e->command);
    inv_str(ev, FLD_CRON_SOURCE, c->source);
    inv_str(ev, FLD_SCHEDULE, e->schedule);
    inv_str(ev, FLD_USER, user);
    inv_str(ev, FLD_COMMAND, e->command);
    inv_str(ev, FLD_PATH, c->path);
    inv_int(ev, FLD_LINE, e->line);
}

/* Files cron never reads: editor backups and package manager leftovers. */
static bool ignored_name(const char *n)
{
    static const char *const suffixes[] = {"~", ".dpkg-old", ".dpkg-dist", ".dpkg-new",
                                           ".dpkg-tmp", ".rpmsave", ".rpmnew", ".rpmorig",
                                           ".swp", ".bak", NULL};
    size_t l = strlen(n);
    for (size_t i = 0; suffixes[i]; i++) {
        size_t k = strlen(suffixes[i]);
        if (l >= k && !strcmp(n + l - k, suffixes[i]))
            return true;
    }
    return false;
}

static void read_crontab(struct inv_scan *s, const char *path, const char *source, bool system,
                         const char *user)
{
    struct buf b = {0};
    int rc = inv_read(s, path, &b, CRONTAB_MAX, NULL);
    if (rc == 0) {
        struct cron_ctx c = {s, source, path, user};
        if (!strcmp(source, "anacrontab"))
            parse_anacrontab((const char *)b.data, b.len, add_job, &c);
        else
            parse_crontab((const char *)b.data, b.len, system, add_job, &c);
    } else if (rc != -ENOENT) {
        inv_warn(s, "%s: %s", path, strerror(-rc));
    }
    buf_free(&b);
}

/* run-parts' rule for the names it runs: letters, digits, '_' and '-' only. */
static bool run_parts_name(const char *n)
{
    return n[0] && strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
                       strlen(n);
}

static void periodic(struct inv_scan *s, const char *period)
{
    char dir[64], source[64];
    snprintf(dir, sizeof(dir), "/etc/cron.%s", period);
    snprintf(source, sizeof(source), "cron.%s", period);
    char **names;
    size_t n;
    if (inv_list_dir(s, dir, true, &names, &n))
        return;
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX], real[PATH_MAX];
        struct stat st;
        if (!run_parts_name(names[i]) || !inv_fmt(path, sizeof(path), "%s/%s", dir, names[i]) ||
            inv_path(s, path, real, sizeof(real)) || stat(real, &st) || !S_ISREG(st.st_mode) ||
            !(st.st_mode & 0111))
            continue; /* run-parts skips it */
        struct event *ev = inv_row(s, TBL_CRON_JOB_CHANGES, "%s\troot\t%s\t%s", path, period, path);
        inv_str(ev, FLD_CRON_SOURCE, source);
        inv_str(ev, FLD_SCHEDULE, period);
        inv_str(ev, FLD_USER, "root");
        inv_str(ev, FLD_COMMAND, path);
        inv_str(ev, FLD_PATH, path);
    }
    inv_names_free(names, n);
}

static void user_crontabs(struct inv_scan *s, const char *dir)
{
    char **names;
    size_t n;
    if (inv_list_dir(s, dir, true, &names, &n))
        return;
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX], real[PATH_MAX];
        struct stat st;
        if (!inv_fmt(path, sizeof(path), "%s/%s", dir, names[i]) ||
            inv_path(s, path, real, sizeof(real)) || stat(real, &st) || !S_ISREG(st.st_mode) ||
            ignored_name(names[i]))
            continue;
        read_crontab(s, path, "user_crontab", false, names[i]);
    }
    inv_names_free(names, n);
}

/* at jobs: "a0000f01b3c2d4": queue, job number (5 hex digits), run time (8 hex digits of
 * minutes since the epoch); the file's owner is the user. */
static void at_jobs(struct inv_scan *s, const char *dir, const struct inv_users *users)
{
    char **names;
    size_t n;
    if (inv_list_dir(s, dir, true, &names, &n))
        return;
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX], real[PATH_MAX], schedule[64] = "at";
        struct stat st;
        if (strlen(names[i]) != 14 || !inv_fmt(path, sizeof(path), "%s/%s", dir, names[i]) ||
            inv_path(s, path, real, sizeof(real)) || stat(real, &st) || !S_ISREG(st.st_mode))
            continue;
        char *end;
        unsigned long minutes = strtoul(names[i] + 6, &end, 16);
        if (*end == '\0') {
            time_t t = (time_t)minutes * 60;
            struct tm tm;
            if (gmtime_r(&t, &tm))
                strftime(schedule, sizeof(schedule), "at %Y-%m-%dT%H:%MZ", &tm);
        }
        const char *user = inv_users_name(users, st.st_uid);
        char uid[24];
        if (!user) {
            snprintf(uid, sizeof(uid), "%u", (unsigned)st.st_uid);
            user = uid;
        }
        struct event *ev = inv_row(s, TBL_CRON_JOB_CHANGES, "%s\t%s\t%s\t%s", path, user,
                                   schedule, path);
        inv_str(ev, FLD_CRON_SOURCE, "at");
        inv_str(ev, FLD_SCHEDULE, schedule);
        inv_str(ev, FLD_USER, user);
        inv_str(ev, FLD_COMMAND, path);
        inv_str(ev, FLD_PATH, path);
    }
    inv_names_free(names, n);
}

static int cron_collect(struct inv_scan *s, struct vg_error *err)
{
    (void)err;
    read_crontab(s, "/etc/crontab", "crontab", true, NULL);
    char **names;
    size_t n;
    if (inv_list_dir(s, "/etc/cron.d", true, &names, &n) == 0) {
        for (size_t i = 0; i < n; i++) {
            char path[PATH_MAX];
            if (!ignored_name(names[i]) && inv_fmt(path, sizeof(path), "/etc/cron.d/%s", names[i]))
                read_crontab(s, path, "cron.d", true, NULL);
        }
        inv_names_free(names, n);
    }
    user_crontabs(s, "/var/spool/cron/crontabs");
    /* Red Hat keeps the users' crontabs in /var/spool/cron itself */
    char real[PATH_MAX];
    struct stat st;
    if (inv_path(s, "/var/spool/cron/crontabs", real, sizeof(real)) == 0 && stat(real, &st) != 0)
        user_crontabs(s, "/var/spool/cron");
    static const char *const periods[] = {"hourly", "daily", "weekly", "monthly"};
    for (size_t i = 0; i < 4; i++)
        periodic(s, periods[i]);
    read_crontab(s, "/etc/anacrontab", "anacrontab", true, NULL);
    struct inv_users *users = inv_users_load(s);
    at_jobs(s, "/var/spool/cron/atjobs", users);
    at_jobs(s, "/var/spool/at", users);
    inv_users_free(users);
    return 0;
}

static const enum table_id cron_tables[] = {TBL_CRON_JOB_CHANGES, TBL_NONE};

const struct inv_collector inv_collector_cron = {
    .name = "cron",
    .tables = cron_tables,
    .collect = cron_collect,
};
