/* sca_yaml.h - a YAML document (libyaml) as a JSON value (jansson), for the policy loader.
 *
 * Mappings become objects (a duplicate key is an error), sequences arrays, plain scalars that
 * are integers become integers, `~`/`null`/empty plain scalars null, everything else strings.
 * Aliases are expanded, within a bound on the nodes produced, so a "billion laughs" document
 * is refused instead of exhausting memory. */
#ifndef VIGIL_SCA_YAML_H
#define VIGIL_SCA_YAML_H

#include <jansson.h>
#include <stddef.h>

#include "common/error.h"

#define SCA_YAML_MAX_NODES 2000000
#define SCA_YAML_MAX_DEPTH 64

/* Parse text (len bytes; name for messages) into *out (caller decrefs). -EINVAL with err
 * naming name:line:column for a syntax error, -E2BIG past the bounds. An empty document is
 * -ENODATA. */
int sca_yaml_parse(const char *text, size_t len, const char *name, json_t **out,
                   struct vg_error *err);

#endif
