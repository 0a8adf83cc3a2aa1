/* proctable.h - the agent-wide process table: every live process (and recently exited ones,
 * for a grace period) with its entity id, parent, executable and command line, so that every
 * event can name its process and that process's ancestry.
 *
 * Seeded from /proc at start, then kept current by the process sensor (fork/exec/exit).
 * Thread-safe: the process sensor updates it while other sensors look processes up. Lookups
 * copy a snapshot out, so callers never hold a pointer into the table. */
#ifndef VIGIL_AGENT_PROCTABLE_H
#define VIGIL_AGENT_PROCTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/entity.h"
#include "common/error.h"

struct host_info;
struct proctable;

#define PROC_EXE_MAX 4096
#define PROC_CMDLINE_MAX 4096

/* A copy of what the table knows about one process. Strings are always NUL-terminated. */
struct proc_snapshot {
    int32_t pid, ppid;
    uint64_t start_ticks;     /* /proc/PID/stat field 22: clock ticks since boot */
    uint64_t start_time_ns;   /* ns since epoch */
    char entity_id[ENTITY_ID_LEN + 1];
    char parent_entity_id[ENTITY_ID_LEN + 1];
    uint32_t uid, euid, gid, egid, auid, session_id;
    char comm[16];
    char exe[PROC_EXE_MAX];
    char cmdline[PROC_CMDLINE_MAX]; /* arguments joined by spaces, cut at PROC_CMDLINE_MAX-1 */
    bool exited;
};

int proctable_new(const struct host_info *host, struct proctable **out, struct vg_error *err);
void proctable_free(struct proctable *pt);

/* Scan /proc, (re)insert every live process, and call each() for each of them (the process
 * sensor uses it to emit `existing` events at start). Returns the number of processes. */
int proctable_seed(struct proctable *pt,
                   void (*each)(void *ctx, const struct proc_snapshot *p), void *ctx);

/* The current process with this pid, copied into out. When the table does not know it, it is
 * read from /proc/PID and inserted. false when the process cannot be found at all. */
bool proctable_get(struct proctable *pt, int32_t pid, struct proc_snapshot *out);

/* Updates from the process sensor. `snap` carries what the sensor knows; fields it does not
 * know are zero/empty and are then filled from the table (fork: from the parent). */
void proctable_on_fork(struct proctable *pt, const struct proc_snapshot *child);
void proctable_on_exec(struct proctable *pt, const struct proc_snapshot *proc);
void proctable_on_exit(struct proctable *pt, int32_t pid, uint64_t start_ticks);

/* Number of entries (live and in their exit grace period). */
size_t proctable_size(struct proctable *pt);

#endif
