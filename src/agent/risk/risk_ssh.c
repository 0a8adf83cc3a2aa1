/* risk_ssh.c - the sshd part of the config check: the global settings of sshd_config and the
 * files it includes (Match blocks left out, the first value of a keyword wins as in sshd):
 * root login with a password, password authentication (on by default), empty passwords, weak
 * ciphers, MACs and key exchanges. Read under risk.root with the inventory's sshd_config
 * parser. */
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "agent/inventory/parsers.h"
#include "agent/risk/risk.h"
#include "common/buf.h"
#include "common/util.h"

#define CONFIG_FILE_MAX (4u << 20)

static void finding(struct risk_run *run, const char *kind, const char *subject,
                    const char *severity, const char *message, const char *remediation)
{
    risk_report(run, &(struct risk_finding){.kind = kind, .subject = subject,
                                            .severity = severity, .message = message,
                                            .remediation = remediation});
}

struct sshd {
    char permit_root[64], password_auth[16], empty_pw[16];
    char ciphers[1024], macs[1024], kex[1024];
    bool in_match;
    int depth;
    const struct risk_run *run;
};

static void sshd_read(struct sshd *s, const char *file);

static void sshd_line(void *ctx, const char *kw, const char *args)
{
    struct sshd *s = ctx;
    if (!strcasecmp(kw, "Match"))
        s->in_match = true; /* what follows applies to some connections only */
    if (s->in_match)
        return;
    struct {
        const char *kw;
        char *slot;
        size_t len;
    } keys[] = {
        {"PermitRootLogin", s->permit_root, sizeof(s->permit_root)},
        {"PasswordAuthentication", s->password_auth, sizeof(s->password_auth)},
        {"PermitEmptyPasswords", s->empty_pw, sizeof(s->empty_pw)},
        {"Ciphers", s->ciphers, sizeof(s->ciphers)},
        {"MACs", s->macs, sizeof(s->macs)},
        {"KexAlgorithms", s->kex, sizeof(s->kex)},
    };
    if (!strcasecmp(kw, "Include")) {
        char copy[1024];
        str_copy(copy, args, sizeof(copy));
        char *save = NULL;
        for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
            char pattern[1200];
            snprintf(pattern, sizeof(pattern), "%s%s", w[0] == '/' ? "" : "/etc/ssh/", w);
            sshd_read(s, pattern);
        }
        return;
    }
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (!strcasecmp(kw, keys[i].kw) && !keys[i].slot[0]) /* the first value wins */
            str_copy(keys[i].slot, args, keys[i].len);
}

/* Read an sshd_config file or glob (host path) under the root. */
static void sshd_read(struct sshd *s, const char *file)
{
    if (s->depth > 8)
        return;
    char pattern[4200];
    risk_path(s->run, file, pattern, sizeof(pattern));
    glob_t g;
    if (glob(pattern, 0, NULL, &g))
        return;
    s->depth++;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        struct buf b = {0};
        if (!file_read_all(g.gl_pathv[i], &b, CONFIG_FILE_MAX))
            parse_sshd_config((const char *)b.data, b.len, sshd_line, s);
        buf_free(&b);
    }
    s->depth--;
    globfree(&g);
}

/* The weak algorithms named in an sshd list (after +, -, ^ modifiers), comma separated. */
static void weak_in(const char *list, const char *const *weak, char *out, size_t outlen)
{
    out[0] = 0;
    if (*list == '-')
        return; /* removes from the defaults: nothing weak added */
    char copy[1024];
    str_copy(copy, list + (*list == '+' || *list == '^'), sizeof(copy));
    char *save = NULL;
    for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
        for (size_t i = 0; weak[i]; i++)
            if (!fnmatch(weak[i], w, 0)) {
                size_t l = strlen(out);
                snprintf(out + l, outlen - l, "%s%s", l ? "," : "", w);
                break;
            }
}

void risk_check_sshd(struct risk_run *run)
{
    struct sshd s = {.run = run};
    char path[4096];
    struct stat sb;
    risk_path(run, "/etc/ssh/sshd_config", path, sizeof(path));
    if (stat(path, &sb))
        return; /* no OpenSSH server */
    sshd_read(&s, "/etc/ssh/sshd_config");
    char msg[1400];
    if (!strcasecmp(s.permit_root, "yes")) {
        finding(run, "ssh_config", "PermitRootLogin", "high",
                "sshd lets root log in with a password (PermitRootLogin yes)",
                "Set PermitRootLogin no (or prohibit-password) in /etc/ssh/sshd_config");
    }
    if (!s.password_auth[0] || !strcasecmp(s.password_auth, "yes")) {
        finding(run, "ssh_config", "PasswordAuthentication", "medium",
                s.password_auth[0] ? "sshd accepts passwords (PasswordAuthentication yes): "
                                     "they can be guessed over the network"
                                   : "sshd accepts passwords (PasswordAuthentication is not "
                                     "set: its default is yes)",
                "Set PasswordAuthentication no and use keys");
    }
    if (!strcasecmp(s.empty_pw, "yes")) {
        finding(run, "ssh_config", "PermitEmptyPasswords", "critical",
                "sshd lets accounts with an empty password log in (PermitEmptyPasswords yes)",
                "Set PermitEmptyPasswords no");
    }
    static const char *const weak_ciphers[] = {"3des-cbc", "aes*-cbc", "arcfour*",
                                               "blowfish-cbc", "cast128-cbc",
                                               "rijndael-cbc@lysator.liu.se", NULL};
    static const char *const weak_macs[] = {"hmac-md5*", "hmac-sha1-96*", "umac-64@openssh.com",
                                            "hmac-ripemd160*", "*-96", NULL};
    static const char *const weak_kex[] = {"diffie-hellman-group1-sha1",
                                           "diffie-hellman-group14-sha1",
                                           "diffie-hellman-group-exchange-sha1", NULL};
    const struct {
        const char *name, *value;
        const char *const *weak;
    } lists[] = {{"Ciphers", s.ciphers, weak_ciphers},
                 {"MACs", s.macs, weak_macs},
                 {"KexAlgorithms", s.kex, weak_kex}};
    for (size_t i = 0; i < 3; i++) {
        char bad[1024];
        weak_in(lists[i].value, lists[i].weak, bad, sizeof(bad));
        if (!bad[0])
            continue;
        snprintf(msg, sizeof(msg), "sshd allows weak %s: %s", lists[i].name, bad);
        finding(run, "ssh_config", lists[i].name, "medium", msg,
                "Remove the weak algorithms from the list in /etc/ssh/sshd_config");
    }
}
