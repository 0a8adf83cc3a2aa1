/* risk_files.c - the file part of the config check: world-writable files and non-sticky
 * directories in PATH and in system directories, and set-id files that no package lists
 * (dpkg's file lists, the RPM database through the inventory's reader). Walks stay on one file
 * system, never follow links and are bounded in entries and findings. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/inventory/packages.h"
#include "agent/risk/risk.h"
#include "common/buf.h"
#include "common/util.h"

#define WALK_ENTRIES_MAX 200000 /* entries one tree walk may visit */
#define WALK_FINDINGS_MAX 200   /* findings one walk may report */

/* Files known to dpkg (every path of /var/lib/dpkg/info/ *.list), sorted for bsearch. */
struct owned {
    char **v;
    size_t n, cap;
    struct buf text;
    bool loaded, have_db;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void owned_load(struct risk_run *run, struct owned *o)
{
    o->loaded = true;
    char dir[4096];
    risk_path(run, "/var/lib/dpkg/info", dir, sizeof(dir));
    DIR *d = opendir(dir);
    if (!d)
        return;
    o->have_db = true;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".list"))
            continue;
        char p[4400];
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        file_read_all(p, &o->text, 64u << 20);
        buf_putc(&o->text, '\n');
    }
    closedir(d);
    if (buf_terminate(&o->text))
        return;
    for (char *line = (char *)o->text.data, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        if (*line != '/')
            continue;
        if (o->n == o->cap) {
            size_t cap = o->cap ? o->cap * 2 : 65536;
            char **v = realloc(o->v, cap * sizeof(*v));
            if (!v)
                return;
            o->v = v, o->cap = cap;
        }
        o->v[o->n++] = line;
    }
    if (o->n)
        qsort(o->v, o->n, sizeof(*o->v), cmp_str);
}

/* Whether dpkg lists the host path (or its twin across the merged /usr). */
static bool owned_has(struct owned *o, const char *p)
{
    char twin[4200];
    const char *key = p;
    if (bsearch(&key, o->v, o->n, sizeof(*o->v), cmp_str))
        return true;
    if ((!strncmp(p, "/usr/", 5) ? snprintf(twin, sizeof(twin), "%s", p + 4)
                                  : snprintf(twin, sizeof(twin), "/usr%s", p)) >=
        (int)sizeof(twin))
        return false;
    key = twin;
    return bsearch(&key, o->v, o->n, sizeof(*o->v), cmp_str) != NULL;
}

/* Set-id files found by the walks, judged once they are all known. */
struct suid_file {
    char *path;
    mode_t mode;
    uid_t uid;
};
struct suids {
    struct suid_file *v;
    size_t n, cap;
};

static void suid_add(struct suids *s, const char *path, const struct stat *sb)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i].path, path))
            return; /* PATH lists it twice */
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct suid_file *v = realloc(s->v, cap * sizeof(*v));
        if (!v)
            return;
        s->v = v, s->cap = cap;
    }
    if ((s->v[s->n].path = strdup(path))) {
        s->v[s->n].mode = sb->st_mode;
        s->v[s->n].uid = sb->st_uid;
        s->n++;
    }
}

/* Report the set-id files neither dpkg nor rpm lists (nothing when the host has neither
 * database: ownership cannot be told). */
static void suid_judge(struct risk_run *run, struct suids *s)
{
    struct owned owned = {0};
    if (!s->n)
        return;
    bool *by_rpm = calloc(s->n, sizeof(*by_rpm));
    const char **paths = calloc(s->n, sizeof(*paths));
    if (!by_rpm || !paths)
        goto cleanup;
    owned_load(run, &owned);
    for (size_t i = 0; i < s->n; i++)
        paths[i] = s->v[i].path;
    struct vg_error err = {{0}};
    const char *root = run->cfg->root && *run->cfg->root ? run->cfg->root : "";
    int rrc = pkg_rpm_owned(root, paths, s->n, by_rpm, &err);
    if (!owned.have_db && rrc)
        goto cleanup;
    for (size_t i = 0; i < s->n; i++) {
        const struct suid_file *f = &s->v[i];
        if ((owned.have_db && owned_has(&owned, f->path)) || by_rpm[i])
            continue;
        char msg[4400];
        snprintf(msg, sizeof(msg), "%s is set-%s and belongs to no package", f->path,
                 f->mode & S_ISUID ? "uid" : "gid");
        risk_report(run, &(struct risk_finding){
                             .kind = "unowned_suid", .subject = f->path,
                             .severity = f->uid == 0 && (f->mode & S_ISUID) ? "high" : "medium",
                             .path = f->path, .message = msg,
                             .remediation = "Find out where it came from; remove the set-id "
                                            "bit (chmod ug-s) or the file"});
    }
cleanup:
    free(by_rpm);
    free(paths);
    free(owned.v);
    buf_free(&owned.text);
}

struct walk {
    struct risk_run *run;
    struct suids *suids;
    size_t entries, reported;
    bool suid, writable; /* what this walk looks for */
    dev_t dev;
};

static void report_writable(struct walk *w, const char *host, const struct stat *sb)
{
    char msg[4400];
    bool dir = S_ISDIR(sb->st_mode);
    snprintf(msg, sizeof(msg), "%s %s is writable by every user%s", dir ? "directory" : "file",
             host, dir ? " (and not sticky)" : "");
    risk_report(w->run, &(struct risk_finding){
                            .kind = "world_writable", .subject = host, .severity = "high",
                            .path = host, .message = msg,
                            .remediation = "chmod o-w (and check who changed it)"});
    w->reported++;
}

/* Walk a host directory (under the root), one file system, without following links. */
static void walk_dir(struct walk *w, const char *host, int depth)
{
    char path[4200];
    risk_path(w->run, host, path, sizeof(path));
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) && w->entries < WALK_ENTRIES_MAX && w->reported < WALK_FINDINGS_MAX) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        w->entries++;
        char child[4200], full[4400];
        if (snprintf(child, sizeof(child), "%s%s%s", host, strcmp(host, "/") ? "/" : "",
                     e->d_name) >= (int)sizeof(child) ||
            snprintf(full, sizeof(full), "%s/%s", path, e->d_name) >= (int)sizeof(full))
            continue; /* longer than PATH_MAX */
        struct stat sb;
        if (lstat(full, &sb) || S_ISLNK(sb.st_mode))
            continue;
        if (w->writable && (sb.st_mode & S_IWOTH) &&
            (S_ISREG(sb.st_mode) || (S_ISDIR(sb.st_mode) && !(sb.st_mode & S_ISVTX))))
            report_writable(w, child, &sb);
        if (w->suid && S_ISREG(sb.st_mode) && (sb.st_mode & (S_ISUID | S_ISGID)))
            suid_add(w->suids, child, &sb);
        if (S_ISDIR(sb.st_mode) && depth > 0 && sb.st_dev == w->dev)
            walk_dir(w, child, depth - 1);
    }
    closedir(d);
}

static void walk_tree(struct walk *w, const char *host, int depth)
{
    char path[4200];
    struct stat sb;
    risk_path(w->run, host, path, sizeof(path));
    if (lstat(path, &sb) || !S_ISDIR(sb.st_mode))
        return;
    w->dev = sb.st_dev;
    if (w->writable && (sb.st_mode & S_IWOTH) && !(sb.st_mode & S_ISVTX))
        report_writable(w, host, &sb);
    walk_dir(w, host, depth);
}

/* The directories of PATH: the usual ones, /etc/environment's and login.defs' ENV_*PATH. */
static void path_dirs(struct risk_run *run, char dirs[][256], size_t *n, size_t max)
{
    static const char *const std[] = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
                                      "/usr/bin", "/sbin", "/bin"};
    *n = 0;
    for (size_t i = 0; i < 6; i++)
        str_copy(dirs[(*n)++], std[i], 256);
    const char *files[] = {"/etc/environment", "/etc/login.defs"};
    for (size_t f = 0; f < 2; f++) {
        char path[4096];
        struct buf b = {0};
        risk_path(run, files[f], path, sizeof(path));
        if (file_read_all(path, &b, 1 << 20) || buf_terminate(&b)) {
            buf_free(&b);
            continue;
        }
        for (char *line = (char *)b.data, *next; line; line = next) {
            next = strchr(line, '\n');
            if (next)
                *next++ = 0;
            char *v = strstr(line, "PATH");
            if (!v || line[strspn(line, " \t")] == '#')
                continue;
            v = strpbrk(v, "=:");
            if (!v)
                continue;
            v++;
            v += strspn(v, " \t\"=");
            char *save = NULL;
            for (char *d = strtok_r(v, ":\"", &save); d; d = strtok_r(NULL, ":\"", &save)) {
                bool dup = d[0] != '/';
                for (size_t k = 0; k < *n && !dup; k++)
                    dup = !strcmp(dirs[k], d);
                if (!dup && *n < max)
                    str_copy(dirs[(*n)++], d, 256);
            }
        }
        buf_free(&b);
    }
}

void risk_check_files(struct risk_run *run)
{
    struct suids suids = {0};
    char dirs[32][256];
    size_t n;
    path_dirs(run, dirs, &n, 32);
    for (size_t i = 0; i < n; i++) {
        /* PATH: the directory and what is in it; set-id files there too */
        struct walk w = {.run = run, .suids = &suids, .suid = true, .writable = true};
        walk_tree(&w, dirs[i], 0);
    }
    static const char *const system_dirs[] = {"/etc", "/boot", "/usr/lib/systemd",
                                              "/lib/systemd", "/var/spool/cron"};
    for (size_t i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++) {
        struct walk w = {.run = run, .suids = &suids, .writable = true};
        walk_tree(&w, system_dirs[i], 6);
    }
    static const char *const suid_dirs[] = {"/usr/lib", "/usr/libexec", "/usr/local", "/opt"};
    for (size_t i = 0; i < sizeof(suid_dirs) / sizeof(suid_dirs[0]); i++) {
        struct walk w = {.run = run, .suids = &suids, .suid = true};
        walk_tree(&w, suid_dirs[i], 8);
    }
    suid_judge(run, &suids);
    for (size_t i = 0; i < suids.n; i++)
        free(suids.v[i].path);
    free(suids.v);
}
