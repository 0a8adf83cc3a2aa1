/* packages.h - what the package readers of the packages collector share: one package as read
 * from a database, and how it becomes a row. */
#ifndef VIGIL_INV_PACKAGES_H
#define VIGIL_INV_PACKAGES_H

#include "agent/inventory/inventory.h"
#include "common/util.h"

struct pkg_row {
    char name[256], version[256], arch[64], source[256], status[128];
    char source_version[256]; /* "" when the same as version */
    int64_t install_time; /* ns, 0 when unknown */
    int64_t size;         /* bytes, -1 when unknown */
};

/* Called for each package read; multi_version: the package is installed in several versions
 * (RPM kernels), so its version is part of its identity. */
typedef void (*pkg_each_fn)(void *ctx, const struct pkg_row *p, bool multi_version);

/* Every package of the dpkg database under the scan's root (col_packages.c); 0 when there is
 * none, -errno (err filled) when it cannot be read. */
int pkg_dpkg_read(struct inv_scan *s, pkg_each_fn each, void *ctx, struct vg_error *err);
/* Every package of the RPM database under the scan's root (pkg_rpm.c); 0 when there is none. */
int pkg_rpm_read(struct inv_scan *s, pkg_each_fn each, void *ctx, struct vg_error *err);
/* Which of the n host paths an installed package of the RPM database under root ("" or NULL:
 * /) lists as its file: owned[i] (for the risk module's set-id check). 0, -ENOENT when there
 * is no RPM database, -errno (err filled) when it cannot be read. */
int pkg_rpm_owned(const char *root, const char *const *paths, size_t n, bool *owned,
                  struct vg_error *err);

#endif
