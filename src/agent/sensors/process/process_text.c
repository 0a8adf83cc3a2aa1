/* process_text.c - argv and path bytes to event text (process_text.h). */
#include "agent/sensors/process/process_text.h"

#include <errno.h>
#include <string.h>

#include "common/util.h"

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates, nothing
 * above U+10FFFF), or 0 when the byte at s does not start one. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    if (c >= 0x01 && c < 0x80)
        return 1;
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (len < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return n;
}

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

int ptext_utf8(struct buf *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    int rc = buf_reserve(out, len + 1);
    size_t i = 0;
    while (!rc && i < len) {
        size_t run = i; /* copy runs of valid text at once */
        size_t n;
        while (run < len && (n = utf8_seq(p + run, len - run)) > 0)
            run += n;
        rc = buf_append(out, p + i, run - i);
        i = run;
        if (!rc && i < len) {
            rc = buf_append(out, replacement, 3);
            i++;
        }
    }
    return rc ? -ENOMEM : 0;
}

size_t ptext_copy(char *dst, size_t dstlen, const char *src, size_t len)
{
    if (dstlen == 0)
        return 0;
    size_t n = len;
    if (n > dstlen - 1) {
        n = dstlen - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
            n--; /* src[n] continues a sequence: cut before its first byte */
    }
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
    return n;
}

/* One argv string as a JSON string literal. */
static int json_string(struct buf *out, const unsigned char *s, size_t len)
{
    int rc = buf_putc(out, '"');
    for (size_t i = 0; i < len && !rc;) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            size_t run = i;
            while (run < len && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' &&
                   s[run] != '\\')
                run++;
            rc = buf_append(out, s + i, run - i);
            i = run;
            continue;
        }
        switch (c) {
        case '"': rc = buf_append(out, "\\\"", 2); i++; continue;
        case '\\': rc = buf_append(out, "\\\\", 2); i++; continue;
        case '\n': rc = buf_append(out, "\\n", 2); i++; continue;
        case '\t': rc = buf_append(out, "\\t", 2); i++; continue;
        case '\r': rc = buf_append(out, "\\r", 2); i++; continue;
        default: break;
        }
        if (c < 0x20) {
            rc = buf_printf(out, "\\u%04x", c);
            i++;
            continue;
        }
        size_t n = utf8_seq(s + i, len - i);
        if (n == 0) {
            rc = buf_append(out, "\\ufffd", 6);
            i++;
        } else {
            rc = buf_append(out, s + i, n);
            i += n;
        }
    }
    if (!rc)
        rc = buf_putc(out, '"');
    return rc ? -ENOMEM : 0;
}

int ptext_json_string(struct buf *out, const char *s, size_t len)
{
    return json_string(out, (const unsigned char *)s, len);
}

int ptext_args_json(struct buf *out, const char *args, size_t len, size_t *count)
{
    const unsigned char *p = (const unsigned char *)args;
    size_t n = 0;
    int rc = buf_putc(out, '[');
    for (size_t i = 0; i < len && !rc;) {
        const unsigned char *nul = memchr(p + i, '\0', len - i);
        size_t alen = nul ? (size_t)(nul - (p + i)) : len - i;
        if (n)
            rc = buf_putc(out, ',');
        if (!rc)
            rc = json_string(out, p + i, alen);
        n++;
        i += alen + 1;
    }
    if (!rc)
        rc = buf_putc(out, ']');
    *count = n;
    return rc ? -ENOMEM : 0;
}

int ptext_args_line(struct buf *out, const char *args, size_t len)
{
    int rc = 0;
    size_t n = 0;
    for (size_t i = 0; i < len && !rc;) {
        const char *nul = memchr(args + i, '\0', len - i);
        size_t alen = nul ? (size_t)(nul - (args + i)) : len - i;
        if (n++)
            rc = buf_putc(out, ' ');
        if (!rc)
            rc = ptext_utf8(out, args + i, alen);
        i += alen + 1;
    }
    return rc ? -ENOMEM : 0;
}

static bool all_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return len > 0;
}

/* The container id in one path component (with its parent component for "/lxc/<name>"). */
static bool component_id(const char *c, size_t len, const char *parent, size_t plen,
                         char *out, size_t outlen)
{
    static const char *const prefixes[] = {"docker-", "cri-containerd-", "crio-", "libpod-",
                                           "containerd-"};
    const char *s = c;
    size_t n = len;
    if (n > 6 && memcmp(s + n - 6, ".scope", 6) == 0)
        n -= 6;
    for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
        size_t pl = strlen(prefixes[i]);
        if (n > pl && memcmp(s, prefixes[i], pl) == 0) {
            s += pl;
            n -= pl;
            break;
        }
    }
    if (n == 64 && all_hex(s, n)) {
        size_t k = n < outlen - 1 ? n : outlen - 1;
        memcpy(out, s, k);
        out[k] = '\0';
        return true;
    }
    const char *name = NULL;
    size_t nlen = 0;
    if (len > 12 && memcmp(c, "lxc.payload.", 12) == 0) {
        name = c + 12;
        nlen = len - 12;
    } else if (parent && plen == 3 && memcmp(parent, "lxc", 3) == 0) {
        name = c;
        nlen = len;
    }
    if (name && nlen) {
        size_t k = nlen < outlen - 1 ? nlen : outlen - 1;
        memcpy(out, name, k);
        out[k] = '\0';
        return true;
    }
    return false;
}

bool ptext_container_id(const char *cgroup_path, char *out, size_t outlen)
{
    out[0] = '\0';
    if (!cgroup_path || outlen < 2)
        return false;
    const char *end = cgroup_path + strlen(cgroup_path);
    /* walk the components from the leaf up */
    while (end > cgroup_path) {
        const char *start = end;
        while (start > cgroup_path && start[-1] != '/')
            start--;
        size_t len = (size_t)(end - start);
        const char *pend = start > cgroup_path ? start - 1 : cgroup_path;
        const char *pstart = pend;
        while (pstart > cgroup_path && pstart[-1] != '/')
            pstart--;
        if (len && component_id(start, len, pend > pstart ? pstart : NULL,
                                (size_t)(pend - pstart), out, outlen))
            return true;
        end = start > cgroup_path ? start - 1 : cgroup_path;
    }
    return false;
}
