/* log.h - process-wide logging to stderr (or a file), with levels and timestamps.
 * Thread-safe: each message is written with a single write(2). */
#ifndef VIGIL_LOG_H
#define VIGIL_LOG_H

enum log_level { LOG_LVL_DEBUG = 0, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERROR };

/* Set the minimum level printed; default INFO. */
void log_set_level(enum log_level level);
/* Parse "debug|info|warn|error"; returns -1 when unknown. */
int log_level_parse(const char *name);
/* Name used in every line ("vigil-agent"). */
void log_set_ident(const char *ident);
/* Redirect output to an already-open fd (default 2). */
void log_set_fd(int fd);
/* Append to the file at path from now on (created 0640); -errno when it cannot be opened. */
int log_open_file(const char *path);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)

#endif
