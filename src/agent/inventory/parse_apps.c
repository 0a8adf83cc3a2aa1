/* parse_apps.c - configuration formats of the servers the applications collector knows:
 *   nginx:   directives "name arg ... ;" and blocks "name arg ... { ... }", # comments,
 *            '...' and "..." quotes with backslash escapes;
 *   Apache:  one directive per line ("Name args"), "<Section args>" ... "</Section>",
 *            # comments, backslash continuations;
 *   INI:     MySQL/MariaDB option files ([section], key = value, !include, !includedir);
 *   key/value: postgresql.conf (key = value, # comments, quoted values) and redis.conf
 *            ("key arg arg").
 * Each hands over what it reads with the line it came from; includes are the caller's. */
#include <string.h>

#include "agent/inventory/inv_text.h"
#include "agent/inventory/parsers.h"
#include "common/util.h"

#define NGINX_DEPTH_MAX 32

/* ---------------------------------------------------------------- nginx */

struct ntok {
    const char *s;
    size_t len, pos;
    unsigned line;
};

/* The next token: a word (quotes removed, escapes kept as written), or one of ; { }. Returns
 * its type: 'w' word, ';', '{', '}', or 0 at the end. */
static int nginx_token(struct ntok *t, char *out, size_t outlen, unsigned *line)
{
    for (;;) {
        while (t->pos < t->len && (t->s[t->pos] == ' ' || t->s[t->pos] == '\t' ||
                                   t->s[t->pos] == '\r' || t->s[t->pos] == '\n')) {
            if (t->s[t->pos] == '\n')
                t->line++;
            t->pos++;
        }
        if (t->pos >= t->len)
            return 0;
        if (t->s[t->pos] == '#') {
            while (t->pos < t->len && t->s[t->pos] != '\n')
                t->pos++;
            continue;
        }
        break;
    }
    *line = t->line;
    char c = t->s[t->pos];
    if (c == ';' || c == '{' || c == '}') {
        t->pos++;
        return c;
    }
    size_t o = 0;
    if (c == '"' || c == '\'') {
        t->pos++;
        while (t->pos < t->len && t->s[t->pos] != c) {
            if (t->s[t->pos] == '\\' && t->pos + 1 < t->len)
                t->pos++;
            if (t->s[t->pos] == '\n')
                t->line++;
            if (o + 1 < outlen)
                out[o++] = t->s[t->pos];
            t->pos++;
        }
        t->pos++; /* the closing quote */
    } else {
        while (t->pos < t->len) {
            c = t->s[t->pos];
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '{' ||
                c == '}')
                break;
            if (c == '\\' && t->pos + 1 < t->len) {
                if (o + 1 < outlen)
                    out[o++] = c;
                c = t->s[++t->pos];
            }
            if (o + 1 < outlen)
                out[o++] = c;
            t->pos++;
        }
    }
    out[o] = '\0';
    return 'w';
}

int parse_nginx_conf(const char *text, size_t len,
                     void (*each)(void *ctx, const struct nginx_directive *d), void *ctx)
{
    struct ntok t = {text, len, 0, 1};
    struct nginx_directive d;
    char words[NGINX_ARGS_MAX + 1][1024];
    char blocks[NGINX_DEPTH_MAX][64];
    int depth = 0, n = 0, nw = 0;
    unsigned line = 0, first_line = 0;
    for (;;) {
        char tok[1024];
        int type = nginx_token(&t, tok, sizeof(tok), &line);
        if (type == 'w') {
            if (!nw)
                first_line = line;
            if (nw <= NGINX_ARGS_MAX)
                str_copy(words[nw], tok, sizeof(words[0]));
            nw++;
            continue;
        }
        if (type == ';' || type == '{') {
            if (nw) {
                memset(&d, 0, sizeof(d));
                d.name = words[0];
                d.nargs = nw - 1 > NGINX_ARGS_MAX ? NGINX_ARGS_MAX : nw - 1;
                for (int i = 0; i < d.nargs; i++)
                    d.args[i] = words[i + 1];
                d.depth = depth;
                d.parent = depth ? blocks[depth - 1] : "";
                d.block = type == '{';
                d.line = first_line;
                each(ctx, &d);
                n++;
            }
            if (type == '{') {
                if (depth < NGINX_DEPTH_MAX)
                    str_copy(blocks[depth], nw ? words[0] : "", sizeof(blocks[0]));
                depth++;
            }
            nw = 0;
            continue;
        }
        if (type == '}') {
            if (depth > 0) {
                depth--;
                memset(&d, 0, sizeof(d));
                d.name = depth < NGINX_DEPTH_MAX ? blocks[depth] : "";
                d.depth = depth;
                d.parent = depth ? blocks[depth - 1] : "";
                d.block_end = true;
                d.line = line;
                each(ctx, &d);
            }
            nw = 0;
            continue;
        }
        break; /* the end (an unterminated directive is dropped, as nginx refuses it) */
    }
    return n;
}

/* ---------------------------------------------------------------- Apache */

int parse_apache_conf(const char *text, size_t len,
                      void (*each)(void *ctx, const char *name, const char *args, unsigned line),
                      void *ctx)
{
    struct buf logical = {0};
    size_t pos = 0, ll;
    const char *l;
    unsigned lineno = 0, start = 0;
    int n = 0;
    while ((l = inv_next_line(text, len, &pos, &ll))) {
        lineno++;
        inv_trim(&l, &ll);
        if (!logical.len) {
            start = lineno;
            if (!ll || l[0] == '#')
                continue;
        }
        bool cont = ll && l[ll - 1] == '\\';
        if (logical.len + ll < (64u << 10))
            buf_append(&logical, l, cont ? ll - 1 : ll);
        if (cont && pos < len) {
            buf_putc(&logical, ' ');
            continue;
        }
        const char *s = logical.len ? (const char *)logical.data : "";
        size_t sl = logical.len;
        inv_trim(&s, &sl);
        char name[128], args[8192];
        size_t k = 0;
        while (k < sl && s[k] != ' ' && s[k] != '\t' && !(s[0] == '<' && s[k] == '>' && k))
            k++;
        if (k && k < sizeof(name)) {
            inv_copy(name, sizeof(name), s, k);
            const char *a = s + k;
            size_t al = sl - k;
            inv_trim(&a, &al);
            if (name[0] == '<' && al && a[al - 1] == '>') { /* "<VirtualHost *:80>" */
                al--;
                inv_trim(&a, &al);
            }
            inv_copy(args, sizeof(args), a, al);
            each(ctx, name, args, start);
            n++;
        }
        buf_reset(&logical);
    }
    buf_free(&logical);
    return n;
}

/* ---------------------------------------------------------------- option files */

int parse_ini(const char *text, size_t len,
              void (*each)(void *ctx, const char *section, const char *key, const char *value),
              void *ctx)
{
    char section[128] = "";
    size_t pos = 0, ll;
    const char *l;
    unsigned lineno = 0;
    int n = 0;
    while ((l = inv_next_content_line(text, len, &pos, &lineno, "#;", &ll))) {
        if (l[0] == '[') {
            const char *e = memchr(l, ']', ll);
            if (e) {
                const char *sn = l + 1;
                size_t snl = (size_t)(e - l) - 1;
                inv_trim(&sn, &snl);
                inv_copy(section, sizeof(section), sn, snl);
            }
            continue;
        }
        char key[128], value[4096];
        if (l[0] == '!') { /* !include FILE, !includedir DIR */
            size_t wp = 0, kl;
            const char *k = inv_word(l, ll, &wp, &kl);
            const char *v = l + wp;
            size_t vl = ll - wp;
            inv_trim(&v, &vl);
            inv_copy(key, sizeof(key), k, kl);
            inv_copy(value, sizeof(value), v, vl);
            each(ctx, section, key, value);
            n++;
            continue;
        }
        const char *eq = memchr(l, '=', ll);
        const char *k = l, *v = "";
        size_t kl = eq ? (size_t)(eq - l) : ll, vl = 0;
        if (eq) {
            v = eq + 1;
            vl = ll - kl - 1;
        }
        inv_trim(&k, &kl);
        inv_trim(&v, &vl);
        if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
            v++;
            vl -= 2;
        }
        if (!kl || kl >= sizeof(key))
            continue;
        inv_copy(key, sizeof(key), k, kl);
        /* option names may be written with '-' or '_' */
        for (char *p = key; *p; p++)
            if (*p == '_')
                *p = '-';
        inv_copy(value, sizeof(value), v, vl);
        each(ctx, section, key, value);
        n++;
    }
    return n;
}

int parse_kv_conf(const char *text, size_t len, bool equals,
                  void (*each)(void *ctx, const char *key, const char *value, unsigned line),
                  void *ctx)
{
    size_t pos = 0, ll;
    const char *l;
    unsigned lineno = 0;
    int n = 0;
    while ((l = inv_next_content_line(text, len, &pos, &lineno, "#", &ll))) {
        size_t k = 0;
        while (k < ll && l[k] != ' ' && l[k] != '\t' && !(equals && l[k] == '='))
            k++;
        const char *v = l + k;
        size_t vl = ll - k;
        inv_trim(&v, &vl);
        if (equals && vl && v[0] == '=') {
            v++;
            vl--;
            inv_trim(&v, &vl);
        }
        if (equals) {
            /* postgresql.conf: 'quoted' values; a # outside quotes starts a comment */
            if (vl && v[0] == '\'') {
                const char *e = memchr(v + 1, '\'', vl - 1);
                vl = e ? (size_t)(e - v) - 1 : vl - 1;
                v++;
            } else {
                const char *h = memchr(v, '#', vl);
                if (h)
                    vl = (size_t)(h - v);
                inv_trim(&v, &vl);
            }
        }
        char key[128], value[4096];
        if (!k || k >= sizeof(key))
            continue;
        inv_copy(key, sizeof(key), l, k);
        inv_copy(value, sizeof(value), v, vl);
        each(ctx, key, value, lineno);
        n++;
    }
    return n;
}

void upstream_version(const char *pkg_version, char *out, size_t outlen)
{
    const char *v = pkg_version;
    const char *colon = strchr(v, ':');
    if (colon)
        v = colon + 1;
    const char *dash = strrchr(v, '-');
    size_t l = dash ? (size_t)(dash - v) : strlen(v);
    inv_copy(out, outlen, v, l);
}
