/* pred.c - evaluating one predicate: the slow path every operator has (used for lazy predicates,
 * for ancestors and for predicates vectorscan refused), and reading an event's field as text.
 * Matching is case-insensitive unless the predicate is cased, as Sigma specifies. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/engine_internal.h"

const char *engine_field_text(const struct event *ev, uint16_t f, char *tmp, size_t tmplen,
                              size_t *len)
{
    const struct event_field *fl = event_get(ev, (enum field_id)f);
    if (!fl)
        return NULL;
    if (fl->type == FT_TEXT) {
        *len = fl->len;
        return event_field_str(ev, fl);
    }
    int n = snprintf(tmp, tmplen, "%" PRId64, fl->v.i);
    *len = n > 0 ? (size_t)n : 0;
    return tmp;
}

int pred_prepare(struct pred *p, struct vg_error *err)
{
    if ((p->op != OP_GLOB && p->op != OP_RE) || p->re)
        return 0;
    uint32_t opts = PCRE2_UTF | PCRE2_NO_UTF_CHECK | PCRE2_MATCH_INVALID_UTF;
    if (p->op == OP_GLOB)
        opts |= PCRE2_DOTALL;
    if (!p->cased)
        opts |= PCRE2_CASELESS;
    if (p->re_flags & 1u)  /* HS_FLAG_CASELESS */
        opts |= PCRE2_CASELESS;
    if (p->re_flags & 2u)  /* HS_FLAG_DOTALL */
        opts |= PCRE2_DOTALL;
    if (p->re_flags & 4u)  /* HS_FLAG_MULTILINE */
        opts |= PCRE2_MULTILINE;
    int code;
    PCRE2_SIZE off;
    p->re = pcre2_compile((PCRE2_SPTR)p->value, p->len, opts & ~PCRE2_NO_UTF_CHECK, &code, &off,
                          NULL);
    if (!p->re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof(msg));
        return vg_error_set(err, -EINVAL, "regular expression /%s/ at offset %zu: %s", p->value,
                            (size_t)off, (const char *)msg);
    }
    pcre2_jit_compile(p->re, PCRE2_JIT_COMPLETE); /* without JIT it still works, slower */
    return 0;
}

static bool re_match(const struct pred *p, const char *v, size_t len)
{
    if (!p->re)
        return false;
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    if (!md)
        return false;
    int rc = pcre2_match(p->re, (PCRE2_SPTR)v, len, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return rc >= 0;
}

static bool mem_equal(const char *a, const char *b, size_t n, bool cased)
{
    return cased ? memcmp(a, b, n) == 0 : strncasecmp(a, b, n) == 0 && !memchr(a, 0, n);
}

/* A plain byte-wise case-insensitive search; NUL bytes in v cannot occur (event text). */
static bool contains(const char *v, size_t vlen, const char *needle, size_t nlen, bool cased)
{
    if (nlen == 0)
        return true;
    for (size_t i = 0; i + nlen <= vlen; i++)
        if (mem_equal(v + i, needle, nlen, cased))
            return true;
    return false;
}

static bool cmp_text(uint8_t op, const char *v, size_t len, const char *lit, size_t llen, bool cased)
{
    switch (op) {
    case OP_EQ: return len == llen && mem_equal(v, lit, len, cased);
    case OP_CONTAINS: return contains(v, len, lit, llen, cased);
    case OP_STARTSWITH: return len >= llen && mem_equal(v, lit, llen, cased);
    case OP_ENDSWITH: return len >= llen && mem_equal(v + len - llen, lit, llen, cased);
    default: return false;
    }
}

static bool parse_num(const char *v, size_t len, int64_t *out)
{
    char tmp[32];
    if (len == 0 || len >= sizeof(tmp))
        return false;
    memcpy(tmp, v, len);
    tmp[len] = '\0';
    char *end;
    errno = 0;
    long long x = strtoll(tmp, &end, 0);
    if (errno || *end)
        return false;
    *out = x;
    return true;
}

bool pred_test_value(const struct pred *p, const char *v, size_t len)
{
    int64_t x;
    switch (p->op) {
    case OP_EXISTS: return (v != NULL) == (p->num != 0);
    case OP_NULL: return v == NULL || len == 0;
    case OP_FALSE: return false;
    default: break;
    }
    if (!v)
        return false;
    switch (p->op) {
    case OP_EQ: case OP_CONTAINS: case OP_STARTSWITH: case OP_ENDSWITH:
        return cmp_text(p->op, v, len, p->value, p->len, p->cased);
    case OP_GLOB: case OP_RE: return re_match(p, v, len);
    case OP_CIDR: {
        char tmp[64];
        if (len >= sizeof(tmp))
            return false;
        memcpy(tmp, v, len);
        tmp[len] = '\0';
        return value_in_cidr(p, tmp);
    }
    case OP_GT: return parse_num(v, len, &x) && x > p->num;
    case OP_GTE: return parse_num(v, len, &x) && x >= p->num;
    case OP_LT: return parse_num(v, len, &x) && x < p->num;
    case OP_LTE: return parse_num(v, len, &x) && x <= p->num;
    default: return false;
    }
}

/* The value of an ancestor's field as text. */
static const char *anc_value(const struct engine_ancestor *a, uint16_t f, char *tmp, size_t tmplen,
                             size_t *len)
{
    const char *s = NULL;
    int64_t n = 0;
    bool is_num = false;
    switch (f) {
    case ANC_EXE: s = a->exe; break;
    case ANC_CMDLINE: s = a->cmdline; break;
    case ANC_COMM: s = a->comm; break;
    case ANC_USER: s = a->user; break;
    case ANC_ENTITY_ID: s = a->entity_id; break;
    case ANC_UID: n = a->uid; is_num = n >= 0; break;
    case ANC_EUID: n = a->euid; is_num = n >= 0; break;
    default: break;
    }
    if (is_num) {
        int k = snprintf(tmp, tmplen, "%" PRId64, n);
        *len = k > 0 ? (size_t)k : 0;
        return tmp;
    }
    if (s)
        *len = strlen(s);
    return s;
}

static bool eval_now(struct engine *eng, const struct pred *p)
{
    char tmp[32], tmp2[32];
    size_t len = 0, len2 = 0;
    const struct event *ev = eng->ev;
    if (p->scope == SCOPE_ANCESTOR) {
        int n = engine_ancestors(eng);
        for (int i = 0; i < n; i++) {
            const char *v = anc_value(&eng->anc[i], p->field, tmp, sizeof(tmp), &len);
            if (pred_test_value(p, v, len))
                return true;
        }
        return false;
    }
    const char *v = engine_field_text(ev, p->field, tmp, sizeof(tmp), &len);
    if (p->op == OP_FIELDREF) {
        const char *w = engine_field_text(ev, p->ref_field, tmp2, sizeof(tmp2), &len2);
        return v && w && cmp_text(p->cmp_op, v, len, w, len2, p->cased);
    }
    return pred_test_value(p, v, len);
}

bool pred_eval(struct engine *eng, uint32_t i)
{
    struct pred *p = &eng->preds[i];
    if (p->fast)
        return eng->pred_gen[i] == eng->gen;
    if (eng->lazy_gen[i] != eng->gen) {
        eng->lazy_val[i] = eval_now(eng, p);
        eng->lazy_gen[i] = eng->gen;
    }
    return eng->lazy_val[i];
}

void pred_free(struct pred *p)
{
    if (!p)
        return;
    free(p->value);
    pcre2_code_free(p->re);
    memset(p, 0, sizeof(*p));
}
