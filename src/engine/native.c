/* native.c - one native rule document (docs/rules.md) into the engine: Sigma's detection
 * language over schema field names plus what Sigma cannot say: conditions on ancestors
 * (ancestor.* fields), allow-lists, thresholds (N events or N distinct values within T grouped by
 * fields), sequences (steps within T by the same field values), first-seen values per host, and
 * the dedup window and key. Severity and ATT&CK technique are required on every native rule. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/config.h"
#include "engine/engine_internal.h"

struct nctx {
    struct engine *eng;
    yaml_document_t *doc;
    struct vg_error *err;
};

/* A duration ("10s", "5m") under key in map node; 0 when absent. -EINVAL (err) when bad. */
static int duration(struct nctx *n, int map, const char *key, const char *where, uint64_t *ns)
{
    int node;
    const char *v = yaml_map_scalar(n->doc, map, key, &node);
    *ns = 0;
    if (!node)
        return 0;
    uint64_t ms;
    if (!v || config_parse_duration(v, &ms) || ms == 0 || ms > 30ull * 86400 * 1000)
        return vg_error_set(n->err, -EINVAL, "%s.%s: a duration such as 30s, 5m or 1h expected "
                            "(at most 30 days)", where, key);
    *ns = ms * 1000000ull;
    return 0;
}

/* A list of schema field names (or one) under key into out[]. */
static int field_list(struct nctx *n, int map, const char *key, const char *where, uint16_t table,
                      uint16_t *out, uint8_t *count)
{
    int node;
    yaml_map_scalar(n->doc, map, key, &node);
    *count = 0;
    if (!node)
        return 0;
    yaml_node_t *l = yaml_document_get_node(n->doc, node);
    yaml_node_item_t one = node, *start = &one, *top = &one + 1;
    if (l->type == YAML_SEQUENCE_NODE) {
        start = l->data.sequence.items.start;
        top = l->data.sequence.items.top;
    }
    for (yaml_node_item_t *i = start; i < top; i++) {
        yaml_node_t *s = yaml_document_get_node(n->doc, *i);
        if (!s || s->type != YAML_SCALAR_NODE)
            return vg_error_set(n->err, -EINVAL, "%s.%s: a list of field names expected", where, key);
        const char *name = (const char *)s->data.scalar.value;
        uint16_t f = fieldmap_field(name, table);
        if (!f)
            return vg_error_set(n->err, -EINVAL, "%s.%s: no field named \"%.60s\" in the schema",
                                where, key, name);
        if (*count == RULE_BY_MAX)
            return vg_error_set(n->err, -E2BIG, "%s.%s: at most %d fields", where, key, RULE_BY_MAX);
        out[(*count)++] = f;
    }
    return 0;
}

/* The actions of a step: a scalar (comma separated) or a list, into out. */
static int actions(struct nctx *n, int map, const char *where, char *out, size_t outlen)
{
    int node;
    const char *v = yaml_map_scalar(n->doc, map, "action", &node);
    out[0] = '\0';
    if (!node)
        return 0;
    if (v) {
        snprintf(out, outlen, "%s", v);
        return 0;
    }
    yaml_node_t *l = yaml_document_get_node(n->doc, node);
    if (l->type != YAML_SEQUENCE_NODE)
        return vg_error_set(n->err, -EINVAL, "%s.action: an action or a list expected", where);
    size_t len = 0;
    for (yaml_node_item_t *i = l->data.sequence.items.start; i < l->data.sequence.items.top; i++) {
        yaml_node_t *s = yaml_document_get_node(n->doc, *i);
        if (!s || s->type != YAML_SCALAR_NODE)
            return vg_error_set(n->err, -EINVAL, "%s.action: a list of actions expected", where);
        int k = snprintf(out + len, outlen - len, "%s%s", len ? "," : "", s->data.scalar.value);
        if (k < 0 || (size_t)k >= outlen - len)
            return vg_error_set(n->err, -E2BIG, "%s.action: too many actions", where);
        len += (size_t)k;
    }
    return 0;
}

static int table_of(struct nctx *n, int map, const char *where, uint16_t *table)
{
    const char *name = yaml_map_scalar(n->doc, map, "table", NULL);
    if (!name)
        return vg_error_set(n->err, -EINVAL, "%s.table: missing", where);
    const struct table_def *t = schema_table_by_name(name);
    if (!t)
        return vg_error_set(n->err, -EINVAL, "%s.table: no table \"%.60s\" in this build's "
                            "schema (yet)", where, name);
    *table = (uint16_t)t->id;
    return 0;
}

int native_load_doc(struct engine *eng, yaml_document_t *doc, const char *file)
{
    size_t np = eng->npreds, nn = eng->nnodes, nk = eng->nkids, ns = eng->nsteps;
    struct vg_error err = {{0}};
    struct nctx n = {eng, doc, &err};
    struct rule r = {.source = "native"};
    const char *id = yaml_map_scalar(doc, 1, "id", NULL);
    char acts[STEP_ACTIONS_MAX * 32];
    int det, allow, seq, thr, dd, tmp;
    uint16_t table = 0;
    int rc = rule_meta(eng, doc, 1, &r, &err);
    if (rc)
        goto fail;
    if (!yaml_map_scalar(doc, 1, "severity", NULL) && !yaml_map_scalar(doc, 1, "level", NULL)) {
        rc = vg_error_set(&err, -EINVAL, "severity: missing (every native rule has one)");
        goto fail;
    }
    if (!r.technique) {
        rc = vg_error_set(&err, -EINVAL, "attack.technique: missing (every native rule names "
                          "its ATT&CK technique)");
        goto fail;
    }
    yaml_map_scalar(doc, 1, "detection", &det);
    yaml_map_scalar(doc, 1, "allow", &allow);
    yaml_map_scalar(doc, 1, "sequence", &seq);
    yaml_map_scalar(doc, 1, "threshold", &thr);
    if (!det) {
        rc = vg_error_set(&err, -EINVAL, "detection: missing");
        goto fail;
    }
    r.first_step = (uint32_t)eng->nsteps;
    uint32_t ri = (uint32_t)eng->nrules;
    if (seq) {
        yaml_node_t *steps_node;
        int steps;
        yaml_map_scalar(doc, seq, "steps", &steps);
        steps_node = yaml_document_get_node(doc, steps);
        if (!steps_node || steps_node->type != YAML_SEQUENCE_NODE ||
            steps_node->data.sequence.items.top - steps_node->data.sequence.items.start < 2) {
            rc = vg_error_set(&err, -EINVAL, "sequence.steps: a list of at least two steps expected");
            goto fail;
        }
        if ((rc = duration(&n, seq, "within", "sequence", &r.window_ns)))
            goto fail;
        if (!r.window_ns) {
            rc = vg_error_set(&err, -EINVAL, "sequence.within: missing");
            goto fail;
        }
        int k = 0;
        for (yaml_node_item_t *i = steps_node->data.sequence.items.start;
             i < steps_node->data.sequence.items.top; i++, k++) {
            char where[32];
            snprintf(where, sizeof(where), "sequence.steps[%d]", k);
            const char *cond = yaml_map_scalar(doc, *i, "condition", NULL);
            if (!cond) {
                rc = vg_error_set(&err, -EINVAL, "%s.condition: missing", where);
                goto fail;
            }
            if ((rc = table_of(&n, *i, where, &table)) || (rc = actions(&n, *i, where, acts, sizeof(acts))))
                goto fail;
            int64_t root = detection_compile(eng, doc, det, cond, allow, table, file, r.id, &err);
            if (root < 0 || (root = engine_add_step(eng, ri, table, acts, (uint32_t)root)) < 0) {
                rc = (int)root;
                goto fail;
            }
            r.nsteps++;
        }
        if ((rc = field_list(&n, seq, "by", "sequence", table, r.by, &r.nby)))
            goto fail;
        if (!r.nby) {
            rc = vg_error_set(&err, -EINVAL, "sequence.by: missing (the fields that tie the steps "
                              "together, e.g. parent_entity_id or user)");
            goto fail;
        }
    } else {
        if ((rc = table_of(&n, 1, "rule", &table)) || (rc = actions(&n, 1, "rule", acts, sizeof(acts))))
            goto fail;
        int64_t root = detection_compile(eng, doc, det, NULL, allow, table, file, r.id, &err);
        if (root < 0 || (root = engine_add_step(eng, ri, table, acts, (uint32_t)root)) < 0) {
            rc = (int)root;
            goto fail;
        }
        r.nsteps = 1;
    }
    if (thr) {
        const char *cnt = yaml_map_scalar(doc, thr, "count", NULL);
        long c = cnt ? strtol(cnt, NULL, 10) : 0;
        if (c < 2 || c > 100000) {
            rc = vg_error_set(&err, -EINVAL, "threshold.count: a number from 2 to 100000 expected");
            goto fail;
        }
        r.threshold = (uint32_t)c;
        uint8_t nd;
        if ((rc = duration(&n, thr, "within", "threshold", &r.window_ns)) ||
            (rc = field_list(&n, thr, "by", "threshold", table, r.by, &r.nby)) ||
            (rc = field_list(&n, thr, "distinct", "threshold", table, &r.threshold_distinct, &nd)))
            goto fail;
        if (!r.window_ns) {
            rc = vg_error_set(&err, -EINVAL, "threshold.within: missing");
            goto fail;
        }
    }
    yaml_map_scalar(doc, 1, "first_seen", &tmp);
    if (tmp && (rc = field_list(&n, 1, "first_seen", "rule", table, r.first_seen, &r.nfirst_seen)))
        goto fail;
    r.dedup_window_ns = eng->opt.dedup_window_ns;
    yaml_map_scalar(doc, 1, "dedup", &dd);
    if (dd) {
        uint64_t w;
        if ((rc = duration(&n, dd, "within", "dedup", &w)) ||
            (rc = field_list(&n, dd, "by", "dedup", table, r.dedup_by, &r.ndedup_by)))
            goto fail;
        if (w)
            r.dedup_window_ns = w;
    }
    r.file = strdup(file);
    if (!r.file || engine_add_rule(eng, &r) < 0) {
        rc = -ENOMEM;
        goto fail;
    }
    return 1;
fail:
    if (rc == -ENOMEM) {
        engine_truncate(eng, np, nn, nk, ns);
        rule_free_strings(&r);
        return -ENOMEM;
    }
    engine_reject(eng, file, r.id ? r.id : id, &err, np, nn, nk, ns);
    rule_free_strings(&r);
    return 0;
}
