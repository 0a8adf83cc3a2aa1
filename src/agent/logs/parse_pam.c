/* parse_pam.c - PAM module messages of any program: sessions opened and closed, and
 * authentication failures with the user, the remote host and the terminal
 * ("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser=
 * rhost=192.0.2.7  user=root"). Password changes are the account parser's. */
#include <errno.h>
#include <string.h>

#include "agent/logs/logs_parser.h"

static const struct log_pattern pam_patterns[] = {
    {"pam_\\w+\\([^:)]+:session\\): session opened for user (?<user>[^ (]+)", TBL_LOGIN_EVENTS,
     "session_open", "result_code=0"},
    {"pam_\\w+\\([^:)]+:session\\): session closed for user (?<user>\\S+)", TBL_LOGIN_EVENTS,
     "session_close", "result_code=0"},
    {"pam_\\w+\\([^:)]+:auth\\): (?<reason>check pass; user unknown)", TBL_LOGIN_EVENTS,
     "auth_failure", "result_code=-13,invalid_user=1"},
    {NULL, 0, NULL, NULL},
};

/* The value of " key=" in the key=value list s (values end at a space); NULL when absent. */
static const char *kv(const char *s, const char *key, size_t *len)
{
    size_t kl = strlen(key);
    for (const char *p = s; (p = strstr(p, key)) != NULL; p += kl) {
        if ((p == s || p[-1] == ' ') && p[kl] == '=') {
            const char *v = p + kl + 1;
            *len = strcspn(v, " ");
            return v;
        }
    }
    return NULL;
}

extern const struct log_parser log_parser_pam;

static int pam_parse(struct log_parse_ctx *ctx, const struct log_record *r,
                     struct log_parse_out *out)
{
    const char *m = r->msg;
    int rc = logs_patterns_apply(ctx, &log_parser_pam, m, out);
    if (rc)
        return rc;
    if (strncmp(m, "pam_", 4) != 0)
        return 0;
    const char *p = strstr(m, ":auth): authentication failure;");
    if (!p || (size_t)(p - m) > 64)
        return 0;
    const char *list = p + strlen(":auth): authentication failure;");
    struct event *ev = logs_derive(out, TBL_LOGIN_EVENTS, "auth_failure");
    if (!ev)
        return -ENOMEM;
    event_add_int(ev, FLD_RESULT_CODE, -13);
    event_add_str(ev, FLD_REASON, "authentication failure");
    size_t l, ul = 0;
    const char *v, *u = kv(list, "user", &ul);
    /* su and sudo: ruser asks to become user; a login: user logs in */
    if ((v = kv(list, "ruser", &l)) && l) {
        event_add_strn(ev, FLD_USER, v, l);
        if (u && ul)
            event_add_strn(ev, FLD_TARGET_USER, u, ul);
    } else if (u && ul) {
        event_add_strn(ev, FLD_USER, u, ul);
    } else if ((v = kv(list, "logname", &l)) && l) {
        event_add_strn(ev, FLD_USER, v, l);
    }
    if ((v = kv(list, "rhost", &l)) && l)
        event_add_strn(ev, FLD_SRC_IP, v, l);
    if ((v = kv(list, "tty", &l)) && l)
        event_add_strn(ev, FLD_TTY, v, l);
    return 1;
}

const struct log_parser log_parser_pam = {
    .name = "pam",
    .programs = NULL,
    .patterns = pam_patterns,
    .parse = pam_parse,
};
