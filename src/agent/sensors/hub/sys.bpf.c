// SPDX-License-Identifier: GPL-2.0
/* sys.bpf.c - the syscall sensor's BPF side: one raw tracepoint on sys_enter and one on
 * sys_exit serve every family (process actions, network, files, kernel), so a syscall costs one
 * program run per direction whatever the number of families enabled.
 *
 * Cost for the syscalls of no interest: the syscall number indexes the read-only table
 * `nr_kind` (filled by the loader with the numbers of this architecture, only for the enabled
 * families) and the program returns; a few instructions. For a syscall of interest, sys_enter
 * keeps what the exit needs (arguments, old credentials) in `stash`, keyed by thread, and
 * sys_exit writes one record (sys_event.h) with the result. File changes are filtered here by
 * path prefix (`paths`, an LPM trie filled before attach), reads of sensitive files by a basename
 * set (`sensitive_names`) and then the exact path, so only what is asked for reaches user space.
 *
 * Paths of open files are the kernel's (a dentry walk from the file). Paths given to rename,
 * unlink, chmod... are resolved lexically against the working directory or the directory
 * descriptor; a path with a ".." component skips the in-kernel filter and is normalised and
 * filtered in user space, so "/tmp/../etc/x" cannot evade a prefix. */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "agent/sensors/hub/sys_event.h"
#include "agent/sensors/hub/common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* What a syscall number is to the sensor (enum sx_kind; set by the loader, 0 = no interest). */
const volatile __u8 nr_kind[SX_NR_MAX] = {};
const volatile __u32 have_sensitive = 0; /* sensitive_names is not empty */

#define AT_FDCWD_ (-100)
#define O_WRONLY_ 01
#define O_RDWR_ 02
#define O_CREAT_ 0100
#define O_TRUNC_ 01000
#define WRITE_FLAGS (O_WRONLY_ | O_RDWR_ | O_CREAT_ | O_TRUNC_)
#define FMODE_WRITE_ 0x2
#define AF_INET_ 2
#define AF_INET6_ 10
#define PR_SET_NAME_ 15
#define BPF_PROG_LOAD_ 5

/* What sys_enter keeps for sys_exit, per thread. */
struct stash {
    __u64 args[6];
    __u64 old[4];  /* credentials or capabilities before the call */
    __u32 kind;
    __u32 pad;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16384);
    __type(key, __u64);
    __type(value, struct stash);
} stash SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(max_entries, 1024);
    __type(key, struct sx_path_key);
    __type(value, __u32);
    __uint(map_flags, BPF_F_NO_PREALLOC);
} paths SEC(".maps");

#define NAME_KEY 32
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 256);
    __type(key, char[NAME_KEY]);
    __type(value, __u32);
} sensitive_names SEC(".maps");

struct scratch {
    struct sx_event e;
    /* the two strings being built: string i at i * 2 * SX_STR_MAX, with room past the end so
     * that a bounded write at a masked offset is always within the array (see sptr) */
    char s[5 * SX_STR_MAX];
    const unsigned char *comp[SX_PATH_DEPTH]; /* names of a dentry walk, leaf first */
    __u32 n;                  /* put_dentry_path: names collected */
    struct sx_path_key key;
    char name[NAME_KEY];
    struct task_struct *task; /* the current task, for the helpers below */
    long nr;                  /* the syscall number */
    __u32 len;
    __u32 cut;
    __u32 dotdot;             /* put_user_path: the path has a ".." component */
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct scratch);
} scratch SEC(".maps");

#if defined(__TARGET_ARCH_x86)
#define SYSCALL_NR(regs) BPF_CORE_READ(regs, orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define SYSCALL_NR(regs) BPF_CORE_READ((struct user_pt_regs *)(regs), regs[8])
#endif

static __always_inline int kind_of(long nr)
{
    if (nr < 0 || nr >= SX_NR_MAX)
        return K_NONE;
    return nr_kind[nr];
}

/* ---- strings and paths ---- */

/* Where byte off of string `which` is; the offset is masked in a way the verifier keeps, so
 * that a write of up to SX_STR_MAX bytes there stays within sc->s. */
static __always_inline char *sptr(struct scratch *sc, int which, __u32 off)
{
    __u32 o = ((__u32)(which & 1) << 13) + (off & (SX_STR_MAX - 1));
    barrier_var(o);
    o &= 4 * SX_STR_MAX - 1;
    return &sc->s[o];
}

/* The state of one dentry walk, shared with its bpf_loop callbacks. */
struct walk {
    struct scratch *sc;
    struct dentry *dentry;
    struct mount *mnt;
    int which;
};

/* One step up: record the dentry's name, or cross to the parent mount. 1 stops the loop. */
static long walk_up(__u32 i, void *arg)
{
    struct walk *w = arg;
    struct scratch *sc = w->sc;
    struct dentry *dentry = w->dentry;
    struct mount *mnt = w->mnt;
    struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
    if (dentry == BPF_CORE_READ(mnt, mnt.mnt_root)) {
        struct mount *mp = BPF_CORE_READ(mnt, mnt_parent);
        if (!mp || mp == mnt)
            return 1; /* the root of the namespace */
        w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
        w->mnt = mp;
        return 0;
    }
    __u32 n = sc->n;
    if (dentry == parent || !parent) {
        if (n == 0) { /* a pseudo file (memfd, pipe): its name */
            sc->comp[0] = BPF_CORE_READ(dentry, d_name.name);
            sc->n = 1;
        }
        return 1;
    }
    if (n >= SX_PATH_DEPTH) {
        sc->cut = 1;
        return 1;
    }
    sc->comp[n & (SX_PATH_DEPTH - 1)] = BPF_CORE_READ(dentry, d_name.name);
    sc->n = n + 1;
    w->dentry = parent;
    return 0;
}

/* One name written, root first. 1 stops the loop. */
static long walk_write(__u32 i, void *arg)
{
    struct walk *w = arg;
    struct scratch *sc = w->sc;
    __u32 n = sc->n, len = sc->len;
    if (n == 0)
        return 1;
    if (len >= SX_STR_MAX - 2) {
        sc->cut = 1;
        return 1;
    }
    *sptr(sc, w->which, len) = '/';
    long r = bpf_probe_read_kernel_str(sptr(sc, w->which, len + 1), 256,
                                       sc->comp[(n - 1) & (SX_PATH_DEPTH - 1)]);
    sc->len = len + 1 + (r > 1 ? (__u32)r - 1 : 0);
    sc->n = n - 1;
    return 0;
}

/* Write the path of (dentry, vfsmnt) root-first into sc->s[which]: collect the names leaf
 * first (crossing mount points as the kernel's prepend_path does), then write them in
 * reverse. Length in sc->len, sc->cut when it was too deep or too long. The loops are
 * bpf_loop callbacks, verified once whatever the number of steps. */
static __noinline void put_dentry_path(struct scratch *sc, int which, struct dentry *dentry,
                                       struct vfsmount *vfsmnt)
{
    struct walk w = {sc, dentry, NULL, which};
    sc->len = 0;
    sc->cut = 0;
    sc->n = 0;
    if (dentry && vfsmnt) {
        w.mnt = (struct mount *)((char *)vfsmnt - bpf_core_field_offset(struct mount, mnt));
        bpf_loop(SX_PATH_DEPTH + 16, walk_up, &w, 0);
        bpf_loop(SX_PATH_DEPTH, walk_write, &w, 0);
    }
    if (sc->len == 0) {
        *sptr(sc, which, 0) = '/';
        sc->len = 1;
    }
    if (sc->len > SX_STR_MAX - 1) {
        sc->len = SX_STR_MAX - 1;
        sc->cut = 1;
    }
}

/* Path of the open file f into sc->s[which]. */
static __always_inline void put_file_path(struct scratch *sc, int which, struct file *f)
{
    put_dentry_path(sc, which, BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt));
}

/* A path as a process gave it (upath, relative to dirfd) into sc->s[which], made absolute with
 * the working directory or dirfd's path; sets sc->dotdot when it has a ".." component. */
__noinline int put_user_path(struct scratch *sc, int which, long dirfd, __u64 upath_p)
{
    if (!sc)
        return 0;
    const char *upath = (const char *)upath_p;
    struct task_struct *task = sc->task;
    char first = 0;
    bpf_probe_read_user(&first, 1, upath);
    __u32 base = 0;
    sc->cut = 0;
    if (first != '/') {
        if (dirfd == AT_FDCWD_) {
            struct fs_struct *fs = BPF_CORE_READ(task, fs);
            put_dentry_path(sc, which, BPF_CORE_READ(fs, pwd.dentry), BPF_CORE_READ(fs, pwd.mnt));
        } else {
            struct file *f = fd_file(task, dirfd);
            if (f)
                put_file_path(sc, which, f);
            else
                sc->len = 0;
        }
        base = sc->len;
        if (base == 1) /* "/" */
            base = 0;
        *sptr(sc, which, base) = '/';
        base++;
    }
    base &= SX_STR_MAX - 1;
    long r = bpf_probe_read_user_str(sptr(sc, which, base), SX_STR_MAX, upath);
    __u32 len = base + (r > 0 ? (__u32)r - 1 : 0);
    if (r == SX_STR_MAX || len > SX_STR_MAX - 1) {
        sc->cut = 1;
        len = SX_STR_MAX - 1;
    }
    sc->len = len;
    /* a ".." component in the first SX_NPREFIX_BYTES: the prefix filter cannot be trusted */
    sc->dotdot = 0;
    const char *str = sptr(sc, which, 0);
    for (int i = 0; i < SX_NPREFIX_BYTES - 2; i++) {
        if ((__u32)i + 2 >= len)
            break;
        if (str[i] == '/' && str[i + 1] == '.' && str[i + 2] == '.') {
            sc->dotdot = 1;
            break;
        }
    }
    return 0;
}

/* The filter's verdict on sc->s[which] (length len): SX_PATH_* bits, 0 when not watched. */
static __always_inline __u32 path_match(struct scratch *sc, int which, __u32 len)
{
    __builtin_memset(&sc->key, 0, sizeof(sc->key));
    __u32 n = len;
    if (n > SX_NPREFIX_BYTES - 1)
        n = SX_NPREFIX_BYTES - 1;
    barrier_var(n);
    n &= SX_NPREFIX_BYTES - 1; /* what the verifier keeps on the register passed */
    bpf_probe_read_kernel(sc->key.path, n, sptr(sc, which, 0));
    sc->key.prefixlen = (n + 1) * 8; /* with the NUL: exact entries match only the same path */
    __u32 *v = bpf_map_lookup_elem(&paths, &sc->key);
    return v ? *v : 0;
}

/* ---- records ---- */

static __always_inline struct sx_event *begin(struct scratch *sc, struct task_struct *task,
                                              __u32 type, long ret, long nr)
{
    struct sx_event *e = &sc->e;
    fill_header(&e->h, task, type);
    e->ret = ret;
    e->nr = (__u32)nr;
    e->len[0] = e->len[1] = 0;
    e->pad = 0;
    __builtin_memset(e->v, 0, sizeof(e->v));
    __builtin_memset(e->addr, 0, sizeof(e->addr));
    e->aux[0] = '\0';
    return e;
}

/* Put string `which` of the scratch (sc->len bytes) into the record. */
static __always_inline void take(struct scratch *sc, int which)
{
    struct sx_event *e = &sc->e;
    __u32 len = sc->len & (SX_STR_MAX - 1);
    e->len[which & 1] = len;
    if (sc->cut)
        e->h.flags |= which ? SX_F_S1_TRUNCATED : SX_F_S0_TRUNCATED;
}

/* Write the record: header, fixed part, s[0] then s[1] back to back. */
static __always_inline void emit(struct scratch *sc)
{
    struct sx_event *e = &sc->e;
    __u32 l0 = e->len[0] & (SX_STR_MAX - 1), l1 = e->len[1] & (SX_STR_MAX - 1);
    if (l0)
        bpf_probe_read_kernel(e->data, l0, sptr(sc, 0, 0));
    if (l1)
        bpf_probe_read_kernel(&e->data[l0], l1, sptr(sc, 1, 0));
    __u64 size = __builtin_offsetof(struct sx_event, data) + l0 + l1;
    barrier_var(size);
    if (size > sizeof(*e))
        size = sizeof(*e);
    e->h.size = (__u32)size;
    __u32 type = e->h.type;
    if (e->h.flags & (SX_F_S0_TRUNCATED | SX_F_S1_TRUNCATED))
        count_trunc(type);
    if (bpf_ringbuf_output(&events, e, size, wakeup_flag()) < 0)
        count_drop(type);
}

/* A bounded user string into s[which] (not a path: no resolution). */
static __always_inline void put_user_str(struct scratch *sc, int which, const void *u, __u32 max)
{
    __u32 size = max > SX_STR_MAX ? SX_STR_MAX : max;
    barrier_var(size);
    if (size > SX_STR_MAX)
        size = SX_STR_MAX;
    long r = bpf_probe_read_user_str(sptr(sc, which, 0), size, u);
    sc->cut = 0;
    sc->len = r > 0 ? (__u32)r - 1 : 0;
}

/* ---- network ---- */

/* Family, protocol, local and remote endpoint of sk into e. */
static __always_inline void put_sock(struct sx_event *e, struct sock *sk)
{
    __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
    e->v[0] = family;
    e->v[1] = BPF_CORE_READ(sk, sk_protocol);
    e->v[4] = BPF_CORE_READ(sk, sk_type);
    e->v[2] = BPF_CORE_READ(sk, __sk_common.skc_num);
    e->v[3] = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
    if (family == AF_INET_) {
        bpf_core_read(e->addr[0], 4, &sk->__sk_common.skc_rcv_saddr);
        bpf_core_read(e->addr[1], 4, &sk->__sk_common.skc_daddr);
    } else if (family == AF_INET6_) {
        bpf_core_read(e->addr[0], 16, &sk->__sk_common.skc_v6_rcv_saddr);
        bpf_core_read(e->addr[1], 16, &sk->__sk_common.skc_v6_daddr);
    }
}

/* A sockaddr given by the process into address slot `slot` and port v[port_idx]; returns its
 * family (0 when unreadable). */
static __always_inline __u16 put_sockaddr(struct sx_event *e, const void *uaddr, int slot,
                                          int port_idx)
{
    struct sockaddr_in6 sa = {};
    if (!uaddr || bpf_probe_read_user(&sa, sizeof(sa), uaddr) < 0) {
        __u16 fam = 0;
        if (!uaddr || bpf_probe_read_user(&fam, sizeof(fam), uaddr) < 0)
            return 0;
        if (fam != AF_INET_)
            return fam;
        struct sockaddr_in sa4 = {};
        if (bpf_probe_read_user(&sa4, sizeof(sa4), uaddr) < 0)
            return 0;
        e->v[port_idx] = bpf_ntohs(sa4.sin_port);
        __builtin_memcpy(&e->addr[slot & 1], &sa4.sin_addr, 4);
        return AF_INET_;
    }
    if (sa.sin6_family == AF_INET_) {
        struct sockaddr_in *sa4 = (struct sockaddr_in *)&sa;
        e->v[port_idx] = bpf_ntohs(sa4->sin_port);
        __builtin_memcpy(&e->addr[slot & 1], &sa4->sin_addr, 4);
    } else if (sa.sin6_family == AF_INET6_) {
        e->v[port_idx] = bpf_ntohs(sa.sin6_port);
        __builtin_memcpy(&e->addr[slot & 1], &sa.sin6_addr, 16);
    }
    return sa.sin6_family;
}

/* A DNS query sent on a UDP socket: the socket's remote port (connected) or the destination
 * given is 53. One record per message, the payload in s0. */
static __noinline void dns_send(struct scratch *sc, struct sock *sk, const void *dest,
                                const void *buf, __u64 len)
{
    struct task_struct *task = sc->task;
    long nr = sc->nr;
    if (!sk || BPF_CORE_READ(sk, sk_protocol) != 17 /* IPPROTO_UDP */)
        return;
    struct sx_event *e = begin(sc, task, SX_DNS, 0, nr);
    put_sock(e, sk);
    if (dest) {
        __u16 fam = put_sockaddr(e, dest, 1, 3);
        if (fam != AF_INET_ && fam != AF_INET6_)
            return;
    }
    if (e->v[3] != 53 || !buf || len < 12)
        return;
    __u32 n = len > SX_DNS_MAX ? SX_DNS_MAX : (__u32)len;
    if (bpf_probe_read_user(sptr(sc, 0, 0), n & (SX_STR_MAX - 1), buf) < 0)
        return;
    sc->len = n & (SX_STR_MAX - 1);
    sc->cut = 0;
    take(sc, 0);
    emit(sc);
}

static __always_inline void dns_enter(struct scratch *sc, struct task_struct *task, long nr, int k,
                                      struct pt_regs *regs)
{
    long fd = PT_REGS_PARM1_CORE_SYSCALL(regs);
    struct sock *sk = file_sock(fd_file(task, fd));
    if (!sk)
        return;
    if (k == K_SENDTO) {
        dns_send(sc, sk, (const void *)PT_REGS_PARM5_CORE_SYSCALL(regs),
                 (const void *)PT_REGS_PARM2_CORE_SYSCALL(regs), PT_REGS_PARM3_CORE_SYSCALL(regs));
        return;
    }
    struct user_msghdr mh = {};
    struct iovec iov = {};
    const void *msg = (const void *)PT_REGS_PARM2_CORE_SYSCALL(regs);
    int count = 1;
    if (k == K_SENDMMSG) {
        __u64 vlen = PT_REGS_PARM3_CORE_SYSCALL(regs);
        count = vlen > 2 ? 2 : (int)vlen; /* the resolver sends A and AAAA together */
    }
    for (int i = 0; i < 2; i++) {
        if (i >= count)
            break;
        const void *m = k == K_SENDMMSG ? (const char *)msg + i * sizeof(struct mmsghdr) : msg;
        if (bpf_probe_read_user(&mh, sizeof(mh), m) < 0 || !mh.msg_iov || !mh.msg_iovlen)
            return;
        if (bpf_probe_read_user(&iov, sizeof(iov), mh.msg_iov) < 0)
            return;
        dns_send(sc, sk, mh.msg_name, iov.iov_base, iov.iov_len);
    }
}

__noinline int net_exit(struct scratch *sc, struct stash *st, long ret)
{
    if (!sc || !st)
        return 0;
    struct task_struct *task = sc->task;
    long nr = sc->nr;
    int k = st->kind;
    long fd = k == K_ACCEPT || k == K_ACCEPT4 ? ret : (long)st->args[0];
    if (fd < 0) /* a failed accept: nothing to describe */
        return 0;
    struct sock *sk = file_sock(fd_file(task, fd));
    if (!sk)
        return 0;
    __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
    if (family != AF_INET_ && family != AF_INET6_)
        return 0;
    __u32 type = k == K_CONNECT ? SX_CONNECT : k == K_BIND ? SX_BIND : k == K_LISTEN ? SX_LISTEN
                                                                                  : SX_ACCEPT;
    struct sx_event *e = begin(sc, task, type, ret, nr);
    put_sock(e, sk);
    if (k == K_CONNECT)
        put_sockaddr(e, (const void *)st->args[1], 1, 3);
    else if (k == K_BIND && ret < 0) /* bound: the socket has the address (and the port) */
        put_sockaddr(e, (const void *)st->args[1], 0, 2);
    emit(sc);
    return 0;
}

/* ---- files ---- */

__noinline int file_open_exit(struct scratch *sc, struct stash *st, long ret)
{
    if (!sc)
        return 0;
    struct task_struct *task = sc->task;
    long nr = sc->nr;
    if (ret < 0 && !st)
        return 0;
    if (!st) { /* opened read-only: a sensitive file? */
        if (!have_sensitive)
            return 0;
        struct file *f = fd_file(task, ret);
        if (!f)
            return 0;
        __builtin_memset(sc->name, 0, sizeof(sc->name));
        bpf_probe_read_kernel_str(sc->name, sizeof(sc->name),
                                  BPF_CORE_READ(f, f_path.dentry, d_name.name));
        if (!bpf_map_lookup_elem(&sensitive_names, sc->name))
            return 0;
        put_file_path(sc, 0, f);
        __u32 len = sc->len;
        if (!(path_match(sc, 0, len) & SX_PATH_SENSITIVE))
            return 0;
        begin(sc, task, SX_READ, ret, nr);
        sc->len = len;
        take(sc, 0);
        emit(sc);
        return 0;
    }
    int k = st->kind;
    __u64 flags = k == K_CREAT ? (O_CREAT_ | O_WRONLY_ | O_TRUNC_) : st->old[0];
    __u64 mode = st->old[1];
    bool dotdot = false;
    if (ret >= 0) {
        struct file *f = fd_file(task, ret);
        if (!f)
            return 0;
        put_file_path(sc, 0, f);
    } else { /* failed: the path as given */
        long dirfd = k == K_OPEN || k == K_CREAT ? AT_FDCWD_ : (long)st->args[0];
        const char *up = (const char *)(k == K_OPEN || k == K_CREAT ? st->args[0] : st->args[1]);
        put_user_path(sc, 0, dirfd, (__u64)up);
        dotdot = sc->dotdot;
    }
    __u32 len = sc->len, cut = sc->cut;
    if (!dotdot && !(path_match(sc, 0, len) & SX_PATH_WATCH))
        return 0;
    struct sx_event *e = begin(sc, task, SX_OPEN, ret, nr);
    e->v[0] = flags;
    e->v[1] = mode;
    sc->len = len;
    sc->cut = cut;
    take(sc, 0);
    emit(sc);
    return 0;
}

/* The other file changes: paths from the arguments, numbers from the arguments. */
__noinline int file_exit(struct scratch *sc, struct stash *st, long ret)
{
    if (!sc || !st)
        return 0;
    struct task_struct *task = sc->task;
    long nr = sc->nr;
    int k = st->kind;
    __u64 *a = st->args;
    long dirfd = AT_FDCWD_;
    const char *p0 = NULL, *p1 = NULL;
    long dirfd1 = AT_FDCWD_;
    struct file *fdf = NULL;
    __u32 type = 0;
    bool raw1 = false; /* s1 is not a path to resolve (a symlink's target) */

    switch (k) {
    case K_RENAME: type = SX_RENAME; p0 = (void *)a[0]; p1 = (void *)a[1]; break;
    case K_RENAMEAT: case K_RENAMEAT2:
        type = SX_RENAME; dirfd = a[0]; p0 = (void *)a[1]; dirfd1 = a[2]; p1 = (void *)a[3]; break;
    case K_UNLINK: case K_RMDIR: type = SX_UNLINK; p0 = (void *)a[0]; break;
    case K_UNLINKAT: type = SX_UNLINK; dirfd = a[0]; p0 = (void *)a[1]; break;
    case K_CHMOD: type = SX_CHMOD; p0 = (void *)a[0]; break;
    case K_FCHMOD: type = SX_CHMOD; fdf = fd_file(task, a[0]); break;
    case K_FCHMODAT: case K_FCHMODAT2: type = SX_CHMOD; dirfd = a[0]; p0 = (void *)a[1]; break;
    case K_CHOWN: case K_LCHOWN: type = SX_CHOWN; p0 = (void *)a[0]; break;
    case K_FCHOWN: type = SX_CHOWN; fdf = fd_file(task, a[0]); break;
    case K_FCHOWNAT: type = SX_CHOWN; dirfd = a[0]; p0 = (void *)a[1]; break;
    case K_LINK: type = SX_LINK; p0 = (void *)a[1]; p1 = (void *)a[0]; break;
    case K_LINKAT:
        type = SX_LINK; dirfd1 = a[0]; p1 = (void *)a[1]; dirfd = a[2]; p0 = (void *)a[3]; break;
    case K_SYMLINK: type = SX_SYMLINK; p0 = (void *)a[1]; p1 = (void *)a[0]; raw1 = true; break;
    case K_SYMLINKAT:
        type = SX_SYMLINK; p1 = (void *)a[0]; dirfd = a[1]; p0 = (void *)a[2]; raw1 = true; break;
    case K_UTIME: case K_UTIMES: type = SX_UTIMES; p0 = (void *)a[0]; break;
    case K_FUTIMESAT: type = SX_UTIMES; dirfd = a[0]; p0 = (void *)a[1]; break;
    case K_UTIMENSAT:
        type = SX_UTIMES; dirfd = a[0]; p0 = (void *)a[1];
        if (!p0)
            fdf = fd_file(task, a[0]); /* futimens() */
        break;
    default:
        return 0;
    }

    bool dotdot = false, dotdot1 = false;
    if (fdf)
        put_file_path(sc, 0, fdf);
    else if (p0) {
        put_user_path(sc, 0, dirfd, (__u64)p0);
        dotdot = sc->dotdot;
    } else {
        return 0;
    }
    __u32 len0 = sc->len, cut0 = sc->cut;
    __u32 verdict = path_match(sc, 0, len0);
    __u32 len1 = 0, cut1 = 0;
    if (p1) {
        if (raw1)
            put_user_str(sc, 1, p1, SX_STR_MAX);
        else {
            put_user_path(sc, 1, dirfd1, (__u64)p1);
            dotdot1 = sc->dotdot;
        }
        len1 = sc->len;
        cut1 = sc->cut;
        if (type == SX_RENAME || type == SX_LINK)
            verdict |= path_match(sc, 1, len1);
    }
    if (!dotdot && !dotdot1 && !(verdict & SX_PATH_WATCH))
        return 0;

    struct sx_event *e = begin(sc, task, type, ret, nr);
    switch (k) {
    case K_CHMOD: e->v[0] = a[1]; break;
    case K_FCHMOD: e->v[0] = a[1]; break;
    case K_FCHMODAT: case K_FCHMODAT2: e->v[0] = a[2]; break;
    case K_CHOWN: case K_LCHOWN: case K_FCHOWN: e->v[0] = a[1]; e->v[1] = a[2]; break;
    case K_FCHOWNAT: e->v[0] = a[2]; e->v[1] = a[3]; break;
    case K_UTIMENSAT: {
        struct { __s64 sec, nsec; } ts[2] = {};
        e->v[0] = e->v[1] = (__u64)-1; /* now */
        if (a[2] && bpf_probe_read_user(ts, sizeof(ts), (void *)a[2]) == 0) {
            for (int i = 0; i < 2; i++) {
                if (ts[i].nsec == ((1l << 30) - 2)) /* UTIME_OMIT */
                    e->v[i] = (__u64)-2;
                else if (ts[i].nsec != ((1l << 30) - 1)) /* not UTIME_NOW */
                    e->v[i] = ts[i].sec * 1000000000ull + ts[i].nsec;
            }
        }
        break;
    }
    case K_UTIMES: case K_FUTIMESAT: {
        struct { __s64 sec, usec; } tv[2] = {};
        e->v[0] = e->v[1] = (__u64)-1;
        const void *tp = (void *)(k == K_UTIMES ? a[1] : a[2]);
        if (tp && bpf_probe_read_user(tv, sizeof(tv), tp) == 0) {
            e->v[0] = tv[0].sec * 1000000000ull + tv[0].usec * 1000;
            e->v[1] = tv[1].sec * 1000000000ull + tv[1].usec * 1000;
        }
        break;
    }
    case K_UTIME: {
        struct { __s64 actime, modtime; } ut = {};
        e->v[0] = e->v[1] = (__u64)-1;
        if (a[1] && bpf_probe_read_user(&ut, sizeof(ut), (void *)a[1]) == 0) {
            e->v[0] = ut.actime * 1000000000ull;
            e->v[1] = ut.modtime * 1000000000ull;
        }
        break;
    }
    default:
        break;
    }
    if (k == K_UNLINKAT || k == K_RMDIR)
        e->v[0] = k == K_RMDIR ? 0x200 : a[2]; /* AT_REMOVEDIR */
    sc->len = len0;
    sc->cut = cut0;
    take(sc, 0);
    if (p1) {
        sc->len = len1;
        sc->cut = cut1;
        take(sc, 1);
    }
    emit(sc);
    return 0;
}

/* ---- kernel ---- */

__noinline int kernel_exit(struct scratch *sc, struct stash *st, long ret)
{
    if (!sc || !st)
        return 0;
    struct task_struct *task = sc->task;
    long nr = sc->nr;
    int k = st->kind;
    __u64 *a = st->args;
    struct sx_event *e;
    switch (k) {
    case K_INIT_MODULE:
        e = begin(sc, task, SX_MODULE, ret, nr);
        emit(sc);
        return 0;
    case K_FINIT_MODULE: {
        struct file *f = fd_file(task, a[0]);
        e = begin(sc, task, SX_MODULE, ret, nr);
        e->v[0] = a[2];
        if (f) {
            put_file_path(sc, 0, f);
            take(sc, 0);
        }
        emit(sc);
        return 0;
    }
    case K_MOUNT:
        e = begin(sc, task, SX_MOUNT, ret, nr);
        e->v[0] = a[3];
        if (a[2])
            bpf_probe_read_user_str(e->aux, sizeof(e->aux), (void *)a[2]);
        if (a[0]) {
            put_user_str(sc, 0, (void *)a[0], SX_STR_MAX);
            take(sc, 0);
        }
        if (a[1]) {
            put_user_path(sc, 1, AT_FDCWD_, a[1]);
            take(sc, 1);
        }
        emit(sc);
        return 0;
    case K_UMOUNT2:
        e = begin(sc, task, SX_UMOUNT, ret, nr);
        e->v[0] = a[1];
        if (a[0]) {
            put_user_path(sc, 1, AT_FDCWD_, a[0]);
            take(sc, 1);
        }
        emit(sc);
        return 0;
    case K_BPF: {
        if (a[0] != BPF_PROG_LOAD_)
            return 0;
        e = begin(sc, task, SX_BPF_LOAD, ret, nr);
        __u32 type = 0;
        bpf_probe_read_user(&type, sizeof(type), (void *)a[1]);
        e->v[0] = type;
        if (a[2] >= 64) /* prog_name: offset 48 of union bpf_attr, 16 bytes */
            bpf_probe_read_user_str(e->aux, 16, (char *)a[1] + 48);
        emit(sc);
        return 0;
    }
    default:
        return 0;
    }
    return 0;
}

/* ---- process actions ---- */

__noinline int proc_exit(struct scratch *sc, struct stash *st, long ret)
{
    if (!sc || !st)
        return 0;
    struct task_struct *task = sc->task;
    long nr = sc->nr;
    int k = st->kind;
    __u64 *a = st->args;
    struct sx_event *e;
    switch (k) {
    case K_SETUID: case K_SETREUID: case K_SETRESUID:
    case K_SETGID: case K_SETREGID: case K_SETRESGID: {
        e = begin(sc, task, SX_SETID, ret, nr);
        const struct cred *cred = BPF_CORE_READ(task, real_cred);
        e->v[0] = st->old[0] & 0xffffffff;
        e->v[1] = st->old[0] >> 32;
        e->v[2] = st->old[1] & 0xffffffff;
        e->v[3] = st->old[1] >> 32;
        e->v[4] = BPF_CORE_READ(cred, uid.val);
        e->v[5] = BPF_CORE_READ(cred, euid.val);
        e->v[6] = BPF_CORE_READ(cred, gid.val);
        e->v[7] = BPF_CORE_READ(cred, egid.val);
        emit(sc);
        return 0;
    }
    case K_CAPSET: {
        e = begin(sc, task, SX_CAPSET, ret, nr);
        const struct cred *cred = BPF_CORE_READ(task, real_cred);
        e->v[0] = st->old[0];
        e->v[2] = st->old[1];
        bpf_probe_read_kernel(&e->v[1], sizeof(__u64), &cred->cap_effective);
        bpf_probe_read_kernel(&e->v[3], sizeof(__u64), &cred->cap_permitted);
        emit(sc);
        return 0;
    }
    case K_PTRACE:
        e = begin(sc, task, SX_PTRACE, ret, nr);
        e->v[0] = a[0];
        e->v[1] = a[1];
        emit(sc);
        return 0;
    case K_PRCTL:
        e = begin(sc, task, SX_SET_NAME, ret, nr);
        put_user_str(sc, 0, (void *)a[1], 16);
        take(sc, 0);
        emit(sc);
        return 0;
    case K_MEMFD:
        e = begin(sc, task, SX_MEMFD, ret, nr);
        e->v[0] = a[1];
        put_user_str(sc, 0, (void *)a[0], 256);
        take(sc, 0);
        emit(sc);
        return 0;
    case K_KILL: case K_TKILL: case K_TGKILL:
        e = begin(sc, task, SX_KILL, ret, nr);
        e->v[0] = a[0];
        e->v[1] = k == K_TGKILL ? a[2] : a[1];
        emit(sc);
        return 0;
    default:
        return 0;
    }
    return 0;
}

/* ---- the two hooks ---- */

/* Whether the call is worth a stash (filters that need only the arguments). */
static __always_inline bool wanted(int k, struct stash *st, struct task_struct *task, __u32 tgid)
{
    __u64 *a = st->args;
    switch (k) {
    case K_OPEN: case K_OPENAT: case K_OPENAT2: {
        __u64 flags = k == K_OPEN ? a[1] : a[2];
        __u64 mode = k == K_OPEN ? a[2] : a[3];
        if (k == K_OPENAT2) {
            struct open_how how = {};
            if (bpf_probe_read_user(&how, sizeof(how), (void *)a[2]) < 0)
                return false;
            flags = how.flags;
            mode = how.mode;
        }
        st->old[0] = flags;
        st->old[1] = mode;
        return (flags & WRITE_FLAGS) != 0; /* read-only opens are looked at on exit only */
    }
    case K_CREAT:
        st->old[1] = a[1];
        return true;
    case K_PRCTL:
        return a[0] == PR_SET_NAME_;
    case K_PTRACE: /* what takes control of or changes another process */
        return a[0] == 16 /* ATTACH */ || a[0] == 0x4206 /* SEIZE */ || a[0] == 4 /* POKETEXT */ ||
               a[0] == 5 /* POKEDATA */ || a[0] == 6 /* POKEUSER */ || a[0] == 13 /* SETREGS */ ||
               a[0] == 0x4205 /* SETREGSET */;
    case K_KILL: case K_TKILL: case K_TGKILL: {
        long target = (long)a[0];
        __u64 sig = k == K_TGKILL ? a[2] : a[1];
        if (sig == 0 || target <= 0) /* a probe, or a process group */
            return false;
        return (__u32)target != tgid;
    }
    case K_BPF:
        return a[0] == BPF_PROG_LOAD_;
    case K_SETUID: case K_SETREUID: case K_SETRESUID:
    case K_SETGID: case K_SETREGID: case K_SETRESGID: {
        const struct cred *cred = BPF_CORE_READ(task, real_cred);
        st->old[0] = BPF_CORE_READ(cred, uid.val) | ((__u64)BPF_CORE_READ(cred, euid.val) << 32);
        st->old[1] = BPF_CORE_READ(cred, gid.val) | ((__u64)BPF_CORE_READ(cred, egid.val) << 32);
        return true;
    }
    case K_CAPSET: {
        const struct cred *cred = BPF_CORE_READ(task, real_cred);
        bpf_probe_read_kernel(&st->old[0], sizeof(__u64), &cred->cap_effective);
        bpf_probe_read_kernel(&st->old[1], sizeof(__u64), &cred->cap_permitted);
        return true;
    }
    default:
        return true;
    }
}

SEC("raw_tp/sys_enter")
int BPF_PROG(vigil_sys_enter, struct pt_regs *regs, long id)
{
    int k = kind_of(id);
    if (k == K_NONE)
        return 0;
    __u64 pid_tgid = bpf_get_current_pid_tgid();
    __u32 tgid = pid_tgid >> 32;
    if (self_tgid && tgid == self_tgid)
        return 0;
    struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
    if (!in_scope(task))
        return 0;
    if (k == K_SENDTO || k == K_SENDMSG || k == K_SENDMMSG) {
        __u32 zero = 0;
        struct scratch *sc = bpf_map_lookup_elem(&scratch, &zero);
        if (sc) {
            sc->task = task;
            sc->nr = id;
            dns_enter(sc, task, id, k, regs);
        }
        return 0;
    }
    struct stash st = {};
    st.kind = k;
    st.args[0] = PT_REGS_PARM1_CORE_SYSCALL(regs);
    st.args[1] = PT_REGS_PARM2_CORE_SYSCALL(regs);
    st.args[2] = PT_REGS_PARM3_CORE_SYSCALL(regs);
    st.args[3] = PT_REGS_PARM4_CORE_SYSCALL(regs);
    st.args[4] = PT_REGS_PARM5_CORE_SYSCALL(regs);
    if (!wanted(k, &st, task, tgid))
        return 0;
    bpf_map_update_elem(&stash, &pid_tgid, &st, BPF_ANY);
    return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(vigil_sys_exit, struct pt_regs *regs, long ret)
{
    long nr = SYSCALL_NR(regs);
    int k = kind_of(nr);
    if (k == K_NONE || k == K_SENDTO || k == K_SENDMSG || k == K_SENDMMSG)
        return 0;
    __u64 pid_tgid = bpf_get_current_pid_tgid();
    if (self_tgid && (pid_tgid >> 32) == self_tgid)
        return 0;
    if (scope_netns && !in_scope((struct task_struct *)bpf_get_current_task_btf()))
        return 0;
    bool open = k == K_OPEN || k == K_OPENAT || k == K_OPENAT2 || k == K_CREAT;
    struct stash *st = bpf_map_lookup_elem(&stash, &pid_tgid);
    if (!st && !open)
        return 0;
    if (st && st->kind != (__u32)k) { /* left by a call that never returned (exec, exit) */
        bpf_map_delete_elem(&stash, &pid_tgid);
        if (!open)
            return 0;
        st = NULL;
    }
    __u32 zero = 0;
    struct scratch *sc = bpf_map_lookup_elem(&scratch, &zero);
    struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
    if (sc) {
        sc->task = task;
        sc->nr = nr;
        if (open)
            file_open_exit(sc, st, ret);
        else if (k >= K_CONNECT && k <= K_LISTEN)
            net_exit(sc, st, ret);
        else if (k >= K_RENAME && k <= K_UTIMENSAT)
            file_exit(sc, st, ret);
        else if (k >= K_INIT_MODULE)
            kernel_exit(sc, st, ret);
        else
            proc_exit(sc, st, ret);
    }
    if (st)
        bpf_map_delete_elem(&stash, &pid_tgid);
    return 0;
}
