/* parse_audit.c - Linux audit records (audit.log, or forwarded through syslog as
 * "audit: type=... audit(...)"): "type=T msg=audit(SEC.MS:SERIAL): k=v k=v ..." with quoted
 * values, hex-encoded untrusted strings, a nested msg='k=v ...' in user-space records and,
 * with log_format=ENRICHED, interpreted fields after a 0x1d separator.
 *
 * Every field goes into audit_fields (a JSON object of strings, hex decoded) for rule
 * engines; the common ones also get their columns. Records of one audit event share the
 * serial, and audit writes them together: the process context of the SYSCALL record is kept
 * per input and copied into the records that follow with the same serial. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "agent/logs/logs_parser.h"
#include "common/buf.h"
#include "common/util.h"

#define VALUE_MAX 8192

/* Fields audit hex-encodes when their value has spaces, quotes or control characters. */
static bool hex_encodable(const char *type, const char *key)
{
    static const char *const keys[] = {"proctitle", "comm", "exe", "name", "cwd", "acct",
                                       "path", "data", "cmd", "old", "new", "dir", "watch",
                                       "new-log_passwd", "grantors", NULL};
    for (size_t i = 0; keys[i]; i++)
        if (!strcmp(key, keys[i]))
            return true;
    return !strcmp(type, "EXECVE") && key[0] == 'a' && isdigit((unsigned char)key[1]);
}

/* Decode hex text of len into out (bounded); NUL bytes (proctitle's separators) become
 * spaces. Returns false when it is not hex. */
static bool hex_value(const char *s, size_t len, char *out, size_t outlen)
{
    if (len == 0 || len % 2 || len / 2 >= outlen)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    size_t n = 0;
    for (size_t i = 0; i < len; i += 2) {
        char pair[3] = {s[i], s[i + 1], 0};
        char c = (char)strtol(pair, NULL, 16);
        out[n++] = c ? c : ' ';
    }
    while (n && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
    return true;
}

struct audit_rec {
    char type[64];
    uint64_t time_ns;
    int64_t serial;
    json_t *fields;
};

/* Walk "k=v k=v ..." (v: "quoted", 'nested k=v list', or a token) into rec->fields. */
static void read_fields(struct audit_rec *rec, const char *p, int depth)
{
    char key[64], val[VALUE_MAX];
    while (*p) {
        while (*p == ' ' || *p == '\x1d')
            p++;
        const char *k = p;
        while (*p && *p != '=' && *p != ' ' && *p != '\x1d')
            p++;
        if (*p != '=') {
            while (*p && *p != ' ' && *p != '\x1d')
                p++;
            continue;
        }
        size_t kl = (size_t)(p - k) < sizeof(key) - 1 ? (size_t)(p - k) : sizeof(key) - 1;
        memcpy(key, k, kl);
        key[kl] = '\0';
        p++;
        const char *v = p;
        size_t vl;
        bool quoted = false;
        if (*p == '"' || (*p == '\'' && depth == 0)) {
            char q = *p++;
            v = p;
            while (*p && *p != q)
                p++;
            vl = (size_t)(p - v);
            if (*p)
                p++;
            quoted = true;
            if (q == '\'' && !strcmp(key, "msg")) {
                /* a user-space record's payload: flatten its fields in */
                char *inner = strndup(v, vl);
                if (inner) {
                    read_fields(rec, inner, depth + 1);
                    free(inner);
                }
                continue;
            }
        } else {
            while (*p && *p != ' ' && *p != '\x1d')
                p++;
            vl = (size_t)(p - v);
        }
        if (!kl || json_object_get(rec->fields, key))
            continue;
        if (!quoted && hex_encodable(rec->type, key) && hex_value(v, vl, val, sizeof(val))) {
            /* decoded */
        } else {
            size_t c = vl < sizeof(val) - 1 ? vl : sizeof(val) - 1;
            memcpy(val, v, c);
            val[c] = '\0';
        }
        json_t *s = json_stringn(val, strlen(val));
        if (!s) { /* not UTF-8: keep the ASCII, mark the rest */
            for (char *c = val; *c; c++)
                if ((unsigned char)*c >= 0x80)
                    *c = '?';
            s = json_string(val);
        }
        if (s)
            json_object_set_new(rec->fields, key, s);
    }
}

static const char *field(const struct audit_rec *rec, const char *key)
{
    const char *v = json_string_value(json_object_get(rec->fields, key));
    return v && *v && strcmp(v, "?") && strcmp(v, "(none)") && strcmp(v, "(null)") ? v : NULL;
}

static bool field_int(const struct audit_rec *rec, const char *key, int64_t *out)
{
    const char *v = field(rec, key);
    if (!v)
        return false;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || *end)
        return false;
    *out = x;
    return true;
}

/* "type=T msg=audit(SEC.MS:SERIAL):" at s; returns what follows, NULL when not a record. */
static const char *read_header(const char *s, struct audit_rec *rec)
{
    if (strncmp(s, "type=", 5))
        return NULL;
    s += 5;
    size_t n = 0;
    while (s[n] && s[n] != ' ' && n < sizeof(rec->type) - 1)
        n++;
    if (!n || s[n] != ' ')
        return NULL;
    memcpy(rec->type, s, n);
    rec->type[n] = '\0';
    s += n + 1;
    if (!strncmp(s, "msg=", 4)) /* audit.log; the kernel's own lines have no msg= */
        s += 4;
    if (strncmp(s, "audit(", 6))
        return NULL;
    s += 6;
    char *end;
    errno = 0;
    unsigned long long sec = strtoull(s, &end, 10);
    if (errno || *end != '.')
        return NULL;
    unsigned long long ms = strtoull(end + 1, &end, 10);
    if (errno || *end != ':' || sec > 4000000000ull || ms > 999)
        return NULL;
    long long serial = strtoll(end + 1, &end, 10);
    if (errno || serial < 0 || end[0] != ')' || end[1] != ':')
        return NULL;
    rec->time_ns = sec * 1000000000ull + ms * 1000000ull;
    rec->serial = serial;
    return end[2] == ' ' ? end + 3 : end + 2;
}

static void lower(char *dst, const char *src, size_t n)
{
    size_t i = 0;
    for (; src[i] && i < n - 1; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
    dst[i] = '\0';
}

/* EXECVE: a0 a1 ... joined by spaces. */
static void execve_cmdline(const struct audit_rec *rec, struct event *ev)
{
    struct buf b = {0};
    char key[24];
    for (int i = 0; i < 4096; i++) {
        snprintf(key, sizeof(key), "a%d", i);
        const char *v = json_string_value(json_object_get(rec->fields, key));
        if (!v)
            break;
        if (i)
            buf_append_str(&b, " ");
        buf_append_str(&b, v);
    }
    if (b.len)
        event_add_strn(ev, FLD_CMDLINE, (const char *)b.data, b.len);
    buf_free(&b);
    /* the first arguments one by one, as Sigma's auditd rules name them (a0, a1, ...) */
    static const enum field_id args[] = {FLD_AUDIT_A0, FLD_AUDIT_A1, FLD_AUDIT_A2, FLD_AUDIT_A3,
                                         FLD_AUDIT_A4, FLD_AUDIT_A5, FLD_AUDIT_A6, FLD_AUDIT_A7};
    for (int i = 0; i < 8; i++) {
        snprintf(key, sizeof(key), "a%d", i);
        const char *v = json_string_value(json_object_get(rec->fields, key));
        if (!v)
            break;
        event_add_str(ev, args[i], v);
    }
}

static void fill(struct audit_ctx *ac, const struct audit_rec *rec, struct event *ev)
{
    int64_t v;
    const char *s;
    bool is_syscall = !strcmp(rec->type, "SYSCALL");
    if (is_syscall) {
        memset(ac, 0, sizeof(*ac));
        ac->have = true;
        ac->serial = rec->serial;
        ac->time_ns = rec->time_ns;
        ac->pid = ac->ppid = ac->uid = ac->euid = ac->auid = ac->ses = -1;
        field_int(rec, "pid", &ac->pid);
        field_int(rec, "ppid", &ac->ppid);
        field_int(rec, "uid", &ac->uid);
        field_int(rec, "euid", &ac->euid);
        field_int(rec, "auid", &ac->auid);
        field_int(rec, "ses", &ac->ses);
        if ((s = field(rec, "exe")))
            str_copy(ac->exe, s, sizeof(ac->exe));
        if ((s = field(rec, "comm")))
            str_copy(ac->comm, s, sizeof(ac->comm));
        if ((s = field(rec, "key")))
            str_copy(ac->key, s, sizeof(ac->key));
        if ((s = field(rec, "tty")))
            str_copy(ac->tty, s, sizeof(ac->tty));
        if ((s = field(rec, "SYSCALL")) || (s = field(rec, "syscall")))
            event_add_str(ev, FLD_SYSCALL, s);
        const char *success = field(rec, "success");
        if (success) {
            int64_t ex = 0;
            event_add_int(ev, FLD_RESULT_CODE,
                          !strcmp(success, "yes") ? 0 : (field_int(rec, "exit", &ex) && ex < 0 ? ex : -1));
        }
    }
    bool same = ac->have && ac->serial == rec->serial && ac->time_ns == rec->time_ns;
    /* own fields first (the first value of a column wins), then the event's context */
    if (field_int(rec, "pid", &v)) event_add_int(ev, FLD_PID, v);
    if (field_int(rec, "ppid", &v)) event_add_int(ev, FLD_PPID, v);
    if (field_int(rec, "uid", &v)) event_add_int(ev, FLD_UID, v);
    if (field_int(rec, "euid", &v)) event_add_int(ev, FLD_EUID, v);
    if (field_int(rec, "auid", &v)) event_add_int(ev, FLD_AUID, v);
    if (field_int(rec, "ses", &v)) event_add_int(ev, FLD_SESSION_ID, v);
    if ((s = field(rec, "exe"))) event_add_str(ev, FLD_EXE, s);
    if ((s = field(rec, "comm"))) event_add_str(ev, FLD_COMM, s);
    if ((s = field(rec, "key"))) event_add_str(ev, FLD_AUDIT_KEY, s);
    if ((s = field(rec, "acct"))) event_add_str(ev, FLD_USER, s);
    if ((s = field(rec, "terminal")) || (s = field(rec, "tty"))) event_add_str(ev, FLD_TTY, s);
    if ((s = field(rec, "addr"))) event_add_str(ev, FLD_SRC_IP, s);
    if (!strcmp(rec->type, "CWD") && (s = field(rec, "cwd"))) event_add_str(ev, FLD_CWD, s);
    if (!strcmp(rec->type, "PATH") && (s = field(rec, "name"))) event_add_str(ev, FLD_PATH, s);
    if (!strcmp(rec->type, "PATH") && (s = field(rec, "nametype")))
        event_add_str(ev, FLD_AUDIT_NAMETYPE, s);
    if (!strcmp(rec->type, "EXECVE"))
        execve_cmdline(rec, ev);
    if (!strcmp(rec->type, "PROCTITLE") && (s = field(rec, "proctitle")))
        event_add_str(ev, FLD_CMDLINE, s);
    if (!is_syscall && (s = field(rec, "res"))) {
        bool ok = !strcmp(s, "success") || !strcmp(s, "1");
        event_add_int(ev, FLD_RESULT_CODE, ok ? 0 : -13);
    }
    if (same && !is_syscall) {
        if (ac->pid >= 0) event_add_int(ev, FLD_PID, ac->pid);
        if (ac->ppid >= 0) event_add_int(ev, FLD_PPID, ac->ppid);
        if (ac->uid >= 0) event_add_int(ev, FLD_UID, ac->uid);
        if (ac->euid >= 0) event_add_int(ev, FLD_EUID, ac->euid);
        if (ac->auid >= 0) event_add_int(ev, FLD_AUID, ac->auid);
        if (ac->ses >= 0) event_add_int(ev, FLD_SESSION_ID, ac->ses);
        if (ac->exe[0]) event_add_str(ev, FLD_EXE, ac->exe);
        if (ac->comm[0]) event_add_str(ev, FLD_COMM, ac->comm);
        if (ac->key[0]) event_add_str(ev, FLD_AUDIT_KEY, ac->key);
        if (ac->tty[0]) event_add_str(ev, FLD_TTY, ac->tty);
    }
}

static int audit_parse(struct log_parse_ctx *ctx, const struct log_record *r,
                       struct log_parse_out *out)
{
    const char *m = r->msg;
    /* forwarded by the kernel or audisp through syslog: "[...] audit: type=..." */
    if (m[0] == '[') {
        const char *e = strchr(m, ']');
        if (e && e - m < 24)
            m = e + 1 + (e[1] == ' ');
    }
    if (!strncmp(m, "audit: ", 7))
        m += 7;
    struct audit_rec rec = {.serial = -1};
    const char *rest = read_header(m, &rec);
    if (!rest)
        return 0;
    if (!(rec.fields = json_object()))
        return -ENOMEM;
    json_object_set_new(rec.fields, "type", json_string(rec.type));
    read_fields(&rec, rest, 0);
    char action[EVENT_ACTION_MAX];
    lower(action, rec.type, sizeof(action));
    struct event *ev = logs_derive(out, TBL_AUDIT_EVENTS, action);
    if (!ev) {
        json_decref(rec.fields);
        return -ENOMEM;
    }
    ev->time_ns = rec.time_ns;
    if (!r->time_ns)
        out->line->time_ns = rec.time_ns;
    event_add_str(ev, FLD_AUDIT_TYPE, rec.type);
    event_add_int(ev, FLD_AUDIT_SERIAL, rec.serial);
    fill(logs_parse_audit_ctx(ctx), &rec, ev);
    char *js = json_dumps(rec.fields, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (js) {
        event_add_str(ev, FLD_AUDIT_FIELDS, js);
        free(js);
    }
    json_decref(rec.fields);
    return 1;
}

const struct log_parser log_parser_audit = {
    .name = "audit",
    .programs = NULL,
    .parse = audit_parse,
};
