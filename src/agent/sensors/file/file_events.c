/* file_events.c - from syscall-sensor records of the file family to file_events rows. Paths
 * the kernel resolved lexically are normalised here; one the kernel passed unfiltered (it held
 * a ".." component) is filtered here against the same prefixes after normalisation. */
#include <fcntl.h>
#include <string.h>

#include "agent/pipeline.h"
#include "agent/sensors/file/file_path.h"
#include "agent/sensors/file/file_sensor.h"

void file_open_flags_text(uint64_t flags, char *out, size_t outlen)
{
    out[0] = '\0';
    size_t n = 0;
    const struct { uint64_t bit; const char *name; } f[] = {
        {O_WRONLY | O_RDWR, "write"}, {O_CREAT, "create"}, {O_TRUNC, "truncate"},
        {O_APPEND, "append"},
    };
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        if (!(flags & f[i].bit))
            continue;
        size_t l = strlen(f[i].name);
        if (n + l + 2 > outlen)
            break;
        if (n)
            out[n++] = ',';
        memcpy(out + n, f[i].name, l + 1);
        n += l;
    }
}

/* Add path s (len bytes) as field f, normalised when it is absolute; *under receives whether
 * the normalised path is under a watched prefix. */
static int add_path(struct file_state *fs, struct event *ev, enum field_id f, const char *s,
                    size_t len, bool *under)
{
    int n = len && s[0] == '/' ? fpath_normalize(s, len, fs->norm, sizeof(fs->norm)) : -1;
    if (n < 0) {
        *under = false;
        return sx_add_text(&fs->ctx, ev, f, s, len);
    }
    *under = fpath_under(&fs->paths, fs->norm);
    return sx_add_text(&fs->ctx, ev, f, fs->norm, (size_t)n);
}

void file_on_record(void *ctx, const void *data, size_t size)
{
    struct file_state *fs = ctx;
    struct sx_rec *r = &fs->rec;
    if (sx_decode(fs->ctx.host, data, size, r) != 0 || r->type < SX_OPEN || r->type > SX_READ) {
        atomic_fetch_add(&fs->malformed, 1);
        return;
    }
    static const char *const actions[] = {"open_write", "rename", "unlink", "chmod", "chown",
                                          "link", "symlink", "utimes", "read_sensitive"};
    struct event *ev = sx_event_new(&fs->ctx, r, TBL_FILE_EVENTS, actions[r->type - SX_OPEN],
                                    true);
    if (!ev) {
        atomic_fetch_add(&fs->failed, 1);
        return;
    }
    bool under0 = false, under1 = false;
    int rc = add_path(fs, ev, FLD_PATH, r->s[0], r->len[0], &under0);
    if (!rc && r->len[1]) {
        if (r->type == SX_SYMLINK) /* the target as given, not resolved */
            rc = sx_add_text(&fs->ctx, ev, FLD_TARGET_PATH, r->s[1], r->len[1]);
        else
            rc = add_path(fs, ev, FLD_TARGET_PATH, r->s[1], r->len[1], &under1);
    }
    /* the kernel filtered every path but those with "..": filter those here */
    bool dotdot = memmem(r->s[0], r->len[0], "/..", 3) || memmem(r->s[1], r->len[1], "/..", 3);
    if (!rc && dotdot && r->type != SX_READ && !under0 && !under1) {
        event_free(ev);
        atomic_fetch_add(&fs->filtered, 1);
        return;
    }
    char flags[64];
    switch (r->type) {
    case SX_OPEN:
        file_open_flags_text(r->v[0], flags, sizeof(flags));
        rc = rc ? rc : event_add_str(ev, FLD_OPEN_FLAGS, flags);
        if (!rc && (r->v[0] & O_CREAT))
            rc = event_add_int(ev, FLD_FILE_MODE, (int64_t)(r->v[1] & 07777));
        break;
    case SX_CHMOD:
        rc = rc ? rc : event_add_int(ev, FLD_FILE_MODE, (int64_t)(r->v[0] & 07777));
        break;
    case SX_CHOWN:
        rc = rc ? rc : event_add_int(ev, FLD_OWNER_UID, (int64_t)(int32_t)r->v[0]);
        rc = rc ? rc : event_add_int(ev, FLD_OWNER_GID, (int64_t)(int32_t)r->v[1]);
        break;
    case SX_UTIMES:
        /* -1: set to now (the event's time), -2: left as it was (no value) */
        for (int i = 0; i < 2 && !rc; i++) {
            int64_t v = (int64_t)r->v[i];
            if (v == -2)
                continue;
            rc = event_add_int(ev, i ? FLD_MTIME : FLD_ATIME, v == -1 ? (int64_t)ev->time_ns : v);
        }
        break;
    default:
        break;
    }
    sx_submit(fs->pipeline, ev, rc, &fs->events, &fs->failed);
}
