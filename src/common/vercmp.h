/* vercmp.h - package version ordering as the package managers define it: dpkg's (epoch,
 * upstream version, Debian revision; '~' sorts before everything, even the end) and rpm's
 * (epoch, version, release; '~' sorts before, '^' after the end of a version). Used to decide
 * whether an installed package is older than the version that fixes a vulnerability. */
#ifndef VIGIL_VERCMP_H
#define VIGIL_VERCMP_H

#include <stdbool.h>

/* Compare two dpkg versions ("[epoch:]upstream[-revision]") as `dpkg --compare-versions`
 * does: <0, 0 or >0. Never fails: an ill-formed version is compared as dpkg compares it after
 * warning (a non-numeric epoch counts as part of the upstream version). */
int vercmp_dpkg(const char *a, const char *b);

/* Whether v is a well-formed dpkg version (Debian Policy 5.6.12: a numeric epoch, an upstream
 * version starting with a digit, only the allowed characters). */
bool vercmp_dpkg_valid(const char *v);

/* rpm's rpmvercmp(): compare two version (or release) strings segment by segment. <0, 0, >0. */
int vercmp_rpm_segment(const char *a, const char *b);

/* Compare two rpm EVRs ("[epoch:]version[-release]") as rpm orders packages (rpmverCmp): the
 * epoch (absent = 0), then the version, then the release (an EVR without one sorts before the
 * same version with one). <0, 0 or >0. */
int vercmp_rpm(const char *a, const char *b);

#endif
