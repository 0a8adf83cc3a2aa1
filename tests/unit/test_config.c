/* test_config.c - option tables and the YAML reader: values of every type, nesting, lists,
 * and errors that name file, line and column. */
#include <errno.h>
#include <stddef.h>

#include "common/config.h"
#include "test.h"

struct cfg {
    char *url;
    int64_t n;
    bool on;
    uint64_t size, ms;
    struct config_list paths;
};

static const struct config_option opts[] = {
    {"server.url", CFG_STR, "https://localhost:8443", offsetof(struct cfg, url), "server"},
    {"n", CFG_INT, "7", offsetof(struct cfg, n), "a number"},
    {"on", CFG_BOOL, "false", offsetof(struct cfg, on), "a switch"},
    {"spool.max", CFG_SIZE, "1G", offsetof(struct cfg, size), "a size"},
    {"interval", CFG_DURATION, "5s", offsetof(struct cfg, ms), "a duration"},
    {"paths", CFG_LIST, NULL, offsetof(struct cfg, paths), "a list"},
    {NULL, 0, NULL, 0, NULL},
};

struct load {
    struct cfg *c;
    char last[64];
};

static int visit(void *ctx, const char *name, const char *value, bool list_item, unsigned line,
                 unsigned col, struct vg_error *err)
{
    struct load *l = ctx;
    if (list_item) {
        if (strcmp(l->last, name)) {
            snprintf(l->last, sizeof(l->last), "%s", name);
            config_set(opts, l->c, name, "", err);
        }
        return config_append(opts, l->c, name, value, err);
    }
    return config_set(opts, l->c, name, value, err);
}

static void test_defaults(void)
{
    struct cfg c;
    CHECK_EQ_INT(config_defaults(opts, &c), 0);
    CHECK_EQ_STR(c.url, "https://localhost:8443");
    CHECK_EQ_INT(c.n, 7);
    CHECK(!c.on);
    CHECK(c.size == 1ull << 30);
    CHECK_EQ_INT(c.ms, 5000);
    CHECK_EQ_INT(c.paths.count, 0);
    config_free(opts, &c);
}

static void test_yaml(void)
{
    const char *y = "server:\n  url: https://vigil.example:9443\nn: 0x10\non: yes\n"
                    "spool:\n  max: 64M\ninterval: 250ms\npaths:\n  - /etc\n  - /root\n";
    struct cfg c;
    config_defaults(opts, &c);
    struct load l = {.c = &c};
    struct vg_error err = {{0}};
    int rc = config_parse_yaml_string(y, strlen(y), "t.yml", visit, &l, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_STR(c.url, "https://vigil.example:9443");
    CHECK_EQ_INT(c.n, 16);
    CHECK(c.on);
    CHECK(c.size == 64ull << 20);
    CHECK_EQ_INT(c.ms, 250);
    CHECK_EQ_INT(c.paths.count, 2);
    CHECK_EQ_STR(c.paths.items[1], "/root");
    config_free(opts, &c);
}

static void test_errors_name_position(void)
{
    struct cfg c;
    config_defaults(opts, &c);
    struct load l = {.c = &c};
    struct vg_error err = {{0}};
    const char *bad_value = "n: 1\non: maybe\n";
    CHECK_EQ_INT(config_parse_yaml_string(bad_value, strlen(bad_value), "a.yml", visit, &l, &err),
                 -EINVAL);
    CHECK(strstr(err.msg, "a.yml:2:") && strstr(err.msg, "maybe"));
    const char *unknown = "nope: 1\n";
    CHECK_EQ_INT(config_parse_yaml_string(unknown, strlen(unknown), "b.yml", visit, &l, &err),
                 -ENOENT);
    CHECK(strstr(err.msg, "b.yml:1:") && strstr(err.msg, "nope"));
    const char *syntax = "paths: [/a, /b\n";
    CHECK(config_parse_yaml_string(syntax, strlen(syntax), "c.yml", visit, &l, &err) == -EINVAL);
    CHECK(strstr(err.msg, "c.yml:2:") && strstr(err.msg, "syntax error"));
    const char *alias = "a: &x 1\nn: *x\n";
    CHECK(config_parse_yaml_string(alias, strlen(alias), "d.yml", visit, &l, &err) != 0);
    config_free(opts, &c);
}

static void test_units(void)
{
    uint64_t v;
    CHECK(config_parse_size("4096", &v) == 0 && v == 4096);
    CHECK(config_parse_size("64k", &v) == 0 && v == 65536);
    CHECK(config_parse_size("8MiB", &v) == 0 && v == 8u << 20);
    CHECK(config_parse_size("-1", &v) != 0);
    CHECK(config_parse_size("12x", &v) != 0);
    CHECK(config_parse_size("99999999999999999999", &v) != 0);
    CHECK(config_parse_size("20000000000G", &v) != 0);
    CHECK(config_parse_duration("2m", &v) == 0 && v == 120000);
    CHECK(config_parse_duration("1h", &v) == 0 && v == 3600000);
    CHECK(config_parse_duration("7d", &v) == 0 && v == 7ull * 86400000);
    CHECK(config_parse_duration("5 s", &v) != 0);
    bool b;
    CHECK(config_parse_bool("On", &b) == 0 && b);
    CHECK(config_parse_bool("0", &b) == 0 && !b);
}

TEST_MAIN(TEST(test_defaults), TEST(test_yaml), TEST(test_errors_name_position), TEST(test_units))
