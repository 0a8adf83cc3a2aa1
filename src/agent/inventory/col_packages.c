/* col_packages.c - the packages collector (package_changes): every package of the dpkg
 * database (/var/lib/dpkg/status, as dpkg-query -W lists them, with the time its file list was
 * last written as the install time) and of the RPM database (pkg_rpm.c). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/inventory/inv_text.h"
#include "agent/inventory/packages.h"
#include "agent/inventory/parsers.h"

#define DPKG_STATUS_MAX (256u << 20)

/* A row of package_changes. */
static void pkg_emit(struct inv_scan *s, const char *manager, const struct pkg_row *p,
                     bool multi_version)
{
    struct event *ev = multi_version
                           ? inv_row(s, TBL_PACKAGE_CHANGES, "%s\t%s\t%s\t%s", manager, p->name,
                                     p->arch, p->version)
                           : inv_row(s, TBL_PACKAGE_CHANGES, "%s\t%s\t%s", manager, p->name,
                                     p->arch);
    inv_str(ev, FLD_PACKAGE_MANAGER, manager);
    inv_str(ev, FLD_PACKAGE_NAME, p->name);
    inv_str(ev, FLD_VERSION, p->version);
    inv_str(ev, FLD_ARCH, p->arch);
    inv_str(ev, FLD_SOURCE_PACKAGE, p->source[0] ? p->source : p->name);
    if (p->source_version[0] && strcmp(p->source_version, p->version))
        inv_str(ev, FLD_SOURCE_VERSION, p->source_version);
    if (p->status[0])
        inv_str(ev, FLD_PACKAGE_STATUS, p->status);
    if (p->install_time)
        inv_int(ev, FLD_INSTALL_TIME, p->install_time);
    if (p->size >= 0)
        inv_int(ev, FLD_SIZE_BYTES, p->size);
}

struct dpkg_ctx {
    struct inv_scan *s;
    pkg_each_fn each;
    void *ctx;
};

static void add_dpkg(void *ctx, const struct dpkg_package *d)
{
    struct dpkg_ctx *c = ctx;
    struct inv_scan *s = c->s;
    struct pkg_row r;
    memset(&r, 0, sizeof(r));
    str_copy(r.name, d->name, sizeof(r.name));
    str_copy(r.version, d->version, sizeof(r.version));
    str_copy(r.arch, d->arch, sizeof(r.arch));
    str_copy(r.status, d->status, sizeof(r.status));
    /* "Source: name (version)" when the source version differs */
    size_t sl = strcspn(d->source, " ");
    inv_copy(r.source, sizeof(r.source), d->source, sl);
    const char *open = strchr(d->source + sl, '('), *close = open ? strchr(open, ')') : NULL;
    if (open && close && close > open + 1)
        inv_copy(r.source_version, sizeof(r.source_version), open + 1, (size_t)(close - open - 1));
    unsigned long long kib;
    r.size = inv_parse_u64(d->installed_size, strlen(d->installed_size), &kib) ? (int64_t)kib * 1024
                                                                                : -1;
    /* the file list is written when the package is unpacked: its mtime is the install time */
    char abs[PATH_MAX], real[PATH_MAX];
    struct stat st;
    for (int k = 0; k < 2 && !r.install_time; k++) {
        if (k == 0)
            snprintf(abs, sizeof(abs), "/var/lib/dpkg/info/%s:%s.list", d->name, d->arch);
        else
            snprintf(abs, sizeof(abs), "/var/lib/dpkg/info/%s.list", d->name);
        if (inv_path(s, abs, real, sizeof(real)) == 0 && stat(real, &st) == 0)
            r.install_time = (int64_t)st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec;
    }
    c->each(c->ctx, &r, false);
}

int pkg_dpkg_read(struct inv_scan *s, pkg_each_fn each, void *ctx, struct vg_error *err)
{
    struct buf b = {0};
    int rc = inv_read(s, "/var/lib/dpkg/status", &b, DPKG_STATUS_MAX, NULL);
    if (rc == 0) {
        struct dpkg_ctx c = {s, each, ctx};
        parse_dpkg_status((const char *)b.data, b.len, add_dpkg, &c);
    } else if (rc == -ENOENT) {
        rc = 0; /* not a Debian system */
    } else {
        rc = vg_error_set(err, rc, "/var/lib/dpkg/status: %s", strerror(-rc));
    }
    buf_free(&b);
    return rc;
}

static void emit_dpkg(void *ctx, const struct pkg_row *p, bool multi)
{
    pkg_emit(ctx, "dpkg", p, multi);
}

static void emit_rpm(void *ctx, const struct pkg_row *p, bool multi)
{
    pkg_emit(ctx, "rpm", p, multi);
}

static int packages_collect(struct inv_scan *s, struct vg_error *err)
{
    int rc = pkg_dpkg_read(s, emit_dpkg, s, err);
    return rc ? rc : pkg_rpm_read(s, emit_rpm, s, err);
}

static const enum table_id packages_tables[] = {TBL_PACKAGE_CHANGES, TBL_NONE};

const struct inv_collector inv_collector_packages = {
    .name = "packages",
    .tables = packages_tables,
    .collect = packages_collect,
};
