/* file_path.h - paths as the file sensor sees them: lexical normalisation of a path a process
 * gave ("/tmp/../etc/x" -> "/etc/x") and the user-space twin of the kernel's prefix filter, for
 * the paths the kernel could not judge (a ".." component) and for fanotify. Pure functions. */
#ifndef VIGIL_FILE_PATH_H
#define VIGIL_FILE_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "common/config.h"

/* Normalise the absolute path in (len bytes, any bytes) into out (NUL-terminated): repeated
 * slashes collapsed, "." removed, ".." removes the previous component (never above "/").
 * Returns the length, or -ENAMETOOLONG / -EINVAL (not absolute). */
int fpath_normalize(const char *in, size_t len, char *out, size_t outlen);

/* Whether path is under one of prefixes (a prefix "/etc" covers "/etc/x", not "/etcx"; '*'
 * matches one component, as in "/home/x/.ssh"). */
bool fpath_under(const struct config_list *prefixes, const char *path);
/* Whether path is one of files ('*' matches one component). */
bool fpath_is(const struct config_list *files, const char *path);

#endif
