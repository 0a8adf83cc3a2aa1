/* agent.h - one running vigil-agent: configuration, host facts, the spool, the pipeline, the
 * process table, the modules and the transport, started and stopped in that order (agent.c). */
#ifndef VIGIL_AGENT_H
#define VIGIL_AGENT_H

#include <pthread.h>
#include <stdbool.h>

#include "agent/agent_config.h"
#include "agent/host.h"
#include "agent/module.h"

struct spool;
struct pipeline;
struct proctable;
struct transport;
struct agent_tasks;
struct bpfhub;
struct enrich;

struct agent_module_instance {
    const struct agent_module *module;
    void *state;             /* NULL when the module failed to start */
    char error[256];         /* why it failed */
};

struct agent {
    struct agent_config cfg;
    struct host_info host;
    int lock_fd;
    struct spool *spool;
    struct pipeline *pipeline;
    struct proctable *procs;
    struct bpfhub *bpf;
    struct enrich *enrich;
    struct agent_module_instance *modules;
    size_t nmodules;
    struct transport *transport;
    struct agent_tasks *tasks;
    pthread_t status_thread;
    bool status_running;
    pthread_mutex_t status_lock;
    pthread_cond_t status_cond;
    bool stopping;
};

/* Start everything with a loaded configuration; on failure what was started is stopped. */
int agent_start(struct agent *a, struct vg_error *err);
/* Stop in reverse order, spooling what is in flight and sending for up to drain_ms. */
void agent_stop(struct agent *a, unsigned drain_ms);

/* "process=ebpf,..." for status events and logs. */
void agent_sensors_summary(struct agent *a, char *out, size_t outlen);

#endif
