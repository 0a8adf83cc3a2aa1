/* sca_policy.c - loading SCA policy documents (sca_policy.h). */
#include "agent/baseline/sca_policy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/baseline/sca_yaml.h"
#include "common/buf.h"
#include "common/util.h"

#define SCA_MAX_CHECKS 20000
#define SCA_MAX_RULES 1000

const char *sca_condition_name(enum sca_condition c)
{
    return c == SCA_COND_ANY ? "any" : c == SCA_COND_NONE ? "none" : "all";
}

static void check_free(struct sca_check *c)
{
    free(c->title);
    free(c->description);
    free(c->rationale);
    free(c->remediation);
    free(c->impact);
    json_decref(c->compliance);
    json_decref(c->mitre);
    json_decref(c->references);
    for (size_t i = 0; i < c->nrules; i++)
        sca_rule_free(&c->rules[i]);
    free(c->rules);
    free(c->rules_json);
    free(c->error);
    memset(c, 0, sizeof(*c));
}

void sca_policy_free(struct sca_policy *p)
{
    if (!p)
        return;
    free(p->path);
    free(p->id);
    free(p->name);
    free(p->description);
    free(p->file);
    json_decref(p->references);
    for (size_t i = 0; i < p->vars.n; i++) {
        free(p->vars.v[i].name);
        free(p->vars.v[i].value);
    }
    free(p->vars.v);
    check_free(&p->requirements);
    for (size_t i = 0; i < p->nchecks; i++)
        check_free(&p->checks[i]);
    free(p->checks);
    free(p);
}

/* A string member (a scalar of any type, as text), or NULL when absent or not a scalar. */
static char *member_text(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_string(v))
        return strndup(json_string_value(v), json_string_length(v));
    if (json_is_integer(v)) {
        char tmp[32];
        snprintf(tmp, sizeof(tmp), "%lld", (long long)json_integer_value(v));
        return strdup(tmp);
    }
    return NULL;
}

/* Record why c cannot be evaluated (the first reason wins). */
static void set_error(struct sca_check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_error(struct sca_check *c, const char *fmt, ...)
{
    if (c->error)
        return;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c->error = strdup(msg);
}

static enum sca_regex_kind regex_kind(json_t *obj, enum sca_regex_kind def)
{
    const char *t = json_string_value(json_object_get(obj, "regex_type"));
    if (!t)
        return def;
    return !strcmp(t, "pcre2") ? SCA_RE_PCRE2 : SCA_RE_OSREGEX;
}

/* Fill c from the mapping obj (a check, or the requirements). */
static int load_check(struct sca_policy *p, json_t *obj, struct sca_check *c, bool requirements)
{
    int rc = 0;
    if (!json_is_object(obj)) {
        set_error(c, "the check is not a mapping");
        p->parse_errors++;
        return c->error ? 0 : -ENOMEM;
    }
    json_t *id = json_object_get(obj, "id");
    if (!requirements) {
        if (json_is_integer(id))
            c->id = (long long)json_integer_value(id);
        else if (json_is_string(id) && sscanf(json_string_value(id), "%lld", &c->id) == 1)
            ;
        else
            set_error(c, "the check has no numeric id");
    }
    c->title = member_text(obj, "title");
    if (!c->title)
        c->title = member_text(obj, "name"); /* newer policies say name */
    if (!c->title) {
        c->title = strdup(requirements ? "Requirements" : "(untitled)");
        set_error(c, "the check has no title");
    }
    c->description = member_text(obj, "description");
    c->rationale = member_text(obj, "rationale");
    c->remediation = member_text(obj, "remediation");
    c->impact = member_text(obj, "impact");
    c->compliance = json_incref(json_object_get(obj, "compliance"));
    c->mitre = json_incref(json_object_get(obj, "mitre"));
    c->references = json_incref(json_object_get(obj, "references"));
    const char *cond = json_string_value(json_object_get(obj, "condition"));
    if (!cond)
        set_error(c, "the check has no condition");
    else if (!strcmp(cond, "all") || !strcmp(cond, "all required"))
        c->condition = SCA_COND_ALL;
    else if (!strcmp(cond, "any") || !strcmp(cond, "any required"))
        c->condition = SCA_COND_ANY;
    else if (!strcmp(cond, "none"))
        c->condition = SCA_COND_NONE;
    else
        set_error(c, "condition \"%s\" is not all, any or none", cond);
    json_t *rules = json_object_get(obj, "rules");
    c->rules_json = json_dumps(rules ? rules : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
    if (!json_is_array(rules) || json_array_size(rules) == 0) {
        set_error(c, "the check has no rules");
        goto out;
    }
    if (json_array_size(rules) > SCA_MAX_RULES) {
        set_error(c, "the check has more than 1000 rules");
        goto out;
    }
    c->rules = calloc(json_array_size(rules), sizeof(*c->rules));
    if (!c->rules)
        return -ENOMEM;
    enum sca_regex_kind kind = regex_kind(obj, p->regex);
    for (size_t i = 0; i < json_array_size(rules); i++) {
        json_t *r = json_array_get(rules, i);
        if (!json_is_string(r)) {
            set_error(c, "rule %zu is not a string", i + 1);
            goto out;
        }
        struct vg_error rerr = {{0}};
        rc = sca_rule_parse(json_string_value(r), &p->vars, kind, &c->rules[c->nrules], &rerr);
        if (rc == -ENOMEM)
            return rc;
        if (rc) {
            set_error(c, "rule %zu cannot be parsed: %s", i + 1, rerr.msg);
            rc = 0;
            goto out;
        }
        c->nrules++;
    }
out:
    if (c->error)
        p->parse_errors++;
    return (!c->title || !c->rules_json) ? -ENOMEM : 0;
}

static int load_vars(struct sca_policy *p, json_t *vars, const char *name, struct vg_error *err)
{
    if (!vars || json_is_null(vars))
        return 0;
    if (!json_is_object(vars))
        return vg_error_set(err, -EINVAL, "%s: variables must be a mapping", name);
    p->vars.v = calloc(json_object_size(vars) + 1, sizeof(*p->vars.v));
    if (!p->vars.v)
        return vg_error_set(err, -ENOMEM, "out of memory");
    const char *key;
    json_t *v;
    json_object_foreach(vars, key, v) {
        if (key[0] != '$' || !key[1])
            return vg_error_set(err, -EINVAL, "%s: variable \"%s\" must start with $", name, key);
        char *value = NULL;
        if (json_is_string(v)) {
            value = strdup(json_string_value(v));
        } else if (json_is_array(v)) { /* a list is the comma-separated form */
            struct buf b = {0};
            for (size_t i = 0; i < json_array_size(v); i++) {
                const char *s = json_string_value(json_array_get(v, i));
                if (!s || (i && buf_putc(&b, ',')) || buf_append_str(&b, s)) {
                    buf_free(&b);
                    return vg_error_set(err, -EINVAL, "%s: variable %s: a list of strings is "
                                        "expected", name, key);
                }
            }
            if (buf_terminate(&b) == 0)
                value = (char *)buf_steal(&b, NULL);
        } else {
            return vg_error_set(err, -EINVAL, "%s: variable %s must be a string", name, key);
        }
        struct sca_var *sv = &p->vars.v[p->vars.n];
        sv->name = strdup(key);
        sv->value = value;
        if (!sv->name || !sv->value) {
            free(sv->name);
            free(sv->value);
            return vg_error_set(err, -ENOMEM, "out of memory");
        }
        p->vars.n++;
    }
    return 0;
}

int sca_policy_load_string(const char *text, size_t len, const char *name,
                           struct sca_policy **out, struct vg_error *err)
{
    json_t *doc = NULL;
    int rc = 0;
    *out = NULL;
    struct sca_policy *p = calloc(1, sizeof(*p));
    if (!p)
        return vg_error_set(err, -ENOMEM, "out of memory");
    sha256_hex(text, len, p->sha256);
    if (!(p->path = strdup(name))) {
        rc = vg_error_set(err, -ENOMEM, "out of memory");
        goto cleanup;
    }
    if ((rc = sca_yaml_parse(text, len, name, &doc, err)))
        goto cleanup;
    if (!json_is_object(doc)) {
        rc = vg_error_set(err, -EINVAL, "%s: the document is not a mapping", name);
        goto cleanup;
    }
    json_t *pol = json_object_get(doc, "policy");
    if (!json_is_object(pol)) {
        rc = vg_error_set(err, -EINVAL, "%s: no \"policy\" section", name);
        goto cleanup;
    }
    p->id = member_text(pol, "id");
    if (!p->id || !*p->id || strlen(p->id) > 128) {
        rc = vg_error_set(err, -EINVAL, "%s: policy.id is missing (or longer than 128)", name);
        goto cleanup;
    }
    p->name = member_text(pol, "name");
    if (!p->name && !(p->name = strdup(p->id))) {
        rc = vg_error_set(err, -ENOMEM, "out of memory");
        goto cleanup;
    }
    p->description = member_text(pol, "description");
    p->file = member_text(pol, "file");
    p->references = json_incref(json_object_get(pol, "references"));
    p->regex = regex_kind(pol, SCA_RE_OSREGEX);
    if ((rc = load_vars(p, json_object_get(doc, "variables"), name, err)))
        goto cleanup;
    json_t *req = json_object_get(doc, "requirements");
    if (req && !json_is_null(req)) {
        p->has_requirements = true;
        if ((rc = load_check(p, req, &p->requirements, true))) {
            rc = vg_error_set(err, rc, "%s: out of memory", name);
            goto cleanup;
        }
    }
    json_t *checks = json_object_get(doc, "checks");
    if (!json_is_array(checks)) {
        rc = vg_error_set(err, -EINVAL, "%s: no \"checks\" list", name);
        goto cleanup;
    }
    if (json_array_size(checks) > SCA_MAX_CHECKS) {
        rc = vg_error_set(err, -E2BIG, "%s: more than %d checks", name, SCA_MAX_CHECKS);
        goto cleanup;
    }
    p->checks = calloc(json_array_size(checks) + 1, sizeof(*p->checks));
    if (!p->checks) {
        rc = vg_error_set(err, -ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < json_array_size(checks); i++) {
        struct sca_check *c = &p->checks[p->nchecks++];
        if ((rc = load_check(p, json_array_get(checks, i), c, false))) {
            rc = vg_error_set(err, rc, "%s: out of memory", name);
            goto cleanup;
        }
        for (size_t k = 0; k + 1 < p->nchecks && !c->error; k++)
            if (p->checks[k].id == c->id && !p->checks[k].error) {
                set_error(c, "check id %lld is used twice in the policy", c->id);
                p->parse_errors++;
            }
    }
cleanup:
    json_decref(doc);
    if (rc)
        sca_policy_free(p);
    else
        *out = p;
    return rc;
}

int sca_policy_load_file(const char *path, struct sca_policy **out, struct vg_error *err)
{
    struct buf b = {0};
    int rc = file_read_all(path, &b, SCA_POLICY_MAX_BYTES);
    if (rc) {
        buf_free(&b);
        *out = NULL;
        return vg_error_set(err, rc, "%s: %s", path,
                            rc == -EFBIG ? "larger than 16 MiB" : strerror(-rc));
    }
    rc = sca_policy_load_string(b.data ? (const char *)b.data : "", b.len, path, out, err);
    buf_free(&b);
    return rc;
}
