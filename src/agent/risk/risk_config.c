/* risk_config.c - risky configuration of the host: sshd (root login, password authentication,
 * empty passwords, weak ciphers, MACs and key exchanges), sudo rules granting ALL without a
 * password, world-writable directories and files in PATH and in system directories, set-id
 * files no package owns (dpkg's file lists, the RPM database), a kernel upgraded since boot but not running,
 * core dumps of set-id programs, and kernel settings that weaken the host.
 *
 * Files are read under risk.root (the inventory's parsers for sshd_config and sudoers); the
 * kernel's settings, its release and the boot time are the live system's. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "agent/inventory/packages.h"
#include "agent/inventory/parsers.h"
#include "agent/risk/risk.h"
#include "common/buf.h"
#include "common/util.h"
#include "common/vercmp.h"

#define CONFIG_FILE_MAX (4u << 20)
#define WALK_ENTRIES_MAX 200000 /* entries one tree walk may visit */
#define WALK_FINDINGS_MAX 200   /* findings one walk may report */

static void finding(struct risk_run *run, const char *kind, const char *subject,
                    const char *severity, const char *message, const char *remediation)
{
    risk_report(run, &(struct risk_finding){.kind = kind, .subject = subject,
                                            .severity = severity, .message = message,
                                            .remediation = remediation});
}

/* ---- sshd ---- */

struct sshd {
    char permit_root[64], password_auth[16], empty_pw[16];
    char ciphers[1024], macs[1024], kex[1024];
    bool in_match;
    int depth;
    const struct risk_run *run;
};

static void sshd_read(struct sshd *s, const char *file);

static void sshd_line(void *ctx, const char *kw, const char *args)
{
    struct sshd *s = ctx;
    if (!strcasecmp(kw, "Match"))
        s->in_match = true; /* what follows applies to some connections only */
    if (s->in_match)
        return;
    struct {
        const char *kw;
        char *slot;
        size_t len;
    } keys[] = {
        {"PermitRootLogin", s->permit_root, sizeof(s->permit_root)},
        {"PasswordAuthentication", s->password_auth, sizeof(s->password_auth)},
        {"PermitEmptyPasswords", s->empty_pw, sizeof(s->empty_pw)},
        {"Ciphers", s->ciphers, sizeof(s->ciphers)},
        {"MACs", s->macs, sizeof(s->macs)},
        {"KexAlgorithms", s->kex, sizeof(s->kex)},
    };
    if (!strcasecmp(kw, "Include")) {
        char copy[1024];
        str_copy(copy, args, sizeof(copy));
        char *save = NULL;
        for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
            char pattern[1200];
            snprintf(pattern, sizeof(pattern), "%s%s", w[0] == '/' ? "" : "/etc/ssh/", w);
            sshd_read(s, pattern);
        }
        return;
    }
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (!strcasecmp(kw, keys[i].kw) && !keys[i].slot[0]) /* the first value wins */
            str_copy(keys[i].slot, args, keys[i].len);
}

/* Read an sshd_config file or glob (host path) under the root. */
static void sshd_read(struct sshd *s, const char *file)
{
    if (s->depth > 8)
        return;
    char pattern[4200];
    risk_path(s->run, file, pattern, sizeof(pattern));
    glob_t g;
    if (glob(pattern, 0, NULL, &g))
        return;
    s->depth++;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        struct buf b = {0};
        if (!file_read_all(g.gl_pathv[i], &b, CONFIG_FILE_MAX))
            parse_sshd_config((const char *)b.data, b.len, sshd_line, s);
        buf_free(&b);
    }
    s->depth--;
    globfree(&g);
}

/* The weak algorithms named in an sshd list (after +, -, ^ modifiers), comma separated. */
static void weak_in(const char *list, const char *const *weak, char *out, size_t outlen)
{
    out[0] = 0;
    if (*list == '-')
        return; /* removes from the defaults: nothing weak added */
    char copy[1024];
    str_copy(copy, list + (*list == '+' || *list == '^'), sizeof(copy));
    char *save = NULL;
    for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
        for (size_t i = 0; weak[i]; i++)
            if (!fnmatch(weak[i], w, 0)) {
                size_t l = strlen(out);
                snprintf(out + l, outlen - l, "%s%s", l ? "," : "", w);
                break;
            }
}

static void check_sshd(struct risk_run *run)
{
    struct sshd s = {.run = run};
    char path[4096];
    struct stat sb;
    risk_path(run, "/etc/ssh/sshd_config", path, sizeof(path));
    if (stat(path, &sb))
        return; /* no OpenSSH server */
    sshd_read(&s, "/etc/ssh/sshd_config");
    char msg[1400];
    if (!strcasecmp(s.permit_root, "yes")) {
        finding(run, "ssh_config", "PermitRootLogin", "high",
                "sshd lets root log in with a password (PermitRootLogin yes)",
                "Set PermitRootLogin no (or prohibit-password) in /etc/ssh/sshd_config");
    }
    if (!s.password_auth[0] || !strcasecmp(s.password_auth, "yes")) {
        finding(run, "ssh_config", "PasswordAuthentication", "medium",
                s.password_auth[0] ? "sshd accepts passwords (PasswordAuthentication yes): "
                                     "they can be guessed over the network"
                                   : "sshd accepts passwords (PasswordAuthentication is not "
                                     "set: its default is yes)",
                "Set PasswordAuthentication no and use keys");
    }
    if (!strcasecmp(s.empty_pw, "yes")) {
        finding(run, "ssh_config", "PermitEmptyPasswords", "critical",
                "sshd lets accounts with an empty password log in (PermitEmptyPasswords yes)",
                "Set PermitEmptyPasswords no");
    }
    static const char *const weak_ciphers[] = {"3des-cbc", "aes*-cbc", "arcfour*",
                                               "blowfish-cbc", "cast128-cbc",
                                               "rijndael-cbc@lysator.liu.se", NULL};
    static const char *const weak_macs[] = {"hmac-md5*", "hmac-sha1-96*", "umac-64@openssh.com",
                                            "hmac-ripemd160*", "*-96", NULL};
    static const char *const weak_kex[] = {"diffie-hellman-group1-sha1",
                                           "diffie-hellman-group14-sha1",
                                           "diffie-hellman-group-exchange-sha1", NULL};
    const struct {
        const char *name, *value;
        const char *const *weak;
    } lists[] = {{"Ciphers", s.ciphers, weak_ciphers},
                 {"MACs", s.macs, weak_macs},
                 {"KexAlgorithms", s.kex, weak_kex}};
    for (size_t i = 0; i < 3; i++) {
        char bad[1024];
        weak_in(lists[i].value, lists[i].weak, bad, sizeof(bad));
        if (!bad[0])
            continue;
        snprintf(msg, sizeof(msg), "sshd allows weak %s: %s", lists[i].name, bad);
        finding(run, "ssh_config", lists[i].name, "medium", msg,
                "Remove the weak algorithms from the list in /etc/ssh/sshd_config");
    }
}

/* ---- sudo ---- */

struct sudo_walk {
    struct risk_run *run;
    int depth;
};

static void sudo_file(struct sudo_walk *w, const char *host_path);

static void sudo_entry(void *ctx, const struct sudo_entry *e)
{
    struct sudo_walk *w = ctx;
    if (e->type == SUDO_INCLUDE && e->target) {
        sudo_file(w, e->target);
    } else if (e->type == SUDO_INCLUDEDIR && e->target) {
        char dir[4096];
        risk_path(w->run, e->target, dir, sizeof(dir));
        struct dirent **names = NULL;
        int n = scandir(dir, &names, NULL, alphasort);
        for (int i = 0; i < n; i++) {
            const char *nm = names[i]->d_name;
            size_t l = strlen(nm);
            /* sudo skips names with a '.' or ending in '~' */
            if (!strchr(nm, '.') && l && nm[l - 1] != '~') {
                char p[4400];
                snprintf(p, sizeof(p), "%s/%s", e->target, nm);
                sudo_file(w, p);
            }
            free(names[i]);
        }
        free(names);
    } else if (e->type == SUDO_SPEC && e->nopasswd && e->command &&
               !strcmp(e->command, "ALL")) {
        char subject[512], msg[1024];
        snprintf(subject, sizeof(subject), "%s %s", e->principal ? e->principal : "?", e->path);
        snprintf(msg, sizeof(msg), "sudo lets %s run any command as %s without a password "
                 "(%s:%u)", e->principal ? e->principal : "?",
                 e->run_as && *e->run_as ? e->run_as : "root", e->path, e->line);
        risk_report(w->run, &(struct risk_finding){
                                .kind = "sudo_nopasswd_all", .subject = subject,
                                .severity = "high", .path = e->path, .message = msg,
                                .remediation = "Require the password (remove NOPASSWD) or "
                                               "allow only the commands needed"});
    }
}

static void sudo_file(struct sudo_walk *w, const char *host_path)
{
    if (w->depth > 8)
        return;
    char path[4096];
    struct buf b = {0};
    risk_path(w->run, host_path, path, sizeof(path));
    if (!file_read_all(path, &b, CONFIG_FILE_MAX)) {
        w->depth++;
        parse_sudoers((const char *)b.data, b.len, host_path, sudo_entry, w);
        w->depth--;
    }
    buf_free(&b);
}

/* ---- file permissions ---- */

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

static void check_files(struct risk_run *run)
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

/* ---- kernel ---- */

static bool read_proc(const char *path, char *out, size_t outlen)
{
    struct buf b = {0};
    bool ok = file_read_all(path, &b, 4096) == 0 && b.len;
    if (ok)
        snprintf(out, outlen, "%.*s", (int)strcspn((const char *)b.data, "\n"), b.data);
    buf_free(&b);
    return ok;
}

static int64_t boot_time(void)
{
    struct buf b = {0};
    int64_t bt = 0;
    if (!file_read_all("/proc/stat", &b, 1 << 20) && !buf_terminate(&b)) {
        const char *p = strstr((const char *)b.data, "\nbtime ");
        if (p)
            bt = strtoll(p + 7, NULL, 10);
    }
    buf_free(&b);
    return bt;
}

static void check_kernel(struct risk_run *run)
{
    struct utsname u;
    char dir[4096], msg[1024];
    if (uname(&u))
        return;
    /* the newest kernel image in /boot against the running one */
    risk_path(run, "/boot", dir, sizeof(dir));
    DIR *d = opendir(dir);
    char newest[256] = "";
    int64_t newest_mtime = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (strncmp(e->d_name, "vmlinuz-", 8))
            continue;
        const char *rel = e->d_name + 8;
        if (!newest[0] || vercmp_dpkg(rel, newest) > 0) {
            char p[4400];
            struct stat sb;
            snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
            if (!stat(p, &sb)) {
                str_copy(newest, rel, sizeof(newest));
                newest_mtime = (int64_t)sb.st_ctime;
            }
        }
    }
    if (d)
        closedir(d);
    int64_t bt = boot_time();
    if (newest[0] && strcmp(newest, u.release) && vercmp_dpkg(newest, u.release) > 0 &&
        newest_mtime > bt) {
        snprintf(msg, sizeof(msg), "kernel %s was installed after the last boot but %s is "
                 "running: its fixes are not in effect", newest, u.release);
        risk_report(run, &(struct risk_finding){.kind = "reboot_required", .subject = "kernel",
                                                .severity = "medium", .rule = "kernel",
                                                .value = newest, .message = msg,
                                                .remediation = "Reboot into the new kernel"});
    } else {
        char flag[4096];
        struct stat sb;
        risk_path(run, "/run/reboot-required", flag, sizeof(flag));
        if (!stat(flag, &sb) && (int64_t)sb.st_mtime > bt)
            risk_report(run, &(struct risk_finding){
                                 .kind = "reboot_required", .subject = "kernel",
                                 .severity = "medium", .rule = "reboot-required",
                                 .path = "/run/reboot-required",
                                 .message = "an upgrade asks for a reboot "
                                            "(/run/reboot-required)",
                                 .remediation = "Reboot the host"});
    }

    /* core dumps of set-id programs */
    char dumpable[32] = "", pattern[256] = "";
    read_proc("/proc/sys/fs/suid_dumpable", dumpable, sizeof(dumpable));
    read_proc("/proc/sys/kernel/core_pattern", pattern, sizeof(pattern));
    if (!strcmp(dumpable, "1") ||
        (!strcmp(dumpable, "2") && pattern[0] != '|' && pattern[0] != '/')) {
        snprintf(msg, sizeof(msg), "set-id programs dump core (fs.suid_dumpable = %s, "
                 "core_pattern %s): their memory (keys, hashes) can end up readable",
                 dumpable, pattern);
        risk_report(run, &(struct risk_finding){
                             .kind = "suid_core_dumps", .subject = "fs.suid_dumpable",
                             .severity = !strcmp(dumpable, "1") ? "high" : "medium",
                             .setting = "fs.suid_dumpable", .value = dumpable, .message = msg,
                             .remediation = "sysctl fs.suid_dumpable=0 (in /etc/sysctl.d)"});
    }

    /* kernel settings: name, the bad values, severity, why */
    static const struct {
        const char *name, *bad, *severity, *why;
    } settings[] = {
        {"kernel.randomize_va_space", "0,1", "high", "address space randomization is off or partial"},
        {"kernel.kptr_restrict", "0", "low", "kernel addresses are shown to every user"},
        {"kernel.dmesg_restrict", "0", "low", "every user reads the kernel log"},
        {"kernel.unprivileged_bpf_disabled", "0", "medium", "every user can load BPF programs"},
        {"kernel.yama.ptrace_scope", "0", "low", "processes can trace any process of their user"},
        {"fs.protected_symlinks", "0", "medium", "symlinks in sticky directories are followed (/tmp races)"},
        {"fs.protected_hardlinks", "0", "medium", "users can hard-link files they cannot write"},
        {"fs.protected_regular", "0", "low", "files in sticky directories are opened whatever their owner"},
        {"fs.protected_fifos", "0", "low", "FIFOs in sticky directories are opened whatever their owner"},
        {"net.ipv4.conf.all.accept_redirects", "1", "low", "ICMP redirects change the routes"},
        {"net.ipv6.conf.all.accept_redirects", "1", "low", "ICMPv6 redirects change the routes"},
        {"net.ipv4.conf.all.accept_source_route", "1", "medium", "source-routed packets are accepted"},
        {"net.ipv4.tcp_syncookies", "0", "low", "no SYN cookies: SYN floods exhaust connections"},
        {"kernel.perf_event_paranoid", "-1,0,1", "low", "users can observe kernel events with perf"},
    };
    for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
        char path[256], value[64];
        snprintf(path, sizeof(path), "/proc/sys/%s", settings[i].name);
        for (char *p = path + 10; *p; p++)
            if (*p == '.')
                *p = '/';
        if (!read_proc(path, value, sizeof(value)))
            continue;
        char bad[32];
        str_copy(bad, settings[i].bad, sizeof(bad));
        bool hit = false;
        char *save = NULL;
        for (char *b = strtok_r(bad, ",", &save); b && !hit; b = strtok_r(NULL, ",", &save))
            hit = !strcmp(b, value);
        if (!hit)
            continue;
        char fix[256];
        snprintf(msg, sizeof(msg), "%s = %s: %s", settings[i].name, value, settings[i].why);
        snprintf(fix, sizeof(fix), "Set %s to a safe value in /etc/sysctl.d and run sysctl "
                 "--system", settings[i].name);
        risk_report(run, &(struct risk_finding){.kind = "sysctl", .subject = settings[i].name,
                                                .severity = settings[i].severity,
                                                .setting = settings[i].name, .value = value,
                                                .message = msg, .remediation = fix});
    }
}

int risk_check_config(struct risk_run *run, struct vg_error *err)
{
    (void)err;
    check_sshd(run);
    struct sudo_walk w = {.run = run};
    sudo_file(&w, "/etc/sudoers");
    check_files(run);
    check_kernel(run);
    return 0;
}
