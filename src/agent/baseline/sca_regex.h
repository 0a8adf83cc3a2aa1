/* sca_regex.h - the regular expressions of SCA policies, on PCRE2.
 *
 * Policies in the Wazuh SCA format write `r:` and `n:` patterns in one of two dialects: the
 * default "OS_Regex" (case-insensitive; \w \d \s \t \p \W \D \S classes, `\.` = any character,
 * a bare `.` = a dot, `^ $ |` and capture groups) or PCRE2 (`regex_type: pcre2`, case-sensitive).
 * OS_Regex patterns are translated to an equivalent PCRE2 pattern, so one engine (with its JIT
 * and a match limit against hostile patterns) runs both. Directory rules match file names with
 * the simpler "OS_Match" dialect (case-insensitive substring, `^ $ |`), also translated here.
 *
 * A compiled regex keeps its own match data: it is used by one thread at a time. */
#ifndef VIGIL_SCA_REGEX_H
#define VIGIL_SCA_REGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "common/error.h"

enum sca_regex_kind {
    SCA_RE_OSREGEX = 0, /* Wazuh's default dialect */
    SCA_RE_PCRE2 = 1,   /* regex_type: pcre2 */
    SCA_RE_OSMATCH = 2, /* file-name patterns of d: rules */
};

struct sca_regex {
    void *code;       /* pcre2_code_8 */
    void *match_data; /* pcre2_match_data_8 */
    void *mctx;       /* pcre2_match_context_8 */
};

/* Translate an OS_Regex (or, with osmatch, an OS_Match) pattern into PCRE2 syntax, appended to
 * out. -EINVAL with err naming the position for what has no meaning (a trailing backslash). */
int sca_regex_translate(const char *pattern, bool osmatch, struct buf *out, struct vg_error *err);

/* Compile pattern of the given dialect into re. -EINVAL with err saying why and where. */
int sca_regex_compile(struct sca_regex *re, const char *pattern, enum sca_regex_kind kind,
                      struct vg_error *err);

/* Match s[0..len). Returns 1 on a match (with cap and caplen set to the first capture group when
 * cap is not NULL and the pattern has one, else cap is NULL), 0 on no match, and -E2BIG when
 * the match limit was hit (a pathological pattern; the caller reports the rule as not
 * evaluable). */
int sca_regex_match(const struct sca_regex *re, const char *s, size_t len, const char **cap,
                    size_t *caplen);

/* Free what compile allocated; NULL-safe, idempotent. */
void sca_regex_free(struct sca_regex *re);

#endif
