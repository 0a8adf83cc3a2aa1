/* col_services.c - the services collector (service_changes): systemd units read from their
 * unit files, whether systemd runs or not, with their enablement decided the way systemctl
 * list-unit-files decides it (search paths in systemd's order; masked, alias, linked, generated,
 * enabled and enabled-runtime by the symlinks in the .wants/.requires/.upholds directories and
 * aliases of every search path; static, indirect or disabled from the [Install] section), their
 * description, command and user (drop-ins applied); and SysV init scripts, enabled when a
 * start link of runlevels 2-5 exists. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/inventory/inv_text.h"
#include "agent/inventory/parsers.h"
#include "common/util.h"

#define UNIT_FILE_MAX (1u << 20)
#define FOLLOW_MAX 64

/* systemd's system search path, highest priority first */
static const char *const search_path[] = {
    "/etc/systemd/system.control", "/run/systemd/system.control", "/run/systemd/transient",
    "/run/systemd/generator.early", "/etc/systemd/system", "/etc/systemd/system.attached",
    "/run/systemd/system", "/run/systemd/system.attached", "/run/systemd/generator",
    "/usr/local/lib/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system",
    "/run/systemd/generator.late",
};
#define NSEARCH (sizeof(search_path) / sizeof(search_path[0]))
static const char persistent_config[] = "/etc/systemd/system";

static bool valid_unit_name(const char *n)
{
    static const char *const types[] = {".service", ".socket", ".target", ".device", ".mount",
                                        ".automount", ".swap", ".timer", ".path", ".slice",
                                        ".scope"};
    const char *dot = strrchr(n, '.');
    if (!dot || dot == n || strlen(n) > 255)
        return false;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (!strcmp(dot, types[i]))
            return n[0] != '@' && strchr(n, '/') == NULL;
    return false;
}

/* "foo@bar.service" is an instance; "foo@.service" a template. */
static bool is_instance(const char *n)
{
    const char *at = strchr(n, '@');
    return at && at[1] != '.' && at[1] != '\0';
}

static bool is_template(const char *n)
{
    const char *at = strchr(n, '@');
    return at && at[1] == '.';
}

/* The template of an instance ("foo@bar.service" -> "foo@.service"), false when not one. */
static bool template_of(const char *n, char *out, size_t outlen)
{
    const char *at = strchr(n, '@'), *dot = strrchr(n, '.');
    if (!at || !dot || dot <= at + 1)
        return false;
    return inv_fmt(out, outlen, "%.*s%s", (int)(at - n + 1), n, dot);
}

static bool is_runtime(const char *dir) { return str_starts_with(dir, "/run/"); }
static bool is_generator(const char *p) { return str_starts_with(p, "/run/systemd/generator"); }
static bool is_transient(const char *p) { return str_starts_with(p, "/run/systemd/transient/"); }

/* A word list of the [Install] section (an empty assignment clears it). */
static void list_assign(struct buf *b, const char *value)
{
    if (!value[0]) {
        buf_reset(b);
        return;
    }
    size_t pos = 0, wl, len = strlen(value);
    const char *w;
    while ((w = inv_word(value, len, &pos, &wl)))
        inv_list_add(b, w, wl);
}

static bool list_has(const struct buf *b, const char *item)
{
    size_t il = strlen(item), start = 0;
    for (size_t i = 0; i <= b->len; i++) {
        if (i < b->len && b->data[i] != ',')
            continue;
        if (i - start == il && !memcmp(b->data + start, item, il))
            return true;
        start = i + 1;
    }
    return false;
}

struct unit {
    char name[256];      /* the unit file's own name (after following aliases) */
    char path[PATH_MAX]; /* where its file is (host path) */
    bool masked, found;
    struct buf wanted_by, required_by, upheld_by, aliases, also;
    char default_instance[128];
    char description[512], exec_start[4096], user[128];
};

static void unit_free(struct unit *u)
{
    buf_free(&u->wanted_by);
    buf_free(&u->required_by);
    buf_free(&u->upheld_by);
    buf_free(&u->aliases);
    buf_free(&u->also);
}

struct assign_ctx {
    struct unit *u;
    bool install; /* read [Install] too (the main file, not drop-ins) */
};

static void unit_assign(void *ctx, const char *section, const char *key, const char *value)
{
    struct assign_ctx *a = ctx;
    struct unit *u = a->u;
    if (a->install && !strcmp(section, "Install")) {
        if (!strcmp(key, "WantedBy"))
            list_assign(&u->wanted_by, value);
        else if (!strcmp(key, "RequiredBy"))
            list_assign(&u->required_by, value);
        else if (!strcmp(key, "UpheldBy"))
            list_assign(&u->upheld_by, value);
        else if (!strcmp(key, "Alias"))
            list_assign(&u->aliases, value);
        else if (!strcmp(key, "Also"))
            list_assign(&u->also, value);
        else if (!strcmp(key, "DefaultInstance"))
            str_copy(u->default_instance, value, sizeof(u->default_instance));
    } else if (!strcmp(section, "Unit") && !strcmp(key, "Description")) {
        str_copy(u->description, value, sizeof(u->description));
    } else if (!strcmp(section, "Service") && !strcmp(key, "ExecStart")) {
        /* an empty assignment resets the list; the first command is what the service starts */
        if (!value[0] || !u->exec_start[0])
            str_copy(u->exec_start, value, sizeof(u->exec_start));
    } else if (!strcmp(section, "Service") && !strcmp(key, "User")) {
        str_copy(u->user, value, sizeof(u->user));
    }
}

/* lstat of a host path under the root. */
static int host_lstat(struct inv_scan *s, const char *path, struct stat *st)
{
    char real[PATH_MAX];
    return inv_path(s, path, real, sizeof(real)) || lstat(real, st) < 0 ? -1 : 0;
}

static ssize_t host_readlink(struct inv_scan *s, const char *path, char *out, size_t outlen)
{
    char real[PATH_MAX];
    if (inv_path(s, path, real, sizeof(real)))
        return -1;
    ssize_t l = readlink(real, out, outlen - 1);
    if (l >= 0)
        out[l] = '\0';
    return l;
}

/* Find name in the search path and follow it to its file, as systemd's install logic does:
 * a symlink to /dev/null (or an empty file) masks; a symlink to another name continues with
 * that name from the search path; one to the same name elsewhere follows the link. */
static void discover(struct inv_scan *s, const char *name, struct unit *u)
{
    char cur[256], path[PATH_MAX] = "", tmpl[256];
    str_copy(cur, name, sizeof(cur));
    for (int hop = 0; hop < FOLLOW_MAX; hop++) {
        if (!path[0]) {
            struct stat st;
            for (size_t i = 0; i < NSEARCH && !path[0]; i++)
                if (inv_fmt(path, sizeof(path), "%s/%s", search_path[i], cur) &&
                    host_lstat(s, path, &st) != 0)
                    path[0] = '\0';
            /* an instance without a file of its own uses its template's */
            if (!path[0] && is_instance(cur) && template_of(cur, tmpl, sizeof(tmpl))) {
                for (size_t i = 0; i < NSEARCH && !path[0]; i++)
                    if (inv_fmt(path, sizeof(path), "%s/%s", search_path[i], tmpl) &&
                        host_lstat(s, path, &st) != 0)
                        path[0] = '\0';
            }
            if (!path[0])
                return;
        }
        struct stat st;
        if (host_lstat(s, path, &st) != 0)
            return;
        if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX], abs[PATH_MAX];
            if (host_readlink(s, path, target, sizeof(target)) <= 0)
                return;
            if (!strcmp(target, "/dev/null")) {
                u->masked = u->found = true;
                str_copy(u->path, path, sizeof(u->path));
                str_copy(u->name, cur, sizeof(u->name));
                return;
            }
            if (target[0] == '/')
                str_copy(abs, target, sizeof(abs));
            else {
                const char *slash = strrchr(path, '/');
                if (!inv_fmt(abs, sizeof(abs), "%.*s/%s", (int)(slash - path), path, target))
                    return;
            }
            const char *base = strrchr(abs, '/') + 1;
            const char *cur_base = strrchr(path, '/') + 1;
            if (strcmp(base, cur_base) != 0 && valid_unit_name(base)) {
                str_copy(cur, base, sizeof(cur)); /* an alias: look its target up by name */
                path[0] = '\0';
            } else {
                str_copy(path, abs, sizeof(path)); /* a linked file */
            }
            continue;
        }
        if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
            return;
        u->found = true;
        str_copy(u->path, path, sizeof(u->path));
        str_copy(u->name, strrchr(path, '/') + 1, sizeof(u->name));
        if (S_ISCHR(st.st_mode) || st.st_size == 0) { /* /dev/null itself, or empty: masked */
            u->masked = true;
            return;
        }
        struct buf b = {0};
        if (inv_read(s, path, &b, UNIT_FILE_MAX, NULL) == 0) {
            struct assign_ctx a = {u, true};
            parse_unit_file((const char *)b.data, b.len, unit_assign, &a);
        }
        buf_free(&b);
        return;
    }
}

/* Drop-ins (the .conf files of <name>.d, and the template's for an instance) of every search path: the
 * first file of each name wins, applied in the order of their names. */
static void drop_ins(struct inv_scan *s, const char *name, struct unit *u)
{
    char **files = NULL;
    size_t nfiles = 0;
    char dnames[2][300];
    int nd = 0;
    char tmpl[256];
    if (is_instance(name) && template_of(name, tmpl, sizeof(tmpl)))
        inv_fmt(dnames[nd++], sizeof(dnames[0]), "%s.d", tmpl);
    inv_fmt(dnames[nd++], sizeof(dnames[0]), "%s.d", name);
    for (int k = 0; k < nd; k++) {
        for (size_t i = 0; i < NSEARCH; i++) {
            char dir[PATH_MAX];
            char **names;
            size_t n;
            if (!inv_fmt(dir, sizeof(dir), "%s/%s", search_path[i], dnames[k]) ||
                inv_list_dir(s, dir, true, &names, &n))
                continue;
            for (size_t j = 0; j < n; j++) {
                size_t l = strlen(names[j]);
                bool dup = false;
                for (size_t f = 0; f < nfiles && !dup; f++)
                    dup = !strcmp(strrchr(files[f], '/') + 1, names[j]);
                char full[PATH_MAX];
                if (dup || l < 6 || strcmp(names[j] + l - 5, ".conf") != 0 ||
                    !inv_fmt(full, sizeof(full), "%s/%s", dir, names[j]))
                    continue;
                char **nv = realloc(files, (nfiles + 1) * sizeof(*nv));
                if (!nv)
                    break;
                files = nv;
                if ((files[nfiles] = strdup(full)))
                    nfiles++;
            }
            inv_names_free(names, n);
        }
    }
    /* in the order of the file names */
    for (size_t i = 0; i + 1 < nfiles; i++)
        for (size_t j = i + 1; j < nfiles; j++)
            if (strcmp(strrchr(files[j], '/'), strrchr(files[i], '/')) < 0) {
                char *t = files[i];
                files[i] = files[j];
                files[j] = t;
            }
    for (size_t i = 0; i < nfiles; i++) {
        struct buf b = {0};
        if (inv_read(s, files[i], &b, UNIT_FILE_MAX, NULL) == 0) {
            struct assign_ctx a = {u, false};
            parse_unit_file((const char *)b.data, b.len, unit_assign, &a);
        }
        buf_free(&b);
        free(files[i]);
    }
    free(files);
}

static bool known_name(const struct unit *u, const char *link)
{
    if (!strcmp(link, u->name) || list_has(&u->aliases, link))
        return true;
    if (u->default_instance[0] && is_template(u->name)) {
        char inst[512];
        const char *at = strchr(u->name, '@');
        if (inv_fmt(inst, sizeof(inst), "%.*s%s%s", (int)(at - u->name + 1), u->name,
                    u->default_instance, at + 1))
            return !strcmp(link, inst);
    }
    return false;
}

/* Every symlink of the search path that can enable a unit, read once per scan: those in the
 * .wants, .requires and .upholds directories (only their names matter) and those in the search
 * path directories themselves (aliases and linked files: their targets matter too). */
struct unit_link {
    unsigned sp;       /* index in search_path */
    bool in_sub;       /* in a .wants/.requires/.upholds directory */
    char *name;
    char *target_base; /* !in_sub: basename of the target */
};

struct link_index {
    struct unit_link *v;
    size_t n, cap;
};

static void index_add(struct link_index *x, unsigned sp, bool in_sub, const char *name,
                      const char *target_base)
{
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 128;
        struct unit_link *v = realloc(x->v, cap * sizeof(*v));
        if (!v)
            return;
        x->v = v;
        x->cap = cap;
    }
    struct unit_link *l = &x->v[x->n];
    l->sp = sp;
    l->in_sub = in_sub;
    l->name = strdup(name);
    l->target_base = target_base ? strdup(target_base) : NULL;
    if (l->name && (!target_base || l->target_base))
        x->n++;
    else {
        free(l->name);
        free(l->target_base);
    }
}

static void index_dir(struct inv_scan *s, struct link_index *x, unsigned sp, const char *dir,
                      bool in_sub)
{
    char **names;
    size_t n;
    if (inv_list_dir(s, dir, false, &names, &n))
        return;
    for (size_t i = 0; i < n; i++) {
        char p[PATH_MAX], target[PATH_MAX];
        struct stat st;
        if (!inv_fmt(p, sizeof(p), "%s/%s", dir, names[i]) || host_lstat(s, p, &st))
            continue;
        if (!in_sub && S_ISDIR(st.st_mode)) {
            const char *dot = strrchr(names[i], '.');
            if (dot && (!strcmp(dot, ".wants") || !strcmp(dot, ".requires") ||
                        !strcmp(dot, ".upholds")))
                index_dir(s, x, sp, p, true);
            continue;
        }
        if (!S_ISLNK(st.st_mode))
            continue;
        if (in_sub) {
            index_add(x, sp, true, names[i], NULL);
        } else if (host_readlink(s, p, target, sizeof(target)) > 0) {
            const char *base = strrchr(target, '/');
            index_add(x, sp, false, names[i], base ? base + 1 : target);
        }
    }
    inv_names_free(names, n);
}

static void index_free(struct link_index *x)
{
    for (size_t i = 0; i < x->n; i++) {
        free(x->v[i].name);
        free(x->v[i].target_base);
    }
    free(x->v);
}

/* Whether a link of one search path refers to the unit, as systemd's install logic decides
 * (same_name_link: the unit's own name linked in that directory to a file of that name). */
static bool link_refers(const struct unit_link *l, const struct unit *u, bool match_name,
                        bool ignore_same_name, bool *same_name_link)
{
    char tmpl[256];
    bool found_path = false, found_dest = false;
    if (!l->in_sub)
        found_dest = !strcmp(l->target_base, u->name);
    if (l->in_sub || !ignore_same_name)
        found_path = !strcmp(l->name, u->name);
    if (!found_path && l->in_sub && template_of(l->name, tmpl, sizeof(tmpl)))
        found_dest = !strcmp(tmpl, u->name);
    if (found_path && found_dest && !l->in_sub) {
        *same_name_link = true;
        return false;
    }
    return (found_path || found_dest) && (!match_name || known_name(u, l->name));
}

/* Where the unit is enabled; NULL when its links do not decide it. */
static const char *symlinks_in_scope(const struct link_index *x, const struct unit *u,
                                     bool match_name)
{
    bool same_config = false, same_runtime = false, runtime = false, at_all = false;
    bool ignore_same_name = false;
    for (unsigned i = 0; i < NSEARCH; i++) {
        const char *p = search_path[i];
        bool same = false, found = false;
        /* the .wants-style directories first, then the directory's own links */
        for (int pass = 0; pass < 2 && !found; pass++)
            for (size_t k = 0; k < x->n && !found; k++)
                if (x->v[k].sp == i && x->v[k].in_sub == (pass == 0))
                    found = link_refers(&x->v[k], u, match_name, ignore_same_name, &same);
        if (found) {
            if (!strcmp(p, persistent_config))
                return "enabled";
            if (is_runtime(p))
                runtime = true;
            else
                at_all = true;
        } else if (same) {
            if (!strcmp(p, persistent_config))
                same_config = true;
            else if (is_runtime(p))
                same_runtime = true;
        }
        size_t pl = strlen(p);
        if (!ignore_same_name && !strncmp(u->path, p, pl) && u->path[pl] == '/')
            ignore_same_name = true;
    }
    if (runtime)
        return "enabled-runtime";
    if (at_all && is_instance(u->name))
        return "static";
    if (same_config)
        return "linked";
    if (same_runtime)
        return "linked-runtime";
    return NULL;
}

static const char *unit_state(const struct link_index *x, const char *name, const struct unit *u)
{
    if (u->masked)
        return is_runtime(u->path) ? "masked-runtime" : "masked";
    if (strcmp(name, u->name) != 0 && !is_instance(name))
        return "alias";
    if (is_generator(u->path))
        return "generated";
    if (is_transient(u->path))
        return "transient";
    const char *st = symlinks_in_scope(x, u, true);
    if (st)
        return st;
    if (symlinks_in_scope(x, u, false))
        return "indirect";
    if (u->wanted_by.len || u->required_by.len || u->upheld_by.len || u->aliases.len)
        return "disabled";
    if (u->also.len)
        return "indirect";
    return "static";
}

static void systemd_units(struct inv_scan *s)
{
    char **seen = NULL;
    size_t nseen = 0;
    struct link_index links = {0};
    for (unsigned i = 0; i < NSEARCH; i++)
        index_dir(s, &links, i, search_path[i], false);
    for (size_t i = 0; i < NSEARCH && !inv_cancelled(s); i++) {
        char **names;
        size_t n;
        if (inv_list_dir(s, search_path[i], false, &names, &n))
            continue;
        for (size_t j = 0; j < n; j++) {
            char p[PATH_MAX];
            struct stat st;
            if (!valid_unit_name(names[j]) ||
                !inv_fmt(p, sizeof(p), "%s/%s", search_path[i], names[j]) ||
                host_lstat(s, p, &st) || S_ISDIR(st.st_mode))
                continue;
            bool dup = false;
            for (size_t k = 0; k < nseen && !dup; k++)
                dup = !strcmp(seen[k], names[j]);
            if (dup)
                continue;
            char **nv = realloc(seen, (nseen + 1) * sizeof(*nv));
            if (!nv)
                break;
            seen = nv;
            seen[nseen++] = names[j];
            names[j] = NULL;
            struct unit u;
            memset(&u, 0, sizeof(u));
            discover(s, seen[nseen - 1], &u);
            if (!u.found) { /* a link to nothing: systemctl lists it as "bad" */
                struct event *ev = inv_row(s, TBL_SERVICE_CHANGES, "systemd\t%s", seen[nseen - 1]);
                inv_str(ev, FLD_SERVICE_NAME, seen[nseen - 1]);
                inv_str(ev, FLD_SERVICE_TYPE, "systemd");
                inv_str(ev, FLD_UNIT_STATE, "bad");
                inv_str(ev, FLD_PATH, p);
                unit_free(&u);
                continue;
            }
            if (!u.masked)
                drop_ins(s, u.name, &u);
            const char *name = seen[nseen - 1];
            struct event *ev = inv_row(s, TBL_SERVICE_CHANGES, "systemd\t%s", name);
            inv_str(ev, FLD_SERVICE_NAME, name);
            inv_str(ev, FLD_SERVICE_TYPE, "systemd");
            inv_str(ev, FLD_UNIT_STATE, unit_state(&links, name, &u));
            if (u.description[0])
                inv_str(ev, FLD_DESCRIPTION, u.description);
            if (u.exec_start[0])
                inv_str(ev, FLD_COMMAND, u.exec_start);
            if (u.user[0])
                inv_str(ev, FLD_USER, u.user);
            struct buf wb = {0};
            if (u.wanted_by.len)
                inv_list_add(&wb, (const char *)u.wanted_by.data, u.wanted_by.len);
            if (u.required_by.len)
                inv_list_add(&wb, (const char *)u.required_by.data, u.required_by.len);
            if (wb.len)
                inv_strn(ev, FLD_WANTED_BY, (const char *)wb.data, wb.len);
            buf_free(&wb);
            inv_str(ev, FLD_PATH, u.path);
            unit_free(&u);
        }
        inv_names_free(names, n);
    }
    inv_names_free(seen, nseen);
    index_free(&links);
}

static void sysv_scripts(struct inv_scan *s)
{
    char **names;
    size_t n;
    if (inv_list_dir(s, "/etc/init.d", true, &names, &n))
        return;
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX];
        struct stat st;
        char real[PATH_MAX];
        if (!strcmp(names[i], "README") || !strcmp(names[i], "skeleton") ||
            !inv_fmt(path, sizeof(path), "/etc/init.d/%s", names[i]) ||
            inv_path(s, path, real, sizeof(real)) || stat(real, &st) || !S_ISREG(st.st_mode) ||
            !(st.st_mode & 0111))
            continue;
        bool enabled = false;
        for (int rl = 2; rl <= 5 && !enabled; rl++) {
            char dir[64];
            char **links;
            size_t nl;
            snprintf(dir, sizeof(dir), "/etc/rc%d.d", rl);
            if (inv_list_dir(s, dir, true, &links, &nl))
                continue;
            for (size_t k = 0; k < nl && !enabled; k++)
                enabled = links[k][0] == 'S' && strlen(links[k]) > 3 &&
                          !strcmp(links[k] + 3, names[i]);
            inv_names_free(links, nl);
        }
        char desc[512] = "";
        struct buf b = {0};
        if (inv_read(s, path, &b, 1 << 20, NULL) == 0)
            parse_lsb_header((const char *)b.data, b.len, desc, sizeof(desc));
        buf_free(&b);
        struct event *ev = inv_row(s, TBL_SERVICE_CHANGES, "sysv\t%s", names[i]);
        inv_str(ev, FLD_SERVICE_NAME, names[i]);
        inv_str(ev, FLD_SERVICE_TYPE, "sysv");
        inv_str(ev, FLD_UNIT_STATE, enabled ? "enabled" : "disabled");
        if (desc[0])
            inv_str(ev, FLD_DESCRIPTION, desc);
        inv_str(ev, FLD_COMMAND, path);
        inv_str(ev, FLD_PATH, path);
    }
    inv_names_free(names, n);
}

static int services_collect(struct inv_scan *s, struct vg_error *err)
{
    (void)err;
    systemd_units(s);
    sysv_scripts(s);
    return 0;
}

static const enum table_id services_tables[] = {TBL_SERVICE_CHANGES, TBL_NONE};

const struct inv_collector inv_collector_services = {
    .name = "services",
    .tables = services_tables,
    .collect = services_collect,
};
