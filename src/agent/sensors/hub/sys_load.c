/* sys_load.c - the syscall sensor's loader: open sys.bpf.c's skeleton, give it the hub's ring
 * buffer, fill its read-only syscall table with this architecture's numbers for the families
 * the modules asked for, load it, fill the path filter (prefixes to watch, sensitive files) and
 * attach its two raw tracepoints (sys_enter, sys_exit). */
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/sensors/hub/hub_internal.h"
#include "agent/sensors/hub/sys_event.h"
#include "common/log.h"
#include "common/util.h"
#include "sys_bpf.skel.h"

struct nr_entry {
    long nr;
    unsigned char kind;
    unsigned family;
};

/* The syscalls of each family, by this architecture's numbers (some do not exist on every
 * architecture: arm64 has only the *at variants). */
static const struct nr_entry nr_table[] = {
    {SYS_setuid, K_SETUID, SXF_PROCESS},
    {SYS_setreuid, K_SETREUID, SXF_PROCESS},
    {SYS_setresuid, K_SETRESUID, SXF_PROCESS},
    {SYS_setgid, K_SETGID, SXF_PROCESS},
    {SYS_setregid, K_SETREGID, SXF_PROCESS},
    {SYS_setresgid, K_SETRESGID, SXF_PROCESS},
    {SYS_capset, K_CAPSET, SXF_PROCESS},
    {SYS_ptrace, K_PTRACE, SXF_PROCESS},
    {SYS_prctl, K_PRCTL, SXF_PROCESS},
    {SYS_memfd_create, K_MEMFD, SXF_PROCESS},
    {SYS_kill, K_KILL, SXF_PROCESS},
    {SYS_tkill, K_TKILL, SXF_PROCESS},
    {SYS_tgkill, K_TGKILL, SXF_PROCESS},
    {SYS_connect, K_CONNECT, SXF_NETWORK},
    {SYS_accept, K_ACCEPT, SXF_NETWORK},
    {SYS_accept4, K_ACCEPT4, SXF_NETWORK},
    {SYS_bind, K_BIND, SXF_NETWORK},
    {SYS_listen, K_LISTEN, SXF_NETWORK},
    {SYS_sendto, K_SENDTO, SXF_NETWORK},
    {SYS_sendmsg, K_SENDMSG, SXF_NETWORK},
    {SYS_sendmmsg, K_SENDMMSG, SXF_NETWORK},
#ifdef SYS_open
    {SYS_open, K_OPEN, SXF_FILE},
#endif
    {SYS_openat, K_OPENAT, SXF_FILE},
#ifdef SYS_openat2
    {SYS_openat2, K_OPENAT2, SXF_FILE},
#endif
#ifdef SYS_creat
    {SYS_creat, K_CREAT, SXF_FILE},
#endif
#ifdef SYS_rename
    {SYS_rename, K_RENAME, SXF_FILE},
#endif
#ifdef SYS_renameat
    {SYS_renameat, K_RENAMEAT, SXF_FILE},
#endif
    {SYS_renameat2, K_RENAMEAT2, SXF_FILE},
#ifdef SYS_unlink
    {SYS_unlink, K_UNLINK, SXF_FILE},
#endif
    {SYS_unlinkat, K_UNLINKAT, SXF_FILE},
#ifdef SYS_rmdir
    {SYS_rmdir, K_RMDIR, SXF_FILE},
#endif
#ifdef SYS_chmod
    {SYS_chmod, K_CHMOD, SXF_FILE},
#endif
    {SYS_fchmod, K_FCHMOD, SXF_FILE},
    {SYS_fchmodat, K_FCHMODAT, SXF_FILE},
#ifdef SYS_fchmodat2
    {SYS_fchmodat2, K_FCHMODAT2, SXF_FILE},
#elif defined(__x86_64__) || defined(__aarch64__)
    {452, K_FCHMODAT2, SXF_FILE}, /* Linux 6.6; newer than these headers */
#endif
#ifdef SYS_chown
    {SYS_chown, K_CHOWN, SXF_FILE},
#endif
#ifdef SYS_lchown
    {SYS_lchown, K_LCHOWN, SXF_FILE},
#endif
    {SYS_fchown, K_FCHOWN, SXF_FILE},
    {SYS_fchownat, K_FCHOWNAT, SXF_FILE},
#ifdef SYS_link
    {SYS_link, K_LINK, SXF_FILE},
#endif
    {SYS_linkat, K_LINKAT, SXF_FILE},
#ifdef SYS_symlink
    {SYS_symlink, K_SYMLINK, SXF_FILE},
#endif
    {SYS_symlinkat, K_SYMLINKAT, SXF_FILE},
#ifdef SYS_utime
    {SYS_utime, K_UTIME, SXF_FILE},
#endif
#ifdef SYS_utimes
    {SYS_utimes, K_UTIMES, SXF_FILE},
#endif
#ifdef SYS_futimesat
    {SYS_futimesat, K_FUTIMESAT, SXF_FILE},
#endif
    {SYS_utimensat, K_UTIMENSAT, SXF_FILE},
    {SYS_init_module, K_INIT_MODULE, SXF_KERNEL},
    {SYS_finit_module, K_FINIT_MODULE, SXF_KERNEL},
    {SYS_mount, K_MOUNT, SXF_KERNEL},
    {SYS_umount2, K_UMOUNT2, SXF_KERNEL},
    {SYS_bpf, K_BPF, SXF_KERNEL},
};

/* Add one path to the LPM trie: a prefix ("/etc" -> "/etc/") or an exact file (with its NUL). */
static int add_path(int fd, const char *path, bool exact, __u32 value)
{
    struct sx_path_key key;
    memset(&key, 0, sizeof(key));
    size_t len = strlen(path);
    while (!exact && len > 1 && path[len - 1] == '/')
        len--;
    if (len == 0 || path[0] != '/' || len + 2 > sizeof(key.path))
        return -EINVAL;
    memcpy(key.path, path, len);
    if (exact) {
        key.prefixlen = (__u32)(len + 1) * 8;
    } else if (len == 1) {
        key.prefixlen = 8; /* "/": everything */
    } else {
        key.path[len++] = '/';
        key.prefixlen = (__u32)len * 8;
    }
    __u32 old = 0;
    if (bpf_map_lookup_elem(fd, &key, &old) == 0)
        value |= old;
    return bpf_map_update_elem(fd, &key, &value, BPF_ANY) ? -errno : 0;
}

/* Each entry of list, with '*' components expanded (glob), to fn. */
static void each_path(const struct config_list *list, void (*fn)(void *, const char *), void *ctx)
{
    for (size_t i = 0; list && i < list->count; i++) {
        const char *p = list->items[i];
        if (!strpbrk(p, "*?[")) {
            fn(ctx, p);
            continue;
        }
        glob_t g;
        memset(&g, 0, sizeof(g));
        if (glob(p, GLOB_NOSORT, NULL, &g) == 0)
            for (size_t k = 0; k < g.gl_pathc; k++)
                fn(ctx, g.gl_pathv[k]);
        globfree(&g);
    }
}

struct fill_ctx {
    int paths_fd, names_fd;
    bool sensitive;
    size_t n, bad;
};

static void fill_one(void *arg, const char *path)
{
    struct fill_ctx *c = arg;
    int rc = add_path(c->paths_fd, path, c->sensitive,
                      c->sensitive ? SX_PATH_SENSITIVE : SX_PATH_WATCH);
    if (rc) {
        c->bad++;
        log_warn("file: path %s not watched: %s", path,
                 rc == -EINVAL ? "not an absolute path shorter than 254 bytes" : strerror(-rc));
        return;
    }
    c->n++;
    if (c->sensitive) {
        char name[32];
        memset(name, 0, sizeof(name));
        const char *base = strrchr(path, '/');
        str_copy(name, base ? base + 1 : path, sizeof(name));
        __u32 one = 1;
        bpf_map_update_elem(c->names_fd, name, &one, BPF_ANY);
    }
}

/* A sensitive file under a watched prefix is also watched for changes: the LPM trie returns
 * only the longest match, so the exact entry carries both bits. */
static void mark_watched(void *arg, const char *path)
{
    struct fill_ctx *c = arg;
    struct sx_path_key key;
    memset(&key, 0, sizeof(key));
    size_t len = strlen(path);
    if (len + 2 > sizeof(key.path))
        return;
    memcpy(key.path, path, len);
    key.prefixlen = (__u32)(len + 1) * 8;
    __u32 v = 0;
    if (bpf_map_lookup_elem(c->paths_fd, &key, &v) != 0)
        return;
    /* the longest prefix entry other than itself: look the path up without its NUL */
    struct sx_path_key probe = key;
    probe.prefixlen = (__u32)len * 8;
    __u32 w = 0;
    if (bpf_map_lookup_elem(c->paths_fd, &probe, &w) == 0 && (w & SX_PATH_WATCH)) {
        v |= SX_PATH_WATCH;
        bpf_map_update_elem(c->paths_fd, &key, &v, BPF_ANY);
    }
}

const char *sx_syscall_name(long nr)
{
    static const char *const names[K_COUNT] = {
        [K_SETUID] = "setuid", [K_SETREUID] = "setreuid", [K_SETRESUID] = "setresuid",
        [K_SETGID] = "setgid", [K_SETREGID] = "setregid", [K_SETRESGID] = "setresgid",
        [K_CAPSET] = "capset", [K_PTRACE] = "ptrace", [K_PRCTL] = "prctl",
        [K_MEMFD] = "memfd_create", [K_KILL] = "kill", [K_TKILL] = "tkill", [K_TGKILL] = "tgkill",
        [K_CONNECT] = "connect", [K_ACCEPT] = "accept", [K_ACCEPT4] = "accept4", [K_BIND] = "bind",
        [K_LISTEN] = "listen", [K_SENDTO] = "sendto", [K_SENDMSG] = "sendmsg",
        [K_SENDMMSG] = "sendmmsg", [K_OPEN] = "open", [K_OPENAT] = "openat",
        [K_OPENAT2] = "openat2", [K_CREAT] = "creat", [K_RENAME] = "rename",
        [K_RENAMEAT] = "renameat", [K_RENAMEAT2] = "renameat2", [K_UNLINK] = "unlink",
        [K_UNLINKAT] = "unlinkat", [K_RMDIR] = "rmdir", [K_CHMOD] = "chmod", [K_FCHMOD] = "fchmod",
        [K_FCHMODAT] = "fchmodat", [K_FCHMODAT2] = "fchmodat2", [K_CHOWN] = "chown",
        [K_LCHOWN] = "lchown", [K_FCHOWN] = "fchown", [K_FCHOWNAT] = "fchownat",
        [K_LINK] = "link", [K_LINKAT] = "linkat", [K_SYMLINK] = "symlink",
        [K_SYMLINKAT] = "symlinkat", [K_UTIME] = "utime", [K_UTIMES] = "utimes",
        [K_FUTIMESAT] = "futimesat", [K_UTIMENSAT] = "utimensat",
        [K_INIT_MODULE] = "init_module", [K_FINIT_MODULE] = "finit_module", [K_MOUNT] = "mount",
        [K_UMOUNT2] = "umount2", [K_BPF] = "bpf",
    };
    for (size_t i = 0; i < ARRAY_SIZE(nr_table); i++)
        if (nr_table[i].nr == nr && nr_table[i].kind < K_COUNT && names[nr_table[i].kind])
            return names[nr_table[i].kind];
    return NULL;
}

int hub_sys_load(struct bpfhub *h, struct vg_error *err)
{
    int rc = 0;
    struct vg_error why = {{0}};
    int ring = bpfhub_ringbuf(h, &why);
    if (ring < 0)
        return vg_error_set(err, ring, "%s", vg_error_str(&why, ring));
    struct sys_bpf *skel = sys_bpf__open();
    if (!skel)
        return vg_error_set(err, -errno ? -errno : -EINVAL,
                            "eBPF: cannot open the syscall sensor: %s", strerror(errno));
    for (size_t i = 0; i < ARRAY_SIZE(nr_table); i++)
        if ((h->families & nr_table[i].family) && nr_table[i].nr >= 0 &&
            nr_table[i].nr < SX_NR_MAX)
            skel->rodata->nr_kind[nr_table[i].nr] = nr_table[i].kind;
    skel->rodata->self_tgid = h->opt.self_pid > 0 ? (__u32)h->opt.self_pid : 0;
    skel->rodata->scope_netns = h->opt.scope_netns;
    skel->rodata->wakeup_bytes = h->wakeup_bytes;
    const struct config_list *sens = h->file_filter.sensitive;
    skel->rodata->have_sensitive = (h->families & SXF_FILE) && sens && sens->count;
    if ((rc = bpf_map__reuse_fd(skel->maps.events, ring))) {
        rc = vg_error_set(err, rc, "eBPF: cannot share the ring buffer: %s", strerror(-rc));
        goto cleanup;
    }
    if ((rc = sys_bpf__load(skel))) {
        rc = vg_error_set(err, rc < 0 ? rc : -EINVAL,
                          "eBPF: the kernel refused the syscall sensor: %s (run with debug "
                          "logging for the verifier's log)", strerror(rc < 0 ? -rc : EINVAL));
        goto cleanup;
    }
    if (h->families & SXF_FILE) {
        struct fill_ctx c = {bpf_map__fd(skel->maps.paths), bpf_map__fd(skel->maps.sensitive_names),
                             false, 0, 0};
        each_path(h->file_filter.prefixes, fill_one, &c);
        size_t nprefix = c.n;
        c.sensitive = true;
        c.n = 0;
        each_path(sens, fill_one, &c);
        each_path(sens, mark_watched, &c);
        log_info("file: %zu path prefixes watched, %zu sensitive files", nprefix, c.n);
    }
    if ((rc = sys_bpf__attach(skel))) {
        rc = vg_error_set(err, rc < 0 ? rc : -EINVAL,
                          "eBPF: cannot attach to the sys_enter/sys_exit raw tracepoints: %s",
                          strerror(rc < 0 ? -rc : EINVAL));
        goto cleanup;
    }
    for (unsigned t = SX_SETID; t < HUB_NTYPES; t++)
        if (h->routes[t].fn) {
            h->routes[t].drops_fd = bpf_map__fd(skel->maps.drops);
            h->routes[t].truncs_fd = bpf_map__fd(skel->maps.truncs);
        }
    h->sys = skel;
    return 0;
cleanup:
    sys_bpf__destroy(skel);
    return rc;
}

void hub_sys_detach(struct bpfhub *h)
{
    if (h && h->sys)
        sys_bpf__detach(h->sys);
}

void hub_sys_free(struct bpfhub *h)
{
    if (!h || !h->sys)
        return;
    for (unsigned t = SX_SETID; t < HUB_NTYPES; t++)
        h->routes[t].drops_fd = h->routes[t].truncs_fd = -1;
    sys_bpf__destroy(h->sys);
    h->sys = NULL;
}
