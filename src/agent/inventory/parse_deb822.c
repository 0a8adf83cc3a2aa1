/* parse_deb822.c - RFC 822-style field blocks: the dpkg status database (stanzas separated by
 * blank lines, "Field: value" with continuation lines), and the same header form of Python
 * package metadata (METADATA, PKG-INFO) and JAR manifests (MANIFEST.MF, whose continuation
 * lines start with one space and continue the value without it). */
#include <string.h>

#include "agent/inventory/inv_text.h"
#include "agent/inventory/parsers.h"

#define DEB_FIELD_MAX 1024

/* The value of a field in a dpkg stanza: first line only (enough for every field we read). */
static void set_field(struct dpkg_package *p, const char *k, size_t kl, const char *v, size_t vl)
{
    struct { const char *name; char *dst; size_t len; } map[] = {
        {"Package", p->name, sizeof(p->name)},
        {"Status", p->status, sizeof(p->status)},
        {"Architecture", p->arch, sizeof(p->arch)},
        {"Version", p->version, sizeof(p->version)},
        {"Source", p->source, sizeof(p->source)},
        {"Installed-Size", p->installed_size, sizeof(p->installed_size)},
        {"Multi-Arch", p->multi_arch, sizeof(p->multi_arch)},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (inv_eq_nocase(k, kl, map[i].name)) {
            inv_copy(map[i].dst, map[i].len, v, vl);
            return;
        }
}

int parse_dpkg_status(const char *text, size_t len,
                      void (*each)(void *ctx, const struct dpkg_package *p), void *ctx)
{
    struct dpkg_package p;
    memset(&p, 0, sizeof(p));
    bool in_stanza = false;
    int n = 0;
    size_t pos = 0, ll;
    const char *l;
    for (;;) {
        l = inv_next_line(text, len, &pos, &ll);
        const char *t = l;
        size_t tl = ll;
        if (t)
            inv_trim(&t, &tl);
        if (!l || !tl) { /* end of a stanza */
            if (in_stanza && p.name[0]) {
                each(ctx, &p);
                n++;
            }
            memset(&p, 0, sizeof(p));
            in_stanza = false;
            if (!l)
                break;
            continue;
        }
        in_stanza = true;
        if (l[0] == ' ' || l[0] == '\t' || l[0] == '#')
            continue; /* a continuation line (Description, Conffiles, ...) */
        const char *colon = memchr(l, ':', ll);
        if (!colon)
            continue;
        const char *k = l, *v = colon + 1;
        size_t kl = (size_t)(colon - l), vl = ll - kl - 1;
        inv_trim(&k, &kl);
        inv_trim(&v, &vl);
        set_field(&p, k, kl, v, vl);
    }
    return n;
}

int parse_header_block(const char *text, size_t len, bool manifest,
                       void (*each)(void *ctx, const char *name, const char *value), void *ctx)
{
    char name[256], value[DEB_FIELD_MAX];
    bool have = false;
    size_t vo = 0;
    int n = 0;
    size_t pos = 0, ll;
    const char *l;
    while ((l = inv_next_line(text, len, &pos, &ll))) {
        if (ll && (l[0] == ' ' || l[0] == '\t')) {
            if (!have)
                continue;
            /* a manifest line continues the value exactly; an email header folds with a blank */
            const char *c = l + (manifest ? 1 : 0);
            size_t cl = ll - (manifest ? 1 : 0);
            if (!manifest) {
                inv_trim(&c, &cl);
                if (vo + 1 < sizeof(value))
                    value[vo++] = ' ';
            }
            for (size_t i = 0; i < cl && vo + 1 < sizeof(value); i++)
                value[vo++] = c[i];
            value[vo] = '\0';
            continue;
        }
        if (have) {
            each(ctx, name, value);
            n++;
            have = false;
        }
        if (!ll)
            break; /* the headers end at the first blank line (the body follows) */
        const char *colon = memchr(l, ':', ll);
        if (!colon)
            continue;
        const char *k = l, *v = colon + 1;
        size_t kl = (size_t)(colon - l), vl = ll - kl - 1;
        inv_trim(&k, &kl);
        inv_trim(&v, &vl);
        if (!kl || kl >= sizeof(name))
            continue;
        inv_copy(name, sizeof(name), k, kl);
        inv_copy(value, sizeof(value), v, vl);
        vo = strlen(value);
        have = true;
    }
    if (have) {
        each(ctx, name, value);
        n++;
    }
    return n;
}
