/* sca_rule.c - parsing SCA rules and matching their content expressions (sca_rule.h). */
#include "agent/baseline/sca_rule.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"

#define SCA_RULE_MAX 8192  /* bytes of one rule */
#define SCA_EXPR_MAX_TERMS 64

static const char ARROW[] = " -> ";
static const char AND[] = " && ";

void sca_expr_free(struct sca_expr *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n; i++) {
        free(e->terms[i].text);
        sca_regex_free(&e->terms[i].re);
    }
    free(e->terms);
    free(e->text);
    free(e);
}

/* "REGEX compare OP NUMBER" of an n: term. */
static int parse_numeric(struct sca_term *t, const char *src, enum sca_regex_kind kind,
                         struct vg_error *err)
{
    const char *kw = strstr(src, " compare ");
    if (!kw)
        return vg_error_set(err, -EINVAL, "n:%s: missing \" compare OP NUMBER\"", src);
    t->text = strndup(src, (size_t)(kw - src));
    if (!t->text)
        return vg_error_set(err, -ENOMEM, "out of memory");
    const char *p = kw + 9;
    while (*p == ' ')
        p++;
    static const struct { const char *op; enum sca_cmp cmp; } ops[] = {
        {"<=", SCA_CMP_LE}, {">=", SCA_CMP_GE}, {"==", SCA_CMP_EQ}, {"!=", SCA_CMP_NE},
        {"<", SCA_CMP_LT}, {">", SCA_CMP_GT}, {"=", SCA_CMP_EQ},
    };
    size_t k;
    for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
        if (!strncmp(p, ops[k].op, strlen(ops[k].op)))
            break;
    if (k == sizeof(ops) / sizeof(ops[0]))
        return vg_error_set(err, -EINVAL, "n:%s: comparison operator must be one of < <= == != "
                            ">= >", src);
    t->cmp = ops[k].cmp;
    p += strlen(ops[k].op);
    while (*p == ' ')
        p++;
    char *end = NULL;
    errno = 0;
    t->value = strtoll(p, &end, 10);
    while (end && *end == ' ')
        end++;
    if (errno || end == p || *end)
        return vg_error_set(err, -EINVAL, "n:%s: \"%s\" is not an integer", src, p);
    int rc = sca_regex_compile(&t->re, t->text, kind, err);
    if (rc)
        return vg_error_prefix(err, rc, "n:%s: ", src);
    return 0;
}

int sca_expr_parse(const char *text, enum sca_regex_kind kind, bool name_match,
                   struct sca_expr **out, struct vg_error *err)
{
    int rc = 0;
    struct sca_expr *e = calloc(1, sizeof(*e));
    char *copy = strdup(text);
    if (!e || !copy || !(e->text = strdup(text))) {
        rc = vg_error_set(err, -ENOMEM, "out of memory");
        goto cleanup;
    }
    if (!*text) {
        rc = vg_error_set(err, -EINVAL, "empty pattern");
        goto cleanup;
    }
    char *p = copy;
    while (p) {
        char *sep = strstr(p, AND);
        if (sep)
            *sep = '\0';
        if (e->n == SCA_EXPR_MAX_TERMS) {
            rc = vg_error_set(err, -EINVAL, "more than %d terms joined by &&", SCA_EXPR_MAX_TERMS);
            goto cleanup;
        }
        struct sca_term *terms = realloc(e->terms, (e->n + 1) * sizeof(*terms));
        if (!terms) {
            rc = vg_error_set(err, -ENOMEM, "out of memory");
            goto cleanup;
        }
        e->terms = terms;
        struct sca_term *t = &e->terms[e->n++];
        memset(t, 0, sizeof(*t));
        if (*p == '!') {
            t->negated = true;
            p++;
        }
        if (!*p) {
            rc = vg_error_set(err, -EINVAL, "empty term in \"%s\"", text);
            goto cleanup;
        }
        if (!strncasecmp(p, "r:", 2)) {
            t->op = SCA_TERM_REGEX;
            if (!(t->text = strdup(p + 2))) {
                rc = vg_error_set(err, -ENOMEM, "out of memory");
                goto cleanup;
            }
            if ((rc = sca_regex_compile(&t->re, t->text, kind, err)))
                goto cleanup;
        } else if (!strncasecmp(p, "n:", 2)) {
            t->op = SCA_TERM_NUMERIC;
            if ((rc = parse_numeric(t, p + 2, kind, err)))
                goto cleanup;
        } else if (name_match) {
            /* a file or process name without r: is an OS_Match pattern */
            t->op = SCA_TERM_REGEX;
            if (!(t->text = strdup(p))) {
                rc = vg_error_set(err, -ENOMEM, "out of memory");
                goto cleanup;
            }
            if ((rc = sca_regex_compile(&t->re, t->text, SCA_RE_OSMATCH, err)))
                goto cleanup;
        } else {
            t->op = SCA_TERM_LITERAL;
            if (!(t->text = strdup(p))) {
                rc = vg_error_set(err, -ENOMEM, "out of memory");
                goto cleanup;
            }
        }
        p = sep ? sep + strlen(AND) : NULL;
    }
cleanup:
    free(copy);
    if (rc) {
        sca_expr_free(e);
        e = NULL;
    }
    *out = e;
    return rc;
}

static bool compare(long long a, enum sca_cmp cmp, long long b)
{
    switch (cmp) {
    case SCA_CMP_LT: return a < b;
    case SCA_CMP_LE: return a <= b;
    case SCA_CMP_EQ: return a == b;
    case SCA_CMP_NE: return a != b;
    case SCA_CMP_GE: return a >= b;
    case SCA_CMP_GT: return a > b;
    }
    return false;
}

/* One term on one line: 1, 0 or negative (cannot be evaluated). */
static int term_match(const struct sca_term *t, const char *line, size_t len,
                      struct vg_error *err)
{
    int m;
    switch (t->op) {
    case SCA_TERM_LITERAL:
        m = strlen(t->text) == len && !strncasecmp(t->text, line, len);
        break;
    case SCA_TERM_REGEX:
        m = sca_regex_match(&t->re, line, len, NULL, NULL);
        if (m < 0)
            return vg_error_set(err, m, "r:%s: the match limit was reached on a line of %zu "
                                "bytes", t->text, len);
        break;
    case SCA_TERM_NUMERIC: {
        const char *cap = NULL;
        size_t caplen = 0;
        m = sca_regex_match(&t->re, line, len, &cap, &caplen);
        if (m < 0)
            return vg_error_set(err, m, "n:%s: the match limit was reached", t->text);
        if (m == 0)
            break;
        if (!cap)
            return vg_error_set(err, -EINVAL, "n:%s matched, but captured no number (the "
                                "pattern needs one group)", t->text);
        char num[32];
        size_t k = 0;
        while (caplen && isspace((unsigned char)*cap)) {
            cap++;
            caplen--;
        }
        if (caplen == 0 || caplen >= sizeof(num))
            return vg_error_set(err, -ERANGE, "n:%s: captured \"%.*s\" is not a number", t->text,
                                (int)(caplen > 40 ? 40 : caplen), cap);
        for (; k < caplen; k++)
            num[k] = cap[k];
        num[k] = '\0';
        char *end = NULL;
        errno = 0;
        long long v = strtoll(num, &end, 10);
        if (errno || end == num || *end)
            return vg_error_set(err, -ERANGE, "n:%s: captured \"%s\" is not a number", t->text,
                                num);
        m = compare(v, t->cmp, t->value);
        break;
    }
    default:
        m = 0;
    }
    return t->negated ? !m : m;
}

int sca_expr_match(const struct sca_expr *e, const char *line, size_t len, struct vg_error *err)
{
    for (size_t i = 0; i < e->n; i++) {
        int m = term_match(&e->terms[i], line, len, err);
        if (m <= 0)
            return m;
    }
    return 1;
}

/* Replace the policy's variables in s (longest names first, as "$a" is a prefix of "$ab"). */
static char *expand_vars(const char *s, const struct sca_vars *vars)
{
    struct buf b = {0};
    if (buf_append_str(&b, s) || buf_terminate(&b))
        goto fail;
    if (!vars)
        return (char *)buf_steal(&b, NULL);
    bool *used = calloc(vars->n ? vars->n : 1, sizeof(bool));
    if (!used)
        goto fail;
    for (size_t round = 0; round < vars->n; round++) {
        size_t best = SIZE_MAX, blen = 0;
        for (size_t i = 0; i < vars->n; i++)
            if (!used[i] && strlen(vars->v[i].name) > blen) {
                best = i;
                blen = strlen(vars->v[i].name);
            }
        if (best == SIZE_MAX)
            break;
        used[best] = true;
        const char *name = vars->v[best].name, *value = vars->v[best].value;
        struct buf nb = {0};
        const char *p = (const char *)b.data, *hit;
        while ((hit = strstr(p, name))) {
            if (buf_append(&nb, p, (size_t)(hit - p)) || buf_append_str(&nb, value)) {
                buf_free(&nb);
                free(used);
                goto fail;
            }
            p = hit + blen;
            if (nb.len > SCA_RULE_MAX * 16) {
                buf_free(&nb);
                free(used);
                goto fail;
            }
        }
        if (buf_append_str(&nb, p) || buf_terminate(&nb)) {
            buf_free(&nb);
            free(used);
            goto fail;
        }
        buf_free(&b);
        b = nb;
    }
    free(used);
    return (char *)buf_steal(&b, NULL);
fail:
    buf_free(&b);
    return NULL;
}

void sca_rule_free(struct sca_rule *r)
{
    if (!r)
        return;
    free(r->text);
    free(r->target);
    sca_expr_free(r->name);
    sca_expr_free(r->content);
    memset(r, 0, sizeof(*r));
}

int sca_rule_parse(const char *text, const struct sca_vars *vars, enum sca_regex_kind kind,
                   struct sca_rule *out, struct vg_error *err)
{
    int rc = 0;
    char *copy = NULL;
    memset(out, 0, sizeof(*out));
    if (strlen(text) > SCA_RULE_MAX)
        return vg_error_set(err, -EINVAL, "rule longer than %d bytes", SCA_RULE_MAX);
    if (!(out->text = strdup(text)) || !(copy = strdup(text))) {
        rc = vg_error_set(err, -ENOMEM, "out of memory");
        goto cleanup;
    }
    char *p = copy;
    while (*p == ' ')
        p++;
    if (!strncmp(p, "not ", 4) || !strncmp(p, "NOT ", 4)) {
        out->negated = true;
        p += 4;
        while (*p == ' ')
            p++;
    }
    if (*p == '!') /* an old spelling of the same negation */
        p++;
    if (!p[0] || p[1] != ':') {
        rc = vg_error_set(err, -EINVAL, "\"%s\": a rule starts with f:, d:, p:, c: or r:", text);
        goto cleanup;
    }
    switch (p[0]) {
    case 'f': out->type = SCA_RULE_FILE; break;
    case 'd': out->type = SCA_RULE_DIR; break;
    case 'p': out->type = SCA_RULE_PROCESS; break;
    case 'c': out->type = SCA_RULE_COMMAND; break;
    case 'r': out->type = SCA_RULE_REGISTRY; break;
    default:
        rc = vg_error_set(err, -EINVAL, "\"%s\": unknown rule type \"%c:\" (f, d, p, c, r)",
                          text, p[0]);
        goto cleanup;
    }
    p += 2;
    /* split on " -> ": target, then up to two more parts */
    char *parts[3] = {p, NULL, NULL};
    size_t nparts = 1;
    char *a;
    while (nparts < 3 && (a = strstr(parts[nparts - 1], ARROW))) {
        *a = '\0';
        parts[nparts++] = a + strlen(ARROW);
    }
    if (!*parts[0]) {
        rc = vg_error_set(err, -EINVAL, "\"%s\": nothing after \"%c:\"", text, text[0]);
        goto cleanup;
    }
    if (!(out->target = expand_vars(parts[0], vars))) {
        rc = vg_error_set(err, -ENOMEM, "out of memory");
        goto cleanup;
    }
    switch (out->type) {
    case SCA_RULE_FILE:
    case SCA_RULE_COMMAND:
        if (nparts == 3) {
            /* a second arrow belongs to the content (a literal or regex with " -> " in it) */
            parts[1][strlen(parts[1])] = ' ';
        }
        if (nparts >= 2 && (rc = sca_expr_parse(parts[1], kind, false, &out->content, err)))
            goto prefixed;
        break;
    case SCA_RULE_DIR:
        if (nparts >= 2 && (rc = sca_expr_parse(parts[1], kind, true, &out->name, err)))
            goto prefixed;
        if (nparts == 3 && (rc = sca_expr_parse(parts[2], kind, false, &out->content, err)))
            goto prefixed;
        break;
    case SCA_RULE_PROCESS:
        if (nparts > 1) {
            rc = vg_error_set(err, -EINVAL, "\"%s\": process rules only test existence", text);
            goto cleanup;
        }
        if ((rc = sca_expr_parse(out->target, kind, false, &out->name, err)))
            goto prefixed;
        break;
    case SCA_RULE_REGISTRY:
        break;
    }
    goto cleanup;
prefixed:
    vg_error_prefix(err, rc, "\"%s\": ", text);
cleanup:
    free(copy);
    if (rc)
        sca_rule_free(out);
    return rc;
}
