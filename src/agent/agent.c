/* agent.c - starting and stopping the agent's parts, and the status reporter thread that sends
 * agent_events (start, status every status_interval, stop) with the agent's counters. */
#include "agent/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "agent/pipeline.h"
#include "agent/enrich/enrich.h"
#include "agent/proctable.h"
#include "agent/sensors/hub/hub.h"
#include "agent/tasks.h"
#include "agent/transport.h"
#include "common/log.h"
#include "common/spool.h"
#include "common/util.h"

void agent_sensors_summary(struct agent *a, char *out, size_t outlen)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < a->nmodules; i++) {
        struct agent_module_instance *m = &a->modules[i];
        struct module_status st = {.mode = "failed"};
        if (m->state && m->module->status)
            m->module->status(m->state, &st);
        int n = snprintf(out + len, outlen - len, "%s%s=%s", len ? "," : "", m->module->name,
                         st.mode);
        if (n < 0 || (size_t)n >= outlen - len)
            break;
        len += (size_t)n;
    }
}

static void emit_status(struct agent *a, const char *action, const char *message)
{
    struct event *ev = event_new(TBL_AGENT_EVENTS, action);
    if (!ev)
        return;
    char sensors[512];
    agent_sensors_summary(a, sensors, sizeof(sensors));
    struct spool_stats ss;
    spool_get_stats(a->spool, &ss);
    struct pipeline_stats ps;
    pipeline_get_stats(a->pipeline, &ps);
    uint64_t lost = ps.queue_dropped;
    for (size_t i = 0; i < a->nmodules; i++) {
        struct module_status st;
        memset(&st, 0, sizeof(st));
        if (a->modules[i].state && a->modules[i].module->status) {
            a->modules[i].module->status(a->modules[i].state, &st);
            lost += st.lost;
        }
    }
    uint64_t transport_dropped = 0;
    if (a->transport) {
        struct transport_stats ts;
        transport_get_stats(a->transport, &ts);
        transport_dropped = ts.dropped;
    }
    event_add_str(ev, FLD_AGENT_VERSION, VIGIL_VERSION);
    event_add_str(ev, FLD_SENSORS, sensors);
    event_add_str(ev, FLD_OS, a->host.os);
    event_add_str(ev, FLD_KERNEL, a->host.kernel);
    event_add_int(ev, FLD_SPOOL_PENDING, (int64_t)ss.pending);
    event_add_int(ev, FLD_SPOOL_BYTES, (int64_t)ss.bytes);
    event_add_int(ev, FLD_SPOOL_DROPPED, (int64_t)(ss.dropped + ss.corrupt + transport_dropped));
    event_add_int(ev, FLD_EVENTS_LOST, (int64_t)lost);
    if (message)
        event_add_str(ev, FLD_MESSAGE, message);
    pipeline_submit(a->pipeline, ev);
}

static void *status_main(void *arg)
{
    struct agent *a = arg;
    for (;;) {
        struct timespec ts;
        time_deadline_ts(a->cfg.status_interval ? a->cfg.status_interval : 60000, &ts);
        pthread_mutex_lock(&a->status_lock);
        while (!a->stopping)
            if (pthread_cond_timedwait(&a->status_cond, &a->status_lock, &ts) == ETIMEDOUT)
                break;
        bool stop = a->stopping;
        pthread_mutex_unlock(&a->status_lock);
        if (stop)
            break;
        emit_status(a, "status", NULL);
    }
    return NULL;
}

static int lock_state_dir(struct agent *a, struct vg_error *err)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/agent.lock", a->cfg.state_dir);
    a->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (a->lock_fd < 0)
        return vg_error_set(err, -errno, "%s: %s", path, strerror(errno));
    if (flock(a->lock_fd, LOCK_EX | LOCK_NB) < 0)
        return vg_error_set(err, -EBUSY, "another vigil-agent runs with state directory %s",
                            a->cfg.state_dir);
    char pid[32];
    int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
    if (ftruncate(a->lock_fd, 0) == 0 && pwrite(a->lock_fd, pid, (size_t)n, 0) != n)
        log_warn("cannot write the pid into %s", path);
    return 0;
}

static void start_modules(struct agent *a)
{
    size_t n = 0;
    while (agent_modules[n])
        n++;
    a->modules = calloc(n ? n : 1, sizeof(*a->modules));
    if (!a->modules)
        return;
    a->nmodules = n;
    struct agent_module_ctx ctx = {
        .host = &a->host, .pipeline = a->pipeline, .procs = a->procs, .state_dir = a->cfg.state_dir,
        .bpf = a->bpf, .enrich = a->enrich,
    };
    for (size_t i = 0; i < n; i++) {
        struct agent_module_instance *m = &a->modules[i];
        struct vg_error err = {{0}};
        m->module = agent_modules[i];
        int rc = m->module->start(&ctx, a->cfg.module_configs[i], &m->state, &err);
        if (rc) {
            m->state = NULL;
            str_copy(m->error, vg_error_str(&err, rc), sizeof(m->error));
            log_error("module %s did not start: %s", m->module->name, m->error);
        }
    }
}

int agent_start(struct agent *a, struct vg_error *err)
{
    int rc;
    char dir[4096];
    a->lock_fd = -1;
    pthread_mutex_init(&a->status_lock, NULL);
    pthread_cond_init(&a->status_cond, NULL);
    if ((rc = dir_make(a->cfg.state_dir, 0700)))
        return vg_error_set(err, rc, "state directory %s: %s", a->cfg.state_dir, strerror(-rc));
    if ((rc = lock_state_dir(a, err)))
        return rc;
    snprintf(dir, sizeof(dir), "%s/spool", a->cfg.state_dir);
    struct spool_options so = {
        .segment_bytes = a->cfg.spool_segment_size,
        .max_bytes = a->cfg.spool_max_size,
        .fsync_interval_ms = (unsigned)a->cfg.spool_fsync_interval,
    };
    if ((rc = spool_open(dir, &so, &a->spool, err)))
        return rc;
    struct spool_stats ss;
    spool_get_stats(a->spool, &ss);
    if (ss.pending)
        log_info("spool holds %llu events not yet acknowledged: they are sent first",
                 (unsigned long long)ss.pending);
    if ((rc = pipeline_new(a->spool, (size_t)a->cfg.queue_size, a->host.boot_id, &a->pipeline,
                           err)) ||
        (rc = pipeline_start(a->pipeline)))
        return vg_error_set(err, rc, "cannot start the pipeline");
    if ((rc = proctable_new(&a->host, &a->procs, err)))
        return rc;
    /* the transport first, so events flow as soon as modules produce them */
    if ((rc = transport_start(&a->cfg, &a->host, a->spool, &a->transport, err)))
        return rc;
    struct enrich_options eo = {.hash_executables = a->cfg.hash_executables,
                                .hash_max_size = a->cfg.hash_max_size, .hash_queue = 4096};
    if ((rc = enrich_new(&eo, a->procs, a->pipeline, &a->enrich, err)))
        return rc;
    struct bpfhub_options bo = {.ringbuf_size = a->cfg.ebpf_ringbuf_size,
                                .self_pid = (int32_t)getpid(), .pipeline = a->pipeline,
                                .scope_netns = a->host.scope_netns,
                                .loss_interval_ms = a->cfg.ebpf_loss_interval};
    if ((rc = bpfhub_new(&bo, &a->bpf, err)))
        return rc;
    start_modules(a);
    /* every module has asked for what it needs: the syscall sensor and the reader start */
    if ((rc = bpfhub_start(a->bpf, err)))
        return rc;
    char sensors[512];
    agent_sensors_summary(a, sensors, sizeof(sensors));
    log_info("vigil-agent %s on %s (%s, kernel %s): sensors %s", VIGIL_VERSION, a->host.hostname,
             a->host.os, a->host.kernel, sensors);
    emit_status(a, "start", NULL);
    if ((rc = agent_tasks_start(a, &a->tasks, err)))
        return rc;
    if ((rc = pthread_create(&a->status_thread, NULL, status_main, a)))
        return vg_error_set(err, -rc, "cannot start the status thread");
    a->status_running = true;
    return 0;
}

void agent_stop(struct agent *a, unsigned drain_ms)
{
    agent_tasks_stop(a->tasks);
    a->tasks = NULL;
    if (a->status_running) {
        pthread_mutex_lock(&a->status_lock);
        a->stopping = true;
        pthread_cond_broadcast(&a->status_cond);
        pthread_mutex_unlock(&a->status_lock);
        pthread_join(a->status_thread, NULL);
        a->status_running = false;
    }
    bpfhub_stop(a->bpf); /* no more records for the modules' handlers */
    if (a->pipeline && a->spool)
        emit_status(a, "stop", NULL); /* with the modules' final counters */
    for (size_t i = a->nmodules; i-- > 0;) {
        if (a->modules[i].state)
            a->modules[i].module->stop(a->modules[i].state);
        a->modules[i].state = NULL;
    }
    bpfhub_free(a->bpf);
    a->bpf = NULL;
    enrich_free(a->enrich); /* exec events waiting for a hash go to the pipeline */
    a->enrich = NULL;
    pipeline_stop(a->pipeline); /* what was queued is now in the spool */
    transport_stop(a->transport, drain_ms);
    a->transport = NULL;
    pipeline_free(a->pipeline);
    a->pipeline = NULL;
    free(a->modules);
    a->modules = NULL;
    a->nmodules = 0;
    proctable_free(a->procs);
    a->procs = NULL;
    spool_close(a->spool);
    a->spool = NULL;
    if (a->lock_fd >= 0)
        close(a->lock_fd);
    a->lock_fd = -1;
    pthread_mutex_destroy(&a->status_lock);
    pthread_cond_destroy(&a->status_cond);
}
