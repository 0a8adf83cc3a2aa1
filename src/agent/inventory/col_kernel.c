/* col_kernel.c - two collectors of the running kernel's configuration: kernel_modules
 * (kernel_module_changes: /proc/modules as lsmod shows it, with each module's version from
 * /sys/module) and sysctl (sysctl_changes: the settings of inventory.sysctl.settings, or a
 * built-in list of the ones that matter for security, read from /proc/sys as sysctl -n prints
 * them; a setting this kernel does not have is left out). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "agent/inventory/inv_text.h"
#include "agent/inventory/parsers.h"
#include "common/util.h"

static void add_module(void *ctx, const struct kernel_module *m)
{
    struct inv_scan *s = ctx;
    struct event *ev = inv_row(s, TBL_KERNEL_MODULE_CHANGES, "%s", m->name);
    inv_str(ev, FLD_MODULE_NAME, m->name);
    inv_int(ev, FLD_SIZE_BYTES, m->size);
    inv_str(ev, FLD_USED_BY, m->used_by);
    inv_str(ev, FLD_TAINT, m->taint);
    char p[PATH_MAX];
    struct buf b = {0};
    if (inv_fmt(p, sizeof(p), "/sys/module/%s/version", m->name) &&
        inv_read(s, p, &b, 4096, NULL) == 0 && b.len) {
        const char *v = (const char *)b.data;
        size_t vl = strcspn(v, "\n");
        inv_strn(ev, FLD_VERSION, v, vl);
    }
    buf_free(&b);
}

static int modules_collect(struct inv_scan *s, struct vg_error *err)
{
    struct buf b = {0};
    int rc = inv_read(s, "/proc/modules", &b, 16u << 20, NULL);
    if (rc == 0)
        parse_proc_modules((const char *)b.data, b.len, add_module, s);
    else if (rc == -ENOENT)
        rc = 0; /* a kernel without loadable modules */
    else
        rc = vg_error_set(err, rc, "/proc/modules: %s", strerror(-rc));
    buf_free(&b);
    return rc;
}

static const char *const default_settings[] = {
    "kernel.randomize_va_space", "kernel.kptr_restrict", "kernel.dmesg_restrict",
    "kernel.yama.ptrace_scope", "kernel.unprivileged_bpf_disabled", "net.core.bpf_jit_harden",
    "kernel.kexec_load_disabled", "kernel.modules_disabled", "kernel.sysrq",
    "kernel.perf_event_paranoid", "kernel.unprivileged_userns_clone", "user.max_user_namespaces",
    "kernel.apparmor_restrict_unprivileged_userns", "kernel.io_uring_disabled",
    "kernel.core_pattern", "kernel.core_uses_pid", "fs.suid_dumpable", "fs.protected_hardlinks",
    "fs.protected_symlinks", "fs.protected_fifos", "fs.protected_regular", "vm.mmap_min_addr",
    "vm.unprivileged_userfaultfd", "dev.tty.ldisc_autoload", "kernel.panic_on_oops",
    "kernel.tainted", "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding",
    "net.ipv4.conf.all.accept_redirects", "net.ipv4.conf.default.accept_redirects",
    "net.ipv4.conf.all.secure_redirects", "net.ipv4.conf.all.send_redirects",
    "net.ipv4.conf.all.accept_source_route", "net.ipv4.conf.default.accept_source_route",
    "net.ipv4.conf.all.rp_filter", "net.ipv4.conf.all.log_martians", "net.ipv4.tcp_syncookies",
    "net.ipv4.icmp_echo_ignore_broadcasts", "net.ipv4.icmp_ignore_bogus_error_responses",
    "net.ipv6.conf.all.accept_redirects", "net.ipv6.conf.default.accept_redirects",
    "net.ipv6.conf.all.accept_source_route", "net.ipv6.conf.all.accept_ra", NULL,
};

static void add_setting(struct inv_scan *s, const char *name)
{
    char abs[PATH_MAX] = "/proc/sys/";
    size_t o = strlen(abs);
    for (const char *p = name; *p && o + 1 < sizeof(abs); p++) {
        if (*p == '/' || (p[0] == '.' && p[1] == '.'))
            return; /* not a sysctl name */
        abs[o++] = *p == '.' ? '/' : *p;
    }
    abs[o] = '\0';
    struct buf b = {0};
    if (inv_read(s, abs, &b, 65536, NULL) == 0) {
        size_t l = b.len;
        while (l && (b.data[l - 1] == '\n'))
            l--;
        struct event *ev = inv_row(s, TBL_SYSCTL_CHANGES, "%s", name);
        inv_str(ev, FLD_SETTING, name);
        inv_strn(ev, FLD_VALUE, l ? (const char *)b.data : "", l);
    }
    buf_free(&b);
}

static int sysctl_collect(struct inv_scan *s, struct vg_error *err)
{
    (void)err;
    const struct config_list *list = &s->cfg->sysctl_settings;
    if (list->count)
        for (size_t i = 0; i < list->count; i++)
            add_setting(s, list->items[i]);
    else
        for (size_t i = 0; default_settings[i]; i++)
            add_setting(s, default_settings[i]);
    return 0;
}

static const enum table_id modules_tables[] = {TBL_KERNEL_MODULE_CHANGES, TBL_NONE};
static const enum table_id sysctl_tables[] = {TBL_SYSCTL_CHANGES, TBL_NONE};

const struct inv_collector inv_collector_kernel_modules = {
    .name = "kernel_modules",
    .tables = modules_tables,
    .collect = modules_collect,
};

const struct inv_collector inv_collector_sysctl = {
    .name = "sysctl",
    .tables = sysctl_tables,
    .collect = sysctl_collect,
};
