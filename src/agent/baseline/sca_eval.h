/* sca_eval.h - evaluating SCA checks on this host: each rule against files, directories,
 * processes and command output, and the check's condition (all / any / none) over the rules'
 * results, with the evidence that decided it.
 *
 * A rule is "found", "not found" or "not applicable" (its target could not be read, a command
 * could not run or timed out, a regex hit its match limit...). As in the SCA format: `not`
 * inverts found/not found; `all` fails on the first rule not found, `any` passes on the first
 * found, `none` fails on the first found; otherwise a not-applicable rule makes the check
 * not applicable, with the reason. Nothing is ever a silent pass or fail.
 *
 * One evaluator serves one run: it caches each command's output and the process list, so a
 * policy that asks `sshd -T` twenty times runs it once. Not thread-safe. */
#ifndef VIGIL_SCA_EVAL_H
#define VIGIL_SCA_EVAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent/baseline/sca_policy.h"

enum sca_status { SCA_PASSED, SCA_FAILED, SCA_NOT_APPLICABLE };

struct sca_eval_options {
    uint64_t command_timeout_ms; /* per command */
    size_t command_max_output;   /* bytes of output kept per command */
    bool commands;               /* false: c: rules are not applicable ("commands disabled") */
};

struct sca_eval_stats {
    uint64_t rules;          /* rules evaluated */
    uint64_t commands_run;   /* distinct commands started */
    uint64_t command_reuses; /* answered from this run's cache */
    uint64_t command_ms;     /* wall time spent waiting for commands */
    uint64_t files_read;
};

struct sca_check_result {
    enum sca_status status;
    char *reason;     /* not applicable: why; else NULL */
    json_t *evidence; /* array of {"rule", "result", "detail"} for the rules that were evaluated */
};

struct sca_eval;

int sca_eval_new(const struct sca_eval_options *opts, struct sca_eval **out);
void sca_eval_free(struct sca_eval *e);
void sca_eval_get_stats(const struct sca_eval *e, struct sca_eval_stats *st);

/* Evaluate check c (a check with c->error set is not applicable with that reason). Returns 0
 * and fills out, or -ENOMEM. */
int sca_eval_check(struct sca_eval *e, const struct sca_check *c, struct sca_check_result *out);
void sca_check_result_free(struct sca_check_result *r);

/* "passed", "failed", "not_applicable". */
const char *sca_status_name(enum sca_status s);

#endif
