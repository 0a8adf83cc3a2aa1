/* sca_eval.c - evaluating SCA rules and checks on this host (sca_eval.h). */
#include "agent/baseline/sca_eval.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/baseline/sca_exec.h"
#include "common/buf.h"
#include "common/util.h"

#define SCA_FILE_MAX (32u << 20)  /* bytes of one file read for content checks */
#define SCA_DIR_MAX_DEPTH 16
#define SCA_DIR_MAX_ENTRIES 200000
#define SCA_SHOW 240               /* bytes of a line quoted in evidence */

enum rule_result { R_NOT_FOUND = 0, R_FOUND = 1, R_INVALID = 2 };

struct cmd_cache {
    struct cmd_cache *next;
    char *cmdline;
    int rc;                 /* sca_exec_run's result */
    char error[512];        /* its message when rc != 0 */
    struct sca_exec_result res;
};

struct proc_entry {
    int pid;
    char *names[3]; /* comm, argv[0], basename of argv[0] */
    char *cmdline;
};

struct sca_eval {
    struct sca_eval_options opts;
    struct sca_eval_stats stats;
    struct cmd_cache *cmds;
    struct proc_entry *procs;
    size_t nprocs;
    bool procs_loaded;
    size_t dir_entries; /* entries visited by the current d: rule */
};

/* What one rule found: its result, a detail for the evidence, a reason when invalid. */
struct rule_out {
    enum rule_result r;
    struct buf detail;
    char reason[512];
};

static void detail(struct rule_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void detail(struct rule_out *o, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (o->detail.len && o->detail.len < 4096)
        buf_append_str(&o->detail, "; ");
    if (o->detail.len < 4096)
        buf_append_str(&o->detail, tmp);
}

static enum rule_result invalid(struct rule_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static enum rule_result invalid(struct rule_out *o, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (!o->reason[0])
        str_copy(o->reason, tmp, sizeof(o->reason));
    detail(o, "%s", tmp);
    return R_INVALID;
}

const char *sca_status_name(enum sca_status s)
{
    return s == SCA_PASSED ? "passed" : s == SCA_FAILED ? "failed" : "not_applicable";
}

int sca_eval_new(const struct sca_eval_options *opts, struct sca_eval **out)
{
    struct sca_eval *e = calloc(1, sizeof(*e));
    if (!e)
        return -ENOMEM;
    e->opts = *opts;
    if (!e->opts.command_timeout_ms)
        e->opts.command_timeout_ms = 30000;
    if (!e->opts.command_max_output)
        e->opts.command_max_output = 1u << 20;
    *out = e;
    return 0;
}

void sca_eval_free(struct sca_eval *e)
{
    if (!e)
        return;
    for (struct cmd_cache *c = e->cmds, *n; c; c = n) {
        n = c->next;
        free(c->cmdline);
        sca_exec_result_free(&c->res);
        free(c);
    }
    for (size_t i = 0; i < e->nprocs; i++) {
        for (int k = 0; k < 3; k++)
            free(e->procs[i].names[k]);
        free(e->procs[i].cmdline);
    }
    free(e->procs);
    free(e);
}

void sca_eval_get_stats(const struct sca_eval *e, struct sca_eval_stats *st) { *st = e->stats; }

void sca_check_result_free(struct sca_check_result *r)
{
    if (!r)
        return;
    free(r->reason);
    json_decref(r->evidence);
    memset(r, 0, sizeof(*r));
}

/* Quote at most SCA_SHOW bytes of a line for evidence: tabs as spaces, other control and
 * non-ASCII bytes as ? (evidence must be valid UTF-8 JSON whatever the file holds). */
static void quote(char *out, size_t outlen, const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 4 < outlen && i < SCA_SHOW; i++) {
        unsigned char c = (unsigned char)s[i];
        out[k++] = c == '\t' ? ' ' : (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
    }
    if (n > SCA_SHOW && k + 4 < outlen) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
}

/* Run e over the lines of text: R_FOUND at the first matching line (*lineno, *line, *len set),
 * R_NOT_FOUND, or R_INVALID with o's reason. */
static enum rule_result match_lines(const struct sca_expr *x, const char *text, size_t n,
                                    struct rule_out *o, size_t *lineno, const char **line,
                                    size_t *linelen, size_t *nlines)
{
    const char *p = text, *end = text + n;
    size_t no = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        no++;
        size_t l = len;
        while (l && (p[l - 1] == '\r'))
            l--;
        struct vg_error err = {{0}};
        int m = sca_expr_match(x, p, l, &err);
        if (m < 0)
            return invalid(o, "%s (line %zu)", err.msg, no);
        if (m) {
            *lineno = no;
            *line = p;
            *linelen = l;
            *nlines = no;
            return R_FOUND;
        }
        p = nl ? nl + 1 : end;
    }
    *nlines = no;
    return R_NOT_FOUND;
}

/* The leading keyword of the first positive regex or numeric term ("^\\s*PermitRootLogin\\s+no"
 * gives "PermitRootLogin"), or "" when it has none of at least 3 characters. */
static void term_keyword(const struct sca_expr *x, char *out, size_t outlen)
{
    out[0] = '\0';
    for (size_t i = 0; i < x->n; i++) {
        const struct sca_term *t = &x->terms[i];
        if (t->negated || t->op == SCA_TERM_LITERAL)
            continue;
        const char *p = t->text;
        for (;;) {
            if (*p == '^')
                p++;
            else if (p[0] == '\\' && (p[1] == 's' || p[1] == 't') && (p[2] == '*' || p[2] == '+'))
                p += 3;
            else if (p[0] == '\\' && (p[1] == 's' || p[1] == 't'))
                p += 2;
            else
                break;
        }
        size_t k = 0;
        while (k + 1 < outlen && (isalnum((unsigned char)p[k]) || p[k] == '_' || p[k] == '-'))
            k++;
        if (k >= 3) {
            memcpy(out, p, k);
            out[k] = '\0';
            return;
        }
    }
}

/* Evidence for "no line matches": up to 3 lines that mention the expression's keyword, so the
 * reader sees the value that is there instead of the one expected. */
static void near_lines(struct rule_out *o, const struct sca_expr *x, const char *text, size_t n)
{
    char kw[64];
    term_keyword(x, kw, sizeof(kw));
    if (!kw[0])
        return;
    size_t klen = strlen(kw), shown = 0;
    const char *p = text, *end = text + n;
    while (p < end && shown < 3) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        for (size_t i = 0; i + klen <= len; i++)
            if (!strncasecmp(p + i, kw, klen)) {
                char q[SCA_SHOW + 8];
                quote(q, sizeof(q), p, len);
                if (shown)
                    detail(o, "and \"%s\"", q);
                else
                    detail(o, "lines that mention %s: \"%s\"", kw, q);
                shown++;
                break;
            }
        p = nl ? nl + 1 : end;
    }
}

/* Does path exist as a regular file? (following symlinks) */
static enum rule_result file_exists(const char *path, struct rule_out *o)
{
    struct stat st;
    if (stat(path, &st)) {
        if (errno == ENOENT || errno == ENOTDIR) {
            detail(o, "%s does not exist", path);
            return R_NOT_FOUND;
        }
        return invalid(o, "cannot check %s: %s", path, strerror(errno));
    }
    if (!S_ISREG(st.st_mode))
        return invalid(o, "%s is not a regular file", path);
    detail(o, "%s exists (mode %04o, owner %u:%u)", path, (unsigned)(st.st_mode & 07777),
           (unsigned)st.st_uid, (unsigned)st.st_gid);
    return R_FOUND;
}

static enum rule_result file_content(struct sca_eval *e, const char *path,
                                     const struct sca_expr *x, struct rule_out *o)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return invalid(o, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        return invalid(o, "%s is not a regular file", path);
    }
    close(fd);
    struct buf b = {0};
    bool truncated = false;
    int rc = file_read_prefix(path, &b, SCA_FILE_MAX, &truncated);
    e->stats.files_read++;
    if (rc) {
        buf_free(&b);
        return invalid(o, "cannot read %s: %s", path, strerror(-rc));
    }
    size_t lineno = 0, len = 0, nlines = 0;
    const char *line = NULL;
    enum rule_result r = match_lines(x, b.data ? (const char *)b.data : "", b.len, o, &lineno,
                                     &line, &len, &nlines);
    if (r == R_FOUND) {
        char q[SCA_SHOW + 8];
        quote(q, sizeof(q), line, len);
        detail(o, "%s:%zu: %s", path, lineno, q);
    } else if (r == R_NOT_FOUND) {
        detail(o, "no line of %s matches (%zu lines%s)", path, nlines,
               truncated ? ", only the first 32 MiB read" : "");
        near_lines(o, x, b.data ? (const char *)b.data : "", b.len);
    }
    buf_free(&b);
    return r;
}

/* The outcome over a comma-separated list of targets: found at the first target found; else
 * not applicable if one was; else not found. */
typedef enum rule_result (*target_fn)(struct sca_eval *e, const struct sca_rule *rule,
                                      const char *target, struct rule_out *o);

static enum rule_result over_targets(struct sca_eval *e, const struct sca_rule *rule,
                                     struct rule_out *o, target_fn fn)
{
    enum rule_result acc = R_NOT_FOUND;
    char *list = strdup(rule->target);
    if (!list)
        return invalid(o, "out of memory");
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        enum rule_result r = fn(e, rule, t, o);
        if (r == R_FOUND) {
            acc = R_FOUND;
            break;
        }
        if (r == R_INVALID)
            acc = R_INVALID;
    }
    free(list);
    return acc;
}

/* One file of an f: rule (a content check on a file that does not exist is not applicable). */
static enum rule_result one_file(struct sca_eval *e, const struct sca_rule *rule, const char *f,
                                 struct rule_out *o)
{
    if (!rule->content)
        return file_exists(f, o);
    struct stat st;
    if (stat(f, &st) && (errno == ENOENT || errno == ENOTDIR))
        return invalid(o, "%s does not exist, its content cannot be checked", f);
    return file_content(e, f, rule->content, o);
}

/* Recursive part of d: rules. */
static enum rule_result dir_walk(struct sca_eval *e, const char *dir, const struct sca_rule *rule,
                                 int depth, struct rule_out *o)
{
    if (depth > SCA_DIR_MAX_DEPTH)
        return invalid(o, "%s: deeper than %d levels", dir, SCA_DIR_MAX_DEPTH);
    DIR *d = opendir(dir);
    if (!d)
        return invalid(o, "cannot open directory %s: %s", dir, strerror(errno));
    enum rule_result acc = R_NOT_FOUND;
    struct dirent *de;
    char path[4096];
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (++e->dir_entries > SCA_DIR_MAX_ENTRIES) {
            acc = invalid(o, "more than %d directory entries under %s", SCA_DIR_MAX_ENTRIES,
                          rule->target);
            break;
        }
        size_t dl = strlen(dir);
        if ((size_t)snprintf(path, sizeof(path), "%s%s%s", dir,
                             dl && dir[dl - 1] == '/' ? "" : "/", de->d_name) >= sizeof(path))
            continue;
        struct stat st;
        if (lstat(path, &st)) {
            acc = invalid(o, "cannot check %s: %s", path, strerror(errno));
            continue;
        }
        enum rule_result r;
        if (S_ISDIR(st.st_mode)) {
            r = dir_walk(e, path, rule, depth + 1, o);
        } else {
            struct vg_error err = {{0}};
            int m = sca_expr_match(rule->name, de->d_name, strlen(de->d_name), &err);
            if (m < 0) {
                r = invalid(o, "%s", err.msg);
            } else if (!m) {
                continue;
            } else if (!rule->content) {
                r = file_exists(path, o);
            } else {
                r = file_content(e, path, rule->content, o);
            }
        }
        if (r == R_FOUND) {
            acc = R_FOUND;
            break;
        }
        if (r == R_INVALID)
            acc = R_INVALID;
    }
    closedir(d);
    return acc;
}

/* One directory of a d: rule: its existence, or a walk for matching files. */
static enum rule_result one_dir(struct sca_eval *e, const struct sca_rule *rule, const char *dir,
                                struct rule_out *o)
{
    struct stat st;
    if (rule->name) {
        e->dir_entries = 0;
        size_t before = o->detail.len;
        enum rule_result r = dir_walk(e, dir, rule, 0, o);
        if (r == R_NOT_FOUND && o->detail.len == before)
            detail(o, "no file under %s has a name matching %s", dir, rule->name->text);
        return r;
    }
    if (stat(dir, &st)) {
        if (errno != ENOENT && errno != ENOTDIR)
            return invalid(o, "cannot check %s: %s", dir, strerror(errno));
        detail(o, "directory %s does not exist", dir);
        return R_NOT_FOUND;
    }
    if (!S_ISDIR(st.st_mode)) {
        detail(o, "%s is not a directory", dir);
        return R_NOT_FOUND;
    }
    detail(o, "directory %s exists (mode %04o)", dir, (unsigned)(st.st_mode & 07777));
    return R_FOUND;
}

/* The process list, read once per run from /proc. */
static void load_procs(struct sca_eval *e)
{
    e->procs_loaded = true;
    DIR *d = opendir("/proc");
    if (!d)
        return;
    struct dirent *de;
    size_t cap = 0;
    while ((de = readdir(d))) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        char path[300], comm[64];
        snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
        if (file_read_line(path, comm, sizeof(comm)) < 0)
            continue; /* gone, or a kernel thread we cannot read */
        snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
        struct buf cl = {0};
        bool trunc = false;
        file_read_prefix(path, &cl, 4096, &trunc);
        if (e->nprocs == cap) {
            size_t ncap = cap ? cap * 2 : 512;
            struct proc_entry *np = realloc(e->procs, ncap * sizeof(*np));
            if (!np) {
                buf_free(&cl);
                break;
            }
            e->procs = np;
            cap = ncap;
        }
        struct proc_entry *pe = &e->procs[e->nprocs];
        memset(pe, 0, sizeof(*pe));
        pe->pid = atoi(de->d_name);
        pe->names[0] = strdup(comm);
        if (cl.len) {
            buf_terminate(&cl);
            const char *argv0 = (const char *)cl.data;
            pe->names[1] = strdup(argv0);
            const char *slash = strrchr(argv0, '/');
            pe->names[2] = strdup(slash ? slash + 1 : argv0);
            for (size_t i = 0; i < cl.len; i++)
                if (!cl.data[i])
                    cl.data[i] = ' ';
            pe->cmdline = strndup((const char *)cl.data, cl.len);
        }
        buf_free(&cl);
        e->nprocs++;
    }
    closedir(d);
}

static enum rule_result rule_process(struct sca_eval *e, const struct sca_rule *rule,
                                     struct rule_out *o)
{
    if (!e->procs_loaded)
        load_procs(e);
    if (e->nprocs == 0)
        return invalid(o, "the process list cannot be read from /proc");
    for (size_t i = 0; i < e->nprocs; i++) {
        const struct proc_entry *pe = &e->procs[i];
        for (int k = 0; k < 3; k++) {
            if (!pe->names[k])
                continue;
            struct vg_error err = {{0}};
            int m = sca_expr_match(rule->name, pe->names[k], strlen(pe->names[k]), &err);
            if (m < 0)
                return invalid(o, "%s", err.msg);
            if (m) {
                char q[SCA_SHOW + 8];
                quote(q, sizeof(q), pe->cmdline ? pe->cmdline : pe->names[0],
                      strlen(pe->cmdline ? pe->cmdline : pe->names[0]));
                detail(o, "process %s is running (pid %d: %s)", rule->target, pe->pid, q);
                return R_FOUND;
            }
        }
    }
    detail(o, "no running process is called %s (%zu processes)", rule->target, e->nprocs);
    return R_NOT_FOUND;
}

static struct cmd_cache *run_command(struct sca_eval *e, const char *cmdline)
{
    for (struct cmd_cache *c = e->cmds; c; c = c->next)
        if (!strcmp(c->cmdline, cmdline)) {
            e->stats.command_reuses++;
            return c;
        }
    struct cmd_cache *c = calloc(1, sizeof(*c));
    if (!c || !(c->cmdline = strdup(cmdline))) {
        free(c);
        return NULL;
    }
    struct vg_error err = {{0}};
    c->rc = sca_exec_run(cmdline, e->opts.command_timeout_ms, e->opts.command_max_output,
                         &c->res, &err);
    if (c->rc)
        str_copy(c->error, vg_error_str(&err, c->rc), sizeof(c->error));
    e->stats.commands_run++;
    e->stats.command_ms += c->res.elapsed_ms;
    c->next = e->cmds;
    e->cmds = c;
    return c;
}

static enum rule_result rule_command(struct sca_eval *e, const struct sca_rule *rule,
                                     struct rule_out *o)
{
    if (!rule->content) {
        /* the format defines a command rule without a pattern as found, without running it */
        detail(o, "no output pattern: found without running `%s`", rule->target);
        return R_FOUND;
    }
    if (!e->opts.commands)
        return invalid(o, "command rules are disabled on this agent (baseline.commands: false)");
    struct cmd_cache *c = run_command(e, rule->target);
    if (!c)
        return invalid(o, "out of memory");
    if (c->rc)
        return invalid(o, "%s", c->error);
    const struct sca_exec_result *res = &c->res;
    size_t lineno = 0, len = 0, nlines = 0;
    const char *line = NULL;
    enum rule_result r = match_lines(rule->content, (const char *)res->output.data,
                                     res->output.len, o, &lineno, &line, &len, &nlines);
    char status[48];
    if (res->signal)
        snprintf(status, sizeof(status), "killed by signal %d", res->signal);
    else
        snprintf(status, sizeof(status), "exit %d", res->exit_code);
    if (r == R_FOUND) {
        char q[SCA_SHOW + 8];
        quote(q, sizeof(q), line, len);
        detail(o, "`%s` (%s) output line %zu: %s", rule->target, status, lineno, q);
    } else if (r == R_NOT_FOUND) {
        char q[SCA_SHOW + 8];
        quote(q, sizeof(q), (const char *)res->output.data, res->output.len);
        detail(o, "no line of the output of `%s` (%s, %zu lines%s) matches", rule->target, status,
               nlines, res->truncated ? ", truncated" : "");
        size_t mark = o->detail.len;
        near_lines(o, rule->content, (const char *)res->output.data, res->output.len);
        if (o->detail.len == mark) /* nothing mentions the keyword: show how the output starts */
            detail(o, "output: %s", res->output.len ? q : "(empty)");
    }
    return r;
}

static enum rule_result eval_rule(struct sca_eval *e, const struct sca_rule *rule,
                                  struct rule_out *o)
{
    e->stats.rules++;
    switch (rule->type) {
    case SCA_RULE_FILE: return over_targets(e, rule, o, one_file);
    case SCA_RULE_DIR: return over_targets(e, rule, o, one_dir);
    case SCA_RULE_PROCESS: return rule_process(e, rule, o);
    case SCA_RULE_COMMAND: return rule_command(e, rule, o);
    case SCA_RULE_REGISTRY:
        return invalid(o, "registry rules apply to Windows only");
    }
    return invalid(o, "unknown rule type");
}

int sca_eval_check(struct sca_eval *e, const struct sca_check *c, struct sca_check_result *out)
{
    memset(out, 0, sizeof(*out));
    out->evidence = json_array();
    if (!out->evidence)
        return -ENOMEM;
    if (c->error) {
        out->status = SCA_NOT_APPLICABLE;
        size_t n = strlen(c->error) + 32;
        out->reason = malloc(n);
        if (!out->reason)
            return -ENOMEM;
        snprintf(out->reason, n, "policy error: %s", c->error);
        return 0;
    }
    enum rule_result g = c->condition == SCA_COND_ALL ? R_FOUND : R_NOT_FOUND;
    char reason[1100] = "";
    for (size_t i = 0; i < c->nrules; i++) {
        const struct sca_rule *rule = &c->rules[i];
        struct rule_out o = {0};
        enum rule_result found = eval_rule(e, rule, &o);
        if (found != R_INVALID && rule->negated)
            found = found == R_FOUND ? R_NOT_FOUND : R_FOUND;
        if (buf_terminate(&o.detail)) {
            buf_free(&o.detail);
            return -ENOMEM;
        }
        json_t *ev = json_pack("{s:s,s:s,s:s}", "rule", rule->text, "result",
                               found == R_FOUND ? "found" : found == R_NOT_FOUND ? "not found"
                                                                               : "not applicable",
                               "detail", o.detail.data ? (const char *)o.detail.data : "");
        buf_free(&o.detail);
        if (!ev || json_array_append_new(out->evidence, ev))
            return -ENOMEM;
        if ((c->condition == SCA_COND_ALL && found == R_NOT_FOUND) ||
            (c->condition != SCA_COND_ALL && found == R_FOUND)) {
            g = found;
            break;
        }
        if (found == R_INVALID) {
            g = R_INVALID;
            if (!reason[0])
                snprintf(reason, sizeof(reason), "%s: %s", rule->text, o.reason);
        }
    }
    if (c->condition == SCA_COND_NONE && g != R_INVALID)
        g = g == R_FOUND ? R_NOT_FOUND : R_FOUND;
    out->status = g == R_FOUND ? SCA_PASSED : g == R_NOT_FOUND ? SCA_FAILED : SCA_NOT_APPLICABLE;
    if (out->status == SCA_NOT_APPLICABLE && !(out->reason = strdup(reason[0] ? reason : "?")))
        return -ENOMEM;
    return 0;
}
