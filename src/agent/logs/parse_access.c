/* parse_access.c - web server access logs in the combined and common formats of nginx and
 * Apache (client, remote user, time, request line, status, size[, referrer, user agent]).
 * The request time becomes the event's time. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "agent/logs/logs_parser.h"

#define QUOTED "(?:[^\"\\\\]|\\\\.)*"

static const struct log_pattern access_patterns[] = {
    {"(?<src_ip>[0-9A-Fa-f.:]+|\\S+) \\S+ (?<http_user>\\S+) \\[[^\\]]+\\] "
     "\"(?<http_method>[A-Za-z]+) (?<url>\\S+)(?: (?<http_version>HTTP/[0-9.]+))?\" "
     "(?<http_status>\\d{3}) (?<http_bytes>\\d+|-)"
     "(?: \"(?<http_referrer>" QUOTED ")\" \"(?<http_user_agent>" QUOTED ")\")?",
     TBL_WEB_ACCESS_EVENTS, "request", NULL},
    {NULL, 0, NULL, NULL},
};

extern const struct log_parser log_parser_access;

/* "[10/Oct/2000:13:55:36 -0700]" in the record: its time in ns, 0 when unreadable. */
static uint64_t request_time(const char *s)
{
    const char *b = strchr(s, '[');
    if (!b)
        return 0;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *e = strptime(b + 1, "%d/%b/%Y:%H:%M:%S %z", &tm);
    if (!e || *e != ']')
        return 0;
    long off = tm.tm_gmtoff;
    time_t t = timegm(&tm);
    if (t == (time_t)-1 || t - off < 0)
        return 0;
    return (uint64_t)(t - off) * 1000000000ull;
}

static int access_parse(struct log_parse_ctx *ctx, const struct log_record *r,
                        struct log_parse_out *out)
{
    int rc = logs_patterns_apply(ctx, &log_parser_access, r->msg, out);
    if (rc <= 0)
        return rc;
    struct event *ev = out->derived[out->nderived - 1];
    uint64_t t = request_time(r->msg);
    if (t)
        ev->time_ns = out->line->time_ns = t;
    int64_t bytes;
    if (!event_get_int(ev, FLD_HTTP_BYTES, &bytes))
        event_add_int(ev, FLD_HTTP_BYTES, 0); /* "-": nothing sent */
    return 1;
}

const struct log_parser log_parser_access = {
    .name = "access",
    .programs = NULL,
    .patterns = access_patterns,
    .parse = access_parse,
};
