/* error.c - formatting of error messages for the project-wide error convention (error.h). */
#include "common/error.h"

#include <stdio.h>
#include <string.h>

int vg_error_set(struct vg_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return code;
}

int vg_error_prefix(struct vg_error *err, int code, const char *fmt, ...)
{
    if (err) {
        char prefix[256], old[sizeof(err->msg)];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(prefix, sizeof(prefix), fmt, ap);
        va_end(ap);
        memcpy(old, err->msg, sizeof(old));
        old[sizeof(old) - 1] = '\0';
        snprintf(err->msg, sizeof(err->msg), "%s%s", prefix,
                 old[0] ? old : strerror(code < 0 ? -code : code));
    }
    return code;
}

const char *vg_error_str(const struct vg_error *err, int code)
{
    if (err && err->msg[0])
        return err->msg;
    return strerror(code < 0 ? -code : code);
}
