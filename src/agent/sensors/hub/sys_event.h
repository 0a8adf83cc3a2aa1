/* sys_event.h - the records of the syscall sensor (sys.bpf.c), shared with the user-space
 * decoder (sys_decode.c). One record layout for every family (process actions, network, files,
 * kernel): the process-context header of the process sensor (struct pe_header, whose `type` is
 * one of enum sx_type), the syscall's result, up to eight numbers and two addresses whose
 * meaning depends on the type, and two strings (paths, names, a DNS payload) stored back to back
 * in `data`, root-first paths without a terminating NUL. Everything that comes out of the ring
 * buffer is validated against these bounds before use. */
#ifndef VIGIL_SYS_EVENT_H
#define VIGIL_SYS_EVENT_H

#include "agent/sensors/process/process_event.h"

#define SX_STR_MAX 4096      /* bytes of one string; a power of two (a mask) */
#define SX_PATH_DEPTH 48     /* path components collected by one dentry walk */
#define SX_DNS_MAX 512       /* bytes of a DNS query payload captured */
#define SX_NPREFIX_BYTES 256 /* bytes of a path the in-kernel filter looks at */

/* Record types: 1-15 are the process sensor's (enum pe_type). Append only. */
enum sx_type {
    SX_SETID = 16,       /* v: 0 old uid, 1 old euid, 2 old gid, 3 old egid, 4-7 new ones */
    SX_CAPSET = 17,      /* v: 0 old effective, 1 new effective, 2 old permitted, 3 new permitted */
    SX_PTRACE = 18,      /* v: 0 request, 1 target pid */
    SX_SET_NAME = 19,    /* s0: the new name */
    SX_MEMFD = 20,       /* s0: the name, v: 0 flags */
    SX_KILL = 21,        /* v: 0 target pid, 1 signal */
    SX_CONNECT = 32,     /* network: v 0 family, 1 protocol (IPPROTO_*), 2 local port, 3 remote
                            port, 4 socket type; addr 0 local, 1 remote */
    SX_ACCEPT = 33,
    SX_BIND = 34,
    SX_LISTEN = 35,
    SX_DNS = 36,         /* as network, s0: the query payload (DNS wire format) */
    SX_OPEN = 48,        /* files: s0 path, v 0 open flags, 1 mode */
    SX_RENAME = 49,      /* s0 old path, s1 new path */
    SX_UNLINK = 50,      /* s0 path */
    SX_CHMOD = 51,       /* s0 path, v 0 mode */
    SX_CHOWN = 52,       /* s0 path, v 0 uid, 1 gid */
    SX_LINK = 53,        /* s0 new link, s1 existing file */
    SX_SYMLINK = 54,     /* s0 new link, s1 link target (as given) */
    SX_UTIMES = 55,      /* s0 path, v 0 atime ns, 1 mtime ns (-1: now, -2: omitted) */
    SX_READ = 56,        /* s0 path: a sensitive file opened for reading */
    SX_MODULE = 64,      /* kernel: s0 the module file (finit_module), v 0 flags */
    SX_MOUNT = 65,       /* s0 source, s1 target, v 0 flags; the file system type in `aux` */
    SX_UMOUNT = 66,      /* s1 target, v 0 flags */
    SX_BPF_LOAD = 67,    /* v 0 program type; program name in `aux` */
    SX_NTYPES = 80,      /* size of the per-type counters */
};

/* Families, each enabled before load by the module that wants it (a bit in `families`). */
enum sx_family {
    SXF_PROCESS = 1 << 0, /* credential changes, ptrace, prctl, memfd_create, kill */
    SXF_NETWORK = 1 << 1,
    SXF_FILE = 1 << 2,
    SXF_KERNEL = 1 << 3,
};

/* What a syscall is to the sensor: the loader fills the read-only table nr_kind (indexed by
 * this architecture's syscall numbers, < SX_NR_MAX) for the enabled families. */
#define SX_NR_MAX 512
enum sx_kind {
    K_NONE, K_SETUID, K_SETREUID, K_SETRESUID, K_SETGID, K_SETREGID, K_SETRESGID, K_CAPSET,
    K_PTRACE, K_PRCTL, K_MEMFD, K_KILL, K_TKILL, K_TGKILL,
    K_CONNECT, K_ACCEPT, K_ACCEPT4, K_BIND, K_LISTEN, K_SENDTO, K_SENDMSG, K_SENDMMSG,
    K_OPEN, K_OPENAT, K_OPENAT2, K_CREAT, K_RENAME, K_RENAMEAT, K_RENAMEAT2, K_UNLINK,
    K_UNLINKAT, K_RMDIR, K_CHMOD, K_FCHMOD, K_FCHMODAT, K_FCHMODAT2, K_CHOWN, K_LCHOWN, K_FCHOWN,
    K_FCHOWNAT, K_LINK, K_LINKAT, K_SYMLINK, K_SYMLINKAT, K_UTIME, K_UTIMES, K_FUTIMESAT,
    K_UTIMENSAT, K_INIT_MODULE, K_FINIT_MODULE, K_MOUNT, K_UMOUNT2, K_BPF,
    K_COUNT
};

/* sx_event.flags (in the header's flags) */
#define SX_F_S0_TRUNCATED (1u << 16)
#define SX_F_S1_TRUNCATED (1u << 17)
#define SX_F_S0_RELATIVE (1u << 18) /* s0 is relative: its directory could not be resolved */
#define SX_F_S1_RELATIVE (1u << 19)

/* The path filter (an LPM trie keyed by path bytes): what an entry's value says. */
#define SX_PATH_WATCH 1u      /* changes under this prefix are reported */
#define SX_PATH_SENSITIVE 2u  /* reads of this exact file are reported */

struct sx_path_key {
    __u32 prefixlen; /* bits */
    char path[SX_NPREFIX_BYTES];
};

struct sx_event {
    struct pe_header h;
    __s64 ret;        /* the syscall's return value (a negative errno on failure) */
    __u32 nr;         /* syscall number (of the kernel's architecture) */
    __u32 len[2];     /* bytes of the two strings in data */
    __u32 pad;
    __u64 v[8];
    __u8 addr[2][16]; /* IPv4 in the first 4 bytes, or IPv6 */
    char aux[32];     /* a short NUL-terminated name (file system type, BPF program name) */
    char data[2 * SX_STR_MAX];
};

#endif
