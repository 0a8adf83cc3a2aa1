/* col_suid.c - the suid collector (suid_file_changes): every regular file with the set-user-id
 * or set-group-id bit on the host's local file systems, as find MOUNT -xdev -type f -perm /6000
 * finds them for each mount: network and pseudo file systems are never walked (a dead server
 * would hang the scan; /proc has no files of the host), nor, by default, file systems mounted
 * nosuid (the bit grants nothing there), nor the paths of suid.exclude. Directories are opened
 * relative to their parent without following links, so a walk cannot be redirected; it stops
 * after suid.max_files entries, and when the agent stops. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/inventory/inv_fs.h"
#include "agent/inventory/inventory.h"
#include "common/util.h"

#define WALK_MAX_DEPTH 256

struct walk {
    struct inv_scan *s;
    dev_t dev;
    uint64_t files, max_files;
    bool stopped;
};

static bool excluded(const struct inv_scan *s, const char *path)
{
    const struct config_list *ex = &s->cfg->suid_exclude;
    for (size_t i = 0; i < ex->count; i++) {
        const char *e = ex->items[i];
        size_t l = strlen(e);
        while (l > 1 && e[l - 1] == '/')
            l--;
        if (!strncmp(path, e, l) && (path[l] == '\0' || path[l] == '/' || l == 1))
            return true;
    }
    return false;
}

static void add_file(struct walk *w, int dirfd, const char *name, const char *path,
                     const struct stat *st)
{
    struct inv_scan *s = w->s;
    struct event *ev = inv_row(s, TBL_SUID_FILE_CHANGES, "%s", path);
    inv_str(ev, FLD_PATH, path);
    inv_int(ev, FLD_FILE_MODE, st->st_mode & 07777);
    inv_int(ev, FLD_OWNER_UID, st->st_uid);
    inv_int(ev, FLD_OWNER_GID, st->st_gid);
    inv_int(ev, FLD_SIZE_BYTES, st->st_size);
    inv_int(ev, FLD_MTIME, (int64_t)st->st_mtim.tv_sec * 1000000000ll + st->st_mtim.tv_nsec);
    char fdpath[64], hash[65];
    int fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd >= 0) {
        snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
        if (inv_sha256_file(s, fdpath, s->cfg->processes_hash_max_size, hash) == 0)
            inv_str(ev, FLD_SHA256, hash);
        close(fd);
    }
}

/* Walk the directory open at fd (shown as path), not leaving its file system. Takes fd. */
static void walk_dir(struct walk *w, int fd, char *path, size_t plen, int depth)
{
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    struct dirent *de;
    while (!w->stopped && (de = readdir(d))) {
        const char *n = de->d_name;
        if (n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2])))
            continue;
        if (++w->files > w->max_files) {
            inv_warn(w->s, "suid: stopped after %llu files (suid.max_files)",
                     (unsigned long long)w->max_files);
            w->stopped = true;
            break;
        }
        if ((w->files & 4095) == 0 && inv_cancelled(w->s)) {
            w->stopped = true;
            break;
        }
        unsigned char t = de->d_type;
        if (t != DT_REG && t != DT_DIR && t != DT_UNKNOWN)
            continue; /* links, devices, sockets: never set-id files */
        size_t nl = strlen(n);
        if (plen + 1 + nl >= PATH_MAX)
            continue;
        path[plen] = plen == 1 && path[0] == '/' ? '\0' : '/';
        size_t np = plen == 1 && path[0] == '/' ? 1 : plen + 1;
        memcpy(path + np, n, nl + 1);
        struct stat st;
        if (fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) < 0)
            goto next;
        if (S_ISREG(st.st_mode)) {
            if (st.st_mode & (S_ISUID | S_ISGID))
                add_file(w, dirfd(d), n, path + strlen(w->s->root), &st);
        } else if (S_ISDIR(st.st_mode) && st.st_dev == w->dev && depth < WALK_MAX_DEPTH &&
                   !excluded(w->s, path + strlen(w->s->root))) {
            int sub = openat(dirfd(d), n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC |
                                              O_NOATIME);
            if (sub < 0 && errno == EPERM)
                sub = openat(dirfd(d), n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0)
                walk_dir(w, sub, path, np + nl, depth + 1);
        }
    next:
        path[plen] = '\0';
    }
    closedir(d);
}

struct mount_point {
    char target[PATH_MAX];
};

static int suid_collect(struct inv_scan *s, struct vg_error *err)
{
    char mounts[PATH_MAX];
    if (inv_path(s, "/proc/self/mounts", mounts, sizeof(mounts)))
        return vg_error_set(err, -ENAMETOOLONG, "suid: root path too long");
    FILE *f = setmntent(mounts, "re");
    if (!f)
        return vg_error_set(err, -errno, "suid: %s: %s", mounts, strerror(errno));
    struct mount_point *mp = NULL;
    size_t n = 0;
    struct mntent me;
    char line[8192];
    while (getmntent_r(f, &me, line, sizeof(line))) {
        if (inv_fs_is_network(me.mnt_type) || inv_fs_is_pseudo(me.mnt_type) ||
            (s->cfg->suid_skip_nosuid && hasmntopt(&me, "nosuid")) || me.mnt_dir[0] != '/' ||
            excluded(s, me.mnt_dir))
            continue;
        bool dup = false;
        for (size_t i = 0; i < n && !dup; i++)
            dup = !strcmp(mp[i].target, me.mnt_dir);
        struct mount_point *v = dup ? NULL : realloc(mp, (n + 1) * sizeof(*mp));
        if (!v)
            continue;
        mp = v;
        str_copy(mp[n++].target, me.mnt_dir, sizeof(mp[0].target));
    }
    endmntent(f);
    struct walk w = {.s = s, .max_files = (uint64_t)(s->cfg->suid_max_files > 0
                                                         ? s->cfg->suid_max_files
                                                         : 5000000)};
    for (size_t i = 0; i < n && !w.stopped; i++) {
        char path[PATH_MAX];
        if (inv_path(s, mp[i].target, path, sizeof(path)))
            continue;
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
            if (fd >= 0)
                close(fd);
            continue;
        }
        w.dev = st.st_dev;
        size_t len = strlen(path);
        while (len > 1 && path[len - 1] == '/')
            path[--len] = '\0';
        walk_dir(&w, fd, path, len, 0);
    }
    free(mp);
    if (w.stopped && inv_cancelled(s))
        return vg_error_set(err, -ECANCELED, "suid: the agent is stopping");
    return 0;
}

static const enum table_id suid_tables[] = {TBL_SUID_FILE_CHANGES, TBL_NONE};

const struct inv_collector inv_collector_suid = {
    .name = "suid",
    .tables = suid_tables,
    .collect = suid_collect,
};
