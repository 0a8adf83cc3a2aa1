/* buf.c - growable byte buffer (buf.h). Growth is geometric so appends are amortised O(1). */
#include "common/buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int buf_reserve(struct buf *b, size_t extra)
{
    if (extra > SIZE_MAX / 2 - b->len)
        return -ENOMEM;
    size_t need = b->len + extra;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p)
        return -ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int buf_append(struct buf *b, const void *data, size_t len)
{
    if (len == 0)
        return 0;
    int rc = buf_reserve(b, len);
    if (rc)
        return rc;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

int buf_append_str(struct buf *b, const char *s) { return buf_append(b, s, strlen(s)); }

int buf_putc(struct buf *b, uint8_t c)
{
    if (b->len == b->cap && buf_reserve(b, 1))
        return -ENOMEM;
    b->data[b->len++] = c;
    return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -EINVAL;
    int rc = buf_reserve(b, (size_t)n + 1);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int buf_put_varint(struct buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        tmp[n++] = byte | (v ? 0x80 : 0);
    } while (v);
    return buf_append(b, tmp, n);
}

int buf_terminate(struct buf *b)
{
    int rc = buf_reserve(b, 1);
    if (rc)
        return rc;
    b->data[b->len] = '\0';
    return 0;
}

void buf_reset(struct buf *b) { b->len = 0; }

void buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

uint8_t *buf_steal(struct buf *b, size_t *len)
{
    uint8_t *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
