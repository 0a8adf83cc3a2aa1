/* detection.c - a rule's `detection` section (Sigma's, shared by native rules) into condition
 * nodes: selections (maps of field|modifiers: values, lists of maps, keyword lists), every value
 * modifier of the Sigma specification that applies to text events, and the condition over the
 * selections. Whatever cannot be honoured fails the rule with the construct and the reason. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "engine/engine_internal.h"

#define SEL_MAX 128
#define MODS_MAX 8

struct dctx {
    struct engine *eng;
    yaml_document_t *doc;
    uint16_t table;
    const char *file, *rule_id;
    struct vg_error *err;
};

enum mod_flag {
    M_CONTAINS = 1 << 0, M_STARTSWITH = 1 << 1, M_ENDSWITH = 1 << 2, M_ALL = 1 << 3,
    M_RE = 1 << 4, M_CIDR = 1 << 5, M_BASE64 = 1 << 6, M_BASE64OFFSET = 1 << 7,
    M_WINDASH = 1 << 8, M_EXISTS = 1 << 9, M_CASED = 1 << 10, M_FIELDREF = 1 << 11,
    M_GT = 1 << 12, M_GTE = 1 << 13, M_LT = 1 << 14, M_LTE = 1 << 15,
    M_RE_I = 1 << 16, M_RE_M = 1 << 17, M_RE_S = 1 << 18,
};

static const struct {
    const char *name;
    unsigned flag;
    const char *unsupported; /* reason, when the modifier cannot be honoured */
} modifiers[] = {
    {"contains", M_CONTAINS, NULL}, {"startswith", M_STARTSWITH, NULL},
    {"endswith", M_ENDSWITH, NULL}, {"all", M_ALL, NULL}, {"re", M_RE, NULL},
    {"cidr", M_CIDR, NULL}, {"base64", M_BASE64, NULL}, {"base64offset", M_BASE64OFFSET, NULL},
    {"windash", M_WINDASH, NULL}, {"exists", M_EXISTS, NULL}, {"cased", M_CASED, NULL},
    {"fieldref", M_FIELDREF, NULL}, {"gt", M_GT, NULL}, {"gte", M_GTE, NULL}, {"lt", M_LT, NULL},
    {"lte", M_LTE, NULL}, {"i", M_RE_I, NULL}, {"m", M_RE_M, NULL}, {"s", M_RE_S, NULL},
    {"wide", 0, "UTF-16 values cannot occur: Vigil's events carry UTF-8 text"},
    {"utf16le", 0, "UTF-16 values cannot occur: Vigil's events carry UTF-8 text"},
    {"utf16be", 0, "UTF-16 values cannot occur: Vigil's events carry UTF-8 text"},
    {"utf16", 0, "UTF-16 values cannot occur: Vigil's events carry UTF-8 text"},
    {"expand", 0, "placeholders (%name%) need a placeholder table, which Vigil does not have"},
};

static const char *scalar(yaml_document_t *doc, yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool is_null(yaml_node_t *n)
{
    if (!n || n->type != YAML_SCALAR_NODE)
        return false;
    const char *v = (const char *)n->data.scalar.value;
    return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
           (!v[0] || !strcmp(v, "null") || !strcmp(v, "~") || !strcmp(v, "Null") ||
            !strcmp(v, "NULL"));
}

static int64_t fail(struct dctx *d, const char *construct, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int64_t fail(struct dctx *d, const char *construct, const char *fmt, ...)
{
    vg_error_set(d->err, -EINVAL, "%s: ", construct);
    size_t l = strlen(d->err->msg);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err->msg + l, sizeof(d->err->msg) - l, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static int b64_encode(const uint8_t *in, size_t len, struct buf *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        size_t k = len - i;
        if (k > 1)
            v |= (uint32_t)in[i + 1] << 8;
        if (k > 2)
            v |= in[i + 2];
        char o[4] = {tbl[(v >> 18) & 63], tbl[(v >> 12) & 63], k > 1 ? tbl[(v >> 6) & 63] : '=',
                     k > 2 ? tbl[v & 63] : '='};
        if (buf_append(out, o, 4))
            return -ENOMEM;
    }
    return 0;
}

/* Add one text predicate (op on the literal or wildcard value). Returns the node. */
static int64_t text_pred(struct dctx *d, uint16_t field, uint8_t scope, uint8_t op, bool cased,
                         const char *v, size_t len, bool wildcards)
{
    struct pred p = {.field = field, .scope = scope, .cased = cased, .table = d->table};
    struct buf b = {0};
    int rc;
    if (wildcards && value_has_wildcards(v, len)) {
        p.op = OP_GLOB;
        rc = value_glob_regex(v, len, (enum pred_op)op, &b);
    } else {
        p.op = op;
        rc = wildcards ? value_unescape(v, len, &b) : buf_append(&b, v, len);
    }
    if (rc || buf_terminate(&b)) {
        buf_free(&b);
        return -ENOMEM;
    }
    p.len = b.len;
    p.value = (char *)buf_steal(&b, NULL);
    if (!p.value)
        p.value = strdup("");
    int64_t i = engine_add_pred(d->eng, &p);
    if (i < 0) {
        free(p.value);
        return i;
    }
    return engine_add_node(d->eng, N_PRED, (uint32_t)i, NULL, 0);
}

/* windash: the value with every dash that starts a flag replaced by each Windows variant. */
static const char *const dashes[] = {"-", "/", "\xe2\x80\x93", "\xe2\x80\x94", "\xe2\x80\x95"};

/* The predicates for one value of a field: an OR node over its alternatives. */
static int64_t value_node(struct dctx *d, uint16_t field, uint8_t scope, unsigned mods,
                          yaml_node_t *vn, const char *fname)
{
    const char *v = scalar(d->doc, vn);
    if (!v)
        return fail(d, fname, "%s: values must be scalars", "a list or map inside a value");
    size_t len = strlen(v);
    struct pred p = {.field = field, .scope = scope, .table = d->table,
                     .cased = (mods & M_CASED) != 0};
    if (mods & M_EXISTS) {
        p.op = OP_EXISTS;
        if (!strcasecmp(v, "true") || !strcasecmp(v, "yes"))
            p.num = 1;
        else if (strcasecmp(v, "false") && strcasecmp(v, "no"))
            return fail(d, fname, "|exists needs true or false, not \"%s\"", v);
    } else if (is_null(vn)) {
        p.op = OP_NULL;
    } else if (mods & M_FIELDREF) {
        uint16_t ref = fieldmap_field(v, d->table);
        if (!ref) {
            engine_note_unmapped(d->eng, v);
            p.op = OP_FALSE;
        } else {
            p.op = OP_FIELDREF;
            p.ref_field = ref;
            p.cmp_op = mods & M_CONTAINS ? OP_CONTAINS : mods & M_STARTSWITH ? OP_STARTSWITH
                       : mods & M_ENDSWITH ? OP_ENDSWITH : OP_EQ;
        }
    } else if (mods & M_CIDR) {
        p.op = OP_CIDR;
        if (value_parse_cidr(v, &p))
            return fail(d, fname, "|cidr: \"%s\" is not an address or network", v);
    } else if (mods & (M_GT | M_GTE | M_LT | M_LTE)) {
        char *end;
        errno = 0;
        p.num = strtoll(v, &end, 10);
        if (errno || end == v || *end)
            return fail(d, fname, "numeric comparison needs an integer, not \"%s\"", v);
        p.op = mods & M_GT ? OP_GT : mods & M_GTE ? OP_GTE : mods & M_LT ? OP_LT : OP_LTE;
    } else if (mods & M_RE) {
        p.op = OP_RE;
        p.cased = !(mods & M_RE_I);
        p.re_flags = (mods & M_RE_I ? 1u : 0) | (mods & M_RE_S ? 2u : 0) | (mods & M_RE_M ? 4u : 0);
        p.value = strdup(v);
        p.len = len;
        if (!p.value)
            return -ENOMEM;
        struct vg_error e = {{0}};
        if (pred_prepare(&p, &e)) {
            pred_free(&p);
            return fail(d, fname, "|re: %s", e.msg);
        }
    } else {
        uint8_t op = mods & M_CONTAINS ? OP_CONTAINS : mods & M_STARTSWITH ? OP_STARTSWITH
                     : mods & M_ENDSWITH ? OP_ENDSWITH : OP_EQ;
        uint32_t alts[16];
        size_t nalts = 0;
        if (mods & (M_BASE64 | M_BASE64OFFSET)) {
            /* wildcards are not interpreted inside base64 values */
            for (int off = 0; off < ((mods & M_BASE64OFFSET) ? 3 : 1); off++) {
                struct buf in = {0}, out = {0};
                static const char pad[] = "  ";
                if (buf_append(&in, pad, (size_t)off) || buf_append(&in, v, len) ||
                    b64_encode(in.data, in.len, &out)) {
                    buf_free(&in);
                    buf_free(&out);
                    return -ENOMEM;
                }
                /* base64offset: drop what depends on the padding before and on what follows */
                static const size_t lead[3] = {0, 2, 3}, trail[3] = {0, 3, 2};
                size_t start = 0, end = out.len;
                if (mods & M_BASE64OFFSET) {
                    start = lead[off];
                    size_t cut = trail[((size_t)off + len) % 3];
                    end = out.len > start + cut ? out.len - cut : start;
                }
                int64_t k = text_pred(d, field, scope, (mods & M_BASE64OFFSET) ? OP_CONTAINS : op,
                                      true, (const char *)out.data + start, end - start, false);
                buf_free(&in);
                buf_free(&out);
                if (k < 0)
                    return k;
                alts[nalts++] = (uint32_t)k;
            }
        } else if (mods & M_WINDASH) {
            for (size_t di = 0; di < sizeof(dashes) / sizeof(dashes[0]); di++) {
                struct buf b = {0};
                for (size_t i = 0; i < len; i++) {
                    bool flag = v[i] == '-' && (i == 0 || v[i - 1] == ' ');
                    if (flag ? buf_append_str(&b, dashes[di]) : buf_putc(&b, (uint8_t)v[i])) {
                        buf_free(&b);
                        return -ENOMEM;
                    }
                }
                int64_t k = text_pred(d, field, scope, op, p.cased, (const char *)b.data, b.len, true);
                buf_free(&b);
                if (k < 0)
                    return k;
                alts[nalts++] = (uint32_t)k;
            }
        } else {
            return text_pred(d, field, scope, op, p.cased, v, len, true);
        }
        return nalts == 1 ? (int64_t)alts[0] : engine_add_node(d->eng, N_OR, 0, alts, nalts);
    }
    int64_t i = engine_add_pred(d->eng, &p);
    if (i < 0) {
        pred_free(&p);
        return i;
    }
    return engine_add_node(d->eng, N_PRED, (uint32_t)i, NULL, 0);
}

/* "Field|mod|mod" -> field, scope and modifier flags. */
static int parse_key(struct dctx *d, const char *key, uint16_t *field, uint8_t *scope,
                     unsigned *mods, bool *keyword)
{
    char name[256];
    const char *bar = strchr(key, '|');
    size_t nlen = bar ? (size_t)(bar - key) : strlen(key);
    if (nlen >= sizeof(name))
        return (int)fail(d, "field", "name too long: %.60s", key);
    memcpy(name, key, nlen);
    name[nlen] = '\0';
    *mods = 0;
    *scope = SCOPE_EVENT;
    *keyword = nlen == 0;
    while (bar) {
        const char *m = bar + 1;
        bar = strchr(m, '|');
        size_t mlen = bar ? (size_t)(bar - m) : strlen(m);
        size_t i;
        for (i = 0; i < sizeof(modifiers) / sizeof(modifiers[0]); i++)
            if (strlen(modifiers[i].name) == mlen && !strncmp(modifiers[i].name, m, mlen))
                break;
        char construct[80];
        snprintf(construct, sizeof(construct), "modifier |%.*s", (int)(mlen > 40 ? 40 : mlen), m);
        if (i == sizeof(modifiers) / sizeof(modifiers[0]))
            return (int)fail(d, construct, "unknown modifier (in \"%s\")", key);
        if (modifiers[i].unsupported)
            return (int)fail(d, construct, "%s", modifiers[i].unsupported);
        *mods |= modifiers[i].flag;
    }
    if ((*mods & (M_RE_I | M_RE_M | M_RE_S)) && !(*mods & M_RE))
        return (int)fail(d, "modifier", "i, m and s only go with |re (in \"%s\")", key);
    if (*keyword) {
        *field = fieldmap_keyword_field(d->table);
        return 0;
    }
    if (!strncmp(name, "ancestor.", 9)) {
        static const struct { const char *n; uint16_t f; } anc[] = {
            {"exe", ANC_EXE}, {"cmdline", ANC_CMDLINE}, {"comm", ANC_COMM}, {"user", ANC_USER},
            {"uid", ANC_UID}, {"euid", ANC_EUID}, {"entity_id", ANC_ENTITY_ID},
        };
        for (size_t i = 0; i < sizeof(anc) / sizeof(anc[0]); i++)
            if (!strcmp(anc[i].n, name + 9)) {
                *field = anc[i].f;
                *scope = SCOPE_ANCESTOR;
                return 0;
            }
        return (int)fail(d, "field", "unknown ancestor field \"%s\" (exe, cmdline, comm, user, "
                                     "uid, euid, entity_id)", name);
    }
    *field = fieldmap_field(name, d->table);
    if (!*field)
        engine_note_unmapped(d->eng, name);
    return 0;
}

/* One field of a selection map: key and its value(s). */
static int64_t field_node(struct dctx *d, const char *key, yaml_node_t *vn)
{
    uint16_t field = 0;
    uint8_t scope = SCOPE_EVENT;
    unsigned mods = 0;
    bool keyword = false;
    int rc = parse_key(d, key, &field, &scope, &mods, &keyword);
    if (rc)
        return rc;
    if (!field && !keyword) {
        /* a field no table has: the predicate can never be true */
        struct pred p = {.op = OP_FALSE, .table = d->table};
        int64_t i = engine_add_pred(d->eng, &p);
        return i < 0 ? i : engine_add_node(d->eng, N_PRED, (uint32_t)i, NULL, 0);
    }
    if (keyword && !(mods & (M_CONTAINS | M_STARTSWITH | M_ENDSWITH | M_RE)))
        mods |= M_CONTAINS; /* keywords match anywhere in the text */
    if (vn->type == YAML_MAPPING_NODE)
        return fail(d, key, "%s", "a map is not a value");
    if (vn->type == YAML_SCALAR_NODE)
        return value_node(d, field, scope, mods, vn, key);
    size_t n = (size_t)(vn->data.sequence.items.top - vn->data.sequence.items.start);
    if (n == 0)
        return fail(d, key, "%s", "an empty list of values");
    uint32_t *kids = calloc(n, sizeof(*kids));
    if (!kids)
        return -ENOMEM;
    int64_t r = 0;
    for (size_t i = 0; i < n && r >= 0; i++) {
        r = value_node(d, field, scope, mods, yaml_document_get_node(d->doc, vn->data.sequence.items.start[i]), key);
        if (r >= 0)
            kids[i] = (uint32_t)r;
    }
    if (r >= 0)
        r = n == 1 ? (int64_t)kids[0] : engine_add_node(d->eng, (mods & M_ALL) ? N_AND : N_OR, 0, kids, n);
    free(kids);
    return r;
}

/* A selection: a map (AND of fields), a list of maps (OR), or keywords (a scalar or a list). */
static int64_t selection_node(struct dctx *d, yaml_node_t *n, int depth)
{
    if (n->type == YAML_SCALAR_NODE)
        return field_node(d, "", n);
    if (n->type == YAML_MAPPING_NODE) {
        size_t cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
        if (cnt == 0)
            return fail(d, "selection", "%s", "an empty map");
        uint32_t *kids = calloc(cnt, sizeof(*kids));
        if (!kids)
            return -ENOMEM;
        int64_t r = 0;
        for (size_t i = 0; i < cnt && r >= 0; i++) {
            yaml_node_pair_t *pr = &n->data.mapping.pairs.start[i];
            const char *key = scalar(d->doc, yaml_document_get_node(d->doc, pr->key));
            if (!key)
                r = fail(d, "selection", "%s", "field names must be text");
            else
                r = field_node(d, key, yaml_document_get_node(d->doc, pr->value));
            if (r >= 0)
                kids[i] = (uint32_t)r;
        }
        if (r >= 0)
            r = cnt == 1 ? (int64_t)kids[0] : engine_add_node(d->eng, N_AND, 0, kids, cnt);
        free(kids);
        return r;
    }
    /* a sequence: of maps (OR of selections) or of scalars (keywords, OR) */
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (cnt == 0)
        return fail(d, "selection", "%s", "an empty list");
    if (depth > 2)
        return fail(d, "selection", "%s", "lists nested too deep");
    uint32_t *kids = calloc(cnt, sizeof(*kids));
    if (!kids)
        return -ENOMEM;
    int64_t r = 0;
    for (size_t i = 0; i < cnt && r >= 0; i++) {
        r = selection_node(d, yaml_document_get_node(d->doc, n->data.sequence.items.start[i]), depth + 1);
        if (r >= 0)
            kids[i] = (uint32_t)r;
    }
    if (r >= 0)
        r = cnt == 1 ? (int64_t)kids[0] : engine_add_node(d->eng, N_OR, 0, kids, cnt);
    free(kids);
    return r;
}

int64_t detection_compile(struct engine *eng, yaml_document_t *doc, int detection_node,
                          const char *condition, int allow_node, uint16_t table, const char *file,
                          const char *rule_id, struct vg_error *err)
{
    struct dctx d = {eng, doc, table, file, rule_id, err};
    yaml_node_t *det = yaml_document_get_node(doc, detection_node);
    if (!det || det->type != YAML_MAPPING_NODE)
        return vg_error_set(err, -EINVAL, "detection: a map of selections and a condition expected");
    const char *names[SEL_MAX];
    uint32_t roots[SEL_MAX];
    size_t n = 0;
    const char *cond = condition;
    for (yaml_node_pair_t *pr = det->data.mapping.pairs.start; pr < det->data.mapping.pairs.top; pr++) {
        const char *key = scalar(doc, yaml_document_get_node(doc, pr->key));
        yaml_node_t *val = yaml_document_get_node(doc, pr->value);
        if (!key || !val)
            return vg_error_set(err, -EINVAL, "detection: selection names must be text");
        if (!strcmp(key, "condition")) {
            if (val->type == YAML_SEQUENCE_NODE)
                return vg_error_set(err, -EINVAL, "condition: a list of conditions is not "
                                                  "supported (deprecated in Sigma 2; write one "
                                                  "condition with `or`)");
            if (!cond)
                cond = scalar(doc, val);
            continue;
        }
        if (!strcmp(key, "timeframe"))
            return vg_error_set(err, -EINVAL, "timeframe: aggregations over time are not "
                                              "supported in Sigma rules (use a native threshold)");
        if (n == SEL_MAX)
            return vg_error_set(err, -E2BIG, "detection: more than %d selections", SEL_MAX);
        int64_t r = selection_node(&d, val, 0);
        if (r < 0) {
            if (r == -EINVAL)
                vg_error_prefix(err, -EINVAL, "selection %s: ", key);
            return r;
        }
        names[n] = key;
        roots[n++] = (uint32_t)r;
    }
    if (!cond)
        return vg_error_set(err, -EINVAL, "detection: no condition");
    int64_t root = cond_parse(eng, cond, names, roots, n, err);
    if (root < 0 || !allow_node)
        return root;
    int64_t allow = selection_node(&d, yaml_document_get_node(doc, allow_node), 0);
    if (allow < 0) {
        if (allow == -EINVAL)
            vg_error_prefix(err, -EINVAL, "allow: ");
        return allow;
    }
    uint32_t na = (uint32_t)allow;
    int64_t notallow = engine_add_node(eng, N_NOT, 0, &na, 1);
    if (notallow < 0)
        return notallow;
    uint32_t both[2] = {(uint32_t)root, (uint32_t)notallow};
    return engine_add_node(eng, N_AND, 0, both, 2);
}
