/* detect_module.c - the detection engine on the agent ("detect"): loads the rule folders at
 * start, runs every event through the engine as a pipeline processor (on the writer thread, in
 * order) and emits alerts right after the event that completed them, so an alert is spooled
 * and sent like any event. Ancestry comes from the process table when the event has no
 * `ancestry` field. Registered first in modules.c so that it sees the sensors' first events. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/detect/detect_yara.h"
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
    engine_match(d->eng, ev, seq, on_alert, d);
    dyara_offer(d->yara, ev, seq);
    engine_flush(d->eng, ev->time_ns, on_alert, d);
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
        rc = vg_error_set(err, -ENOMEM, "detect: out of memory");
        goto fail;
    }
    d->pipeline = ctx->pipeline;
    d->procs = ctx->procs;
    if (!cfg->enabled) {
        *state = d;
        return 0;
    }
    struct engine_options opt = {
        .state_dir = ctx->state_dir, .dedup_window_ns = cfg->dedup_window * 1000000ull,
        .report = on_report,
    };
    if ((rc = engine_new(&opt, &d->eng, err)))
        goto fail;
    engine_set_host(d->eng, ctx->host->hostname);
    engine_set_ancestry(d->eng, ancestry, d);
    for (size_t i = 0; i < cfg->rules.count; i++) {
        rc = engine_load_path(d->eng, cfg->rules.items[i], err);
        if (rc < 0) {
            log_warn("detect: %s", vg_error_str(err, rc)); /* other folders still load */
            rc = 0;
        }
    }
    if ((rc = engine_compile(d->eng, err)))
        goto fail;
    for (size_t i = 0; i < cfg->ioc.count; i++) {
        rc = engine_load_ioc_path(d->eng, cfg->ioc.items[i], err);
        if (rc < 0)
            log_warn("detect: %s", vg_error_str(err, rc)); /* the other feeds still load */
        else
            log_info("detect: %d indicators from %s", rc, cfg->ioc.items[i]);
        rc = 0;
    }
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
    if (d) {
        dyara_stop(d->yara);
        engine_free(d->eng);
        free(d->anc);
        free(d);
    }
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

static const struct agent_task_handler detect_tasks[] = {
    {"yara.scan", task_yara_scan},
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
};
