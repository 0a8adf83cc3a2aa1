/* sigma.c - one SigmaHQ-format rule document into the engine: metadata, logsource to table and
 * actions through the field mapping (fieldmap.c), detection and condition (detection.c). A rule
 * the engine cannot honour is reported (rule id, construct, reason) and skipped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "engine/engine_internal.h"

int sigma_load_doc(struct engine *eng, yaml_document_t *doc, const char *file)
{
    size_t np = eng->npreds, nn = eng->nnodes, nk = eng->nkids, ns = eng->nsteps;
    struct vg_error err = {{0}};
    struct rule r = {.source = "sigma"};
    const char *id = yaml_map_scalar(doc, 1, "id", NULL);
    int ls, det;
    int rc = rule_meta(eng, doc, 1, &r, &err);
    if (rc == -ENOMEM)
        goto nomem;
    if (rc)
        goto reject;
    yaml_map_scalar(doc, 1, "logsource", &ls);
    const char *category = yaml_map_scalar(doc, ls, "category", NULL);
    const char *product = yaml_map_scalar(doc, ls, "product", NULL);
    const char *service = yaml_map_scalar(doc, ls, "service", NULL);
    const struct logsource_map *m = fieldmap_logsource(category, product, service);
    if (!m) {
        vg_error_set(&err, -EINVAL, "logsource category=%s product=%s service=%s: no mapping to "
                     "a Vigil table (see docs/rules.md)", category ? category : "-",
                     product ? product : "-", service ? service : "-");
        goto reject;
    }
    const struct table_def *t = schema_table_by_name(m->table);
    yaml_map_scalar(doc, 1, "detection", &det);
    if (!t) {
        /* check the detection anyway, so the reason given is the whole truth */
        if (det) {
            int64_t chk = detection_compile(eng, doc, det, NULL, 0, TBL_NONE, file, r.id, &err);
            engine_truncate(eng, np, nn, nk, ns);
            if (chk == -ENOMEM)
                goto nomem;
            if (chk < 0)
                goto reject;
        }
        vg_error_set(&err, -EINVAL, "logsource category=%s product=%s service=%s: needs table %s "
                     "(from the %s), which this build's schema does not have yet",
                     category ? category : "-", product ? product : "-", service ? service : "-",
                     m->table, m->needs);
        goto reject;
    }
    if (!det) {
        vg_error_set(&err, -EINVAL, "detection: missing");
        goto reject;
    }
    int64_t root = detection_compile(eng, doc, det, NULL, 0, (uint16_t)t->id, file, r.id, &err);
    if (root == -ENOMEM)
        goto nomem;
    if (root < 0)
        goto reject;
    r.file = strdup(file);
    r.first_step = (uint32_t)eng->nsteps;
    r.nsteps = 1;
    r.dedup_window_ns = eng->opt.dedup_window_ns;
    if (!r.file || engine_add_step(eng, (uint32_t)eng->nrules, (uint16_t)t->id, m->actions,
                                   (uint32_t)root) < 0 || engine_add_rule(eng, &r) < 0)
        goto nomem;
    return 1;
reject:
    engine_reject(eng, file, r.id ? r.id : id, &err, np, nn, nk, ns);
    rule_free_strings(&r);
    return 0;
nomem:
    engine_truncate(eng, np, nn, nk, ns);
    rule_free_strings(&r);
    return -ENOMEM;
}
