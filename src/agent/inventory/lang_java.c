/* lang_java.c - the JARs of running JVMs: for every process whose executable is java, the
 * entries of its class path (command line, CLASSPATH; "dir/" + "*" wildcards expanded; relative to
 * its working directory) and every .jar/.war it holds open, read through /proc/PID/root so that
 * a JVM in a container is read in its own file system. Each JAR is opened with libzip: its
 * Maven coordinates (META-INF/maven/.../pom.properties), else its manifest, else its file name
 * give its name and version; Maven coordinates of other artifacts shaded into it and the JARs
 * nested in it (Spring Boot, WAR libraries) are rows of their own ("outer.jar!/inner.jar").
 *
 * A path of a JVM in another mount namespace is reported as "[container]/path" (the container
 * id from its cgroup, else "mnt:<namespace inode>"). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "agent/inventory/language.h"
#include "agent/inventory/parsers.h"
#include "agent/sensors/process/process_text.h"
#include "agent/sensors/process/procfs.h"
#include "common/util.h"

#define NESTED_JAR_MAX (64u << 20)
#define ENTRY_TEXT_MAX (1u << 20)
#define NESTED_PER_JAR_MAX 2000
#define JARS_PER_SCAN_MAX 20000

struct jar_id {
    char group[256], artifact[256], version[128];
};

static void pom_prop(void *ctx, const char *key, const char *value)
{
    struct jar_id *id = ctx;
    if (!strcmp(key, "groupId"))
        str_copy(id->group, value, sizeof(id->group));
    else if (!strcmp(key, "artifactId"))
        str_copy(id->artifact, value, sizeof(id->artifact));
    else if (!strcmp(key, "version"))
        str_copy(id->version, value, sizeof(id->version));
}

struct manifest {
    char title[256], version[128], bundle[256], bundle_version[128], spec_version[128];
};

static void manifest_header(void *ctx, const char *name, const char *value)
{
    struct manifest *m = ctx;
    if (!strcmp(name, "Implementation-Title"))
        str_copy(m->title, value, sizeof(m->title));
    else if (!strcmp(name, "Implementation-Version"))
        str_copy(m->version, value, sizeof(m->version));
    else if (!strcmp(name, "Bundle-SymbolicName"))
        str_copy(m->bundle, value, sizeof(m->bundle));
    else if (!strcmp(name, "Bundle-Version"))
        str_copy(m->bundle_version, value, sizeof(m->bundle_version));
    else if (!strcmp(name, "Specification-Version"))
        str_copy(m->spec_version, value, sizeof(m->spec_version));
}

/* Read one entry of an archive (at most max bytes) into b. */
static int read_entry(zip_t *z, zip_uint64_t idx, size_t max, struct buf *b)
{
    zip_stat_t st;
    if (zip_stat_index(z, idx, 0, &st) < 0 || !(st.valid & ZIP_STAT_SIZE) || st.size > max)
        return -EFBIG;
    zip_file_t *f = zip_fopen_index(z, idx, 0);
    if (!f)
        return -EIO;
    int rc = buf_reserve(b, (size_t)st.size + 1);
    while (!rc) {
        zip_int64_t r = zip_fread(f, b->data + b->len, b->cap - b->len - 1);
        if (r < 0)
            rc = -EIO;
        if (r <= 0)
            break;
        b->len += (size_t)r;
        if (b->len >= max)
            rc = -EFBIG;
        else if (b->cap - b->len - 1 == 0)
            rc = buf_reserve(b, 65536);
    }
    zip_fclose(f);
    return rc ? rc : buf_terminate(b);
}

static void add_row(struct inv_scan *s, const char *path, const char *name, const char *version)
{
    struct event *ev = inv_row(s, TBL_LANGUAGE_PACKAGE_CHANGES, "java\t%s", path);
    inv_str(ev, FLD_ECOSYSTEM, "java");
    inv_str(ev, FLD_PACKAGE_NAME, name);
    inv_str(ev, FLD_VERSION, version);
    inv_str(ev, FLD_PATH, path);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t l = strlen(s), k = strlen(suffix);
    return l >= k && !strcmp(s + l - k, suffix);
}

#define POMS_PER_JAR_MAX 256

static void add_shaded(struct inv_scan *s, const char *shown, const struct jar_id *id)
{
    char p[PATH_MAX + 600], nm[520];
    snprintf(p, sizeof(p), "%s!%s:%s", shown, id->group, id->artifact);
    snprintf(nm, sizeof(nm), "%s%s%s", id->group, id->group[0] ? ":" : "", id->artifact);
    add_row(s, p, nm, id->version);
}

/* The rows of one open archive: itself (reported as shown), shaded artifacts, nested JARs. */
static void read_archive(struct inv_scan *s, zip_t *z, const char *shown, int depth)
{
    struct jar_id *poms = calloc(POMS_PER_JAR_MAX, sizeof(*poms));
    struct manifest m;
    memset(&m, 0, sizeof(m));
    zip_int64_t n = zip_get_num_entries(z, 0);
    int npoms = 0, nested = 0;
    struct buf b = {0};
    char base_name[256], base_version[128];
    java_name_from_file(shown, base_name, sizeof(base_name), base_version, sizeof(base_version));
    for (zip_int64_t i = 0; i < n && poms; i++) {
        const char *e = zip_get_name(z, (zip_uint64_t)i, 0);
        if (!e)
            continue;
        if (!strcmp(e, "META-INF/MANIFEST.MF")) {
            buf_reset(&b);
            if (read_entry(z, (zip_uint64_t)i, ENTRY_TEXT_MAX, &b) == 0)
                parse_header_block((const char *)b.data, b.len, true, manifest_header, &m);
        } else if (!strncmp(e, "META-INF/maven/", 15) && ends_with(e, "/pom.properties") &&
                   npoms < POMS_PER_JAR_MAX) {
            buf_reset(&b);
            if (read_entry(z, (zip_uint64_t)i, ENTRY_TEXT_MAX, &b) == 0)
                parse_properties((const char *)b.data, b.len, pom_prop, &poms[npoms]);
            if (poms[npoms].artifact[0])
                npoms++;
            else
                memset(&poms[npoms], 0, sizeof(poms[npoms]));
        } else if (depth == 0 && (ends_with(e, ".jar") || ends_with(e, ".war")) &&
                   nested < NESTED_PER_JAR_MAX) {
            nested++;
            struct buf inner = {0};
            if (read_entry(z, (zip_uint64_t)i, NESTED_JAR_MAX, &inner) == 0) {
                zip_error_t zerr;
                zip_error_init(&zerr);
                zip_source_t *src = zip_source_buffer_create(inner.data, inner.len, 0, &zerr);
                zip_t *iz = src ? zip_open_from_source(src, ZIP_RDONLY, &zerr) : NULL;
                char p[PATH_MAX + 300];
                snprintf(p, sizeof(p), "%s!/%s", shown, e);
                if (iz) {
                    read_archive(s, iz, p, depth + 1);
                    zip_discard(iz);
                } else if (src) {
                    zip_source_free(src);
                }
                zip_error_fini(&zerr);
            }
            buf_free(&inner);
        }
    }
    buf_free(&b);
    /* the archive's own Maven coordinates: the only ones, or those of the artifact its file is
     * named after; any other coordinates are artifacts shaded into it */
    int main = npoms == 1 ? 0 : -1;
    for (int i = 0; i < npoms && main < 0; i++)
        if (!strcmp(poms[i].artifact, base_name))
            main = i;
    for (int i = 0; i < npoms; i++)
        if (i != main)
            add_shaded(s, shown, &poms[i]);
    char name[520], version[128];
    if (main >= 0) {
        snprintf(name, sizeof(name), "%s%s%s", poms[main].group, poms[main].group[0] ? ":" : "",
                 poms[main].artifact);
        str_copy(version, poms[main].version, sizeof(version));
    } else {
        const char *nm = m.bundle[0] ? m.bundle : m.title[0] ? m.title : base_name;
        size_t l = strcspn(nm, ";"); /* Bundle-SymbolicName: name;singleton:=true */
        snprintf(name, sizeof(name), "%.*s", (int)l, nm);
        const char *v = m.version[0] ? m.version
                        : m.bundle_version[0] ? m.bundle_version
                        : base_version[0] ? base_version
                                          : m.spec_version;
        str_copy(version, v, sizeof(version));
    }
    add_row(s, shown, name, version);
    free(poms);
}

/* Open the JAR at real (already resolved through /proc/PID/root) and read it. */
static void read_jar(struct inv_scan *s, const char *real, const char *shown)
{
    int fd = open(real, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
        (uint64_t)st.st_size > s->cfg->language_packages_max_jar_size) {
        close(fd);
        return;
    }
    int zerr = 0;
    zip_t *z = zip_fdopen(fd, ZIP_RDONLY, &zerr); /* owns fd from here on */
    if (!z) {
        close(fd);
        inv_warn(s, "%s: not a readable JAR (libzip error %d)", shown, zerr);
        return;
    }
    read_archive(s, z, shown, 0);
    zip_discard(z);
}

struct jvm {
    struct inv_scan *s;
    struct lang_seen *seen;
    int32_t pid;
    char cwd[PATH_MAX];
    char prefix[128]; /* "" in our mount namespace, else "[container]" */
};

static void jvm_entry(void *ctx, const char *entry)
{
    struct jvm *j = ctx;
    char abs[PATH_MAX], real[PATH_MAX + 64], shown[PATH_MAX + 160];
    if (entry[0] == '/')
        str_copy(abs, entry, sizeof(abs));
    else if (snprintf(abs, sizeof(abs), "%s/%s", j->cwd, entry) >= (int)sizeof(abs))
        return;
    size_t l = strlen(abs);
    if (l >= 2 && !strcmp(abs + l - 2, "/*")) { /* a wildcard: every JAR of the directory */
        abs[l - 2] = '\0';
        snprintf(real, sizeof(real), "/proc/%d/root%s", j->pid, abs);
        DIR *d = opendir(real);
        struct dirent *de;
        while (d && (de = readdir(d))) {
            if (!ends_with(de->d_name, ".jar") && !ends_with(de->d_name, ".JAR"))
                continue;
            char sub[PATH_MAX];
            if (snprintf(sub, sizeof(sub), "%s/%s", abs, de->d_name) < (int)sizeof(sub))
                jvm_entry(ctx, sub);
        }
        if (d)
            closedir(d);
        return;
    }
    if (!ends_with(abs, ".jar") && !ends_with(abs, ".war") && !ends_with(abs, ".JAR"))
        return; /* a directory of classes */
    snprintf(shown, sizeof(shown), "%s%s", j->prefix, abs);
    if (j->seen->n >= JARS_PER_SCAN_MAX || !lang_seen_add(j->seen, shown))
        return;
    snprintf(real, sizeof(real), "/proc/%d/root%s", j->pid, abs);
    read_jar(j->s, real, shown);
}

static void jvm(struct inv_scan *s, struct lang_seen *seen, const struct lang_proc *p)
{
    struct jvm j = {.s = s, .seen = seen, .pid = p->pid};
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/cwd", p->pid);
    ssize_t l = readlink(path, j.cwd, sizeof(j.cwd) - 1);
    j.cwd[l > 0 ? l : 0] = '\0';
    if (!p->same_mnt) {
        char cg[PATH_MAX], v1[PATH_MAX], id[128];
        struct buf b = {0};
        snprintf(path, sizeof(path), "/proc/%d/cgroup", p->pid);
        if (inv_read_real(path, &b, 1 << 20, NULL) == 0 &&
            procfs_parse_cgroup((const char *)b.data, b.len, cg, sizeof(cg), v1, sizeof(v1)) == 0 &&
            (ptext_container_id(cg, id, sizeof(id)) || ptext_container_id(v1, id, sizeof(id))))
            snprintf(j.prefix, sizeof(j.prefix), "[%.64s]", id);
        else {
            struct stat ns;
            snprintf(path, sizeof(path), "/proc/%d/ns/mnt", p->pid);
            if (stat(path, &ns) == 0)
                snprintf(j.prefix, sizeof(j.prefix), "[mnt:%llu]", (unsigned long long)ns.st_ino);
        }
        buf_free(&b);
    }
    /* the class path of its command line (or CLASSPATH) */
    struct buf args = {0}, env = {0};
    snprintf(path, sizeof(path), "/proc/%d/cmdline", p->pid);
    inv_read_real(path, &args, 1 << 20, NULL);
    snprintf(path, sizeof(path), "/proc/%d/environ", p->pid);
    const char *classpath = NULL;
    if (inv_read_real(path, &env, 1 << 20, NULL) == 0) {
        for (size_t i = 0; i < env.len;) {
            const char *e = (const char *)env.data + i;
            size_t el = strnlen(e, env.len - i);
            if (el > 10 && !strncmp(e, "CLASSPATH=", 10)) {
                classpath = e + 10;
                break;
            }
            i += el + 1;
        }
    }
    if (args.len)
        parse_java_args((const char *)args.data, args.len, classpath, jvm_entry, &j);
    buf_free(&args);
    buf_free(&env);
    /* and every archive it holds open (what its class loaders opened) */
    snprintf(path, sizeof(path), "/proc/%d/fd", p->pid);
    DIR *d = opendir(path);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        char fdp[128], target[PATH_MAX];
        inv_fmt(fdp, sizeof(fdp), "/proc/%d/fd/%s", p->pid, de->d_name);
        ssize_t tl = readlink(fdp, target, sizeof(target) - 1);
        if (tl <= 0)
            continue;
        target[tl] = '\0';
        if (target[0] == '/' && (ends_with(target, ".jar") || ends_with(target, ".war")))
            jvm_entry(&j, target);
    }
    if (d)
        closedir(d);
}

void lang_java(struct inv_scan *s, const struct lang_procs *procs)
{
    struct lang_seen seen = {0};
    for (size_t i = 0; procs && i < procs->n && !inv_cancelled(s); i++) {
        const char *b = strrchr(procs->v[i].exe, '/');
        b = b ? b + 1 : procs->v[i].exe;
        if (!strcmp(b, "java"))
            jvm(s, &seen, &procs->v[i]);
    }
    lang_seen_free(&seen);
}
