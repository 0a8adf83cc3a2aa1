/* config.h - typed configuration from static option tables (name, type, default, offset,
 * description), so one table gives parsing, defaults and documentation. Files are YAML: nested
 * mappings become dotted names ("spool.max_bytes"), sequences of scalars become lists.
 *
 * A config struct's string and list members are heap-owned; config_free() releases them. */
#ifndef VIGIL_CONFIG_H
#define VIGIL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"

enum config_type {
    CFG_STR,      /* char * (heap) */
    CFG_INT,      /* int64_t */
    CFG_BOOL,     /* bool: true/false/yes/no/on/off/1/0 */
    CFG_SIZE,     /* uint64_t bytes: 512, 64k, 8M, 1G (powers of 1024) */
    CFG_DURATION, /* uint64_t ms: 250ms, 5s, 2m, 1h, plain number = ms */
    CFG_LIST,     /* struct config_list (heap) */
};

struct config_list {
    char **items;
    size_t count;
};

struct config_option {
    const char *name;
    enum config_type type;
    const char *def; /* default as text (NULL: empty string / empty list / 0) */
    size_t offset;   /* offsetof the member in the config struct */
    const char *description;
};

/* Set every option of the table to its default. */
int config_defaults(const struct config_option *opts, void *target);
/* Set one option from text (replacing a list). -ENOENT for an unknown name, -EINVAL for a bad
 * value; err names the option and the value. */
int config_set(const struct config_option *opts, void *target, const char *name,
               const char *value, struct vg_error *err);
/* Append to a CFG_LIST option. */
int config_append(const struct config_option *opts, void *target, const char *name,
                  const char *value, struct vg_error *err);
void config_free(const struct config_option *opts, void *target);

/* Visitor for every scalar of a YAML file: dotted name, value, whether it is a list item,
 * and the position for messages. Return 0 to continue, negative to stop with that error. */
typedef int (*config_visit_fn)(void *ctx, const char *name, const char *value, bool list_item,
                               unsigned line, unsigned column, struct vg_error *err);
/* Parse a YAML file and call visit for each scalar; errors name file:line:column. */
int config_parse_yaml_file(const char *path, config_visit_fn visit, void *ctx,
                           struct vg_error *err);
int config_parse_yaml_string(const char *text, size_t len, const char *name, config_visit_fn visit,
                             void *ctx, struct vg_error *err);
/* The same walk over another program's YAML (Elasticsearch's, MongoDB's configuration): keys may
 * hold dots ("network.host: x" and "network: {host: x}" give the same name), lists of mappings
 * are walked, aliases are skipped; only a syntax error stops it. */
int config_parse_yaml_foreign(const char *text, size_t len, const char *name,
                              config_visit_fn visit, void *ctx, struct vg_error *err);

/* Load a YAML file straight into one option table (unknown names are errors). */
int config_load_file(const char *path, const struct config_option *opts, void *target,
                     struct vg_error *err);

/* Markdown table documenting an option table, with prefix before each name. */
int config_markdown(const struct config_option *opts, const char *prefix, struct buf *out);

/* Parsers exposed for reuse and tests. */
int config_parse_size(const char *s, uint64_t *out);
int config_parse_duration(const char *s, uint64_t *ms);
int config_parse_bool(const char *s, bool *out);

#endif
