/* net_module.c - the network sensor as an agent module ("network"): in eBPF mode the hub's
 * syscall sensor reports connect, accept, bind and listen (TCP and UDP, IPv4 and IPv6) with
 * both endpoints and the result, and the DNS queries processes send; without eBPF, sock_diag
 * polling reports the sockets that appeared between two polls (no result, no DNS). */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "agent/sensors/hub/hub.h"
#include "agent/sensors/network/net_sensor.h"
#include "common/log.h"
#include "common/util.h"

struct net_config {
    char *mode;
    uint64_t poll_interval;
};

static const struct config_option net_options[] = {
    {"mode", CFG_STR, "auto", offsetof(struct net_config, mode),
     "Sensor: `auto` (eBPF, else sock_diag polling), `ebpf`, `sock_diag` or `off`"},
    {"poll_interval", CFG_DURATION, "1s", offsetof(struct net_config, poll_interval),
     "sock_diag mode: how often sockets are listed (a connection shorter than this can be "
     "missed, which is why eBPF is preferred)"},
    {NULL, CFG_STR, NULL, 0, NULL},
};

static void net_stop(void *state)
{
    struct net_state *ns = state;
    if (!ns)
        return;
    netdiag_stop(ns->diag);
    sx_ctx_free(&ns->ctx);
    free(ns);
}

/* The syscall sensor could not start: poll sock_diag instead. */
static void on_ebpf_fail(void *ctx, const char *why)
{
    struct net_state *ns = ctx;
    struct vg_error err = {{0}};
    atomic_store(&ns->ebpf_failed, true);
    int rc = netdiag_start(ns, ns->poll_ms, &ns->diag, &err);
    if (rc) {
        log_error("network: eBPF unavailable (%s) and sock_diag failed: %s", why,
                  vg_error_str(&err, rc));
        str_copy(ns->mode, "failed", sizeof(ns->mode));
        return;
    }
    log_warn("network: eBPF unavailable (%s); polling sock_diag", why);
    str_copy(ns->mode, "sock_diag", sizeof(ns->mode));
}

static int net_start(const struct agent_module_ctx *ctx, const void *config, void **state,
                     struct vg_error *err)
{
    const struct net_config *cfg = config;
    const char *mode = cfg->mode && cfg->mode[0] ? cfg->mode : "auto";
    bool want_ebpf = !strcmp(mode, "auto") || !strcmp(mode, "ebpf");
    bool want_diag = !strcmp(mode, "auto") || !strcmp(mode, "sock_diag");
    if (!strcmp(mode, "off"))
        return vg_error_set(err, -ECANCELED, "network: off (network.mode)");
    if (!want_ebpf && !want_diag)
        return vg_error_set(err, -EINVAL,
                            "network.mode: \"%s\" is not auto, ebpf, sock_diag or off", mode);
    struct net_state *ns = calloc(1, sizeof(*ns));
    if (!ns)
        return vg_error_set(err, -ENOMEM, "network: out of memory");
    ns->pipeline = ctx->pipeline;
    ns->hub = ctx->bpf;
    ns->ctx.host = ctx->host;
    ns->ctx.procs = ctx->procs;
    ns->ctx.enrich = ctx->enrich;
    ns->poll_ms = cfg->poll_interval ? cfg->poll_interval : 1000;
    int rc = -ENOTSUP;
    struct vg_error why = {{0}};
    if (want_ebpf && (rc = bpfhub_ringbuf(ctx->bpf, &why)) >= 0) {
        rc = bpfhub_route(ctx->bpf, "network", SX_CONNECT, SX_DNS, net_on_record, NULL, ns, -1,
                          -1);
        if (!rc)
            rc = bpfhub_want(ctx->bpf, SXF_NETWORK, NULL, want_diag ? on_ebpf_fail : NULL, ns);
        if (!rc)
            str_copy(ns->mode, "ebpf", sizeof(ns->mode));
        else
            vg_error_set(&why, rc, "cannot use the eBPF hub: %s", strerror(-rc));
    }
    if (rc < 0 && want_ebpf && !want_diag) {
        rc = vg_error_set(err, rc, "network: %s", vg_error_str(&why, rc));
        goto cleanup;
    }
    if (rc < 0) {
        if (want_ebpf)
            log_warn("network: eBPF unavailable (%s); polling sock_diag", vg_error_str(&why, rc));
        if ((rc = netdiag_start(ns, ns->poll_ms, &ns->diag, err)))
            goto cleanup;
        str_copy(ns->mode, "sock_diag", sizeof(ns->mode));
    }
    log_info("network: sensor %s", ns->mode);
    *state = ns;
    return 0;
cleanup:
    net_stop(ns);
    return rc;
}

static void net_status(void *state, struct module_status *out)
{
    struct net_state *ns = state;
    memset(out, 0, sizeof(*out));
    str_copy(out->mode, ns->mode, sizeof(out->mode));
    out->events = atomic_load(&ns->events);
    out->lost = atomic_load(&ns->failed) + atomic_load(&ns->malformed);
    if (!strcmp(ns->mode, "ebpf"))
        out->lost += bpfhub_lost(ns->hub, SX_CONNECT, SX_DNS);
}

const struct agent_module network_module = {
    .name = "network",
    .options = net_options,
    .config_size = sizeof(struct net_config),
    .start = net_start,
    .stop = net_stop,
    .status = net_status,
};
