/* cond.c - Sigma conditions: the parser (and, or, not, parentheses, `1 of` / `all of` a name,
 * a name pattern with wildcards, or `them`) into condition nodes, and their evaluation.
 * Precedence, highest first: not, and, or. Names beginning with "_" are not part of `them`.
 * Aggregations (`| count()`, `near`) are reported as unsupported: native thresholds and
 * sequences say the same things. */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"

#define COND_DEPTH_MAX 64

struct cparser {
    struct engine *eng;
    const char *s, *p;
    const char *const *names;
    const uint32_t *roots;
    size_t n;
    int depth;
    struct vg_error *err;
};

static void skip_space(struct cparser *cp)
{
    while (*cp->p && isspace((unsigned char)*cp->p))
        cp->p++;
}

/* The next word (a name, keyword, number or pattern) into out; its length, 0 when none. */
static size_t peek_word(struct cparser *cp, char *out, size_t outlen)
{
    skip_space(cp);
    size_t n = 0;
    const char *q = cp->p;
    while (q[n] && (isalnum((unsigned char)q[n]) || q[n] == '_' || q[n] == '*' || q[n] == '-' ||
                    q[n] == '.' || q[n] == '?'))
        n++;
    if (n >= outlen)
        return 0;
    memcpy(out, q, n);
    out[n] = '\0';
    return n;
}

static bool accept_word(struct cparser *cp, const char *kw)
{
    char w[64];
    size_t n = peek_word(cp, w, sizeof(w));
    if (n && strcasecmp(w, kw) == 0) {
        cp->p += n;
        return true;
    }
    return false;
}

static int64_t fail(struct cparser *cp, const char *what)
{
    return vg_error_set(cp->err, -EINVAL, "condition \"%s\": %s at offset %zu", cp->s, what,
                        (size_t)(cp->p - cp->s));
}

static int64_t parse_or(struct cparser *cp);

/* `1 of` / `all of` a pattern or `them`. */
static int64_t parse_of(struct cparser *cp, bool all)
{
    char pat[256];
    size_t n = peek_word(cp, pat, sizeof(pat));
    if (!n)
        return fail(cp, "a selection name or `them` expected after `of`");
    cp->p += n;
    bool them = strcasecmp(pat, "them") == 0;
    uint32_t *kids = calloc(cp->n ? cp->n : 1, sizeof(*kids));
    if (!kids)
        return -ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < cp->n; i++) {
        if (them ? cp->names[i][0] != '_' : fnmatch(pat, cp->names[i], 0) == 0)
            kids[k++] = cp->roots[i];
    }
    int64_t r;
    if (k == 0)
        r = vg_error_set(cp->err, -EINVAL, "condition \"%s\": `%s of %s` matches no selection",
                         cp->s, all ? "all" : "1", pat);
    else
        r = engine_add_node(cp->eng, all ? N_AND : N_OR, 0, kids, k);
    free(kids);
    return r;
}

static int64_t parse_primary(struct cparser *cp)
{
    skip_space(cp);
    if (*cp->p == '(') {
        cp->p++;
        if (++cp->depth > COND_DEPTH_MAX)
            return fail(cp, "parentheses nested too deep");
        int64_t r = parse_or(cp);
        cp->depth--;
        if (r < 0)
            return r;
        skip_space(cp);
        if (*cp->p != ')')
            return fail(cp, "`)` expected");
        cp->p++;
        return r;
    }
    if (*cp->p == '|')
        return fail(cp, "aggregation expressions (`| count() ...`) are not supported (use a "
                        "native rule with a threshold)");
    char w[256];
    size_t n = peek_word(cp, w, sizeof(w));
    if (!n)
        return fail(cp, *cp->p ? "unexpected character" : "unexpected end");
    if (strcmp(w, "1") == 0 || strcasecmp(w, "any") == 0 || strcasecmp(w, "all") == 0) {
        const char *save = cp->p;
        cp->p += n;
        if (accept_word(cp, "of"))
            return parse_of(cp, strcasecmp(w, "all") == 0);
        cp->p = save;
    } else if (isdigit((unsigned char)w[0])) {
        const char *save = cp->p;
        cp->p += n;
        if (accept_word(cp, "of"))
            return fail(cp, "`N of` with N other than 1 is not supported");
        cp->p = save;
    }
    if (strcasecmp(w, "near") == 0)
        return fail(cp, "`near` is not supported (use a native sequence rule)");
    for (size_t i = 0; i < cp->n; i++) {
        if (strcmp(cp->names[i], w) == 0) {
            cp->p += n;
            return cp->roots[i];
        }
    }
    if (strchr(w, '*'))
        return fail(cp, "a name pattern needs `1 of` or `all of` before it");
    return vg_error_set(cp->err, -EINVAL, "condition \"%s\": no selection named \"%s\"", cp->s, w);
}

static int64_t parse_not(struct cparser *cp)
{
    if (accept_word(cp, "not")) {
        if (++cp->depth > COND_DEPTH_MAX)
            return fail(cp, "too many `not`");
        int64_t k = parse_not(cp);
        cp->depth--;
        if (k < 0)
            return k;
        uint32_t kid = (uint32_t)k;
        return engine_add_node(cp->eng, N_NOT, 0, &kid, 1);
    }
    return parse_primary(cp);
}

/* A chain of `sub (kw sub)*` as one node of kind. */
static int64_t parse_chain(struct cparser *cp, const char *kw, uint8_t kind,
                           int64_t (*sub)(struct cparser *))
{
    uint32_t kids[64];
    size_t n = 0;
    for (;;) {
        int64_t k = sub(cp);
        if (k < 0)
            return k;
        if (n == sizeof(kids) / sizeof(kids[0]))
            return fail(cp, "too many terms");
        kids[n++] = (uint32_t)k;
        if (!accept_word(cp, kw))
            break;
    }
    return n == 1 ? (int64_t)kids[0] : engine_add_node(cp->eng, kind, 0, kids, n);
}

static int64_t parse_and(struct cparser *cp) { return parse_chain(cp, "and", N_AND, parse_not); }
static int64_t parse_or(struct cparser *cp) { return parse_chain(cp, "or", N_OR, parse_and); }

int64_t cond_parse(struct engine *eng, const char *cond, const char *const *names,
                   const uint32_t *roots, size_t n, struct vg_error *err)
{
    struct cparser cp = {eng, cond, cond, names, roots, n, 0, err};
    int64_t r = parse_or(&cp);
    if (r < 0)
        return r;
    skip_space(&cp);
    if (*cp.p == '|')
        return fail(&cp, "aggregation expressions (`| count() ...`) are not supported (use a "
                         "native rule with a threshold)");
    if (*cp.p)
        return fail(&cp, "unexpected text");
    return r;
}

bool cond_eval(struct engine *eng, uint32_t node)
{
    const struct cnode *c = &eng->nodes[node];
    switch (c->kind) {
    case N_PRED: return pred_eval(eng, c->pred);
    case N_TRUE: return true;
    case N_FALSE: return false;
    case N_NOT: return !cond_eval(eng, eng->kids[c->first]);
    case N_AND:
        for (uint32_t i = 0; i < c->n; i++)
            if (!cond_eval(eng, eng->kids[c->first + i]))
                return false;
        return true;
    case N_OR:
        for (uint32_t i = 0; i < c->n; i++)
            if (cond_eval(eng, eng->kids[c->first + i]))
                return true;
        return false;
    default: return false;
    }
}

/* Three-valued: 0 false, 1 true, 2 unknown; fast predicates are false, lazy ones unknown. */
static int tri(const struct engine *eng, uint32_t node)
{
    const struct cnode *c = &eng->nodes[node];
    int r;
    switch (c->kind) {
    case N_PRED: return eng->preds[c->pred].fast ? 0 : 2;
    case N_TRUE: return 1;
    case N_FALSE: return 0;
    case N_NOT:
        r = tri(eng, eng->kids[c->first]);
        return r == 2 ? 2 : !r;
    case N_AND: {
        int acc = 1;
        for (uint32_t i = 0; i < c->n; i++) {
            r = tri(eng, eng->kids[c->first + i]);
            if (r == 0)
                return 0;
            if (r == 2)
                acc = 2;
        }
        return acc;
    }
    case N_OR: {
        int acc = 0;
        for (uint32_t i = 0; i < c->n; i++) {
            r = tri(eng, eng->kids[c->first + i]);
            if (r == 1)
                return 1;
            if (r == 2)
                acc = 2;
        }
        return acc;
    }
    default: return 0;
    }
}

bool cond_may_be_true_without_fast(const struct engine *eng, uint32_t node)
{
    return tri(eng, node) != 0;
}
