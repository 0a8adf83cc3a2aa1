/* spool.c - segmented on-disk spool with acknowledgement (see spool.h for the format and the
 * guarantees). The writer buffers frames in memory and writes them with one write(2) per
 * commit; the reader reads whole chunks with pread(2) through its own file descriptor, so the
 * two only meet under the lock to exchange positions, never during I/O. */
#include "common/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "common/log.h"
#include "common/util.h"

#define SEG_MAGIC "VGSPOOL1"
#define SEG_HEADER 16
#define FRAME_HEADER 16
#define FRAME_MAX (64u << 20)         /* one record is never larger than this */
#define WBUF_MAX (256u << 20)         /* in-memory backlog while the disk refuses writes */

struct segment {
    uint64_t first_seq;
    uint64_t size; /* committed bytes, header included */
};

struct spool {
    char dir[PATH_MAX - 64]; /* room for "/<20 digits>.seg" in paths built from it */
    struct spool_options opt;
    pthread_mutex_t lock;
    pthread_cond_t cond;

    struct segment *segs; /* sorted by first_seq; the last one is being written */
    size_t nsegs, segcap;
    uint64_t total_bytes;

    /* writer */
    int wfd;
    uint64_t next_seq;      /* next seq to assign */
    uint64_t committed_seq; /* highest seq written to the segment file */
    struct buf wbuf;
    uint64_t wbuf_first_seq;
    uint64_t last_sync_ns;

    /* reader */
    uint64_t acked_seq;
    uint64_t read_seq;       /* next seq the reader hands out */
    int rfd;                 /* fd of the segment the reader is in, or -1 */
    uint64_t rfd_first_seq;  /* which segment rfd is */
    uint64_t read_off;       /* offset in that segment where record read_off_seq starts */
    uint64_t read_off_seq;
    bool wake;

    uint64_t dropped, corrupt, truncated_at_open;
};

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint32_t frame_crc(const uint8_t *seq_le, const uint8_t *payload, size_t len)
{
    uLong c = crc32(0L, Z_NULL, 0);
    c = crc32(c, seq_le, 8);
    while (len) {
        uInt chunk = len > (1u << 30) ? (1u << 30) : (uInt)len;
        c = crc32(c, payload, chunk);
        payload += chunk;
        len -= chunk;
    }
    return (uint32_t)c;
}

static void seg_path(const struct spool *sp, uint64_t first_seq, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/%020" PRIu64 ".seg", sp->dir, first_seq);
}

/* Records held by segment i: contiguous seqs up to the next segment (or the last committed). */
static uint64_t seg_end_seq(const struct spool *sp, size_t i)
{
    return i + 1 < sp->nsegs ? sp->segs[i + 1].first_seq : sp->committed_seq + 1;
}

static int seg_push(struct spool *sp, uint64_t first_seq, uint64_t size)
{
    if (sp->nsegs == sp->segcap) {
        size_t cap = sp->segcap ? sp->segcap * 2 : 16;
        struct segment *s = realloc(sp->segs, cap * sizeof(*s));
        if (!s)
            return -ENOMEM;
        sp->segs = s;
        sp->segcap = cap;
    }
    sp->segs[sp->nsegs].first_seq = first_seq;
    sp->segs[sp->nsegs].size = size;
    sp->nsegs++;
    sp->total_bytes += size;
    return 0;
}

static void seg_remove_first(struct spool *sp)
{
    char path[PATH_MAX];
    seg_path(sp, sp->segs[0].first_seq, path, sizeof(path));
    if (unlink(path) < 0 && errno != ENOENT)
        log_warn("spool: cannot delete %s: %s", path, strerror(errno));
    sp->total_bytes -= sp->segs[0].size;
    memmove(&sp->segs[0], &sp->segs[1], (sp->nsegs - 1) * sizeof(sp->segs[0]));
    sp->nsegs--;
}

/* Create a fresh segment file starting at first_seq and make it the write segment. */
static int seg_create(struct spool *sp, uint64_t first_seq)
{
    char path[PATH_MAX];
    uint8_t hdr[SEG_HEADER];
    seg_path(sp, first_seq, path, sizeof(path));
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    memcpy(hdr, SEG_MAGIC, 8);
    put_le64(hdr + 8, first_seq);
    if (write(fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr)) {
        int e = errno ? -errno : -EIO;
        close(fd);
        unlink(path);
        return e;
    }
    int rc = seg_push(sp, first_seq, SEG_HEADER);
    if (rc) {
        close(fd);
        unlink(path);
        return rc;
    }
    if (sp->wfd >= 0)
        close(sp->wfd);
    sp->wfd = fd;
    return 0;
}

/* Scan a segment from its header to the end; returns the offset just past the last intact
 * frame and the seq of that frame (first_seq - 1 when empty). */
static int seg_scan(int fd, uint64_t first_seq, uint64_t file_size, uint64_t *end_off,
                    uint64_t *last_seq)
{
    uint64_t off = SEG_HEADER, expect = first_seq;
    uint8_t *chunk = NULL;
    size_t chunk_cap = 0;
    int rc = 0;
    while (off + FRAME_HEADER <= file_size) {
        uint8_t fh[FRAME_HEADER];
        if (pread(fd, fh, sizeof(fh), (off_t)off) != (ssize_t)sizeof(fh))
            break;
        uint32_t len = get_le32(fh);
        uint64_t seq = get_le64(fh + 8);
        if (len > FRAME_MAX || off + FRAME_HEADER + len > file_size || seq != expect)
            break;
        if (len > chunk_cap) {
            uint8_t *c = realloc(chunk, len);
            if (!c) {
                rc = -ENOMEM;
                break;
            }
            chunk = c;
            chunk_cap = len;
        }
        if (pread(fd, chunk, len, (off_t)(off + FRAME_HEADER)) != (ssize_t)len)
            break;
        if (frame_crc(fh + 8, chunk, len) != get_le32(fh + 4))
            break;
        off += FRAME_HEADER + len;
        expect++;
    }
    free(chunk);
    *end_off = off;
    *last_seq = expect - 1;
    return rc;
}

static int cmp_seg(const void *a, const void *b)
{
    const struct segment *x = a, *y = b;
    return x->first_seq < y->first_seq ? -1 : x->first_seq > y->first_seq;
}

static uint64_t read_ack_file(const char *dir)
{
    char path[PATH_MAX], line[64];
    snprintf(path, sizeof(path), "%s/ack", dir);
    ssize_t n = file_read_line(path, line, sizeof(line));
    if (n <= 0)
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(line, &end, 10);
    if (errno || *end) {
        log_warn("spool: %s is unreadable (\"%s\"): resending from the oldest record; the "
                 "server stores duplicates once", path, line);
        return 0;
    }
    return v;
}

static int write_ack_file(struct spool *sp, uint64_t seq)
{
    char path[PATH_MAX], line[32];
    snprintf(path, sizeof(path), "%s/ack", sp->dir);
    int n = snprintf(line, sizeof(line), "%" PRIu64 "\n", seq);
    /* not fsync'ed: a lost update only means records are sent again, and the server stores a
     * record it already has once */
    return file_write_replace(path, line, (size_t)n, 0600, false);
}

/* Delete segments whose every record is acknowledged (never the write segment). */
static void drop_acked_segments(struct spool *sp)
{
    while (sp->nsegs > 1 && sp->segs[1].first_seq <= sp->acked_seq + 1)
        seg_remove_first(sp);
}

static int recover(struct spool *sp, struct vg_error *err)
{
    DIR *d = opendir(sp->dir);
    if (!d)
        return vg_error_set(err, -errno, "spool %s: %s", sp->dir, strerror(errno));
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l != 24 || strcmp(de->d_name + 20, ".seg") != 0)
            continue;
        char *end;
        uint64_t first = strtoull(de->d_name, &end, 10);
        if (end != de->d_name + 20)
            continue;
        char path[PATH_MAX];
        struct stat st;
        seg_path(sp, first, path, sizeof(path));
        if (stat(path, &st) < 0)
            continue;
        rc = seg_push(sp, first, (uint64_t)st.st_size);
        if (rc)
            break;
    }
    closedir(d);
    if (rc)
        return vg_error_set(err, rc, "spool %s: out of memory", sp->dir);
    if (sp->nsegs)
        qsort(sp->segs, sp->nsegs, sizeof(sp->segs[0]), cmp_seg);

    sp->acked_seq = read_ack_file(sp->dir);
    uint64_t last_seq = 0;
    if (sp->nsegs) {
        struct segment *last = &sp->segs[sp->nsegs - 1];
        char path[PATH_MAX];
        seg_path(sp, last->first_seq, path, sizeof(path));
        int fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0)
            return vg_error_set(err, -errno, "spool segment %s: %s", path, strerror(errno));
        uint8_t hdr[SEG_HEADER];
        uint64_t end_off = SEG_HEADER;
        if (last->size < SEG_HEADER || pread(fd, hdr, sizeof(hdr), 0) != SEG_HEADER ||
            memcmp(hdr, SEG_MAGIC, 8) != 0 || get_le64(hdr + 8) != last->first_seq) {
            /* the header itself was torn: the file holds nothing usable */
            last_seq = last->first_seq - 1;
            end_off = 0;
        } else {
            rc = seg_scan(fd, last->first_seq, last->size, &end_off, &last_seq);
            if (rc) {
                close(fd);
                return vg_error_set(err, rc, "spool segment %s: cannot scan", path);
            }
        }
        if (end_off < last->size) {
            sp->truncated_at_open = last->size - end_off;
            log_warn("spool: %s ends with %" PRIu64 " bytes of an interrupted write; cut off",
                     path, sp->truncated_at_open);
            if (ftruncate(fd, (off_t)end_off) < 0) {
                int e = -errno;
                close(fd);
                return vg_error_set(err, e, "spool segment %s: cannot truncate: %s", path,
                                    strerror(-e));
            }
            sp->total_bytes -= last->size - end_off;
            last->size = end_off;
        }
        close(fd);
        if (last->size <= SEG_HEADER) {
            /* an empty last segment is recreated below with the right first seq */
            char empty[PATH_MAX];
            seg_path(sp, last->first_seq, empty, sizeof(empty));
            unlink(empty);
            sp->total_bytes -= last->size;
            sp->nsegs--;
        }
    }
    if (last_seq < sp->acked_seq)
        last_seq = sp->acked_seq;
    sp->next_seq = last_seq + 1;
    sp->committed_seq = last_seq;
    if (sp->nsegs == 0) {
        rc = seg_create(sp, sp->next_seq);
        if (rc)
            return vg_error_set(err, rc, "spool %s: cannot create a segment: %s", sp->dir,
                                strerror(-rc));
    } else {
        char path[PATH_MAX];
        seg_path(sp, sp->segs[sp->nsegs - 1].first_seq, path, sizeof(path));
        sp->wfd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (sp->wfd < 0)
            return vg_error_set(err, -errno, "spool segment %s: %s", path, strerror(errno));
    }
    drop_acked_segments(sp);
    sp->read_seq = sp->acked_seq + 1;
    if (sp->nsegs && sp->read_seq < sp->segs[0].first_seq)
        sp->read_seq = sp->segs[0].first_seq;
    return 0;
}

int spool_open(const char *dir, const struct spool_options *opt, struct spool **out,
               struct vg_error *err)
{
    struct spool *sp = calloc(1, sizeof(*sp));
    if (!sp)
        return vg_error_set(err, -ENOMEM, "spool: out of memory");
    if (str_copy(sp->dir, dir, sizeof(sp->dir)) >= sizeof(sp->dir)) {
        free(sp);
        return vg_error_set(err, -ENAMETOOLONG, "spool directory name too long");
    }
    sp->opt.segment_bytes = opt && opt->segment_bytes ? opt->segment_bytes : 8u << 20;
    sp->opt.max_bytes = opt && opt->max_bytes ? opt->max_bytes : 1ull << 30;
    sp->opt.fsync_interval_ms = opt ? opt->fsync_interval_ms : 1000;
    if (sp->opt.max_bytes < 2 * sp->opt.segment_bytes)
        sp->opt.max_bytes = 2 * sp->opt.segment_bytes;
    sp->wfd = sp->rfd = -1;
    pthread_mutex_init(&sp->lock, NULL);
    pthread_cond_init(&sp->cond, NULL);
    int rc = dir_make(dir, 0700);
    if (rc) {
        vg_error_set(err, rc, "spool directory %s: %s", dir, strerror(-rc));
        goto fail;
    }
    rc = recover(sp, err);
    if (rc)
        goto fail;
    sp->last_sync_ns = time_mono_ns();
    *out = sp;
    return 0;
fail:
    if (sp->wfd >= 0)
        close(sp->wfd);
    free(sp->segs);
    pthread_mutex_destroy(&sp->lock);
    pthread_cond_destroy(&sp->cond);
    free(sp);
    return rc;
}

void spool_close(struct spool *sp)
{
    if (!sp)
        return;
    if (spool_commit(sp))
        log_warn("spool: records still buffered at close could not be written");
    if (sp->wfd >= 0) {
        fdatasync(sp->wfd);
        close(sp->wfd);
    }
    if (sp->rfd >= 0)
        close(sp->rfd);
    buf_free(&sp->wbuf);
    free(sp->segs);
    pthread_mutex_destroy(&sp->lock);
    pthread_cond_destroy(&sp->cond);
    free(sp);
}

uint64_t spool_next_seq(struct spool *sp) { return sp->next_seq; }

int spool_append(struct spool *sp, uint64_t seq, const void *payload, size_t len)
{
    if (seq != sp->next_seq || len > FRAME_MAX)
        return -EINVAL;
    if (sp->wbuf.len > WBUF_MAX)
        return -ENOSPC;
    uint8_t fh[FRAME_HEADER];
    put_le32(fh, (uint32_t)len);
    put_le64(fh + 8, seq);
    put_le32(fh + 4, frame_crc(fh + 8, payload, len));
    int rc = buf_reserve(&sp->wbuf, sizeof(fh) + len);
    if (rc)
        return rc;
    if (sp->wbuf.len == 0)
        sp->wbuf_first_seq = seq;
    buf_append(&sp->wbuf, fh, sizeof(fh));
    buf_append(&sp->wbuf, payload, len);
    sp->next_seq++;
    return 0;
}

/* Called with the lock held: drop the oldest segments past the size bound. */
static void enforce_bound(struct spool *sp)
{
    while (sp->total_bytes > sp->opt.max_bytes && sp->nsegs > 1) {
        uint64_t from = sp->segs[0].first_seq;
        if (from < sp->acked_seq + 1)
            from = sp->acked_seq + 1;
        if (from < sp->read_seq)
            from = sp->read_seq;
        uint64_t end = sp->segs[1].first_seq;
        uint64_t lost = end > from ? end - from : 0;
        sp->dropped += lost;
        log_warn("spool: size bound of %" PRIu64 " bytes reached: dropped segment %020" PRIu64
                 " with %" PRIu64 " unsent records (%" PRIu64 " dropped so far)",
                 sp->opt.max_bytes, sp->segs[0].first_seq, lost, sp->dropped);
        seg_remove_first(sp);
        if (sp->read_seq < sp->segs[0].first_seq)
            sp->read_seq = sp->segs[0].first_seq;
    }
}

int spool_commit(struct spool *sp)
{
    if (sp->wbuf.len == 0)
        return 0;
    pthread_mutex_lock(&sp->lock);
    struct segment *cur = &sp->segs[sp->nsegs - 1];
    const uint8_t *p = sp->wbuf.data;
    size_t left = sp->wbuf.len;
    int rc = 0;
    while (left) {
        ssize_t n = write(sp->wfd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        p += n;
        left -= (size_t)n;
    }
    if (rc) {
        /* undo a partial write so the file keeps only whole frames; retried next commit */
        if (ftruncate(sp->wfd, (off_t)cur->size) < 0)
            log_error("spool: cannot undo a partial write: %s", strerror(errno));
        pthread_mutex_unlock(&sp->lock);
        return rc;
    }
    cur->size += sp->wbuf.len;
    sp->total_bytes += sp->wbuf.len;
    sp->committed_seq = sp->next_seq - 1;
    buf_reset(&sp->wbuf);

    uint64_t now = time_mono_ns();
    if (now - sp->last_sync_ns >= (uint64_t)sp->opt.fsync_interval_ms * 1000000ull) {
        fdatasync(sp->wfd);
        sp->last_sync_ns = now;
    }
    if (cur->size >= sp->opt.segment_bytes) {
        fdatasync(sp->wfd);
        rc = seg_create(sp, sp->next_seq);
        if (rc)
            log_error("spool: cannot start a new segment: %s (writing on)", strerror(-rc));
        rc = 0;
    }
    enforce_bound(sp);
    pthread_cond_broadcast(&sp->cond);
    pthread_mutex_unlock(&sp->lock);
    return 0;
}

static int batch_push(struct spool_batch *b, uint64_t seq, size_t off, size_t len)
{
    if (b->count == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        struct spool_record *r = realloc(b->records, cap * sizeof(*r));
        if (!r)
            return -ENOMEM;
        b->records = r;
        b->cap = cap;
    }
    b->records[b->count].seq = seq;
    b->records[b->count].data = (const uint8_t *)(uintptr_t)off; /* fixed up at the end */
    b->records[b->count].len = len;
    b->count++;
    return 0;
}

/* Locked. Index of the segment holding seq, or -1. */
static long seg_find(const struct spool *sp, uint64_t seq)
{
    for (size_t i = sp->nsegs; i-- > 0;)
        if (sp->segs[i].first_seq <= seq)
            return seq < seg_end_seq(sp, i) ? (long)i : -1;
    return -1;
}

int spool_read(struct spool *sp, struct spool_batch *b, size_t max_records, size_t max_bytes,
               int timeout_ms)
{
    b->count = 0;
    buf_reset(&b->mem);
    pthread_mutex_lock(&sp->lock);
    if (sp->read_seq > sp->committed_seq && timeout_ms > 0 && !sp->wake) {
        struct timespec ts;
        time_deadline_ts((uint64_t)timeout_ms, &ts);
        while (sp->read_seq > sp->committed_seq && !sp->wake)
            if (pthread_cond_timedwait(&sp->cond, &sp->lock, &ts) == ETIMEDOUT)
                break;
    }
    sp->wake = false;
    int rc = 0;
    while (b->count < max_records && b->mem.len < max_bytes && sp->read_seq <= sp->committed_seq) {
        if (sp->nsegs && sp->read_seq < sp->segs[0].first_seq)
            sp->read_seq = sp->segs[0].first_seq; /* dropped past the bound (counted) */
        long i = seg_find(sp, sp->read_seq);
        if (i < 0)
            break;
        uint64_t first = sp->segs[i].first_seq, size = sp->segs[i].size;
        uint64_t end_seq = seg_end_seq(sp, (size_t)i);
        if (sp->rfd < 0 || sp->rfd_first_seq != first) {
            if (sp->rfd >= 0)
                close(sp->rfd);
            char path[PATH_MAX];
            seg_path(sp, first, path, sizeof(path));
            sp->rfd = open(path, O_RDONLY | O_CLOEXEC);
            if (sp->rfd < 0) {
                rc = -errno;
                log_error("spool: cannot open %s: %s", path, strerror(errno));
                break;
            }
            sp->rfd_first_seq = first;
            sp->read_off = SEG_HEADER;
            sp->read_off_seq = first;
        }
        if (sp->read_off_seq > sp->read_seq) {
            /* rewound behind our position: restart the segment */
            sp->read_off = SEG_HEADER;
            sp->read_off_seq = first;
        }
        int fd = sp->rfd;
        uint64_t off = sp->read_off, off_seq = sp->read_off_seq, want = sp->read_seq;
        pthread_mutex_unlock(&sp->lock);

        /* read a chunk of the segment and cut it into frames, outside the lock */
        size_t room = max_bytes > b->mem.len ? max_bytes - b->mem.len : 0;
        if (room < 64 * 1024)
            room = 64 * 1024;
        uint64_t avail = size - off;
        size_t chunk = avail < room ? (size_t)avail : room;
        bool corrupt = false;
        size_t base = b->mem.len;
        if (chunk && buf_reserve(&b->mem, chunk) == 0) {
            ssize_t n = pread(fd, b->mem.data + base, chunk, (off_t)off);
            size_t got = n > 0 ? (size_t)n : 0;
            size_t pos = 0;
            while (pos + FRAME_HEADER <= got && b->count < max_records) {
                const uint8_t *fh = b->mem.data + base + pos;
                uint32_t len = get_le32(fh);
                uint64_t seq = get_le64(fh + 8);
                if (len > FRAME_MAX || seq != off_seq) {
                    corrupt = true;
                    break;
                }
                if (pos + FRAME_HEADER + len > got) {
                    if (pos == 0 && FRAME_HEADER + (uint64_t)len <= avail) {
                        /* a single frame larger than the chunk: read exactly it */
                        if (buf_reserve(&b->mem, FRAME_HEADER + len) == 0 &&
                            pread(fd, b->mem.data + base, FRAME_HEADER + len, (off_t)off) ==
                                (ssize_t)(FRAME_HEADER + len)) {
                            got = FRAME_HEADER + len;
                            fh = b->mem.data + base;
                            continue;
                        }
                        corrupt = true;
                    }
                    break;
                }
                if (frame_crc(fh + 8, fh + FRAME_HEADER, len) != get_le32(fh + 4)) {
                    corrupt = true;
                    break;
                }
                if (seq >= want) {
                    if (batch_push(b, seq, base + pos + FRAME_HEADER, len)) {
                        rc = -ENOMEM;
                        break;
                    }
                    want = seq + 1;
                }
                pos += FRAME_HEADER + len;
                off += FRAME_HEADER + len;
                off_seq++;
            }
            b->mem.len = base + pos;
        }
        pthread_mutex_lock(&sp->lock);
        bool progressed = off != sp->read_off;
        if (!corrupt && !progressed && !rc && off >= size && want < end_seq)
            corrupt = true; /* the file is shorter than the records it should hold */
        sp->read_off = off;
        sp->read_off_seq = off_seq;
        sp->read_seq = want;
        if (corrupt) {
            uint64_t lost = end_seq > want ? end_seq - want : 0;
            sp->corrupt += lost;
            log_error("spool: segment %020" PRIu64 " is corrupt at offset %" PRIu64
                      ": %" PRIu64 " records lost", first, off, lost);
            sp->read_seq = end_seq;
            continue;
        }
        if (rc || !progressed)
            break;
    }
    pthread_mutex_unlock(&sp->lock);
    for (size_t k = 0; k < b->count; k++)
        b->records[k].data = b->mem.data + (uintptr_t)b->records[k].data;
    if (b->count) {
        b->first_seq = b->records[0].seq;
        b->last_seq = b->records[b->count - 1].seq;
    }
    return rc ? rc : (int)b->count;
}

int spool_ack(struct spool *sp, uint64_t seq)
{
    pthread_mutex_lock(&sp->lock);
    int rc = 0;
    if (seq > sp->committed_seq)
        seq = sp->committed_seq;
    if (seq > sp->acked_seq) {
        sp->acked_seq = seq;
        rc = write_ack_file(sp, seq);
        drop_acked_segments(sp);
    }
    pthread_mutex_unlock(&sp->lock);
    return rc;
}

void spool_rewind(struct spool *sp)
{
    pthread_mutex_lock(&sp->lock);
    sp->read_seq = sp->acked_seq + 1;
    pthread_mutex_unlock(&sp->lock);
}

void spool_batch_free(struct spool_batch *b)
{
    buf_free(&b->mem);
    free(b->records);
    memset(b, 0, sizeof(*b));
}

void spool_get_stats(struct spool *sp, struct spool_stats *st)
{
    pthread_mutex_lock(&sp->lock);
    st->next_seq = sp->next_seq;
    st->acked_seq = sp->acked_seq;
    st->pending = sp->next_seq - 1 - sp->acked_seq;
    st->bytes = sp->total_bytes;
    st->segments = sp->nsegs;
    st->dropped = sp->dropped;
    st->corrupt = sp->corrupt;
    st->truncated_at_open = sp->truncated_at_open;
    pthread_mutex_unlock(&sp->lock);
}

void spool_wakeup(struct spool *sp)
{
    pthread_mutex_lock(&sp->lock);
    sp->wake = true;
    pthread_cond_broadcast(&sp->cond);
    pthread_mutex_unlock(&sp->lock);
}
