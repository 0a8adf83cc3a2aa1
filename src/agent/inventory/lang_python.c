/* lang_python.c - Python distributions: every *.dist-info (METADATA) and *.egg-info (PKG-INFO,
 * or the file itself) in the configured site directories, and in the site-packages of the
 * Python interpreters and virtual environments that are running, as importlib.metadata finds
 * them. */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/inventory/language.h"
#include "agent/inventory/parsers.h"
#include "common/util.h"

#define METADATA_MAX (4u << 20)

struct meta {
    char name[256], version[128];
};

static void meta_header(void *ctx, const char *name, const char *value)
{
    struct meta *m = ctx;
    if (!strcmp(name, "Name") && !m->name[0])
        str_copy(m->name, value, sizeof(m->name));
    else if (!strcmp(name, "Version") && !m->version[0])
        str_copy(m->version, value, sizeof(m->version));
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t l = strlen(s), k = strlen(suffix);
    return l > k && !strcmp(s + l - k, suffix);
}

/* One site directory (abs, under the root); each directory is read once per scan. */
static void python_dir(struct inv_scan *s, struct lang_seen *seen, const char *dir)
{
    if (!lang_seen_add(seen, dir))
        return;
    char **names;
    size_t n;
    if (inv_list_dir(s, dir, true, &names, &n))
        return;
    for (size_t i = 0; i < n; i++) {
        bool dist = ends_with(names[i], ".dist-info"), egg = ends_with(names[i], ".egg-info");
        if (!dist && !egg)
            continue;
        char path[PATH_MAX], meta_path[PATH_MAX], real[PATH_MAX];
        if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= (int)sizeof(path))
            continue;
        struct stat st;
        if (inv_path(s, path, real, sizeof(real)) || stat(real, &st) < 0)
            continue;
        if (S_ISDIR(st.st_mode))
            inv_fmt(meta_path, sizeof(meta_path), "%s/%s", path, dist ? "METADATA" : "PKG-INFO");
        else if (egg)
            str_copy(meta_path, path, sizeof(meta_path));
        else
            continue;
        struct buf b = {0};
        struct meta m = {"", ""};
        if (inv_read(s, meta_path, &b, METADATA_MAX, NULL) == 0)
            parse_header_block((const char *)b.data, b.len, false, meta_header, &m);
        buf_free(&b);
        if (!m.name[0])
            continue; /* importlib skips a distribution without a name as well */
        struct event *ev = inv_row(s, TBL_LANGUAGE_PACKAGE_CHANGES, "python\t%s", path);
        inv_str(ev, FLD_ECOSYSTEM, "python");
        inv_str(ev, FLD_PACKAGE_NAME, m.name);
        inv_str(ev, FLD_VERSION, m.version);
        inv_str(ev, FLD_PATH, path);
    }
    inv_names_free(names, n);
}

/* Every directory matching a glob under the root. */
static void python_glob(struct inv_scan *s, struct lang_seen *seen, const char *pattern)
{
    char real[PATH_MAX];
    if (inv_path(s, pattern, real, sizeof(real)))
        return;
    glob_t g;
    if (glob(real, GLOB_ONLYDIR, NULL, &g) != 0)
        return;
    size_t rootlen = strlen(s->root);
    for (size_t i = 0; i < g.gl_pathc; i++)
        python_dir(s, seen, g.gl_pathv[i] + rootlen);
    globfree(&g);
}

static bool is_python(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    if (strncmp(b, "python", 6) != 0)
        return false;
    return strspn(b + 6, "0123456789.") == strlen(b + 6);
}

/* The site-packages of an interpreter installed under prefix (its bin/ directory's parent). */
static void python_prefix(struct inv_scan *s, struct lang_seen *seen, const char *bin_path)
{
    char prefix[PATH_MAX], pattern[PATH_MAX];
    str_copy(prefix, bin_path, sizeof(prefix));
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(prefix, '/');
        if (!slash)
            return;
        *slash = '\0';
    }
    if (!prefix[0])
        return;
    static const char *const subdirs[] = {
        "lib/python3*/site-packages", "lib64/python3*/site-packages",
        "lib/python3*/dist-packages", "local/lib/python3*/dist-packages",
    };
    for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
        if (snprintf(pattern, sizeof(pattern), "%s/%s", prefix, subdirs[i]) < (int)sizeof(pattern))
            python_glob(s, seen, pattern);
    }
}

void lang_python(struct inv_scan *s, const struct lang_procs *procs)
{
    struct lang_seen seen = {0};
    const struct config_list *paths = &s->cfg->language_packages_python_paths;
    for (size_t i = 0; i < paths->count; i++)
        python_glob(s, &seen, paths->items[i]);
    /* running interpreters: their own prefix, and a virtual environment's (argv[0] is the
     * environment's bin/python, while /proc/PID/exe is the interpreter it links to) */
    for (size_t i = 0; procs && i < procs->n; i++) {
        const struct lang_proc *p = &procs->v[i];
        if (is_python(p->exe))
            python_prefix(s, &seen, p->exe);
        if (p->argv0[0] == '/' && is_python(p->argv0))
            python_prefix(s, &seen, p->argv0);
    }
    lang_seen_free(&seen);
}
