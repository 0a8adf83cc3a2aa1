/* sca_rule.h - one rule of an SCA policy, parsed: `[not ]TYPE:TARGET[ -> NAME][ -> CONTENT]`.
 *
 *   f:FILES [-> CONTENT]        files (comma-separated) exist / have a line matching CONTENT
 *   d:DIRS [-> NAME [-> CONTENT]]  directories exist / hold (recursively) a file whose name
 *                               matches NAME (OS_Match, or r:REGEX) / whose line matches CONTENT
 *   p:NAME                      a running process is called NAME (literal or r:REGEX)
 *   c:COMMAND -> CONTENT        a line of the command's output (stdout and stderr) matches
 *   r:KEY...                    Windows registry: parsed, always "not applicable" on Linux
 *
 * CONTENT is a chain of terms joined by " && " that must all hold on the same line; a term is
 * `[!]r:REGEX`, `[!]n:REGEX_WITH_ONE_GROUP compare OP NUMBER` (OP one of < <= == != >= >) or a
 * literal that must equal the whole line (case-insensitive). `$name` variables of the policy
 * are replaced in TARGET. Parsing never evaluates anything. */
#ifndef VIGIL_SCA_RULE_H
#define VIGIL_SCA_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/baseline/sca_regex.h"
#include "common/error.h"

enum sca_rule_type { SCA_RULE_FILE, SCA_RULE_DIR, SCA_RULE_PROCESS, SCA_RULE_COMMAND,
                     SCA_RULE_REGISTRY };
enum sca_term_op { SCA_TERM_LITERAL, SCA_TERM_REGEX, SCA_TERM_NUMERIC };
enum sca_cmp { SCA_CMP_LT, SCA_CMP_LE, SCA_CMP_EQ, SCA_CMP_NE, SCA_CMP_GE, SCA_CMP_GT };

struct sca_term {
    bool negated;         /* `!` */
    enum sca_term_op op;
    char *text;           /* the literal, or the regex source */
    struct sca_regex re;  /* REGEX and NUMERIC */
    enum sca_cmp cmp;     /* NUMERIC */
    long long value;      /* NUMERIC */
};

/* Terms joined by " && ": all must hold on one line. */
struct sca_expr {
    struct sca_term *terms;
    size_t n;
    char *text; /* the source */
};

/* Variables of a policy: "$name" -> value; replaced longest name first. */
struct sca_var {
    char *name;
    char *value;
};
struct sca_vars {
    struct sca_var *v;
    size_t n;
};

struct sca_rule {
    char *text;               /* the rule as written */
    bool negated;             /* `not ` */
    enum sca_rule_type type;
    char *target;             /* files, directories, command or process name (variables replaced) */
    struct sca_expr *name;    /* d: file-name pattern; p: process pattern; else NULL */
    struct sca_expr *content; /* content test, NULL for existence rules */
};

/* Parse text (variables from vars, may be NULL; regex dialect kind) into out. -EINVAL with err
 * saying what is wrong and where; out is then empty. */
int sca_rule_parse(const char *text, const struct sca_vars *vars, enum sca_regex_kind kind,
                   struct sca_rule *out, struct vg_error *err);
void sca_rule_free(struct sca_rule *r);

/* Parse a content expression (also used for process and file-name patterns; with name_match
 * a literal term is an OS_Match pattern instead of a whole-line literal). */
int sca_expr_parse(const char *text, enum sca_regex_kind kind, bool name_match,
                   struct sca_expr **out, struct vg_error *err);
void sca_expr_free(struct sca_expr *e);

/* Does line (len bytes, no newline) satisfy every term of e? 1 yes, 0 no, negative when a term
 * cannot be evaluated (-E2BIG: regex match limit; -ERANGE: the captured number does not fit),
 * with err saying which. */
int sca_expr_match(const struct sca_expr *e, const char *line, size_t len, struct vg_error *err);

#endif
