/* col_sudoers.c - the sudoers collector (sudoers_changes): /etc/sudoers and every file it
 * includes (@include, @includedir and their # forms; relative paths from the including file's
 * directory, %h for the host name; in a directory, files whose names have no '.' and do not end
 * in '~', in sorted order, as sudo reads them). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/host.h"
#include "agent/inventory/parsers.h"
#include "common/util.h"

#define SUDOERS_FILE_MAX (16u << 20)
#define SUDOERS_MAX_DEPTH 128
#define SUDOERS_MAX_FILES 1024

struct sudo_walk {
    struct inv_scan *s;
    char *seen[SUDOERS_MAX_FILES];
    size_t nseen;
    int depth;
    const char *cur; /* the file being read */
};

static void visit(struct sudo_walk *w, const char *path);

static void resolve(const struct sudo_walk *w, const char *target, char *out, size_t outlen)
{
    char expanded[PATH_MAX];
    size_t o = 0;
    char shortname[256] = "";
    if (w->s->host) {
        str_copy(shortname, w->s->host->hostname, sizeof(shortname));
        shortname[strcspn(shortname, ".")] = '\0';
    }
    for (const char *p = target; *p && o + 1 < sizeof(expanded); p++) {
        if (p[0] == '%' && p[1] == 'h') {
            o += (size_t)snprintf(expanded + o, sizeof(expanded) - o, "%s", shortname);
            if (o >= sizeof(expanded))
                o = sizeof(expanded) - 1;
            p++;
        } else if (p[0] == '%' && p[1] == '%') {
            expanded[o++] = '%';
            p++;
        } else {
            expanded[o++] = *p;
        }
    }
    expanded[o] = '\0';
    if (expanded[0] == '/') {
        str_copy(out, expanded, outlen);
        return;
    }
    const char *slash = strrchr(w->cur, '/');
    int n = snprintf(out, outlen, "%.*s/%s", slash ? (int)(slash - w->cur) : 0, w->cur, expanded);
    if (n < 0 || (size_t)n >= outlen)
        out[0] = '\0'; /* too long to be a path: nothing is read */
}

static void entry(void *ctx, const struct sudo_entry *e)
{
    struct sudo_walk *w = ctx;
    struct inv_scan *s = w->s;
    char target[PATH_MAX];
    if (e->type == SUDO_INCLUDE || e->type == SUDO_INCLUDEDIR) {
        resolve(w, e->target, target, sizeof(target));
        if (e->type == SUDO_INCLUDE) {
            visit(w, target);
            return;
        }
        char **names;
        size_t n;
        int rc = inv_list_dir(s, target, false, &names, &n);
        if (rc) {
            if (rc != -ENOENT)
                inv_warn(s, "%s (included by %s): %s", target, e->path, strerror(-rc));
            return;
        }
        for (size_t i = 0; i < n; i++) {
            size_t l = strlen(names[i]);
            if (strchr(names[i], '.') || (l && names[i][l - 1] == '~'))
                continue;
            char p[PATH_MAX];
            int pl = snprintf(p, sizeof(p), "%s/%s", target, names[i]);
            if (pl > 0 && (size_t)pl < sizeof(p))
                visit(w, p);
        }
        inv_names_free(names, n);
        return;
    }
    struct event *ev;
    const char *type;
    switch (e->type) {
    case SUDO_SPEC:
        ev = inv_row(s, TBL_SUDOERS_CHANGES, "spec\t%s\t%s\t%s\t%s\t%s", e->path, e->principal,
                     e->hosts, e->run_as, e->command);
        type = "spec";
        break;
    case SUDO_DEFAULTS:
        ev = inv_row(s, TBL_SUDOERS_CHANGES, "defaults\t%s\t%s", e->path, e->rule);
        type = "defaults";
        break;
    case SUDO_ALIAS:
        ev = inv_row(s, TBL_SUDOERS_CHANGES, "%s\t%s\t%s", e->alias_type, e->path, e->principal);
        type = e->alias_type;
        break;
    default:
        ev = inv_row(s, TBL_SUDOERS_CHANGES, "unparsed\t%s\t%s", e->path, e->rule);
        type = "unparsed";
        inv_warn(s, "%s:%u: a sudoers line that could not be broken down", e->path, e->line);
        break;
    }
    inv_str(ev, FLD_RULE_TYPE, type);
    inv_str(ev, FLD_PRINCIPAL, e->principal);
    inv_str(ev, FLD_SUDO_HOSTS, e->hosts);
    inv_str(ev, FLD_RUN_AS, e->run_as);
    inv_str(ev, FLD_SUDO_TAGS, e->tags);
    if (e->type == SUDO_SPEC)
        inv_int(ev, FLD_NOPASSWD, e->nopasswd);
    inv_str(ev, FLD_COMMAND, e->command);
    inv_str(ev, FLD_RULE, e->rule);
    inv_str(ev, FLD_PATH, e->path);
    inv_int(ev, FLD_LINE, e->line);
}

static void visit(struct sudo_walk *w, const char *path)
{
    struct inv_scan *s = w->s;
    if (!path[0])
        return;
    if (w->depth >= SUDOERS_MAX_DEPTH || w->nseen >= SUDOERS_MAX_FILES) {
        inv_warn(s, "%s: too many nested sudoers includes", path);
        return;
    }
    for (size_t i = 0; i < w->nseen; i++)
        if (!strcmp(w->seen[i], path))
            return; /* included twice (or a loop): sudo reads it once too */
    if (!(w->seen[w->nseen] = strdup(path)))
        return;
    w->nseen++;
    struct buf b = {0};
    int rc = inv_read(s, path, &b, SUDOERS_FILE_MAX, NULL);
    if (rc) {
        if (rc != -ENOENT || w->depth == 0)
            inv_warn(s, "%s: %s", path, strerror(-rc));
        buf_free(&b);
        return;
    }
    const char *outer = w->cur;
    w->cur = w->seen[w->nseen - 1];
    w->depth++;
    parse_sudoers((const char *)b.data, b.len, w->cur, entry, w);
    w->depth--;
    w->cur = outer;
    buf_free(&b);
}

static int sudoers_collect(struct inv_scan *s, struct vg_error *err)
{
    (void)err;
    struct sudo_walk w = {.s = s, .cur = "/etc/sudoers"};
    visit(&w, "/etc/sudoers");
    for (size_t i = 0; i < w.nseen; i++)
        free(w.seen[i]);
    return 0;
}

static const enum table_id sudoers_tables[] = {TBL_SUDOERS_CHANGES, TBL_NONE};

const struct inv_collector inv_collector_sudoers = {
    .name = "sudoers",
    .tables = sudoers_tables,
    .collect = sudoers_collect,
};
