/* host.c - reading the host facts of host.h. */
#include "agent/host.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/util.h"

static void read_os_release(char *out, size_t outlen)
{
    const char *paths[] = {"/etc/os-release", "/usr/lib/os-release"};
    str_copy(out, "Linux", outlen);
    for (size_t i = 0; i < 2; i++) {
        FILE *f = fopen(paths[i], "re");
        if (!f)
            continue;
        char line[512];
        while (fgets(line, sizeof(line), f)) {
            if (strncmp(line, "PRETTY_NAME=", 12) != 0)
                continue;
            char *v = line + 12;
            v[strcspn(v, "\n")] = '\0';
            size_t l = strlen(v);
            if (l >= 2 && (v[0] == '"' || v[0] == '\'') && v[l - 1] == v[0]) {
                v[l - 1] = '\0';
                v++;
            }
            str_copy(out, v, outlen);
            break;
        }
        fclose(f);
        return;
    }
}

/* The inode of a process's network namespace, 0 when it cannot be read (gone). */
static uint64_t netns_of(const char *proc_dir)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof(path), "%s/ns/net", proc_dir);
    return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

bool host_pid_in_scope(const struct host_info *h, int pid)
{
    if (!h->scope_netns)
        return true;
    char dir[32];
    snprintf(dir, sizeof(dir), "/proc/%d", pid);
    return netns_of(dir) == h->scope_netns;
}

int host_info_load(struct host_info *h, const char *scope, struct vg_error *err)
{
    memset(h, 0, sizeof(*h));
    if (scope && !strcmp(scope, "netns")) {
        h->scope_netns = netns_of("/proc/self");
        if (!h->scope_netns)
            return vg_error_set(err, -errno, "scope netns: cannot read /proc/self/ns/net: %s",
                                strerror(errno));
    } else if (scope && *scope && strcmp(scope, "host")) {
        return vg_error_set(err, -EINVAL, "option scope: \"%s\" is neither host nor netns", scope);
    }
    int rc = host_boot_id(h->boot_id);
    if (rc)
        return vg_error_set(err, rc, "cannot read /proc/sys/kernel/random/boot_id: %s",
                            strerror(-rc));
    if (file_read_line("/etc/machine-id", h->machine_id, sizeof(h->machine_id)) <= 0 &&
        file_read_line("/var/lib/dbus/machine-id", h->machine_id, sizeof(h->machine_id)) <= 0)
        str_copy(h->machine_id, "no-machine-id", sizeof(h->machine_id));
    host_name(h->hostname, sizeof(h->hostname));
    read_os_release(h->os, sizeof(h->os));
    struct utsname u;
    if (uname(&u) == 0) {
        str_copy(h->kernel, u.release, sizeof(h->kernel));
        str_copy(h->arch, u.machine, sizeof(h->arch));
    }
    h->clk_tck = sysconf(_SC_CLK_TCK);
    if (h->clk_tck <= 0)
        h->clk_tck = 100;
    h->boot_time_ns = host_boot_time_ns();
    return 0;
}
