/* parse_unit.c - systemd unit files (and their drop-ins) as systemd reads them: [Section]
 * headers, Key=Value assignments with blanks around them trimmed, comments starting with # or
 * ; at the beginning of a line, and lines continued with a trailing backslash (the backslash
 * becomes a blank). libsystemd has no public parser for unit files; this one reads only that
 * syntax and leaves the meaning of keys to the caller. Also SysV init scripts' LSB headers. */
#include <string.h>

#include "agent/inventory/inv_text.h"
#include "agent/inventory/parsers.h"

#define UNIT_LINE_MAX (64u << 10)

int parse_unit_file(const char *text, size_t len,
                    void (*each)(void *ctx, const char *section, const char *key,
                                 const char *value),
                    void *ctx)
{
    char section[128] = "";
    struct buf logical = {0};
    size_t pos = 0, ll;
    const char *l;
    int n = 0;
    while ((l = inv_next_line(text, len, &pos, &ll))) {
        const char *t = l;
        size_t tl = ll;
        inv_trim(&t, &tl);
        if (!logical.len && (!tl || t[0] == '#' || t[0] == ';'))
            continue;
        if (logical.len && tl && (t[0] == '#' || t[0] == ';'))
            continue; /* a comment inside a continued assignment */
        bool cont = tl && t[tl - 1] == '\\';
        if (logical.len + tl < UNIT_LINE_MAX) {
            buf_append(&logical, t, cont ? tl - 1 : tl);
            if (cont)
                buf_putc(&logical, ' ');
        }
        if (cont && pos < len)
            continue;
        buf_terminate(&logical);
        const char *s = (const char *)logical.data;
        size_t sl = logical.len;
        inv_trim(&s, &sl);
        if (sl >= 2 && s[0] == '[' && s[sl - 1] == ']') {
            inv_copy(section, sizeof(section), s + 1, sl - 2);
        } else {
            const char *eq = memchr(s, '=', sl);
            if (eq && section[0]) {
                const char *k = s, *v = eq + 1;
                size_t kl = (size_t)(eq - s), vl = sl - kl - 1;
                inv_trim(&k, &kl);
                inv_trim(&v, &vl);
                char key[128], value[UNIT_LINE_MAX];
                if (kl && kl < sizeof(key)) {
                    inv_copy(key, sizeof(key), k, kl);
                    inv_copy(value, sizeof(value), v, vl);
                    each(ctx, section, key, value);
                    n++;
                }
            }
        }
        buf_reset(&logical);
    }
    buf_free(&logical);
    return n;
}

void parse_lsb_header(const char *text, size_t len, char *desc, size_t desclen)
{
    desc[0] = '\0';
    size_t pos = 0, ll;
    const char *l;
    bool in = false;
    while ((l = inv_next_line(text, len, &pos, &ll))) {
        if (ll >= 19 && !strncmp(l, "### BEGIN INIT INFO", 19)) {
            in = true;
            continue;
        }
        if (ll >= 17 && !strncmp(l, "### END INIT INFO", 17))
            break;
        if (!in || ll < 2 || l[0] != '#')
            continue;
        const char *c = l + 1;
        size_t cl = ll - 1;
        inv_trim(&c, &cl);
        static const char key[] = "Short-Description:";
        if (cl > sizeof(key) - 1 && !strncmp(c, key, sizeof(key) - 1)) {
            const char *v = c + sizeof(key) - 1;
            size_t vl = cl - (sizeof(key) - 1);
            inv_trim(&v, &vl);
            inv_copy(desc, desclen, v, vl);
        }
    }
}
