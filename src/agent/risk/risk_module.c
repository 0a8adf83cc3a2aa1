/* risk_module.c - risk checking as an agent module ("risk"): its options, a thread that runs
 * the checks (weak passwords, services open without authentication, risky configuration) on a
 * schedule at low CPU priority and on demand (task `risk.scan`), and its status.
 *
 * Each run of a check sends its findings (risk_findings), then one risk_scans row; every event of
 * the run carries the run's start time, so the server can tell that a finding of the check not
 * reported since that time no longer holds. A check that cannot run sends `failed` and its
 * findings stay as they were. */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/host.h"
#include "agent/module.h"
#include "agent/periodic.h"
#include "agent/pipeline.h"
#include "agent/risk/risk.h"
#include "common/log.h"
#include "common/util.h"

#ifndef VIGIL_DATA_DIR
#define VIGIL_DATA_DIR "/usr/local/share/vigil"
#endif

static const struct config_option risk_options[] = {
    {"enabled", CFG_BOOL, "true", offsetof(struct risk_config, enabled),
     "Look for weaknesses of this host: weak passwords, open services, risky configuration"},
    {"interval", CFG_DURATION, "6h", offsetof(struct risk_config, interval_ms),
     "Time between scheduled runs of the checks"},
    {"jitter", CFG_DURATION, "10m", offsetof(struct risk_config, jitter_ms),
     "Random extra delay added to each scheduled run, so a fleet does not run at once"},
    {"start_delay", CFG_DURATION, "3m", offsetof(struct risk_config, start_delay_ms),
     "Delay of the first run after the agent starts (plus jitter)"},
    {"root", CFG_STR, "", offsetof(struct risk_config, root),
     "Read the host's files (passwd, shadow, sshd_config, sudoers, ...) under this directory "
     "instead of / (sockets, processes and kernel settings are always the live system's)"},
    {"passwords", CFG_BOOL, "true", offsetof(struct risk_config, passwords),
     "Check every account's password hash against the weak passwords (on this host only: no "
     "password or hash is ever sent, logged or stored)"},
    {"dictionary", CFG_STR, VIGIL_DATA_DIR "/weak-passwords.txt",
     offsetof(struct risk_config, dictionary),
     "Weak passwords to try, one per line, most common first (variants of the user and host "
     "names are added)"},
    {"password_budget", CFG_DURATION, "20s", offsetof(struct risk_config, password_budget_ms),
     "CPU time one run may spend hashing candidate passwords; the next run goes on from there"},
    {"services", CFG_BOOL, "true", offsetof(struct risk_config, services),
     "Report services listening beyond loopback without authentication (Redis, MongoDB, "
     "Memcached, Elasticsearch, Docker API, etcd)"},
    {"probe", CFG_BOOL, "true", offsetof(struct risk_config, probe),
     "Ask such a service on a local connection whether it wants authentication (a read-only "
     "request: PING, version, GET /)"},
    {"probe_timeout", CFG_DURATION, "2s", offsetof(struct risk_config, probe_timeout_ms),
     "Time a probe may take"},
    {"config", CFG_BOOL, "true", offsetof(struct risk_config, config),
     "Report risky configuration: SSH, sudo NOPASSWD ALL, world-writable files in PATH and "
     "system directories, set-id files of no package, a reboot pending after a kernel "
     "upgrade, core dumps of set-id programs, kernel settings"},
    {"nice", CFG_INT, "10", offsetof(struct risk_config, nice),
     "CPU niceness of the risk thread (0-19)"},
    {NULL, CFG_STR, NULL, 0, NULL},
};

struct risk_state {
    const struct risk_config *cfg;
    struct pipeline *pipeline;
    char hostname[256];
    struct risk_passwords *pw;
    struct periodic worker;
    bool disabled;
    _Atomic uint64_t events, runs;
};

static void emit_to_pipeline(void *ctx, struct event *ev)
{
    struct risk_state *st = ctx;
    if (pipeline_submit(st->pipeline, ev) == 0)
        atomic_fetch_add(&st->events, 1);
}

void risk_path(const struct risk_run *run, const char *path, char *out, size_t outlen)
{
    const char *root = run->cfg->root && *run->cfg->root ? run->cfg->root : "";
    snprintf(out, outlen, "%s%s", strcmp(root, "/") ? root : "", path);
}

void risk_report(struct risk_run *run, const struct risk_finding *f)
{
    struct event *ev = event_new(TBL_RISK_FINDINGS, "found");
    if (!ev)
        return;
    ev->time_ns = run->time_ns;
    event_add_str(ev, FLD_RISK_CHECK, run->check);
    event_add_str(ev, FLD_FINDING_KIND, f->kind);
    event_add_str(ev, FLD_FINDING_SUBJECT, f->subject);
    event_add_str(ev, FLD_SEVERITY, f->severity);
    event_add_str(ev, FLD_SCAN_ID, run->scan_id);
    const struct {
        enum field_id id;
        const char *v;
    } opt[] = {
        {FLD_FINDING_RULE, f->rule}, {FLD_MESSAGE, f->message}, {FLD_REMEDIATION, f->remediation},
        {FLD_USER, f->user},         {FLD_PATH, f->path},       {FLD_APP_NAME, f->app_name},
        {FLD_SRC_IP, f->src_ip},     {FLD_SETTING, f->setting}, {FLD_VALUE, f->value},
    };
    for (size_t i = 0; i < sizeof(opt) / sizeof(opt[0]); i++)
        if (opt[i].v)
            event_add_str(ev, opt[i].id, opt[i].v);
    if (f->src_port)
        event_add_int(ev, FLD_SRC_PORT, f->src_port);
    run->findings++;
    run->emit(run->emit_ctx, ev);
}

static uint64_t cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void run_check(struct risk_state *st, const char *check)
{
    struct risk_run run = {
        .cfg = st->cfg,
        .check = check,
        .hostname = st->hostname,
        .time_ns = time_now_ns(),
        .emit = emit_to_pipeline,
        .emit_ctx = st,
    };
    uuid_random(run.scan_id);
    uint64_t t0 = time_mono_ns(), c0 = cpu_us();
    struct vg_error err = {{0}};
    int rc;
    if (!strcmp(check, "passwords"))
        rc = risk_check_passwords(&run, st->pw, &err);
    else if (!strcmp(check, "services"))
        rc = risk_check_services(&run, &err);
    else
        rc = risk_check_config(&run, &err);
    struct event *ev = event_new(TBL_RISK_SCANS, rc ? "failed" : "completed");
    if (!ev)
        return;
    ev->time_ns = run.time_ns;
    event_add_str(ev, FLD_RISK_CHECK, check);
    event_add_str(ev, FLD_SCAN_ID, run.scan_id);
    event_add_int(ev, FLD_ROW_COUNT, run.findings);
    event_add_int(ev, FLD_INCOMPLETE, run.incomplete);
    event_add_int(ev, FLD_DURATION_US, (int64_t)((time_mono_ns() - t0) / 1000u));
    event_add_int(ev, FLD_CPU_US, (int64_t)(cpu_us() - c0));
    if (rc)
        event_add_str(ev, FLD_MESSAGE, vg_error_str(&err, rc));
    emit_to_pipeline(st, ev);
    if (rc)
        log_warn("risk: %s check failed: %s", check, vg_error_str(&err, rc));
    else
        log_info("risk: %s check: %d findings%s, %llu ms", check, run.findings,
                 run.incomplete ? " (stopped at its CPU budget)" : "",
                 (unsigned long long)((time_mono_ns() - t0) / 1000000u));
}

static void run_all(void *ctx, bool on_demand)
{
    struct risk_state *st = ctx;
    (void)on_demand;
    if (st->cfg->passwords)
        run_check(st, "passwords");
    if (st->cfg->services)
        run_check(st, "services");
    if (st->cfg->config)
        run_check(st, "config");
    atomic_fetch_add(&st->runs, 1);
}

static void risk_stop(void *state)
{
    struct risk_state *st = state;
    if (!st)
        return;
    periodic_stop(&st->worker);
    risk_passwords_free(st->pw);
    free(st);
}

static int risk_start(const struct agent_module_ctx *ctx, const void *config, void **state,
                      struct vg_error *err)
{
    const struct risk_config *cfg = config;
    *state = NULL;
    if (cfg->interval_ms < 1000)
        return vg_error_set(err, -EINVAL, "risk.interval must be at least 1s");
    struct risk_state *st = calloc(1, sizeof(*st));
    if (!st)
        return vg_error_set(err, -ENOMEM, "risk: out of memory");
    st->cfg = cfg;
    st->pipeline = ctx->pipeline;
    str_copy(st->hostname, ctx->host ? ctx->host->hostname : "", sizeof(st->hostname));
    if (!cfg->enabled) {
        st->disabled = true;
        log_info("risk: disabled (risk.enabled: false)");
        *state = st;
        return 0;
    }
    if (!(st->pw = risk_passwords_new())) {
        risk_stop(st);
        return vg_error_set(err, -ENOMEM, "risk: out of memory");
    }
    st->worker = (struct periodic){.name = "risk", .start_delay_ms = cfg->start_delay_ms,
                                   .interval_ms = cfg->interval_ms, .jitter_ms = cfg->jitter_ms,
                                   .nice = cfg->nice, .run = run_all, .ctx = st};
    int rc = periodic_start(&st->worker, err);
    if (rc) {
        risk_stop(st);
        return rc;
    }
    *state = st;
    return 0;
}

static void risk_status(void *state, struct module_status *out)
{
    struct risk_state *st = state;
    memset(out, 0, sizeof(*out));
    str_copy(out->mode, periodic_mode(st ? &st->worker : NULL), sizeof(out->mode));
    out->events = st ? atomic_load(&st->events) : 0;
}

/* risk.scan {} -> {"queued": true, "running": bool}: run every check now */
static int task_scan(void *state, json_t *payload, json_t **result, struct vg_error *err)
{
    struct risk_state *st = state;
    (void)payload;
    if (!st || st->disabled)
        return vg_error_set(err, -ENOTSUP, "the risk module is disabled on this agent "
                                           "(risk.enabled: false)");
    bool running = periodic_request(&st->worker);
    *result = json_pack("{s:b,s:b}", "queued", 1, "running", running);
    return *result ? 0 : vg_error_set(err, -ENOMEM, "out of memory");
}

static const struct agent_task_handler risk_tasks[] = {
    {"risk.scan", task_scan},
    {NULL, NULL},
};

const struct agent_module risk_module = {
    .name = "risk",
    .options = risk_options,
    .config_size = sizeof(struct risk_config),
    .start = risk_start,
    .stop = risk_stop,
    .status = risk_status,
    .tasks = risk_tasks,
};
