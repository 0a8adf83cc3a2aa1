/* logs_parser.h - how a log record becomes events: the record as the parsers see it, the
 * registry of parsers (parsers.c) and the driver (logs_parse.c).
 *
 * Every record read gives one log_events row (the raw text kept). The driver first reads a
 * syslog header (RFC 3164 or RFC 5424) when the record has one, then offers the record to the
 * parsers of the registry in order; the first that understands it fills columns of the row and
 * may derive events of other tables (a login, an account change, a web request, an audit
 * record). A parser is either a table of PCRE2 patterns whose named groups are schema column
 * names (see struct log_pattern), or a function. Adding a parser: a parse_<name>.c file with
 * its `const struct log_parser` and one line in parsers.c.
 *
 * Everything here reads untrusted text: parsers must bound what they copy, never assume a
 * field is present, and leave the record alone when it does not look like theirs. */
#ifndef VIGIL_AGENT_LOGS_PARSER_H
#define VIGIL_AGENT_LOGS_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/event.h"

#define LOG_DERIVED_MAX 4

/* One record (a line, or the lines of a multiline record) as the parsers see it. */
struct log_record {
    const char *text;   /* the record, NUL-terminated (a NUL inside it ends what parsers see) */
    size_t len;
    const char *msg;    /* the message after the syslog header; text when there is none */
    char host[256];     /* from the header or the journal; "" when unknown */
    char program[128];  /* syslog tag / SYSLOG_IDENTIFIER; "" when unknown */
    int64_t pid;        /* -1 when unknown */
    int severity;       /* 0-7, -1 when unknown */
    int facility;       /* 0-23, -1 when unknown */
    uint64_t time_ns;   /* time written in the record, 0 when unknown */
    bool framed;        /* the fields above were already set (journal): no syslog header */
};

/* What parsing one record gives. */
struct log_parse_out {
    struct event *line;                       /* the log_events row; parsers may add to it */
    struct event *derived[LOG_DERIVED_MAX];   /* events of other tables */
    size_t nderived;
    char parsers[96];                         /* names of the parsers that understood it */
};

/* A pattern of a table-driven parser. The regex is matched against the message (anchored at
 * its start); each named group whose name is a schema column fills that column of the
 * derived event (INT columns from decimal digits). */
struct log_pattern {
    const char *regex;
    enum table_id table;   /* table of the derived event; TBL_LOG_EVENTS: fill the line row */
    const char *action;
    const char *fixed;     /* more columns, "name=value,name=value" (INT values in decimal) */
};

struct log_parse_ctx;

struct log_parser {
    const char *name;
    /* programs this parser is for, "sshd|sshd-session"; NULL: any record */
    const char *programs;
    /* table-driven: NULL-regex-terminated table, or NULL */
    const struct log_pattern *patterns;
    /* coded: 1 when understood (fields/derived added), 0 when not its record, -errno. When
     * set it does all the work (it may apply its pattern table with logs_patterns_apply). */
    int (*parse)(struct log_parse_ctx *ctx, const struct log_record *r,
                 struct log_parse_out *out);
};

/* The registry, NULL-terminated (parsers.c). */
extern const struct log_parser *const log_parsers[];

/* Per-input parsing state (the audit parser's current event, PCRE2 match data). Returns
 * NULL on allocation failure or when a pattern of the registry does not compile (err says
 * which; a bug caught by the unit tests). */
struct log_parse_ctx *logs_parse_ctx_new(struct vg_error *err);
void logs_parse_ctx_free(struct log_parse_ctx *ctx);

/* Parse one record: r->text/len set (and, for the journal, the header fields with framed);
 * out->line is the log_events event to complete. Fills the header columns, the parser list
 * and the derived events (out owns them: the caller spools or frees them). Returns the
 * number of derived events, or -ENOMEM. */
int logs_parse(struct log_parse_ctx *ctx, struct log_record *r, struct log_parse_out *out);
/* Free what out holds besides out->line. */
void logs_parse_out_clear(struct log_parse_out *out);

/* ---- helpers for parsers (logs_parse.c) ---- */

/* A new event of table with action carrying the line's context (time, log_input, log_file,
 * log_offset, unit, log_host, program, pid, message), appended to out->derived; NULL when
 * out is full or memory ran out. */
struct event *logs_derive(struct log_parse_out *out, enum table_id table, const char *action);
/* Match the parser's pattern table against msg and fill the target events; 1 when one
 * matched, 0 when none, -errno. */
int logs_patterns_apply(struct log_parse_ctx *ctx, const struct log_parser *p, const char *msg,
                        struct log_parse_out *out);

/* Syslog framing (parse_syslog.c): read an RFC 5424 or RFC 3164 header at the start of
 * r->text into r's header fields and point r->msg after it. now_ns dates an RFC 3164 stamp,
 * which has no year. Returns 5424, 3164, or 0 when there is no header (r unchanged). */
int logs_syslog_header(struct log_record *r, uint64_t now_ns);

/* The per-input audit grouping state used by the audit parser (parse_audit.c). */
struct audit_ctx {
    int64_t serial;
    uint64_t time_ns;
    int64_t pid, ppid, uid, euid, auid, ses;
    char exe[512], comm[64], key[256], tty[32];
    bool have;
};
struct audit_ctx *logs_parse_audit_ctx(struct log_parse_ctx *ctx);

#endif
