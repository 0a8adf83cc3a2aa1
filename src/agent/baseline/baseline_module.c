/* baseline_module.c - the baseline self-check as an agent module ("baseline"): its options,
 * a worker (periodic.h) that runs every policy on a schedule (interval plus random jitter, at
 * low CPU priority) and on demand (task `baseline.run`), and its status.
 *
 * A task only queues a run and answers at once with the run id; the results arrive as events
 * (baseline_checks, baseline_runs, baseline_changes) like those of scheduled runs. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/baseline/baseline_run.h"
#include "agent/module.h"
#include "agent/periodic.h"
#include "agent/pipeline.h"
#include "common/log.h"
#include "common/util.h"

#ifndef VIGIL_POLICY_DIR
#define VIGIL_POLICY_DIR "/usr/local/share/vigil/policies"
#endif

struct baseline_config {
    bool enabled;
    struct config_list policies;
    uint64_t interval_ms;
    uint64_t jitter_ms;
    uint64_t start_delay_ms;
    uint64_t command_timeout_ms;
    uint64_t command_output_max;
    bool commands;
    int64_t nice;
};

static const struct config_option baseline_options[] = {
    {"enabled", CFG_BOOL, "true", offsetof(struct baseline_config, enabled),
     "Evaluate the baseline policies on this host"},
    {"policies", CFG_LIST, VIGIL_POLICY_DIR, offsetof(struct baseline_config, policies),
     "Policy files (Wazuh SCA YAML) and directories of them (.yml and .yaml files); each policy's "
     "requirements decide whether it applies to the host"},
    {"interval", CFG_DURATION, "12h", offsetof(struct baseline_config, interval_ms),
     "Time between scheduled runs"},
    {"jitter", CFG_DURATION, "10m", offsetof(struct baseline_config, jitter_ms),
     "Random extra delay added to each scheduled run, so a fleet does not run at once"},
    {"start_delay", CFG_DURATION, "5m", offsetof(struct baseline_config, start_delay_ms),
     "Delay of the first run after the agent starts (plus jitter), so a booting host settles "
     "first"},
    {"command_timeout", CFG_DURATION, "30s", offsetof(struct baseline_config, command_timeout_ms),
     "Time a command of a c: rule may take; past it the command is killed and the rule is "
     "not applicable"},
    {"command_output_max", CFG_SIZE, "1M", offsetof(struct baseline_config, command_output_max),
     "Output of a command kept for matching (the rest is read and dropped)"},
    {"commands", CFG_BOOL, "true", offsetof(struct baseline_config, commands),
     "Run the commands of c: rules (false: such rules are not applicable)"},
    {"nice", CFG_INT, "10", offsetof(struct baseline_config, nice),
     "CPU niceness of the baseline thread and its commands (0-19)"},
    {NULL, CFG_STR, NULL, 0, NULL},
};

struct baseline_state {
    const struct baseline_config *cfg;
    struct pipeline *pipeline;
    char state_path[4096];
    struct periodic worker;
    bool disabled; /* baseline.enabled: false (kept so status and tasks can say so) */
    /* a run asked for by a task (served before the schedule) */
    pthread_mutex_t req_lock;
    char requested_id[64];
    char requested_policy[130];
    _Atomic uint64_t events;
    _Atomic uint64_t runs;
    char last_error[256];
};

static void emit_to_pipeline(void *ctx, struct event *ev)
{
    struct baseline_state *st = ctx;
    if (pipeline_submit(st->pipeline, ev) == 0)
        atomic_fetch_add(&st->events, 1);
}

static void run_once(struct baseline_state *st, const char *trigger, const char *run_id,
                     const char *policy)
{
    const struct baseline_config *cfg = st->cfg;
    struct baseline_run_options o = {
        .paths = &cfg->policies,
        .only_policy = policy && *policy ? policy : NULL,
        .state_path = st->state_path,
        .trigger = trigger,
        .run_id = run_id && *run_id ? run_id : NULL,
        .eval = {.command_timeout_ms = cfg->command_timeout_ms,
                 .command_max_output = (size_t)cfg->command_output_max,
                 .commands = cfg->commands},
        .emit = emit_to_pipeline,
        .emit_ctx = st,
    };
    struct baseline_run_totals t;
    struct vg_error err = {{0}};
    uint64_t start = time_mono_ns();
    int rc = baseline_run(&o, &t, &err);
    atomic_fetch_add(&st->runs, 1);
    if (rc) {
        log_error("baseline: run failed: %s", vg_error_str(&err, rc));
        pthread_mutex_lock(&st->req_lock);
        str_copy(st->last_error, vg_error_str(&err, rc), sizeof(st->last_error));
        pthread_mutex_unlock(&st->req_lock);
        return;
    }
    if (t.policies_run + t.policies_skipped + t.policies_failed == 0)
        log_warn("baseline: no policy found under the configured paths (baseline.policies)");
    log_info("baseline: %s run done in %llu ms: %zu policies run, %zu skipped, %zu unreadable; "
             "%zu passed, %zu failed, %zu not applicable; %zu regressed, %zu fixed",
             trigger, (unsigned long long)((time_mono_ns() - start) / 1000000ull),
             t.policies_run, t.policies_skipped, t.policies_failed, t.passed, t.failed,
             t.not_applicable, t.regressed, t.fixed);
}

/* The worker's run: a task's request (its run id and policy), or the schedule's. */
static void baseline_work(void *ctx, bool on_demand)
{
    struct baseline_state *st = ctx;
    char run_id[64] = "", policy[130] = "";
    if (on_demand) {
        pthread_mutex_lock(&st->req_lock);
        str_copy(run_id, st->requested_id, sizeof(run_id));
        str_copy(policy, st->requested_policy, sizeof(policy));
        pthread_mutex_unlock(&st->req_lock);
    }
    run_once(st, on_demand ? "on_demand" : "scheduled", run_id, policy);
}

static void baseline_stop(void *state)
{
    struct baseline_state *st = state;
    if (!st)
        return;
    periodic_stop(&st->worker);
    pthread_mutex_destroy(&st->req_lock);
    free(st);
}

static int baseline_start(const struct agent_module_ctx *ctx, const void *config, void **state,
                          struct vg_error *err)
{
    const struct baseline_config *cfg = config;
    *state = NULL;
    if (cfg->interval_ms < 1000)
        return vg_error_set(err, -EINVAL, "baseline.interval must be at least 1s");
    struct baseline_state *st = calloc(1, sizeof(*st));
    if (!st)
        return vg_error_set(err, -ENOMEM, "baseline: out of memory");
    st->cfg = cfg;
    st->pipeline = ctx->pipeline;
    pthread_mutex_init(&st->req_lock, NULL);
    snprintf(st->state_path, sizeof(st->state_path), "%s/baseline-state.json", ctx->state_dir);
    if (!cfg->enabled) {
        st->disabled = true;
        log_info("baseline: disabled (baseline.enabled: false)");
        *state = st;
        return 0;
    }
    st->worker = (struct periodic){.name = "baseline", .start_delay_ms = cfg->start_delay_ms,
                                   .interval_ms = cfg->interval_ms, .jitter_ms = cfg->jitter_ms,
                                   .nice = cfg->nice, .run = baseline_work, .ctx = st};
    int rc = periodic_start(&st->worker, err);
    if (rc) {
        baseline_stop(st);
        return rc;
    }
    for (size_t i = 0; i < cfg->policies.count; i++)
        log_info("baseline: policies from %s", cfg->policies.items[i]);
    *state = st;
    return 0;
}

static void baseline_status(void *state, struct module_status *out)
{
    struct baseline_state *st = state;
    memset(out, 0, sizeof(*out));
    str_copy(out->mode, periodic_mode(st ? &st->worker : NULL), sizeof(out->mode));
    out->events = st ? atomic_load(&st->events) : 0;
}

/* baseline.run {"policy": ID (optional)} -> {"run_id", "queued": true, "running": bool} */
static int task_run(void *state, json_t *payload, json_t **result, struct vg_error *err)
{
    struct baseline_state *st = state;
    if (!st || st->disabled)
        return vg_error_set(err, -ENOTSUP, "the baseline module is disabled on this agent "
                            "(baseline.enabled: false)");
    const char *policy = json_string_value(json_object_get(payload, "policy"));
    if (policy && strlen(policy) > 128)
        return vg_error_set(err, -EINVAL, "policy id longer than 128 characters");
    char run_id[37];
    uuid_random(run_id);
    pthread_mutex_lock(&st->req_lock);
    str_copy(st->requested_id, run_id, sizeof(st->requested_id));
    str_copy(st->requested_policy, policy ? policy : "", sizeof(st->requested_policy));
    pthread_mutex_unlock(&st->req_lock);
    bool running = periodic_request(&st->worker);
    *result = json_pack("{s:s,s:b,s:b,s:s?}", "run_id", run_id, "queued", 1, "running",
                        running, "policy", policy);
    return *result ? 0 : vg_error_set(err, -ENOMEM, "out of memory");
}

static const struct agent_task_handler baseline_tasks[] = {
    {"baseline.run", task_run},
    {NULL, NULL},
};

const struct agent_module baseline_module = {
    .name = "baseline",
    .options = baseline_options,
    .config_size = sizeof(struct baseline_config),
    .start = baseline_start,
    .stop = baseline_stop,
    .status = baseline_status,
    .tasks = baseline_tasks,
};
