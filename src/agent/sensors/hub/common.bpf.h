/* common.bpf.h - what every Vigil BPF program shares (included by process.bpf.c and sys.bpf.c,
 * each its own object): the process-context header of a record, drop and truncation counters
 * per record type, and the ring-buffer wake-up policy. Each object declares the maps `events`,
 * `drops` and `truncs` with these shapes; the loader makes every object use the one ring buffer
 * of the hub (bpf_map__reuse_fd), so the records of one process stay in order. */
#ifndef VIGIL_COMMON_BPF_H
#define VIGIL_COMMON_BPF_H

#include "agent/sensors/process/process_event.h"

#define VG_NTYPES 80 /* per-type counters: enum pe_type and enum sx_type */

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 8 << 20); /* replaced by the hub's ring buffer */
} events SEC(".maps");

/* Ring-buffer write failures per record type. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, VG_NTYPES);
    __type(key, __u32);
    __type(value, __u64);
} drops SEC(".maps");

/* Records cut short (a path or string longer than its bound) per record type. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, VG_NTYPES);
    __type(key, __u32);
    __type(value, __u64);
} truncs SEC(".maps");

const volatile __u32 self_tgid = 0;    /* the agent's own process, not reported (0: none) */
const volatile __u64 scope_netns = 0;  /* only tasks of this network namespace (0: all) */
const volatile __u64 wakeup_bytes = 0; /* wake the reader once this much is pending (0: always) */

/* kernfs_node.parent was renamed __parent in 6.15: both flavours, resolved at load time. */
struct kernfs_node___new {
    struct kernfs_node___new *__parent;
} __attribute__((preserve_access_index));
struct kernfs_node___old {
    struct kernfs_node___old *parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
    if (bpf_core_field_exists(struct kernfs_node___new, __parent))
        return (struct kernfs_node *)BPF_CORE_READ((struct kernfs_node___new *)kn, __parent);
    return (struct kernfs_node *)BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

/* Whether a task is one the agent reports: every task, or with option scope: netns only those
 * of the agent's network namespace (compared by inode). */
static __always_inline bool in_scope(struct task_struct *task)
{
    return !scope_netns || BPF_CORE_READ(task, nsproxy, net_ns, ns.inum) == scope_netns;
}

/* Notification policy of a ring-buffer write: the reader is woken only when enough data is
 * pending, not for every record (a wake-up costs more than handling a record); the reader also
 * polls with a timeout, so a trickle of records waits at most that long. */
static __always_inline __u64 wakeup_flag(void)
{
    if (!wakeup_bytes)
        return 0;
    return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP
                                                                          : BPF_RB_NO_WAKEUP;
}

static __always_inline void count_in(void *map, __u32 type)
{
    __u64 *c = bpf_map_lookup_elem(map, &type);
    if (c)
        *c += 1;
}
#define count_drop(type) count_in(&drops, (type))
#define count_trunc(type) count_in(&truncs, (type))

/* The header every record starts with, about `task` (the group leader's start time, the real
 * parent's thread group, the objective credentials). */
static __always_inline void fill_header(struct pe_header *h, struct task_struct *task, __u32 type)
{
    struct task_struct *parent = BPF_CORE_READ(task, real_parent);
    const struct cred *cred = BPF_CORE_READ(task, real_cred);

    h->type = type;
    h->time_ns = bpf_ktime_get_boot_ns();
    h->pid = BPF_CORE_READ(task, tgid);
    h->tid = BPF_CORE_READ(task, pid);
    h->ppid = BPF_CORE_READ(parent, tgid);
    h->flags = 0;
    h->start_boottime = BPF_CORE_READ(task, group_leader, start_boottime);
    h->parent_start_boottime = BPF_CORE_READ(parent, group_leader, start_boottime);
    h->uid = BPF_CORE_READ(cred, uid.val);
    h->euid = BPF_CORE_READ(cred, euid.val);
    h->gid = BPF_CORE_READ(cred, gid.val);
    h->egid = BPF_CORE_READ(cred, egid.val);
    if (bpf_core_field_exists(task->loginuid)) {
        h->auid = BPF_CORE_READ(task, loginuid.val);
        h->sessionid = BPF_CORE_READ(task, sessionid);
    } else {
        h->auid = (__u32)-1;
        h->sessionid = (__u32)-1;
        h->flags |= PE_F_NO_AUDIT;
    }
    h->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
    BPF_CORE_READ_STR_INTO(&h->comm, task, comm);
}

/* The open file behind descriptor fd of task, or NULL. */
static __always_inline struct file *fd_file(struct task_struct *task, long fd)
{
    struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
    if (fd < 0 || !fdt || fd >= BPF_CORE_READ(fdt, max_fds))
        return NULL;
    struct file **arr = BPF_CORE_READ(fdt, fd);
    struct file *f = NULL;
    bpf_probe_read_kernel(&f, sizeof(f), &arr[fd & 0xfffff]);
    return f;
}

#define VG_S_IFMT 00170000
#define VG_S_IFSOCK 0140000

/* The socket of an open file, or NULL when it is not one. */
static __always_inline struct sock *file_sock(struct file *f)
{
    if (!f)
        return NULL;
    umode_t mode = BPF_CORE_READ(f, f_inode, i_mode);
    if ((mode & VG_S_IFMT) != VG_S_IFSOCK)
        return NULL;
    struct socket *sock = BPF_CORE_READ(f, private_data);
    return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

#endif
