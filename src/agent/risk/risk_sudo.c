/* risk_sudo.c - the sudo part of the config check: rules that let someone run any command
 * without a password (NOPASSWD: ALL), in /etc/sudoers and every file it includes, followed as
 * sudo does (@includedir skips names with a '.' or ending in '~'). Read under risk.root with
 * the inventory's sudoers parser. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/inventory/parsers.h"
#include "agent/risk/risk.h"
#include "common/buf.h"
#include "common/util.h"

#define CONFIG_FILE_MAX (4u << 20)

struct sudo_walk {
    struct risk_run *run;
    int depth;
};

static void sudo_file(struct sudo_walk *w, const char *host_path);

static void sudo_entry(void *ctx, const struct sudo_entry *e)
{
    struct sudo_walk *w = ctx;
    if (e->type == SUDO_INCLUDE && e->target) {
        sudo_file(w, e->target);
    } else if (e->type == SUDO_INCLUDEDIR && e->target) {
        char dir[4096];
        risk_path(w->run, e->target, dir, sizeof(dir));
        struct dirent **names = NULL;
        int n = scandir(dir, &names, NULL, alphasort);
        for (int i = 0; i < n; i++) {
            const char *nm = names[i]->d_name;
            size_t l = strlen(nm);
            /* sudo skips names with a '.' or ending in '~' */
            if (!strchr(nm, '.') && l && nm[l - 1] != '~') {
                char p[4400];
                snprintf(p, sizeof(p), "%s/%s", e->target, nm);
                sudo_file(w, p);
            }
            free(names[i]);
        }
        free(names);
    } else if (e->type == SUDO_SPEC && e->nopasswd && e->command &&
               !strcmp(e->command, "ALL")) {
        char subject[512], msg[1024];
        snprintf(subject, sizeof(subject), "%s %s", e->principal ? e->principal : "?", e->path);
        snprintf(msg, sizeof(msg), "sudo lets %s run any command as %s without a password "
                 "(%s:%u)", e->principal ? e->principal : "?",
                 e->run_as && *e->run_as ? e->run_as : "root", e->path, e->line);
        risk_report(w->run, &(struct risk_finding){
                                .kind = "sudo_nopasswd_all", .subject = subject,
                                .severity = "high", .path = e->path, .message = msg,
                                .remediation = "Require the password (remove NOPASSWD) or "
                                               "allow only the commands needed"});
    }
}

static void sudo_file(struct sudo_walk *w, const char *host_path)
{
    if (w->depth > 8)
        return;
    char path[4096];
    struct buf b = {0};
    risk_path(w->run, host_path, path, sizeof(path));
    if (!file_read_all(path, &b, CONFIG_FILE_MAX)) {
        w->depth++;
        parse_sudoers((const char *)b.data, b.len, host_path, sudo_entry, w);
        w->depth--;
    }
    buf_free(&b);
}

void risk_check_sudo(struct risk_run *run)
{
    struct sudo_walk w = {.run = run};
    sudo_file(&w, "/etc/sudoers");
}
