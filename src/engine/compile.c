/* compile.c - from loaded rules to the matching plan: per table, one bucket per action some step
 * names (plus one for the others), and in each bucket one vectorscan database per field holding
 * every fast predicate on that field (see engine_internal.h). A pattern vectorscan refuses (a
 * regular expression with back-references or look-around, ...) is demoted to a lazy predicate
 * evaluated with PCRE2, and the database is built again without it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"

/* A regex with a large bounded repeat (x{200,}) costs vectorscan work on every byte of every
 * value; evaluated lazily (PCRE2, only when the rest of its rule matched) it costs nothing. */
static bool large_repeat(const char *re)
{
    for (const char *q = re; (q = strchr(q, '{')); q++)
        if (atoi(q + 1) >= 32)
            return true;
    return false;
}

static bool can_be_fast(const struct pred *p)
{
    if (p->scope != SCOPE_EVENT || !p->field)
        return false;
    switch (p->op) {
    case OP_EQ: case OP_CONTAINS: case OP_STARTSWITH: case OP_ENDSWITH:
        return p->len > 0;
    case OP_GLOB:
        return true;
    case OP_RE:
        return !large_repeat(p->value);
    default:
        return false;
    }
}

/* Mark the predicates under node as belonging to step s. */
static void assign_step(struct engine *eng, uint32_t node, uint32_t s)
{
    const struct cnode *c = &eng->nodes[node];
    if (c->kind == N_PRED) {
        eng->preds[c->pred].step = s;
        return;
    }
    for (uint32_t i = 0; i < c->n; i++)
        assign_step(eng, eng->kids[c->first + i], s);
}

static bool step_in_bucket(const struct step *st, const char *action)
{
    if (!st->nactions)
        return true;
    for (int i = 0; i < st->nactions; i++)
        if (!strcmp(st->actions[i], action))
            return true;
    return false;
}

/* The vectorscan expression of a fast predicate into out. */
static int expression(const struct pred *p, struct buf *out, unsigned *flags)
{
    int rc = 0;
    *flags = HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
    if (!p->cased)
        *flags |= HS_FLAG_CASELESS;
    switch (p->op) {
    case OP_EQ: case OP_STARTSWITH:
        rc = buf_putc(out, '^');
        break;
    default:
        break;
    }
    if (p->op == OP_GLOB || p->op == OP_RE) {
        rc = rc ? rc : buf_append(out, p->value, p->len);
        if (p->op == OP_GLOB)
            *flags |= HS_FLAG_DOTALL;
        if (p->re_flags & 1u)
            *flags |= HS_FLAG_CASELESS;
        if (p->re_flags & 2u)
            *flags |= HS_FLAG_DOTALL;
        if (p->re_flags & 4u)
            *flags |= HS_FLAG_MULTILINE;
    } else {
        rc = rc ? rc : value_regex_literal(p->value, p->len, out);
        if (!rc && (p->op == OP_EQ || p->op == OP_ENDSWITH))
            rc = buf_putc(out, '$');
    }
    return rc ? rc : buf_terminate(out);
}

/* Build one database over preds[0..n) (indexes into eng->preds). Patterns vectorscan refuses are
 * demoted (fast = false, PCRE2 prepared) and removed from the list; *n is updated. */
static int build_db(struct engine *eng, uint32_t *preds, size_t *n, hs_database_t **db,
                    struct vg_error *err)
{
    int rc = 0;
    const char **exprs = calloc(*n, sizeof(*exprs));
    unsigned *flags = calloc(*n, sizeof(*flags)), *ids = calloc(*n, sizeof(*ids));
    struct buf *bufs = calloc(*n, sizeof(*bufs));
    if (!exprs || !flags || !ids || !bufs) {
        rc = -ENOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < *n; i++) {
        if ((rc = expression(&eng->preds[preds[i]], &bufs[i], &flags[i])))
            goto cleanup;
        ids[i] = (unsigned)i;
    }
    for (;;) {
        if (*n == 0) {
            *db = NULL;
            break;
        }
        for (size_t i = 0; i < *n; i++)
            exprs[i] = (const char *)bufs[i].data;
        hs_compile_error_t *ce = NULL;
        if (hs_compile_multi(exprs, flags, ids, (unsigned)*n, HS_MODE_BLOCK, NULL, db, &ce) ==
            HS_SUCCESS)
            break;
        int bad = ce ? ce->expression : -1;
        if (bad < 0 || (size_t)bad >= *n) {
            rc = vg_error_set(err, -EINVAL, "vectorscan: %s", ce ? ce->message : "compile failed");
            hs_free_compile_error(ce);
            goto cleanup;
        }
        hs_free_compile_error(ce);
        struct pred *p = &eng->preds[preds[bad]];
        p->fast = false;
        if (p->op == OP_EQ || p->op == OP_CONTAINS || p->op == OP_STARTSWITH || p->op == OP_ENDSWITH) {
            /* a literal never fails; defensive: evaluated on the slow path */
        } else if ((rc = pred_prepare(p, err))) {
            goto cleanup;
        }
        /* remove it, keeping pattern ids = positions */
        buf_free(&bufs[bad]);
        for (size_t i = (size_t)bad; i + 1 < *n; i++) {
            preds[i] = preds[i + 1];
            bufs[i] = bufs[i + 1];
            flags[i] = flags[i + 1];
        }
        memset(&bufs[*n - 1], 0, sizeof(bufs[0]));
        (*n)--;
    }
    if (*db && hs_alloc_scratch(*db, &eng->scratch) != HS_SUCCESS)
        rc = vg_error_set(err, -ENOMEM, "vectorscan: cannot allocate scratch space");
cleanup:
    if (bufs)
        for (size_t i = 0; i < *n; i++)
            buf_free(&bufs[i]);
    free(bufs);
    free(exprs);
    free(flags);
    free(ids);
    return rc;
}

/* Fill one bucket of table t: its databases and its always-evaluated steps. */
static int build_bucket(struct engine *eng, uint16_t t, struct action_bucket *b, struct vg_error *err)
{
    int rc = 0;
    uint32_t *list = malloc((eng->npreds ? eng->npreds : 1) * sizeof(*list));
    if (!list)
        return -ENOMEM;
    for (uint16_t f = 1; f < FLD_MAX_ID && !rc; f++) {
        size_t n = 0;
        for (size_t i = 0; i < eng->npreds; i++) {
            const struct pred *p = &eng->preds[i];
            const struct step *st = &eng->steps[p->step];
            if (p->fast && p->field == f && st->table == t &&
                (b->action[0] ? step_in_bucket(st, b->action) : st->nactions == 0))
                list[n++] = (uint32_t)i;
        }
        if (!n)
            continue;
        hs_database_t *db = NULL;
        if ((rc = build_db(eng, list, &n, &db, err)))
            break;
        if (!db)
            continue;
        struct field_db *nd = realloc(b->dbs, (b->ndbs + 1) * sizeof(*nd));
        uint32_t *pr = malloc(n * sizeof(*pr));
        if (!nd || !pr) {
            if (nd)
                b->dbs = nd;
            free(pr);
            hs_free_database(db);
            rc = -ENOMEM;
            break;
        }
        memcpy(pr, list, n * sizeof(*pr));
        b->dbs = nd;
        b->dbs[b->ndbs++] = (struct field_db){f, db, pr, n};
    }
    free(list);
    return rc;
}

/* Steps that must be evaluated for every event of the bucket (after demotions are known). */
static int bucket_always(struct engine *eng, uint16_t t, struct action_bucket *b)
{
    for (size_t s = 0; s < eng->nsteps; s++) {
        const struct step *st = &eng->steps[s];
        if (st->table != t || !st->always)
            continue;
        if (!(b->action[0] ? step_in_bucket(st, b->action) : st->nactions == 0))
            continue;
        uint32_t *na = realloc(b->always, (b->nalways + 1) * sizeof(*na));
        if (!na)
            return -ENOMEM;
        b->always = na;
        b->always[b->nalways++] = (uint32_t)s;
    }
    return 0;
}

int compile_plans(struct engine *eng, struct vg_error *err)
{
    int rc = 0;
    for (size_t s = 0; s < eng->nsteps; s++)
        assign_step(eng, eng->steps[s].root, (uint32_t)s);
    for (size_t i = 0; i < eng->npreds; i++) {
        struct pred *p = &eng->preds[i];
        p->fast = can_be_fast(p);
        if (!p->fast && (rc = pred_prepare(p, err)))
            return rc;
    }
    for (uint16_t t = 1; t < TBL_MAX_ID && !rc; t++) {
        struct table_plan *plan = &eng->plans[t];
        bool used = false;
        for (size_t s = 0; s < eng->nsteps; s++)
            used |= eng->steps[s].table == t;
        if (!used)
            continue;
        /* the buckets: "" first, then each action named by a step */
        plan->buckets = calloc(1, sizeof(*plan->buckets));
        if (!plan->buckets)
            return -ENOMEM;
        plan->nbuckets = 1;
        for (size_t s = 0; s < eng->nsteps; s++) {
            const struct step *st = &eng->steps[s];
            if (st->table != t)
                continue;
            for (int a = 0; a < st->nactions; a++) {
                bool have = false;
                for (size_t b = 1; b < plan->nbuckets; b++)
                    have |= !strcmp(plan->buckets[b].action, st->actions[a]);
                if (have)
                    continue;
                struct action_bucket *nb = realloc(plan->buckets, (plan->nbuckets + 1) * sizeof(*nb));
                if (!nb)
                    return -ENOMEM;
                plan->buckets = nb;
                memset(&nb[plan->nbuckets], 0, sizeof(*nb));
                memcpy(nb[plan->nbuckets].action, st->actions[a], sizeof(nb[0].action));
                plan->nbuckets++;
            }
        }
        for (size_t b = 0; b < plan->nbuckets && !rc; b++)
            rc = build_bucket(eng, t, &plan->buckets[b], err);
    }
    if (rc)
        return rc;
    /* demotions are final now: find the steps that can be true without a fast match */
    for (size_t s = 0; s < eng->nsteps; s++)
        eng->steps[s].always = cond_may_be_true_without_fast(eng, eng->steps[s].root);
    for (uint16_t t = 1; t < TBL_MAX_ID && !rc; t++)
        for (size_t b = 0; b < eng->plans[t].nbuckets && !rc; b++)
            rc = bucket_always(eng, t, &eng->plans[t].buckets[b]);
    return rc;
}

void compile_free(struct engine *eng)
{
    for (size_t t = 0; t < TBL_MAX_ID; t++) {
        struct table_plan *plan = &eng->plans[t];
        for (size_t b = 0; b < plan->nbuckets; b++) {
            struct action_bucket *bk = &plan->buckets[b];
            for (size_t i = 0; i < bk->ndbs; i++) {
                hs_free_database(bk->dbs[i].db);
                free(bk->dbs[i].preds);
            }
            free(bk->dbs);
            free(bk->always);
        }
        free(plan->buckets);
        memset(plan, 0, sizeof(*plan));
    }
    hs_free_scratch(eng->scratch);
    eng->scratch = NULL;
    free(eng->pred_gen);
    free(eng->lazy_gen);
    free(eng->lazy_val);
    free(eng->step_gen);
    free(eng->cand);
    eng->pred_gen = eng->lazy_gen = eng->step_gen = eng->cand = NULL;
    eng->lazy_val = NULL;
}
