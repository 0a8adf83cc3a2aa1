/* parsers.c - the registry of log parsers, tried in this order for each record (the first
 * that understands it wins). Adding a parser: its parse_<name>.c and one line here. */
#include <stddef.h>

#include "agent/logs/logs_parser.h"

extern const struct log_parser log_parser_sshd, log_parser_sudo, log_parser_su,
    log_parser_account, log_parser_cron, log_parser_pam, log_parser_audit, log_parser_access,
    log_parser_kernel;

const struct log_parser *const log_parsers[] = {
    &log_parser_sshd,
    &log_parser_sudo,
    &log_parser_su,
    &log_parser_account,
    &log_parser_cron,
    &log_parser_pam,
    &log_parser_audit,
    &log_parser_access,
    &log_parser_kernel,
    NULL,
};
