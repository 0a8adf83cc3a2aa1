/* kernel_module.c - the kernel sensor as an agent module ("kernel"): kernel_events from the
 * hub's syscall sensor: module loads (init_module, finit_module; the module file's path and
 * name), mount and umount (source, target, file system type, flags), and BPF program loads
 * (type and name), each with its result. eBPF only: without it nothing sees these calls
 * cheaply, and the module says so in its mode. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "agent/module.h"
#include "agent/pipeline.h"
#include "agent/sensors/hub/hub.h"
#include "agent/sensors/hub/sys_sensor.h"
#include "common/log.h"
#include "common/util.h"

struct kernel_config {
    bool enabled;
};

static const struct config_option kernel_options[] = {
    {"enabled", CFG_BOOL, "true", offsetof(struct kernel_config, enabled),
     "Report module loads, mounts and BPF program loads (eBPF only)"},
    {NULL, CFG_STR, NULL, 0, NULL},
};

struct kernel_state {
    struct pipeline *pipeline;
    struct bpfhub *hub;
    struct sx_ctx ctx;
    struct sx_rec rec;
    _Atomic uint64_t events, failed, malformed;
    char mode[32];
};

/* bpf_prog_type names (uapi linux/bpf.h, stable numbers). */
static const char *prog_type_name(uint64_t t)
{
    static const char *const names[] = {
        "unspec", "socket_filter", "kprobe", "sched_cls", "sched_act", "tracepoint", "xdp",
        "perf_event", "cgroup_skb", "cgroup_sock", "lwt_in", "lwt_out", "lwt_xmit", "sock_ops",
        "sk_skb", "cgroup_device", "sk_msg", "raw_tracepoint", "cgroup_sock_addr", "lwt_seg6local",
        "lirc_mode2", "sk_reuseport", "flow_dissector", "cgroup_sysctl",
        "raw_tracepoint_writable", "cgroup_sockopt", "tracing", "struct_ops", "ext", "lsm",
        "sk_lookup", "syscall", "netfilter",
    };
    return t < ARRAY_SIZE(names) ? names[t] : NULL;
}

/* "nf_tables" from ".../nf_tables.ko.xz". */
static void module_name(const char *path, size_t len, char *out, size_t outlen)
{
    const char *base = path;
    for (size_t i = 0; i < len; i++)
        if (path[i] == '/')
            base = path + i + 1;
    size_t n = (size_t)(path + len - base);
    const char *ko = NULL;
    for (size_t i = 0; i + 3 <= n; i++)
        if (memcmp(base + i, ".ko", 3) == 0)
            ko = base + i;
    if (ko)
        n = (size_t)(ko - base);
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, base, n);
    out[n] = '\0';
}

static void kernel_on_record(void *arg, const void *data, size_t size)
{
    struct kernel_state *ks = arg;
    struct sx_rec *r = &ks->rec;
    if (sx_decode(ks->ctx.host, data, size, r) != 0 || r->type < SX_MODULE ||
        r->type > SX_BPF_LOAD) {
        atomic_fetch_add(&ks->malformed, 1);
        return;
    }
    static const char *const actions[] = {"module_load", "mount", "umount", "bpf_load"};
    struct event *ev = sx_event_new(&ks->ctx, r, TBL_KERNEL_EVENTS, actions[r->type - SX_MODULE],
                                    true);
    if (!ev) {
        atomic_fetch_add(&ks->failed, 1);
        return;
    }
    int rc = 0;
    char name[256];
    switch (r->type) {
    case SX_MODULE:
        if (r->len[0]) {
            rc = sx_add_text(&ks->ctx, ev, FLD_PATH, r->s[0], r->len[0]);
            module_name(r->s[0], r->len[0], name, sizeof(name));
            if (!rc && name[0])
                rc = sx_add_text(&ks->ctx, ev, FLD_MODULE_NAME, name, strlen(name));
        }
        break;
    case SX_MOUNT:
        if (r->len[0])
            rc = sx_add_text(&ks->ctx, ev, FLD_MOUNT_SOURCE, r->s[0], r->len[0]);
        if (!rc && r->len[1])
            rc = sx_add_text(&ks->ctx, ev, FLD_MOUNT_TARGET, r->s[1], r->len[1]);
        if (!rc && r->aux[0])
            rc = sx_add_text(&ks->ctx, ev, FLD_FS_TYPE, r->aux, strlen(r->aux));
        rc = rc ? rc : event_add_int(ev, FLD_MOUNT_FLAGS, (int64_t)(uint32_t)r->v[0]);
        break;
    case SX_UMOUNT:
        if (r->len[1])
            rc = sx_add_text(&ks->ctx, ev, FLD_MOUNT_TARGET, r->s[1], r->len[1]);
        rc = rc ? rc : event_add_int(ev, FLD_MOUNT_FLAGS, (int64_t)(uint32_t)r->v[0]);
        break;
    case SX_BPF_LOAD: {
        const char *t = prog_type_name(r->v[0]);
        rc = t ? event_add_str(ev, FLD_BPF_PROG_TYPE, t)
               : event_add_fmt(ev, FLD_BPF_PROG_TYPE, "%llu", (unsigned long long)r->v[0]);
        if (!rc && r->aux[0])
            rc = sx_add_text(&ks->ctx, ev, FLD_BPF_PROG_NAME, r->aux, strlen(r->aux));
        break;
    }
    default:
        break;
    }
    sx_submit(ks->pipeline, ev, rc, &ks->events, &ks->failed);
}

static void kernel_on_fail(void *arg, const char *why)
{
    struct kernel_state *ks = arg;
    str_copy(ks->mode, "unavailable", sizeof(ks->mode));
    log_warn("kernel: module loads, mounts and BPF loads are not watched: %s", why);
}

static void kernel_stop(void *state)
{
    struct kernel_state *ks = state;
    if (!ks)
        return;
    sx_ctx_free(&ks->ctx);
    free(ks);
}

static int kernel_start(const struct agent_module_ctx *ctx, const void *config, void **state,
                        struct vg_error *err)
{
    const struct kernel_config *cfg = config;
    if (!cfg->enabled)
        return vg_error_set(err, -ECANCELED, "kernel: disabled (kernel.enabled)");
    struct kernel_state *ks = calloc(1, sizeof(*ks));
    if (!ks)
        return vg_error_set(err, -ENOMEM, "kernel: out of memory");
    ks->pipeline = ctx->pipeline;
    ks->hub = ctx->bpf;
    ks->ctx.host = ctx->host;
    ks->ctx.procs = ctx->procs;
    ks->ctx.enrich = ctx->enrich;
    struct vg_error why = {{0}};
    int rc = bpfhub_ringbuf(ctx->bpf, &why);
    if (rc >= 0)
        rc = bpfhub_route(ctx->bpf, "kernel", SX_MODULE, SX_BPF_LOAD, kernel_on_record, NULL, ks,
                          -1, -1);
    if (!rc)
        rc = bpfhub_want(ctx->bpf, SXF_KERNEL, NULL, kernel_on_fail, ks);
    if (rc < 0) {
        str_copy(ks->mode, "unavailable", sizeof(ks->mode));
        log_warn("kernel: module loads, mounts and BPF loads are not watched: %s",
                 why.msg[0] ? vg_error_str(&why, rc) : strerror(-rc));
    } else {
        str_copy(ks->mode, "ebpf", sizeof(ks->mode));
    }
    *state = ks;
    return 0;
}

static void kernel_status(void *state, struct module_status *out)
{
    struct kernel_state *ks = state;
    memset(out, 0, sizeof(*out));
    str_copy(out->mode, ks->mode, sizeof(out->mode));
    out->events = atomic_load(&ks->events);
    out->lost = atomic_load(&ks->failed) + atomic_load(&ks->malformed) +
                bpfhub_lost(ks->hub, SX_MODULE, SX_BPF_LOAD);
}

const struct agent_module kernel_module = {
    .name = "kernel",
    .options = kernel_options,
    .config_size = sizeof(struct kernel_config),
    .start = kernel_start,
    .stop = kernel_stop,
    .status = kernel_status,
};
