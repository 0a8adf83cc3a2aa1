/* parse_accounts.c - the account databases (passwd, group, shadow) read with glibc's own
 * parsers (fgetpwent_r, fgetgrent_r, fgetspent_r) over a buffer, the state of a password
 * (never the hash itself), and lastlog records. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/inventory/parsers.h"

#define ENTRY_BUF_MAX (1u << 20)

/* Run one of glibc's fget*ent_r parsers over text: each entry is handed to the callback;
 * malformed lines are skipped by glibc, over-long ones (beyond 1 MiB) by us. The entry buffer
 * (which holds shadow's hashes) is wiped before it is freed, and the stream is unbuffered so
 * stdio keeps no copy of the text. */
#define DEFINE_PARSE(fn, type, getter)                                                          \
    int fn(const char *text, size_t len, void (*each)(void *ctx, const type *e), void *ctx)    \
    {                                                                                           \
        if (!len)                                                                               \
            return 0;                                                                           \
        FILE *f = fmemopen((void *)text, len, "r");                                             \
        if (!f)                                                                                 \
            return -errno;                                                                      \
        setvbuf(f, NULL, _IONBF, 0);                                                            \
        size_t cap = 4096;                                                                      \
        char *buf = malloc(cap);                                                                \
        int n = 0;                                                                              \
        while (buf) {                                                                           \
            type e, *res = NULL;                                                                \
            int rc = getter(f, &e, buf, cap, &res);                                             \
            if (rc == ERANGE && cap < ENTRY_BUF_MAX) {                                          \
                char *nb = malloc(cap * 2);                                                     \
                explicit_bzero(buf, cap);                                                       \
                free(buf);                                                                      \
                buf = nb;                                                                       \
                cap *= 2;                                                                       \
                continue;                                                                       \
            }                                                                                   \
            if (rc == ERANGE) { /* a line longer than the bound: skip it */                    \
                int c;                                                                          \
                while ((c = fgetc(f)) != EOF && c != '\n')                                      \
                    ;                                                                           \
                if (c == EOF)                                                                   \
                    break;                                                                      \
                continue;                                                                       \
            }                                                                                   \
            if (rc || !res)                                                                     \
                break;                                                                          \
            each(ctx, res);                                                                     \
            n++;                                                                                \
        }                                                                                       \
        if (buf)                                                                                \
            explicit_bzero(buf, cap);                                                           \
        free(buf);                                                                              \
        fclose(f);                                                                              \
        return n;                                                                               \
    }

DEFINE_PARSE(parse_passwd, struct passwd, fgetpwent_r)
DEFINE_PARSE(parse_group, struct group, fgetgrent_r)
DEFINE_PARSE(parse_shadow, struct spwd, fgetspent_r)

const char *password_state(const char *hash)
{
    if (!hash)
        return NULL;
    if (hash[0] == '*' || hash[0] == '!')
        return "locked";
    return hash[0] ? "set" : "empty";
}

const char *password_scheme(const char *hash)
{
    static const struct { const char *prefix, *name; } schemes[] = {
        {"$y$", "yescrypt"}, {"$gy$", "gost-yescrypt"}, {"$7$", "scrypt"},
        {"$2b$", "bcrypt"}, {"$2a$", "bcrypt"}, {"$2y$", "bcrypt"}, {"$2x$", "bcrypt"},
        {"$6$", "sha512"}, {"$5$", "sha256"}, {"$sha1$", "sha1"}, {"$md5", "sun-md5"},
        {"$1$", "md5"}, {"$3$", "nthash"}, {"_", "bsdi-des"},
    };
    if (!hash)
        return NULL;
    while (*hash == '!') /* a locked password keeps its hash after the '!' */
        hash++;
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
        if (!strncmp(hash, schemes[i].prefix, strlen(schemes[i].prefix)))
            return schemes[i].name;
    if (strlen(hash) == 13 && strspn(hash, "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "abcdefghijklmnopqrstuvwxyz") == 13)
        return "des";
    return hash[0] == '$' ? "unknown" : NULL;
}
