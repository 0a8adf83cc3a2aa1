/* enrich.h - what the agent adds to sensor events beyond what a sensor saw: user and group
 * names (cached), the ancestry of a process from the process table, the container runtime of a
 * cgroup, and the SHA-256 of executed files (cached by device, inode, mtime and size, computed on
 * a worker thread so that a sensor's reader never reads a file).
 *
 * Thread-safe: every sensor thread may use one enrich object. */
#ifndef VIGIL_ENRICH_H
#define VIGIL_ENRICH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/event.h"

struct enrich;
struct pipeline;
struct proctable;

#define ENRICH_ANCESTRY_DEPTH 32 /* ancestors listed at most */

struct enrich_options {
    bool hash_executables;  /* compute exe_sha256 */
    uint64_t hash_max_size; /* files larger than this are not hashed */
    size_t hash_queue;      /* exec events waiting for a hash at most (past it: sent without) */
};

/* A new enricher (starts the hashing thread). 0 or -errno with err filled. */
int enrich_new(const struct enrich_options *opt, struct proctable *procs, struct pipeline *pipeline,
               struct enrich **out, struct vg_error *err);
/* Stop the hashing thread (events waiting are submitted without their hash) and free.
 * NULL-safe. */
void enrich_free(struct enrich *e);

/* Name of a user / group id into out ("" and false when the id has no name). */
bool enrich_user_name(struct enrich *e, uint32_t uid, char *out, size_t outlen);
bool enrich_group_name(struct enrich *e, uint32_t gid, char *out, size_t outlen);

/* The ancestry of pid (its parent first, up to the root, at most ENRICH_ANCESTRY_DEPTH) as a JSON
 * array of {entity_id, pid, exe, cmdline} into out (replaced); "[]" when the parent is unknown.
 * 0 or -ENOMEM. */
int enrich_ancestry(struct enrich *e, int32_t pid, struct buf *out);

/* The runtime of the container whose cgroup path this is ("docker", "containerd", "cri-o",
 * "podman", "lxc"), or "" on the host. */
const char *enrich_container_runtime(const char *cgroup_path);

/* The identity of an executed file, the cache key of its hash. */
struct enrich_file_id {
    uint64_t dev, ino, mtime_ns, size;
};

/* Give exec event ev (ownership passes) its exe_sha256 and submit it to the pipeline: at once
 * when the hash is cached, else after the hashing thread has read the file (/proc/pid/exe
 * while the process lives, else path). id may be NULL (unknown: the file is looked at).
 * Returns what pipeline_submit returned, or 0 when the event was queued for hashing. */
int enrich_submit_exec(struct enrich *e, struct event *ev, int32_t pid, const char *path,
                       const struct enrich_file_id *id);

struct enrich_stats {
    uint64_t hash_hits, hash_computed, hash_skipped; /* skipped: too big, unreadable, queue full */
};
void enrich_get_stats(struct enrich *e, struct enrich_stats *st);

#endif
