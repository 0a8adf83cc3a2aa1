/* vercmp.c - dpkg and rpm version ordering (vercmp.h), written from their specifications:
 * Debian Policy 5.6.12 and dpkg's verrevcmp() semantics for dpkg; the rpm version comparison
 * documentation (segments of digits or letters, '~' and '^') for rpm. Nothing is allocated:
 * the parts of a version are compared in place by length. */
#include "common/vercmp.h"

#include <stddef.h>
#include <string.h>

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* A span of a version string. */
struct span {
    const char *p;
    size_t n;
};

/* Numbers of any length compared by value: leading zeros skipped, then length, then digits. */
static int cmp_number(struct span a, struct span b)
{
    while (a.n && *a.p == '0')
        a.p++, a.n--;
    while (b.n && *b.p == '0')
        b.p++, b.n--;
    if (a.n != b.n)
        return a.n < b.n ? -1 : 1;
    int r = a.n ? memcmp(a.p, b.p, a.n) : 0;
    return r < 0 ? -1 : r > 0;
}

/* ---- dpkg ---- */

/* dpkg's weight of a character of a non-digit part: '~' before the end, the end before
 * letters, letters before everything else. */
static int dpkg_order(int c)
{
    if (is_digit((char)c))
        return 0;
    if (is_alpha((char)c))
        return c;
    if (c == '~')
        return -1;
    if (c)
        return c + 256;
    return 0;
}

/* dpkg's comparison of an upstream version or a revision: alternating non-digit parts
 * (compared character by character with dpkg_order) and digit parts (compared as numbers). */
static int dpkg_part_cmp(struct span a, struct span b)
{
    size_t i = 0, j = 0;
    while (i < a.n || j < b.n) {
        while ((i < a.n && !is_digit(a.p[i])) || (j < b.n && !is_digit(b.p[j]))) {
            int ac = dpkg_order(i < a.n ? (unsigned char)a.p[i] : 0);
            int bc = dpkg_order(j < b.n ? (unsigned char)b.p[j] : 0);
            if (ac != bc)
                return ac < bc ? -1 : 1;
            i++, j++;
        }
        struct span na = {a.p + i, 0}, nb = {b.p + j, 0};
        while (i < a.n && is_digit(a.p[i]))
            i++, na.n++;
        while (j < b.n && is_digit(b.p[j]))
            j++, nb.n++;
        int r = cmp_number(na, nb);
        if (r)
            return r;
    }
    return 0;
}

/* Split v[0..n) at its last '-' into head and tail (tail empty and has_dash false when none). */
static bool split_last_dash(const char *v, size_t n, struct span *head, struct span *tail)
{
    for (size_t i = n; i-- > 0;)
        if (v[i] == '-') {
            *head = (struct span){v, i};
            *tail = (struct span){v + i + 1, n - i - 1};
            return true;
        }
    *head = (struct span){v, n};
    *tail = (struct span){v + n, 0};
    return false;
}

struct dpkg_version {
    struct span epoch, upstream, revision;
};

static void dpkg_split(const char *v, struct dpkg_version *out)
{
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\n'))
        n--;
    out->epoch = (struct span){v, 0};
    const char *colon = memchr(v, ':', n);
    if (colon) {
        bool numeric = colon > v;
        for (const char *p = v; p < colon; p++)
            numeric = numeric && is_digit(*p);
        if (numeric) {
            out->epoch.n = (size_t)(colon - v);
            n -= (size_t)(colon - v) + 1;
            v = colon + 1;
        }
    }
    split_last_dash(v, n, &out->upstream, &out->revision);
}

int vercmp_dpkg(const char *a, const char *b)
{
    struct dpkg_version va, vb;
    dpkg_split(a ? a : "", &va);
    dpkg_split(b ? b : "", &vb);
    int r = cmp_number(va.epoch, vb.epoch);
    if (!r)
        r = dpkg_part_cmp(va.upstream, vb.upstream);
    if (!r)
        r = dpkg_part_cmp(va.revision, vb.revision);
    return r;
}

bool vercmp_dpkg_valid(const char *v)
{
    if (!v || !*v)
        return false;
    struct dpkg_version d;
    dpkg_split(v, &d);
    const char *colon = strchr(v, ':');
    if (colon && d.epoch.n == 0)
        return false; /* an epoch that is not a number */
    if (!d.upstream.n || !is_digit(d.upstream.p[0]))
        return false;
    for (size_t i = 0; i < d.upstream.n; i++) {
        char c = d.upstream.p[i];
        if (!is_digit(c) && !is_alpha(c) && !strchr(".+-~:", c))
            return false;
        if (c == ':' )
            return false; /* only one epoch separator */
    }
    for (size_t i = 0; i < d.revision.n; i++) {
        char c = d.revision.p[i];
        if (!is_digit(c) && !is_alpha(c) && !strchr(".+~", c))
            return false;
    }
    return !(d.revision.p > v && d.revision.p[-1] == '-' && d.revision.n == 0);
}

/* ---- rpm ---- */

static int rpm_span_cmp(struct span a, struct span b)
{
    if (a.n == b.n && (a.n == 0 || !memcmp(a.p, b.p, a.n)))
        return 0;
    size_t i = 0, j = 0;
    while (i < a.n || j < b.n) {
        while (i < a.n && !is_digit(a.p[i]) && !is_alpha(a.p[i]) && a.p[i] != '~' &&
               a.p[i] != '^')
            i++;
        while (j < b.n && !is_digit(b.p[j]) && !is_alpha(b.p[j]) && b.p[j] != '~' &&
               b.p[j] != '^')
            j++;
        char ca = i < a.n ? a.p[i] : 0, cb = j < b.n ? b.p[j] : 0;
        /* '~' sorts before everything, the end of the string included */
        if (ca == '~' || cb == '~') {
            if (ca != '~')
                return 1;
            if (cb != '~')
                return -1;
            i++, j++;
            continue;
        }
        /* '^' sorts after the end of the string but before anything else */
        if (ca == '^' || cb == '^') {
            if (!ca)
                return -1;
            if (!cb)
                return 1;
            if (ca != '^')
                return 1;
            if (cb != '^')
                return -1;
            i++, j++;
            continue;
        }
        if (!ca || !cb)
            break;
        struct span sa = {a.p + i, 0}, sb = {b.p + j, 0};
        bool num = is_digit(ca);
        while (i < a.n && (num ? is_digit(a.p[i]) : is_alpha(a.p[i])))
            i++, sa.n++;
        while (j < b.n && (num ? is_digit(b.p[j]) : is_alpha(b.p[j])))
            j++, sb.n++;
        /* segments of different kinds: a number is newer than letters */
        if (sb.n == 0)
            return num ? 1 : -1;
        int r;
        if (num) {
            r = cmp_number(sa, sb);
        } else {
            size_t m = sa.n < sb.n ? sa.n : sb.n;
            r = memcmp(sa.p, sb.p, m);
            if (!r && sa.n != sb.n)
                r = sa.n < sb.n ? -1 : 1;
        }
        if (r)
            return r < 0 ? -1 : 1;
    }
    if (i >= a.n && j >= b.n)
        return 0;
    return i >= a.n ? -1 : 1;
}

int vercmp_rpm_segment(const char *a, const char *b)
{
    a = a ? a : "";
    b = b ? b : "";
    return rpm_span_cmp((struct span){a, strlen(a)}, (struct span){b, strlen(b)});
}

struct rpm_evr {
    struct span epoch, version, release;
    bool has_release;
};

static void rpm_split(const char *v, struct rpm_evr *out)
{
    size_t n = strlen(v);
    out->epoch = (struct span){v, 0};
    size_t k = 0;
    while (k < n && is_digit(v[k]))
        k++;
    if (k < n && v[k] == ':') {
        out->epoch.n = k;
        v += k + 1;
        n -= k + 1;
    }
    out->has_release = split_last_dash(v, n, &out->version, &out->release);
}

int vercmp_rpm(const char *a, const char *b)
{
    struct rpm_evr ea, eb;
    rpm_split(a ? a : "", &ea);
    rpm_split(b ? b : "", &eb);
    int r = cmp_number(ea.epoch, eb.epoch);
    if (!r)
        r = rpm_span_cmp(ea.version, eb.version);
    if (!r && ea.has_release && eb.has_release)
        r = rpm_span_cmp(ea.release, eb.release);
    else if (!r && ea.has_release != eb.has_release)
        r = ea.has_release ? 1 : -1; /* as rpmverCmp(): a release sorts after none */
    return r;
}
