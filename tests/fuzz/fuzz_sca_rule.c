/* fuzz_sca_rule.c - fuzz target: one SCA rule (first line, OS_Regex dialect when the input
 * starts with a letter, else PCRE2) parsed, then its content expression matched against every
 * following line. Nothing is read from the system or run. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/baseline/sca_rule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nl = memchr(text, '\n', size);
    size_t first = nl ? (size_t)(nl - text) : size;
    char *rule_text = strndup(text, first);
    if (!rule_text)
        return 0;
    struct sca_var v[] = {{"$f", "/etc/x,/etc/y"}, {"$cmd", "sshd -T"}};
    struct sca_vars vars = {v, 2};
    enum sca_regex_kind kind = size && ((data[0] | 32) >= 'a' && (data[0] | 32) <= 'z')
                                   ? SCA_RE_OSREGEX : SCA_RE_PCRE2;
    struct sca_rule r;
    struct vg_error err;
    if (sca_rule_parse(rule_text, &vars, kind, &r, &err) == 0) {
        const struct sca_expr *x = r.content ? r.content : r.name;
        const char *p = nl ? nl + 1 : text + size, *end = text + size;
        while (x && p < end) {
            const char *e = memchr(p, '\n', (size_t)(end - p));
            size_t len = e ? (size_t)(e - p) : (size_t)(end - p);
            sca_expr_match(x, p, len, &err);
            p = e ? e + 1 : end;
        }
        sca_rule_free(&r);
    }
    free(rule_text);
    return 0;
}
