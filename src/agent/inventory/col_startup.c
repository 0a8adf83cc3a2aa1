/* col_startup.c - the startup collector (startup_file_changes): files the system runs or reads
 * at boot and at every login, the usual places of persistence and of hijacked environments:
 * rc.local, /etc/profile and profile.d, the system bashrc and zsh files, /etc/environment,
 * /etc/ld.so.preload and ld.so.conf(.d), modules loaded at boot, update-motd.d scripts,
 * XDG autostart entries, root's own shell startup files (from root's home in /etc/passwd),
 * and the globs of startup.paths. Each with its SHA-256, size, time, owner and mode. */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/inventory/parsers.h"
#include "common/util.h"

#define STARTUP_HASH_MAX (64u << 20)

static const struct {
    const char *glob, *type;
} builtin[] = {
    {"/etc/rc.local", "rc.local"},
    {"/etc/rc.d/rc.local", "rc.local"},
    {"/etc/profile", "profile"},
    {"/etc/profile.d/*", "profile.d"},
    {"/etc/bash.bashrc", "bashrc"},
    {"/etc/bashrc", "bashrc"},
    {"/etc/bash.bash_logout", "bash_logout"},
    {"/etc/zsh/zshenv", "zsh"},
    {"/etc/zsh/zprofile", "zsh"},
    {"/etc/zsh/zshrc", "zsh"},
    {"/etc/zsh/zlogin", "zsh"},
    {"/etc/zshenv", "zsh"},
    {"/etc/zshrc", "zsh"},
    {"/etc/environment", "environment"},
    {"/etc/ld.so.preload", "ld.so.preload"},
    {"/etc/ld.so.conf", "ld.so.conf"},
    {"/etc/ld.so.conf.d/*", "ld.so.conf"},
    {"/etc/modules", "modules-load"},
    {"/etc/modules-load.d/*", "modules-load"},
    {"/etc/update-motd.d/*", "update-motd.d"},
    {"/etc/xdg/autostart/*", "xdg-autostart"},
};

static const char *const root_files[] = {
    ".bashrc", ".profile", ".bash_profile", ".bash_login", ".bash_logout", ".zshrc",
    ".zprofile", ".zshenv", ".zlogin", ".cshrc", ".tcshrc",
};

static void add_file(struct inv_scan *s, const char *path, const char *type)
{
    char real[PATH_MAX];
    struct stat st;
    if (inv_path(s, path, real, sizeof(real)) || lstat(real, &st) || !S_ISREG(st.st_mode))
        return; /* absent, a directory, or a link (its target is listed where it lives) */
    struct event *ev = inv_row(s, TBL_STARTUP_FILE_CHANGES, "%s", path);
    inv_str(ev, FLD_STARTUP_TYPE, type);
    inv_str(ev, FLD_PATH, path);
    char hash[65];
    if (inv_sha256_file(s, real, STARTUP_HASH_MAX, hash) == 0)
        inv_str(ev, FLD_SHA256, hash);
    inv_int(ev, FLD_SIZE_BYTES, st.st_size);
    inv_int(ev, FLD_MTIME, (int64_t)st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec);
    inv_int(ev, FLD_OWNER_UID, st.st_uid);
    inv_int(ev, FLD_FILE_MODE, st.st_mode & 07777);
}

static void add_glob(struct inv_scan *s, const char *pattern, const char *type)
{
    char real[PATH_MAX];
    if (inv_path(s, pattern, real, sizeof(real)))
        return;
    glob_t g;
    if (glob(real, 0, NULL, &g) != 0)
        return;
    size_t rootlen = strlen(s->root);
    for (size_t i = 0; i < g.gl_pathc; i++)
        add_file(s, g.gl_pathv[i] + rootlen, type);
    globfree(&g);
}

static void root_home(void *ctx, const struct passwd *pw)
{
    char *home = ctx;
    if (pw->pw_uid == 0 && !home[0] && pw->pw_dir && pw->pw_dir[0] == '/')
        str_copy(home, pw->pw_dir, PATH_MAX);
}

static int startup_collect(struct inv_scan *s, struct vg_error *err)
{
    (void)err;
    for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
        add_glob(s, builtin[i].glob, builtin[i].type);
    char home[PATH_MAX] = "";
    struct buf b = {0};
    if (inv_read(s, "/etc/passwd", &b, 64u << 20, NULL) == 0)
        parse_passwd((const char *)b.data, b.len, root_home, home);
    buf_free(&b);
    if (!home[0])
        str_copy(home, "/root", sizeof(home));
    for (size_t i = 0; i < sizeof(root_files) / sizeof(root_files[0]); i++) {
        char p[PATH_MAX];
        if (inv_fmt(p, sizeof(p), "%s/%s", strcmp(home, "/") ? home : "", root_files[i]))
            add_file(s, p, "root_shell");
    }
    const struct config_list *extra = &s->cfg->startup_paths;
    for (size_t i = 0; i < extra->count; i++)
        add_glob(s, extra->items[i], "configured");
    return 0;
}

static const enum table_id startup_tables[] = {TBL_STARTUP_FILE_CHANGES, TBL_NONE};

const struct inv_collector inv_collector_startup = {
    .name = "startup",
    .tables = startup_tables,
    .collect = startup_collect,
};
