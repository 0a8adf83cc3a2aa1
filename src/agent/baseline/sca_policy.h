/* sca_policy.h - an SCA policy file (Wazuh's Security Configuration Assessment format) loaded
 * into memory: policy metadata, variables, requirements and checks with their parsed rules.
 *
 * Loading is strict about the document's shape (a `policy` mapping with an id, a `checks`
 * list) and lenient about single checks: a check whose fields or rules cannot be parsed is kept
 * with `error` set, so the run reports it "not applicable" with that reason instead of losing
 * the whole policy; `parse_errors` counts them. Compliance, MITRE and references are kept as
 * JSON exactly as written. */
#ifndef VIGIL_SCA_POLICY_H
#define VIGIL_SCA_POLICY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "agent/baseline/sca_rule.h"
#include "common/error.h"

#define SCA_POLICY_MAX_BYTES (16u << 20)

enum sca_condition { SCA_COND_ALL, SCA_COND_ANY, SCA_COND_NONE };

struct sca_check {
    long long id;
    char *title;
    char *description, *rationale, *remediation, *impact; /* may be NULL */
    json_t *compliance, *mitre, *references;             /* may be NULL */
    enum sca_condition condition;
    struct sca_rule *rules;
    size_t nrules;
    char *rules_json;  /* the rules as written, a JSON array */
    char *error;       /* why this check cannot be evaluated (bad rule, missing field), or NULL */
};

struct sca_policy {
    char *path;            /* where it was loaded from */
    char sha256[65];       /* of the file's bytes */
    char *id, *name, *description, *file;
    json_t *references;
    enum sca_regex_kind regex; /* policy-wide regex_type */
    struct sca_vars vars;
    bool has_requirements;
    struct sca_check requirements;
    struct sca_check *checks;
    size_t nchecks;
    size_t parse_errors;   /* checks (and requirements) with error set */
};

/* Load a policy from a file / from memory (name for messages). -EINVAL etc. with err naming
 * the file and what is wrong when the document is not a policy at all. */
int sca_policy_load_file(const char *path, struct sca_policy **out, struct vg_error *err);
int sca_policy_load_string(const char *text, size_t len, const char *name,
                           struct sca_policy **out, struct vg_error *err);
void sca_policy_free(struct sca_policy *p);

const char *sca_condition_name(enum sca_condition c);

#endif
