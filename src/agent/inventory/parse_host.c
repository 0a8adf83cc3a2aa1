/* parse_host.c - parsers of the host's own description files: os-release, /proc/cpuinfo,
 * /proc/meminfo, resolv.conf, and the kernel's route tables (/proc/net/route, ipv6_route).
 * Pure functions over text (parsers.h); every field is bounded, anything unexpected skipped. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/inventory/inv_text.h"
#include "agent/inventory/parsers.h"

void parse_os_release(const char *text, size_t len, struct os_release *out)
{
    memset(out, 0, sizeof(*out));
    size_t pos = 0, ll;
    const char *l;
    unsigned lineno = 0;
    while ((l = inv_next_content_line(text, len, &pos, &lineno, "#", &ll))) {
        const char *eq = memchr(l, '=', ll);
        if (!eq)
            continue;
        size_t kl = (size_t)(eq - l), vl = ll - kl - 1;
        const char *v = eq + 1;
        if (inv_eq(l, kl, "NAME"))
            inv_shell_value(v, vl, out->name, sizeof(out->name));
        else if (inv_eq(l, kl, "ID"))
            inv_shell_value(v, vl, out->id, sizeof(out->id));
        else if (inv_eq(l, kl, "VERSION_ID"))
            inv_shell_value(v, vl, out->version_id, sizeof(out->version_id));
        else if (inv_eq(l, kl, "PRETTY_NAME"))
            inv_shell_value(v, vl, out->pretty, sizeof(out->pretty));
        else if (inv_eq(l, kl, "VERSION_CODENAME"))
            inv_shell_value(v, vl, out->codename, sizeof(out->codename));
    }
}

/* "key<tabs>: value" of cpuinfo and meminfo. */
static bool colon_field(const char *l, size_t ll, const char **key, size_t *kl, const char **val,
                        size_t *vl)
{
    const char *c = memchr(l, ':', ll);
    if (!c)
        return false;
    *key = l;
    *kl = (size_t)(c - l);
    inv_trim(key, kl);
    *val = c + 1;
    *vl = ll - (size_t)(c - l) - 1;
    inv_trim(val, vl);
    return true;
}

void parse_cpuinfo(const char *text, size_t len, struct cpu_info *out)
{
    memset(out, 0, sizeof(*out));
    /* sockets by "physical id"; cores per socket by "cpu cores" (x86) */
    long ids[256];
    long cores_of[256];
    int nids = 0;
    long cur_id = -1;
    size_t pos = 0, ll;
    const char *l;
    while ((l = inv_next_line(text, len, &pos, &ll))) {
        const char *k, *v;
        size_t kl, vl;
        if (!colon_field(l, ll, &k, &kl, &v, &vl))
            continue;
        unsigned long long n;
        if (inv_eq(k, kl, "processor")) {
            out->count++;
            cur_id = -1;
        } else if ((inv_eq(k, kl, "model name") || inv_eq(k, kl, "Hardware") ||
                    inv_eq(k, kl, "cpu model")) && !out->model[0]) {
            inv_copy(out->model, sizeof(out->model), v, vl);
        } else if (inv_eq(k, kl, "physical id") && inv_parse_u64(v, vl, &n) && n < 1u << 20) {
            cur_id = (long)n;
            int i = 0;
            while (i < nids && ids[i] != cur_id)
                i++;
            if (i == nids && nids < 256) {
                ids[nids] = cur_id;
                cores_of[nids++] = 0;
            }
        } else if (inv_eq(k, kl, "cpu cores") && cur_id >= 0 && inv_parse_u64(v, vl, &n) &&
                   n < 1u << 20) {
            for (int i = 0; i < nids; i++)
                if (ids[i] == cur_id)
                    cores_of[i] = (long)n;
        }
    }
    out->sockets = nids ? nids : (out->count ? 1 : 0);
    for (int i = 0; i < nids; i++)
        out->cores += (int)cores_of[i];
    if (!out->cores)
        out->cores = out->count;
}

void parse_meminfo(const char *text, size_t len, uint64_t *mem, uint64_t *swap)
{
    *mem = *swap = 0;
    size_t pos = 0, ll;
    const char *l;
    while ((l = inv_next_line(text, len, &pos, &ll))) {
        const char *k, *v;
        size_t kl, vl, wp = 0, wl;
        if (!colon_field(l, ll, &k, &kl, &v, &vl))
            continue;
        const char *num = inv_word(v, vl, &wp, &wl);
        unsigned long long n;
        if (!num || !inv_parse_u64(num, wl, &n) || n > (1ull << 53))
            continue;
        if (inv_eq(k, kl, "MemTotal"))
            *mem = n * 1024;
        else if (inv_eq(k, kl, "SwapTotal"))
            *swap = n * 1024;
    }
}

void parse_resolv_conf(const char *text, size_t len, struct buf *servers, struct buf *search)
{
    size_t pos = 0, ll;
    const char *l;
    while ((l = inv_next_line(text, len, &pos, &ll))) {
        size_t wp = 0, wl;
        const char *w = inv_word(l, ll, &wp, &wl);
        if (!w || w[0] == '#' || w[0] == ';')
            continue;
        bool ns = inv_eq(w, wl, "nameserver");
        bool sr = inv_eq(w, wl, "search") || inv_eq(w, wl, "domain");
        if (!ns && !sr)
            continue;
        if (sr) /* the last search or domain line wins, as in the resolver */
            buf_reset(search);
        const char *a;
        while ((a = inv_word(l, ll, &wp, &wl)) && a[0] != '#' && a[0] != ';') {
            inv_list_add(ns ? servers : search, a, wl);
            if (ns)
                break;
        }
    }
}

static bool hex_u32(const char *s, size_t len, uint32_t *out)
{
    if (len == 0 || len > 8)
        return false;
    uint32_t v = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return false;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return true;
}

#define RTF_UP_FLAG 0x0001
#define RTF_REJECT_FLAG 0x0200

int parse_proc_route(const char *text, size_t len,
                     void (*each)(void *ctx, const struct route_entry *r), void *ctx)
{
    size_t pos = 0, ll;
    const char *l;
    int n = 0;
    bool header = true;
    while ((l = inv_next_line(text, len, &pos, &ll))) {
        if (header) { /* "Iface Destination Gateway Flags RefCnt Use Metric Mask ..." */
            header = false;
            continue;
        }
        const char *w[8];
        size_t wl[8], wp = 0;
        int k = 0;
        while (k < 8 && (w[k] = inv_word(l, ll, &wp, &wl[k])))
            k++;
        uint32_t dst, gw, flags, metric, mask;
        if (k < 8 || !hex_u32(w[1], wl[1], &dst) || !hex_u32(w[2], wl[2], &gw) ||
            !hex_u32(w[3], wl[3], &flags) || !hex_u32(w[7], wl[7], &mask))
            continue;
        unsigned long long m;
        if (!inv_parse_u64(w[6], wl[6], &m) || m > 0xffffffffu)
            continue;
        metric = (uint32_t)m;
        if (!(flags & RTF_UP_FLAG) || (flags & RTF_REJECT_FLAG))
            continue;
        struct route_entry r;
        memset(&r, 0, sizeof(r));
        strcpy(r.family, "ipv4");
        char a[INET_ADDRSTRLEN];
        struct in_addr ia = {.s_addr = dst}; /* the kernel prints them in host byte order of the
                                                 network-order value: as stored */
        inet_ntop(AF_INET, &ia, a, sizeof(a));
        int prefix = __builtin_popcount(mask);
        snprintf(r.destination, sizeof(r.destination), "%s/%d", a, prefix);
        if (gw) {
            ia.s_addr = gw;
            inet_ntop(AF_INET, &ia, r.gateway, sizeof(r.gateway));
        }
        inv_copy(r.interface, sizeof(r.interface), w[0], wl[0]);
        r.metric = metric;
        each(ctx, &r);
        n++;
    }
    return n;
}

static bool hex_addr16(const char *s, size_t len, struct in6_addr *out)
{
    if (len != 32)
        return false;
    for (int i = 0; i < 16; i++) {
        uint32_t b;
        if (!hex_u32(s + 2 * i, 2, &b))
            return false;
        out->s6_addr[i] = (uint8_t)b;
    }
    return true;
}

int parse_proc_ipv6_route(const char *text, size_t len,
                          void (*each)(void *ctx, const struct route_entry *r), void *ctx)
{
    size_t pos = 0, ll;
    const char *l;
    int n = 0;
    while ((l = inv_next_line(text, len, &pos, &ll))) {
        /* dst dst_len src src_len next_hop metric refcnt use flags iface */
        const char *w[10];
        size_t wl[10], wp = 0;
        int k = 0;
        while (k < 10 && (w[k] = inv_word(l, ll, &wp, &wl[k])))
            k++;
        struct in6_addr dst, gw;
        uint32_t plen, metric, flags;
        if (k < 10 || !hex_addr16(w[0], wl[0], &dst) || !hex_u32(w[1], wl[1], &plen) ||
            plen > 128 || !hex_addr16(w[4], wl[4], &gw) || !hex_u32(w[5], wl[5], &metric) ||
            !hex_u32(w[8], wl[8], &flags))
            continue;
        if (!(flags & RTF_UP_FLAG) || (flags & RTF_REJECT_FLAG))
            continue;
        struct route_entry r;
        memset(&r, 0, sizeof(r));
        strcpy(r.family, "ipv6");
        char a[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, &dst, a, sizeof(a));
        snprintf(r.destination, sizeof(r.destination), "%s/%u", a, plen);
        static const struct in6_addr any = IN6ADDR_ANY_INIT;
        if (memcmp(&gw, &any, sizeof(gw)) != 0)
            inet_ntop(AF_INET6, &gw, r.gateway, sizeof(r.gateway));
        inv_copy(r.interface, sizeof(r.interface), w[9], wl[9]);
        r.metric = metric;
        each(ctx, &r);
        n++;
    }
    return n;
}
