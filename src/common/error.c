/* error.c - formatting of error messages for the project-wide error convention (error.h). */
#include "common/error.h"

#include <stdio.h>
#include <string.h>

/* Copy src into dst of n bytes, cut and NUL-terminated. */
static void str_copy_into(char *dst, const char *src, size_t n)
{
    size_t l = strlen(src);
    if (l >= n)
        l = n - 1;
    memcpy(dst, src, l);
    dst[l] = '\0';
}

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
        const char *rest = old[0] ? old : strerror(code < 0 ? -code : code);
        size_t plen = strlen(prefix);
        if (plen >= sizeof(err->msg))
            plen = sizeof(err->msg) - 1;
        memcpy(err->msg, prefix, plen);
        str_copy_into(err->msg + plen, rest, sizeof(err->msg) - plen);
    }
    return code;
}

const char *vg_error_str(const struct vg_error *err, int code)
{
    if (err && err->msg[0])
        return err->msg;
    return strerror(code < 0 ? -code : code);
}
