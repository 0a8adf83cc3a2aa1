/* parse_cron.c - crontab files as cron reads them: comments, environment assignments
 * (NAME=value), five time fields or an @-schedule, the user field of system crontabs
 * (/etc/crontab, /etc/cron.d) and the command (the rest of the line, as written). Also
 * anacrontab lines (period, delay, job id, command). */
#include <ctype.h>
#include <string.h>

#include "agent/inventory/inv_text.h"
#include "agent/inventory/parsers.h"

#define CRON_CMD_MAX 8192

/* An environment assignment: a name of letters, digits and '_' (not starting with a digit),
 * blanks, '='. Crontab entries start with a digit, '*', '@' or a blank-led field instead. */
static bool env_line(const char *l, size_t ll)
{
    size_t i = 0;
    if (!ll || !(isalpha((unsigned char)l[0]) || l[0] == '_' || l[0] == '"' || l[0] == '\''))
        return false;
    while (i < ll && l[i] != '=' && l[i] != ' ' && l[i] != '\t')
        i++;
    while (i < ll && (l[i] == ' ' || l[i] == '\t'))
        i++;
    return i < ll && l[i] == '=';
}

int parse_crontab(const char *text, size_t len, bool system,
                  void (*each)(void *ctx, const struct cron_entry *e), void *ctx)
{
    size_t pos = 0, ll;
    const char *l;
    unsigned lineno = 0;
    int n = 0;
    while ((l = inv_next_content_line(text, len, &pos, &lineno, "#", &ll))) {
        if (env_line(l, ll))
            continue;
        struct cron_entry e;
        char schedule[256] = "", user[64] = "", command[CRON_CMD_MAX];
        memset(&e, 0, sizeof(e));
        size_t wp = 0, wl;
        const char *w = inv_word(l, ll, &wp, &wl);
        if (w[0] == '@') {
            inv_copy(schedule, sizeof(schedule), w, wl);
        } else {
            size_t so = 0;
            int fields = 0;
            for (; fields < 5 && w; fields++) {
                if (fields)
                    w = inv_word(l, ll, &wp, &wl);
                if (!w)
                    break;
                if (so + wl + 2 < sizeof(schedule)) {
                    if (so)
                        schedule[so++] = ' ';
                    memcpy(schedule + so, w, wl);
                    so += wl;
                    schedule[so] = '\0';
                }
            }
            if (fields < 5 || !w)
                continue; /* cron rejects a line with fewer fields */
        }
        if (system) {
            const char *u = inv_word(l, ll, &wp, &wl);
            if (!u)
                continue;
            inv_copy(user, sizeof(user), u, wl);
        }
        const char *c = l + wp;
        size_t cl = ll - wp;
        inv_trim(&c, &cl);
        if (!cl)
            continue;
        inv_copy(command, sizeof(command), c, cl);
        e.line = lineno;
        e.schedule = schedule;
        e.user = user;
        e.command = command;
        each(ctx, &e);
        n++;
    }
    return n;
}

int parse_anacrontab(const char *text, size_t len,
                     void (*each)(void *ctx, const struct cron_entry *e), void *ctx)
{
    size_t pos = 0, ll;
    const char *l;
    unsigned lineno = 0;
    int n = 0;
    while ((l = inv_next_content_line(text, len, &pos, &lineno, "#", &ll))) {
        if (env_line(l, ll))
            continue;
        size_t wp = 0, pl, dl, jl;
        const char *period = inv_word(l, ll, &wp, &pl);
        const char *delay = inv_word(l, ll, &wp, &dl);
        const char *job = inv_word(l, ll, &wp, &jl);
        if (!period || !delay || !job)
            continue;
        const char *c = l + wp;
        size_t cl = ll - wp;
        inv_trim(&c, &cl);
        if (!cl)
            continue;
        char schedule[256], command[CRON_CMD_MAX];
        /* "1", "7", "@monthly": the period in days or named */
        inv_copy(schedule, sizeof(schedule), period, pl);
        inv_copy(command, sizeof(command), c, cl);
        struct cron_entry e = {.line = lineno, .schedule = schedule, .user = "root",
                               .command = command};
        each(ctx, &e);
        n++;
    }
    return n;
}
