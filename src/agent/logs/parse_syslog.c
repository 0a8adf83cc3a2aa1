/* parse_syslog.c - the syslog header of a record: RFC 5424 (<PRI>1 TIMESTAMP HOST APP PROCID
 * MSGID [SD] MSG), RFC 3164 (<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG, the PRI usually absent in
 * files) and the RFC 3339-stamped variant rsyslog writes by default on Debian 12
 * (2026-11-22T10:00:00.123456+01:00 HOST TAG[PID]: MSG). Times are read with strptime; an
 * RFC 3164 stamp has no year nor zone: it is taken in local time, in the year that puts it
 * closest before now. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/logs/logs_parser.h"
#include "common/util.h"

/* "<PRI>": returns the characters used, 0 when absent or invalid. */
static size_t read_pri(const char *s, struct log_record *r)
{
    if (s[0] != '<')
        return 0;
    int pri = 0;
    size_t i = 1;
    for (; i < 5 && isdigit((unsigned char)s[i]); i++)
        pri = pri * 10 + (s[i] - '0');
    if (i == 1 || s[i] != '>' || pri > 191)
        return 0;
    r->facility = pri >> 3;
    r->severity = pri & 7;
    return i + 1;
}

/* Copy a space-free token of s into out; returns its length (0 when s starts with a space). */
static size_t read_token(const char *s, char *out, size_t outlen)
{
    size_t n = 0;
    while (s[n] && s[n] != ' ')
        n++;
    size_t c = n < outlen - 1 ? n : outlen - 1;
    memcpy(out, s, c);
    out[c] = '\0';
    return n;
}

/* RFC 3339 time at s: fills *ns, returns the characters used or 0. */
static size_t read_rfc3339(const char *s, uint64_t *ns)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!p)
        return 0;
    uint64_t frac = 0, scale = 1000000000ull;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        while (isdigit((unsigned char)*p)) {
            if (scale > 1) {
                scale /= 10;
                frac += (uint64_t)(*p - '0') * scale;
            }
            p++;
        }
    }
    long off = 0;
    if (*p == 'Z') {
        p++;
    } else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) &&
               isdigit((unsigned char)p[2]) && p[3] == ':' && isdigit((unsigned char)p[4]) &&
               isdigit((unsigned char)p[5])) {
        off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 + ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
        if (*p == '-')
            off = -off;
        p += 6;
    } else {
        return 0;
    }
    time_t t = timegm(&tm);
    if (t == (time_t)-1 || t < 0)
        return 0;
    *ns = ((uint64_t)t - (uint64_t)off) * 1000000000ull + frac;
    return (size_t)(p - s);
}

/* RFC 3164 "Mmm dd hh:mm:ss" at s (local time, year inferred). */
static size_t read_rfc3164_time(const char *s, uint64_t now_ns, uint64_t *ns)
{
    if (strlen(s) < 15 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':')
        return 0;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    char stamp[16];
    memcpy(stamp, s, 15);
    stamp[15] = '\0';
    if (stamp[4] == ' ')
        stamp[4] = '0';
    const char *p = strptime(stamp, "%b %d %H:%M:%S", &tm);
    if (!p || *p)
        return 0;
    time_t now = (time_t)(now_ns / 1000000000ull);
    struct tm lt;
    localtime_r(&now, &lt);
    tm.tm_year = lt.tm_year;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t > now + 86400) { /* December's lines read in January */
        tm.tm_year--;
        tm.tm_isdst = -1;
        t = mktime(&tm);
    }
    if (t == (time_t)-1 || t < 0)
        return 0;
    *ns = (uint64_t)t * 1000000000ull;
    return 15;
}

/* "TAG[PID]: " or "TAG: " at s; returns the characters used, 0 when it is not a tag. */
static size_t read_tag(const char *s, struct log_record *r)
{
    size_t n = 0;
    while (s[n] && s[n] != '[' && s[n] != ':' && s[n] != ' ' && n < sizeof(r->program) - 1)
        n++;
    if (n == 0)
        return 0;
    size_t i = n;
    int64_t pid = -1;
    if (s[i] == '[') {
        i++;
        pid = 0;
        size_t d = 0;
        while (isdigit((unsigned char)s[i]) && d < 10) {
            pid = pid * 10 + (s[i] - '0');
            i++;
            d++;
        }
        if (d == 0 || s[i] != ']')
            return 0;
        i++;
    }
    if (s[i] != ':')
        return 0;
    i++;
    if (s[i] == ' ')
        i++;
    memcpy(r->program, s, n);
    r->program[n] = '\0';
    r->pid = pid;
    return i;
}

static int rfc5424(struct log_record *r, const char *s)
{
    /* s is after "<PRI>1 " */
    uint64_t ns = 0;
    size_t n;
    if (s[0] == '-' && s[1] == ' ')
        n = 1;
    else if (!(n = read_rfc3339(s, &ns)) || s[n] != ' ')
        return 0;
    s += n + 1;
    char host[256], app[128], procid[128], msgid[64];
    if (!(n = read_token(s, host, sizeof(host))) || s[n] != ' ')
        return 0;
    s += n + 1;
    if (!(n = read_token(s, app, sizeof(app))) || s[n] != ' ')
        return 0;
    s += n + 1;
    if (!(n = read_token(s, procid, sizeof(procid))) || s[n] != ' ')
        return 0;
    s += n + 1;
    if (!(n = read_token(s, msgid, sizeof(msgid))))
        return 0;
    s += n;
    if (*s == ' ')
        s++;
    /* structured data: "-" or one or more [id k="v" ...] with \" \] \\ escapes */
    if (*s == '-') {
        s++;
    } else if (*s == '[') {
        while (*s == '[') {
            s++;
            while (*s && *s != ']') {
                if (*s == '"') {
                    s++;
                    while (*s && *s != '"')
                        s += (*s == '\\' && s[1]) ? 2 : 1;
                    if (!*s)
                        return 0;
                }
                s++;
            }
            if (*s != ']')
                return 0;
            s++;
        }
    } else if (*s) {
        return 0;
    }
    if (*s == ' ')
        s++;
    if (!strncmp(s, "\xEF\xBB\xBF", 3)) /* BOM before a UTF-8 message */
        s += 3;
    r->time_ns = ns;
    if (strcmp(host, "-"))
        str_copy(r->host, host, sizeof(r->host));
    if (strcmp(app, "-"))
        str_copy(r->program, app, sizeof(r->program));
    if (strcmp(procid, "-")) {
        char *end;
        long long pid = strtoll(procid, &end, 10);
        if (*end == '\0' && pid >= 0)
            r->pid = pid;
    }
    r->msg = s;
    return 5424;
}

int logs_syslog_header(struct log_record *r, uint64_t now_ns)
{
    struct log_record save = *r;
    const char *s = r->text;
    size_t n = read_pri(s, r);
    s += n;
    if (n && s[0] == '1' && s[1] == ' ') {
        int kind = rfc5424(r, s + 2);
        if (kind)
            return kind;
        *r = save;
        return 0;
    }
    uint64_t ns = 0;
    size_t t = read_rfc3164_time(s, now_ns, &ns);
    if (!t)
        t = read_rfc3339(s, &ns);
    if (!t || s[t] != ' ') {
        *r = save;
        return 0;
    }
    s += t + 1;
    /* HOST TAG: ... ; some writers (sshd -E, programs logging to their own file) have no host */
    size_t tag = read_tag(s, r);
    if (!tag) {
        size_t h = read_token(s, r->host, sizeof(r->host));
        if (!h || s[h] != ' ' || !(tag = read_tag(s + h + 1, r))) {
            *r = save;
            return 0;
        }
        s += h + 1;
    }
    r->msg = s + tag;
    r->time_ns = ns;
    return 3164;
}
