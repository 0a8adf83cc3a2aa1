/* process_actions.c - from syscall-sensor records of the process family to process_events rows
 * (process_actions.h). The table learns credential changes so that later events of the process
 * carry its new ids. */
#include "agent/sensors/process/process_actions.h"

#include <stdio.h>
#include <string.h>

#include "agent/pipeline.h"
#include "agent/proctable.h"
#include "common/log.h"

void pact_init(struct pact *a, const struct agent_module_ctx *ctx)
{
    a->pipeline = ctx->pipeline;
    a->hub = ctx->bpf;
    a->ctx.host = ctx->host;
    a->ctx.procs = ctx->procs;
    a->ctx.enrich = ctx->enrich;
}

void pact_fini(struct pact *a)
{
    if (a)
        sx_ctx_free(&a->ctx);
}

void pact_on_fail(void *ctx, const char *why)
{
    struct pact *a = ctx;
    atomic_store(&a->sys_failed, true);
    log_warn("process: credential changes and actions on other processes are not watched: %s",
             why);
}

static const char *ptrace_name(uint64_t req)
{
    switch (req) {
    case 1: return "peektext";
    case 2: return "peekdata";
    case 4: return "poketext";
    case 5: return "pokedata";
    case 6: return "pokeuser";
    case 13: return "setregs";
    case 16: return "attach";
    case 17: return "detach";
    case 0x4206: return "seize";
    case 0: return "traceme";
    default: return NULL;
    }
}

static int add_target(struct pact *a, struct event *ev, int64_t pid)
{
    int rc = event_add_int(ev, FLD_TARGET_PID, pid);
    if (!rc && pid > 0 && pid <= INT32_MAX &&
        proctable_get_brief(a->ctx.procs, (int32_t)pid, &a->target)) {
        if (a->target.entity_id[0])
            rc = event_add_str(ev, FLD_TARGET_ENTITY_ID, a->target.entity_id);
        if (!rc && a->target.exe[0])
            rc = event_add_str(ev, FLD_TARGET_EXE, a->target.exe);
    }
    return rc;
}

void pact_on_record(void *ctx, const void *data, size_t size)
{
    struct pact *a = ctx;
    struct sx_rec *r = &a->rec;
    if (sx_decode(a->ctx.host, data, size, r) != 0) {
        atomic_fetch_add(&a->malformed, 1);
        return;
    }
    static const char *const actions[] = {
        [SX_SETID - SX_SETID] = "setuid", [SX_CAPSET - SX_SETID] = "capset",
        [SX_PTRACE - SX_SETID] = "ptrace", [SX_SET_NAME - SX_SETID] = "set_name",
        [SX_MEMFD - SX_SETID] = "memfd_create", [SX_KILL - SX_SETID] = "kill",
    };
    if (r->type > SX_KILL) {
        atomic_fetch_add(&a->malformed, 1);
        return;
    }
    struct event *ev = sx_event_new(&a->ctx, r, TBL_PROCESS_EVENTS, actions[r->type - SX_SETID],
                                    true);
    if (!ev) {
        atomic_fetch_add(&a->failed, 1);
        return;
    }
    int rc = 0;
    char hex[32];
    switch (r->type) {
    case SX_SETID: {
        static const enum field_id f[8] = {FLD_OLD_UID, FLD_OLD_EUID, FLD_OLD_GID, FLD_OLD_EGID,
                                           FLD_NEW_UID, FLD_NEW_EUID, FLD_NEW_GID, FLD_NEW_EGID};
        for (int i = 0; i < 8 && !rc; i++)
            rc = event_add_int(ev, f[i], (int64_t)(uint32_t)r->v[i]);
        if (r->ret == 0)
            proctable_on_creds(a->ctx.procs, r->p.pid, (uint32_t)r->v[4], (uint32_t)r->v[5],
                               (uint32_t)r->v[6], (uint32_t)r->v[7]);
        break;
    }
    case SX_CAPSET:
        snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)r->v[0]);
        rc = event_add_str(ev, FLD_OLD_CAPS, hex);
        snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)r->v[1]);
        rc = rc ? rc : event_add_str(ev, FLD_NEW_CAPS, hex);
        break;
    case SX_PTRACE: {
        const char *name = ptrace_name(r->v[0]);
        rc = name ? event_add_str(ev, FLD_PTRACE_REQUEST, name)
                  : event_add_fmt(ev, FLD_PTRACE_REQUEST, "%llu", (unsigned long long)r->v[0]);
        rc = rc ? rc : add_target(a, ev, (int64_t)(int32_t)r->v[1]);
        break;
    }
    case SX_SET_NAME:
        rc = sx_add_text(&a->ctx, ev, FLD_NEW_NAME, r->s[0], r->len[0]);
        break;
    case SX_MEMFD:
        rc = sx_add_text(&a->ctx, ev, FLD_MEMFD_NAME, r->s[0], r->len[0]);
        break;
    case SX_KILL:
        rc = add_target(a, ev, (int64_t)(int32_t)r->v[0]);
        rc = rc ? rc : event_add_int(ev, FLD_SIGNAL, (int64_t)r->v[1]);
        break;
    default:
        break;
    }
    sx_submit(a->pipeline, ev, rc, &a->events, &a->failed);
}
