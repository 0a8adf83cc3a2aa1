/* fuzz_inv_common.h - callbacks that accept anything, shared by the inventory's fuzz targets:
 * they touch what the parsers hand over (so a bad pointer or length is caught by the
 * sanitizers) and keep nothing. */
#ifndef VIGIL_FUZZ_INV_COMMON_H
#define VIGIL_FUZZ_INV_COMMON_H

#include <stddef.h>
#include <string.h>

static volatile size_t fuzz_sink;

static inline void fuzz_touch(const char *s)
{
    if (s)
        fuzz_sink += strlen(s);
}

#endif
