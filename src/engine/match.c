/* match.c - matching one event: pick the table's bucket for the event's action, scan each field
 * that has a database once, collect the steps whose predicates matched (plus the bucket's
 * "always" steps), evaluate their conditions, and hand the rules that fire to state.c and
 * alert.c. Also the default ancestry provider (the event's `ancestry` JSON). */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"

int engine_compile(struct engine *eng, struct vg_error *err)
{
    if (eng->compiled)
        return 0;
    int rc = compile_plans(eng, err);
    if (rc)
        return rc;
    size_t np = eng->npreds ? eng->npreds : 1, ns = eng->nsteps ? eng->nsteps : 1;
    eng->pred_gen = calloc(np, sizeof(uint32_t));
    eng->lazy_gen = calloc(np, sizeof(uint32_t));
    eng->lazy_val = calloc(np, 1);
    eng->step_gen = calloc(ns, sizeof(uint32_t));
    eng->cand = calloc(ns, sizeof(uint32_t));
    if (!eng->pred_gen || !eng->lazy_gen || !eng->lazy_val || !eng->step_gen || !eng->cand)
        return vg_error_set(err, -ENOMEM, "engine: out of memory");
    eng->compiled = true;
    return 0;
}

struct scan_ctx {
    struct engine *eng;
    const struct field_db *db;
};

static void add_candidate(struct engine *eng, uint32_t s)
{
    if (eng->step_gen[s] != eng->gen) {
        eng->step_gen[s] = eng->gen;
        eng->cand[eng->ncand++] = s;
    }
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx)
{
    struct scan_ctx *sc = ctx;
    struct engine *eng = sc->eng;
    uint32_t p = sc->db->preds[id];
    eng->pred_gen[p] = eng->gen;
    add_candidate(eng, eng->preds[p].step);
    (void)from, (void)to, (void)flags;
    return 0;
}

static void next_generation(struct engine *eng)
{
    if (++eng->gen == 0) { /* wrapped: forget every stamp */
        memset(eng->pred_gen, 0, eng->npreds * sizeof(uint32_t));
        memset(eng->lazy_gen, 0, eng->npreds * sizeof(uint32_t));
        memset(eng->step_gen, 0, eng->nsteps * sizeof(uint32_t));
        eng->gen = 1;
    }
}

/* The default ancestry provider: the event's `ancestry` field, a JSON array, parent first. */
static int ancestry_from_event(struct engine *eng)
{
    json_decref((json_t *)eng->anc_json);
    eng->anc_json = NULL;
    const struct event_field *f = event_get(eng->ev, FLD_ANCESTRY);
    if (!f || f->type != FT_TEXT)
        return 0;
    json_t *a = json_loadb(event_field_str(eng->ev, f), f->len, 0, NULL);
    if (!json_is_array(a)) {
        json_decref(a);
        return 0;
    }
    eng->anc_json = a;
    int n = 0;
    size_t i;
    json_t *o;
    json_array_foreach(a, i, o) {
        if (n == ENGINE_ANCESTRY_MAX)
            break;
        if (!json_is_object(o))
            continue;
        struct engine_ancestor *x = &eng->anc[n++];
        memset(x, 0, sizeof(*x));
        x->entity_id = json_string_value(json_object_get(o, "entity_id"));
        x->exe = json_string_value(json_object_get(o, "exe"));
        x->cmdline = json_string_value(json_object_get(o, "cmdline"));
        x->comm = json_string_value(json_object_get(o, "comm"));
        x->user = json_string_value(json_object_get(o, "user"));
        json_t *v;
        x->pid = json_is_integer(v = json_object_get(o, "pid")) ? json_integer_value(v) : -1;
        x->uid = json_is_integer(v = json_object_get(o, "uid")) ? json_integer_value(v) : -1;
        x->euid = json_is_integer(v = json_object_get(o, "euid")) ? json_integer_value(v) : -1;
    }
    return n;
}

int engine_ancestors(struct engine *eng)
{
    if (eng->nanc >= 0)
        return eng->nanc;
    int n = 0;
    if (event_get(eng->ev, FLD_ANCESTRY) || !eng->ancestry)
        n = ancestry_from_event(eng);
    else
        n = eng->ancestry(eng->ancestry_ctx, eng->ev, eng->anc, ENGINE_ANCESTRY_MAX);
    eng->nanc = n < 0 ? 0 : n > ENGINE_ANCESTRY_MAX ? ENGINE_ANCESTRY_MAX : n;
    return eng->nanc;
}

int engine_match(struct engine *eng, const struct event *ev, uint64_t seq, engine_alert_fn alert_fn,
                 void *ctx)
{
    eng->events++;
    if (!eng->compiled || ev->table >= TBL_MAX_ID)
        return 0;
    const struct table_plan *plan = &eng->plans[ev->table];
    int alerts = 0;
    if (eng->ioc) {
        eng->ev = ev;
        eng->nanc = -1;
        alerts += ioc_match(eng, seq, alert_fn, ctx);
    }
    if (!plan->nbuckets) {
        eng->ev = NULL;
        return alerts;
    }
    const struct action_bucket *b = &plan->buckets[0];
    for (size_t i = 1; i < plan->nbuckets; i++)
        if (!strcmp(plan->buckets[i].action, ev->action)) {
            b = &plan->buckets[i];
            break;
        }
    next_generation(eng);
    eng->ev = ev;
    eng->nanc = -1;
    eng->ncand = 0;
    char tmp[32];
    for (size_t i = 0; i < b->ndbs; i++) {
        size_t len = 0;
        const char *v = engine_field_text(ev, b->dbs[i].field, tmp, sizeof(tmp), &len);
        if (!v)
            continue;
        struct scan_ctx sc = {eng, &b->dbs[i]};
        hs_scan(b->dbs[i].db, v, (unsigned)len, 0, eng->scratch, on_match, &sc);
    }
    for (size_t i = 0; i < b->nalways; i++)
        add_candidate(eng, b->always[i]);
    for (size_t i = 0; i < eng->ncand; i++) {
        const struct step *st = &eng->steps[eng->cand[i]];
        if (!cond_eval(eng, st->root))
            continue;
        struct rule *r = &eng->rules[st->rule];
        char *trig = NULL;
        if (state_on_match(eng, r, eng->cand[i] - r->first_step, seq, &trig)) {
            int rc = alert_emit(eng, r, trig, seq, alert_fn, ctx);
            if (rc > 0)
                alerts += rc;
        }
        free(trig);
    }
    json_decref((json_t *)eng->anc_json);
    eng->anc_json = NULL;
    eng->ev = NULL;
    return alerts;
}
