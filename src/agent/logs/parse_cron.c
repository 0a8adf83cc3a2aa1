/* parse_cron.c - cron's records of jobs run ("(root) CMD (command)") and of crontab changes
 * ("(bob) REPLACE (bob)", "(bob) BEGIN EDIT", "(*system*) RELOAD"): the user and the command
 * go into the log_events row. */
#include "agent/logs/logs_parser.h"

static const struct log_pattern cron_patterns[] = {
    {"\\((?<user>[^)]+)\\) CMD \\((?<cmdline>.*)\\)\\s*$", TBL_LOG_EVENTS, NULL, NULL},
    {"\\((?<user>[^)]+)\\) (?:REPLACE|BEGIN EDIT|END EDIT|DELETE|LIST|RELOAD|ORPHAN)\\b",
     TBL_LOG_EVENTS, NULL, NULL},
    {NULL, 0, NULL, NULL},
};

const struct log_parser log_parser_cron = {
    .name = "cron",
    .programs = "CRON|cron|crond|crontab",
    .patterns = cron_patterns,
};
