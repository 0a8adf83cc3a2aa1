/* fuzz_vulndb.c - vulnerability data is outside input: any bytes, read as JSON and then as OSV
 * advisories (first byte even) or the Debian Security Tracker's document (odd), must be read or
 * skipped without faults or leaks; every version and CVSS vector read goes through the version
 * orderings and the CVSS scoring as matching would use them. */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/vercmp.h"
#include "server/risk/vulndb.h"

static int sink(void *ctx, const struct vuln_advisory *adv, const struct vuln_affected *aff,
                size_t n, struct vg_error *err)
{
    (void)ctx;
    (void)err;
    volatile int sum = 0;
    if (adv->cvss_vector)
        sum += (int)vulndb_cvss3_score(adv->cvss_vector);
    for (size_t i = 0; i < n; i++) {
        const char *v[] = {aff[i].introduced, aff[i].fixed, aff[i].last_affected, aff[i].exact};
        for (size_t k = 0; k < 4; k++) {
            if (!v[k])
                continue;
            sum += vercmp_dpkg(v[k], "1:2.3-4+deb12u1") + vercmp_rpm(v[k], "2:1.0-3.el9");
            sum += vercmp_dpkg_valid(v[k]) + vercmp_rpm_segment(v[k], "1.0^git1~pre");
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    json_t *doc = json_loadb((const char *)data + 1, size - 1, JSON_ALLOW_NUL, NULL);
    if (!doc)
        return 0;
    struct vulndb_sink s = {.advisory = sink};
    struct vulndb_stats st = {0};
    struct vg_error err = {{0}};
    if (data[0] & 1)
        vulndb_read_debian(doc, &s, &st, &err);
    else
        vulndb_read_osv(doc, &s, &st, &err);
    json_decref(doc);
    return 0;
}
