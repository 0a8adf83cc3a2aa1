/* parse_sudoers.c - a reader of sudoers(5) for the inventory: logical lines (continuations
 * joined, comments dropped, "#123" user ids kept), include directives, Defaults, aliases, and
 * user specifications broken down to one entry per command with the run-as list and the tags
 * in effect for it (both carry over to the following commands of a list, as sudo applies them).
 *
 * This is not sudo's grammar in full: it reads what decides who may run what (users, hosts,
 * run-as, tags, commands) and hands over anything it cannot break down as a whole rule, never
 * dropping a line silently. There is no sudoers library in Debian besides sudo's private one. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/inventory/inv_text.h"
#include "agent/inventory/parsers.h"
#include "common/util.h"

#define SUDO_FIELD_MAX 8192

static const char *const tags[] = {
    "NOPASSWD", "PASSWD", "NOEXEC", "EXEC", "SETENV", "NOSETENV", "LOG_INPUT", "NOLOG_INPUT",
    "LOG_OUTPUT", "NOLOG_OUTPUT", "MAIL", "NOMAIL", "INTERCEPT", "NOINTERCEPT", "FOLLOW",
    "NOFOLLOW", NULL,
};
static const char *const options[] = {
    "ROLE", "TYPE", "CHROOT", "CWD", "NOTBEFORE", "NOTAFTER", "TIMEOUT", "APPARMOR_PROFILE", NULL,
};

struct cursor {
    const char *s;
    size_t len, pos;
};

static void skip_ws(struct cursor *c)
{
    while (c->pos < c->len && (c->s[c->pos] == ' ' || c->s[c->pos] == '\t'))
        c->pos++;
}

static bool at_end(struct cursor *c)
{
    skip_ws(c);
    return c->pos >= c->len;
}

/* One list item: up to blank, ',', and the stop characters, honouring backslash escapes and
 * double quotes. Copies the item as written (escapes kept) into out. */
static size_t read_item(struct cursor *c, const char *stops, char *out, size_t outlen)
{
    size_t o = 0;
    bool quoted = false;
    skip_ws(c);
    while (c->pos < c->len) {
        char ch = c->s[c->pos];
        if (!quoted && (ch == ' ' || ch == '\t' || ch == ',' || strchr(stops, ch)))
            break;
        if (ch == '"')
            quoted = !quoted;
        if (ch == '\\' && c->pos + 1 < c->len) {
            if (o + 1 < outlen)
                out[o++] = ch;
            ch = c->s[++c->pos];
        }
        if (o + 1 < outlen)
            out[o++] = ch;
        c->pos++;
    }
    out[o] = '\0';
    return o;
}

/* A comma-separated list ("alice, %admin, !bob") until an item is followed by something other
 * than a comma; the list text (items joined by ",") into out. */
static bool read_list(struct cursor *c, const char *stops, char *out, size_t outlen)
{
    char item[SUDO_FIELD_MAX];
    size_t o = 0;
    out[0] = '\0';
    for (;;) {
        skip_ws(c);
        /* "!" negations may be followed by blanks */
        size_t bang = 0;
        while (c->pos < c->len && c->s[c->pos] == '!') {
            c->pos++;
            bang++;
            skip_ws(c);
        }
        size_t n = read_item(c, stops, item, sizeof(item));
        if (!n)
            return false;
        int w = snprintf(out + o, outlen - o, "%s%.*s%s", o ? "," : "", (int)bang, "!!!!!!!!",
                         item);
        if (w > 0)
            o = o + (size_t)w < outlen ? o + (size_t)w : outlen - 1;
        skip_ws(c);
        if (c->pos < c->len && c->s[c->pos] == ',') {
            c->pos++;
            continue;
        }
        return true;
    }
}

static bool word_is(const char *w, size_t wl, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (inv_eq(w, wl, list[i]))
            return true;
    return false;
}

/* A command up to an unescaped ',' or ':' (or the end), trimmed; digests ("sha256:...") keep
 * their colon. */
static void read_command(struct cursor *c, char *out, size_t outlen)
{
    size_t o = 0;
    skip_ws(c);
    static const char *const digests[] = {"sha224:", "sha256:", "sha384:", "sha512:", NULL};
    for (;;) {
        bool digest = false;
        for (size_t i = 0; digests[i]; i++) {
            size_t dl = strlen(digests[i]);
            if (c->len - c->pos >= dl && !strncmp(c->s + c->pos, digests[i], dl)) {
                for (size_t k = 0; k < dl && o + 1 < outlen; k++)
                    out[o++] = c->s[c->pos + k];
                c->pos += dl;
                digest = true;
                /* the digest value, then the command after blanks */
                while (c->pos < c->len && !isspace((unsigned char)c->s[c->pos])) {
                    if (o + 1 < outlen)
                        out[o++] = c->s[c->pos];
                    c->pos++;
                }
                break;
            }
        }
        if (!digest)
            break;
    }
    while (c->pos < c->len) {
        char ch = c->s[c->pos];
        if (ch == ',' || ch == ':')
            break;
        if (ch == '\\' && c->pos + 1 < c->len) {
            if (o + 1 < outlen)
                out[o++] = ch;
            ch = c->s[++c->pos];
        }
        if (o + 1 < outlen)
            out[o++] = ch;
        c->pos++;
    }
    while (o && (out[o - 1] == ' ' || out[o - 1] == '\t'))
        o--;
    out[o] = '\0';
}

/* The Cmnd_Spec_List of a user specification after "Host_List =": one entry per command. */
static bool parse_spec(struct cursor *c, struct sudo_entry *e, const char *users,
                       void (*each)(void *ctx, const struct sudo_entry *e), void *ctx)
{
    char hosts[SUDO_FIELD_MAX], runas[SUDO_FIELD_MAX] = "", tagbuf[512] = "", cmd[SUDO_FIELD_MAX];
    bool any = false;
    for (;;) { /* Host_List = Cmnd_Spec_List [: Host_List = Cmnd_Spec_List ...] */
        if (!read_list(c, "=", hosts, sizeof(hosts)))
            return any;
        skip_ws(c);
        if (c->pos >= c->len || c->s[c->pos] != '=')
            return any;
        c->pos++;
        /* run-as and tags carry over from one command to the next, not to another host list */
        bool nopasswd = false;
        runas[0] = tagbuf[0] = '\0';
        for (;;) { /* Cmnd_Spec, Cmnd_Spec, ... */
            skip_ws(c);
            if (c->pos < c->len && c->s[c->pos] == '(') {
                const char *close = memchr(c->s + c->pos, ')', c->len - c->pos);
                if (!close)
                    return any;
                size_t rl = (size_t)(close - (c->s + c->pos)) - 1;
                const char *r = c->s + c->pos + 1;
                inv_trim(&r, &rl);
                inv_copy(runas, sizeof(runas), r, rl);
                c->pos = (size_t)(close - c->s) + 1;
            }
            for (;;) { /* options (ROLE=...) and tags (NOPASSWD:) */
                skip_ws(c);
                size_t start = c->pos, wl = 0;
                while (c->pos + wl < c->len && (isupper((unsigned char)c->s[c->pos + wl]) ||
                                                c->s[c->pos + wl] == '_'))
                    wl++;
                if (!wl || c->pos + wl >= c->len)
                    break;
                char after = c->s[c->pos + wl];
                if (after == ':' && word_is(c->s + start, wl, tags)) {
                    char t[64];
                    inv_copy(t, sizeof(t), c->s + start, wl);
                    /* a tag replaces its opposite (PASSWD after NOPASSWD, ...) */
                    const char *base = !strncmp(t, "NO", 2) ? t + 2 : t;
                    char *p;
                    char list[512] = "";
                    size_t lo = 0;
                    for (char *tok = strtok_r(tagbuf, ",", &p); tok; tok = strtok_r(NULL, ",", &p)) {
                        const char *tb = !strncmp(tok, "NO", 2) ? tok + 2 : tok;
                        if (strcmp(tb, base) != 0)
                            lo += (size_t)snprintf(list + lo, sizeof(list) - lo, "%s%s",
                                                   lo ? "," : "", tok);
                        if (lo >= sizeof(list))
                            lo = sizeof(list) - 1;
                    }
                    snprintf(list + lo, sizeof(list) - lo, "%s%s", lo ? "," : "", t);
                    str_copy(tagbuf, list, sizeof(tagbuf));
                    if (!strcmp(t, "NOPASSWD"))
                        nopasswd = true;
                    else if (!strcmp(t, "PASSWD"))
                        nopasswd = false;
                    c->pos += wl + 1;
                    continue;
                }
                if (after == '=' && word_is(c->s + start, wl, options)) {
                    c->pos += wl + 1;
                    char v[SUDO_FIELD_MAX];
                    read_item(c, ",:", v, sizeof(v));
                    continue;
                }
                break;
            }
            read_command(c, cmd, sizeof(cmd));
            if (!cmd[0])
                return any;
            e->principal = users;
            e->hosts = hosts;
            e->run_as = runas;
            e->tags = tagbuf;
            e->nopasswd = nopasswd;
            e->command = cmd;
            each(ctx, e);
            any = true;
            skip_ws(c);
            if (c->pos < c->len && c->s[c->pos] == ',') {
                c->pos++;
                continue;
            }
            break;
        }
        if (c->pos < c->len && c->s[c->pos] == ':') {
            c->pos++;
            continue;
        }
        return any;
    }
}

static void handle_line(const char *l, size_t ll, unsigned lineno, const char *path,
                        void (*each)(void *ctx, const struct sudo_entry *e), void *ctx)
{
    struct sudo_entry e;
    char rule[SUDO_FIELD_MAX];
    memset(&e, 0, sizeof(e));
    e.path = path;
    e.line = lineno;
    inv_trim(&l, &ll);
    if (!ll)
        return;
    inv_copy(rule, sizeof(rule), l, ll);
    e.rule = rule;
    struct cursor c = {l, ll, 0};
    size_t wp = 0, wl;
    const char *w = inv_word(l, ll, &wp, &wl);
    /* includes: @include, #include, @includedir, #includedir */
    if ((w[0] == '@' || w[0] == '#') &&
        (inv_eq(w + 1, wl - 1, "include") || inv_eq(w + 1, wl - 1, "includedir"))) {
        const char *t = l + wp;
        size_t tl = ll - wp;
        inv_trim(&t, &tl);
        char target[4096];
        inv_shell_value(t, tl, target, sizeof(target)); /* quoted paths with blanks */
        e.type = inv_eq(w + 1, wl - 1, "include") ? SUDO_INCLUDE : SUDO_INCLUDEDIR;
        e.target = target;
        each(ctx, &e);
        return;
    }
    if (w[0] == '#' && !(wl > 1 && isdigit((unsigned char)w[1])))
        return; /* a comment ("#123" is a user id) */
    if (wl >= 8 && !strncmp(w, "Defaults", 8) && (wl == 8 || strchr("@:!>", w[8]))) {
        char binding[SUDO_FIELD_MAX];
        inv_copy(binding, sizeof(binding), w + 8, wl - 8);
        e.type = SUDO_DEFAULTS;
        e.principal = binding;
        each(ctx, &e);
        return;
    }
    static const struct { const char *word, *type; } aliases[] = {
        {"User_Alias", "user_alias"}, {"Runas_Alias", "runas_alias"},
        {"Host_Alias", "host_alias"}, {"Cmnd_Alias", "cmnd_alias"}, {"Cmd_Alias", "cmnd_alias"},
    };
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
        if (!inv_eq(w, wl, aliases[i].word))
            continue;
        /* NAME = a, b : NAME2 = c */
        c.pos = wp;
        for (;;) {
            char name[256], members[SUDO_FIELD_MAX];
            if (!read_item(&c, "=:", name, sizeof(name)))
                return;
            skip_ws(&c);
            if (c.pos >= c.len || c.s[c.pos] != '=')
                return;
            c.pos++;
            size_t start = c.pos;
            /* members up to an unescaped ':' */
            while (c.pos < c.len && c.s[c.pos] != ':') {
                if (c.s[c.pos] == '\\')
                    c.pos++;
                c.pos++;
            }
            if (c.pos > c.len)
                c.pos = c.len;
            const char *m = c.s + start;
            size_t ml = c.pos - start;
            inv_trim(&m, &ml);
            inv_copy(members, sizeof(members), m, ml);
            e.type = SUDO_ALIAS;
            e.alias_type = aliases[i].type;
            e.principal = name;
            e.command = members;
            each(ctx, &e);
            if (c.pos >= c.len)
                return;
            c.pos++;
        }
    }
    /* a user specification */
    char users[SUDO_FIELD_MAX];
    e.type = SUDO_SPEC;
    if (!read_list(&c, "=", users, sizeof(users)) || at_end(&c) ||
        !parse_spec(&c, &e, users, each, ctx)) {
        e.type = SUDO_UNPARSED; /* reported as written */
        e.principal = e.hosts = e.run_as = e.tags = e.command = NULL;
        each(ctx, &e);
    }
}

int parse_sudoers(const char *text, size_t len, const char *path,
                  void (*each)(void *ctx, const struct sudo_entry *e), void *ctx)
{
    struct buf logical = {0};
    size_t pos = 0, ll;
    const char *l;
    unsigned lineno = 0, start = 0;
    int n = 0;
    while ((l = inv_next_line(text, len, &pos, &ll))) {
        lineno++;
        if (!logical.len)
            start = lineno;
        bool cont = ll && l[ll - 1] == '\\';
        /* a comment ends the logical line's content (not inside a continued rule) */
        if (buf_append(&logical, l, cont ? ll - 1 : ll))
            break;
        if (cont && pos < len) {
            buf_putc(&logical, ' ');
            continue;
        }
        /* strip a trailing comment: '#' after a blank, not "#<digits>" user ids */
        const char *d = (const char *)logical.data;
        size_t dl = logical.len;
        for (size_t i = 1; i < dl; i++)
            if (d[i] == '#' && (d[i - 1] == ' ' || d[i - 1] == '\t') &&
                !(i + 1 < dl && isdigit((unsigned char)d[i + 1])) &&
                strncmp(d + i, "#include", 8) != 0) {
                dl = i;
                break;
            }
        handle_line(d, dl, start, path, each, ctx);
        n++;
        buf_reset(&logical);
    }
    buf_free(&logical);
    return n;
}
