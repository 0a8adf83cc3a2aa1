/* sca_regex.c - SCA regular expressions on PCRE2 (sca_regex.h): the OS_Regex and OS_Match
 * dialects are translated, then everything is compiled (and JIT-compiled where the CPU allows)
 * with a match limit, so that a hostile policy cannot make the agent spin. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "agent/baseline/sca_regex.h"

#include <errno.h>
#include <pcre2.h>
#include <string.h>

#define SCA_MATCH_LIMIT 1000000u
#define SCA_DEPTH_LIMIT 10000u

/* The OS_Regex character classes, as PCRE2 classes. */
static const char *osregex_class(char c)
{
    switch (c) {
    case 'w': return "[A-Za-z0-9@_\\-]";
    case 'W': return "[^A-Za-z0-9@_\\-]";
    case 'd': return "[0-9]";
    case 'D': return "[^0-9]";
    case 's': return "[ ]";
    case 'S': return "[^ ]";
    case 't': return "\\t";
    case 'p': return "[()*+,\\-.:;<=>?\\[\\]!\"'#$%&|{}]";
    case '.': return "(?s:.)";
    default: return NULL;
    }
}

/* Append c as a literal PCRE2 character. */
static int put_literal(struct buf *out, unsigned char c)
{
    if (c < 0x20 || c == 0x7f)
        return buf_printf(out, "\\x{%02x}", c);
    if (strchr("\\^$.|?*+()[]{}", c) && buf_putc(out, '\\'))
        return -ENOMEM;
    return buf_putc(out, c);
}

/* OS_Match: alternatives split on '|', each an optional '^', a literal, an optional '$'. */
static int translate_osmatch(const char *p, struct buf *out)
{
    int rc = 0;
    const char *alt = p;
    for (;;) {
        const char *end = strchr(alt, '|');
        size_t n = end ? (size_t)(end - alt) : strlen(alt);
        size_t i = 0;
        rc |= buf_append_str(out, "(?:");
        if (n > 0 && alt[0] == '^') {
            rc |= buf_putc(out, '^');
            i = 1;
        }
        bool anchor_end = n > i && alt[n - 1] == '$';
        for (; i < n - (anchor_end ? 1 : 0); i++)
            rc |= put_literal(out, (unsigned char)alt[i]);
        if (anchor_end)
            rc |= buf_putc(out, '$');
        rc |= buf_putc(out, ')');
        if (!end)
            break;
        rc |= buf_putc(out, '|');
        alt = end + 1;
    }
    return rc ? -ENOMEM : 0;
}

int sca_regex_translate(const char *p, bool osmatch, struct buf *out, struct vg_error *err)
{
    if (osmatch)
        return translate_osmatch(p, out);
    int rc = 0;
    /* Whether the last element emitted can take a quantifier (OS_Regex documents quantifiers
     * only after backslash classes; one after a bare character applies to that character, as
     * most readers expect; one with nothing before it is a literal). */
    bool quantifiable = false;
    for (size_t i = 0; p[i]; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\\') {
            unsigned char n = (unsigned char)p[i + 1];
            if (!n)
                return vg_error_set(err, -EINVAL, "regex \"%s\": trailing backslash at %zu", p,
                                    i + 1);
            const char *cls = osregex_class((char)n);
            rc |= cls ? buf_append_str(out, cls) : put_literal(out, n);
            quantifiable = true;
            i++;
        } else if (c == '+' || c == '*') {
            rc |= quantifiable ? buf_putc(out, c) : put_literal(out, c);
            quantifiable = false;
        } else if (c == '^' || c == '$' || c == '|' || c == '(') {
            rc |= buf_putc(out, c);
            quantifiable = false;
        } else if (c == ')') {
            rc |= buf_putc(out, c);
            quantifiable = true;
        } else {
            rc |= put_literal(out, c);
            quantifiable = true;
        }
    }
    return rc ? -ENOMEM : 0;
}

int sca_regex_compile(struct sca_regex *re, const char *pattern, enum sca_regex_kind kind,
                      struct vg_error *err)
{
    struct buf tr = {0};
    int rc = 0;
    memset(re, 0, sizeof(*re));
    const char *src = pattern;
    uint32_t opts = 0;
    if (kind != SCA_RE_PCRE2) {
        if ((rc = sca_regex_translate(pattern, kind == SCA_RE_OSMATCH, &tr, err)) ||
            (rc = buf_terminate(&tr)))
            goto cleanup;
        src = (const char *)tr.data;
        opts |= PCRE2_CASELESS;
    }
    int ecode = 0;
    PCRE2_SIZE eoff = 0;
    re->code = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, opts, &ecode, &eoff, NULL);
    if (!re->code) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(ecode, msg, sizeof(msg));
        rc = vg_error_set(err, -EINVAL, "regex \"%s\": %s at offset %zu%s%s", pattern,
                          (const char *)msg, (size_t)eoff, src != pattern ? " of " : "",
                          src != pattern ? src : "");
        goto cleanup;
    }
    (void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
    re->match_data = pcre2_match_data_create_from_pattern(re->code, NULL);
    re->mctx = pcre2_match_context_create(NULL);
    if (!re->match_data || !re->mctx) {
        rc = vg_error_set(err, -ENOMEM, "out of memory");
        goto cleanup;
    }
    pcre2_set_match_limit(re->mctx, SCA_MATCH_LIMIT);
    pcre2_set_depth_limit(re->mctx, SCA_DEPTH_LIMIT);
cleanup:
    buf_free(&tr);
    if (rc)
        sca_regex_free(re);
    return rc;
}

int sca_regex_match(const struct sca_regex *re, const char *s, size_t len, const char **cap,
                    size_t *caplen)
{
    if (cap)
        *cap = NULL;
    int n = pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, 0, re->match_data, re->mctx);
    if (n == PCRE2_ERROR_NOMATCH)
        return 0;
    if (n == PCRE2_ERROR_MATCHLIMIT || n == PCRE2_ERROR_DEPTHLIMIT ||
        n == PCRE2_ERROR_JIT_STACKLIMIT)
        return -E2BIG;
    if (n < 0)
        return -EINVAL;
    if (cap) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->match_data);
        uint32_t pairs = pcre2_get_ovector_count(re->match_data);
        if (pairs > 1 && n > 1 && ov[2] != PCRE2_UNSET) {
            *cap = s + ov[2];
            *caplen = ov[3] - ov[2];
        }
    }
    return 1;
}

void sca_regex_free(struct sca_regex *re)
{
    if (!re)
        return;
    pcre2_match_data_free(re->match_data);
    pcre2_match_context_free(re->mctx);
    pcre2_code_free(re->code);
    memset(re, 0, sizeof(*re));
}
