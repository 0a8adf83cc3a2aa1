/* col_host.c - the host collector: the host itself (host_info_changes: OS, kernel, hardware,
 * virtualization, resolver), its mounts, block devices, network interfaces and default routes.
 *
 * Files are read under the scan's root; what only the kernel knows through system calls
 * (interface addresses: getifaddrs; the hypervisor: CPUID) is read only for the live system. */
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <mntent.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "agent/inventory/inv_fs.h"
#include "agent/inventory/inv_text.h"
#include "agent/inventory/parsers.h"
#include "common/util.h"

/* A small text file of the host (first line, trimmed) into out; "" when absent. */
static const char *small_file(struct inv_scan *s, const char *abs, char *out, size_t outlen)
{
    struct buf b = {0};
    out[0] = '\0';
    if (inv_read(s, abs, &b, 65536, NULL) == 0 && b.len) {
        size_t pos = 0, ll;
        const char *l = inv_next_line((const char *)b.data, b.len, &pos, &ll);
        if (l) {
            inv_trim(&l, &ll);
            inv_copy(out, outlen, l, ll);
        }
    }
    buf_free(&b);
    return out;
}

static bool file_exists(struct inv_scan *s, const char *abs)
{
    char p[PATH_MAX];
    return inv_path(s, abs, p, sizeof(p)) == 0 && access(p, F_OK) == 0;
}

/* ---- virtualization, in the order systemd-detect-virt looks ---- */

static void detect_container(struct inv_scan *s, char *out, size_t outlen)
{
    char v[256];
    out[0] = '\0';
    if (file_exists(s, "/proc/vz") && !file_exists(s, "/proc/bc")) {
        str_copy(out, "openvz", outlen);
        return;
    }
    small_file(s, "/proc/sys/kernel/osrelease", v, sizeof(v));
    if (strstr(v, "Microsoft") || strstr(v, "WSL")) {
        str_copy(out, "wsl", outlen);
        return;
    }
    if (small_file(s, "/run/systemd/container", v, sizeof(v))[0]) {
        str_copy(out, !strcmp(v, "oci") ? "docker" : v, outlen);
        return;
    }
    struct buf env = {0};
    if (inv_read(s, "/proc/1/environ", &env, 1 << 20, NULL) == 0) {
        for (size_t i = 0; i < env.len;) {
            const char *e = (const char *)env.data + i;
            size_t l = strnlen(e, env.len - i);
            if (l > 10 && !strncmp(e, "container=", 10)) {
                inv_copy(out, outlen, e + 10, l - 10);
                if (!strcmp(out, "oci"))
                    str_copy(out, "docker", outlen);
                break;
            }
            i += l + 1;
        }
    }
    buf_free(&env);
    if (out[0])
        return;
    if (file_exists(s, "/run/.containerenv"))
        str_copy(out, "podman", outlen);
    else if (file_exists(s, "/.dockerenv"))
        str_copy(out, "docker", outlen);
}

static const char *vm_from_dmi(const char *text)
{
    static const struct { const char *needle, *vm; } dmi[] = {
        {"KVM", "kvm"}, {"OpenStack", "kvm"}, {"KubeVirt", "kvm"}, {"Amazon EC2", "amazon"},
        {"QEMU", "qemu"}, {"VMware", "vmware"}, {"VMW", "vmware"}, {"innotek GmbH", "oracle"},
        {"VirtualBox", "oracle"}, {"Oracle Corporation", "oracle"}, {"Xen", "xen"},
        {"Bochs", "bochs"}, {"Parallels", "parallels"}, {"BHYVE", "bhyve"},
        {"Hyper-V", "microsoft"}, {"Apple Virtualization", "apple"}, {"Google", "google"},
    };
    for (size_t i = 0; i < sizeof(dmi) / sizeof(dmi[0]); i++)
        if (strstr(text, dmi[i].needle) == text)
            return dmi[i].vm;
    return NULL;
}

static void detect_vm(struct inv_scan *s, char *out, size_t outlen)
{
    static const char *const dmi_files[] = {
        "/sys/class/dmi/id/product_name", "/sys/class/dmi/id/sys_vendor",
        "/sys/class/dmi/id/board_vendor", "/sys/class/dmi/id/bios_vendor",
        "/sys/class/dmi/id/product_version",
    };
    char v[256];
    const char *dmi = NULL;
    for (size_t i = 0; i < sizeof(dmi_files) / sizeof(dmi_files[0]) && !dmi; i++)
        dmi = vm_from_dmi(small_file(s, dmi_files[i], v, sizeof(v)));
    if (dmi && (!strcmp(dmi, "oracle") || !strcmp(dmi, "xen") || !strcmp(dmi, "amazon"))) {
        str_copy(out, dmi, outlen);
        return;
    }
    const char *cpu = NULL;
#if defined(__x86_64__) || defined(__i386__)
    unsigned eax, ebx, ecx, edx;
    if (!s->root[0] && __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & 0x80000000u)) {
        char vendor[13] = {0};
        __cpuid(0x40000000, eax, ebx, ecx, edx);
        memcpy(vendor, &ebx, 4);
        memcpy(vendor + 4, &ecx, 4);
        memcpy(vendor + 8, &edx, 4);
        static const struct { const char *id, *vm; } ids[] = {
            {"XenVMMXenVMM", "xen"}, {"KVMKVMKVM", "kvm"}, {"Linux KVM Hv", "kvm"},
            {"TCGTCGTCGTCG", "qemu"}, {"VMwareVMware", "vmware"}, {"Microsoft Hv", "microsoft"},
            {"bhyve bhyve ", "bhyve"}, {"QNXQVMBSQG", "qnx"}, {"ACRNACRNACRN", "acrn"},
            {"SRESRESRESRE", "sre"}, {"Apple VZ", "apple"},
        };
        cpu = "vm-other";
        for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
            if (!strcmp(vendor, ids[i].id))
                cpu = ids[i].vm;
    }
#endif
    if (cpu && strcmp(cpu, "vm-other") != 0) {
        str_copy(out, cpu, outlen);
        return;
    }
    if (dmi) {
        str_copy(out, dmi, outlen);
        return;
    }
    if (file_exists(s, "/proc/xen")) {
        str_copy(out, "xen", outlen);
        return;
    }
    str_copy(out, cpu ? cpu : "none", outlen);
}

static const char *cloud_provider(struct inv_scan *s)
{
    char vendor[256], product[256], bios[256], asset[256];
    small_file(s, "/sys/class/dmi/id/sys_vendor", vendor, sizeof(vendor));
    small_file(s, "/sys/class/dmi/id/product_name", product, sizeof(product));
    small_file(s, "/sys/class/dmi/id/bios_vendor", bios, sizeof(bios));
    small_file(s, "/sys/class/dmi/id/chassis_asset_tag", asset, sizeof(asset));
    if (strstr(vendor, "Amazon") || strstr(bios, "Amazon"))
        return "aws";
    if (strstr(product, "Google Compute Engine") || strstr(vendor, "Google"))
        return "gcp";
    if (!strcmp(asset, "7783-7084-3265-9085-8269-3286-77"))
        return "azure";
    if (strstr(vendor, "Alibaba") || strstr(product, "Alibaba Cloud"))
        return "alibaba";
    if (!strcmp(asset, "OracleCloud.com"))
        return "oracle";
    if (strstr(vendor, "DigitalOcean"))
        return "digitalocean";
    if (strstr(vendor, "Hetzner"))
        return "hetzner";
    if (strstr(vendor, "Tencent") || strstr(product, "Tencent"))
        return "tencent";
    if (strstr(vendor, "Huawei Cloud") || strstr(product, "HUAWEI CLOUD"))
        return "huawei";
    if (strstr(product, "OpenStack"))
        return "openstack";
    return "";
}

static void collect_info(struct inv_scan *s)
{
    struct event *ev = inv_row(s, TBL_HOST_INFO_CHANGES, "host");
    if (!ev)
        return;
    struct buf b = {0}, servers = {0}, search = {0};
    char v[512];
    if (inv_read(s, "/etc/os-release", &b, 1 << 20, NULL) &&
        inv_read(s, "/usr/lib/os-release", &b, 1 << 20, NULL))
        inv_warn(s, "no os-release");
    struct os_release os;
    parse_os_release((const char *)b.data, b.len, &os);
    inv_str(ev, FLD_OS, os.pretty);
    inv_str(ev, FLD_OS_NAME, os.name);
    inv_str(ev, FLD_OS_ID, os.id);
    inv_str(ev, FLD_OS_VERSION, os.version_id);
    inv_str(ev, FLD_OS_CODENAME, os.codename);
    inv_str(ev, FLD_KERNEL, small_file(s, "/proc/sys/kernel/osrelease", v, sizeof(v)));
    inv_str(ev, FLD_KERNEL_VERSION, small_file(s, "/proc/sys/kernel/version", v, sizeof(v)));
    struct utsname u;
    if (!small_file(s, "/proc/sys/kernel/arch", v, sizeof(v))[0] && !s->root[0] && uname(&u) == 0)
        str_copy(v, u.machine, sizeof(v));
    inv_str(ev, FLD_ARCH, v);
    inv_str(ev, FLD_MACHINE_ID, small_file(s, "/etc/machine-id", v, sizeof(v)));
    /* boot time in whole seconds as /proc/stat has it: stable from scan to scan */
    buf_reset(&b);
    if (inv_read(s, "/proc/stat", &b, 1 << 22, NULL) == 0) {
        const char *p = strstr((const char *)b.data, "\nbtime ");
        unsigned long long bt;
        if (p && sscanf(p + 7, "%llu", &bt) == 1)
            inv_int(ev, FLD_BOOT_TIME, (int64_t)bt * 1000000000ll);
    }
    buf_reset(&b);
    if (inv_read(s, "/proc/cpuinfo", &b, 1 << 24, NULL) == 0) {
        struct cpu_info ci;
        parse_cpuinfo((const char *)b.data, b.len, &ci);
        inv_str(ev, FLD_CPU_MODEL, ci.model);
        inv_int(ev, FLD_CPU_COUNT, ci.count);
        inv_int(ev, FLD_CPU_CORES, ci.cores);
        inv_int(ev, FLD_CPU_SOCKETS, ci.sockets);
    }
    buf_reset(&b);
    if (inv_read(s, "/proc/meminfo", &b, 1 << 20, NULL) == 0) {
        uint64_t mem, swap;
        parse_meminfo((const char *)b.data, b.len, &mem, &swap);
        inv_int(ev, FLD_MEMORY_BYTES, (int64_t)mem);
        inv_int(ev, FLD_SWAP_BYTES, (int64_t)swap);
    }
    char container[64], vm[64];
    detect_container(s, container, sizeof(container));
    detect_vm(s, vm, sizeof(vm));
    inv_str(ev, FLD_VIRTUALIZATION, container[0] ? container : vm);
    inv_str(ev, FLD_HYPERVISOR, vm);
    inv_str(ev, FLD_CLOUD_PROVIDER, cloud_provider(s));
    inv_str(ev, FLD_HW_VENDOR, small_file(s, "/sys/class/dmi/id/sys_vendor", v, sizeof(v)));
    inv_str(ev, FLD_HW_MODEL, small_file(s, "/sys/class/dmi/id/product_name", v, sizeof(v)));
    buf_reset(&b);
    if (inv_read(s, "/etc/resolv.conf", &b, 1 << 20, NULL) == 0)
        parse_resolv_conf((const char *)b.data, b.len, &servers, &search);
    inv_strn(ev, FLD_DNS_SERVERS, servers.len ? (const char *)servers.data : "", servers.len);
    inv_strn(ev, FLD_DNS_SEARCH, search.len ? (const char *)search.data : "", search.len);
    if (!small_file(s, "/etc/timezone", v, sizeof(v))[0]) {
        char p[PATH_MAX], link[PATH_MAX];
        ssize_t n = -1;
        if (inv_path(s, "/etc/localtime", p, sizeof(p)) == 0)
            n = readlink(p, link, sizeof(link) - 1);
        if (n > 0) {
            link[n] = '\0';
            const char *z = strstr(link, "zoneinfo/");
            str_copy(v, z ? z + 9 : link, sizeof(v));
        }
    }
    inv_str(ev, FLD_TIMEZONE, v);
    buf_free(&b);
    buf_free(&servers);
    buf_free(&search);
}

static void collect_mounts(struct inv_scan *s)
{
    char path[PATH_MAX];
    if (inv_path(s, "/proc/self/mounts", path, sizeof(path)))
        return;
    FILE *f = setmntent(path, "re");
    if (!f) {
        inv_warn(s, "%s: %s", path, strerror(errno));
        return;
    }
    struct mntent me;
    char line[8192];
    while (getmntent_r(f, &me, line, sizeof(line))) {
        struct event *ev = inv_row(s, TBL_MOUNT_CHANGES, "%s\t%s\t%s", me.mnt_dir, me.mnt_fsname,
                                   me.mnt_type);
        inv_str(ev, FLD_MOUNT_SOURCE, me.mnt_fsname);
        inv_str(ev, FLD_MOUNT_TARGET, me.mnt_dir);
        inv_str(ev, FLD_FS_TYPE, me.mnt_type);
        inv_str(ev, FLD_MOUNT_OPTIONS, me.mnt_opts);
        struct statvfs sv;
        /* never stat a network file system (a dead server hangs the call) */
        if (!s->root[0] && !inv_fs_is_network(me.mnt_type) && !inv_fs_is_pseudo(me.mnt_type) &&
            statvfs(me.mnt_dir, &sv) == 0)
            inv_int(ev, FLD_SIZE_BYTES, (int64_t)((uint64_t)sv.f_blocks * sv.f_frsize));
    }
    endmntent(f);
}

static void collect_disks(struct inv_scan *s)
{
    char **names;
    size_t n;
    if (inv_list_dir(s, "/sys/block", true, &names, &n))
        return;
    for (size_t i = 0; i < n; i++) {
        char p[PATH_MAX], v[256];
        snprintf(p, sizeof(p), "/sys/block/%s/loop", names[i]);
        if (!strncmp(names[i], "loop", 4) && !file_exists(s, p))
            continue; /* a loop device with nothing attached, which lsblk does not list either */
        struct event *ev = inv_row(s, TBL_DISK_CHANGES, "%s", names[i]);
        inv_str(ev, FLD_DEVICE, names[i]);
        unsigned long long num;
        snprintf(p, sizeof(p), "/sys/block/%s/size", names[i]);
        if (inv_parse_u64(v, strlen(small_file(s, p, v, sizeof(v))), &num))
            inv_int(ev, FLD_SIZE_BYTES, (int64_t)(num * 512));
        snprintf(p, sizeof(p), "/sys/block/%s/device/model", names[i]);
        inv_str(ev, FLD_MODEL, small_file(s, p, v, sizeof(v)));
        snprintf(p, sizeof(p), "/sys/block/%s/removable", names[i]);
        if (inv_parse_u64(v, strlen(small_file(s, p, v, sizeof(v))), &num))
            inv_int(ev, FLD_REMOVABLE, (int64_t)num);
        snprintf(p, sizeof(p), "/sys/block/%s/queue/rotational", names[i]);
        if (inv_parse_u64(v, strlen(small_file(s, p, v, sizeof(v))), &num))
            inv_int(ev, FLD_ROTATIONAL, (int64_t)num);
        snprintf(p, sizeof(p), "/sys/block/%s/ro", names[i]);
        if (inv_parse_u64(v, strlen(small_file(s, p, v, sizeof(v))), &num))
            inv_int(ev, FLD_READ_ONLY, (int64_t)num);
    }
    inv_names_free(names, n);
}

/* "10.0.0.5/24,fe80::1/64" of one interface, from getifaddrs. */
static void interface_addresses(const struct ifaddrs *all, const char *name, struct buf *out)
{
    for (const struct ifaddrs *a = all; a; a = a->ifa_next) {
        if (!a->ifa_addr || strcmp(a->ifa_name, name) != 0)
            continue;
        int fam = a->ifa_addr->sa_family;
        if (fam != AF_INET && fam != AF_INET6)
            continue;
        char text[INET6_ADDRSTRLEN + 8];
        int prefix = 0;
        const void *addr, *mask = NULL;
        size_t mlen;
        if (fam == AF_INET) {
            addr = &((const struct sockaddr_in *)a->ifa_addr)->sin_addr;
            if (a->ifa_netmask)
                mask = &((const struct sockaddr_in *)a->ifa_netmask)->sin_addr;
            mlen = 4;
        } else {
            addr = &((const struct sockaddr_in6 *)a->ifa_addr)->sin6_addr;
            if (a->ifa_netmask)
                mask = &((const struct sockaddr_in6 *)a->ifa_netmask)->sin6_addr;
            mlen = 16;
        }
        for (size_t i = 0; mask && i < mlen; i++)
            prefix += __builtin_popcount(((const uint8_t *)mask)[i]);
        if (!inet_ntop(fam, addr, text, INET6_ADDRSTRLEN))
            continue;
        size_t l = strlen(text);
        snprintf(text + l, sizeof(text) - l, "/%d", prefix);
        inv_list_add(out, text, strlen(text));
    }
}

static void collect_interfaces(struct inv_scan *s)
{
    char **names;
    size_t n;
    if (inv_list_dir(s, "/sys/class/net", true, &names, &n))
        return;
    struct ifaddrs *all = NULL;
    if (!s->root[0] && getifaddrs(&all) < 0)
        all = NULL;
    for (size_t i = 0; i < n; i++) {
        char p[PATH_MAX], real[PATH_MAX], v[256], link[PATH_MAX];
        if (strchr(names[i], '/') || !strcmp(names[i], "bonding_masters"))
            continue;
        struct event *ev = inv_row(s, TBL_INTERFACE_CHANGES, "%s", names[i]);
        inv_str(ev, FLD_INTERFACE, names[i]);
        snprintf(p, sizeof(p), "/sys/class/net/%s/address", names[i]);
        inv_str(ev, FLD_MAC, small_file(s, p, v, sizeof(v)));
        unsigned long long num, type = 0;
        snprintf(p, sizeof(p), "/sys/class/net/%s/mtu", names[i]);
        if (inv_parse_u64(v, strlen(small_file(s, p, v, sizeof(v))), &num))
            inv_int(ev, FLD_MTU, (int64_t)num);
        snprintf(p, sizeof(p), "/sys/class/net/%s/operstate", names[i]);
        inv_str(ev, FLD_LINK_STATE, small_file(s, p, v, sizeof(v)));
        snprintf(p, sizeof(p), "/sys/class/net/%s/type", names[i]);
        inv_parse_u64(v, strlen(small_file(s, p, v, sizeof(v))), &type);
        /* the kind: loopback, a physical device, or a virtual one */
        char devtype[64] = "";
        struct buf ue = {0};
        snprintf(p, sizeof(p), "/sys/class/net/%s/uevent", names[i]);
        if (inv_read(s, p, &ue, 65536, NULL) == 0) {
            const char *d = strstr((const char *)ue.data, "DEVTYPE=");
            if (d) {
                size_t l = strcspn(d + 8, "\n");
                inv_copy(devtype, sizeof(devtype), d + 8, l);
            }
        }
        buf_free(&ue);
        ssize_t ll = -1;
        snprintf(p, sizeof(p), "/sys/class/net/%s", names[i]);
        if (inv_path(s, p, real, sizeof(real)) == 0)
            ll = readlink(real, link, sizeof(link) - 1);
        link[ll > 0 ? ll : 0] = '\0';
        snprintf(p, sizeof(p), "/sys/class/net/%s/tun_flags", names[i]);
        const char *kind = type == 772                    ? "loopback"
                           : !strstr(link, "/virtual/")   ? (!strcmp(devtype, "wlan") ? "wireless"
                                                                                      : "ethernet")
                           : devtype[0]                   ? devtype
                           : file_exists(s, p)            ? "tun"
                                                          : "virtual";
        inv_str(ev, FLD_INTERFACE_TYPE, kind);
        if (all) {
            struct buf addrs = {0};
            interface_addresses(all, names[i], &addrs);
            inv_strn(ev, FLD_ADDRESSES, addrs.len ? (const char *)addrs.data : "", addrs.len);
            buf_free(&addrs);
        }
    }
    if (all)
        freeifaddrs(all);
    inv_names_free(names, n);
}

static void add_route(void *ctx, const struct route_entry *r)
{
    struct inv_scan *s = ctx;
    if (strcmp(r->destination, "0.0.0.0/0") != 0 && strcmp(r->destination, "::/0") != 0)
        return; /* default routes only */
    struct event *ev = inv_row(s, TBL_ROUTE_CHANGES, "%s\t%s\t%s\t%s", r->family,
                               r->destination, r->gateway, r->interface);
    inv_str(ev, FLD_FAMILY, r->family);
    inv_str(ev, FLD_DESTINATION, r->destination);
    inv_str(ev, FLD_GATEWAY, r->gateway);
    inv_str(ev, FLD_INTERFACE, r->interface);
    inv_int(ev, FLD_METRIC, r->metric);
}

static void collect_routes(struct inv_scan *s)
{
    struct buf b = {0};
    if (inv_read(s, "/proc/net/route", &b, 1 << 24, NULL) == 0)
        parse_proc_route((const char *)b.data, b.len, add_route, s);
    buf_reset(&b);
    if (inv_read(s, "/proc/net/ipv6_route", &b, 1 << 24, NULL) == 0)
        parse_proc_ipv6_route((const char *)b.data, b.len, add_route, s);
    buf_free(&b);
}

static int host_collect(struct inv_scan *s, struct vg_error *err)
{
    (void)err;
    collect_info(s);
    collect_mounts(s);
    collect_disks(s);
    collect_interfaces(s);
    collect_routes(s);
    return 0;
}

static const enum table_id host_tables[] = {
    TBL_HOST_INFO_CHANGES, TBL_MOUNT_CHANGES, TBL_DISK_CHANGES, TBL_INTERFACE_CHANGES,
    TBL_ROUTE_CHANGES, TBL_NONE,
};

const struct inv_collector inv_collector_host = {
    .name = "host",
    .tables = host_tables,
    .collect = host_collect,
};
