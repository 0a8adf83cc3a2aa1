/* fuzz_inv_servers.c - fuzz target: server configurations (nginx, Apache, INI option files,
 * key/value files, and other programs' YAML as the lenient walk reads it). */
#include <stdint.h>

#include "agent/inventory/parsers.h"
#include "common/config.h"
#include "fuzz_inv_common.h"

static void ngx(void *ctx, const struct nginx_directive *d)
{
    (void)ctx;
    fuzz_touch(d->name);
    fuzz_touch(d->parent);
    for (int i = 0; i < d->nargs; i++)
        fuzz_touch(d->args[i]);
}

static void apache(void *ctx, const char *n, const char *a, unsigned line)
{
    (void)ctx;
    (void)line;
    fuzz_touch(n);
    fuzz_touch(a);
}

static void ini(void *ctx, const char *s, const char *k, const char *v)
{
    (void)ctx;
    fuzz_touch(s);
    fuzz_touch(k);
    fuzz_touch(v);
}

static void kv(void *ctx, const char *k, const char *v, unsigned line)
{
    (void)ctx;
    (void)line;
    fuzz_touch(k);
    fuzz_touch(v);
}

static int yaml(void *ctx, const char *name, const char *value, bool list_item, unsigned line,
                unsigned column, struct vg_error *err)
{
    (void)ctx, (void)list_item, (void)line, (void)column, (void)err;
    fuzz_touch(name);
    fuzz_touch(value);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vg_error err;
    const char *t = (const char *)data;
    parse_nginx_conf(t, size, ngx, NULL);
    parse_apache_conf(t, size, apache, NULL);
    parse_ini(t, size, ini, NULL);
    parse_kv_conf(t, size, true, kv, NULL);
    parse_kv_conf(t, size, false, kv, NULL);
    config_parse_yaml_foreign(t, size, "fuzz.yml", yaml, NULL, &err);
    return 0;
}
