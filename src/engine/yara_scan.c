/* yara_scan.c - compiling YARA rule files and scanning files with libyara (yara_scan.h). */
#include "engine/yara_scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yara.h>

#include "common/util.h"

#define YARA_SCAN_TIMEOUT_S 10

struct yara_set {
    YR_RULES *rules;
};

struct compile_ctx {
    engine_report_fn report;
    void *report_ctx;
    const char *file;
    int errors;
};

static void on_compile_message(int level, const char *file, int line, const YR_RULE *rule,
                               const char *message, void *user)
{
    struct compile_ctx *c = user;
    (void)rule;
    if (level != YARA_ERROR_LEVEL_ERROR)
        return;
    c->errors++;
    if (c->report) {
        char reason[512];
        snprintf(reason, sizeof(reason), "line %d: %s", line, message);
        struct engine_report r = {file ? file : c->file, "", "YARA", reason};
        c->report(c->report_ctx, &r);
    }
}

static bool yara_name(const char *n)
{
    size_t l = strlen(n);
    return (l > 4 && !strcmp(n + l - 4, ".yar")) || (l > 5 && !strcmp(n + l - 5, ".yara"));
}

/* Files to compile under path, sorted; *n receives the count. */
static int list(const char *path, char ***files, size_t *n, int depth)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return -errno;
    if (S_ISREG(st.st_mode)) {
        char **nf = realloc(*files, (*n + 1) * sizeof(char *));
        if (!nf || !(nf[*n] = strdup(path))) {
            if (nf)
                *files = nf;
            return -ENOMEM;
        }
        *files = nf;
        (*n)++;
        return 0;
    }
    if (!S_ISDIR(st.st_mode) || depth > 8)
        return 0;
    struct dirent **ents;
    int k = scandir(path, &ents, NULL, alphasort);
    if (k < 0)
        return -errno;
    int rc = 0;
    for (int i = 0; i < k; i++) {
        if (!rc && ents[i]->d_name[0] != '.') {
            char child[4096];
            snprintf(child, sizeof(child), "%s/%s", path, ents[i]->d_name);
            struct stat cs;
            if (stat(child, &cs) == 0 && (S_ISDIR(cs.st_mode) || yara_name(ents[i]->d_name)))
                rc = list(child, files, n, depth + 1);
        }
        free(ents[i]);
    }
    free(ents);
    return rc;
}

int yara_set_load(const char *path, engine_report_fn report, void *report_ctx,
                  struct yara_set **out, struct vg_error *err)
{
    *out = NULL;
    char **files = NULL;
    size_t n = 0;
    int rc = list(path, &files, &n, 0), compiled = 0;
    YR_COMPILER *comp = NULL;
    if (rc) {
        vg_error_set(err, rc, "YARA rules %s: %s", path, strerror(-rc));
        goto cleanup;
    }
    if (yr_initialize() != ERROR_SUCCESS) {
        rc = vg_error_set(err, -ENOMEM, "libyara cannot be initialised");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        /* one compiler per file, so a broken file cannot spoil the others: check it alone */
        YR_COMPILER *probe;
        if (yr_compiler_create(&probe) != ERROR_SUCCESS) {
            rc = vg_error_set(err, -ENOMEM, "libyara: out of memory");
            break;
        }
        struct compile_ctx cc = {report, report_ctx, files[i], 0};
        yr_compiler_set_callback(probe, on_compile_message, &cc);
        FILE *f = fopen(files[i], "re");
        int errors = f ? yr_compiler_add_file(probe, f, NULL, files[i]) : 1;
        if (f)
            fclose(f);
        yr_compiler_destroy(probe);
        if (!f && report) {
            struct engine_report r = {files[i], "", "file", strerror(errno)};
            report(report_ctx, &r);
        }
        if (errors)
            continue;
        if (!comp && yr_compiler_create(&comp) != ERROR_SUCCESS) {
            rc = vg_error_set(err, -ENOMEM, "libyara: out of memory");
            break;
        }
        cc.errors = 0;
        yr_compiler_set_callback(comp, on_compile_message, &cc);
        f = fopen(files[i], "re");
        if (f) {
            if (yr_compiler_add_file(comp, f, NULL, files[i]) == 0)
                compiled++;
            fclose(f);
        }
    }
    if (!rc && comp && compiled) {
        struct yara_set *ys = calloc(1, sizeof(*ys));
        if (!ys || yr_compiler_get_rules(comp, &ys->rules) != ERROR_SUCCESS) {
            free(ys);
            rc = vg_error_set(err, -ENOMEM, "libyara: cannot build the rules");
        } else {
            *out = ys;
        }
    }
    if (comp) /* libyara's destructor is not NULL-safe */
        yr_compiler_destroy(comp);
    if (!*out)
        yr_finalize();
cleanup:
    for (size_t i = 0; i < n; i++)
        free(files[i]);
    free(files);
    return rc ? rc : compiled;
}

void yara_set_free(struct yara_set *ys)
{
    if (!ys)
        return;
    yr_rules_destroy(ys->rules);
    free(ys);
    yr_finalize();
}

struct scan_ctx {
    yara_match_fn fn;
    void *ctx;
    int matches;
};

static int on_scan(YR_SCAN_CONTEXT *context, int message, void *data, void *user)
{
    (void)context;
    struct scan_ctx *s = user;
    if (message != CALLBACK_MSG_RULE_MATCHING)
        return CALLBACK_CONTINUE;
    YR_RULE *rule = data;
    struct yara_match m = {rule->identifier, rule->identifier, "high", "", ""};
    YR_META *meta;
    yr_rule_metas_foreach(rule, meta) {
        if (meta->type != META_TYPE_STRING || !meta->string)
            continue;
        if (!strcmp(meta->identifier, "title") || (!strcmp(meta->identifier, "description") &&
                                                   m.title == rule->identifier))
            m.title = meta->string;
        else if (!strcmp(meta->identifier, "severity"))
            m.severity = meta->string;
        else if (!strcmp(meta->identifier, "technique"))
            m.technique = meta->string;
        else if (!strcmp(meta->identifier, "tactic"))
            m.tactic = meta->string;
    }
    s->matches++;
    s->fn(s->ctx, &m);
    return CALLBACK_CONTINUE;
}

int yara_set_scan_file(struct yara_set *ys, const char *path, size_t max_bytes, yara_match_fn fn,
                       void *ctx, struct vg_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return vg_error_set(err, -errno, "%s: %s", path, strerror(errno));
    int rc = yara_set_scan_fd(ys, fd, path, max_bytes, fn, ctx, err);
    close(fd);
    return rc;
}

int yara_set_scan_fd(struct yara_set *ys, int fd, const char *path, size_t max_bytes,
                     yara_match_fn fn, void *ctx, struct vg_error *err)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return vg_error_set(err, -errno, "%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return vg_error_set(err, -EINVAL, "%s: not a regular file", path);
    if ((size_t)st.st_size > max_bytes)
        return vg_error_set(err, -EFBIG, "%s: larger than %zu bytes, not scanned", path, max_bytes);
    struct scan_ctx s = {fn, ctx, 0};
    int rc = yr_rules_scan_fd(ys->rules, fd, SCAN_FLAGS_FAST_MODE, on_scan, &s, YARA_SCAN_TIMEOUT_S);
    if (rc != ERROR_SUCCESS)
        return vg_error_set(err, -EIO, "%s: YARA scan failed (libyara error %d)", path, rc);
    return s.matches;
}

struct event *yara_alert_event(const struct yara_match *m, const char *path, const struct event *ev)
{
    static const enum field_id copied[] = {
        FLD_PID, FLD_PPID, FLD_ENTITY_ID, FLD_PARENT_ENTITY_ID, FLD_EXE, FLD_PARENT_EXE,
        FLD_CMDLINE, FLD_UID, FLD_EUID, FLD_USER, FLD_ANCESTRY,
    };
    struct event *a = event_new(TBL_ALERTS, "alert");
    if (!a)
        return NULL;
    char id[256], key_src[4096], key[65];
    snprintf(id, sizeof(id), "yara:%s", m->rule);
    snprintf(key_src, sizeof(key_src), "%s\x1f%s", id, path);
    sha256_hex(key_src, strlen(key_src), key);
    key[16] = '\0';
    int rc = event_add_str(a, FLD_RULE_ID, id);
    rc = rc ? rc : event_add_str(a, FLD_RULE_TITLE, m->title);
    rc = rc ? rc : event_add_str(a, FLD_RULE_SOURCE, "yara");
    rc = rc ? rc : event_add_str(a, FLD_SEVERITY, m->severity);
    rc = rc ? rc : event_add_str(a, FLD_TACTIC, m->tactic);
    rc = rc ? rc : event_add_str(a, FLD_TECHNIQUE, m->technique);
    rc = rc ? rc : event_add_str(a, FLD_DEDUP_KEY, key);
    rc = rc ? rc : event_add_int(a, FLD_REPEAT_COUNT, 1);
    rc = rc ? rc : event_add_str(a, FLD_PATH, path);
    rc = rc ? rc : event_add_str(a, FLD_INDICATOR, m->rule);
    if (!rc && ev) {
        const struct table_def *t = schema_table(ev->table);
        const char *eid = event_get_str(ev, FLD_ENTITY_ID);
        char trig[512];
        snprintf(trig, sizeof(trig),
                 "[{\"seq\":%llu,\"table\":\"%s\",\"action\":\"%s\",\"time\":%llu,\"entity_id\":\"%.16s\"}]",
                 (unsigned long long)ev->seq, t ? t->name : "", ev->action,
                 (unsigned long long)ev->time_ns, eid ? eid : "");
        rc = event_add_str(a, FLD_TRIGGER_EVENTS, trig);
        rc = rc ? rc : event_add_str(a, FLD_EVENT_TABLE, t ? t->name : "");
        for (size_t i = 0; !rc && i < sizeof(copied) / sizeof(copied[0]); i++) {
            const struct event_field *f = event_get(ev, copied[i]);
            if (f)
                rc = f->type == FT_INT ? event_add_int(a, copied[i], f->v.i)
                                       : event_add_strn(a, copied[i], event_field_str(ev, f), f->len);
        }
    }
    if (!rc && !ev)
        rc = event_add_str(a, FLD_TRIGGER_EVENTS, "[]");
    if (rc && rc != -EEXIST) {
        event_free(a);
        return NULL;
    }
    return a;
}
