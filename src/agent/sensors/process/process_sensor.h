/* process_sensor.h - the parts of the process sensor shared by its files (internal to
 * src/agent/sensors/process/):
 *
 *   process_module.c   module glue: options, mode selection, start/stop/status
 *   process_ebpf.c     eBPF loader and ring-buffer thread     } both produce struct pe_proc
 *   process_procconn.c proc-connector fallback thread         } and hand it to psensor_*()
 *   process_decode.c   ring-buffer record -> struct pe_proc (validated)
 *   process_events.c   struct pe_proc -> struct event, with process-table enrichment
 *   process_text.c     argv/path bytes -> UTF-8 / JSON text, container ids
 *   procfs.c           reading /proc/PID */
#ifndef VIGIL_PROCESS_SENSOR_H
#define VIGIL_PROCESS_SENSOR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/proctable.h"
#include "agent/sensors/process/process_event.h"
#include "common/buf.h"
#include "common/error.h"

struct host_info;
struct pipeline;
struct procfs_proc;

/* One process as a sensor observed it at one event. Strings point into buffers owned by
 * whoever filled the struct and are not NUL-terminated unless said so; NULL means unknown. */
struct pe_proc {
    int32_t pid, ppid;
    uint64_t time_ns;            /* when it happened, ns since epoch (0: now) */
    bool have_start;
    uint64_t start_ticks;        /* /proc/PID/stat field 22 */
    uint64_t start_time_ns;      /* ns since epoch */
    bool have_parent_start;
    uint64_t parent_start_ticks;
    bool have_creds;
    uint32_t uid, euid, gid, egid;
    bool have_audit;
    uint32_t auid, session_id;
    char comm[16];               /* NUL-terminated, "" when unknown */
    const char *exe;             /* absolute path */
    size_t exe_len;
    const char *cwd;
    size_t cwd_len;
    const char *tty;             /* NUL-terminated; "" = no terminal */
    const char *cgroup;          /* cgroup v2 path, NUL-terminated */
    const char *container_hint;  /* another cgroup path to find a container id in (v1) */
    bool have_cgroup_id;
    uint64_t cgroup_id;
    const char *args;            /* argv, NUL-separated */
    size_t args_len;
    bool args_truncated;
    bool have_exit;
    int32_t exit_status;         /* wait(2) status */
    bool have_stdio;             /* what fds 0 and 1 were at exec (eBPF) */
    struct pe_stdio stdio[2];
    bool have_exe_id;            /* the executable file's identity (eBPF) */
    uint64_t exe_ino, exe_dev, exe_mtime_ns, exe_size;
    const char *ld_preload;      /* LD_PRELOAD at exec, NUL-terminated; NULL when unset */
};

/* State shared by the sensor's threads: where events go and what was counted. The scratch
 * members are used by one thread at a time (the start thread while seeding, then the sensor
 * thread). */
struct psensor {
    const struct host_info *host;
    struct proctable *procs;
    struct pipeline *pipeline;
    size_t args_max;
    int32_t self_pid;   /* the agent's pid when exclude_self, else 0 */
    struct enrich *enrich; /* names, ancestry, hashes (NULL: none) */
    _Atomic uint64_t events;        /* events handed to the pipeline */
    _Atomic uint64_t submit_failed; /* refused by the pipeline (queue full), counted there too */
    _Atomic uint64_t lost;          /* lost by the proc connector: kernel messages missing
                                       from its per-CPU numbering (eBPF counts in its map) */
    struct proc_snapshot snap, parent; /* scratch */
    struct buf text, json, line;       /* scratch */
    struct procfs_proc *pp;            /* scratch for `existing` events */
};

/* Prepare s (zeroed by the caller) for a sensor: 0 or -ENOMEM. psensor_fini releases what it
 * holds (also after a failed init). */
int psensor_init(struct psensor *s, const struct host_info *host, struct proctable *procs,
                  struct pipeline *pipeline, size_t args_max, int32_t self_pid);
void psensor_fini(struct psensor *s);

/* Emit one event for p with action "exec" or "existing" (sensor: "ebpf", "proc_connector" or
 * "procfs") and, for "exec", update the process table. Returns 0 or a negative errno (the event
 * could not be built or the pipeline refused it; counted either way). */
int psensor_exec(struct psensor *s, const struct pe_proc *p, const char *action,
                 const char *sensor);
/* A new process (p describes the child): update the table, emit "fork". */
int psensor_fork(struct psensor *s, const struct pe_proc *p, const char *sensor);
/* A process is gone (p->have_exit holds its status): emit "exit", retire it in the table. */
int psensor_exit(struct psensor *s, const struct pe_proc *p, const char *sensor);

/* Fill p from a /proc read (pp stays owned by the caller and must outlive p). */
void pe_proc_from_procfs(struct pe_proc *p, const struct procfs_proc *pp,
                         const struct host_info *host);

/* Emit the `existing` event of a process found in /proc at start: a proctable_seed callback
 * whose ctx is the struct psensor. */
void psensor_existing(void *ctx, const struct proc_snapshot *snap);

/* Decoding of ring-buffer records (process_decode.c). The decoder owns the buffers the decoded
 * paths point into; they stay valid until the next pe_decode on the same decoder. */
struct pe_decoder {
    struct buf exe, cwd, cgroup;
    char tty[64];
    char preload[PE_PRELOAD_MAX + 1];
};
/* Validate one record of size bytes and decode it into p. Returns its type (PE_FORK, PE_EXEC,
 * PE_EXIT) or -EINVAL when the record is malformed (a size or length out of bounds). */
int pe_decode(const struct host_info *host, const void *data, size_t size,
              struct pe_decoder *d, struct pe_proc *p);
void pe_decoder_free(struct pe_decoder *d);
/* The process context of a record's header (already checked: pid > 0, pids <= INT32_MAX) into
 * p, zeroed first: pids, times, start ticks, credentials, audit ids, comm, cgroup id. */
struct pe_header;
void pe_decode_header(const struct host_info *host, const struct pe_header *h, struct pe_proc *p);

/* The eBPF sensor (process_ebpf.c). */
struct pebpf;
struct bpfhub;
struct pebpf_options {
    uint32_t args_max;     /* <= PE_ARGS_CAP */
    int32_t self_pid;      /* not reported (0: none) */
};
/* Open, configure, load and attach the BPF program writing into the hub's ring buffer, and
 * route its records here (the hub's reader delivers them once bpfhub_start ran, records written
 * since pebpf_open first). Returns 0 or a negative errno with err saying which step failed and
 * why. */
int pebpf_open(const struct pebpf_options *opt, struct psensor *s, struct bpfhub *hub,
               struct pebpf **out, struct vg_error *err);
/* Ring-buffer records lost (reserve/output failures) since load, all types. */
uint64_t pebpf_lost(struct pebpf *b);
/* Records the thread decoded but found malformed (never expected; counted, not hidden). */
uint64_t pebpf_malformed(struct pebpf *b);
/* Detach and free (after bpfhub_stop). NULL-safe. */
void pebpf_close(struct pebpf *b);

/* The proc-connector sensor (process_procconn.c). */
struct pconn;
struct pconn_options {
    uint64_t rcvbuf;  /* socket receive buffer, bytes */
    bool realtime;    /* run the reader at a real-time priority (SCHED_FIFO) */
};
/* Open the netlink socket and subscribe to process events. 0 or -errno with err filled. */
int pconn_open(const struct pconn_options *opt, struct psensor *s, struct pconn **out,
               struct vg_error *err);
/* Start the reader thread (messages queued since pconn_open are read first). 0 or -errno. */
int pconn_start(struct pconn *c, struct vg_error *err);
/* Unsubscribe, stop the thread, free. NULL-safe. */
void pconn_close(struct pconn *c);

#endif
