/* sca_exec.h - running the commands of `c:` rules: without a shell unless the command line
 * needs one (pipes, redirections, quotes, globs, variables), with a minimal environment
 * (PATH, LC_ALL=C), stdin from /dev/null, stdout and stderr captured together up to a bound,
 * in its own process group that is killed whole when the timeout passes. */
#ifndef VIGIL_SCA_EXEC_H
#define VIGIL_SCA_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"

#define SCA_EXEC_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct sca_exec_result {
    struct buf output;  /* stdout and stderr, interleaved as written (NUL-terminated) */
    bool truncated;     /* more output than the bound (the rest was read and dropped) */
    int exit_code;      /* exit status, or -1 when killed by a signal */
    int signal;         /* the signal that ended it, 0 when it exited */
    bool used_shell;    /* run through /bin/sh -c */
    uint64_t elapsed_ms;
};

/* True when cmdline needs /bin/sh to mean what it says. */
bool sca_exec_needs_shell(const char *cmdline);

/* Run cmdline, waiting at most timeout_ms and keeping at most max_output bytes. Returns 0 when
 * the command ran (whatever its exit status); -ENOENT when the program does not exist (err
 * names it), -ETIMEDOUT when it was killed at the timeout, other -errno when it could not be
 * started. res is filled in every case (free it with sca_exec_result_free). */
int sca_exec_run(const char *cmdline, uint64_t timeout_ms, size_t max_output,
                 struct sca_exec_result *res, struct vg_error *err);
void sca_exec_result_free(struct sca_exec_result *res);

#endif
