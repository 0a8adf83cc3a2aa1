/* process_event.h - the records the process sensor's BPF program (process.bpf.c) writes into
 * its ring buffer, shared with the user-space decoder (process_events.c).
 *
 * Every record starts with struct pe_header; `size` is the record's length in bytes. Fork and
 * exit records are fixed-size. An exec record is variable-size: its `data` holds, back to back,
 * the executable path, the working directory, the cgroup path and the raw argv bytes, with the
 * lengths in the record. Paths are written by a dentry walk from the leaf up, so they arrive as
 * NUL-terminated components in leaf-to-root order ("sh\0bin\0usr\0" for /usr/bin/sh); user
 * space reverses them. Everything that comes out of the ring buffer is validated against these
 * bounds before use. */
#ifndef VIGIL_PROCESS_EVENT_H
#define VIGIL_PROCESS_EVENT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PE_COMM_LEN 16
#define PE_TTY_LEN 64       /* tty_struct.name */
#define PE_NAME_MAX 256     /* bytes read per path component (NAME_MAX + NUL) */
#define PE_PATH_MAX 4096    /* bytes of one encoded path */
#define PE_PATH_STEPS 64    /* steps of one dentry walk (components + mount crossings) */
#define PE_CGROUP_STEPS 32  /* components of a cgroup path */
#define PE_PATHS_AREA 16384 /* room of exe + cwd + cgroup paths; a power of two (a mask) */
#define PE_ARGS_CAP 32768   /* hard upper bound of the argv capture (args_max) */
#define PE_DATA_SIZE (PE_PATHS_AREA + PE_ARGS_CAP)

enum pe_type {
    PE_FORK = 1,
    PE_EXEC = 2,
    PE_EXIT = 3,
    PE_NTYPES = 4, /* size of the drop counter array (index 0 unused) */
};

/* pe_exec.flags */
#define PE_F_ARGS_TRUNCATED (1u << 0) /* argv longer than args_max: cut */
#define PE_F_ARGS_FAULT (1u << 1)     /* argv could not be read from the new image */
#define PE_F_EXE_TRUNCATED (1u << 2)  /* path deeper than PE_PATH_STEPS / PE_PATH_MAX */
#define PE_F_EXE_DELETED (1u << 3)    /* executable unlinked (or a memfd): "(deleted)" */
#define PE_F_CWD_TRUNCATED (1u << 4)
#define PE_F_CWD_DELETED (1u << 5)
#define PE_F_CGROUP_TRUNCATED (1u << 6)
#define PE_F_CGROUP_V1 (1u << 7)      /* the v2 cgroup is the root: the path is the v1 memory
                                         controller's (used only to find a container id) */
#define PE_F_NO_AUDIT (1u << 8)       /* kernel without audit: auid/sessionid unknown */
#define PE_F_PRELOAD (1u << 9)        /* LD_PRELOAD is set in the new image's environment */
#define PE_F_PRELOAD_TRUNCATED (1u << 10)

struct pe_header {
    __u32 type;            /* enum pe_type */
    __u32 size;            /* bytes of the whole record */
    __u64 time_ns;         /* CLOCK_BOOTTIME of the event */
    __u32 pid;             /* thread-group id */
    __u32 tid;             /* the thread that caused the event */
    __u32 ppid;            /* real parent's thread-group id */
    __u32 flags;           /* PE_F_* */
    __u64 start_boottime;  /* the process's start, CLOCK_BOOTTIME ns (group leader) */
    __u64 parent_start_boottime;
    __u32 uid, euid, gid, egid;
    __u32 auid, sessionid; /* (u32)-1 when unset or unknown */
    __u64 cgroup_id;       /* cgroup v2 id */
    char comm[PE_COMM_LEN];
};

struct pe_fork {
    struct pe_header h;
};

struct pe_exit {
    struct pe_header h;
    __s32 exit_status; /* wait(2)-style: (code << 8) or the terminating signal (| 0x80 core) */
    __u32 pad;
};

/* What a standard descriptor (0, 1) of a new image is: the inode's mode (S_IFMT bits; 0 when
 * closed), the device of a character device, and for an IPv4/IPv6 socket its peer. */
struct pe_stdio {
    __u32 mode;
    __u32 rdev;    /* kernel dev_t: major << 20 | minor */
    __u16 family;  /* AF_INET, AF_INET6, AF_UNIX, ... of a socket */
    __u16 port;    /* the peer's port, host order */
    __u8 addr[16]; /* the peer's address (IPv4 in the first 4 bytes) */
};

#define PE_PRELOAD_MAX 256 /* bytes of LD_PRELOAD's value captured */
#define PE_ENV_SCAN 64     /* environment strings looked at for LD_PRELOAD */

struct pe_exec {
    struct pe_header h;
    struct pe_stdio stdio[2];
    __u64 exe_ino, exe_dev, exe_mtime_ns, exe_size; /* identity of the executable's file */
    char preload[PE_PRELOAD_MAX];                   /* LD_PRELOAD=..., NUL-terminated, "" */
    __u32 exe_len;    /* bytes of data[] holding the executable path */
    __u32 cwd_len;    /* ... the working directory, right after */
    __u32 cgroup_len; /* ... the cgroup path, right after */
    __u32 args_len;   /* ... argv (NUL-separated), right after */
    __u64 args_size;  /* the whole argv's size in the process (arg_end - arg_start) */
    char tty[PE_TTY_LEN];
    char data[PE_DATA_SIZE];
};

#endif
