/* procfs.h - reading one process from /proc/PID, defensively: the process may vanish between
 * two reads, its comm may hold spaces and parentheses, its cmdline may be huge or not UTF-8.
 * Used by the process table (seeding, lookups of unknown pids), the proc-connector fallback
 * (which reads a process right after its exec) and the `existing` events at start.
 *
 * Every reader is bounded; nothing here logs. The parsers work on strings so that tests can feed
 * them hostile input. */
#ifndef VIGIL_PROCFS_H
#define VIGIL_PROCFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* What procfs_read reads (bits); procfs_proc.have says what was read successfully. */
enum procfs_part {
    PROCFS_STAT = 1 << 0,    /* comm, state, ppid, session, tty_nr, start ticks */
    PROCFS_STATUS = 1 << 1,  /* uid, euid, gid, egid */
    PROCFS_EXE = 1 << 2,     /* readlink exe */
    PROCFS_CMDLINE = 1 << 3, /* argv bytes, bounded */
    PROCFS_CWD = 1 << 4,     /* readlink cwd */
    PROCFS_CGROUP = 1 << 5,  /* cgroup v2 path (+ v1 memory path), cgroup id */
    PROCFS_AUDIT = 1 << 6,   /* loginuid, sessionid */
    PROCFS_TTY = 1 << 7,     /* controlling terminal name (from stat's tty_nr) */
    PROCFS_ALL = 0xff,
};

/* The fields of /proc/PID/stat the sensor uses. */
struct procfs_stat {
    char comm[16];
    char state;
    int32_t ppid;
    int32_t session;
    uint32_t tty_nr;
    uint64_t start_ticks; /* field 22 */
};

struct procfs_proc {
    int32_t pid;
    unsigned have; /* enum procfs_part bits read successfully */
    struct procfs_stat stat;
    uint32_t uid, euid, gid, egid;
    uint32_t auid, session_id;
    char exe[PATH_MAX + 16]; /* as the kernel shows it, with " (deleted)" when unlinked */
    char cwd[PATH_MAX + 16];
    char tty[64];            /* "pts/0", "tty1", ... or "" */
    char cgroup[PATH_MAX];   /* cgroup v2 path ("/" for the root) */
    char cgroup_v1[PATH_MAX]; /* v1 memory controller path when there is one, else "" */
    uint64_t cgroup_id;      /* inode of the v2 cgroup directory, 0 when unknown */
    struct buf args;         /* argv bytes, NUL-separated, at most args_max */
    bool args_truncated;
};

/* Parse the text of /proc/PID/stat (len bytes, need not be NUL-terminated). comm is the text
 * between the first '(' and the LAST ')', so any comm parses. Returns 0 or -EINVAL. */
int procfs_parse_stat(const char *text, size_t len, struct procfs_stat *out);

/* Parse "Uid:" and "Gid:" of /proc/PID/status. Returns 0 or -EINVAL when either is missing. */
int procfs_parse_status(const char *text, size_t len, uint32_t *uid, uint32_t *euid,
                        uint32_t *gid, uint32_t *egid);

/* Parse /proc/PID/cgroup: the v2 line ("0::/path") into v2, and the v1 memory controller's path
 * into v1 ("" when absent). Returns 0 or -EINVAL when neither is present. */
int procfs_parse_cgroup(const char *text, size_t len, char *v2, size_t v2len, char *v1,
                        size_t v1len);

/* Name of the terminal with device number tty_nr (stat field 7) into out: "pts/N", "ttyN",
 * "ttySN", or the name under /sys/dev/char; "" for 0. Returns 0, -ENOENT when unknown. */
int procfs_tty_name(uint32_t tty_nr, char *out, size_t outlen);

/* Read the parts `what` of process pid into p (whose args buffer is reused; zero it before the
 * first use). argv is read first (it is the first thing to go when a process exits), up to
 * args_max bytes (args_truncated when longer). Returns 0 when the process exists and its stat
 * (when asked) was read, -ESRCH when it is gone; either way p->have says which parts were read,
 * so what was read before the process vanished can still be used. */
int procfs_read(int32_t pid, unsigned what, size_t args_max, struct procfs_proc *p);

/* Start ticks of pid (stat field 22), or 0 when it cannot be read. */
uint64_t procfs_start_ticks(int32_t pid);

/* Release p's buffers (p itself belongs to the caller). */
void procfs_proc_free(struct procfs_proc *p);

#endif
