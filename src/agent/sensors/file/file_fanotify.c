/* file_fanotify.c - the file sensor's fallback without eBPF: fanotify in FID mode
 * (FAN_REPORT_DFID_NAME) with a file-system mark on each file system that holds a watched
 * prefix (create, delete, rename, attribute change, close after write) and an inode mark on
 * each sensitive file (open). An event names its directory by a file handle and the entry by
 * name; the directory's path comes from open_by_handle_at and /proc/self/fd, and the path is
 * filtered against the prefixes here. What this mode cannot tell: the result of a failed call,
 * the flags of an open, which attribute changed (reported as `attrib`), the new mode or owner.
 *
 * Everything read from the fanotify descriptor is checked against the lengths it claims. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "agent/host.h"
#include "agent/pipeline.h"
#include "agent/sensors/file/file_path.h"
#include "agent/sensors/file/file_sensor.h"
#include "common/log.h"
#include "common/util.h"

#ifndef FAN_RENAME
#define FAN_RENAME 0x10000000
#endif
#ifndef FAN_EVENT_INFO_TYPE_OLD_DFID_NAME
#define FAN_EVENT_INFO_TYPE_OLD_DFID_NAME 10
#define FAN_EVENT_INFO_TYPE_NEW_DFID_NAME 12
#endif

#define MAX_FS 32
#define CHANGE_MASK (FAN_CREATE | FAN_DELETE | FAN_ATTRIB | FAN_CLOSE_WRITE | FAN_RENAME)

struct fan_fs {
    fsid_t fsid;
    int fd; /* a directory on that file system, for open_by_handle_at */
};

struct fanwatch {
    struct file_state *fs;
    int fan;
    int stop_pipe[2];
    pthread_t thread;
    bool running;
    struct fan_fs fss[MAX_FS];
    size_t nfs;
    char path[2][PATH_MAX * 2];
    _Alignas(8) char info[4096]; /* an info record, copied out aligned */
};

static int fs_index(struct fanwatch *w, const fsid_t *fsid)
{
    for (size_t i = 0; i < w->nfs; i++)
        if (!memcmp(&w->fss[i].fsid, fsid, sizeof(*fsid)))
            return (int)i;
    return -1;
}

/* Remember the file system of path (a directory on it), marked or to be marked. Returns its
 * index, -1 when it cannot be opened or too many. */
static int add_fs(struct fanwatch *w, const char *path, bool *is_new)
{
    struct statfs sf;
    *is_new = false;
    if (statfs(path, &sf) != 0)
        return -1;
    int i = fs_index(w, &sf.f_fsid);
    if (i >= 0 || w->nfs == MAX_FS)
        return i;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
    if (fd < 0) {
        char dir[PATH_MAX];
        str_copy(dir, path, sizeof(dir));
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir)
            *slash = '\0';
        else
            str_copy(dir, "/", sizeof(dir));
        fd = open(dir, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
    }
    if (fd < 0)
        return -1;
    w->fss[w->nfs] = (struct fan_fs){sf.f_fsid, fd};
    *is_new = true;
    return (int)w->nfs++;
}

static void mark_prefix(struct fanwatch *w, const char *path)
{
    bool is_new;
    if (add_fs(w, path, &is_new) < 0 || !is_new)
        return;
    if (fanotify_mark(w->fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, CHANGE_MASK | FAN_ONDIR,
                      AT_FDCWD, path) != 0 &&
        fanotify_mark(w->fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
                      (CHANGE_MASK & ~FAN_RENAME) | FAN_MOVED_FROM | FAN_MOVED_TO | FAN_ONDIR,
                      AT_FDCWD, path) != 0)
        log_warn("file: fanotify cannot watch the file system of %s: %s", path, strerror(errno));
}

static void mark_sensitive(struct fanwatch *w, const char *path)
{
    bool is_new;
    if (add_fs(w, path, &is_new) < 0)
        return;
    if (fanotify_mark(w->fan, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, path) != 0 && errno != ENOENT)
        log_warn("file: fanotify cannot watch %s: %s", path, strerror(errno));
}

static void each_glob(const struct config_list *l, void (*fn)(struct fanwatch *, const char *),
                      struct fanwatch *w)
{
    for (size_t i = 0; i < l->count; i++) {
        glob_t g;
        memset(&g, 0, sizeof(g));
        if (glob(l->items[i], GLOB_NOSORT, NULL, &g) == 0)
            for (size_t k = 0; k < g.gl_pathc; k++)
                fn(w, g.gl_pathv[k]);
        globfree(&g);
    }
}

/* The path of an info record's directory handle plus its name into out. 0 or -errno. */
static int info_path(struct fanwatch *w, const struct fanotify_event_info_fid *fid, size_t len,
                     char *out, size_t outlen)
{
    size_t fixed = sizeof(*fid) + sizeof(struct file_handle);
    if (len < fixed)
        return -EINVAL;
    const struct file_handle *fh = (const struct file_handle *)fid->handle;
    if (fh->handle_bytes > len - fixed || fh->handle_bytes > MAX_HANDLE_SZ)
        return -EINVAL;
    const char *name = (const char *)fh->f_handle + fh->handle_bytes;
    size_t name_max = len - fixed - fh->handle_bytes;
    size_t nlen = strnlen(name, name_max);
    if (nlen == name_max)
        return -EINVAL; /* no NUL within the record */
    int i = fs_index(w, (const fsid_t *)&fid->fsid);
    if (i < 0)
        return -ENOENT;
    struct {
        struct file_handle h;
        unsigned char bytes[MAX_HANDLE_SZ];
    } copy;
    memcpy(&copy.h, fh, sizeof(*fh) + fh->handle_bytes);
    int dfd = open_by_handle_at(w->fss[i].fd, &copy.h, O_PATH | O_CLOEXEC);
    if (dfd < 0)
        return -errno;
    char link[64], dir[PATH_MAX];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", dfd);
    ssize_t n = readlink(link, dir, sizeof(dir) - 1);
    close(dfd);
    if (n <= 0)
        return -EIO;
    dir[n] = '\0';
    int m = nlen && strcmp(name, ".") ? snprintf(out, outlen, "%s%s%s", dir,
                                                 strcmp(dir, "/") ? "/" : "", name)
                                      : snprintf(out, outlen, "%s", dir);
    return m < 0 || (size_t)m >= outlen ? -ENAMETOOLONG : 0;
}

static void emit(struct fanwatch *w, int32_t pid, const char *action, const char *path,
                 const char *target, const char *flags)
{
    struct file_state *fs = w->fs;
    struct sx_rec r;
    memset(&r, 0, sizeof(r));
    if (pid > 0 && !sx_proc_from_table(&fs->ctx, pid, &r.p))
        r.p.pid = pid;
    struct event *ev = sx_event_new(&fs->ctx, &r, TBL_FILE_EVENTS, action, false);
    if (!ev) {
        atomic_fetch_add(&fs->failed, 1);
        return;
    }
    int rc = sx_add_text(&fs->ctx, ev, FLD_PATH, path, strlen(path));
    if (!rc && target)
        rc = sx_add_text(&fs->ctx, ev, FLD_TARGET_PATH, target, strlen(target));
    if (!rc && flags)
        rc = event_add_str(ev, FLD_OPEN_FLAGS, flags);
    sx_submit(fs->pipeline, ev, rc, &fs->events, &fs->failed);
}

/* One event (m, a copy of its header; raw, the event as read): its info records, then the
 * rows. */
static void handle(struct fanwatch *w, const struct fanotify_event_metadata *m, const char *raw)
{
    struct file_state *fs = w->fs;
    const char *p = raw + m->metadata_len, *end = raw + m->event_len;
    bool have[2] = {false, false};
    while (p + sizeof(struct fanotify_event_info_header) <= end) {
        struct fanotify_event_info_header h;
        memcpy(&h, p, sizeof(h));
        if (h.len < sizeof(h) || h.len > (size_t)(end - p))
            return; /* malformed */
        int slot = h.info_type == FAN_EVENT_INFO_TYPE_NEW_DFID_NAME ? 1 : 0;
        if ((h.info_type == FAN_EVENT_INFO_TYPE_DFID_NAME ||
             h.info_type == FAN_EVENT_INFO_TYPE_OLD_DFID_NAME ||
             h.info_type == FAN_EVENT_INFO_TYPE_NEW_DFID_NAME) &&
            h.len <= sizeof(w->info)) {
            memcpy(w->info, p, h.len); /* aligned copy */
            have[slot] = info_path(w, (const void *)w->info, h.len, w->path[slot],
                                   sizeof(w->path[slot])) == 0;
        }
        p += h.len;
    }
    if (!have[0] && !have[1])
        return;
    const char *path = have[0] ? w->path[0] : w->path[1];
    int32_t pid = m->pid;
    if (pid == getpid() || (pid > 0 && !host_pid_in_scope(w->fs->ctx.host, pid)))
        return;
    if (m->mask & FAN_OPEN) {
        if (fpath_is(&fs->sensitive, path))
            emit(w, pid, "read_sensitive", path, NULL, NULL);
        return;
    }
    bool under = fpath_under(&fs->paths, path) || (have[1] && fpath_under(&fs->paths, w->path[1]));
    if (!under) {
        atomic_fetch_add(&fs->filtered, 1);
        return;
    }
    /* fanotify merges events on one object while they wait: one row per kind, in the order
     * they can happen */
    if (m->mask & FAN_CREATE)
        emit(w, pid, "open_write", path, NULL, "create");
    if (m->mask & FAN_CLOSE_WRITE)
        emit(w, pid, "open_write", path, NULL, "write");
    if (m->mask & FAN_ATTRIB)
        emit(w, pid, "attrib", path, NULL, NULL);
    if (m->mask & FAN_RENAME)
        emit(w, pid, "rename", w->path[0], have[1] ? w->path[1] : NULL, NULL);
    if (m->mask & (FAN_MOVED_FROM | FAN_MOVED_TO))
        emit(w, pid, "rename", path, NULL, NULL);
    if (m->mask & FAN_DELETE)
        emit(w, pid, "unlink", path, NULL, NULL);
}

static void *fan_main(void *arg)
{
    struct fanwatch *w = arg;
    pthread_setname_np(pthread_self(), "vigil-fanotify");
    static _Alignas(struct fanotify_event_metadata) char buf[65536];
    struct pollfd pfd[2] = {{w->fan, POLLIN, 0}, {w->stop_pipe[0], POLLIN, 0}};
    uint64_t last_purge = time_mono_ns();
    for (;;) {
        int n = poll(pfd, 2, 1000);
        if (n < 0 && errno != EINTR)
            break;
        if (pfd[1].revents)
            break;
        if (time_mono_ns() - last_purge > 2000000000ull) {
            proctable_purge(w->fs->ctx.procs);
            last_purge = time_mono_ns();
        }
        if (n <= 0 || !(pfd[0].revents & POLLIN))
            continue;
        ssize_t len = read(w->fan, buf, sizeof(buf));
        if (len <= 0)
            continue;
        /* events are packed by their event_len: copy each header out before reading it */
        size_t off = 0;
        while (off + sizeof(struct fanotify_event_metadata) <= (size_t)len) {
            struct fanotify_event_metadata m;
            memcpy(&m, buf + off, sizeof(m));
            if (m.event_len < sizeof(m) || m.event_len > (size_t)len - off)
                break; /* malformed: drop the rest of this read */
            if (m.vers == FANOTIFY_METADATA_VERSION && m.metadata_len >= sizeof(m) &&
                m.metadata_len <= m.event_len) {
                if (m.mask & FAN_Q_OVERFLOW) {
                    atomic_fetch_add(&w->fs->failed, 1);
                    log_warn("file: fanotify queue overflow: events lost");
                } else {
                    handle(w, &m, buf + off);
                }
            }
            off += m.event_len;
        }
    }
    return NULL;
}

int fanwatch_start(struct file_state *fs, struct fanwatch **out, struct vg_error *err)
{
    struct fanwatch *w = calloc(1, sizeof(*w));
    int rc = 0;
    if (!w)
        return vg_error_set(err, -ENOMEM, "file: out of memory");
    w->fs = fs;
    w->fan = -1;
    w->stop_pipe[0] = w->stop_pipe[1] = -1;
    fs->ctx.sensor = "fanotify";
    w->fan = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_REPORT_DFID_NAME | FAN_UNLIMITED_QUEUE,
                           O_RDONLY | O_LARGEFILE | O_CLOEXEC);
    if (w->fan < 0) {
        rc = vg_error_set(err, -errno, "file: fanotify_init (FAN_REPORT_DFID_NAME): %s",
                          strerror(errno));
        goto cleanup;
    }
    each_glob(&fs->paths, mark_prefix, w);
    each_glob(&fs->sensitive, mark_sensitive, w);
    if (pipe2(w->stop_pipe, O_CLOEXEC) != 0) {
        rc = vg_error_set(err, -errno, "file: pipe: %s", strerror(errno));
        goto cleanup;
    }
    if ((rc = pthread_create(&w->thread, NULL, fan_main, w))) {
        rc = vg_error_set(err, -rc, "file: cannot start the fanotify thread: %s", strerror(rc));
        goto cleanup;
    }
    w->running = true;
    log_info("file: fanotify watches %zu file systems", w->nfs);
    *out = w;
    return 0;
cleanup:
    fanwatch_stop(w);
    return rc;
}

void fanwatch_stop(struct fanwatch *w)
{
    if (!w)
        return;
    if (w->running) {
        if (write(w->stop_pipe[1], "x", 1) < 0)
            log_warn("file: cannot stop the fanotify thread cleanly");
        pthread_join(w->thread, NULL);
    }
    for (size_t i = 0; i < w->nfs; i++)
        close(w->fss[i].fd);
    if (w->fan >= 0)
        close(w->fan);
    if (w->stop_pipe[0] >= 0)
        close(w->stop_pipe[0]);
    if (w->stop_pipe[1] >= 0)
        close(w->stop_pipe[1]);
    free(w);
}
