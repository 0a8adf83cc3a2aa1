/* pkg_rpm.c - packages of the RPM database, read with librpm (whatever backend the database
 * uses: sqlite, ndb or the read-only Berkeley DB reader) from /var/lib/rpm or
 * /usr/lib/sysimage/rpm under the scan's root. librpm's configuration is read once per
 * process; its messages go to the scan's warnings instead of stderr. Signature and digest
 * checks are off: the headers are only read, and are what rpm -qa shows. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <rpm/header.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmtag.h>
#include <rpm/rpmts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/inventory/packages.h"

static pthread_once_t rpm_once = PTHREAD_ONCE_INIT;
static int rpm_config_rc;
static pthread_mutex_t rpm_lock = PTHREAD_MUTEX_INITIALIZER; /* librpm's state is global */

static void rpm_init(void) { rpm_config_rc = rpmReadConfigFiles(NULL, NULL); }

static int rpm_log(rpmlogRec rec, rpmlogCallbackData data)
{
    struct inv_scan *s = data;
    if (rpmlogRecPriority(rec) <= RPMLOG_WARNING)
        inv_warn(s, "rpm: %s", rpmlogRecMessage(rec));
    return 0; /* nothing on stderr */
}

/* The name of a source package from its source RPM file name: "bash-5.1.8-6.el9.src.rpm". */
static void source_name(const char *srpm, char *out, size_t outlen)
{
    out[0] = '\0';
    if (!srpm)
        return;
    str_copy(out, srpm, outlen);
    /* drop ".src.rpm" (or ".nosrc.rpm"), then "-release" and "-version" */
    char *dot = strstr(out, ".src.rpm");
    if (!dot)
        dot = strstr(out, ".nosrc.rpm");
    if (dot)
        *dot = '\0';
    for (int i = 0; i < 2; i++) {
        char *dash = strrchr(out, '-');
        if (dash)
            *dash = '\0';
    }
}

static int by_name_arch(const void *a, const void *b)
{
    const struct pkg_row *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->arch, y->arch);
}

/* A transaction set on the database in dbpath, opened read-only without checking signatures;
 * rpm_lock held and _dbpath pushed by the caller. NULL with err when it cannot be opened. */
static rpmts open_db(const char *dbpath, struct vg_error *err)
{
    rpmts ts = rpmtsCreate();
    rpmtsSetRootDir(ts, "/");
    rpmtsSetVSFlags(ts, _RPMVSF_NOSIGNATURES | _RPMVSF_NODIGESTS);
    if (rpmtsOpenDB(ts, O_RDONLY) != 0) {
        vg_error_set(err, -EIO, "rpm: cannot open the database in %s", dbpath);
        rpmtsFree(ts);
        return NULL;
    }
    return ts;
}

/* The RPM database directory under root into dbpath; false when there is none. */
static bool find_db(const char *root, char *dbpath, size_t len)
{
    static const char *const dbpaths[] = {"/var/lib/rpm", "/usr/lib/sysimage/rpm"};
    static const char *const files[] = {"rpmdb.sqlite", "Packages", "Packages.db"};
    for (size_t i = 0; i < sizeof(dbpaths) / sizeof(dbpaths[0]); i++)
        for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
            char abs[PATH_MAX];
            snprintf(abs, sizeof(abs), "%s%s/%s", root, dbpaths[i], files[f]);
            if (access(abs, R_OK) == 0) {
                snprintf(dbpath, len, "%s%s", root, dbpaths[i]);
                return true;
            }
        }
    return false;
}

static int rpm_quiet(rpmlogRec rec, rpmlogCallbackData data)
{
    (void)rec;
    (void)data;
    return 0; /* the caller reports what failed */
}

int pkg_rpm_owned(const char *root, const char *const *paths, size_t n, bool *owned,
                  struct vg_error *err)
{
    char dbpath[PATH_MAX];
    const char *r = root && strcmp(root, "/") ? root : "";
    for (size_t i = 0; i < n; i++)
        owned[i] = false;
    if (!find_db(r, dbpath, sizeof(dbpath)))
        return -ENOENT;
    pthread_once(&rpm_once, rpm_init);
    if (rpm_config_rc)
        return vg_error_set(err, -EIO, "rpm: cannot read librpm's configuration");
    int rc = 0;
    pthread_mutex_lock(&rpm_lock);
    rpmlogCallback old_cb = rpmlogSetCallback(rpm_quiet, NULL);
    rpmPushMacro(NULL, "_dbpath", NULL, dbpath, RMIL_CMDLINE);
    rpmts ts = open_db(dbpath, err);
    if (!ts) {
        rc = -EIO;
    } else {
        for (size_t i = 0; i < n; i++) {
            rpmdbMatchIterator mi = rpmtsInitIterator(ts, RPMDBI_INSTFILENAMES, paths[i], 0);
            owned[i] = mi && rpmdbNextIterator(mi) != NULL;
            rpmdbFreeIterator(mi);
        }
    }
    rpmtsFree(ts);
    rpmPopMacro(NULL, "_dbpath");
    rpmlogSetCallback(old_cb, NULL);
    pthread_mutex_unlock(&rpm_lock);
    return rc;
}

int pkg_rpm_read(struct inv_scan *s, pkg_each_fn each, void *ctx, struct vg_error *err)
{
    static const char *const dbpaths[] = {"/var/lib/rpm", "/usr/lib/sysimage/rpm"};
    char dbpath[PATH_MAX] = "";
    for (size_t i = 0; i < sizeof(dbpaths) / sizeof(dbpaths[0]) && !dbpath[0]; i++) {
        static const char *const files[] = {"rpmdb.sqlite", "Packages", "Packages.db"};
        for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
            char abs[PATH_MAX], real[PATH_MAX];
            snprintf(abs, sizeof(abs), "%s/%s", dbpaths[i], files[f]);
            if (inv_path(s, abs, real, sizeof(real)) == 0 && access(real, R_OK) == 0 &&
                inv_path(s, dbpaths[i], dbpath, sizeof(dbpath)) == 0)
                break;
        }
    }
    if (!dbpath[0])
        return 0; /* no RPM database on this host */
    pthread_once(&rpm_once, rpm_init);
    if (rpm_config_rc)
        return vg_error_set(err, -EIO, "rpm: cannot read librpm's configuration");
    struct pkg_row *rows = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    pthread_mutex_lock(&rpm_lock);
    rpmlogCallback old_cb = rpmlogSetCallback(rpm_log, s);
    rpmPushMacro(NULL, "_dbpath", NULL, dbpath, RMIL_CMDLINE);
    rpmts ts = open_db(dbpath, err);
    if (!ts) {
        rc = -EIO;
        goto cleanup;
    }
    rpmdbMatchIterator mi = rpmtsInitIterator(ts, RPMDBI_PACKAGES, NULL, 0);
    Header h;
    while (mi && (h = rpmdbNextIterator(mi))) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 256;
            struct pkg_row *v = realloc(rows, nc * sizeof(*v));
            if (!v) {
                rc = vg_error_set(err, -ENOMEM, "rpm: out of memory");
                break;
            }
            rows = v;
            cap = nc;
        }
        struct pkg_row *r = &rows[n];
        memset(r, 0, sizeof(*r));
        const char *name = headerGetString(h, RPMTAG_NAME);
        const char *arch = headerGetString(h, RPMTAG_ARCH);
        char *evr = headerGetAsString(h, RPMTAG_EVR);
        str_copy(r->name, name ? name : "", sizeof(r->name));
        str_copy(r->arch, arch ? arch : "", sizeof(r->arch));
        str_copy(r->version, evr ? evr : "", sizeof(r->version));
        free(evr);
        source_name(headerGetString(h, RPMTAG_SOURCERPM), r->source, sizeof(r->source));
        r->install_time = (int64_t)headerGetNumber(h, RPMTAG_INSTALLTIME) * 1000000000ll;
        r->size = (int64_t)headerGetNumber(h, RPMTAG_LONGSIZE);
        n++;
    }
    rpmdbFreeIterator(mi);
cleanup:
    rpmtsFree(ts);
    rpmPopMacro(NULL, "_dbpath");
    rpmlogSetCallback(old_cb, NULL);
    pthread_mutex_unlock(&rpm_lock);
    if (!rc) {
        /* kernels and the like are installed in several versions: those carry their version in
         * their key, every other package is one row per name and architecture */
        qsort(rows, n, sizeof(*rows), by_name_arch);
        for (size_t i = 0; i < n; i++) {
            bool multi = (i > 0 && !by_name_arch(&rows[i], &rows[i - 1])) ||
                         (i + 1 < n && !by_name_arch(&rows[i], &rows[i + 1]));
            each(ctx, &rows[i], multi);
        }
    }
    free(rows);
    return rc;
}
