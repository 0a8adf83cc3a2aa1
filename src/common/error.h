/* error.h - the project-wide error convention.
 *
 * Functions return 0 (or a non-negative count) on success and a negative errno on failure.
 * Where the caller needs to know *what* was wrong and *where* (a parser, a config file, a request),
 * the function also takes a `struct vg_error *` (may be NULL) and fills it with one sentence that
 * names the input and the position. Library code never logs an error it returns: whoever decides
 * what to do with the failure logs it, once. */
#ifndef VIGIL_ERROR_H
#define VIGIL_ERROR_H

#include <stdarg.h>

struct vg_error {
    char msg[512];
};

/* Fill err (if not NULL) with a printf-style message; returns `code` (a negative errno) so that
 * callers can write `return vg_error_set(err, -EINVAL, "...")`. */
int vg_error_set(struct vg_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix an existing message with context ("config /etc/x.yml: "); returns code. */
int vg_error_prefix(struct vg_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Message of err, or strerror(-code) when err holds nothing. Never NULL. */
const char *vg_error_str(const struct vg_error *err, int code);

#endif
