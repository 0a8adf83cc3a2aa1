/* baseline_run.h - one baseline run: every policy found under the configured paths is loaded,
 * selected by its requirements, evaluated check by check, and reported as events
 * (baseline_checks, baseline_runs, baseline_changes). The previous outcome of every check is
 * kept in a small state file, so that each run reports what regressed or was fixed.
 *
 * Kept apart from the module (threads, schedule, tasks) so tests and the benchmark can run a
 * policy directly and read what it produced. */
#ifndef VIGIL_BASELINE_RUN_H
#define VIGIL_BASELINE_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/baseline/sca_eval.h"
#include "common/config.h"
#include "common/event.h"

/* Where events go: the pipeline in the agent, a collector in tests. Takes ownership. */
typedef void (*baseline_emit_fn)(void *ctx, struct event *ev);

struct baseline_run_options {
    const struct config_list *paths; /* policy files and directories (.yml, .yaml files) */
    const char *only_policy;         /* run only the policy with this id, or NULL */
    const char *state_path;          /* previous outcomes (JSON); NULL: no change tracking */
    const char *trigger;             /* "scheduled" or "on_demand" */
    const char *run_id;              /* NULL: a new uuid */
    struct sca_eval_options eval;
    baseline_emit_fn emit;
    void *emit_ctx;
};

/* Totals of one run, for logs, the task answer and the benchmark. */
struct baseline_run_totals {
    size_t policies_run, policies_skipped, policies_failed;
    size_t passed, failed, not_applicable;
    size_t regressed, fixed, changed;
    uint64_t events;
};

/* Run every policy once. Returns 0 (problems with single policies are reported as events and
 * counted in totals), or -ENOMEM / -errno when the run itself could not go on. */
int baseline_run(const struct baseline_run_options *opts, struct baseline_run_totals *totals,
                 struct vg_error *err);

/* The policy files named by paths, sorted (directories expanded to their .yml / .yaml
 * files); caller frees with config_free-like loop. Returns the count or -errno. */
int baseline_policy_files(const struct config_list *paths, char ***out);
void baseline_policy_files_free(char **files, size_t n);

#endif
