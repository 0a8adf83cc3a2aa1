/* process_actions.h - process_events of the syscall sensor's process family: credential changes
 * (setuid, setreuid, setresuid, setgid, setregid, setresgid: old and new ids), capset (old and
 * new capabilities), ptrace requests, prctl(PR_SET_NAME), memfd_create and signals sent to
 * another process, each with its result. eBPF only (no fallback sees these). */
#ifndef VIGIL_PROCESS_ACTIONS_H
#define VIGIL_PROCESS_ACTIONS_H

#include <stdatomic.h>

#include "agent/module.h"
#include "agent/sensors/hub/sys_sensor.h"

struct pact {
    struct pipeline *pipeline;
    struct bpfhub *hub;
    struct sx_ctx ctx;
    struct sx_rec rec;
    struct proc_brief target;
    _Atomic uint64_t events, malformed, failed;
    atomic_bool sys_failed;
};

/* Prepare a (zeroed by the caller) for the module's context. */
void pact_init(struct pact *a, const struct agent_module_ctx *ctx);
/* bpfhub_record_fn: one record of types SX_SETID..SX_KILL. */
void pact_on_record(void *ctx, const void *data, size_t size);
/* bpfhub_fail_fn: the syscall sensor did not start. */
void pact_on_fail(void *ctx, const char *why);
/* Release a's buffers. NULL-safe on a zeroed struct. */
void pact_fini(struct pact *a);

#endif
