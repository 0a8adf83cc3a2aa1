/* col_accounts.c - the accounts collector: local users (user_changes) from /etc/passwd with the
 * state of their password from /etc/shadow (set, empty, locked, and the hashing scheme; the hash
 * itself never leaves this function) and their last login from lastlog; local groups
 * (group_changes) with their members. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <lastlog.h>
#include <limits.h>
#include <pwd.h>
#include <shadow.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/inventory/inv_text.h"
#include "agent/inventory/parsers.h"
#include "common/util.h"

#define ACCOUNT_FILE_MAX (64u << 20)
#define DAY_NS (86400ll * 1000000000ll)

struct shadow_entry {
    char *name;
    const char *state, *scheme; /* static strings */
    long lstchg, max, expire;
};

struct accounts {
    struct inv_scan *s;
    struct shadow_entry *sh;
    size_t nsh, cap;
    int lastlog_fd;
};

static void add_shadow(void *ctx, const struct spwd *e)
{
    struct accounts *a = ctx;
    if (a->nsh == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        struct shadow_entry *v = realloc(a->sh, cap * sizeof(*v));
        if (!v)
            return;
        a->sh = v;
        a->cap = cap;
    }
    struct shadow_entry *x = &a->sh[a->nsh];
    if (!(x->name = strdup(e->sp_namp)))
        return;
    x->state = password_state(e->sp_pwdp);
    x->scheme = password_scheme(e->sp_pwdp);
    x->lstchg = e->sp_lstchg;
    x->max = e->sp_max;
    x->expire = e->sp_expire;
    a->nsh++;
}

static const struct shadow_entry *find_shadow(const struct accounts *a, const char *name)
{
    for (size_t i = 0; i < a->nsh; i++)
        if (!strcmp(a->sh[i].name, name))
            return &a->sh[i];
    return NULL;
}

static void add_user(void *ctx, const struct passwd *pw)
{
    struct accounts *a = ctx;
    struct event *ev = inv_row(a->s, TBL_USER_CHANGES, "%s", pw->pw_name);
    if (!ev)
        return;
    inv_str(ev, FLD_USER, pw->pw_name);
    inv_int(ev, FLD_UID, pw->pw_uid);
    inv_int(ev, FLD_GID, pw->pw_gid);
    inv_str(ev, FLD_HOME, pw->pw_dir);
    inv_str(ev, FLD_SHELL, pw->pw_shell);
    inv_str(ev, FLD_GECOS, pw->pw_gecos);
    const struct shadow_entry *sh = find_shadow(a, pw->pw_name);
    if (sh) {
        inv_str(ev, FLD_PASSWORD_STATE, sh->state);
        inv_str(ev, FLD_PASSWORD_SCHEME, sh->scheme);
        if (sh->lstchg >= 0)
            inv_int(ev, FLD_PASSWORD_CHANGED, (int64_t)sh->lstchg * DAY_NS);
        if (sh->max >= 0)
            inv_int(ev, FLD_PASSWORD_MAX_DAYS, sh->max);
        if (sh->lstchg > 0 && sh->max >= 0 && sh->max < 99999)
            inv_int(ev, FLD_PASSWORD_EXPIRES, ((int64_t)sh->lstchg + sh->max) * DAY_NS);
        if (sh->expire >= 0)
            inv_int(ev, FLD_ACCOUNT_EXPIRES, (int64_t)sh->expire * DAY_NS);
    } else {
        /* no shadow entry: the passwd field itself is the password ("x" then means none) */
        inv_str(ev, FLD_PASSWORD_STATE, password_state(pw->pw_passwd));
        inv_str(ev, FLD_PASSWORD_SCHEME, password_scheme(pw->pw_passwd));
    }
    struct lastlog ll;
    if (a->lastlog_fd >= 0 &&
        pread(a->lastlog_fd, &ll, sizeof(ll), (off_t)pw->pw_uid * (off_t)sizeof(ll)) ==
            (ssize_t)sizeof(ll) &&
        ll.ll_time > 0) {
        inv_int(ev, FLD_LAST_LOGIN, (int64_t)ll.ll_time * 1000000000ll);
        inv_strn(ev, FLD_LAST_LOGIN_FROM, ll.ll_host, strnlen(ll.ll_host, sizeof(ll.ll_host)));
    }
}

static void add_group(void *ctx, const struct group *g)
{
    struct inv_scan *s = ctx;
    struct event *ev = inv_row(s, TBL_GROUP_CHANGES, "%s", g->gr_name);
    if (!ev)
        return;
    struct buf members = {0};
    for (char **m = g->gr_mem; m && *m; m++)
        inv_list_add(&members, *m, strlen(*m));
    inv_str(ev, FLD_GROUP, g->gr_name);
    inv_int(ev, FLD_GID, g->gr_gid);
    inv_strn(ev, FLD_MEMBERS, members.len ? (const char *)members.data : "", members.len);
    buf_free(&members);
}

static int accounts_collect(struct inv_scan *s, struct vg_error *err)
{
    struct accounts a = {.s = s, .lastlog_fd = -1};
    struct buf b = {0};
    int rc = inv_read(s, "/etc/passwd", &b, ACCOUNT_FILE_MAX, NULL);
    if (rc) {
        rc = vg_error_set(err, rc, "/etc/passwd: %s", strerror(-rc));
        goto cleanup;
    }
    struct buf sh = {0};
    int src = inv_read(s, "/etc/shadow", &sh, ACCOUNT_FILE_MAX, NULL);
    if (src && src != -ENOENT)
        inv_warn(s, "/etc/shadow: %s", strerror(-src));
    if (!src)
        parse_shadow((const char *)sh.data, sh.len, add_shadow, &a);
    /* the hashes were only looked at: wipe the copy of the file */
    if (sh.data)
        explicit_bzero(sh.data, sh.cap);
    buf_free(&sh);
    char ll[PATH_MAX];
    if (inv_path(s, "/var/log/lastlog", ll, sizeof(ll)) == 0) {
        a.lastlog_fd = open(ll, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        struct stat st;
        if (a.lastlog_fd >= 0 && (fstat(a.lastlog_fd, &st) < 0 || !S_ISREG(st.st_mode))) {
            close(a.lastlog_fd);
            a.lastlog_fd = -1;
        }
    }
    parse_passwd((const char *)b.data, b.len, add_user, &a);
    buf_reset(&b);
    if ((src = inv_read(s, "/etc/group", &b, ACCOUNT_FILE_MAX, NULL)))
        inv_warn(s, "/etc/group: %s", strerror(-src));
    else
        parse_group((const char *)b.data, b.len, add_group, s);
cleanup:
    if (a.lastlog_fd >= 0)
        close(a.lastlog_fd);
    for (size_t i = 0; i < a.nsh; i++)
        free(a.sh[i].name);
    free(a.sh);
    buf_free(&b);
    return rc;
}

static const enum table_id accounts_tables[] = {TBL_USER_CHANGES, TBL_GROUP_CHANGES, TBL_NONE};

const struct inv_collector inv_collector_accounts = {
    .name = "accounts",
    .tables = accounts_tables,
    .collect = accounts_collect,
};
