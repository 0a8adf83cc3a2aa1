/* logs_ckpt.c - the log inputs' positions and their checkpoint file (logs_ckpt.h). The
 * tracker callbacks run on the pipeline's writer thread, the inputs on the logs thread: one
 * mutex guards the sources. */
#include "agent/logs/logs_ckpt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/util.h"

#define CKPT_MAGIC "vigil-logs-checkpoint 1"
#define CKPT_MAX_FILE (64u << 20)

static void ck_assigned(void *ctx, uint64_t token, uint64_t seq)
{
    struct logs_ckpt *ck = ctx;
    size_t slot = (size_t)(token >> CKPT_SLOT_SHIFT);
    uint64_t off = token & CKPT_OFF_MASK;
    pthread_mutex_lock(&ck->lock);
    if (slot < ck->nsrc && ck->src[slot].used) {
        struct ckpt_src *s = &ck->src[slot];
        if (s->kind == CKPT_JOURNAL) {
            str_copy(s->tent_cursor, s->ring[off % CKPT_JOURNAL_RING], sizeof(s->tent_cursor));
        } else {
            s->tent_off = off;
        }
        if (seq)
            s->tent_seq = seq;
        if (s->inflight)
            s->inflight--;
        ck->dirty = true;
        ck->uncommitted = true;
    }
    pthread_mutex_unlock(&ck->lock);
}

static int save_locked(struct logs_ckpt *ck)
{
    struct buf b = {0};
    int rc = buf_printf(&b, "%s\n", CKPT_MAGIC);
    for (size_t i = 0; i < ck->nsrc && !rc; i++) {
        struct ckpt_src *s = &ck->src[i];
        if (!s->used)
            continue;
        if (s->kind == CKPT_FILE)
            rc = buf_printf(&b, "F %" PRIu64 " %" PRIu64 " %016" PRIx64 " %u %" PRIu64 " %" PRIu64
                                " %" PRIu64 " %s\n",
                            (uint64_t)s->dev, (uint64_t)s->ino, s->fp, s->fp_len, s->conf_off,
                            s->tent_off, s->tent_seq, s->path);
        else
            rc = buf_printf(&b, "J %" PRIu64 " %s %s\n", s->tent_seq,
                            s->conf_cursor[0] ? s->conf_cursor : "-",
                            s->tent_cursor[0] ? s->tent_cursor : "-");
    }
    /* restored entries not found yet stay, so that a file that comes back is resumed */
    for (size_t i = 0; i < ck->nrestored && !rc; i++) {
        struct ckpt_restored *r = &ck->restored[i];
        if (r->claimed)
            continue;
        if (r->kind == CKPT_FILE)
            rc = buf_printf(&b, "F %" PRIu64 " %" PRIu64 " %016" PRIx64 " %u %" PRIu64 " %" PRIu64
                                " 0 %s\n",
                            (uint64_t)r->dev, (uint64_t)r->ino, r->fp, r->fp_len, r->offset,
                            r->offset, r->path);
        else
            rc = buf_printf(&b, "J 0 %s %s\n", r->cursor[0] ? r->cursor : "-",
                            r->cursor[0] ? r->cursor : "-");
    }
    if (!rc)
        rc = file_write_replace(ck->path, b.data, b.len, 0600, false);
    buf_free(&b);
    ck->writes++;
    if (rc) {
        if (!ck->write_errors++)
            log_error("logs: cannot write the checkpoint %s: %s", ck->path, strerror(-rc));
        return rc;
    }
    ck->dirty = false;
    return 0;
}

static void ck_prepare(void *ctx)
{
    struct logs_ckpt *ck = ctx;
    pthread_mutex_lock(&ck->lock);
    if (ck->dirty)
        save_locked(ck);
    pthread_mutex_unlock(&ck->lock);
}

static void ck_committed(void *ctx)
{
    struct logs_ckpt *ck = ctx;
    pthread_mutex_lock(&ck->lock);
    ck->uncommitted = false;
    for (size_t i = 0; i < ck->nsrc; i++) {
        struct ckpt_src *s = &ck->src[i];
        if (!s->used)
            continue;
        s->conf_off = s->tent_off;
        str_copy(s->conf_cursor, s->tent_cursor, sizeof(s->conf_cursor));
        if (s->closed && s->inflight == 0) {
            free(s->ring);
            memset(s, 0, sizeof(*s));
            ck->dirty = true;
        }
    }
    pthread_mutex_unlock(&ck->lock);
}

static int parse_line(struct logs_ckpt *ck, char *line, struct ckpt_restored *r)
{
    memset(r, 0, sizeof(*r));
    unsigned long long dev, ino, fp, conf, tent, seq;
    unsigned fplen;
    int n = 0;
    if (line[0] == 'F' &&
        sscanf(line, "F %llu %llu %llx %u %llu %llu %llu %n", &dev, &ino, &fp, &fplen, &conf,
               &tent, &seq, &n) == 7 && n > 0 && line[n] == '/') {
        r->kind = CKPT_FILE;
        r->dev = (dev_t)dev;
        r->ino = (ino_t)ino;
        r->fp = fp;
        r->fp_len = fplen;
        /* the tentative position holds when its records reached the spool before the crash */
        r->offset = (seq == 0 || seq < ck->first_seq) ? tent : conf;
        str_copy(r->path, line + n, sizeof(r->path));
        return 0;
    }
    char c1[CKPT_CURSOR_MAX], c2[CKPT_CURSOR_MAX];
    if (line[0] == 'J' && strlen(line) < 2 * CKPT_CURSOR_MAX &&
        sscanf(line, "J %llu %319s %319s", &seq, c1, c2) == 3) {
        r->kind = CKPT_JOURNAL;
        const char *c = (seq == 0 || seq < ck->first_seq) ? c2 : c1;
        str_copy(r->cursor, strcmp(c, "-") ? c : "", sizeof(r->cursor));
        return 0;
    }
    return -EINVAL;
}

int logs_ckpt_open(const char *path, uint64_t first_seq, struct logs_ckpt **out,
                   struct vg_error *err)
{
    struct buf b = {0};
    int rc = 0;
    struct logs_ckpt *ck = calloc(1, sizeof(*ck));
    if (!ck)
        return vg_error_set(err, -ENOMEM, "logs: out of memory");
    pthread_mutex_init(&ck->lock, NULL);
    str_copy(ck->path, path, sizeof(ck->path));
    ck->first_seq = first_seq;
    ck->tracker = (struct pipeline_tracker){ck_assigned, ck_prepare, ck_committed, ck};
    *out = ck;
    rc = file_read_all(path, &b, CKPT_MAX_FILE);
    if (rc == -ENOENT) {
        rc = 0;
        goto cleanup;
    }
    if (rc < 0) {
        rc = vg_error_set(err, rc, "log checkpoint %s: %s", path, strerror(-rc));
        goto cleanup;
    }
    rc = 0;
    ck->existed = true;
    buf_terminate(&b);
    char *save = NULL, *text = (char *)b.data;
    unsigned lineno = 0;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (lineno == 1) {
            if (strcmp(line, CKPT_MAGIC)) {
                rc = vg_error_set(err, -EINVAL, "log checkpoint %s: not a checkpoint file", path);
                goto cleanup;
            }
            continue;
        }
        struct ckpt_restored *nr = realloc(ck->restored, (ck->nrestored + 1) * sizeof(*nr));
        if (!nr) {
            rc = vg_error_set(err, -ENOMEM, "logs: out of memory");
            goto cleanup;
        }
        ck->restored = nr;
        if (parse_line(ck, line, &ck->restored[ck->nrestored])) {
            rc = vg_error_set(err, -EINVAL, "log checkpoint %s:%u: malformed entry", path, lineno);
            goto cleanup;
        }
        ck->nrestored++;
    }
cleanup:
    buf_free(&b);
    return rc;
}

void logs_ckpt_free(struct logs_ckpt *ck)
{
    if (!ck)
        return;
    for (size_t i = 0; i < ck->nsrc; i++)
        free(ck->src[i].ring);
    free(ck->src);
    free(ck->restored);
    pthread_mutex_destroy(&ck->lock);
    free(ck);
}

struct ckpt_restored *logs_ckpt_find(struct logs_ckpt *ck, dev_t dev, ino_t ino,
                                     uint64_t (*head_fp)(void *arg, uint32_t len), void *arg)
{
    for (size_t i = 0; i < ck->nrestored; i++) {
        struct ckpt_restored *r = &ck->restored[i];
        if (r->claimed || r->kind != CKPT_FILE || r->dev != dev || r->ino != ino)
            continue;
        if (head_fp(arg, r->fp_len) != r->fp)
            continue;
        r->claimed = true;
        return r;
    }
    return NULL;
}

static int new_slot(struct logs_ckpt *ck)
{
    for (size_t i = 0; i < ck->nsrc; i++)
        if (!ck->src[i].used)
            return (int)i;
    if (ck->nsrc == (1u << (64 - CKPT_SLOT_SHIFT)) - 1)
        return -ENOSPC;
    if (ck->nsrc == ck->cap) {
        size_t cap = ck->cap ? ck->cap * 2 : 16;
        struct ckpt_src *s = realloc(ck->src, cap * sizeof(*s));
        if (!s)
            return -ENOMEM;
        memset(s + ck->cap, 0, (cap - ck->cap) * sizeof(*s));
        ck->src = s;
        ck->cap = cap;
    }
    return (int)ck->nsrc++;
}

int logs_ckpt_add_file(struct logs_ckpt *ck, dev_t dev, ino_t ino, uint64_t fp, uint32_t fp_len,
                       const char *path, uint64_t offset)
{
    pthread_mutex_lock(&ck->lock);
    int slot = new_slot(ck);
    if (slot >= 0) {
        struct ckpt_src *s = &ck->src[slot];
        memset(s, 0, sizeof(*s));
        s->used = true;
        s->kind = CKPT_FILE;
        s->dev = dev;
        s->ino = ino;
        s->fp = fp;
        s->fp_len = fp_len;
        str_copy(s->path, path, sizeof(s->path));
        s->conf_off = s->tent_off = offset;
        save_locked(ck);
    }
    pthread_mutex_unlock(&ck->lock);
    return slot;
}

int logs_ckpt_add_journal(struct logs_ckpt *ck, const char *cursor)
{
    pthread_mutex_lock(&ck->lock);
    int slot = new_slot(ck);
    if (slot >= 0) {
        struct ckpt_src *s = &ck->src[slot];
        memset(s, 0, sizeof(*s));
        s->ring = calloc(CKPT_JOURNAL_RING, sizeof(*s->ring));
        if (!s->ring) {
            slot = -ENOMEM;
        } else {
            s->used = true;
            s->kind = CKPT_JOURNAL;
            str_copy(s->conf_cursor, cursor ? cursor : "", sizeof(s->conf_cursor));
            str_copy(s->tent_cursor, s->conf_cursor, sizeof(s->tent_cursor));
            save_locked(ck);
        }
    }
    pthread_mutex_unlock(&ck->lock);
    return slot;
}

void logs_ckpt_set_fp(struct logs_ckpt *ck, int slot, uint64_t fp, uint32_t fp_len)
{
    pthread_mutex_lock(&ck->lock);
    ck->src[slot].fp = fp;
    ck->src[slot].fp_len = fp_len;
    ck->dirty = true;
    pthread_mutex_unlock(&ck->lock);
}

void logs_ckpt_move(struct logs_ckpt *ck, int slot, dev_t dev, ino_t ino)
{
    pthread_mutex_lock(&ck->lock);
    ck->src[slot].dev = dev;
    ck->src[slot].ino = ino;
    save_locked(ck);
    pthread_mutex_unlock(&ck->lock);
}

size_t logs_ckpt_drop_unclaimed(struct logs_ckpt *ck)
{
    size_t n = 0;
    pthread_mutex_lock(&ck->lock);
    for (size_t i = 0; i < ck->nrestored; i++)
        if (!ck->restored[i].claimed) {
            ck->restored[i].claimed = true;
            n++;
        }
    if (n)
        save_locked(ck);
    pthread_mutex_unlock(&ck->lock);
    return n;
}

void logs_ckpt_close(struct logs_ckpt *ck, int slot)
{
    pthread_mutex_lock(&ck->lock);
    struct ckpt_src *s = &ck->src[slot];
    s->closed = true;
    if (s->inflight == 0) {
        free(s->ring);
        memset(s, 0, sizeof(*s));
        save_locked(ck);
    }
    pthread_mutex_unlock(&ck->lock);
}

uint64_t logs_ckpt_offer(struct logs_ckpt *ck, int slot, uint64_t end_off)
{
    pthread_mutex_lock(&ck->lock);
    ck->src[slot].inflight++;
    pthread_mutex_unlock(&ck->lock);
    return ((uint64_t)slot << CKPT_SLOT_SHIFT) | (end_off & CKPT_OFF_MASK);
}

int logs_ckpt_offer_journal(struct logs_ckpt *ck, int slot, uint64_t entry, const char *cursor,
                            uint64_t *token)
{
    int rc = 0;
    pthread_mutex_lock(&ck->lock);
    struct ckpt_src *s = &ck->src[slot];
    if (s->inflight >= CKPT_JOURNAL_RING) {
        rc = -EAGAIN;
    } else {
        s->inflight++;
        str_copy(s->ring[entry % CKPT_JOURNAL_RING], cursor, CKPT_CURSOR_MAX);
        *token = ((uint64_t)slot << CKPT_SLOT_SHIFT) | (entry & CKPT_OFF_MASK);
    }
    pthread_mutex_unlock(&ck->lock);
    return rc;
}

void logs_ckpt_unoffer(struct logs_ckpt *ck, int slot)
{
    pthread_mutex_lock(&ck->lock);
    if (ck->src[slot].inflight)
        ck->src[slot].inflight--;
    pthread_mutex_unlock(&ck->lock);
}

uint64_t logs_ckpt_inflight(struct logs_ckpt *ck, int slot)
{
    pthread_mutex_lock(&ck->lock);
    uint64_t n = ck->src[slot].inflight;
    pthread_mutex_unlock(&ck->lock);
    return n;
}

bool logs_ckpt_idle(struct logs_ckpt *ck)
{
    pthread_mutex_lock(&ck->lock);
    bool idle = !ck->uncommitted;
    for (size_t i = 0; i < ck->nsrc && idle; i++)
        if (ck->src[i].used && ck->src[i].inflight)
            idle = false;
    pthread_mutex_unlock(&ck->lock);
    return idle;
}

int logs_ckpt_save(struct logs_ckpt *ck)
{
    pthread_mutex_lock(&ck->lock);
    int rc = save_locked(ck);
    pthread_mutex_unlock(&ck->lock);
    return rc;
}
