/* sca_yaml.c - YAML to JSON with libyaml's document loader (sca_yaml.h). */
#include "agent/baseline/sca_yaml.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct conv {
    yaml_document_t *doc;
    const char *name;
    size_t produced;
    struct vg_error *err;
};

/* A plain scalar that is a whole decimal integer (YAML 1.1 would also read octal and sexagesimal
 * forms; policies only use decimal ids). */
static bool plain_integer(const char *s, size_t n, json_int_t *out)
{
    if (n == 0 || n > 18)
        return false;
    size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (i == n)
        return false;
    for (size_t k = i; k < n; k++)
        if (s[k] < '0' || s[k] > '9')
            return false;
    if (n - i > 1 && s[i] == '0')
        return false;
    *out = strtoll(s, NULL, 10);
    return true;
}

static int convert(struct conv *c, yaml_node_t *node, int depth, json_t **out)
{
    *out = NULL;
    if (!node)
        return vg_error_set(c->err, -EINVAL, "%s: dangling node", c->name);
    if (depth > SCA_YAML_MAX_DEPTH)
        return vg_error_set(c->err, -E2BIG, "%s:%zu: nested deeper than %d levels", c->name,
                            (size_t)node->start_mark.line + 1, SCA_YAML_MAX_DEPTH);
    if (++c->produced > SCA_YAML_MAX_NODES)
        return vg_error_set(c->err, -E2BIG, "%s: more than %d nodes (aliases expanded)", c->name,
                            SCA_YAML_MAX_NODES);
    switch (node->type) {
    case YAML_SCALAR_NODE: {
        const char *s = (const char *)node->data.scalar.value;
        size_t n = node->data.scalar.length;
        json_int_t iv;
        if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
            if (n == 0 || (n == 1 && s[0] == '~') || (n == 4 && !memcmp(s, "null", 4))) {
                *out = json_null();
                return 0;
            }
            if (plain_integer(s, n, &iv)) {
                *out = json_integer(iv);
                return *out ? 0 : -ENOMEM;
            }
        }
        *out = json_stringn_nocheck(s, n);
        return *out ? 0 : vg_error_set(c->err, -ENOMEM, "out of memory");
    }
    case YAML_SEQUENCE_NODE: {
        json_t *arr = json_array();
        if (!arr)
            return -ENOMEM;
        for (yaml_node_item_t *it = node->data.sequence.items.start;
             it < node->data.sequence.items.top; it++) {
            json_t *v;
            int rc = convert(c, yaml_document_get_node(c->doc, *it), depth + 1, &v);
            if (rc || json_array_append_new(arr, v)) {
                json_decref(arr);
                return rc ? rc : -ENOMEM;
            }
        }
        *out = arr;
        return 0;
    }
    case YAML_MAPPING_NODE: {
        json_t *obj = json_object();
        if (!obj)
            return -ENOMEM;
        for (yaml_node_pair_t *pr = node->data.mapping.pairs.start;
             pr < node->data.mapping.pairs.top; pr++) {
            yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
            if (!k || k->type != YAML_SCALAR_NODE) {
                json_decref(obj);
                return vg_error_set(c->err, -EINVAL, "%s:%zu: a mapping key must be a scalar",
                                    c->name, k ? (size_t)k->start_mark.line + 1 : 0);
            }
            char *key = strndup((const char *)k->data.scalar.value, k->data.scalar.length);
            if (!key || strlen(key) != k->data.scalar.length) {
                free(key);
                json_decref(obj);
                return vg_error_set(c->err, -EINVAL, "%s:%zu: a key holds a NUL byte", c->name,
                                    (size_t)k->start_mark.line + 1);
            }
            if (json_object_get(obj, key)) {
                int rc = vg_error_set(c->err, -EINVAL, "%s:%zu: duplicate key \"%s\"", c->name,
                                      (size_t)k->start_mark.line + 1, key);
                free(key);
                json_decref(obj);
                return rc;
            }
            json_t *v;
            int rc = convert(c, yaml_document_get_node(c->doc, pr->value), depth + 1, &v);
            if (rc || json_object_set_new_nocheck(obj, key, v)) {
                free(key);
                json_decref(obj);
                return rc ? rc : -ENOMEM;
            }
            free(key);
        }
        *out = obj;
        return 0;
    }
    default:
        return vg_error_set(c->err, -EINVAL, "%s: empty node", c->name);
    }
}

int sca_yaml_parse(const char *text, size_t len, const char *name, json_t **out,
                   struct vg_error *err)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = 0;
    bool have_doc = false;
    *out = NULL;
    if (!yaml_parser_initialize(&parser))
        return vg_error_set(err, -ENOMEM, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = vg_error_set(err, -EINVAL, "%s:%zu:%zu: %s%s%s", name,
                          (size_t)parser.problem_mark.line + 1,
                          (size_t)parser.problem_mark.column + 1,
                          parser.problem ? parser.problem : "YAML error",
                          parser.context ? " " : "", parser.context ? parser.context : "");
        goto cleanup;
    }
    have_doc = true;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        rc = vg_error_set(err, -ENODATA, "%s: empty document", name);
        goto cleanup;
    }
    struct conv c = {.doc = &doc, .name = name, .err = err};
    rc = convert(&c, root, 0, out);
cleanup:
    if (have_doc)
        yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}
