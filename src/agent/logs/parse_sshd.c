/* parse_sshd.c - OpenSSH server messages: accepted and failed authentications (password,
 * publickey, keyboard-interactive, ...; invalid users), invalid users, disconnects and closed
 * connections, too many failures. The session lines of pam_unix are the pam parser's. */
#include "agent/logs/logs_parser.h"

#define ADDR "(?<src_ip>\\S+) port (?<src_port>\\d+)"
#define METHOD "(?<auth_method>[a-z][a-z0-9/-]*)"
#define KEY "(?:: (?<key_type>[A-Z0-9-]+) (?<key_fingerprint>\\S+))?"

static const struct log_pattern sshd_patterns[] = {
    {"Accepted " METHOD " for (?<user>.+?) from " ADDR " ssh2" KEY, TBL_LOGIN_EVENTS, "login",
     "result_code=0"},
    {"Failed " METHOD " for invalid user (?<user>.*?) from " ADDR " ssh2" KEY, TBL_LOGIN_EVENTS,
     "login_failed", "result_code=-13,invalid_user=1,reason=invalid user"},
    {"Failed " METHOD " for (?<user>.+?) from " ADDR " ssh2" KEY, TBL_LOGIN_EVENTS,
     "login_failed", "result_code=-13,reason=authentication failed"},
    {"Invalid user (?<user>.*?) from " ADDR, TBL_LOGIN_EVENTS, "login_failed",
     "result_code=-13,invalid_user=1,reason=invalid user"},
    {"(?:error: )?maximum authentication attempts exceeded for (?:invalid user (?<_inv>))?"
     "(?<user>.*?) from " ADDR, TBL_LOGIN_EVENTS, "login_failed",
     "result_code=-13,reason=maximum authentication attempts exceeded"},
    {"Disconnected from (?:authenticating |invalid )?user (?<user>.*?) " ADDR, TBL_LOGIN_EVENTS,
     "disconnect", NULL},
    {"Connection closed by (?:authenticating |invalid )?user (?<user>.*?) " ADDR,
     TBL_LOGIN_EVENTS, "disconnect", "reason=connection closed before authentication"},
    {"Received disconnect from " ADDR ":\\d+: (?<reason>.*?)(?: \\[preauth\\])?$",
     TBL_LOGIN_EVENTS, "disconnect", NULL},
    {"Disconnected from " ADDR, TBL_LOGIN_EVENTS, "disconnect", NULL},
    {"Connection (?:closed|reset) by " ADDR, TBL_LOGIN_EVENTS, "disconnect",
     "reason=connection closed"},
    {NULL, 0, NULL, NULL},
};

const struct log_parser log_parser_sshd = {
    .name = "sshd",
    .programs = "sshd|sshd-session",
    .patterns = sshd_patterns,
};
