/* col_language.c - the language_packages collector (language_package_changes): Python
 * distributions (lang_python.c) and the JARs of running JVMs (lang_java.c). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/inventory/language.h"
#include "common/util.h"

bool lang_seen_add(struct lang_seen *set, const char *item)
{
    for (size_t i = 0; i < set->n; i++)
        if (!strcmp(set->v[i], item))
            return false;
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 32;
        char **v = realloc(set->v, cap * sizeof(*v));
        if (!v)
            return false;
        set->v = v;
        set->cap = cap;
    }
    char *copy = strdup(item);
    if (!copy)
        return false;
    set->v[set->n++] = copy;
    return true;
}

void lang_seen_free(struct lang_seen *set)
{
    for (size_t i = 0; i < set->n; i++)
        free(set->v[i]);
    free(set->v);
    memset(set, 0, sizeof(*set));
}

void lang_procs_read(struct inv_scan *s, struct lang_procs *out)
{
    memset(out, 0, sizeof(*out));
    if (s->root[0])
        return;
    struct stat self_ns;
    bool have_ns = stat("/proc/self/ns/mnt", &self_ns) == 0;
    DIR *d = opendir("/proc");
    if (!d)
        return;
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        char p[64], exe[PATH_MAX];
        snprintf(p, sizeof(p), "/proc/%ld/exe", pid);
        ssize_t l = readlink(p, exe, sizeof(exe) - 1);
        if (l <= 0)
            continue; /* kernel threads, and processes gone meanwhile */
        exe[l] = '\0';
        if (out->n == cap) {
            size_t nc = cap ? cap * 2 : 128;
            struct lang_proc *v = realloc(out->v, nc * sizeof(*v));
            if (!v)
                break;
            out->v = v;
            cap = nc;
        }
        struct lang_proc *lp = &out->v[out->n];
        memset(lp, 0, sizeof(*lp));
        lp->pid = (int32_t)pid;
        str_copy(lp->exe, exe, sizeof(lp->exe));
        struct buf args = {0};
        snprintf(p, sizeof(p), "/proc/%ld/cmdline", pid);
        inv_read_real(p, &args, PATH_MAX, NULL); /* argv[0] is all we need: a cut is fine */
        if (buf_terminate(&args) == 0)
            str_copy(lp->argv0, (const char *)args.data, sizeof(lp->argv0));
        buf_free(&args);
        struct stat ns;
        snprintf(p, sizeof(p), "/proc/%ld/ns/mnt", pid);
        lp->same_mnt = !have_ns || (stat(p, &ns) == 0 && ns.st_ino == self_ns.st_ino &&
                                    ns.st_dev == self_ns.st_dev);
        out->n++;
    }
    closedir(d);
}

void lang_procs_free(struct lang_procs *p)
{
    free(p->v);
    memset(p, 0, sizeof(*p));
}

static int language_collect(struct inv_scan *s, struct vg_error *err)
{
    (void)err;
    struct lang_procs procs;
    lang_procs_read(s, &procs);
    lang_python(s, &procs);
    if (s->cfg->language_packages_java)
        lang_java(s, &procs);
    lang_procs_free(&procs);
    return 0;
}

static const enum table_id language_tables[] = {TBL_LANGUAGE_PACKAGE_CHANGES, TBL_NONE};

const struct inv_collector inv_collector_language_packages = {
    .name = "language_packages",
    .tables = language_tables,
    .collect = language_collect,
};
