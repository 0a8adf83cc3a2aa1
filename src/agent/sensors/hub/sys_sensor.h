/* sys_sensor.h - what the families of the syscall sensor share in user space: decoding a record
 * (sys_decode.c) and building the common part of its event, the process context
 * (sys_context.c). Used by the process, network, file and kernel modules. */
#ifndef VIGIL_SYS_SENSOR_H
#define VIGIL_SYS_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/sensors/hub/sys_event.h"
#include "agent/sensors/process/process_sensor.h"
#include "common/event.h"

struct host_info;
struct proctable;
struct enrich;

/* A decoded record. Strings point into the record (not NUL-terminated), valid while it is. */
struct sx_rec {
    struct pe_proc p; /* process context */
    unsigned type;    /* enum sx_type */
    int64_t ret;
    uint32_t nr;
    uint32_t flags;
    uint64_t v[8];
    uint8_t addr[2][16];
    char aux[32];     /* NUL-terminated */
    const char *s[2];
    size_t len[2];
    bool cut[2];
};

/* Validate a record of size bytes (sizes, lengths, type in the SX range) and decode it.
 * 0 or -EINVAL. */
int sx_decode(const struct host_info *host, const void *data, size_t size, struct sx_rec *out);

/* Name of syscall number nr of this architecture among those the sensor hooks, or NULL. */
const char *sx_syscall_name(long nr);

/* What building events needs; one per sensor thread (scratch buffers). */
#define SX_CONTAINER_SLOTS 64
struct sx_container {
    uint64_t cgroup_id; /* 0: empty */
    char id[128];
    char runtime[16];
};
struct sx_ctx {
    const char *sensor; /* the events' `sensor` (NULL: "ebpf") */
    const struct host_info *host;
    struct proctable *procs;
    struct enrich *enrich;
    struct proc_brief self, parent;
    struct proc_snapshot snap;
    struct sx_container containers[SX_CONTAINER_SLOTS];
    struct buf text, json;
    int32_t anc_pid;          /* whose ancestry json holds, since when */
    uint64_t anc_ticks, anc_at;
};

/* A new event of table/action with the process context of r (pid, ppid, entity ids, exe,
 * parent_exe, comm, uid, euid, user, container id and runtime, ancestry), syscall,
 * result_code and sensor "ebpf" (when with_result). NULL when out of memory. */
struct event *sx_event_new(struct sx_ctx *c, const struct sx_rec *r, enum table_id table,
                           const char *action, bool with_result);
/* The process context of a live process from the table (for sensors without a kernel record:
 * fanotify, sock_diag): false when the table does not know pid. */
bool sx_proc_from_table(struct sx_ctx *c, int32_t pid, struct pe_proc *out);
/* Add text (any bytes) as valid UTF-8. 0 or -errno. */
int sx_add_text(struct sx_ctx *c, struct event *ev, enum field_id f, const char *s, size_t len);
void sx_ctx_free(struct sx_ctx *c);

/* Submit ev to pipeline when rc is 0 (else free it), counting it in *events or *failed. */
struct pipeline;
void sx_submit(struct pipeline *pipeline, struct event *ev, int rc, _Atomic uint64_t *events,
               _Atomic uint64_t *failed);

#endif
