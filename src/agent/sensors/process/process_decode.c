/* process_decode.c - validating and decoding the BPF program's ring-buffer records
 * (process_event.h) into struct pe_proc. Nothing from the ring buffer is trusted: the record
 * size must match its type, every length must be within its bound and the lengths must add up
 * to the record's size, strings are bounded by their arrays. Kernel times are turned into
 * wall-clock times and /proc start ticks here. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "agent/host.h"
#include "agent/sensors/process/process_event.h"
#include "agent/sensors/process/process_sensor.h"

_Static_assert(sizeof(((struct pe_decoder *)0)->tty) == PE_TTY_LEN, "tty size");

/* Turn leaf-first NUL-terminated components into "/a/b/c" in out (NUL-terminated). Empty input
 * is "/" when empty_is_root, else "". A cut path starts with "..." (its top is missing); a
 * deleted file ends with " (deleted)", as the kernel shows it. 0 or -ENOMEM. */
static int join_path(struct buf *out, const char *comps, size_t len, bool cut, bool deleted,
                     bool empty_is_root)
{
    int rc = 0;
    buf_reset(out);
    size_t pos = len;
    if (pos && comps[pos - 1] == '\0')
        pos--;
    if (cut)
        rc |= buf_append(out, "...", 3);
    bool any = false;
    while (len) {
        size_t start = pos;
        while (start > 0 && comps[start - 1] != '\0')
            start--;
        if (pos > start) {
            rc |= buf_putc(out, '/');
            rc |= buf_append(out, comps + start, pos - start);
            any = true;
        }
        if (start == 0)
            break;
        pos = start - 1;
    }
    if (!any && (empty_is_root || cut) && (len || empty_is_root))
        rc |= buf_putc(out, '/');
    if (deleted && any)
        rc |= buf_append(out, " (deleted)", 10);
    rc |= buf_terminate(out);
    return rc ? -ENOMEM : 0;
}

static void copy_str(char *dst, size_t dstlen, const char *src, size_t srclen)
{
    size_t n = strnlen(src, srclen);
    if (n > dstlen - 1)
        n = dstlen - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* The kernel names pseudo-terminals "pts0" (tty->name), /dev and ps say "pts/0": use the
 * latter, as the /proc-based sensors do. */
static void tty_name(char *tty, size_t size)
{
    if (strncmp(tty, "pts", 3) != 0 || tty[3] < '0' || tty[3] > '9')
        return;
    size_t len = strlen(tty);
    if (len + 2 > size)
        return;
    memmove(tty + 4, tty + 3, len - 3 + 1);
    tty[3] = '/';
}

void pe_decode_header(const struct host_info *host, const struct pe_header *hp,
                      struct pe_proc *p)
{
    struct pe_header h = *hp;
    memset(p, 0, sizeof(*p));
    p->pid = (int32_t)h.pid;
    p->ppid = (int32_t)h.ppid;
    p->time_ns = host_boottime_to_epoch_ns(host, h.time_ns);
    p->have_start = true;
    p->start_ticks = host_ns_to_ticks(host, h.start_boottime);
    p->start_time_ns = host_boottime_to_epoch_ns(host, h.start_boottime);
    if (h.ppid > 0) {
        p->have_parent_start = true;
        p->parent_start_ticks = host_ns_to_ticks(host, h.parent_start_boottime);
    }
    p->have_creds = true;
    p->uid = h.uid;
    p->euid = h.euid;
    p->gid = h.gid;
    p->egid = h.egid;
    if (!(h.flags & PE_F_NO_AUDIT)) {
        p->have_audit = true;
        p->auid = h.auid;
        p->session_id = h.sessionid;
    }
    copy_str(p->comm, sizeof(p->comm), h.comm, sizeof(h.comm));
    if (h.cgroup_id) {
        p->have_cgroup_id = true;
        p->cgroup_id = h.cgroup_id;
    }

}

int pe_decode(const struct host_info *host, const void *data, size_t size,
              struct pe_decoder *d, struct pe_proc *p)
{
    struct pe_header h;
    if (size < sizeof(h))
        return -EINVAL;
    memcpy(&h, data, sizeof(h));
    if (h.size != size || h.pid == 0 || h.pid > INT32_MAX || h.ppid > INT32_MAX)
        return -EINVAL;
    switch (h.type) {
    case PE_FORK:
        if (size != sizeof(struct pe_fork))
            return -EINVAL;
        break;
    case PE_EXIT:
        if (size != sizeof(struct pe_exit))
            return -EINVAL;
        break;
    case PE_EXEC:
        if (size < offsetof(struct pe_exec, data))
            return -EINVAL;
        break;
    default:
        return -EINVAL;
    }

    pe_decode_header(host, &h, p);

    if (h.type == PE_EXIT) {
        struct pe_exit x;
        memcpy(&x, data, sizeof(x));
        p->have_exit = true;
        p->exit_status = x.exit_status;
        return PE_EXIT;
    }
    if (h.type == PE_FORK)
        return PE_FORK;

    struct pe_exec e; /* the fixed part only */
    memcpy(&e, data, offsetof(struct pe_exec, data));
    const char *blob = (const char *)data + offsetof(struct pe_exec, data);
    size_t blob_len = size - offsetof(struct pe_exec, data);
    if (e.exe_len > PE_PATH_MAX || e.cwd_len > PE_PATH_MAX || e.cgroup_len > PE_PATH_MAX ||
        e.args_len > PE_ARGS_CAP ||
        (size_t)e.exe_len + e.cwd_len + e.cgroup_len + e.args_len != blob_len)
        return -EINVAL;
    copy_str(d->tty, sizeof(d->tty), e.tty, sizeof(e.tty));
    p->have_stdio = true;
    memcpy(p->stdio, e.stdio, sizeof(p->stdio));
    p->have_exe_id = e.exe_ino != 0;
    p->exe_ino = e.exe_ino;
    p->exe_dev = e.exe_dev;
    p->exe_mtime_ns = e.exe_mtime_ns;
    p->exe_size = e.exe_size;
    if (h.flags & PE_F_PRELOAD) {
        copy_str(d->preload, sizeof(d->preload), e.preload, sizeof(e.preload));
        p->ld_preload = d->preload;
    }
    tty_name(d->tty, sizeof(d->tty));
    p->tty = d->tty;

    const char *exe = blob, *cwd = exe + e.exe_len, *cg = cwd + e.cwd_len;
    const char *args = cg + e.cgroup_len;
    if (join_path(&d->exe, exe, e.exe_len, h.flags & PE_F_EXE_TRUNCATED,
                  h.flags & PE_F_EXE_DELETED, false) ||
        join_path(&d->cwd, cwd, e.cwd_len, h.flags & PE_F_CWD_TRUNCATED,
                  h.flags & PE_F_CWD_DELETED, true) ||
        join_path(&d->cgroup, cg, e.cgroup_len, h.flags & PE_F_CGROUP_TRUNCATED, false, true))
        return -ENOMEM;
    p->exe = (const char *)d->exe.data;
    p->exe_len = d->exe.len;
    p->cwd = (const char *)d->cwd.data;
    p->cwd_len = d->cwd.len;
    if (h.flags & PE_F_CGROUP_V1) {
        p->cgroup = "/";
        p->container_hint = (const char *)d->cgroup.data;
    } else {
        p->cgroup = (const char *)d->cgroup.data;
    }
    if (!(h.flags & PE_F_ARGS_FAULT)) {
        p->args = args;
        p->args_len = e.args_len;
        p->args_truncated = (h.flags & PE_F_ARGS_TRUNCATED) != 0;
    }
    return PE_EXEC;
}

void pe_decoder_free(struct pe_decoder *d)
{
    buf_free(&d->exe);
    buf_free(&d->cwd);
    buf_free(&d->cgroup);
}
