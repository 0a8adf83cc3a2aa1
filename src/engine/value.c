/* value.c - Sigma values: wildcards and their escapes, turning them into regular expressions,
 * and address networks (the cidr modifier). No matching here except value_in_cidr. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"

bool value_has_wildcards(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' && i + 1 < len && (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\')) {
            i++;
            continue;
        }
        if (s[i] == '*' || s[i] == '?')
            return true;
    }
    return false;
}

int value_unescape(const char *s, size_t len, struct buf *out)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < len && (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\'))
            c = s[++i];
        if (buf_putc(out, (uint8_t)c))
            return -ENOMEM;
    }
    return 0;
}

int value_regex_literal(const char *s, size_t len, struct buf *out)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        int rc = isalnum(c) || c >= 0x80 || c == ' ' || c == '_' || c == '-' || c == '/' ||
                         c == ',' || c == ':' || c == '=' || c == '@' || c == '%'
                     ? buf_putc(out, c)
                     : buf_printf(out, "\\x%02x", c);
        if (rc)
            return -ENOMEM;
    }
    return 0;
}

int value_glob_regex(const char *s, size_t len, enum pred_op op, struct buf *out)
{
    int rc = 0;
    if (op == OP_EQ || op == OP_STARTSWITH)
        rc = buf_putc(out, '^');
    for (size_t i = 0; i < len && !rc; i++) {
        if (s[i] == '\\' && i + 1 < len && (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\')) {
            i++;
            rc = value_regex_literal(s + i, 1, out);
        } else if (s[i] == '*') {
            rc = buf_append_str(out, ".*");
        } else if (s[i] == '?') {
            rc = buf_putc(out, '.');
        } else {
            rc = value_regex_literal(s + i, 1, out);
        }
    }
    if (!rc && (op == OP_EQ || op == OP_ENDSWITH))
        rc = buf_putc(out, '$');
    return rc ? -ENOMEM : 0;
}

int value_parse_cidr(const char *s, struct pred *p)
{
    char addr[64];
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    if (alen == 0 || alen >= sizeof(addr))
        return -EINVAL;
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    memset(p->net, 0, sizeof(p->net));
    int maxbits;
    if (inet_pton(AF_INET, addr, p->net) == 1) {
        p->family = 4;
        maxbits = 32;
    } else if (inet_pton(AF_INET6, addr, p->net) == 1) {
        p->family = 6;
        maxbits = 128;
    } else {
        return -EINVAL;
    }
    long bits = maxbits;
    if (slash) {
        char *end;
        errno = 0;
        bits = strtol(slash + 1, &end, 10);
        if (errno || end == slash + 1 || *end || bits < 0 || bits > maxbits)
            return -EINVAL;
    }
    p->mask_bits = (uint8_t)bits;
    return 0;
}

static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned bytes = bits / 8, rest = bits % 8;
    if (memcmp(a, b, bytes) != 0)
        return false;
    if (!rest)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[bytes] & mask) == (b[bytes] & mask);
}

bool value_in_cidr(const struct pred *p, const char *addr)
{
    uint8_t a[16];
    if (!addr)
        return false;
    if (p->family == 4) {
        if (inet_pton(AF_INET, addr, a) == 1)
            return prefix_equal(a, p->net, p->mask_bits);
        /* an IPv4-mapped IPv6 address */
        if (inet_pton(AF_INET6, addr, a) == 1 && !memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12))
            return prefix_equal(a + 12, p->net, p->mask_bits);
        return false;
    }
    return inet_pton(AF_INET6, addr, a) == 1 && prefix_equal(a, p->net, p->mask_bits);
}
