/* config.c - option tables and the YAML reader behind them (config.h). */
#include "common/config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "common/util.h"

#define CONFIG_MAX_DEPTH 16

int config_parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-')
        return -EINVAL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -EINVAL;
    uint64_t mul = 1;
    if (*end) {
        switch (*end | 0x20) {
        case 'k': mul = 1ull << 10; break;
        case 'm': mul = 1ull << 20; break;
        case 'g': mul = 1ull << 30; break;
        case 't': mul = 1ull << 40; break;
        case 'b': mul = 1; break;
        default: return -EINVAL;
        }
        end++;
        if ((*end | 0x20) == 'i')
            end++;
        if ((*end | 0x20) == 'b')
            end++;
        if (*end)
            return -EINVAL;
    }
    if (v > UINT64_MAX / mul)
        return -ERANGE;
    *out = v * mul;
    return 0;
}

int config_parse_duration(const char *s, uint64_t *ms)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-')
        return -EINVAL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -EINVAL;
    uint64_t mul;
    if (!*end || !strcmp(end, "ms"))
        mul = 1;
    else if (!strcmp(end, "s"))
        mul = 1000;
    else if (!strcmp(end, "m"))
        mul = 60000;
    else if (!strcmp(end, "h"))
        mul = 3600000;
    else if (!strcmp(end, "d"))
        mul = 86400000;
    else
        return -EINVAL;
    if (v > UINT64_MAX / mul)
        return -ERANGE;
    *ms = v * mul;
    return 0;
}

int config_parse_bool(const char *s, bool *out)
{
    static const char *yes[] = {"true", "yes", "on", "1"}, *no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(s, yes[i])) {
            *out = true;
            return 0;
        }
        if (!strcasecmp(s, no[i])) {
            *out = false;
            return 0;
        }
    }
    return -EINVAL;
}

static const struct config_option *find_option(const struct config_option *opts, const char *name)
{
    for (; opts->name; opts++)
        if (!strcmp(opts->name, name))
            return opts;
    return NULL;
}

static void list_clear(struct config_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

static int list_push(struct config_list *l, const char *v)
{
    char **items = realloc(l->items, (l->count + 1) * sizeof(*items));
    if (!items)
        return -ENOMEM;
    l->items = items;
    if (!(l->items[l->count] = strdup(v)))
        return -ENOMEM;
    l->count++;
    return 0;
}

static int set_value(const struct config_option *o, void *target, const char *value, bool append,
                     struct vg_error *err)
{
    char *p = (char *)target + o->offset;
    int rc = 0;
    switch (o->type) {
    case CFG_STR: {
        char *dup = strdup(value);
        if (!dup)
            return -ENOMEM;
        free(*(char **)p);
        *(char **)p = dup;
        return 0;
    }
    case CFG_INT: {
        char *end;
        errno = 0;
        long long v = strtoll(value, &end, 0);
        if (errno || end == value || *end)
            return vg_error_set(err, -EINVAL, "option %s: \"%s\" is not an integer", o->name,
                                value);
        *(int64_t *)p = v;
        return 0;
    }
    case CFG_BOOL:
        if (config_parse_bool(value, (bool *)p))
            return vg_error_set(err, -EINVAL, "option %s: \"%s\" is not true or false", o->name,
                                value);
        return 0;
    case CFG_SIZE:
        if (config_parse_size(value, (uint64_t *)p))
            return vg_error_set(err, -EINVAL,
                                "option %s: \"%s\" is not a size (examples: 4096, 64k, 8M, 1G)",
                                o->name, value);
        return 0;
    case CFG_DURATION:
        if (config_parse_duration(value, (uint64_t *)p))
            return vg_error_set(err, -EINVAL,
                                "option %s: \"%s\" is not a duration (examples: 250ms, 5s, 2m)",
                                o->name, value);
        return 0;
    case CFG_LIST: {
        struct config_list *l = (struct config_list *)p;
        if (!append)
            list_clear(l);
        if (!append && !*value)
            return 0;
        if (append || !strchr(value, ','))
            return list_push(l, value);
        /* "a,b,c" given on a command line */
        char *copy = strdup(value), *save = NULL;
        if (!copy)
            return -ENOMEM;
        for (char *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save))
            rc = list_push(l, tok);
        free(copy);
        return rc;
    }
    }
    return -EINVAL;
}

int config_set(const struct config_option *opts, void *target, const char *name,
               const char *value, struct vg_error *err)
{
    const struct config_option *o = find_option(opts, name);
    if (!o)
        return vg_error_set(err, -ENOENT, "unknown option %s", name);
    return set_value(o, target, value, false, err);
}

int config_append(const struct config_option *opts, void *target, const char *name,
                  const char *value, struct vg_error *err)
{
    const struct config_option *o = find_option(opts, name);
    if (!o)
        return vg_error_set(err, -ENOENT, "unknown option %s", name);
    if (o->type != CFG_LIST)
        return vg_error_set(err, -EINVAL, "option %s takes one value, not a list", name);
    return set_value(o, target, value, true, err);
}

int config_defaults(const struct config_option *opts, void *target)
{
    for (const struct config_option *o = opts; o->name; o++) {
        char *p = (char *)target + o->offset;
        if (o->type == CFG_STR)
            *(char **)p = NULL;
        else if (o->type == CFG_LIST)
            memset(p, 0, sizeof(struct config_list));
        int rc = set_value(o, target, o->def ? o->def : (o->type == CFG_STR || o->type == CFG_LIST) ? "" : "0", false, NULL);
        if (rc)
            return rc;
    }
    return 0;
}

void config_free(const struct config_option *opts, void *target)
{
    for (const struct config_option *o = opts; o->name; o++) {
        char *p = (char *)target + o->offset;
        if (o->type == CFG_STR) {
            free(*(char **)p);
            *(char **)p = NULL;
        } else if (o->type == CFG_LIST) {
            list_clear((struct config_list *)p);
        }
    }
}

struct yaml_walk {
    char *keys[CONFIG_MAX_DEPTH];
    bool in_seq[CONFIG_MAX_DEPTH]; /* the container at this depth is a sequence */
    bool expect_key[CONFIG_MAX_DEPTH];
    int depth;
};

/* lenient: another program's file (an application's configuration), not ours: keys may hold
 * dots, lists of mappings are walked (their keys named without the list), aliases and a bare
 * top-level scalar are skipped instead of refused. */
static int yaml_walk(yaml_parser_t *parser, const char *name, bool lenient, config_visit_fn visit,
                     void *ctx, struct vg_error *err)
{
    struct yaml_walk w;
    memset(&w, 0, sizeof(w));
    int rc = 0;
    bool done = false;
    while (!done && !rc) {
        yaml_event_t ev;
        if (!yaml_parser_parse(parser, &ev)) {
            rc = vg_error_set(err, -EINVAL, "%s:%zu:%zu: YAML syntax error: %s", name,
                              parser->problem_mark.line + 1, parser->problem_mark.column + 1,
                              parser->problem ? parser->problem : "unknown");
            break;
        }
        unsigned line = (unsigned)ev.start_mark.line + 1, col = (unsigned)ev.start_mark.column + 1;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT:
            if (!lenient && w.depth > 0 && w.in_seq[w.depth] &&
                ev.type == YAML_MAPPING_START_EVENT) {
                rc = vg_error_set(err, -EINVAL, "%s:%u:%u: lists of mappings are not allowed here",
                                  name, line, col);
                break;
            }
            if (w.depth + 1 >= CONFIG_MAX_DEPTH) {
                rc = vg_error_set(err, -EINVAL, "%s:%u:%u: nested too deeply", name, line, col);
                break;
            }
            w.depth++;
            w.in_seq[w.depth] = ev.type == YAML_SEQUENCE_START_EVENT;
            w.expect_key[w.depth] = !w.in_seq[w.depth];
            w.keys[w.depth] = NULL;
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            free(w.keys[w.depth]);
            w.keys[w.depth] = NULL;
            w.depth--;
            if (w.depth > 0 && !w.in_seq[w.depth])
                w.expect_key[w.depth] = true;
            break;
        case YAML_SCALAR_EVENT: {
            const char *val = (const char *)ev.data.scalar.value;
            if (w.depth == 0) {
                if (*val && !lenient)
                    rc = vg_error_set(err, -EINVAL, "%s:%u:%u: expected a mapping at the top",
                                      name, line, col);
                break;
            }
            if (!w.in_seq[w.depth] && w.expect_key[w.depth]) {
                if (!*val || (!lenient && strchr(val, '.'))) {
                    rc = vg_error_set(err, -EINVAL, "%s:%u:%u: bad key \"%s\"", name, line, col,
                                      val);
                    break;
                }
                free(w.keys[w.depth]);
                w.keys[w.depth] = strdup(val);
                if (!w.keys[w.depth])
                    rc = -ENOMEM;
                /* the value that follows may be a scalar or a nested container */
                w.expect_key[w.depth] = false; /* a scalar or a nested container follows */
                break;
            }
            char full[512];
            bool list_item = w.in_seq[w.depth];
            /* name: keys of all mapping levels; for a list item, the key that owns the list */
            size_t len = 0;
            full[0] = '\0';
            for (int i = 1; i <= w.depth; i++) {
                if (w.in_seq[i] || !w.keys[i])
                    continue;
                int n = snprintf(full + len, sizeof(full) - len, "%s%s", len ? "." : "", w.keys[i]);
                if (n < 0 || (size_t)n >= sizeof(full) - len)
                    break;
                len += (size_t)n;
            }
            rc = visit(ctx, full, val, list_item, line, col, err);
            if (rc)
                vg_error_prefix(err, rc, "%s:%u:%u: ", name, line, col);
            if (!w.in_seq[w.depth])
                w.expect_key[w.depth] = true;
            break;
        }
        case YAML_ALIAS_EVENT:
            if (!lenient)
                rc = vg_error_set(err, -EINVAL, "%s:%u:%u: YAML aliases are not supported", name,
                                  line, col);
            else if (w.depth > 0 && !w.in_seq[w.depth])
                w.expect_key[w.depth] = true; /* the aliased value is skipped */
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    for (int i = 0; i < CONFIG_MAX_DEPTH; i++)
        free(w.keys[i]);
    return rc;
}

static int parse_yaml_string(const char *text, size_t len, const char *name, bool lenient,
                             config_visit_fn visit, void *ctx, struct vg_error *err)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return vg_error_set(err, -ENOMEM, "%s: cannot initialise the YAML parser", name);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int rc = yaml_walk(&parser, name, lenient, visit, ctx, err);
    yaml_parser_delete(&parser);
    return rc;
}

int config_parse_yaml_string(const char *text, size_t len, const char *name, config_visit_fn visit,
                             void *ctx, struct vg_error *err)
{
    return parse_yaml_string(text, len, name, false, visit, ctx, err);
}

int config_parse_yaml_foreign(const char *text, size_t len, const char *name,
                              config_visit_fn visit, void *ctx, struct vg_error *err)
{
    return parse_yaml_string(text, len, name, true, visit, ctx, err);
}

int config_parse_yaml_file(const char *path, config_visit_fn visit, void *ctx,
                           struct vg_error *err)
{
    struct buf b = {0};
    int rc = file_read_all(path, &b, 16u << 20);
    if (rc) {
        buf_free(&b);
        return vg_error_set(err, rc, "%s: %s", path, strerror(-rc));
    }
    rc = config_parse_yaml_string((const char *)b.data, b.len, path, visit, ctx, err);
    buf_free(&b);
    return rc;
}

struct load_ctx {
    const struct config_option *opts;
    void *target;
    char last_list[256];
};

static int load_visit(void *vctx, const char *name, const char *value, bool list_item,
                      unsigned line, unsigned column, struct vg_error *err)
{
    struct load_ctx *c = vctx;
    if (!list_item)
        return config_set(c->opts, c->target, name, value, err);
    if (strcmp(c->last_list, name) != 0) {
        str_copy(c->last_list, name, sizeof(c->last_list));
        int rc = config_set(c->opts, c->target, name, "", err);
        if (rc)
            return rc;
    }
    return config_append(c->opts, c->target, name, value, err);
}

int config_load_file(const char *path, const struct config_option *opts, void *target,
                     struct vg_error *err)
{
    struct load_ctx c = {.opts = opts, .target = target};
    return config_parse_yaml_file(path, load_visit, &c, err);
}

int config_markdown(const struct config_option *opts, const char *prefix, struct buf *out)
{
    static const char *types[] = {"string", "integer", "boolean", "size", "duration", "list"};
    int rc = buf_append_str(out, "| option | type | default | meaning |\n|---|---|---|---|\n");
    for (const struct config_option *o = opts; o->name && !rc; o++)
        rc = buf_printf(out, "| `%s%s` | %s | %s | %s |\n", prefix ? prefix : "", o->name,
                        types[o->type], o->def && *o->def ? o->def : "(none)", o->description);
    return rc;
}
