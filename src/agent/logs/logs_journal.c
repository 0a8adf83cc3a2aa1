/* logs_journal.c - the journal input on sd-journal (logs_journal.h). */
#include "agent/logs/logs_journal.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "agent/logs/logs_text.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/util.h"

struct logs_journal {
    sd_journal *j;
    struct logs_ckpt *ck;
    int slot;
    logs_journal_emit_fn emit;
    void *ctx;
    uint64_t entry;
    /* an entry read but held back (-EAGAIN): offered again before reading on */
    bool held;
    struct logs_journal_record rec;
    struct buf msg;
    char *cursor;
};

static bool dir_has_entries(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return false;
    struct dirent *e;
    bool any = false;
    while (!any && (e = readdir(d)))
        any = e->d_name[0] != '.';
    closedir(d);
    return any;
}

bool logs_journal_available(const char *dir)
{
    if (dir && dir[0])
        return dir_has_entries(dir);
    return dir_has_entries("/var/log/journal") || dir_has_entries("/run/log/journal");
}

/* The value of FIELD in the current entry into out (NUL-terminated, bounded); false when absent. */
static bool get_field(sd_journal *j, const char *field, char *out, size_t outlen)
{
    const void *d;
    size_t l, fl = strlen(field);
    if (sd_journal_get_data(j, field, &d, &l) < 0 || l <= fl)
        return false;
    size_t n = l - fl - 1;
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, (const char *)d + fl + 1, n);
    out[n] = '\0';
    return true;
}

static int64_t get_int(sd_journal *j, const char *field)
{
    char v[32];
    if (!get_field(j, field, v, sizeof(v)))
        return -1;
    char *end;
    long long x = strtoll(v, &end, 10);
    return *end || x < 0 ? -1 : x;
}

/* Read the current entry into j->rec. */
static int read_entry(struct logs_journal *j)
{
    struct logs_journal_record *r = &j->rec;
    memset(r, 0, sizeof(*r));
    buf_reset(&j->msg);
    const void *d;
    size_t l;
    if (sd_journal_get_data(j->j, "MESSAGE", &d, &l) >= 0 && l > 8) {
        const char *m = (const char *)d + 8;
        size_t ml = l - 8;
        if (logs_text_clean(m, ml)) {
            buf_append(&j->msg, m, ml);
            buf_terminate(&j->msg);
        } else {
            logs_text_escape(m, ml, &j->msg);
        }
    } else {
        buf_terminate(&j->msg);
    }
    r->message = j->msg.data ? (const char *)j->msg.data : "";
    r->message_len = j->msg.len;
    if (!get_field(j->j, "SYSLOG_IDENTIFIER", r->program, sizeof(r->program)))
        get_field(j->j, "_COMM", r->program, sizeof(r->program));
    get_field(j->j, "_SYSTEMD_UNIT", r->unit, sizeof(r->unit));
    get_field(j->j, "_HOSTNAME", r->host, sizeof(r->host));
    r->pid = get_int(j->j, "_PID");
    if (r->pid < 0)
        r->pid = get_int(j->j, "SYSLOG_PID");
    int64_t v = get_int(j->j, "PRIORITY");
    r->severity = v >= 0 && v <= 7 ? (int)v : -1;
    v = get_int(j->j, "SYSLOG_FACILITY");
    r->facility = v >= 0 && v <= 23 ? (int)v : -1;
    uint64_t usec = 0;
    if (sd_journal_get_realtime_usec(j->j, &usec) >= 0)
        r->time_ns = usec * 1000ull;
    free(j->cursor);
    j->cursor = NULL;
    int rc = sd_journal_get_cursor(j->j, &j->cursor);
    if (rc < 0)
        return rc;
    r->cursor = j->cursor;
    r->slot = j->slot;
    r->entry = j->entry;
    return 0;
}

int logs_journal_open(const char *dir, struct logs_ckpt *ck, bool read_from_head,
                      logs_journal_emit_fn emit, void *ctx, struct logs_journal **out,
                      struct vg_error *err)
{
    int rc;
    struct logs_journal *j = calloc(1, sizeof(*j));
    if (!j)
        return vg_error_set(err, -ENOMEM, "logs: out of memory");
    j->ck = ck;
    j->emit = emit;
    j->ctx = ctx;
    j->slot = -1;
    rc = dir && dir[0] ? sd_journal_open_directory(&j->j, dir, 0)
                       : sd_journal_open(&j->j, SD_JOURNAL_LOCAL_ONLY);
    if (rc < 0) {
        rc = vg_error_set(err, rc, "journal %s: %s", dir && dir[0] ? dir : "(local)",
                          strerror(-rc));
        goto fail;
    }
    const char *cursor = NULL;
    for (size_t i = 0; i < ck->nrestored; i++)
        if (ck->restored[i].kind == CKPT_JOURNAL && !ck->restored[i].claimed) {
            ck->restored[i].claimed = true;
            cursor = ck->restored[i].cursor[0] ? ck->restored[i].cursor : NULL;
            break;
        }
    if (cursor) {
        if ((rc = sd_journal_seek_cursor(j->j, cursor)) < 0) {
            rc = vg_error_set(err, rc, "journal: cannot seek to the saved cursor: %s",
                              strerror(-rc));
            goto fail;
        }
        /* on the saved entry (already sent) or, if it was vacuumed, the one after it */
        if (sd_journal_next(j->j) > 0 && sd_journal_test_cursor(j->j, cursor) <= 0)
            sd_journal_previous(j->j);
    } else if (!ck->existed && !read_from_head) {
        sd_journal_seek_tail(j->j);
        sd_journal_previous(j->j);
    } else {
        sd_journal_seek_head(j->j);
    }
    if ((j->slot = logs_ckpt_add_journal(ck, cursor)) < 0) {
        rc = vg_error_set(err, j->slot, "journal: %s", strerror(-j->slot));
        goto fail;
    }
    *out = j;
    return 0;
fail:
    logs_journal_free(j);
    return rc;
}

void logs_journal_free(struct logs_journal *j)
{
    if (!j)
        return;
    if (j->j)
        sd_journal_close(j->j);
    buf_free(&j->msg);
    free(j->cursor);
    free(j);
}

int logs_journal_fd(struct logs_journal *j) { return sd_journal_get_fd(j->j); }

void logs_journal_process(struct logs_journal *j) { sd_journal_process(j->j); }

size_t logs_journal_pump(struct logs_journal *j, size_t max)
{
    size_t n = 0;
    while (n < max) {
        if (!j->held) {
            int rc = sd_journal_next(j->j);
            if (rc <= 0) {
                if (rc < 0)
                    log_warn("journal: cannot read the next entry: %s", strerror(-rc));
                break;
            }
            if (read_entry(j) < 0)
                continue;
            j->entry++;
            j->rec.entry = j->entry;
            j->held = true;
        }
        if (j->emit(j->ctx, &j->rec) != 0)
            break;
        j->held = false;
        n++;
    }
    return n;
}

uint64_t logs_journal_count(const struct logs_journal *j) { return j->entry - (j->held ? 1 : 0); }
