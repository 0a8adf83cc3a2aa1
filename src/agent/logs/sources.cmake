# The log collector: file and journal inputs, checkpoints, parsers.
list(APPEND VIGIL_AGENT_SOURCES
  logs/logs_module.c
  logs/logs_ckpt.c
  logs/logs_files.c
  logs/logs_journal.c
  logs/logs_text.c
  logs/logs_rate.c
  logs/logs_parse.c
  logs/parse_syslog.c
  logs/parse_sshd.c
  logs/parse_sudo.c
  logs/parse_pam.c
  logs/parse_account.c
  logs/parse_cron.c
  logs/parse_audit.c
  logs/parse_access.c
  logs/parse_kernel.c
  logs/parsers.c)
