/* packages.h - what the package readers of the packages collector share: one package as read
 * from a database, and how it becomes a row. */
#ifndef VIGIL_INV_PACKAGES_H
#define VIGIL_INV_PACKAGES_H

#include "agent/inventory/inventory.h"
#include "common/util.h"

struct pkg_row {
    char name[256], version[256], arch[64], source[256], status[128];
    int64_t install_time; /* ns, 0 when unknown */
    int64_t size;         /* bytes, -1 when unknown */
};

/* A row of package_changes; multi_version: the key carries the version (a package installed
 * in several versions). */
void pkg_emit(struct inv_scan *s, const char *manager, const struct pkg_row *p, bool multi_version);
/* The RPM database under the scan's root (pkg_rpm.c); 0 when there is none. */
int pkg_rpm_collect(struct inv_scan *s, struct vg_error *err);

#endif
