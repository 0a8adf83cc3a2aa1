// SPDX-License-Identifier: GPL-2.0
/* process.bpf.c - the process sensor's BPF side: raw tracepoints on sched_process_fork,
 * sched_process_exec and sched_process_exit that write process-level records (process_event.h)
 * into one ring buffer. Threads are filtered out here: a fork is reported only when the child
 * is a new thread group, an exit only when the last thread of the group is gone.
 *
 * Raw tracepoints with CO-RE reads (BPF_CORE_READ) are used rather than tp_btf so that the same
 * object loads on every kernel with BTF and a BPF ring buffer (5.8 and later). Everything that
 * user space would otherwise read from /proc, racing the process, is read here at the moment of
 * the event: the executable and working directory (dentry walks that cross mount points), the
 * cgroup path, and argv from the new image. Failed ring-buffer writes are counted per record
 * type in `drops`; nothing is lost silently. */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "process_event.h"
#include "agent/sensors/hub/common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader before load (read-only afterwards). */
const volatile __u32 args_max = 4096; /* bytes of argv captured, <= PE_ARGS_CAP */

#define SIGNAL_GROUP_EXIT_FLAG 0x00000004 /* include/linux/sched/signal.h, stable since 2.6 */

/* Where an exec record is assembled: one slot per CPU (the loader sets max_entries to the
 * number of possible CPUs). A per-CPU array cannot hold values over 32 KiB, so this is a plain
 * array indexed by the CPU id; the programs run with preemption disabled and do not nest.
 *
 * The path walks keep their cursor here, in map memory, rather than in a register: the verifier
 * does not track values loaded from a map, so every iteration of a walk looks the same to it and
 * the two ways an iteration can continue (append a name, cross a mount) are pruned into one
 * instead of doubling the states at each step. */
struct scratch {
    struct pe_exec e;
    char env[PE_PRELOAD_MAX + 16]; /* one environment string being looked at */
    __u32 len;  /* bytes written by the current walk */
    __u32 cut;  /* the walk stopped early */
    __u32 deleted;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct scratch);
} scratch SEC(".maps");

/* Append one name at data[start + sc->len], keeping the walk within PE_PATH_MAX bytes.
 * Returns false when the walk must stop (no room, or the name cannot be read). */
static __always_inline bool put_name(struct scratch *sc, __u32 start, const void *name)
{
    __u32 len = sc->len;
    if (len + 2 > PE_PATH_MAX) {
        sc->cut = 1;
        return false;
    }
    __u32 room = PE_PATH_MAX - len;
    if (room > PE_NAME_MAX)
        room = PE_NAME_MAX;
    /* a no-op for the values possible here, but a bound the verifier keeps on the register
     * passed to the helper (the compare above may be made on a copy) */
    barrier_var(room);
    room &= 2 * PE_NAME_MAX - 1;
    long n = bpf_probe_read_kernel_str(&sc->e.data[(start + len) & (PE_PATHS_AREA - 1)], room,
                                       name);
    if (n <= 0)
        return false;
    if ((__u32)n == room && room < PE_NAME_MAX)
        sc->cut = 1;
    sc->len = len + (__u32)n;
    return true;
}

/* Write the absolute path of (dentry, vfsmnt) at data[start..] as leaf-first components, the
 * way the kernel's prepend_path() walks it: up the dentries, across mount points to the
 * parent mount, until the root of the mount namespace. A "pseudo" file (a memfd, whose dentry
 * is its own parent) is reported as its name and flagged deleted, as /proc/PID/exe shows it.
 * The result is in sc->len, sc->cut, sc->deleted. */
static __noinline void put_path(struct scratch *sc, __u32 start, struct dentry *dentry,
                                struct vfsmount *vfsmnt)
{
    struct mount *mnt = (struct mount *)((char *)vfsmnt - bpf_core_field_offset(struct mount, mnt));

    sc->len = 0;
    sc->cut = 0;
    sc->deleted = 0;
    if (!dentry || !vfsmnt)
        return;
    /* d_unlinked(): unhashed and not a root */
    if (!BPF_CORE_READ(dentry, d_hash.pprev) && BPF_CORE_READ(dentry, d_parent) != dentry)
        sc->deleted = 1;

    for (int i = 0; i < PE_PATH_STEPS; i++) {
        struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
        struct dentry *mnt_root = BPF_CORE_READ(mnt, mnt.mnt_root);
        if (dentry == mnt_root) {
            struct mount *mp = BPF_CORE_READ(mnt, mnt_parent);
            if (!mp || mp == mnt)
                return; /* the root of the namespace */
            dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
            mnt = mp;
            continue;
        }
        if (dentry == parent || !parent) {
            if (sc->len == 0) { /* a pseudo file: "/name (deleted)" */
                put_name(sc, start, BPF_CORE_READ(dentry, d_name.name));
                sc->deleted = 1;
            }
            return;
        }
        if (!put_name(sc, start, BPF_CORE_READ(dentry, d_name.name))) {
            sc->cut = 1;
            return;
        }
        dentry = parent;
    }
    sc->cut = 1; /* deeper than PE_PATH_STEPS */
}

/* Write the cgroup path of kn (leaf first, the root's empty name excluded) into sc. */
static __noinline void put_cgroup(struct scratch *sc, __u32 start, struct kernfs_node *kn)
{
    sc->len = 0;
    sc->cut = 0;
    sc->deleted = 0;
    for (int i = 0; i < PE_CGROUP_STEPS; i++) {
        if (!kn)
            return;
        struct kernfs_node *parent = kn_parent(kn);
        if (!parent)
            return; /* the root cgroup has no name */
        if (!put_name(sc, start, BPF_CORE_READ(kn, name))) {
            sc->cut = 1;
            return;
        }
        kn = parent;
    }
    sc->cut = 1;
}

/* What descriptor fd of task is (struct pe_stdio). */
static __always_inline void put_stdio(struct pe_stdio *out, struct task_struct *task, int fd)
{
    __builtin_memset(out, 0, sizeof(*out));
    struct file *f = fd_file(task, fd);
    if (!f)
        return;
    struct inode *ino = BPF_CORE_READ(f, f_inode);
    out->mode = BPF_CORE_READ(ino, i_mode) & VG_S_IFMT;
    out->rdev = BPF_CORE_READ(ino, i_rdev);
    struct sock *sk = file_sock(f);
    if (!sk)
        return;
    out->family = BPF_CORE_READ(sk, __sk_common.skc_family);
    out->port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
    if (out->family == 2 /* AF_INET */)
        bpf_core_read(out->addr, 4, &sk->__sk_common.skc_daddr);
    else if (out->family == 10 /* AF_INET6 */)
        bpf_core_read(out->addr, 16, &sk->__sk_common.skc_v6_daddr);
}

/* Look for LD_PRELOAD in the new image's environment (the strings between env_start and
 * env_end, as the kernel just copied them), at most PE_ENV_SCAN strings. */
static __noinline void find_preload(struct scratch *sc, struct mm_struct *mm)
{
    unsigned long p = BPF_CORE_READ(mm, env_start);
    unsigned long end = BPF_CORE_READ(mm, env_end);
    sc->e.preload[0] = '\0';
    for (int i = 0; i < PE_ENV_SCAN && p < end; i++) {
        long n = bpf_probe_read_user_str(sc->env, 12, (const void *)p);
        if (n <= 0)
            return;
        if (n == 12 && sc->env[0] == 'L' && sc->env[1] == 'D' && sc->env[2] == '_' &&
            sc->env[3] == 'P' && sc->env[4] == 'R' && sc->env[5] == 'E' && sc->env[6] == 'L' &&
            sc->env[7] == 'O' && sc->env[8] == 'A' && sc->env[9] == 'D' && sc->env[10] == '=') {
            long v = bpf_probe_read_user_str(sc->e.preload, PE_PRELOAD_MAX,
                                             (const void *)(p + 11));
            sc->e.h.flags |= PE_F_PRELOAD;
            if (v == PE_PRELOAD_MAX)
                sc->e.h.flags |= PE_F_PRELOAD_TRUNCATED;
            return;
        }
        /* the length of the whole string, to step to the next one */
        long len = n < 12 ? n : 0;
        if (!len) {
            len = bpf_probe_read_user_str(sc->env, sizeof(sc->env), (const void *)p);
            if (len == sizeof(sc->env)) { /* longer: find its end page by page */
                for (int k = 0; k < 16; k++) {
                    long m = bpf_probe_read_user_str(sc->env, sizeof(sc->env),
                                                     (const void *)(p + len - 1));
                    if (m <= 0)
                        return;
                    len += m - 1;
                    if (m < (long)sizeof(sc->env))
                        break;
                }
            }
            if (len <= 0)
                return;
        }
        p += len;
    }
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(vigil_fork, struct task_struct *parent, struct task_struct *child)
{
    if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
        return 0; /* a new thread, not a new process */
    if (!in_scope(child))
        return 0;
    struct pe_fork *f = bpf_ringbuf_reserve(&events, sizeof(*f), 0);
    if (!f) {
        count_drop(PE_FORK);
        return 0;
    }
    fill_header(&f->h, child, PE_FORK);
    f->h.size = sizeof(*f);
    bpf_ringbuf_submit(f, wakeup_flag());
    return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(vigil_exit, struct task_struct *task)
{
    struct signal_struct *sig = BPF_CORE_READ(task, signal);
    if (BPF_CORE_READ(sig, live.counter) != 0)
        return 0; /* other threads of the group still run */
    if ((self_tgid && BPF_CORE_READ(task, tgid) == self_tgid) || !in_scope(task))
        return 0;
    struct pe_exit *x = bpf_ringbuf_reserve(&events, sizeof(*x), 0);
    if (!x) {
        count_drop(PE_EXIT);
        return 0;
    }
    fill_header(&x->h, task, PE_EXIT);
    x->h.size = sizeof(*x);
    /* what wait(2) reports: the group exit code when the group was taken down together,
     * else the leader's own exit code */
    if (BPF_CORE_READ(sig, flags) & SIGNAL_GROUP_EXIT_FLAG)
        x->exit_status = BPF_CORE_READ(sig, group_exit_code);
    else
        x->exit_status = BPF_CORE_READ(task, group_leader, exit_code);
    x->pad = 0;
    bpf_ringbuf_submit(x, wakeup_flag());
    return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(vigil_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
    __u32 cpu = bpf_get_smp_processor_id();
    struct scratch *sc = bpf_map_lookup_elem(&scratch, &cpu);
    if (!sc)
        return 0;
    if ((self_tgid && BPF_CORE_READ(task, tgid) == self_tgid) || !in_scope(task))
        return 0;
    struct pe_exec *e = &sc->e;
    fill_header(&e->h, task, PE_EXEC);

    struct tty_struct *tty = BPF_CORE_READ(task, signal, tty);
    e->tty[0] = '\0';
    if (tty)
        BPF_CORE_READ_STR_INTO(&e->tty, tty, name);

    /* the new image: mm->exe_file is what /proc/PID/exe shows (the interpreter of a script) */
    struct mm_struct *mm = BPF_CORE_READ(task, mm);
    struct file *exe = BPF_CORE_READ(mm, exe_file);
    if (!exe)
        exe = BPF_CORE_READ(bprm, file);

    struct inode *ino = BPF_CORE_READ(exe, f_inode);
    e->exe_ino = BPF_CORE_READ(ino, i_ino);
    e->exe_dev = BPF_CORE_READ(ino, i_sb, s_dev);
    e->exe_size = BPF_CORE_READ(ino, i_size);
    if (bpf_core_field_exists(ino->i_mtime_sec))
        e->exe_mtime_ns = BPF_CORE_READ(ino, i_mtime_sec) * 1000000000ull +
                          BPF_CORE_READ(ino, i_mtime_nsec);
    else
        e->exe_mtime_ns = 0;
    put_stdio(&e->stdio[0], task, 0);
    put_stdio(&e->stdio[1], task, 1);
    find_preload(sc, mm);

    put_path(sc, 0, BPF_CORE_READ(exe, f_path.dentry), BPF_CORE_READ(exe, f_path.mnt));
    e->exe_len = sc->len > PE_PATH_MAX ? PE_PATH_MAX : sc->len;
    if (sc->cut)
        e->h.flags |= PE_F_EXE_TRUNCATED;
    if (sc->deleted)
        e->h.flags |= PE_F_EXE_DELETED;

    struct fs_struct *fs = BPF_CORE_READ(task, fs);
    put_path(sc, e->exe_len, BPF_CORE_READ(fs, pwd.dentry), BPF_CORE_READ(fs, pwd.mnt));
    e->cwd_len = sc->len > PE_PATH_MAX ? PE_PATH_MAX : sc->len;
    if (sc->cut)
        e->h.flags |= PE_F_CWD_TRUNCATED;
    if (sc->deleted)
        e->h.flags |= PE_F_CWD_DELETED;

    __u32 off = e->exe_len + e->cwd_len;
    struct css_set *cset = BPF_CORE_READ(task, cgroups);
    put_cgroup(sc, off, BPF_CORE_READ(cset, dfl_cgrp, kn));
    if (sc->len == 0 && bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id)) {
        /* the process sits in the root of the v2 hierarchy: on a v1 or hybrid host its
         * container shows in the v1 memory controller's path */
        int id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
        struct cgroup_subsys_state *css = NULL;
        if (id >= 0 && id < 16)
            bpf_core_read(&css, sizeof(css), &cset->subsys[id]);
        if (css) {
            put_cgroup(sc, off, BPF_CORE_READ(css, cgroup, kn));
            if (sc->len)
                e->h.flags |= PE_F_CGROUP_V1;
        }
    }
    e->cgroup_len = sc->len > PE_PATH_MAX ? PE_PATH_MAX : sc->len;
    if (sc->cut)
        e->h.flags |= PE_F_CGROUP_TRUNCATED;
    off = e->exe_len + e->cwd_len + e->cgroup_len;

    /* argv, as the kernel just copied it onto the new stack */
    unsigned long arg_start = BPF_CORE_READ(mm, arg_start);
    unsigned long arg_end = BPF_CORE_READ(mm, arg_end);
    __u64 total = arg_end > arg_start ? arg_end - arg_start : 0;
    __u32 max = args_max;
    __u32 alen = total > max ? max : (__u32)total;
    e->args_size = total;
    if (total > max)
        e->h.flags |= PE_F_ARGS_TRUNCATED;
    off &= PE_PATHS_AREA - 1;
    barrier_var(alen);
    if (alen > PE_ARGS_CAP)
        alen = PE_ARGS_CAP;
    if (alen && bpf_probe_read_user(&e->data[off], alen, (const void *)arg_start) < 0) {
        e->h.flags |= PE_F_ARGS_FAULT;
        alen = 0;
    }
    e->args_len = alen;

    __u64 size = __builtin_offsetof(struct pe_exec, data) + off + alen;
    barrier_var(size);
    if (size > sizeof(*e))
        size = sizeof(*e);
    e->h.size = (__u32)size;
    if (e->h.flags & (PE_F_ARGS_TRUNCATED | PE_F_EXE_TRUNCATED | PE_F_CWD_TRUNCATED |
                      PE_F_PRELOAD_TRUNCATED))
        count_trunc(PE_EXEC);
    if (bpf_ringbuf_output(&events, e, size, wakeup_flag()) < 0)
        count_drop(PE_EXEC);
    return 0;
}
