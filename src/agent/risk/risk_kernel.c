/* risk_kernel.c - the kernel part of the config check, on the live system: a kernel installed
 * after the last boot but not running (or /run/reboot-required), core dumps of set-id programs
 * (fs.suid_dumpable with core_pattern), and kernel settings that weaken the host. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "agent/risk/risk.h"
#include "common/buf.h"
#include "common/util.h"
#include "common/vercmp.h"

static bool read_proc(const char *path, char *out, size_t outlen)
{
    struct buf b = {0};
    bool ok = file_read_all(path, &b, 4096) == 0 && b.len;
    if (ok)
        snprintf(out, outlen, "%.*s", (int)strcspn((const char *)b.data, "\n"), b.data);
    buf_free(&b);
    return ok;
}

static int64_t boot_time(void)
{
    struct buf b = {0};
    int64_t bt = 0;
    if (!file_read_all("/proc/stat", &b, 1 << 20) && !buf_terminate(&b)) {
        const char *p = strstr((const char *)b.data, "\nbtime ");
        if (p)
            bt = strtoll(p + 7, NULL, 10);
    }
    buf_free(&b);
    return bt;
}

void risk_check_kernel(struct risk_run *run)
{
    struct utsname u;
    char dir[4096], msg[1024];
    if (uname(&u))
        return;
    /* the newest kernel image in /boot against the running one */
    risk_path(run, "/boot", dir, sizeof(dir));
    DIR *d = opendir(dir);
    char newest[256] = "";
    int64_t newest_mtime = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (strncmp(e->d_name, "vmlinuz-", 8))
            continue;
        const char *rel = e->d_name + 8;
        if (!newest[0] || vercmp_dpkg(rel, newest) > 0) {
            char p[4400];
            struct stat sb;
            snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
            if (!stat(p, &sb)) {
                str_copy(newest, rel, sizeof(newest));
                newest_mtime = (int64_t)sb.st_ctime;
            }
        }
    }
    if (d)
        closedir(d);
    int64_t bt = boot_time();
    if (newest[0] && strcmp(newest, u.release) && vercmp_dpkg(newest, u.release) > 0 &&
        newest_mtime > bt) {
        snprintf(msg, sizeof(msg), "kernel %s was installed after the last boot but %s is "
                 "running: its fixes are not in effect", newest, u.release);
        risk_report(run, &(struct risk_finding){.kind = "reboot_required", .subject = "kernel",
                                                .severity = "medium", .rule = "kernel",
                                                .value = newest, .message = msg,
                                                .remediation = "Reboot into the new kernel"});
    } else {
        char flag[4096];
        struct stat sb;
        risk_path(run, "/run/reboot-required", flag, sizeof(flag));
        if (!stat(flag, &sb) && (int64_t)sb.st_mtime > bt)
            risk_report(run, &(struct risk_finding){
                                 .kind = "reboot_required", .subject = "kernel",
                                 .severity = "medium", .rule = "reboot-required",
                                 .path = "/run/reboot-required",
                                 .message = "an upgrade asks for a reboot "
                                            "(/run/reboot-required)",
                                 .remediation = "Reboot the host"});
    }

    /* core dumps of set-id programs */
    char dumpable[32] = "", pattern[256] = "";
    read_proc("/proc/sys/fs/suid_dumpable", dumpable, sizeof(dumpable));
    read_proc("/proc/sys/kernel/core_pattern", pattern, sizeof(pattern));
    if (!strcmp(dumpable, "1") ||
        (!strcmp(dumpable, "2") && pattern[0] != '|' && pattern[0] != '/')) {
        snprintf(msg, sizeof(msg), "set-id programs dump core (fs.suid_dumpable = %s, "
                 "core_pattern %s): their memory (keys, hashes) can end up readable",
                 dumpable, pattern);
        risk_report(run, &(struct risk_finding){
                             .kind = "suid_core_dumps", .subject = "fs.suid_dumpable",
                             .severity = !strcmp(dumpable, "1") ? "high" : "medium",
                             .setting = "fs.suid_dumpable", .value = dumpable, .message = msg,
                             .remediation = "sysctl fs.suid_dumpable=0 (in /etc/sysctl.d)"});
    }

    /* kernel settings: name, the bad values, severity, why */
    static const struct {
        const char *name, *bad, *severity, *why;
    } settings[] = {
        {"kernel.randomize_va_space", "0,1", "high", "address space randomization is off or partial"},
        {"kernel.kptr_restrict", "0", "low", "kernel addresses are shown to every user"},
        {"kernel.dmesg_restrict", "0", "low", "every user reads the kernel log"},
        {"kernel.unprivileged_bpf_disabled", "0", "medium", "every user can load BPF programs"},
        {"kernel.yama.ptrace_scope", "0", "low", "processes can trace any process of their user"},
        {"fs.protected_symlinks", "0", "medium", "symlinks in sticky directories are followed (/tmp races)"},
        {"fs.protected_hardlinks", "0", "medium", "users can hard-link files they cannot write"},
        {"fs.protected_regular", "0", "low", "files in sticky directories are opened whatever their owner"},
        {"fs.protected_fifos", "0", "low", "FIFOs in sticky directories are opened whatever their owner"},
        {"net.ipv4.conf.all.accept_redirects", "1", "low", "ICMP redirects change the routes"},
        {"net.ipv6.conf.all.accept_redirects", "1", "low", "ICMPv6 redirects change the routes"},
        {"net.ipv4.conf.all.accept_source_route", "1", "medium", "source-routed packets are accepted"},
        {"net.ipv4.tcp_syncookies", "0", "low", "no SYN cookies: SYN floods exhaust connections"},
        {"kernel.perf_event_paranoid", "-1,0,1", "low", "users can observe kernel events with perf"},
    };
    for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
        char path[256], value[64];
        snprintf(path, sizeof(path), "/proc/sys/%s", settings[i].name);
        for (char *p = path + 10; *p; p++)
            if (*p == '.')
                *p = '/';
        if (!read_proc(path, value, sizeof(value)))
            continue;
        char bad[32];
        str_copy(bad, settings[i].bad, sizeof(bad));
        bool hit = false;
        char *save = NULL;
        for (char *b = strtok_r(bad, ",", &save); b && !hit; b = strtok_r(NULL, ",", &save))
            hit = !strcmp(b, value);
        if (!hit)
            continue;
        char fix[256];
        snprintf(msg, sizeof(msg), "%s = %s: %s", settings[i].name, value, settings[i].why);
        snprintf(fix, sizeof(fix), "Set %s to a safe value in /etc/sysctl.d and run sysctl "
                 "--system", settings[i].name);
        risk_report(run, &(struct risk_finding){.kind = "sysctl", .subject = settings[i].name,
                                                .severity = settings[i].severity,
                                                .setting = settings[i].name, .value = value,
                                                .message = msg, .remediation = fix});
    }
}
