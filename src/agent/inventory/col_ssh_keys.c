/* col_ssh_keys.c - the ssh_keys collector (ssh_key_changes): the authorized keys of every
 * account, from the files sshd would read: AuthorizedKeysFile of sshd_config (its global part,
 * following Include; %h, %u, %U and %% expanded; relative to the home directory), by default
 * .ssh/authorized_keys and .ssh/authorized_keys2. Files are read as regular files only (a user
 * may point one anywhere; a FIFO or a device is never opened for reading). */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/inventory/parsers.h"
#include "common/util.h"

#define KEYS_FILE_MAX (1u << 20)
#define SSHD_INCLUDE_DEPTH 16

struct sshd_settings {
    struct inv_scan *s;
    char keys_files[4096]; /* AuthorizedKeysFile, first value wins */
    bool have, in_match;
    int depth;
};

static void read_sshd_config(struct sshd_settings *st, const char *path);

static void sshd_keyword(void *ctx, const char *kw, const char *args)
{
    struct sshd_settings *st = ctx;
    if (st->in_match)
        return;
    if (!strcasecmp(kw, "Match")) {
        st->in_match = true; /* what follows applies to some connections only */
        return;
    }
    if (!strcasecmp(kw, "AuthorizedKeysFile") && !st->have) {
        str_copy(st->keys_files, args, sizeof(st->keys_files));
        st->have = true;
        return;
    }
    if (!strcasecmp(kw, "Include") && st->depth < SSHD_INCLUDE_DEPTH) {
        char copy[4096], *save = NULL;
        str_copy(copy, args, sizeof(copy));
        for (char *pat = strtok_r(copy, " \t", &save); pat; pat = strtok_r(NULL, " \t", &save)) {
            char full[PATH_MAX], real[PATH_MAX];
            int n = snprintf(full, sizeof(full), "%s%s", pat[0] == '/' ? "" : "/etc/ssh/", pat);
            if (n < 0 || (size_t)n >= sizeof(full) || inv_path(st->s, full, real, sizeof(real)))
                continue;
            glob_t g;
            if (glob(real, 0, NULL, &g) != 0)
                continue;
            size_t rootlen = strlen(st->s->root);
            for (size_t i = 0; i < g.gl_pathc; i++)
                read_sshd_config(st, g.gl_pathv[i] + rootlen);
            globfree(&g);
        }
    }
}

static void read_sshd_config(struct sshd_settings *st, const char *path)
{
    struct buf b = {0};
    if (inv_read(st->s, path, &b, KEYS_FILE_MAX, NULL) == 0) {
        st->depth++;
        parse_sshd_config((const char *)b.data, b.len, sshd_keyword, st);
        st->depth--;
    }
    buf_free(&b);
}

struct key_ctx {
    struct inv_scan *s;
    const struct passwd *pw;
    const char *path;
};

static void add_key(void *ctx, const struct ssh_key_entry *k)
{
    struct key_ctx *c = ctx;
    struct event *ev = inv_row(c->s, TBL_SSH_KEY_CHANGES, "%s\t%s\t%s", c->pw->pw_name, c->path,
                               k->fingerprint);
    inv_str(ev, FLD_USER, c->pw->pw_name);
    inv_int(ev, FLD_UID, c->pw->pw_uid);
    char type[64];
    ssh_key_type_name(k->type, type, sizeof(type));
    inv_str(ev, FLD_KEY_TYPE, type);
    if (k->bits)
        inv_int(ev, FLD_KEY_BITS, k->bits);
    inv_str(ev, FLD_FINGERPRINT, k->fingerprint);
    inv_str(ev, FLD_KEY_COMMENT, k->comment);
    inv_str(ev, FLD_KEY_OPTIONS, k->options);
    inv_str(ev, FLD_PATH, c->path);
    inv_int(ev, FLD_LINE, k->line);
}

/* %h, %u, %U, %% of one AuthorizedKeysFile entry; relative to the home directory. */
static bool expand(const char *pat, const struct passwd *pw, char *out, size_t outlen)
{
    char tmp[PATH_MAX];
    size_t o = 0;
    for (const char *p = pat; *p; p++) {
        const char *ins = NULL;
        char uid[24];
        if (p[0] == '%' && p[1]) {
            p++;
            if (*p == 'h')
                ins = pw->pw_dir;
            else if (*p == 'u')
                ins = pw->pw_name;
            else if (*p == 'U') {
                snprintf(uid, sizeof(uid), "%u", (unsigned)pw->pw_uid);
                ins = uid;
            } else if (*p == '%')
                ins = "%";
            else
                return false; /* a token sshd would refuse */
        }
        if (ins) {
            size_t l = strlen(ins);
            if (o + l >= sizeof(tmp))
                return false;
            memcpy(tmp + o, ins, l);
            o += l;
        } else {
            if (o + 1 >= sizeof(tmp))
                return false;
            tmp[o++] = *p;
        }
    }
    tmp[o] = '\0';
    int n = tmp[0] == '/' ? snprintf(out, outlen, "%s", tmp)
                          : snprintf(out, outlen, "%s/%s", pw->pw_dir, tmp);
    return n > 0 && (size_t)n < outlen;
}

struct users_ctx {
    struct inv_scan *s;
    const char *patterns;
};

static void user_keys(void *ctx, const struct passwd *pw)
{
    struct users_ctx *u = ctx;
    char copy[4096], *save = NULL;
    if (!pw->pw_dir || pw->pw_dir[0] != '/')
        return;
    str_copy(copy, u->patterns, sizeof(copy));
    for (char *pat = strtok_r(copy, " \t", &save); pat; pat = strtok_r(NULL, " \t", &save)) {
        char path[PATH_MAX];
        if (!strcmp(pat, "none") || !expand(pat, pw, path, sizeof(path)))
            continue;
        struct buf b = {0};
        int rc = inv_read(u->s, path, &b, KEYS_FILE_MAX, NULL);
        if (rc == 0) {
            struct key_ctx kc = {u->s, pw, path};
            parse_authorized_keys((const char *)b.data, b.len, add_key, &kc);
        } else if (rc != -ENOENT && rc != -ENOTDIR) {
            inv_warn(u->s, "%s: %s", path, strerror(-rc));
        }
        buf_free(&b);
    }
}

static int ssh_keys_collect(struct inv_scan *s, struct vg_error *err)
{
    struct sshd_settings st = {.s = s};
    read_sshd_config(&st, "/etc/ssh/sshd_config");
    struct users_ctx u = {s, st.have ? st.keys_files : ".ssh/authorized_keys .ssh/authorized_keys2"};
    struct buf b = {0};
    int rc = inv_read(s, "/etc/passwd", &b, 64u << 20, NULL);
    if (rc)
        rc = vg_error_set(err, rc, "/etc/passwd: %s", strerror(-rc));
    else
        parse_passwd((const char *)b.data, b.len, user_keys, &u);
    buf_free(&b);
    return rc;
}

static const enum table_id ssh_keys_tables[] = {TBL_SSH_KEY_CHANGES, TBL_NONE};

const struct inv_collector inv_collector_ssh_keys = {
    .name = "ssh_keys",
    .tables = ssh_keys_tables,
    .collect = ssh_keys_collect,
};
