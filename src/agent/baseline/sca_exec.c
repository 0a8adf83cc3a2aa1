/* sca_exec.c - the command runner of SCA rules (sca_exec.h), on posix_spawn (no copy of the
 * agent's address space) with poll() on one pipe for both output streams. */
#include "agent/baseline/sca_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"

#define SCA_EXEC_MAX_ARGS 256

bool sca_exec_needs_shell(const char *cmdline)
{
    if (strpbrk(cmdline, "|&;<>()$`\\\"'*?[]#~{}\n\t"))
        return true;
    /* a leading VAR=value assignment */
    const char *sp = strchr(cmdline, ' ');
    const char *eq = strchr(cmdline, '=');
    return eq && (!sp || eq < sp);
}

/* Find prog in SCA_EXEC_PATH (or take it as is when it has a slash): 0 and out filled, or
 * -ENOENT / -EACCES. */
static int resolve(const char *prog, char *out, size_t outlen)
{
    struct stat st;
    if (strchr(prog, '/')) {
        if (stat(prog, &st))
            return -errno;
        if (!S_ISREG(st.st_mode) || access(prog, X_OK))
            return -EACCES;
        str_copy(out, prog, outlen);
        return 0;
    }
    int rc = -ENOENT;
    const char *p = SCA_EXEC_PATH;
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        if ((size_t)snprintf(out, outlen, "%.*s/%s", (int)n, p, prog) < outlen &&
            !stat(out, &st) && S_ISREG(st.st_mode)) {
            if (!access(out, X_OK))
                return 0;
            rc = -EACCES;
        }
        p += n + (colon ? 1 : 0);
    }
    return rc;
}

void sca_exec_result_free(struct sca_exec_result *res)
{
    if (res)
        buf_free(&res->output);
}

int sca_exec_run(const char *cmdline, uint64_t timeout_ms, size_t max_output,
                 struct sca_exec_result *res, struct vg_error *err)
{
    memset(res, 0, sizeof(*res));
    char *copy = strdup(cmdline);
    char *argv[SCA_EXEC_MAX_ARGS + 1];
    char path[4096];
    int pipefd[2] = {-1, -1};
    int rc = 0, status = 0;
    pid_t pid = -1;
    bool fa_init = false, attr_init = false;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    char *envp[] = {"PATH=" SCA_EXEC_PATH, "LC_ALL=C", "LANG=C", "HOME=/", NULL};
    uint64_t start = time_mono_ns();

    if (!copy)
        return vg_error_set(err, -ENOMEM, "out of memory");
    res->used_shell = sca_exec_needs_shell(cmdline);
    if (res->used_shell) {
        argv[0] = "sh";
        argv[1] = "-c";
        argv[2] = (char *)cmdline;
        argv[3] = NULL;
        str_copy(path, "/bin/sh", sizeof(path));
    } else {
        size_t n = 0;
        for (char *save = NULL, *tok = strtok_r(copy, " ", &save); tok;
             tok = strtok_r(NULL, " ", &save)) {
            if (n == SCA_EXEC_MAX_ARGS) {
                rc = vg_error_set(err, -E2BIG, "command `%s`: more than %d arguments", cmdline,
                                  SCA_EXEC_MAX_ARGS);
                goto cleanup;
            }
            argv[n++] = tok;
        }
        argv[n] = NULL;
        if (n == 0) {
            rc = vg_error_set(err, -EINVAL, "empty command");
            goto cleanup;
        }
        if ((rc = resolve(argv[0], path, sizeof(path)))) {
            vg_error_set(err, rc, "command `%s`: %s %s", cmdline, argv[0],
                         rc == -ENOENT ? "not found in " SCA_EXEC_PATH : "is not executable");
            goto cleanup;
        }
    }
    if (pipe2(pipefd, O_CLOEXEC)) {
        rc = vg_error_set(err, -errno, "pipe: %s", strerror(errno));
        goto cleanup;
    }
    if (posix_spawn_file_actions_init(&fa) || posix_spawnattr_init(&attr)) {
        rc = vg_error_set(err, -ENOMEM, "out of memory");
        goto cleanup;
    }
    fa_init = attr_init = true;
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGHUP);
    if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) ||
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1) ||
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2) ||
        posix_spawn_file_actions_addclosefrom_np(&fa, 3) ||
        posix_spawnattr_setpgroup(&attr, 0) || posix_spawnattr_setsigmask(&attr, &none) ||
        posix_spawnattr_setsigdefault(&attr, &defaults) ||
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                            POSIX_SPAWN_SETSIGDEF)) {
        rc = vg_error_set(err, -ENOMEM, "cannot prepare the command");
        goto cleanup;
    }
    int sp = posix_spawn(&pid, path, &fa, &attr, argv, envp);
    if (sp) {
        pid = -1;
        rc = vg_error_set(err, -sp, "command `%s`: cannot run %s: %s", cmdline, path,
                          strerror(sp));
        goto cleanup;
    }
    close(pipefd[1]);
    pipefd[1] = -1;

    /* read until EOF (every holder of the pipe is gone) or the deadline */
    uint64_t deadline = start + timeout_ms * 1000000ull;
    char chunk[16384];
    for (;;) {
        uint64_t now = time_mono_ns();
        if (now >= deadline) {
            rc = -ETIMEDOUT;
            break;
        }
        struct pollfd pfd = {.fd = pipefd[0], .events = POLLIN};
        int wait_ms = (int)((deadline - now) / 1000000ull) + 1;
        int pr = poll(&pfd, 1, wait_ms);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            continue; /* the deadline is checked above */
        ssize_t got = read(pipefd[0], chunk, sizeof(chunk));
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0)
            break;
        size_t room = res->output.len < max_output ? max_output - res->output.len : 0;
        size_t keep = (size_t)got < room ? (size_t)got : room;
        if (keep < (size_t)got)
            res->truncated = true;
        if (keep && buf_append(&res->output, chunk, keep)) {
            rc = vg_error_set(err, -ENOMEM, "out of memory");
            break;
        }
    }
    if (rc) {
        kill(-pid, SIGKILL); /* the whole process group: a shell's children too */
        if (rc == -ETIMEDOUT)
            vg_error_set(err, rc, "command `%s` did not finish within %llu ms (killed)",
                         cmdline, (unsigned long long)timeout_ms);
    }
    /* the output is closed: wait for the exit, still within the deadline (a program may
     * close its output and go on running). The leader is not reaped before its group is
     * killed, so the group id cannot have been reused by then. */
    for (;;) {
        siginfo_t info;
        memset(&info, 0, sizeof(info));
        int w = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT | (rc ? 0 : WNOHANG));
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 || info.si_pid == pid)
            break;
        if (time_mono_ns() >= deadline) {
            kill(-pid, SIGKILL);
            rc = vg_error_set(err, -ETIMEDOUT, "command `%s` did not finish within %llu ms "
                              "(killed)", cmdline, (unsigned long long)timeout_ms);
        } else {
            struct timespec ts = {0, 2 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    kill(-pid, SIGKILL); /* what is left of the group (children that closed their output) */
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    pid = -1;
    if (WIFEXITED(status)) {
        res->exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        res->exit_code = -1;
        res->signal = WTERMSIG(status);
    }
    if (!rc && res->used_shell && res->exit_code == 127) {
        /* the shell could not find the program: the rule cannot be evaluated */
        rc = vg_error_set(err, -ENOENT, "command `%s`: %.*s", cmdline,
                          (int)(res->output.len > 200 ? 200 : res->output.len),
                          res->output.data ? (const char *)res->output.data : "not found");
    }
cleanup:
    if (buf_terminate(&res->output) && !rc)
        rc = vg_error_set(err, -ENOMEM, "out of memory");
    if (pid > 0) {
        kill(-pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    if (pipefd[1] >= 0)
        close(pipefd[1]);
    if (fa_init)
        posix_spawn_file_actions_destroy(&fa);
    if (attr_init)
        posix_spawnattr_destroy(&attr);
    free(copy);
    res->elapsed_ms = (time_mono_ns() - start) / 1000000ull;
    return rc;
}
