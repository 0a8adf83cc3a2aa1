/* detect_yara.c - the detect module's YARA worker and on-demand scans (detect_yara.h). */
#include "agent/detect/detect_yara.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/pipeline.h"
#include "common/log.h"
#include "common/util.h"
#include "engine/yara_scan.h"

#define QUEUE_MAX 256
#define SEEN_MAX 65536
#define SCAN_MAX_BYTES (32u << 20)
#define TASK_FILES_MAX 5000

struct request {
    int fd;           /* opened on the pipeline thread, so a file deleted right after is scanned */
    char *path;
    struct event *ev; /* context for the alert (a copy) */
};

struct dyara {
    struct yara_set *set;
    pthread_mutex_t set_lock; /* the set is used by the worker and by tasks */
    struct pipeline *pipeline;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct request q[QUEUE_MAX];
    size_t head, len;
    bool stop;
    uint64_t *seen; /* hashes of (path, inode, size, mtime) already scanned */
    size_t nseen;
    _Atomic uint64_t scanned, dropped;
};

/* Writable places where a new executable or script deserves a look. */
static const char *const writable[] = {"/tmp/", "/var/tmp/", "/dev/shm/", "/home/", "/root/",
                                       "/var/www/", "/srv/", "/run/user/", NULL};
/* Web roots: every file written there is scanned. */
static const char *const webroots[] = {"/var/www/", "/srv/www/", "/srv/http/", "/usr/share/nginx/html/",
                                       "/var/lib/tomcat", NULL};

static bool under(const char *path, const char *const *dirs)
{
    for (size_t i = 0; path && dirs[i]; i++)
        if (str_starts_with(path, dirs[i]))
            return true;
    return false;
}

static void on_report(void *ctx, const struct engine_report *r)
{
    (void)ctx;
    log_warn("detect: YARA rules %s not loaded: %s", r->file, r->reason);
}

struct alert_ctx {
    struct dyara *y;
    const char *path;
    const struct event *ev;
    json_t *matches; /* task: the list to fill */
};

static void on_match(void *ctx, const struct yara_match *m)
{
    struct alert_ctx *a = ctx;
    struct event *alert = yara_alert_event(m, a->path, a->ev);
    if (alert)
        pipeline_submit(a->y->pipeline, alert);
    if (a->matches)
        json_array_append_new(a->matches, json_pack("{s:s, s:s, s:s}", "path", a->path, "rule",
                                                    m->rule, "severity", m->severity));
}

/* Seen before (same file version)? Records it otherwise. */
static bool seen(struct dyara *y, int fd, const char *path)
{
    struct stat st;
    if ((fd >= 0 ? fstat(fd, &st) : stat(path, &st)) < 0 || !S_ISREG(st.st_mode))
        return true;
    char key[4200];
    int n = snprintf(key, sizeof(key), "%s|%lu|%lld|%lld.%ld", path, (unsigned long)st.st_ino,
                     (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    uint8_t h[32];
    sha256_raw(key, (size_t)n, h);
    uint64_t v;
    memcpy(&v, h, sizeof(v));
    for (size_t i = 0; i < y->nseen; i++)
        if (y->seen[i] == v)
            return true;
    if (y->nseen == SEEN_MAX)
        y->nseen = 0; /* forget: a file may be scanned once more */
    y->seen[y->nseen++] = v;
    return false;
}

static void scan_one(struct dyara *y, int fd, const char *path, const struct event *ev,
                     json_t *matches)
{
    struct alert_ctx a = {y, path, ev, matches};
    struct vg_error err = {{0}};
    pthread_mutex_lock(&y->set_lock);
    int rc = fd >= 0 ? yara_set_scan_fd(y->set, fd, path, SCAN_MAX_BYTES, on_match, &a, &err)
                     : yara_set_scan_file(y->set, path, SCAN_MAX_BYTES, on_match, &a, &err);
    pthread_mutex_unlock(&y->set_lock);
    atomic_fetch_add(&y->scanned, 1);
    if (rc < 0)
        log_debug("detect: YARA %s", vg_error_str(&err, rc));
    else
        log_debug("detect: YARA scanned %s: %d matches", path, rc);
}

static void *worker(void *arg)
{
    struct dyara *y = arg;
    for (;;) {
        pthread_mutex_lock(&y->lock);
        while (!y->len && !y->stop)
            pthread_cond_wait(&y->cond, &y->lock);
        if (y->stop) {
            pthread_mutex_unlock(&y->lock);
            break;
        }
        struct request r = y->q[y->head];
        y->head = (y->head + 1) % QUEUE_MAX;
        y->len--;
        pthread_mutex_unlock(&y->lock);
        if (!seen(y, r.fd, r.path))
            scan_one(y, r.fd, r.path, r.ev, NULL);
        close(r.fd);
        free(r.path);
        event_free(r.ev);
    }
    return NULL;
}

int dyara_start(const struct config_list *paths, struct pipeline *p, struct dyara **out,
                struct vg_error *err)
{
    *out = NULL;
    struct yara_set *set = NULL;
    for (size_t i = 0; i < paths->count && !set; i++) {
        int rc = yara_set_load(paths->items[i], on_report, NULL, &set, err);
        if (rc < 0)
            log_warn("detect: %s", vg_error_str(err, rc));
        else if (set)
            log_info("detect: %d YARA rule files from %s", rc, paths->items[i]);
    }
    if (!set)
        return 0;
    struct dyara *y = calloc(1, sizeof(*y));
    if (!y || !(y->seen = calloc(SEEN_MAX, sizeof(*y->seen)))) {
        free(y);
        yara_set_free(set);
        return vg_error_set(err, -ENOMEM, "detect: out of memory");
    }
    y->set = set;
    y->pipeline = p;
    pthread_mutex_init(&y->lock, NULL);
    pthread_mutex_init(&y->set_lock, NULL);
    pthread_cond_init(&y->cond, NULL);
    int rc = pthread_create(&y->thread, NULL, worker, y);
    if (rc) {
        y->thread = 0;
        dyara_stop(y);
        return vg_error_set(err, -rc, "detect: cannot start the YARA worker");
    }
    *out = y;
    return 0;
}

void dyara_stop(struct dyara *y)
{
    if (!y)
        return;
    if (y->thread) {
        pthread_mutex_lock(&y->lock);
        y->stop = true;
        pthread_cond_signal(&y->cond);
        pthread_mutex_unlock(&y->lock);
        pthread_join(y->thread, NULL);
    }
    for (size_t i = 0; i < y->len; i++) {
        close(y->q[(y->head + i) % QUEUE_MAX].fd);
        free(y->q[(y->head + i) % QUEUE_MAX].path);
        event_free(y->q[(y->head + i) % QUEUE_MAX].ev);
    }
    yara_set_free(y->set);
    free(y->seen);
    pthread_mutex_destroy(&y->lock);
    pthread_mutex_destroy(&y->set_lock);
    pthread_cond_destroy(&y->cond);
    free(y);
}

/* The file an event calls to be scanned, or NULL. */
static const char *target(const struct event *ev, char *buf, size_t buflen)
{
    if (ev->table == TBL_PROCESS_EVENTS && !strcmp(ev->action, "exec")) {
        const char *exe = event_get_str(ev, FLD_EXE);
        if (under(exe, writable))
            return exe;
        /* a script run by an interpreter: its path is the first argument */
        const char *cmd = event_get_str(ev, FLD_CMDLINE);
        const char *sp = cmd ? strchr(cmd, ' ') : NULL;
        if (sp && sp[1] == '/') {
            size_t l = strcspn(sp + 1, " ");
            if (l < buflen) {
                memcpy(buf, sp + 1, l);
                buf[l] = '\0';
                if (under(buf, writable))
                    return buf;
            }
        }
        return NULL;
    }
    if (ev->table == TBL_FILE_EVENTS &&
        (!strcmp(ev->action, "open_write") || !strcmp(ev->action, "rename"))) {
        const char *path = event_get_str(ev, !strcmp(ev->action, "rename") ? FLD_TARGET_PATH : FLD_PATH);
        return under(path, webroots) ? path : NULL;
    }
    return NULL;
}

void dyara_offer(struct dyara *y, const struct event *ev, uint64_t seq)
{
    char buf[4096];
    const char *path;
    if (!y || !(path = target(ev, buf, sizeof(buf))))
        return;
    pthread_mutex_lock(&y->lock);
    bool full = y->len == QUEUE_MAX;
    pthread_mutex_unlock(&y->lock);
    int fd = full ? -1 : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        if (full)
            atomic_fetch_add(&y->dropped, 1);
        else
            log_debug("detect: YARA cannot open %s: %s", path, strerror(errno));
        return;
    }
    log_debug("detect: YARA queued %s", path);
    char *p = strdup(path);
    struct event *copy = event_clone(ev);
    if (copy)
        copy->seq = seq;
    pthread_mutex_lock(&y->lock);
    if (!p || !copy || y->len == QUEUE_MAX) {
        pthread_mutex_unlock(&y->lock);
        close(fd);
        free(p);
        event_free(copy);
        atomic_fetch_add(&y->dropped, 1);
        return;
    }
    y->q[(y->head + y->len) % QUEUE_MAX] = (struct request){fd, p, copy};
    y->len++;
    pthread_cond_signal(&y->cond);
    pthread_mutex_unlock(&y->lock);
}

static int scan_tree(struct dyara *y, const char *path, int depth, size_t *files, json_t *matches)
{
    struct stat st;
    if (*files >= TASK_FILES_MAX || lstat(path, &st) < 0)
        return 0;
    if (S_ISREG(st.st_mode)) {
        (*files)++;
        scan_one(y, -1, path, NULL, matches);
        return 0;
    }
    if (!S_ISDIR(st.st_mode) || depth > 16)
        return 0;
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *de;
    while ((de = readdir(d)) && *files < TASK_FILES_MAX) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char child[4096];
        if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, de->d_name) < sizeof(child))
            scan_tree(y, child, depth + 1, files, matches);
    }
    closedir(d);
    return 0;
}

int dyara_task(struct dyara *y, json_t *payload, json_t **result, struct vg_error *err)
{
    if (!y)
        return vg_error_set(err, -ENOENT, "yara.scan: no YARA rules loaded on this agent");
    const char *path = json_string_value(json_object_get(payload, "path"));
    if (!path || path[0] != '/')
        return vg_error_set(err, -EINVAL, "yara.scan: payload {\"path\": \"/absolute/path\"} expected");
    json_t *matches = json_array();
    size_t files = 0;
    scan_tree(y, path, 0, &files, matches);
    *result = json_pack("{s:s, s:I, s:b, s:o}", "path", path, "scanned", (json_int_t)files,
                        "truncated", files >= TASK_FILES_MAX, "matches", matches);
    return *result ? 0 : vg_error_set(err, -ENOMEM, "yara.scan: out of memory");
}

uint64_t dyara_scanned(const struct dyara *y) { return y ? atomic_load(&y->scanned) : 0; }
