/* file_module.c - the file sensor as an agent module ("file"): changes (open for write, create,
 * truncate, rename, unlink, chmod, chown, link, symlink, utimes) under the watched prefixes and
 * reads of sensitive files. In eBPF mode the hub's syscall sensor filters by path in the kernel
 * (an LPM trie of the prefixes), so only what is watched reaches user space; without eBPF,
 * fanotify watches the file systems that hold the prefixes and the paths are filtered here. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "agent/sensors/file/file_sensor.h"
#include "agent/sensors/hub/hub.h"
#include "common/log.h"
#include "common/util.h"

#define DEFAULT_PATHS                                                                          \
    "/etc,/root,/home/*/.ssh,/bin,/sbin,/usr/bin,/usr/sbin,/usr/lib,/usr/local/bin,"          \
    "/usr/local/sbin,/usr/local/lib,/lib,/lib64,/boot,/var/spool/cron,/var/www,/srv/www,"      \
    "/usr/share/nginx/html,/tmp,/var/tmp,/dev/shm,/var/log"
#define DEFAULT_SENSITIVE                                                                      \
    "/etc/shadow,/etc/gshadow,/etc/sudoers,/root/.ssh/id_rsa,/root/.ssh/id_ecdsa,"            \
    "/root/.ssh/id_ed25519,/root/.ssh/authorized_keys,/home/*/.ssh/id_rsa,"                    \
    "/home/*/.ssh/id_ecdsa,/home/*/.ssh/id_ed25519,/etc/ssh/ssh_host_rsa_key,"                 \
    "/etc/ssh/ssh_host_ecdsa_key,/etc/ssh/ssh_host_ed25519_key"

static const struct config_option file_options[] = {
    {"mode", CFG_STR, "auto", offsetof(struct file_config, mode),
     "Sensor: `auto` (eBPF, else fanotify), `ebpf`, `fanotify` or `off`"},
    {"paths", CFG_LIST, DEFAULT_PATHS, offsetof(struct file_config, paths),
     "Path prefixes whose changes are reported (a `*` component matches one name; expanded "
     "when the sensor starts)"},
    {"sensitive", CFG_LIST, DEFAULT_SENSITIVE, offsetof(struct file_config, sensitive),
     "Files whose reads are reported (read_sensitive)"},
    {NULL, CFG_STR, NULL, 0, NULL},
};

static int copy_list(struct config_list *dst, const struct config_list *src)
{
    dst->items = calloc(src->count ? src->count : 1, sizeof(char *));
    if (!dst->items)
        return -ENOMEM;
    for (size_t i = 0; i < src->count; i++) {
        if (!(dst->items[i] = strdup(src->items[i])))
            return -ENOMEM;
        dst->count = i + 1;
    }
    return 0;
}

static void free_list(struct config_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

static void file_stop(void *state)
{
    struct file_state *fs = state;
    if (!fs)
        return;
    fanwatch_stop(fs->fan);
    sx_ctx_free(&fs->ctx);
    free_list(&fs->paths);
    free_list(&fs->sensitive);
    free(fs);
}

static void on_ebpf_fail(void *ctx, const char *why)
{
    struct file_state *fs = ctx;
    struct vg_error err = {{0}};
    int rc = fanwatch_start(fs, &fs->fan, &err);
    if (rc) {
        log_error("file: eBPF unavailable (%s) and fanotify failed: %s", why,
                  vg_error_str(&err, rc));
        str_copy(fs->mode, "failed", sizeof(fs->mode));
        return;
    }
    log_warn("file: eBPF unavailable (%s); using fanotify", why);
    str_copy(fs->mode, "fanotify", sizeof(fs->mode));
}

static int file_start(const struct agent_module_ctx *ctx, const void *config, void **state,
                      struct vg_error *err)
{
    const struct file_config *cfg = config;
    const char *mode = cfg->mode && cfg->mode[0] ? cfg->mode : "auto";
    bool want_ebpf = !strcmp(mode, "auto") || !strcmp(mode, "ebpf");
    bool want_fan = !strcmp(mode, "auto") || !strcmp(mode, "fanotify");
    if (!strcmp(mode, "off"))
        return vg_error_set(err, -ECANCELED, "file: off (file.mode)");
    if (!want_ebpf && !want_fan)
        return vg_error_set(err, -EINVAL, "file.mode: \"%s\" is not auto, ebpf, fanotify or off",
                            mode);
    struct file_state *fs = calloc(1, sizeof(*fs));
    int rc = 0;
    if (!fs)
        return vg_error_set(err, -ENOMEM, "file: out of memory");
    fs->pipeline = ctx->pipeline;
    fs->hub = ctx->bpf;
    fs->ctx.host = ctx->host;
    fs->ctx.procs = ctx->procs;
    fs->ctx.enrich = ctx->enrich;
    if (copy_list(&fs->paths, &cfg->paths) || copy_list(&fs->sensitive, &cfg->sensitive)) {
        rc = vg_error_set(err, -ENOMEM, "file: out of memory");
        goto cleanup;
    }
    struct vg_error why = {{0}};
    rc = -ENOTSUP;
    if (want_ebpf && (rc = bpfhub_ringbuf(ctx->bpf, &why)) >= 0) {
        rc = bpfhub_route(ctx->bpf, "file", SX_OPEN, SX_READ, file_on_record, NULL, fs, -1, -1);
        struct bpfhub_file_filter ff = {&fs->paths, &fs->sensitive};
        if (!rc)
            rc = bpfhub_want(ctx->bpf, SXF_FILE, &ff, want_fan ? on_ebpf_fail : NULL, fs);
        if (!rc)
            str_copy(fs->mode, "ebpf", sizeof(fs->mode));
        else
            vg_error_set(&why, rc, "cannot use the eBPF hub: %s", strerror(-rc));
    }
    if (rc < 0 && want_ebpf && !want_fan) {
        rc = vg_error_set(err, rc, "file: %s", vg_error_str(&why, rc));
        goto cleanup;
    }
    if (rc < 0) {
        if (want_ebpf)
            log_warn("file: eBPF unavailable (%s); using fanotify", vg_error_str(&why, rc));
        if ((rc = fanwatch_start(fs, &fs->fan, err)))
            goto cleanup;
        str_copy(fs->mode, "fanotify", sizeof(fs->mode));
    }
    log_info("file: sensor %s", fs->mode);
    *state = fs;
    return 0;
cleanup:
    file_stop(fs);
    return rc;
}

static void file_status(void *state, struct module_status *out)
{
    struct file_state *fs = state;
    memset(out, 0, sizeof(*out));
    str_copy(out->mode, fs->mode, sizeof(out->mode));
    out->events = atomic_load(&fs->events);
    out->lost = atomic_load(&fs->failed) + atomic_load(&fs->malformed);
    if (!strcmp(fs->mode, "ebpf"))
        out->lost += bpfhub_lost(fs->hub, SX_OPEN, SX_READ);
}

const struct agent_module file_module = {
    .name = "file",
    .options = file_options,
    .config_size = sizeof(struct file_config),
    .start = file_start,
    .stop = file_stop,
    .status = file_status,
};
