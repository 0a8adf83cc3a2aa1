/* fuzz_sca_policy.c - fuzz target: the SCA policy loader (YAML document, policy shape, checks,
 * variables and every rule's parser). */
#include <stddef.h>
#include <stdint.h>

#include "agent/baseline/sca_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sca_policy *p = NULL;
    struct vg_error err;
    if (sca_policy_load_string((const char *)data, size, "fuzz.yml", &p, &err) == 0)
        sca_policy_free(p);
    return 0;
}
