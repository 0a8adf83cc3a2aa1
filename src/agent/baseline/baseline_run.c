/* baseline_run.c - one baseline run over every policy (baseline_run.h). */
#include "agent/baseline/baseline_run.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "agent/baseline/sca_policy.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/util.h"

#define BASELINE_MAX_POLICY_FILES 1000
#define BASELINE_STATE_MAX (64u << 20)

void baseline_policy_files_free(char **files, size_t n)
{
    for (size_t i = 0; files && i < n; i++)
        free(files[i]);
    free(files);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool policy_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && ((n > 4 && !strcmp(name + n - 4, ".yml")) ||
                              (n > 5 && !strcmp(name + n - 5, ".yaml")));
}

static int push(char ***files, size_t *n, const char *path)
{
    if (*n >= BASELINE_MAX_POLICY_FILES)
        return -E2BIG;
    char **nf = realloc(*files, (*n + 1) * sizeof(char *));
    if (!nf)
        return -ENOMEM;
    *files = nf;
    if (!(nf[*n] = strdup(path)))
        return -ENOMEM;
    (*n)++;
    return 0;
}

int baseline_policy_files(const struct config_list *paths, char ***out)
{
    char **files = NULL;
    size_t n = 0;
    int rc = 0;
    for (size_t i = 0; paths && i < paths->count && !rc; i++) {
        const char *p = paths->items[i];
        struct stat st;
        if (stat(p, &st))
            continue; /* a missing path is reported by the caller through an empty run */
        if (!S_ISDIR(st.st_mode)) {
            rc = push(&files, &n, p);
            continue;
        }
        DIR *d = opendir(p);
        if (!d)
            continue;
        size_t first = n;
        struct dirent *de;
        char path[4096];
        while ((de = readdir(d)) && !rc) {
            if (!policy_name(de->d_name))
                continue;
            if ((size_t)snprintf(path, sizeof(path), "%s/%s", p, de->d_name) >= sizeof(path))
                continue;
            rc = push(&files, &n, path);
        }
        closedir(d);
        qsort(files + first, n - first, sizeof(char *), cmp_str);
    }
    if (rc) {
        baseline_policy_files_free(files, n);
        return rc;
    }
    *out = files;
    return (int)n;
}

struct run {
    const struct baseline_run_options *o;
    struct baseline_run_totals *t;
    char run_id[64];
    json_t *state; /* {policy_id: {check_id: result}} */
};

static void emit(struct run *r, struct event *ev)
{
    r->t->events++;
    r->o->emit(r->o->emit_ctx, ev);
}

static struct event *new_event(struct run *r, enum table_id table, const char *action,
                               const struct sca_policy *p)
{
    struct event *ev = event_new(table, action);
    if (!ev)
        return NULL;
    event_add_str(ev, FLD_RUN_ID, r->run_id);
    if (p) {
        event_add_str(ev, FLD_POLICY_ID, p->id);
        event_add_str(ev, FLD_POLICY_NAME, p->name);
    }
    return ev;
}

static void add_json(struct event *ev, enum field_id f, json_t *v)
{
    if (!v)
        return;
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (s)
        event_add_str(ev, f, s);
    free(s);
}

static void add_opt(struct event *ev, enum field_id f, const char *s)
{
    if (s && *s)
        event_add_str(ev, f, s);
}

/* The report of a policy that did not run: skipped (requirements) or error (loading). */
static void report_not_run(struct run *r, const char *action, const char *path,
                           const struct sca_policy *p, const char *reason)
{
    struct event *ev = new_event(r, TBL_BASELINE_RUNS, action, p);
    if (!ev)
        return;
    if (!p)
        event_add_str(ev, FLD_POLICY_ID, "");
    event_add_str(ev, FLD_POLICY_FILE, path);
    if (p)
        event_add_str(ev, FLD_POLICY_SHA256, p->sha256);
    event_add_str(ev, FLD_TRIGGER, r->o->trigger ? r->o->trigger : "scheduled");
    event_add_str(ev, FLD_REASON, reason);
    emit(r, ev);
}

static const char *change_of(const char *prev, const char *now)
{
    if (!prev || !strcmp(prev, now))
        return NULL;
    if (!strcmp(prev, "passed") && !strcmp(now, "failed"))
        return "regressed";
    if (!strcmp(prev, "failed") && !strcmp(now, "passed"))
        return "fixed";
    return "changed";
}

/* An event about check c's outcome, with the fields results and changes share. */
static struct event *check_event(struct run *r, enum table_id table, const char *action,
                                 const struct sca_policy *p, const struct sca_check *c,
                                 const char *status, const char *before,
                                 const struct sca_check_result *res, const char *evidence)
{
    struct event *e = new_event(r, table, action, p);
    if (!e)
        return NULL;
    event_add_int(e, FLD_CHECK_ID, c->id);
    event_add_str(e, FLD_CHECK_TITLE, c->title);
    event_add_str(e, FLD_CHECK_RESULT, status);
    add_opt(e, FLD_PREVIOUS_RESULT, before);
    add_opt(e, FLD_REASON, res->reason);
    add_opt(e, FLD_EVIDENCE, evidence);
    add_opt(e, FLD_REMEDIATION, c->remediation);
    return e;
}

static int run_policy(struct run *r, struct sca_eval *ev, const char *path, struct sca_policy *p)
{
    uint64_t start = time_mono_ns();
    struct sca_eval_stats before;
    sca_eval_get_stats(ev, &before);
    if (p->has_requirements) {
        struct sca_check_result req;
        if (sca_eval_check(ev, &p->requirements, &req))
            return -ENOMEM;
        if (req.status != SCA_PASSED) {
            char reason[1024];
            if (req.status == SCA_FAILED)
                snprintf(reason, sizeof(reason), "requirements not met: %s",
                         p->requirements.title);
            else
                snprintf(reason, sizeof(reason), "requirements cannot be evaluated: %s",
                         req.reason ? req.reason : "?");
            report_not_run(r, "skipped", path, p, reason);
            r->t->policies_skipped++;
            sca_check_result_free(&req);
            return 0;
        }
        sca_check_result_free(&req);
    }
    json_t *prev = json_object_get(r->state, p->id);
    json_t *now = json_object();
    if (!now)
        return -ENOMEM;
    size_t passed = 0, failed = 0, na = 0;
    for (size_t i = 0; i < p->nchecks; i++) {
        const struct sca_check *c = &p->checks[i];
        struct sca_check_result res;
        if (sca_eval_check(ev, c, &res)) {
            json_decref(now);
            return -ENOMEM;
        }
        const char *status = sca_status_name(res.status);
        passed += res.status == SCA_PASSED;
        failed += res.status == SCA_FAILED;
        na += res.status == SCA_NOT_APPLICABLE;
        char key[32];
        snprintf(key, sizeof(key), "%lld", c->id);
        const char *before_status = json_string_value(json_object_get(prev, key));
        json_object_set_new(now, key, json_string(status));
        char *evidence = json_dumps(res.evidence, JSON_COMPACT);

        struct event *e = check_event(r, TBL_BASELINE_CHECKS, "result", p, c, status,
                                      before_status, &res, evidence);
        if (e) {
            add_opt(e, FLD_CHECK_DESCRIPTION, c->description);
            add_opt(e, FLD_RATIONALE, c->rationale);
            add_json(e, FLD_COMPLIANCE, c->compliance);
            add_json(e, FLD_MITRE, c->mitre);
            event_add_str(e, FLD_CONDITION, sca_condition_name(c->condition));
            add_opt(e, FLD_RULES, c->rules_json);
            emit(r, e);
        }
        const char *change = change_of(before_status, status);
        if (change) {
            r->t->regressed += !strcmp(change, "regressed");
            r->t->fixed += !strcmp(change, "fixed");
            r->t->changed += !strcmp(change, "changed");
            struct event *ch = check_event(r, TBL_BASELINE_CHANGES, change, p, c, status,
                                           before_status, &res, evidence);
            if (ch)
                emit(r, ch);
        }
        free(evidence);
        sca_check_result_free(&res);
    }
    json_object_set_new(r->state, p->id, now);

    struct sca_eval_stats after;
    sca_eval_get_stats(ev, &after);
    uint64_t ms = (time_mono_ns() - start) / 1000000ull;
    struct event *s = new_event(r, TBL_BASELINE_RUNS, "summary", p);
    if (s) {
        event_add_str(s, FLD_POLICY_FILE, path);
        event_add_str(s, FLD_POLICY_SHA256, p->sha256);
        event_add_str(s, FLD_TRIGGER, r->o->trigger ? r->o->trigger : "scheduled");
        event_add_int(s, FLD_PASSED, (int64_t)passed);
        event_add_int(s, FLD_FAILED, (int64_t)failed);
        event_add_int(s, FLD_NOT_APPLICABLE, (int64_t)na);
        event_add_int(s, FLD_TOTAL_CHECKS, (int64_t)p->nchecks);
        event_add_int(s, FLD_SCORE, passed + failed ? (int64_t)(passed * 100 / (passed + failed))
                                                    : -1);
        event_add_int(s, FLD_DURATION_MS, (int64_t)ms);
        event_add_int(s, FLD_COMMANDS_RUN, (int64_t)(after.commands_run - before.commands_run));
        emit(r, s);
    }
    r->t->policies_run++;
    r->t->passed += passed;
    r->t->failed += failed;
    r->t->not_applicable += na;
    log_info("baseline: %s (%s): %zu passed, %zu failed, %zu not applicable in %llu ms",
             p->id, path, passed, failed, na, (unsigned long long)ms);
    return 0;
}

static json_t *load_state(const char *path)
{
    json_t *st = NULL;
    if (path) {
        struct buf b = {0};
        if (file_read_all(path, &b, BASELINE_STATE_MAX) == 0 && b.len) {
            json_error_t jerr;
            st = json_loadb((const char *)b.data, b.len, 0, &jerr);
            if (!json_is_object(st)) {
                log_warn("baseline: state %s is unreadable (%s); changes are tracked anew", path,
                         jerr.text);
                json_decref(st);
                st = NULL;
            }
        }
        buf_free(&b);
    }
    return st ? st : json_object();
}

static void save_state(const char *path, json_t *state)
{
    if (!path)
        return;
    char *s = json_dumps(state, JSON_COMPACT | JSON_SORT_KEYS);
    if (!s || file_write_atomic(path, s, strlen(s), 0600))
        log_warn("baseline: cannot save state %s: changes may be reported again", path);
    free(s);
}

int baseline_run(const struct baseline_run_options *o, struct baseline_run_totals *totals,
                 struct vg_error *err)
{
    memset(totals, 0, sizeof(*totals));
    struct run r = {.o = o, .t = totals};
    struct sca_eval *ev = NULL;
    char **files = NULL;
    int rc = 0, n = 0;
    if (o->run_id)
        str_copy(r.run_id, o->run_id, sizeof(r.run_id));
    else
        uuid_random(r.run_id);
    if (!(r.state = load_state(o->state_path)) || sca_eval_new(&o->eval, &ev)) {
        rc = vg_error_set(err, -ENOMEM, "out of memory");
        goto cleanup;
    }
    n = baseline_policy_files(o->paths, &files);
    if (n < 0) {
        rc = vg_error_set(err, n, "listing policies: %s", strerror(-n));
        goto cleanup;
    }
    for (int i = 0; i < n; i++) {
        struct sca_policy *p = NULL;
        struct vg_error perr = {{0}};
        int lrc = sca_policy_load_file(files[i], &p, &perr);
        if (lrc == -ENOMEM) {
            rc = vg_error_set(err, lrc, "out of memory");
            goto cleanup;
        }
        if (lrc) {
            if (!o->only_policy) {
                log_warn("baseline: policy %s cannot be loaded: %s", files[i],
                         vg_error_str(&perr, lrc));
                report_not_run(&r, "error", files[i], NULL, vg_error_str(&perr, lrc));
                totals->policies_failed++;
            }
            continue;
        }
        if (o->only_policy && strcmp(o->only_policy, p->id) != 0) {
            sca_policy_free(p);
            continue;
        }
        if (p->parse_errors)
            log_warn("baseline: policy %s: %zu checks cannot be parsed (reported not "
                     "applicable)", files[i], p->parse_errors);
        rc = run_policy(&r, ev, files[i], p);
        sca_policy_free(p);
        if (rc) {
            vg_error_set(err, rc, "out of memory");
            goto cleanup;
        }
        save_state(o->state_path, r.state);
    }
cleanup:
    baseline_policy_files_free(files, n > 0 ? (size_t)n : 0);
    sca_eval_free(ev);
    json_decref(r.state);
    return rc;
}
