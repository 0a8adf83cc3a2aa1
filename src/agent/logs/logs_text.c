/* logs_text.c - UTF-8 validation and lossless escaping of log records (logs_text.h). */
#include "agent/logs/logs_text.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when invalid or NUL. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c == 0)
        return 0;
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t min, cp;
    if ((c & 0xE0) == 0xC0) {
        len = 2, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

bool logs_text_clean(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (p[i] >= 0x20 && p[i] < 0x80) { /* the common case */
            i++;
            continue;
        }
        size_t l = utf8_seq(p + i, n - i);
        if (!l)
            return false;
        i += l;
    }
    return true;
}

int logs_text_escape(const char *s, size_t n, struct buf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    int rc = 0;
    for (size_t i = 0; i < n && !rc;) {
        size_t l = utf8_seq(p + i, n - i);
        if (l == 1 && p[i] == '\\') {
            rc = buf_append(out, "\\\\", 2);
            i++;
        } else if (l) {
            rc = buf_append(out, s + i, l);
            i += l;
        } else {
            char hex[5];
            snprintf(hex, sizeof(hex), "\\x%02x", p[i]);
            rc = buf_append(out, hex, 4);
            i++;
        }
    }
    if (!rc)
        rc = buf_terminate(out);
    return rc ? -ENOMEM : 0;
}
