/* fuzz_config.c - fuzz target: the YAML configuration reader. */
#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"

static int visit(void *ctx, const char *name, const char *value, bool list_item, unsigned line,
                 unsigned column, struct vg_error *err)
{
    uint64_t v;
    (void)ctx; (void)name; (void)list_item; (void)line; (void)column; (void)err;
    config_parse_size(value, &v);
    config_parse_duration(value, &v);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vg_error err;
    config_parse_yaml_string((const char *)data, size, "fuzz.yml", visit, NULL, &err);
    return 0;
}
