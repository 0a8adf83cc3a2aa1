/* fuzz_inv_packages.c - fuzz target: the dpkg status database, RFC 822 header blocks (Python
 * METADATA, JAR manifests), Java properties and class paths, version strings and times. */
#include <stdint.h>
#include <stdlib.h>

#include "agent/inventory/parsers.h"
#include "fuzz_inv_common.h"

static void pkg(void *ctx, const struct dpkg_package *p)
{
    char v[128];
    (void)ctx;
    fuzz_touch(p->name);
    upstream_version(p->version, v, sizeof(v));
    fuzz_touch(v);
}

static void hdr(void *ctx, const char *n, const char *v)
{
    (void)ctx;
    fuzz_touch(n);
    fuzz_touch(v);
}

static void entry(void *ctx, const char *e)
{
    char n[128], v[64];
    (void)ctx;
    java_name_from_file(e, n, sizeof(n), v, sizeof(v));
    fuzz_touch(n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *t = (const char *)data;
    parse_dpkg_status(t, size, pkg, NULL);
    parse_header_block(t, size, false, hdr, NULL);
    parse_header_block(t, size, true, hdr, NULL);
    parse_properties(t, size, hdr, NULL);
    parse_java_args(t, size, "env.jar", entry, NULL);
    char *z = malloc(size + 1);
    if (z) {
        memcpy(z, data, size);
        z[size] = '\0';
        fuzz_sink += (size_t)parse_rfc3339_ns(z);
        free(z);
    }
    return 0;
}
