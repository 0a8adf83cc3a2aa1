/* detect_module.c - the detection engine on the agent ("detect"): loads the rule folders at
 * start, runs every event through the engine as a pipeline processor (on the writer thread, in
 * order) and emits alerts right after the event that completed them, so an alert is spooled
 * and sent like any event. Ancestry comes from the process table when the event has no
 * `ancestry` field. Registered first in modules.c so that it sees the sensors' first events. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/detect/detect_yara.h"
#include "agent/live/live.h"
#include "agent/host.h"
#include "agent/module.h"
#include "agent/pipeline.h"
#include "agent/proctable.h"
#include "common/log.h"
#include "common/util.h"
#include "engine/engine.h"

#ifndef VIGIL_RULES_DIR
#define VIGIL_RULES_DIR "/usr/local/share/vigil/rules"
#endif

struct detect_config {
    bool enabled;
    struct config_list rules;
    struct config_list ioc;
    struct config_list yara;
    uint64_t dedup_window;
};

static const struct config_option detect_options[] = {
    {"enabled", CFG_BOOL, "true", offsetof(struct detect_config, enabled),
     "Run the detection engine on every event"},
    {"rules", CFG_LIST, VIGIL_RULES_DIR, offsetof(struct detect_config, rules),
     "Rule files or folders (Sigma and native YAML, searched recursively)"},
    {"ioc", CFG_LIST, NULL, offsetof(struct detect_config, ioc),
     "Indicator feeds: CSV (type,value[,description]), STIX 2.1 bundles, MISP event JSON"},
    {"yara", CFG_LIST, VIGIL_RULES_DIR "/yara", offsetof(struct detect_config, yara),
     "YARA rule files or folders: new executables and scripts in writable places and files "
     "written into web roots are scanned (off the pipeline thread), and on demand (task yara.scan)"},
    {"dedup_window", CFG_DURATION, "5m", offsetof(struct detect_config, dedup_window),
     "Repeats of an alert within this window are counted into one (rules may say otherwise)"},
    {NULL, CFG_STR, NULL, 0, NULL},
};

#define ANC_DEPTH 8

struct detect_state {
    struct engine *eng;
    struct pipeline *pipeline;
    struct proctable *procs;
    struct proc_snapshot *anc; /* ANC_DEPTH snapshots for the ancestry provider */
    struct dyara *yara;        /* NULL without YARA rules */
    pthread_mutex_t eng_lock;  /* the pipeline matches under it; rules.update swaps under it */
    const struct detect_config *cfg;
    char state_dir[4096], host[256];
    size_t rules, skipped;
    uint64_t alerts;
};

static void on_report(void *ctx, const struct engine_report *r)
{
    (void)ctx;
    log_warn("detect: rule not loaded: %s id=%s %s: %s", r->file, r->rule_id, r->construct,
             r->reason);
}

/* The ancestors of ev's process from the process table, parent first. */
static int ancestry(void *ctx, const struct event *ev, struct engine_ancestor *out, int max)
{
    struct detect_state *d = ctx;
    int64_t ppid = 0;
    if (!event_get_int(ev, FLD_PPID, &ppid) || ppid <= 0)
        return 0;
    int n = 0;
    int32_t pid = (int32_t)ppid;
    while (pid > 0 && n < max && n < ANC_DEPTH) {
        struct proc_snapshot *s = &d->anc[n];
        if (!proctable_get(d->procs, pid, s))
            break;
        out[n] = (struct engine_ancestor){
            .entity_id = s->entity_id, .exe = s->exe, .cmdline = s->cmdline, .comm = s->comm,
            .pid = s->pid, .uid = s->uid, .euid = s->euid,
        };
        n++;
        if (s->ppid == pid)
            break;
        pid = s->ppid;
    }
    return n;
}

static void on_alert(void *ctx, struct event *alert)
{
    struct detect_state *d = ctx;
    d->alerts++;
    pipeline_emit(d->pipeline, alert);
}

static int detect_process(void *ctx, struct pipeline *p, struct event *ev)
{
    struct detect_state *d = ctx;
    if (ev->table == TBL_ALERTS || ev->table == TBL_AGENT_EVENTS)
        return 0;
    uint64_t seq = pipeline_next_seq(p);
    pthread_mutex_lock(&d->eng_lock); /* uncontended except while a rule update swaps */
    engine_match(d->eng, ev, seq, on_alert, d);
    engine_flush(d->eng, ev->time_ns, on_alert, d);
    pthread_mutex_unlock(&d->eng_lock);
    dyara_offer(d->yara, ev, seq);
    return 0;
}

/* Where rule updates from the server are kept (they survive restarts). */
static void update_dir(const struct detect_state *d, const char *which, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/detect-%s", d->state_dir, which);
}

/* A new engine from the configured folders and feeds plus the server's update in dir (may be
 * NULL). report receives what did not load. */
static int build_engine(struct detect_state *d, const char *dir, engine_report_fn report,
                        void *report_ctx, struct engine **out, struct vg_error *err)
{
    const struct detect_config *cfg = d->cfg;
    struct engine_options opt = {
        .state_dir = d->state_dir, .dedup_window_ns = cfg->dedup_window * 1000000ull,
        .report = report, .report_ctx = report_ctx,
    };
    struct engine *e = NULL;
    char path[4200];
    int rc = engine_new(&opt, &e, err);
    if (rc)
        return rc;
    engine_set_host(e, d->host);
    engine_set_ancestry(e, ancestry, d);
    for (size_t i = 0; i <= cfg->rules.count; i++) {
        const char *p = i < cfg->rules.count ? cfg->rules.items[i] : NULL;
        if (!p) {
            if (!dir)
                break;
            snprintf(path, sizeof(path), "%s/rules", dir);
            if (access(path, F_OK) != 0)
                break;
            p = path;
        }
        rc = engine_load_path(e, p, err);
        if (rc < 0)
            log_warn("detect: %s", vg_error_str(err, rc)); /* other folders still load */
    }
    if ((rc = engine_compile(e, err))) {
        engine_free(e);
        return rc;
    }
    for (size_t i = 0; i <= cfg->ioc.count; i++) {
        const char *p = i < cfg->ioc.count ? cfg->ioc.items[i] : NULL;
        DIR *dd = NULL;
        if (!p) { /* the server's feeds: every file of dir/ioc */
            snprintf(path, sizeof(path), "%s/ioc", dir ? dir : "");
            if (!dir || !(dd = opendir(path)))
                break;
            struct dirent *de;
            while ((de = readdir(dd))) {
                char f[4600];
                if (de->d_name[0] == '.')
                    continue;
                snprintf(f, sizeof(f), "%s/%s", path, de->d_name);
                rc = engine_load_ioc_path(e, f, err);
                if (rc < 0)
                    log_warn("detect: %s", vg_error_str(err, rc));
            }
            closedir(dd);
            break;
        }
        rc = engine_load_ioc_path(e, p, err);
        if (rc < 0)
            log_warn("detect: %s", vg_error_str(err, rc)); /* the other feeds still load */
        else
            log_info("detect: %d indicators from %s", rc, p);
    }
    *out = e;
    return 0;
}

static void detect_stop(void *state)
{
    struct detect_state *d = state;
    if (!d)
        return;
    pipeline_remove_processor(d->pipeline, d);
    dyara_stop(d->yara);
    engine_free(d->eng);
    pthread_mutex_destroy(&d->eng_lock);
    free(d->anc);
    free(d);
}

static int detect_start(const struct agent_module_ctx *ctx, const void *config, void **state,
                        struct vg_error *err)
{
    const struct detect_config *cfg = config;
    int rc = 0;
    *state = NULL;
    struct detect_state *d = calloc(1, sizeof(*d));
    if (!d || !(d->anc = calloc(ANC_DEPTH, sizeof(*d->anc)))) {
        free(d);
        return vg_error_set(err, -ENOMEM, "detect: out of memory");
    }
    pthread_mutex_init(&d->eng_lock, NULL);
    d->pipeline = ctx->pipeline;
    d->procs = ctx->procs;
    d->cfg = cfg;
    str_copy(d->state_dir, ctx->state_dir, sizeof(d->state_dir));
    str_copy(d->host, ctx->host->hostname, sizeof(d->host));
    if (!cfg->enabled) {
        *state = d;
        return 0;
    }
    char dir[4200];
    update_dir(d, "current", dir, sizeof(dir));
    if ((rc = build_engine(d, access(dir, F_OK) == 0 ? dir : NULL, on_report, NULL, &d->eng, err)))
        goto fail;
    struct engine_stats st;
    engine_get_stats(d->eng, &st);
    d->rules = st.rules;
    d->skipped = st.rules_skipped;
    log_info("detect: %zu rules loaded (%zu not loaded), %zu predicates in %zu databases",
             st.rules, st.rules_skipped, st.predicates, st.databases);
    if ((rc = dyara_start(&cfg->yara, ctx->pipeline, &d->yara, err)))
        goto fail;
    if ((rc = pipeline_add_processor(ctx->pipeline, "detect", detect_process, d))) {
        vg_error_set(err, rc, "detect: cannot register the pipeline processor");
        goto fail;
    }
    *state = d;
    return 0;
fail:
    detect_stop(d);
    return rc;
}

/* A file name the server may send: a plain name with the right ending. */
static bool safe_name(const char *n, bool feed)
{
    size_t l = strlen(n);
    if (!l || l > 128 || n[0] == '.')
        return false;
    for (size_t i = 0; i < l; i++)
        if (!(isalnum((unsigned char)n[i]) || n[i] == '.' || n[i] == '_' || n[i] == '-'))
            return false;
    if (feed)
        return (l > 4 && (!strcmp(n + l - 4, ".csv") || !strcmp(n + l - 5, ".json")));
    return (l > 4 && !strcmp(n + l - 4, ".yml")) || (l > 5 && !strcmp(n + l - 5, ".yaml"));
}

/* Write the files of obj (name -> text) into dir. */
static int write_files(json_t *obj, const char *dir, bool feed, struct vg_error *err)
{
    const char *name;
    json_t *text;
    int rc = dir_make(dir, 0700);
    if (rc)
        return vg_error_set(err, rc, "%s: %s", dir, strerror(-rc));
    json_object_foreach(obj, name, text) {
        if (!safe_name(name, feed) || !json_is_string(text) || json_string_length(text) > (8u << 20))
            return vg_error_set(err, -EINVAL, "rules.update: \"%.60s\" is not a %s file name with "
                                "text (at most 8 MiB)", name, feed ? ".csv/.json feed" : ".yml rule");
        char path[4400];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        if ((rc = file_write_atomic(path, json_string_value(text), json_string_length(text), 0600)))
            return vg_error_set(err, rc, "%s: %s", path, strerror(-rc));
    }
    return 0;
}

struct update_report {
    json_t *list;
};

static void on_update_report(void *ctx, const struct engine_report *r)
{
    struct update_report *u = ctx;
    if (json_array_size(u->list) < 200)
        json_array_append_new(u->list, json_pack("{s:s, s:s, s:s, s:s}", "file", r->file, "id",
                                                 r->rule_id, "construct", r->construct, "reason", r->reason));
}

/* rules.update: payload {"rules": {"x.yml": TEXT, ...}, "ioc": {"f.csv": TEXT, ...}} replaces
 * the rules and feeds the server sent before (an empty payload keeps them: a reload). The new
 * set is built and compiled first; the running one is replaced only when that worked. */
static int task_rules_update(void *state, json_t *payload, json_t **result, struct vg_error *err)
{
    struct detect_state *d = state;
    if (!d->eng)
        return vg_error_set(err, -ENOTSUP, "rules.update: detection is disabled on this agent");
    char cur[4200], next[4200], sub[4300];
    update_dir(d, "current", cur, sizeof(cur));
    update_dir(d, "next", next, sizeof(next));
    json_t *rules = json_object_get(payload, "rules"), *ioc = json_object_get(payload, "ioc");
    bool replace = json_is_object(rules) || json_is_object(ioc);
    int rc = 0;
    struct engine *e = NULL;
    struct update_report rep = {json_array()};
    if (replace) {
        dir_remove_tree(next);
        snprintf(sub, sizeof(sub), "%s/rules", next);
        if ((rc = write_files(json_is_object(rules) ? rules : json_object(), sub, false, err)))
            goto cleanup;
        snprintf(sub, sizeof(sub), "%s/ioc", next);
        if (json_is_object(ioc) && (rc = write_files(ioc, sub, true, err)))
            goto cleanup;
    }
    const char *use = replace ? next : access(cur, F_OK) == 0 ? cur : NULL;
    if ((rc = build_engine(d, use, on_update_report, &rep, &e, err)))
        goto cleanup;
    if (replace) { /* keep it across restarts */
        dir_remove_tree(cur);
        if (rename(next, cur) < 0) {
            rc = vg_error_set(err, -errno, "%s: %s", cur, strerror(errno));
            goto cleanup;
        }
    }
    struct engine_stats st;
    engine_get_stats(e, &st);
    pthread_mutex_lock(&d->eng_lock);
    struct engine *old = d->eng;
    d->eng = e;
    d->rules = st.rules;
    d->skipped = st.rules_skipped;
    pthread_mutex_unlock(&d->eng_lock);
    engine_free(old);
    e = NULL;
    log_info("detect: rules updated: %zu loaded, %zu not loaded", st.rules, st.rules_skipped);
    *result = json_pack("{s:I, s:I, s:O}", "rules", (json_int_t)st.rules, "not_loaded",
                        (json_int_t)st.rules_skipped, "reports", rep.list);
cleanup:
    engine_free(e);
    if (replace)
        dir_remove_tree(next);
    json_decref(rep.list);
    return rc;
}

static void detect_status(void *state, struct module_status *st)
{
    struct detect_state *d = state;
    if (!d->eng)
        snprintf(st->mode, sizeof(st->mode), "disabled");
    else
        snprintf(st->mode, sizeof(st->mode), "rules:%zu", d->rules);
    st->events = d->alerts;
}

static int task_yara_scan(void *state, json_t *payload, json_t **result, struct vg_error *err)
{
    struct detect_state *d = state;
    return dyara_task(d->yara, payload, result, err);
}

/* Live table `yara`: one row per rule matching the file (WHERE path = ...), or one row with no
 * rule when none does, or with the error. */
static int live_yara(void *state, const struct live_table *table, const char *path,
                     struct live_rows *rows, struct vg_error *err)
{
    (void)table;
    struct detect_state *d = state;
    (void)err;
    json_t *matches = json_array();
    struct vg_error e = {{0}};
    int rc = dyara_match_file(d->yara, path, matches, &e);
    size_t i;
    json_t *m;
    json_array_foreach(matches, i, m) {
        if ((rc = live_row_begin(rows)))
            break;
        live_col_text(rows, path);
        live_col_text(rows, json_string_value(json_object_get(m, "rule")));
        live_col_text(rows, json_string_value(json_object_get(m, "title")));
        live_col_text(rows, json_string_value(json_object_get(m, "severity")));
        live_col_text(rows, json_string_value(json_object_get(m, "technique")));
        live_col_null(rows);
    }
    if (rc <= 0 && !json_array_size(matches)) {
        int r2 = live_row_begin(rows);
        if (!r2) {
            live_col_text(rows, path);
            for (int k = 0; k < 4; k++)
                live_col_null(rows);
            if (rc < 0)
                live_col_text(rows, e.msg);
            else
                live_col_null(rows);
        }
        rc = r2;
    }
    json_decref(matches);
    return rc < 0 ? rc : 0;
}

static const struct live_table detect_live_tables[] = {
    {"yara", "path TEXT, rule TEXT, title TEXT, severity TEXT, technique TEXT, error TEXT", "path",
     "The YARA rules matching one file now (WHERE path = '/abs/path'): a row per rule, or one "
     "row without a rule when none matches", live_yara},
    {NULL, NULL, NULL, NULL, NULL},
};

static const struct agent_task_handler detect_tasks[] = {
    {"yara.scan", task_yara_scan},
    {"rules.update", task_rules_update},
    {NULL, NULL},
};

const struct agent_module detect_module = {
    .name = "detect",
    .options = detect_options,
    .config_size = sizeof(struct detect_config),
    .start = detect_start,
    .stop = detect_stop,
    .status = detect_status,
    .tasks = detect_tasks,
    .live_tables = detect_live_tables,
};
