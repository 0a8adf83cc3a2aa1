/* process_module.c - the process sensor as an agent module ("process"): its options, the
 * choice between the eBPF sensor and the proc-connector fallback, start/stop/status.
 *
 * Start order matters for not missing anything: the sensor is attached first (its events
 * queue in the ring buffer or socket), then /proc is scanned into the process table (one
 * `existing` event per live process), then the sensor's thread starts consuming. A process
 * that appears during the scan may thus be reported twice (existing + exec), never zero times. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/host.h"
#include "agent/module.h"
#include "agent/sensors/process/process_event.h"
#include "agent/sensors/hub/hub.h"
#include "agent/sensors/process/process_actions.h"
#include "agent/sensors/process/process_sensor.h"
#include "common/log.h"
#include "common/util.h"

struct process_config {
    char *mode;
    uint64_t ringbuf_size;
    uint64_t args_max;
    bool exclude_self;
    bool realtime_reader;
    bool actions;
};

static const struct config_option process_options[] = {
    {"mode", CFG_STR, "auto", offsetof(struct process_config, mode),
     "Sensor: `auto` (eBPF, else the proc connector, saying why), `ebpf` or `proc_connector`"},
    {"ringbuf_size", CFG_SIZE, "8M", offsetof(struct process_config, ringbuf_size),
     "proc_connector mode: the socket's receive buffer (eBPF sensors share ebpf.ringbuf_size)"},
    {"args_max", CFG_SIZE, "4096", offsetof(struct process_config, args_max),
     "Bytes of a command's arguments captured (64 to 32k); longer ones are cut and the event "
     "says args_truncated"},
    {"exclude_self", CFG_BOOL, "false", offsetof(struct process_config, exclude_self),
     "Do not report the agent's own process (its children are still reported)"},
    {"actions", CFG_BOOL, "true", offsetof(struct process_config, actions),
     "eBPF mode: also report credential changes (setuid family, capset), ptrace, prctl "
     "PR_SET_NAME, memfd_create and signals sent to other processes"},
    {"realtime_reader", CFG_BOOL, "true", offsetof(struct process_config, realtime_reader),
     "proc_connector mode: read /proc from a SCHED_FIFO thread, so that short-lived commands "
     "are read before they exit"},
    {NULL, CFG_STR, NULL, 0, NULL},
};

struct process_state {
    struct psensor sensor;
    struct pact actions;
    struct pebpf *ebpf;
    struct pconn *pconn;
    char mode[48];
};

/* The ring buffer size the kernel accepts: a power of two, at least a page, at most 1 GiB. */
static uint64_t ringbuf_bytes(uint64_t want)
{
    long page = sysconf(_SC_PAGESIZE);
    uint64_t size = page > 0 ? (uint64_t)page : 4096;
    while (size < want && size < (1ull << 30))
        size <<= 1;
    return size;
}

static void process_stop(void *state)
{
    struct process_state *st = state;
    if (!st)
        return;
    pebpf_close(st->ebpf);
    pconn_close(st->pconn);
    psensor_fini(&st->sensor);
    pact_fini(&st->actions);
    free(st);
}

static int process_start(const struct agent_module_ctx *ctx, const void *config, void **state,
                         struct vg_error *err)
{
    const struct process_config *cfg = config;
    const char *mode = cfg->mode && cfg->mode[0] ? cfg->mode : "auto";
    bool want_ebpf = !strcmp(mode, "auto") || !strcmp(mode, "ebpf");
    bool want_pconn = !strcmp(mode, "auto") || !strcmp(mode, "proc_connector");
    if (!want_ebpf && !want_pconn)
        return vg_error_set(err, -EINVAL,
                            "process.mode: \"%s\" is not auto, ebpf or proc_connector", mode);

    uint64_t rb = ringbuf_bytes(cfg->ringbuf_size);
    if (rb != cfg->ringbuf_size)
        log_info("process: ringbuf_size %llu rounded to %llu bytes",
                 (unsigned long long)cfg->ringbuf_size, (unsigned long long)rb);
    uint64_t args_max = cfg->args_max;
    if (args_max > PE_ARGS_CAP || args_max < 64) {
        args_max = args_max > PE_ARGS_CAP ? PE_ARGS_CAP : 64;
        log_warn("process: args_max %llu out of range, using %llu",
                 (unsigned long long)cfg->args_max, (unsigned long long)args_max);
    }

    struct vg_error why = {{0}};
    int rc = 0;
    struct process_state *st = calloc(1, sizeof(*st));
    if (!st)
        return vg_error_set(err, -ENOMEM, "process: out of memory");
    if ((rc = psensor_init(&st->sensor, ctx->host, ctx->procs, ctx->pipeline, args_max,
                           cfg->exclude_self ? (int32_t)getpid() : 0)) < 0) {
        rc = vg_error_set(err, rc, "process: out of memory");
        goto cleanup;
    }
    st->sensor.enrich = ctx->enrich;

    if (want_ebpf) {
        struct pebpf_options o = {.args_max = (uint32_t)args_max,
                                  .self_pid = st->sensor.self_pid};
        rc = pebpf_open(&o, &st->sensor, ctx->bpf, &st->ebpf, &why);
        if (rc && !want_pconn) {
            vg_error_set(err, rc, "process: %s", vg_error_str(&why, rc));
            goto cleanup;
        }
        if (rc)
            log_warn("process: eBPF sensor unavailable (%s); falling back to the proc connector",
                     vg_error_str(&why, rc));
        rc = 0;
    }
    if (!st->ebpf) {
        struct pconn_options o = {.rcvbuf = rb, .realtime = cfg->realtime_reader};
        rc = pconn_open(&o, &st->sensor, &st->pconn, &why);
        if (rc) {
            vg_error_set(err, rc, "process: %s", vg_error_str(&why, rc));
            goto cleanup;
        }
    }
    str_copy(st->mode, st->ebpf ? "ebpf" : "proc_connector", sizeof(st->mode));
    if (st->ebpf)
        log_info("process: eBPF sensor running (args_max %llu)", (unsigned long long)args_max);
    else
        log_info("process: proc connector sensor running (%s)",
                 want_ebpf ? "eBPF unavailable" : "mode proc_connector");

    int n = proctable_seed(ctx->procs, psensor_existing, &st->sensor);
    if (n < 0)
        log_warn("process: cannot scan /proc for running processes: %s", strerror(-n));

    if (st->ebpf) {
        /* credential changes, ptrace, prctl, memfd_create, kill: the syscall sensor */
        if (cfg->actions) {
            pact_init(&st->actions, ctx);
            rc = bpfhub_route(ctx->bpf, "process", SX_SETID, SX_CONNECT - 1, pact_on_record,
                              NULL, &st->actions, -1, -1);
            if (!rc)
                rc = bpfhub_want(ctx->bpf, SXF_PROCESS, NULL, pact_on_fail, &st->actions);
            if (rc)
                log_warn("process: credential changes and actions on other processes are not "
                         "watched: %s", strerror(-rc));
            rc = 0;
        }
    } else if ((rc = pconn_start(st->pconn, &why))) {
        vg_error_set(err, rc, "process: %s", vg_error_str(&why, rc));
        goto cleanup;
    }
    *state = st;
    return 0;
cleanup:
    process_stop(st);
    return rc;
}

static void process_status(void *state, struct module_status *out)
{
    struct process_state *st = state;
    memset(out, 0, sizeof(*out));
    if (!st) {
        str_copy(out->mode, "disabled", sizeof(out->mode));
        return;
    }
    str_copy(out->mode, st->mode, sizeof(out->mode));
    out->events = atomic_load(&st->sensor.events);
    out->lost = atomic_load(&st->sensor.lost) + pebpf_lost(st->ebpf) +
                pebpf_malformed(st->ebpf) + atomic_load(&st->actions.malformed);
    if (st->ebpf && st->actions.hub)
        out->lost += bpfhub_lost(st->actions.hub, SX_SETID, SX_CONNECT - 1);
}

const struct agent_module process_module = {
    .name = "process",
    .options = process_options,
    .config_size = sizeof(struct process_config),
    .start = process_start,
    .stop = process_stop,
    .status = process_status,
};
