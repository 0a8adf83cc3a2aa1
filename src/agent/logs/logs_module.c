/* logs_module.c - the log collector as an agent module ("logs"): its options, the thread
 * that reads the file and journal inputs, the total budget, turning records into events
 * (logs_parse) and offering them to the pipeline so that an input's position only moves once
 * its events are in the spool (logs_ckpt.h).
 *
 * Flow control: a record that cannot go now (the file's rate limit, the total budget, the
 * pipeline's queue full) is held by its input, which stops reading until it can: what is held
 * back stays unread in the file or the journal. Past the pipeline, the spool holds what the
 * server has not acknowledged; what it must drop past its bound is counted (spool_dropped). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "agent/logs/logs_ckpt.h"
#include "agent/logs/logs_files.h"
#include "agent/logs/logs_journal.h"
#include "agent/logs/logs_parser.h"
#include "agent/logs/logs_rate.h"
#include "agent/logs/logs_text.h"
#include "agent/module.h"
#include "agent/pipeline.h"
#include "common/log.h"
#include "common/util.h"

#define PUMP_BATCH 256
#define MAX_LINE_CAP (EVENT_MAX_STRING / 4) /* escaping may make a record 4 times longer */

struct logs_config {
    struct config_list files, exclude, multiline;
    uint64_t max_line;
    int64_t rate_limit, budget;
    bool read_from_head;
    char *journal, *journal_dir;
    uint64_t rotate_wait, scan_interval, multiline_flush;
};

static const struct config_option logs_options[] = {
    {"files", CFG_LIST,
     "/var/log/auth.log,/var/log/secure,/var/log/syslog,/var/log/messages,/var/log/kern.log,"
     "/var/log/cron,/var/log/audit/audit.log,/var/log/nginx/access.log,"
     "/var/log/apache2/access.log,/var/log/httpd/access_log",
     offsetof(struct logs_config, files),
     "Files to tail: paths and globs (symlinks followed; files that appear later are picked up)"},
    {"exclude", CFG_LIST, NULL, offsetof(struct logs_config, exclude),
     "Globs of files never read (compressed rotated files are always skipped)"},
    {"multiline", CFG_LIST, NULL, offsetof(struct logs_config, multiline),
     "Multiline records: `GLOB=REGEX`, a record of a matching file starts with a line matching "
     "REGEX (PCRE2) and takes the lines that follow"},
    {"max_line", CFG_SIZE, "32k", offsetof(struct logs_config, max_line),
     "Longest record kept (at most 256k); longer ones are cut, flagged line_truncated and counted"},
    {"rate_limit", CFG_INT, "20000", offsetof(struct logs_config, rate_limit),
     "Records per second read from one file at most (0: no limit); the rest waits in the file"},
    {"budget", CFG_INT, "50000", offsetof(struct logs_config, budget),
     "Records per second read from all inputs together at most (0: no limit)"},
    {"read_from_head", CFG_BOOL, "false", offsetof(struct logs_config, read_from_head),
     "On the agent's first run, read files that already exist from their start (else from "
     "their end); files that appear later are always read from their start"},
    {"journal", CFG_STR, "auto", offsetof(struct logs_config, journal),
     "Read the systemd journal: `auto` (when journal files exist), `on` or `off`"},
    {"journal_dir", CFG_STR, NULL, offsetof(struct logs_config, journal_dir),
     "Read the journal files of this directory instead of the system's journal"},
    {"rotate_wait", CFG_DURATION, "5s", offsetof(struct logs_config, rotate_wait),
     "How long a rotated or deleted file is still read after it last grew"},
    {"scan_interval", CFG_DURATION, "1s", offsetof(struct logs_config, scan_interval),
     "How often globs are expanded again and files checked for rotation and truncation "
     "(inotify wakes the scan earlier)"},
    {"multiline_flush", CFG_DURATION, "1s", offsetof(struct logs_config, multiline_flush),
     "A multiline record is complete when no line came for this long"},
    {NULL, CFG_STR, NULL, 0, NULL},
};

struct logs_state {
    const struct logs_config *cfg;
    struct pipeline *pipeline;
    struct logs_ckpt *ck;
    struct logs_files *files;
    struct logs_journal *journal;
    struct log_parse_ctx *pctx_files, *pctx_journal;
    struct buf esc;
    char hostname[256];
    pthread_t thread;
    bool running;
    int stop_fd;
    _Atomic bool stopping;
    struct logs_rate budget;
    _Atomic uint64_t events, lines, derived, escaped, held_budget, held_queue, journal_entries;
    char mode[48];
};

static bool take_budget(struct logs_state *st)
{
    if (logs_rate_take(&st->budget, time_mono_ns()))
        return true;
    atomic_fetch_add(&st->held_budget, 1);
    return false;
}

/* Parse the record of line (raw text set) and offer [line, derived...] with token. */
static int offer(struct logs_state *st, struct log_parse_ctx *pctx, struct log_record *r,
                 struct event *line, int slot, uint64_t token_pos, bool journal, const char *cursor)
{
    struct log_parse_out out = {.line = line};
    int rc = logs_parse(pctx, r, &out);
    if (rc < 0) {
        logs_parse_out_clear(&out);
        event_free(line);
        return -EAGAIN; /* out of memory: try again later */
    }
    struct event *group[1 + LOG_DERIVED_MAX];
    size_t n = 0;
    group[n++] = line;
    for (size_t i = 0; i < out.nderived; i++)
        group[n++] = out.derived[i];
    uint64_t token;
    if (journal) {
        if (logs_ckpt_offer_journal(st->ck, slot, token_pos, cursor, &token)) {
            for (size_t i = 0; i < n; i++)
                event_free(group[i]);
            atomic_fetch_add(&st->held_queue, 1);
            return -EAGAIN;
        }
    } else {
        token = logs_ckpt_offer(st->ck, slot, token_pos);
    }
    rc = pipeline_offer(st->pipeline, group, n, &st->ck->tracker, token);
    if (rc) {
        logs_ckpt_unoffer(st->ck, slot);
        for (size_t i = 0; i < n; i++)
            event_free(group[i]);
        atomic_fetch_add(&st->held_queue, 1);
        return -EAGAIN;
    }
    atomic_fetch_add(&st->events, n);
    atomic_fetch_add(&st->lines, 1);
    atomic_fetch_add(&st->derived, out.nderived);
    return 0;
}

/* The raw column: the text as it is when clean, else escaped (r->text then points at it). */
static void add_raw(struct logs_state *st, struct event *line, struct log_record *r,
                    const char *text, size_t len)
{
    if (logs_text_clean(text, len)) {
        event_add_strn(line, FLD_RAW, text, len);
        r->text = text;
        r->len = len;
        return;
    }
    buf_reset(&st->esc);
    if (logs_text_escape(text, len, &st->esc)) {
        r->text = "";
        r->len = 0;
        return;
    }
    event_add_strn(line, FLD_RAW, (const char *)st->esc.data, st->esc.len);
    event_add_int(line, FLD_LINE_ESCAPED, 1);
    atomic_fetch_add(&st->escaped, 1);
    r->text = (const char *)st->esc.data;
    r->len = st->esc.len;
}

static int emit_file(void *ctx, const struct logs_file_record *rec)
{
    struct logs_state *st = ctx;
    if (!take_budget(st))
        return -EAGAIN;
    struct event *line = event_new(TBL_LOG_EVENTS, "line");
    if (!line)
        return -EAGAIN;
    struct log_record r = {.pid = -1, .severity = -1, .facility = -1};
    event_add_str(line, FLD_LOG_INPUT, "file");
    event_add_str(line, FLD_LOG_FILE, rec->log_file);
    event_add_int(line, FLD_INODE, (int64_t)rec->ino);
    event_add_int(line, FLD_LOG_OFFSET, (int64_t)rec->start);
    event_add_int(line, FLD_LINE_LENGTH, (int64_t)rec->total);
    if (rec->total > rec->len)
        event_add_int(line, FLD_LINE_TRUNCATED, 1);
    add_raw(st, line, &r, rec->text, rec->len);
    int rc = offer(st, st->pctx_files, &r, line, rec->slot, rec->end, false, NULL);
    if (rc)
        logs_rate_give_back(&st->budget);
    return rc;
}

static int emit_journal(void *ctx, const struct logs_journal_record *rec)
{
    struct logs_state *st = ctx;
    if (!take_budget(st))
        return -EAGAIN;
    struct event *line = event_new(TBL_LOG_EVENTS, "line");
    if (!line)
        return -EAGAIN;
    struct log_record r = {.pid = rec->pid, .severity = rec->severity,
                           .facility = rec->facility, .time_ns = rec->time_ns, .framed = true};
    str_copy(r.host, rec->host, sizeof(r.host));
    str_copy(r.program, rec->program, sizeof(r.program));
    event_add_str(line, FLD_LOG_INPUT, "journal");
    if (rec->unit[0])
        event_add_str(line, FLD_UNIT, rec->unit);
    event_add_str(line, FLD_JOURNAL_CURSOR, rec->cursor);
    event_add_int(line, FLD_LINE_LENGTH, (int64_t)rec->message_len);
    add_raw(st, line, &r, rec->message, rec->message_len);
    r.msg = r.text;
    int rc = offer(st, st->pctx_journal, &r, line, rec->slot, rec->entry, true, rec->cursor);
    if (rc)
        logs_rate_give_back(&st->budget);
    if (!rc)
        atomic_fetch_add(&st->journal_entries, 1);
    return rc;
}

static void *logs_main(void *arg)
{
    struct logs_state *st = arg;
    uint64_t next_scan = 0;
    bool rescan = true;
    while (!atomic_load(&st->stopping)) {
        uint64_t now = time_mono_ns();
        if (st->files && (rescan || now >= next_scan)) {
            logs_files_scan(st->files);
            next_scan = now + st->cfg->scan_interval * 1000000ull;
            rescan = false;
        }
        size_t n = 0;
        if (st->files)
            n += logs_files_pump(st->files, PUMP_BATCH);
        if (st->journal)
            n += logs_journal_pump(st->journal, PUMP_BATCH);
        if (n)
            continue;
        int timeout = (int)(st->cfg->scan_interval ? st->cfg->scan_interval : 1000);
        if (st->files) {
            int t = logs_files_timeout_ms(st->files);
            if (t >= 0 && t < timeout)
                timeout = t;
        }
        int bw = logs_rate_wait_ms(&st->budget);
        if (bw > 0 && bw < timeout)
            timeout = bw;
        struct pollfd pf[3] = {{.fd = st->stop_fd, .events = POLLIN},
                               {.fd = st->files ? logs_files_fd(st->files) : -1, .events = POLLIN},
                               {.fd = st->journal ? logs_journal_fd(st->journal) : -1,
                                .events = POLLIN}};
        if (poll(pf, 3, timeout) > 0) {
            if (pf[1].revents & POLLIN)
                rescan |= logs_files_drain_events(st->files);
            if (pf[2].revents & POLLIN)
                logs_journal_process(st->journal);
        }
    }
    return NULL;
}

static void logs_stop(void *state)
{
    struct logs_state *st = state;
    if (!st)
        return;
    if (st->running) {
        atomic_store(&st->stopping, true);
        uint64_t one = 1;
        if (write(st->stop_fd, &one, sizeof(one)) < 0)
            log_warn("logs: cannot wake the reader thread: %s", strerror(errno));
        pthread_join(st->thread, NULL);
    }
    /* the pipeline still calls the checkpoint's tracker for records in flight: wait for them */
    bool idle = true;
    if (st->ck) {
        uint64_t end = time_mono_ns() + 10000000000ull;
        while (!(idle = logs_ckpt_idle(st->ck)) && time_mono_ns() < end)
            usleep(2000);
    }
    logs_files_free(st->files);
    logs_journal_free(st->journal);
    logs_parse_ctx_free(st->pctx_files);
    logs_parse_ctx_free(st->pctx_journal);
    if (idle)
        logs_ckpt_free(st->ck);
    else
        log_error("logs: the spool did not take the last records in 10 s: the checkpoint is "
                  "kept in memory (they are read again at the next start)");
    buf_free(&st->esc);
    if (st->stop_fd >= 0)
        close(st->stop_fd);
    free(st);
}

static int logs_start(const struct agent_module_ctx *ctx, const void *config, void **state,
                      struct vg_error *err)
{
    const struct logs_config *cfg = config;
    int rc = 0;
    struct logs_state *st = calloc(1, sizeof(*st));
    if (!st)
        return vg_error_set(err, -ENOMEM, "logs: out of memory");
    st->cfg = cfg;
    st->pipeline = ctx->pipeline;
    st->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    logs_rate_init(&st->budget, (double)cfg->budget, time_mono_ns());
    const char *jmode = cfg->journal && cfg->journal[0] ? cfg->journal : "auto";
    if (strcmp(jmode, "auto") && strcmp(jmode, "on") && strcmp(jmode, "off")) {
        rc = vg_error_set(err, -EINVAL, "logs.journal: \"%s\" is not auto, on or off", jmode);
        goto fail;
    }
    if (cfg->max_line > MAX_LINE_CAP || cfg->max_line < 64) {
        rc = vg_error_set(err, -EINVAL, "logs.max_line: %llu is not between 64 and %u bytes",
                          (unsigned long long)cfg->max_line, MAX_LINE_CAP);
        goto fail;
    }
    if (st->stop_fd < 0) {
        rc = vg_error_set(err, -errno, "logs: eventfd: %s", strerror(errno));
        goto fail;
    }
    if (!(st->pctx_files = logs_parse_ctx_new(err)) || !(st->pctx_journal = logs_parse_ctx_new(err))) {
        rc = -EINVAL;
        goto fail;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/logs.checkpoint", ctx->state_dir);
    if ((rc = logs_ckpt_open(path, pipeline_first_seq(ctx->pipeline), &st->ck, err)))
        goto fail;
    if (cfg->files.count) {
        struct logs_files_options fo = {
            .paths = &cfg->files, .exclude = &cfg->exclude, .multiline = &cfg->multiline,
            .max_line = cfg->max_line, .read_from_head = cfg->read_from_head,
            .rotate_wait_ms = cfg->rotate_wait, .multiline_flush_ms = cfg->multiline_flush,
            .rate_limit = (double)cfg->rate_limit,
        };
        if ((rc = logs_files_new(&fo, st->ck, emit_file, st, &st->files, err)))
            goto fail;
    }
    bool want_journal = !strcmp(jmode, "on") ||
                        (!strcmp(jmode, "auto") && logs_journal_available(cfg->journal_dir));
    if (want_journal) {
        struct vg_error jerr = {{0}};
        rc = logs_journal_open(cfg->journal_dir, st->ck, cfg->read_from_head, emit_journal, st,
                               &st->journal, &jerr);
        if (rc && !strcmp(jmode, "on")) {
            vg_error_set(err, rc, "logs: %s", vg_error_str(&jerr, rc));
            goto fail;
        }
        if (rc)
            log_warn("logs: the journal cannot be read: %s", vg_error_str(&jerr, rc));
        rc = 0;
    }
    snprintf(st->mode, sizeof(st->mode), "%s%s%s", st->files ? "files" : "",
             st->files && st->journal ? "+" : "", st->journal ? "journal" : "");
    if (!st->mode[0])
        str_copy(st->mode, "idle", sizeof(st->mode));
    log_info("logs: collecting from %zu path pattern(s)%s; checkpoint %s", cfg->files.count,
             st->journal ? " and the journal" : "", path);
    if ((rc = pthread_create(&st->thread, NULL, logs_main, st))) {
        rc = vg_error_set(err, -rc, "logs: cannot start the reader thread");
        goto fail;
    }
    st->running = true;
    *state = st;
    return 0;
fail:
    logs_stop(st);
    return rc;
}

static void logs_status(void *state, struct module_status *ms)
{
    struct logs_state *st = state;
    str_copy(ms->mode, st->mode, sizeof(ms->mode));
    ms->events = atomic_load(&st->events);
    ms->lost = 0; /* held records wait in their files; nothing is dropped here */
}

/* Task "logs.status": the collector's counters and files. */
static int task_status(void *state, json_t *payload, json_t **result, struct vg_error *err)
{
    struct logs_state *st = state;
    (void)payload;
    (void)err;
    json_t *r = json_object();
    json_object_set_new(r, "mode", json_string(st->mode));
    json_object_set_new(r, "records", json_integer((json_int_t)atomic_load(&st->lines)));
    json_object_set_new(r, "events", json_integer((json_int_t)atomic_load(&st->events)));
    json_object_set_new(r, "derived", json_integer((json_int_t)atomic_load(&st->derived)));
    json_object_set_new(r, "escaped", json_integer((json_int_t)atomic_load(&st->escaped)));
    json_object_set_new(r, "held_budget", json_integer((json_int_t)atomic_load(&st->held_budget)));
    json_object_set_new(r, "held_queue", json_integer((json_int_t)atomic_load(&st->held_queue)));
    json_object_set_new(r, "journal_entries",
                        json_integer((json_int_t)atomic_load(&st->journal_entries)));
    if (st->files) {
        struct logs_files_stats fs;
        logs_files_get_stats(st->files, &fs); /* counters read racily: for display */
        json_object_set_new(r, "files_followed", json_integer((json_int_t)fs.files));
        json_object_set_new(r, "bytes", json_integer((json_int_t)fs.bytes));
        json_object_set_new(r, "cut_records", json_integer((json_int_t)fs.cut_records));
        json_object_set_new(r, "cut_bytes", json_integer((json_int_t)fs.cut_bytes));
        json_object_set_new(r, "rotations", json_integer((json_int_t)fs.rotations));
        json_object_set_new(r, "truncations", json_integer((json_int_t)fs.truncations));
        json_object_set_new(r, "held_rate", json_integer((json_int_t)fs.held));
        json_object_set_new(r, "lost_rotated", json_integer((json_int_t)fs.lost_rotated));
    }
    *result = r;
    return 0;
}

static const struct agent_task_handler logs_tasks[] = {
    {"logs.status", task_status},
    {NULL, NULL},
};

const struct agent_module logs_module = {
    .name = "logs",
    .options = logs_options,
    .config_size = sizeof(struct logs_config),
    .start = logs_start,
    .stop = logs_stop,
    .status = logs_status,
    .tasks = logs_tasks,
};
