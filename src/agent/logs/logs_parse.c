/* logs_parse.c - the parsing driver: syslog framing, the parser registry in order, the
 * table-driven pattern engine (PCRE2, JIT-compiled once per input) and the helpers parsers
 * share. It owns no I/O: the inputs hand it records, the module spools what comes out. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/logs/logs_parser.h"
#include "common/util.h"

#define FIXED_MAX 6
#define GROUPS_MAX 16

struct compiled_pattern {
    const struct log_pattern *src;
    pcre2_code *code;
    struct { uint16_t group; enum field_id field; } groups[GROUPS_MAX];
    size_t ngroups;
    struct { enum field_id field; char value[64]; } fixed[FIXED_MAX];
    size_t nfixed;
};

struct log_parse_ctx {
    struct compiled_pattern *patterns; /* of every table-driven parser, in registry order */
    size_t npatterns;
    size_t *first;                     /* index of each parser's first pattern */
    pcre2_match_data *md;
    struct audit_ctx audit;
};

struct audit_ctx *logs_parse_audit_ctx(struct log_parse_ctx *ctx) { return &ctx->audit; }

static int parse_fixed(struct compiled_pattern *cp, const char *fixed, struct vg_error *err)
{
    const char *p = fixed;
    while (p && *p) {
        const char *eq = strchr(p, '='), *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        if (!eq || eq > end || cp->nfixed == FIXED_MAX)
            return vg_error_set(err, -EINVAL, "log pattern \"%s\": bad fixed columns \"%s\"",
                                cp->src->regex, fixed);
        char name[64];
        size_t nl = (size_t)(eq - p) < sizeof(name) - 1 ? (size_t)(eq - p) : sizeof(name) - 1;
        memcpy(name, p, nl);
        name[nl] = '\0';
        const struct field_def *f = schema_field_by_name(name);
        if (!f)
            return vg_error_set(err, -EINVAL, "log pattern \"%s\": unknown column \"%s\"",
                                cp->src->regex, name);
        size_t vl = (size_t)(end - eq - 1);
        if (vl >= sizeof(cp->fixed[0].value))
            vl = sizeof(cp->fixed[0].value) - 1;
        cp->fixed[cp->nfixed].field = f->id;
        memcpy(cp->fixed[cp->nfixed].value, eq + 1, vl);
        cp->fixed[cp->nfixed].value[vl] = '\0';
        cp->nfixed++;
        p = *end ? end + 1 : end;
    }
    return 0;
}

static int compile_pattern(struct compiled_pattern *cp, const struct log_pattern *src,
                           struct vg_error *err)
{
    int ec;
    PCRE2_SIZE eo;
    cp->src = src;
    cp->code = pcre2_compile((PCRE2_SPTR)src->regex, PCRE2_ZERO_TERMINATED,
                             PCRE2_ANCHORED | PCRE2_DOTALL, &ec, &eo, NULL);
    if (!cp->code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof(msg));
        return vg_error_set(err, -EINVAL, "log pattern \"%s\" at %zu: %s", src->regex,
                            (size_t)eo, (const char *)msg);
    }
    pcre2_jit_compile(cp->code, PCRE2_JIT_COMPLETE); /* without JIT it still works, slower */
    uint32_t count = 0, size = 0;
    PCRE2_SPTR table = NULL;
    pcre2_pattern_info(cp->code, PCRE2_INFO_NAMECOUNT, &count);
    pcre2_pattern_info(cp->code, PCRE2_INFO_NAMEENTRYSIZE, &size);
    pcre2_pattern_info(cp->code, PCRE2_INFO_NAMETABLE, &table);
    for (uint32_t i = 0; i < count; i++) {
        const unsigned char *e = table + (size_t)i * size;
        const char *name = (const char *)e + 2;
        if (name[0] == '_')
            continue; /* a helper group */
        const struct field_def *f = schema_field_by_name(name);
        if (!f || cp->ngroups == GROUPS_MAX)
            return vg_error_set(err, -EINVAL, "log pattern \"%s\": group \"%s\" is not a column",
                                src->regex, name);
        cp->groups[cp->ngroups].group = (uint16_t)((e[0] << 8) | e[1]);
        cp->groups[cp->ngroups].field = f->id;
        cp->ngroups++;
    }
    return src->fixed ? parse_fixed(cp, src->fixed, err) : 0;
}

struct log_parse_ctx *logs_parse_ctx_new(struct vg_error *err)
{
    struct log_parse_ctx *ctx = calloc(1, sizeof(*ctx));
    size_t nparsers = 0, total = 0;
    if (!ctx)
        goto oom;
    while (log_parsers[nparsers]) {
        for (const struct log_pattern *p = log_parsers[nparsers]->patterns; p && p->regex; p++)
            total++;
        nparsers++;
    }
    ctx->patterns = calloc(total ? total : 1, sizeof(*ctx->patterns));
    ctx->first = calloc(nparsers + 1, sizeof(*ctx->first));
    ctx->md = pcre2_match_data_create(GROUPS_MAX * 2 + 2, NULL);
    if (!ctx->patterns || !ctx->first || !ctx->md)
        goto oom;
    for (size_t i = 0; i < nparsers; i++) {
        ctx->first[i] = ctx->npatterns;
        for (const struct log_pattern *p = log_parsers[i]->patterns; p && p->regex; p++) {
            if (compile_pattern(&ctx->patterns[ctx->npatterns], p, err)) {
                ctx->npatterns++;
                vg_error_prefix(err, -EINVAL, "parser %s: ", log_parsers[i]->name);
                logs_parse_ctx_free(ctx);
                return NULL;
            }
            ctx->npatterns++;
        }
    }
    ctx->first[nparsers] = ctx->npatterns;
    return ctx;
oom:
    vg_error_set(err, -ENOMEM, "log parsers: out of memory");
    logs_parse_ctx_free(ctx);
    return NULL;
}

void logs_parse_ctx_free(struct log_parse_ctx *ctx)
{
    if (!ctx)
        return;
    for (size_t i = 0; i < ctx->npatterns; i++)
        pcre2_code_free(ctx->patterns[i].code);
    free(ctx->patterns);
    free(ctx->first);
    pcre2_match_data_free(ctx->md);
    free(ctx);
}

void logs_parse_out_clear(struct log_parse_out *out)
{
    for (size_t i = 0; i < out->nderived; i++)
        event_free(out->derived[i]);
    out->nderived = 0;
    out->parsers[0] = '\0';
}

static const enum field_id context_fields[] = {
    FLD_LOG_INPUT, FLD_LOG_FILE, FLD_LOG_OFFSET, FLD_UNIT, FLD_LOG_HOST, FLD_PROGRAM, FLD_PID,
    FLD_MESSAGE,
};

struct event *logs_derive(struct log_parse_out *out, enum table_id table, const char *action)
{
    if (out->nderived == LOG_DERIVED_MAX)
        return NULL;
    struct event *ev = event_new(table, action);
    if (!ev)
        return NULL;
    const struct table_def *t = schema_table(table);
    ev->time_ns = out->line->time_ns;
    for (size_t i = 0; i < ARRAY_SIZE(context_fields); i++) {
        const struct event_field *f = event_get(out->line, context_fields[i]);
        if (!f || (t && schema_table_column(t, context_fields[i]) < 0))
            continue;
        if (f->type == FT_INT)
            event_add_int(ev, context_fields[i], f->v.i);
        else
            event_add_strn(ev, context_fields[i], event_field_str(out->line, f), f->len);
    }
    out->derived[out->nderived++] = ev;
    return ev;
}

static void add_value(struct event *ev, enum field_id id, const char *s, size_t len)
{
    const struct field_def *f = schema_field(id);
    if (!f)
        return;
    if (f->type == FT_TEXT) {
        event_add_strn(ev, id, s, len);
        return;
    }
    char num[32];
    if (len == 0 || len >= sizeof(num))
        return;
    memcpy(num, s, len);
    num[len] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(num, &end, 10);
    if (!errno && *end == '\0')
        event_add_int(ev, id, v);
}

int logs_patterns_apply(struct log_parse_ctx *ctx, const struct log_parser *p, const char *msg,
                        struct log_parse_out *out)
{
    size_t idx = 0;
    while (log_parsers[idx] && log_parsers[idx] != p)
        idx++;
    if (!log_parsers[idx])
        return 0;
    size_t len = strlen(msg);
    for (size_t i = ctx->first[idx]; i < ctx->first[idx + 1]; i++) {
        struct compiled_pattern *cp = &ctx->patterns[i];
        int rc = pcre2_match(cp->code, (PCRE2_SPTR)msg, len, 0, 0, ctx->md, NULL);
        if (rc < 0)
            continue;
        struct event *ev = cp->src->table == TBL_LOG_EVENTS
                               ? out->line
                               : logs_derive(out, cp->src->table, cp->src->action);
        if (!ev)
            return -ENOMEM;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(ctx->md);
        uint32_t nov = pcre2_get_ovector_count(ctx->md);
        for (size_t g = 0; g < cp->ngroups; g++) {
            uint32_t n = cp->groups[g].group;
            if (n >= nov || ov[2 * n] == PCRE2_UNSET)
                continue;
            add_value(ev, cp->groups[g].field, msg + ov[2 * n], ov[2 * n + 1] - ov[2 * n]);
        }
        for (size_t k = 0; k < cp->nfixed; k++)
            add_value(ev, cp->fixed[k].field, cp->fixed[k].value, strlen(cp->fixed[k].value));
        return 1;
    }
    return 0;
}

static bool program_matches(const char *list, const char *program)
{
    size_t pl = strlen(program);
    if (!pl)
        return true; /* a record without a header (sshd -E, a program's own file): try all */
    for (const char *p = list; *p;) {
        const char *bar = strchr(p, '|');
        size_t l = bar ? (size_t)(bar - p) : strlen(p);
        if (l == pl && !memcmp(p, program, l))
            return true;
        if (!bar)
            break;
        p = bar + 1;
    }
    return false;
}

static void note_parser(struct log_parse_out *out, const char *name)
{
    size_t l = strlen(out->parsers);
    snprintf(out->parsers + l, sizeof(out->parsers) - l, "%s%s", l ? "," : "", name);
}

int logs_parse(struct log_parse_ctx *ctx, struct log_record *r, struct log_parse_out *out)
{
    struct event *line = out->line;
    out->nderived = 0;
    out->parsers[0] = '\0';
    if (!r->msg)
        r->msg = r->text;
    if (!r->framed) {
        r->pid = -1;
        r->severity = r->facility = -1;
        int kind = logs_syslog_header(r, time_now_ns());
        if (kind)
            note_parser(out, kind == 5424 ? "rfc5424" : "rfc3164");
    }
    if (r->time_ns)
        line->time_ns = r->time_ns;
    if (r->host[0])
        event_add_str(line, FLD_LOG_HOST, r->host);
    if (r->program[0])
        event_add_str(line, FLD_PROGRAM, r->program);
    if (r->pid >= 0)
        event_add_int(line, FLD_PID, r->pid);
    if (r->severity >= 0)
        event_add_int(line, FLD_SYSLOG_SEVERITY, r->severity);
    if (r->facility >= 0)
        event_add_int(line, FLD_FACILITY, r->facility);
    if (r->msg != r->text || r->framed)
        event_add_str(line, FLD_MESSAGE, r->msg);

    for (size_t i = 0; log_parsers[i]; i++) {
        const struct log_parser *p = log_parsers[i];
        if (p->programs && !program_matches(p->programs, r->program))
            continue;
        int rc = p->parse ? p->parse(ctx, r, out) : logs_patterns_apply(ctx, p, r->msg, out);
        if (rc < 0)
            return rc;
        if (rc > 0) {
            note_parser(out, p->name);
            break;
        }
    }
    if (out->parsers[0])
        event_add_str(line, FLD_PARSER, out->parsers);
    return (int)out->nderived;
}
