/* inv_text.c - text helpers of the inventory parsers (inv_text.h). */
#include "agent/inventory/inv_text.h"

#include "agent/inventory/inventory.h"

#include <string.h>
#include <strings.h>

static bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

void inv_trim(const char **s, size_t *len)
{
    while (*len && blank(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len && blank((*s)[*len - 1]))
        (*len)--;
}

const char *inv_next_content_line(const char *text, size_t len, size_t *pos, unsigned *lineno,
                                  const char *comments, size_t *linelen)
{
    const char *l;
    size_t ll;
    while ((l = inv_next_line(text, len, pos, &ll))) {
        (*lineno)++;
        inv_trim(&l, &ll);
        if (!ll || strchr(comments, l[0]))
            continue;
        *linelen = ll;
        return l;
    }
    return NULL;
}

const char *inv_word(const char *s, size_t len, size_t *pos, size_t *wlen)
{
    size_t p = *pos;
    while (p < len && (blank(s[p]) || s[p] == '\n'))
        p++;
    if (p >= len) {
        *pos = p;
        return NULL;
    }
    size_t start = p;
    while (p < len && !blank(s[p]) && s[p] != '\n')
        p++;
    *pos = p;
    *wlen = p - start;
    return s + start;
}

char *inv_copy(char *out, size_t outlen, const char *s, size_t len)
{
    if (!outlen)
        return out;
    if (len > outlen - 1)
        len = outlen - 1;
    if (len)
        memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

bool inv_eq(const char *s, size_t len, const char *w)
{
    return strlen(w) == len && memcmp(s, w, len) == 0;
}

bool inv_eq_nocase(const char *s, size_t len, const char *w)
{
    return strlen(w) == len && strncasecmp(s, w, len) == 0;
}

void inv_shell_value(const char *v, size_t len, char *out, size_t outlen)
{
    size_t o = 0;
    inv_trim(&v, &len);
    if (!outlen)
        return;
    if (len && (v[0] == '"' || v[0] == '\'')) {
        char q = v[0];
        for (size_t i = 1; i < len && v[i] != q && o + 1 < outlen; i++) {
            if (q == '"' && v[i] == '\\' && i + 1 < len)
                i++;
            out[o++] = v[i];
        }
    } else {
        for (size_t i = 0; i < len && o + 1 < outlen; i++) {
            if (v[i] == '\\' && i + 1 < len)
                i++;
            out[o++] = v[i];
        }
    }
    out[o] = '\0';
}

int inv_list_add(struct buf *b, const char *item, size_t len)
{
    int rc = b->len ? buf_putc(b, ',') : 0;
    return rc ? rc : buf_append(b, item, len);
}

bool inv_parse_u64(const char *s, size_t len, unsigned long long *out)
{
    unsigned long long v = 0;
    if (!len)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (~0ull - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}
