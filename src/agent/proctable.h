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
#include "common/buf.h"
#include "common/error.h"

struct host_info;
struct proctable;

#define PROC_EXE_MAX 4096
#define PROC_CMDLINE_MAX 4096

/* A copy of what the table knows about one process. Strings are always NUL-terminated; what
 * the process sensor and /proc reads put in is valid UTF-8 (invalid bytes replaced by U+FFFD),
 * cut at a character boundary. */
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

/* A new, empty table; host gives the machine and boot ids of entity ids. 0 or -ENOMEM (err
 * filled). proctable_free releases it (NULL-safe); no thread may use it any more. */
int proctable_new(const struct host_info *host, struct proctable **out, struct vg_error *err);
void proctable_free(struct proctable *pt);

/* Scan /proc, (re)insert every live process, and call each() for each of them (the process
 * sensor uses it to emit `existing` events at start). Entries whose process is no longer in
 * /proc are retired. each() runs without the table's lock held, so it may call proctable_get.
 * Returns the number of processes, or -errno when /proc cannot be listed. */
int proctable_seed(struct proctable *pt,
                   void (*each)(void *ctx, const struct proc_snapshot *p), void *ctx);

/* The current process with this pid, copied into out: the live one, else the last one that
 * exited within the grace period (out->exited). When the table does not know it, it is read
 * from /proc/PID and inserted. false when the process cannot be found at all. */
bool proctable_get(struct proctable *pt, int32_t pid, struct proc_snapshot *out);

/* Like proctable_seed, after events were lost (the proc connector overflowed): reinsert every
 * live process, call each_new() only for processes the table did not know, and retire the
 * entries whose process is gone (*gone receives their number, may be NULL). Returns the number
 * of new processes, or -errno when /proc cannot be listed. */
int proctable_rescan(struct proctable *pt,
                     void (*each_new)(void *ctx, const struct proc_snapshot *p), void *ctx,
                     size_t *gone);

/* Updates from the process sensor. `snap` carries what the sensor knows; fields it does not
 * know are zero/empty and are then filled from the table (fork: exe, cmdline, comm from the
 * parent, and the ids when all four uids/gids are 0, auid/session when both are 0; exec: the
 * pid's start ticks and ppid when 0). An entry whose start ticks differ from the snapshot's is
 * another process that reused the pid: it is retired and a new entry made. entity_id may be
 * empty (computed from pid and start_ticks); parent_entity_id may be empty (taken from the
 * parent's entry). proctable_on_exit ignores a pid whose start ticks differ (0: any). */
void proctable_on_fork(struct proctable *pt, const struct proc_snapshot *child);
void proctable_on_exec(struct proctable *pt, const struct proc_snapshot *proc);
void proctable_on_exit(struct proctable *pt, int32_t pid, uint64_t start_ticks);

/* Drop exited entries whose grace period is over. Updates do it too (at most once a second);
 * the process sensor also calls it when it is idle so a quiet host does not keep them. */
void proctable_purge(struct proctable *pt);

/* Call each() with a snapshot of every live process (not the exited ones in their grace
 * period), in no particular order. Snapshots are taken under the lock and each() runs without
 * it. Returns the number of processes, or -ENOMEM. */
int proctable_foreach(struct proctable *pt,
                      void (*each)(void *ctx, const struct proc_snapshot *p), void *ctx);

/* The ancestry of pid, its parent first, up to the root or max_depth entries, each
 * {entity_id, pid, exe, cmdline} (cmdline cut at 256 bytes: every event carries its ancestry,
 * the full command line is in the ancestor's exec event), from the table only (no /proc read),
 * as a JSON array into out
 * (replaced, NUL-terminated; "[]" when the parent is unknown). 0 or -ENOMEM. */
int proctable_ancestry_json(struct proctable *pt, int32_t pid, unsigned max_depth,
                            struct buf *out);

/* A credential change of a live process (setuid and friends). */
void proctable_on_creds(struct proctable *pt, int32_t pid, uint32_t uid, uint32_t euid,
                        uint32_t gid, uint32_t egid);

/* The little a telemetry event needs about a process, cheaper than a snapshot (no command
 * line; exe bounded). */
struct proc_brief {
    int32_t pid, ppid;
    uint64_t start_ticks;
    char entity_id[ENTITY_ID_LEN + 1];
    char parent_entity_id[ENTITY_ID_LEN + 1];
    char exe[1024];
    bool exited;
};
/* The table's entry for pid (live, else the last exited one) into out; false when unknown
 * (nothing is read from /proc). */
bool proctable_get_brief(struct proctable *pt, int32_t pid, struct proc_brief *out);

/* Number of entries (live and in their exit grace period). */
size_t proctable_size(struct proctable *pt);

#endif
