/* parse_sudo.c - sudo's log lines ("bob : TTY=pts/0 ; PWD=/home/bob ; USER=root ;
 * COMMAND=/usr/bin/id", with a failure reason such as "3 incorrect password attempts" or
 * "user NOT in sudoers" before TTY) and su's ("(to root) bob on pts/0", "FAILED SU (to root)
 * bob on pts/0", and the shadow su forms). */
#include "agent/logs/logs_parser.h"

#define SUDO_TAIL "(?:TTY=(?<tty>[^ ;]*) ; )?(?:PWD=(?<cwd>.*?) ; )?(?:USER=(?<target_user>[^ ;]*) ; )?" \
    "(?:GROUP=[^ ;]* ; )?(?:ENV=.*? ; )?(?:COMMAND=(?<cmdline>.*))?$"

static const struct log_pattern sudo_patterns[] = {
    {"\\s*(?<user>[^ :]+) : (?=TTY=|PWD=|USER=|COMMAND=)" SUDO_TAIL, TBL_LOGIN_EVENTS, "sudo",
     "result_code=0"},
    {"\\s*(?<user>[^ :]+) : (?<reason>[^;=]+?) ; " SUDO_TAIL, TBL_LOGIN_EVENTS, "sudo_failed",
     "result_code=-13"},
    {NULL, 0, NULL, NULL},
};

const struct log_parser log_parser_sudo = {
    .name = "sudo",
    .programs = "sudo",
    .patterns = sudo_patterns,
};

static const struct log_pattern su_patterns[] = {
    {"FAILED SU \\(to (?<target_user>[^)]+)\\) (?<user>\\S+) on (?<tty>\\S+)", TBL_LOGIN_EVENTS,
     "su_failed", "result_code=-13"},
    {"\\(to (?<target_user>[^)]+)\\) (?<user>\\S+) on (?<tty>\\S+)", TBL_LOGIN_EVENTS, "su",
     "result_code=0"},
    {"Successful su for (?<target_user>\\S+) by (?<user>\\S+)", TBL_LOGIN_EVENTS, "su",
     "result_code=0"},
    {"FAILED su for (?<target_user>\\S+) by (?<user>\\S+)", TBL_LOGIN_EVENTS, "su_failed",
     "result_code=-13"},
    {"\\+ (?<tty>\\S+) (?<user>[^: ]+):(?<target_user>\\S+)", TBL_LOGIN_EVENTS, "su",
     "result_code=0"},
    {"- (?<tty>\\S+) (?<user>[^: ]+):(?<target_user>\\S+)", TBL_LOGIN_EVENTS, "su_failed",
     "result_code=-13"},
    {NULL, 0, NULL, NULL},
};

const struct log_parser log_parser_su = {
    .name = "su",
    .programs = "su",
    .patterns = su_patterns,
};
