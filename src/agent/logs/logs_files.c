/* logs_files.c - file inputs: discovery, rotation, truncation and record assembly
 * (logs_files.h). One thread (the logs module's) calls everything here; the checkpoint is
 * shared with the pipeline's writer thread through its own lock.
 *
 * A tail follows one inode. Rotation by rename: the path now names another inode, the old
 * tail keeps reading its file to the end ("draining") and the new file's tail waits for it,
 * so records of one configured file stay in order. Copytruncate: the file got shorter than
 * what was read (or its head changed): the rest of the old content is read from the copy,
 * found among the file's siblings by the fingerprint of its head, then the file is read again
 * from its start under a new checkpoint source. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "agent/logs/logs_files.h"
#include "agent/logs/logs_rate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <libgen.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/util.h"

#define CHUNK (64u << 10)
#define FP_MAX 1024u

struct multiline_rule {
    char glob[PATH_MAX];
    pcre2_code *re;
};

struct tail {
    char log_file[PATH_MAX]; /* name the records carry */
    char path[PATH_MAX];     /* last known name of the file read */
    int fd;
    dev_t dev;
    ino_t ino;
    int slot;
    uint64_t read_off;
    uint64_t fp;
    uint32_t fp_len;
    bool draining, at_eof, seen;
    uint64_t last_growth_ns;
    /* bytes read, not yet consumed */
    char *chunk;
    size_t chunk_len, chunk_pos;
    uint64_t chunk_off;
    /* the line being assembled */
    struct buf line;
    uint64_t line_total, line_start;
    bool line_open;
    /* the multiline record being assembled */
    pcre2_code *start_re;
    struct buf rec;
    uint64_t rec_total, rec_start, rec_end, rec_last_ns;
    bool rec_open;
    /* a complete record waiting to be emitted */
    struct buf ready;
    uint64_t ready_total, ready_start, ready_end;
    bool ready_set;
    struct logs_rate rate;
    struct tail *next;
};

struct logs_files {
    struct logs_files_options opt;
    struct logs_ckpt *ck;
    logs_emit_fn emit;
    void *ctx;
    struct tail *tails;
    struct multiline_rule *ml;
    size_t nml;
    pcre2_match_data *md;
    int ino_fd;
    bool first_scan_done;
    struct logs_files_stats st;
};

static bool compressed_name(const char *name)
{
    static const char *const ext[] = {".gz", ".bz2", ".xz", ".zst", ".lz4", ".Z", ".zip",
                                      ".lzma", ".lz", ".7z", NULL};
    size_t n = strlen(name);
    for (size_t i = 0; ext[i]; i++) {
        size_t e = strlen(ext[i]);
        if (n > e && !strcmp(name + n - e, ext[i]))
            return true;
    }
    return false;
}

static bool excluded(const struct logs_files *lf, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (compressed_name(base))
        return true;
    for (size_t i = 0; lf->opt.exclude && i < lf->opt.exclude->count; i++)
        if (!fnmatch(lf->opt.exclude->items[i], base, 0) ||
            !fnmatch(lf->opt.exclude->items[i], path, FNM_PATHNAME))
            return true;
    return false;
}

/* FNV-1a over the first len bytes of fd; a file shorter than len gets a value that cannot
 * match (0 when len is 0). */
static uint64_t head_fp_fd(int fd, uint32_t len)
{
    if (len == 0)
        return 0;
    unsigned char b[FP_MAX];
    ssize_t n = pread(fd, b, len, 0);
    if (n != (ssize_t)len)
        return 1;
    uint64_t h = 1469598103934665603ull;
    for (uint32_t i = 0; i < len; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return h | 2; /* never 0 or 1 */
}

static uint64_t head_fp_cb(void *arg, uint32_t len) { return head_fp_fd(*(int *)arg, len); }

static void tail_free(struct tail *t)
{
    if (!t)
        return;
    if (t->fd >= 0)
        close(t->fd);
    free(t->chunk);
    buf_free(&t->line);
    buf_free(&t->rec);
    buf_free(&t->ready);
    free(t);
}

static pcre2_code *multiline_for(struct logs_files *lf, const char *path)
{
    for (size_t i = 0; i < lf->nml; i++)
        if (!fnmatch(lf->ml[i].glob, path, FNM_PATHNAME))
            return lf->ml[i].re;
    return NULL;
}

/* A tail on fd at offset (the file's head fingerprint taken now), appended to the list. */
static struct tail *tail_add(struct logs_files *lf, int fd, const struct stat *sb, const char *path,
                             const char *log_file, uint64_t offset, int slot)
{
    struct tail *t = calloc(1, sizeof(*t));
    if (!t || !(t->chunk = malloc(CHUNK))) {
        free(t);
        close(fd);
        return NULL;
    }
    t->fd = fd;
    t->dev = sb->st_dev;
    t->ino = sb->st_ino;
    str_copy(t->path, path, sizeof(t->path));
    str_copy(t->log_file, log_file, sizeof(t->log_file));
    t->read_off = offset;
    t->fp_len = sb->st_size < (off_t)FP_MAX ? (uint32_t)sb->st_size : FP_MAX;
    t->fp = head_fp_fd(fd, t->fp_len);
    t->start_re = multiline_for(lf, log_file);
    t->last_growth_ns = time_mono_ns();
    logs_rate_init(&t->rate, lf->opt.rate_limit, t->last_growth_ns);
    t->seen = true;
    if (slot < 0)
        slot = logs_ckpt_add_file(lf->ck, t->dev, t->ino, t->fp, t->fp_len, log_file, offset);
    if (slot < 0) {
        log_error("logs: cannot follow %s: %s", path, strerror(-slot));
        tail_free(t);
        return NULL;
    }
    t->slot = slot;
    struct tail **pp = &lf->tails;
    while (*pp)
        pp = &(*pp)->next;
    *pp = t;
    lf->st.files++;
    return t;
}

static struct tail *find_tail(struct logs_files *lf, dev_t dev, ino_t ino)
{
    for (struct tail *t = lf->tails; t; t = t->next)
        if (t->dev == dev && t->ino == ino)
            return t;
    return NULL;
}

/* Siblings of path (same directory, name starting with path's base name: rotated copies),
 * not compressed; calls fn for each until it returns true. */
static bool for_siblings(const char *path, bool (*fn)(void *arg, const char *p), void *arg)
{
    char dir[PATH_MAX], base[PATH_MAX];
    str_copy(dir, path, sizeof(dir));
    str_copy(base, path, sizeof(base));
    const char *d = dirname(dir), *b = basename(base);
    size_t bl = strlen(b);
    DIR *dh = opendir(d);
    if (!dh)
        return false;
    bool done = false;
    struct dirent *e;
    char p[PATH_MAX];
    while (!done && (e = readdir(dh))) {
        if (strncmp(e->d_name, b, bl) || compressed_name(e->d_name))
            continue;
        if ((size_t)snprintf(p, sizeof(p), "%s/%s", d, e->d_name) >= sizeof(p))
            continue;
        done = fn(arg, p);
    }
    closedir(dh);
    return done;
}

/* Find the file whose head matches (fp, fp_len) and that holds at least min_size bytes. */
struct fp_search {
    uint64_t fp, min_size;
    uint32_t fp_len;
    dev_t prefer_dev, skip_dev;
    ino_t prefer_ino, skip_ino;
    int fd;
    struct stat sb;
    char path[PATH_MAX];
};

static bool fp_try(void *arg, const char *p)
{
    struct fp_search *s = arg;
    struct stat sb;
    if (stat(p, &sb) || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size < s->min_size)
        return false;
    if (sb.st_dev == s->skip_dev && sb.st_ino == s->skip_ino)
        return false;
    bool preferred = sb.st_dev == s->prefer_dev && sb.st_ino == s->prefer_ino;
    if (s->fp_len == 0 && !preferred)
        return false; /* the file was empty when seen: only its inode identifies it */
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    if (head_fp_fd(fd, s->fp_len) != s->fp) {
        close(fd);
        return false;
    }
    if (s->fd >= 0) {
        if (!(sb.st_dev == s->prefer_dev && sb.st_ino == s->prefer_ino)) {
            close(fd);
            return false;
        }
        close(s->fd);
    }
    s->fd = fd;
    s->sb = sb;
    str_copy(s->path, p, sizeof(s->path));
    return sb.st_dev == s->prefer_dev && sb.st_ino == s->prefer_ino;
}

/* ---------------------------------------------------------------- records */

static void set_ready(struct logs_files *lf, struct tail *t, struct buf *from, uint64_t total,
                      uint64_t start, uint64_t end)
{
    struct buf tmp = t->ready;
    t->ready = *from;
    *from = tmp;
    buf_reset(from);
    buf_terminate(&t->ready);
    t->ready_total = total;
    t->ready_start = start;
    t->ready_end = end;
    t->ready_set = true;
    if (total > t->ready.len) {
        lf->st.cut_records++;
        lf->st.cut_bytes += total - t->ready.len;
    }
}

static void append_bounded(struct logs_files *lf, struct buf *b, const char *s, size_t n)
{
    size_t room = lf->opt.max_line > b->len ? (size_t)(lf->opt.max_line - b->len) : 0;
    buf_append(b, s, n < room ? n : room);
}

/* A line is complete (ends at end): make it a record, or part of the multiline record. */
static void line_done(struct logs_files *lf, struct tail *t, uint64_t end)
{
    t->line_open = false;
    if (t->line.len && t->line.len == t->line_total && t->line.data[t->line.len - 1] == '\r') {
        t->line.len--; /* CRLF */
    }
    if (!t->start_re) {
        set_ready(lf, t, &t->line, t->line_total, t->line_start, end);
        return;
    }
    buf_terminate(&t->line);
    bool start = pcre2_match(t->start_re, (PCRE2_SPTR)t->line.data, t->line.len, 0, 0, lf->md,
                             NULL) >= 0;
    t->rec_last_ns = time_mono_ns();
    if (start || !t->rec_open) {
        if (t->rec_open)
            set_ready(lf, t, &t->rec, t->rec_total, t->rec_start, t->rec_end);
        buf_reset(&t->rec);
        append_bounded(lf, &t->rec, (const char *)t->line.data, t->line.len);
        t->rec_total = t->line_total;
        t->rec_start = t->line_start;
        t->rec_end = end;
        t->rec_open = true;
    } else {
        append_bounded(lf, &t->rec, "\n", 1);
        append_bounded(lf, &t->rec, (const char *)t->line.data, t->line.len);
        t->rec_total += 1 + t->line_total;
        t->rec_end = end;
    }
    buf_reset(&t->line);
}

/* Flush what is pending at the end of a file: the multiline record after its idle time,
 * and, when final (the file is done), a last line without its newline. */
static void flush_pending(struct logs_files *lf, struct tail *t, bool final)
{
    if (final && t->line_open && !t->ready_set)
        line_done(lf, t, t->read_off);
    if (t->rec_open && !t->ready_set &&
        (final || time_mono_ns() - t->rec_last_ns >= lf->opt.multiline_flush_ms * 1000000ull)) {
        set_ready(lf, t, &t->rec, t->rec_total, t->rec_start, t->rec_end);
        t->rec_open = false;
    }
}

/* Assemble the next record into t->ready; false at the end of the data for now. */
static bool next_record(struct logs_files *lf, struct tail *t)
{
    while (!t->ready_set) {
        if (t->chunk_pos == t->chunk_len) {
            if (t->fd < 0) {
                t->at_eof = true;
                flush_pending(lf, t, false);
                return t->ready_set;
            }
            ssize_t n = pread(t->fd, t->chunk, CHUNK, (off_t)t->read_off);
            if (n <= 0) {
                if (n < 0 && errno == EINTR)
                    continue;
                t->at_eof = true;
                flush_pending(lf, t, false);
                return t->ready_set;
            }
            t->at_eof = false;
            t->chunk_off = t->read_off;
            t->chunk_len = (size_t)n;
            t->chunk_pos = 0;
            t->read_off += (uint64_t)n;
            t->last_growth_ns = time_mono_ns();
            lf->st.bytes += (uint64_t)n;
        }
        const char *s = t->chunk + t->chunk_pos;
        size_t avail = t->chunk_len - t->chunk_pos;
        const char *nl = memchr(s, '\n', avail);
        size_t seg = nl ? (size_t)(nl - s) : avail;
        if (!t->line_open) {
            t->line_open = true;
            t->line_start = t->chunk_off + t->chunk_pos;
            t->line_total = 0;
            buf_reset(&t->line);
        }
        append_bounded(lf, &t->line, s, seg);
        t->line_total += seg;
        t->chunk_pos += seg;
        if (nl) {
            t->chunk_pos++;
            line_done(lf, t, t->chunk_off + t->chunk_pos);
        }
    }
    return true;
}

/* A head shorter than FP_MAX grew: a longer fingerprint tells rotated copies apart better. */
static void refresh_fp(struct logs_files *lf, struct tail *t)
{
    struct stat sb;
    if (t->fd < 0 || t->fp_len >= FP_MAX || fstat(t->fd, &sb) || (uint64_t)sb.st_size <= t->fp_len)
        return;
    t->fp_len = sb.st_size < (off_t)FP_MAX ? (uint32_t)sb.st_size : FP_MAX;
    t->fp = head_fp_fd(t->fd, t->fp_len);
    logs_ckpt_set_fp(lf->ck, t->slot, t->fp, t->fp_len);
}

/* Offer the ready record; false when it is held. */
static bool emit_ready(struct logs_files *lf, struct tail *t)
{
    if (!logs_rate_take(&t->rate, time_mono_ns())) {
        lf->st.held++;
        return false;
    }
    struct logs_file_record r = {
        .text = (const char *)t->ready.data, .len = t->ready.len, .total = t->ready_total,
        .start = t->ready_start, .end = t->ready_end, .log_file = t->log_file, .ino = t->ino,
        .slot = t->slot,
    };
    if (lf->emit(lf->ctx, &r) != 0) {
        logs_rate_give_back(&t->rate);
        lf->st.held++;
        return false;
    }
    t->ready_set = false;
    buf_reset(&t->ready);
    lf->st.records++;
    if (t->fp_len < FP_MAX && t->read_off > t->fp_len)
        refresh_fp(lf, t);
    return true;
}

/* ---------------------------------------------------------------- rotation */

static void tail_remove(struct logs_files *lf, struct tail *t)
{
    for (struct tail **pp = &lf->tails; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    tail_free(t);
}

/* The file of t was truncated (copytruncate) or rewritten: read the rest of the old content
 * from its copy when one can be found, and the file again from its start. */
static void truncated(struct logs_files *lf, struct tail *t)
{
    lf->st.truncations++;
    struct fp_search s = {.fp = t->fp, .fp_len = t->fp_len, .min_size = t->read_off, .fd = -1,
                          .skip_dev = t->dev, .skip_ino = t->ino};
    char path[PATH_MAX];
    str_copy(path, t->path, sizeof(path)); /* t->path becomes the copy's below */
    int newfd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat nsb;
    if (newfd >= 0 && fstat(newfd, &nsb)) {
        close(newfd);
        newfd = -1;
    }
    if (t->fp_len > 0)
        for_siblings(path, fp_try, &s);
    if (s.fd >= 0) {
        /* go on with the copy under the same checkpoint source */
        log_info("logs: %s was truncated; reading the rest of its old content from %s", path,
                 s.path);
        close(t->fd);
        t->fd = s.fd;
        t->dev = s.sb.st_dev;
        t->ino = s.sb.st_ino;
        str_copy(t->path, s.path, sizeof(t->path));
        t->draining = true;
        logs_ckpt_move(lf->ck, t->slot, t->dev, t->ino);
    } else {
        if (t->read_off > 0 || t->line_open)
            log_warn("logs: %s was truncated and no copy of its old content was found: what was "
                     "written after offset %llu before the truncation is lost",
                     t->path, (unsigned long long)t->read_off);
        flush_pending(lf, t, true);
        t->draining = true;
        t->dev = 0; /* no longer the file at its path */
        t->ino = 0;
        t->chunk_pos = t->chunk_len = 0;
        close(t->fd);
        t->fd = -1; /* nothing more to read: what is pending is emitted, then it is closed */
    }
    if (newfd >= 0)
        tail_add(lf, newfd, &nsb, path, t->log_file, 0, -1);
}

/* Has t's file been truncated or rewritten under it? */
static bool check_truncated(struct tail *t)
{
    struct stat sb;
    if (t->draining || t->fd < 0 || fstat(t->fd, &sb))
        return false;
    if ((uint64_t)sb.st_size < t->read_off)
        return true;
    return t->fp_len > 0 && head_fp_fd(t->fd, t->fp_len) != t->fp;
}

/* ---------------------------------------------------------------- discovery */

static void open_match(struct logs_files *lf, const char *path, bool initial)
{
    if (excluded(lf, path) || strchr(path, '\n'))
        return;
    struct stat sb;
    if (stat(path, &sb) || !S_ISREG(sb.st_mode))
        return;
    struct tail *t = find_tail(lf, sb.st_dev, sb.st_ino);
    if (t) {
        t->seen = true;
        if (t->draining && !t->fp_len) /* came back under a watched name */
            t->draining = false;
        else if (t->draining && !strcmp(t->log_file, path))
            t->draining = false;
        return;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        log_warn("logs: cannot open %s: %s", path, strerror(errno));
        return;
    }
    if (fstat(fd, &sb)) {
        close(fd);
        return;
    }
    struct ckpt_restored *r = logs_ckpt_find(lf->ck, sb.st_dev, sb.st_ino, head_fp_cb, &fd);
    uint64_t off = 0;
    if (r)
        off = r->offset;
    else if (initial && !lf->ck->existed && !lf->opt.read_from_head)
        off = (uint64_t)sb.st_size; /* the first run starts at the end of existing files */
    if (off > (uint64_t)sb.st_size)
        off = 0; /* cannot happen with a matching head, unless truncated since */
    tail_add(lf, fd, &sb, path, path, off, -1);
}

/* At the first scan: checkpoints whose file moved away (rotated while the agent was down)
 * or was truncated (copytruncate): find their content by its head among the siblings. */
static void resume_moved(struct logs_files *lf)
{
    for (size_t i = 0; i < lf->ck->nrestored; i++) {
        struct ckpt_restored *r = &lf->ck->restored[i];
        if (r->claimed || r->kind != CKPT_FILE)
            continue;
        struct fp_search s = {.fp = r->fp, .fp_len = r->fp_len, .min_size = r->offset, .fd = -1,
                              .prefer_dev = r->dev, .prefer_ino = r->ino};
        fp_try(&s, r->path);
        if (s.fd < 0 || !(s.sb.st_dev == r->dev && s.sb.st_ino == r->ino))
            for_siblings(r->path, fp_try, &s);
        if (s.fd < 0)
            continue;
        if (find_tail(lf, s.sb.st_dev, s.sb.st_ino)) {
            close(s.fd);
            continue;
        }
        r->claimed = true;
        struct tail *t = tail_add(lf, s.fd, &s.sb, s.path, r->path, r->offset, -1);
        if (t && strcmp(s.path, r->path)) {
            t->draining = true;
            log_info("logs: %s rotated while the agent was stopped: reading the rest of it from %s",
                     r->path, s.path);
        }
    }
}

void logs_files_scan(struct logs_files *lf)
{
    bool initial = !lf->first_scan_done;
    if (initial)
        resume_moved(lf);
    for (struct tail *t = lf->tails; t; t = t->next)
        t->seen = false;
    for (size_t i = 0; lf->opt.paths && i < lf->opt.paths->count; i++) {
        glob_t g;
        memset(&g, 0, sizeof(g));
        if (glob(lf->opt.paths->items[i], GLOB_NOSORT, NULL, &g) == 0)
            for (size_t k = 0; k < g.gl_pathc; k++)
                open_match(lf, g.gl_pathv[k], initial);
        globfree(&g);
    }
    uint64_t now = time_mono_ns();
    for (struct tail *t = lf->tails, *next; t; t = next) {
        next = t->next;
        if (!t->seen && !t->draining) {
            t->draining = true; /* renamed away or deleted: read to its end */
            t->last_growth_ns = now;
            lf->st.rotations++;
        }
        if (check_truncated(t))
            truncated(lf, t);
        else
            refresh_fp(lf, t);
    }
    if (initial) {
        size_t n = logs_ckpt_drop_unclaimed(lf->ck);
        if (n)
            log_warn("logs: %zu file(s) of the checkpoint were not found again (deleted or "
                     "compressed while the agent was stopped); what was not read from them is lost",
                     n);
        lf->st.lost_rotated += n;
        lf->first_scan_done = true;
    }
}

/* A draining predecessor with the same name still has records: t waits for it. */
static bool waits_for_predecessor(struct logs_files *lf, struct tail *t)
{
    for (struct tail *o = lf->tails; o && o != t; o = o->next)
        if (o->draining && !strcmp(o->log_file, t->log_file))
            return true;
    return false;
}

size_t logs_files_pump(struct logs_files *lf, size_t max)
{
    size_t total = 0;
    uint64_t now = time_mono_ns();
    for (struct tail *t = lf->tails, *next; t; t = next) {
        next = t->next;
        if (!t->draining && waits_for_predecessor(lf, t))
            continue;
        if (!t->draining && t->chunk_pos == t->chunk_len && check_truncated(t)) {
            truncated(lf, t);
            next = t->next;
        }
        size_t n = 0;
        bool held = false;
        while (n < max) {
            if (!t->ready_set && !next_record(lf, t))
                break;
            if (!emit_ready(lf, t)) {
                held = true;
                break;
            }
            n++;
        }
        total += n;
        if (t->draining && !held && t->at_eof && n < max &&
            now - t->last_growth_ns >= lf->opt.rotate_wait_ms * 1000000ull) {
            flush_pending(lf, t, true);
            while (t->ready_set && emit_ready(lf, t))
                total++;
            if (!t->ready_set && !t->line_open && !t->rec_open) {
                log_info("logs: done with %s (rotated or deleted)", t->path);
                logs_ckpt_close(lf->ck, t->slot);
                tail_remove(lf, t);
            }
        }
    }
    return total;
}

/* ---------------------------------------------------------------- setup */

static void watch_dirs(struct logs_files *lf)
{
    for (size_t i = 0; lf->opt.paths && i < lf->opt.paths->count; i++) {
        char dir[PATH_MAX];
        str_copy(dir, lf->opt.paths->items[i], sizeof(dir));
        char *d = dirname(dir);
        if (strpbrk(d, "*?["))
            continue; /* a glob in the directory: found by the periodic scan */
        if (inotify_add_watch(lf->ino_fd, d,
                              IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_MODIFY |
                                  IN_CLOSE_WRITE) < 0)
            log_debug("logs: cannot watch %s: %s (found by the periodic scan)", d,
                      strerror(errno));
    }
}

int logs_files_new(const struct logs_files_options *opt, struct logs_ckpt *ck, logs_emit_fn emit,
                   void *ctx, struct logs_files **out, struct vg_error *err)
{
    int rc = 0;
    struct logs_files *lf = calloc(1, sizeof(*lf));
    if (!lf)
        return vg_error_set(err, -ENOMEM, "logs: out of memory");
    lf->opt = *opt;
    if (lf->opt.max_line < 64)
        lf->opt.max_line = 64;
    lf->ck = ck;
    lf->emit = emit;
    lf->ctx = ctx;
    lf->ino_fd = -1;
    lf->md = pcre2_match_data_create(4, NULL);
    size_t nml = opt->multiline ? opt->multiline->count : 0;
    lf->ml = calloc(nml ? nml : 1, sizeof(*lf->ml));
    if (!lf->md || !lf->ml) {
        rc = vg_error_set(err, -ENOMEM, "logs: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < nml; i++) {
        const char *spec = opt->multiline->items[i];
        const char *eq = strchr(spec, '=');
        if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof(lf->ml[i].glob) || !eq[1]) {
            rc = vg_error_set(err, -EINVAL,
                              "logs.multiline: \"%s\" is not GLOB=REGEX (a start pattern)", spec);
            goto fail;
        }
        memcpy(lf->ml[i].glob, spec, (size_t)(eq - spec));
        int ec;
        PCRE2_SIZE eo;
        lf->ml[i].re = pcre2_compile((PCRE2_SPTR)(eq + 1), PCRE2_ZERO_TERMINATED, 0, &ec, &eo, NULL);
        if (!lf->ml[i].re) {
            PCRE2_UCHAR m[256];
            pcre2_get_error_message(ec, m, sizeof(m));
            rc = vg_error_set(err, -EINVAL, "logs.multiline: \"%s\": regex error at %zu: %s",
                              spec, (size_t)eo, (const char *)m);
            goto fail;
        }
        pcre2_jit_compile(lf->ml[i].re, PCRE2_JIT_COMPLETE);
        lf->nml++;
    }
    lf->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (lf->ino_fd < 0)
        log_warn("logs: inotify unavailable (%s): files are found by the periodic scan",
                 strerror(errno));
    else
        watch_dirs(lf);
    *out = lf;
    return 0;
fail:
    logs_files_free(lf);
    return rc;
}

void logs_files_free(struct logs_files *lf)
{
    if (!lf)
        return;
    while (lf->tails) {
        struct tail *t = lf->tails;
        lf->tails = t->next;
        tail_free(t);
    }
    for (size_t i = 0; i < lf->nml; i++)
        pcre2_code_free(lf->ml[i].re);
    free(lf->ml);
    pcre2_match_data_free(lf->md);
    if (lf->ino_fd >= 0)
        close(lf->ino_fd);
    free(lf);
}

int logs_files_fd(const struct logs_files *lf) { return lf->ino_fd; }

bool logs_files_drain_events(struct logs_files *lf)
{
    char b[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool rescan = false;
    for (;;) {
        ssize_t n = read(lf->ino_fd, b, sizeof(b));
        if (n <= 0)
            break;
        for (char *p = b; p < b + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            if (e->mask & (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_Q_OVERFLOW))
                rescan = true;
            p += sizeof(*e) + e->len;
        }
    }
    return rescan;
}

int logs_files_timeout_ms(const struct logs_files *lf)
{
    int best = -1;
    uint64_t now = time_mono_ns();
    for (const struct tail *t = lf->tails; t; t = t->next) {
        int ms = -1;
        if (t->ready_set)
            ms = logs_rate_wait_ms(&t->rate) ? logs_rate_wait_ms(&t->rate) : 10; /* or queue full */
        else if (t->rec_open) {
            uint64_t due = t->rec_last_ns + lf->opt.multiline_flush_ms * 1000000ull;
            ms = due > now ? (int)((due - now) / 1000000ull) + 1 : 0;
        } else if (t->draining) {
            uint64_t due = t->last_growth_ns + lf->opt.rotate_wait_ms * 1000000ull;
            ms = due > now ? (int)((due - now) / 1000000ull) + 1 : 0;
        }
        if (ms >= 0 && (best < 0 || ms < best))
            best = ms;
    }
    return best;
}

void logs_files_get_stats(struct logs_files *lf, struct logs_files_stats *st) { *st = lf->st; }
