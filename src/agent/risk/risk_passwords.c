/* risk_passwords.c - the weak passwords check, on the host only: every account's password
 * hash (/etc/shadow, or /etc/passwd when it holds one) is tried with libxcrypt's crypt_rn()
 * against variants of the account's name, of the host's name, and the shipped dictionary of
 * common passwords, within a CPU budget per run; also empty passwords, accounts that log in
 * without one, and uid 0 beside root.
 *
 * What is reported is only "account X has a weak password (which rule)". The hashes, the
 * candidates and crypt's work area live in memory only for the time of a run and are wiped
 * (explicit_bzero) before it ends; nothing of them is sent, logged or written. Progress through
 * the candidates is kept in memory between runs (per account, with a fingerprint of its hash
 * so a changed password starts over), so a budget smaller than a full pass still covers every
 * candidate over a few runs, most common first and every account in turn. */
#include <crypt.h>
#include <errno.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/inventory/parsers.h"
#include "agent/risk/risk.h"
#include "common/buf.h"
#include "common/util.h"

#define ACCOUNTS_MAX 65536
#define ACCOUNT_FILE_MAX (64u << 20)
#define DICT_MAX (16u << 20)
#define CAND_LEN 128

/* What the check remembers about an account between runs. */
struct progress {
    char name[64];
    uint64_t hash_fp;  /* fingerprint of the hash (memory only): a new password starts over */
    size_t next;       /* next candidate to try */
    size_t weak_at;    /* the candidate that matched + 1 (0: none so far) */
    char weak_rule[16];
};

struct risk_passwords {
    struct progress *v;
    size_t n, cap;
};

struct risk_passwords *risk_passwords_new(void) { return calloc(1, sizeof(struct risk_passwords)); }

void risk_passwords_free(struct risk_passwords *p)
{
    if (!p)
        return;
    free(p->v);
    free(p);
}

struct account {
    char name[64], shell[256];
    uint32_t uid;
    char *hash;      /* heap, wiped before free */
    bool in_shadow;
};

struct accounts {
    struct account *v;
    size_t n, cap;
    bool oom;
};

static void add_passwd(void *ctx, const struct passwd *e)
{
    struct accounts *a = ctx;
    if (a->oom || a->n >= ACCOUNTS_MAX || !e->pw_name || strlen(e->pw_name) >= 64)
        return;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        struct account *v = realloc(a->v, cap * sizeof(*v));
        if (!v) {
            a->oom = true;
            return;
        }
        a->v = v, a->cap = cap;
    }
    struct account *x = &a->v[a->n];
    memset(x, 0, sizeof(*x));
    str_copy(x->name, e->pw_name, sizeof(x->name));
    str_copy(x->shell, e->pw_shell ? e->pw_shell : "", sizeof(x->shell));
    x->uid = (uint32_t)e->pw_uid;
    if (e->pw_passwd && strcmp(e->pw_passwd, "x") && !(x->hash = strdup(e->pw_passwd))) {
        a->oom = true;
        return;
    }
    a->n++;
}

static void wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

static void add_shadow(void *ctx, const struct spwd *e)
{
    struct accounts *a = ctx;
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->v[i].name, e->sp_namp)) {
            wipe_free(a->v[i].hash);
            a->v[i].hash = strdup(e->sp_pwdp ? e->sp_pwdp : "");
            a->v[i].in_shadow = true;
            if (!a->v[i].hash)
                a->oom = true;
            return;
        }
}

static void accounts_free(struct accounts *a)
{
    for (size_t i = 0; i < a->n; i++)
        wipe_free(a->v[i].hash);
    free(a->v);
}

static bool login_shell(const char *shell)
{
    static const char *const no[] = {"/usr/sbin/nologin", "/sbin/nologin", "/bin/false",
                                     "/usr/bin/false", "/bin/sync", "/usr/bin/nologin"};
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (!strcmp(shell, no[i]))
            return false;
    return true; /* an empty shell field means /bin/sh */
}

/* Whether one hash of this setting could cost more than a run's budget allows (a bcrypt cost
 * or a SHA-crypt round count far past any default): such an account is not tried, so a
 * planted entry cannot stall the check. yescrypt's cost is bounded by time instead (see
 * the loop). */
static bool too_costly(const char *h)
{
    if (h[0] == '$' && h[1] == '2' && h[2] && h[3] == '$')
        return atoi(h + 4) > 16;
    if ((!strncmp(h, "$5$rounds=", 10) || !strncmp(h, "$6$rounds=", 10)))
        return strtoull(h + 10, NULL, 10) > 1000000;
    return false;
}

/* A usable password hash: not locked (! or *), not empty, of a known scheme, not too costly. */
static bool crackable(const struct account *a)
{
    return a->hash && *a->hash && a->hash[0] != '!' && a->hash[0] != '*' &&
           password_scheme(a->hash) != NULL && !too_costly(a->hash);
}

static uint64_t fingerprint(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The dictionary: one password per line, '#' comments, blank lines skipped. */
struct dict {
    char **w;
    size_t n;
    struct buf text;
};

static int dict_load(const char *path, struct dict *d, struct vg_error *err)
{
    memset(d, 0, sizeof(*d));
    int rc = file_read_all(path, &d->text, DICT_MAX);
    if (rc)
        return vg_error_set(err, rc, "weak passwords dictionary %s: %s", path, strerror(-rc));
    if (buf_terminate(&d->text))
        return vg_error_set(err, -ENOMEM, "out of memory");
    char *p = (char *)d->text.data;
    size_t cap = 0;
    while (p && *p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = 0;
        size_t l = strlen(p);
        if (l && p[l - 1] == '\r')
            p[--l] = 0;
        if (l && l < CAND_LEN && p[0] != '#') {
            if (d->n == cap) {
                cap = cap ? cap * 2 : 256;
                char **w = realloc(d->w, cap * sizeof(*w));
                if (!w)
                    return vg_error_set(err, -ENOMEM, "out of memory");
                d->w = w;
            }
            d->w[d->n++] = p;
        }
        p = nl ? nl + 1 : NULL;
    }
    return 0;
}

static void dict_free(struct dict *d)
{
    free(d->w);
    buf_free(&d->text);
}

/* Variants of a name people use as a password. */
#define NAME_VARIANTS 16
static bool name_variant(const char *name, size_t k, char *out)
{
    size_t l = strlen(name);
    if (!l || l > 40)
        return false;
    char cap[48], up[48], rev[48];
    for (size_t i = 0; i <= l; i++) {
        cap[i] = i == 0 && name[0] >= 'a' && name[0] <= 'z' ? (char)(name[0] - 32) : name[i];
        up[i] = name[i] >= 'a' && name[i] <= 'z' ? (char)(name[i] - 32) : name[i];
        rev[i] = i < l ? name[l - 1 - i] : 0;
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    int year = tm.tm_year + 1900;
    switch (k) {
    case 0: snprintf(out, CAND_LEN, "%s", name); break;
    case 1: snprintf(out, CAND_LEN, "%s", cap); break;
    case 2: snprintf(out, CAND_LEN, "%s", up); break;
    case 3: snprintf(out, CAND_LEN, "%s1", name); break;
    case 4: snprintf(out, CAND_LEN, "%s12", name); break;
    case 5: snprintf(out, CAND_LEN, "%s123", name); break;
    case 6: snprintf(out, CAND_LEN, "%s1234", name); break;
    case 7: snprintf(out, CAND_LEN, "%s!", name); break;
    case 8: snprintf(out, CAND_LEN, "%s@123", name); break;
    case 9: snprintf(out, CAND_LEN, "%s123", cap); break;
    case 10: snprintf(out, CAND_LEN, "%s@123", cap); break;
    case 11: snprintf(out, CAND_LEN, "%s%s", name, name); break;
    case 12: snprintf(out, CAND_LEN, "%s", rev); break;
    case 13: snprintf(out, CAND_LEN, "%s%d", name, year); break;
    case 14: snprintf(out, CAND_LEN, "%s%d", name, year - 1); break;
    case 15: snprintf(out, CAND_LEN, "%s1!", cap); break;
    default: return false;
    }
    return true;
}

/* Candidate k for an account: its name's variants, the host name's, then the dictionary.
 * false past the last one. */
static bool candidate(const struct account *a, const char *host, const struct dict *d, size_t k,
                      char *out, const char **rule)
{
    if (k < NAME_VARIANTS) {
        *rule = "user_name";
        if (!name_variant(a->name, k, out))
            out[0] = 0;
        return true;
    }
    k -= NAME_VARIANTS;
    if (k < NAME_VARIANTS) {
        *rule = "host_name";
        char shortname[64];
        snprintf(shortname, sizeof(shortname), "%.*s", (int)strcspn(host, "."), host);
        if (!name_variant(shortname, k, out))
            out[0] = 0;
        return true;
    }
    k -= NAME_VARIANTS;
    if (k < d->n) {
        *rule = "dictionary";
        str_copy(out, d->w[k], CAND_LEN);
        return true;
    }
    return false;
}

static struct progress *progress_of(struct risk_passwords *p, const char *name, uint64_t fp)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->v[i].name, name)) {
            if (p->v[i].hash_fp != fp) { /* a new password: start over */
                p->v[i].hash_fp = fp;
                p->v[i].next = p->v[i].weak_at = 0;
            }
            return &p->v[i];
        }
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        struct progress *v = realloc(p->v, cap * sizeof(*v));
        if (!v)
            return NULL;
        p->v = v, p->cap = cap;
    }
    struct progress *x = &p->v[p->n++];
    memset(x, 0, sizeof(*x));
    str_copy(x->name, name, sizeof(x->name));
    x->hash_fp = fp;
    return x;
}

static uint64_t thread_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void report_weak(struct risk_run *run, const struct account *a, const char *rule)
{
    char msg[256];
    snprintf(msg, sizeof(msg), "account %s has a weak password (%s)", a->name,
             !strcmp(rule, "user_name")   ? "a variant of its user name"
             : !strcmp(rule, "host_name") ? "a variant of the host name"
                                          : "a common password");
    risk_report(run, &(struct risk_finding){
                         .kind = "weak_password", .subject = a->name,
                         .severity = a->uid == 0 ? "critical" : "high", .rule = rule,
                         .user = a->name, .message = msg,
                         .remediation = "Set a strong password (passwd), or lock the password "
                                        "if the account does not need one (passwd -l)"});
}

int risk_check_passwords(struct risk_run *run, struct risk_passwords *state,
                         struct vg_error *err)
{
    struct accounts acc = {0};
    struct buf pw = {0}, sh = {0};
    struct dict d = {0};
    struct crypt_data *cd = NULL;
    char path[4096], cand[CAND_LEN];
    int rc;
    risk_path(run, "/etc/passwd", path, sizeof(path));
    if ((rc = file_read_all(path, &pw, ACCOUNT_FILE_MAX))) {
        rc = vg_error_set(err, rc, "%s: %s", path, strerror(-rc));
        goto cleanup;
    }
    risk_path(run, "/etc/shadow", path, sizeof(path));
    int src = file_read_all(path, &sh, ACCOUNT_FILE_MAX);
    if (src && src != -ENOENT) {
        rc = vg_error_set(err, src, "%s: %s", path, strerror(-src));
        goto cleanup;
    }
    parse_passwd((const char *)pw.data, pw.len, add_passwd, &acc);
    if (!src)
        parse_shadow((const char *)sh.data, sh.len, add_shadow, &acc);
    if (acc.oom || !(cd = calloc(1, sizeof(*cd)))) {
        rc = vg_error_set(err, -ENOMEM, "out of memory");
        goto cleanup;
    }
    if ((rc = dict_load(run->cfg->dictionary, &d, err)))
        goto cleanup;

    /* what needs no hashing: uid 0 beside root, empty passwords */
    for (size_t i = 0; i < acc.n; i++) {
        struct account *a = &acc.v[i];
        char msg[256];
        if (a->uid == 0 && strcmp(a->name, "root")) {
            snprintf(msg, sizeof(msg), "account %s has uid 0: it is root under another name",
                     a->name);
            risk_report(run, &(struct risk_finding){
                                 .kind = "duplicate_root", .subject = a->name,
                                 .severity = "critical", .user = a->name, .message = msg,
                                 .remediation = "Give the account its own uid, or remove it"});
        }
        if (a->hash && !*a->hash) {
            bool login = login_shell(a->shell);
            snprintf(msg, sizeof(msg), login ? "account %s can log in without a password"
                                             : "account %s has an empty password",
                     a->name);
            risk_report(run, &(struct risk_finding){
                                 .kind = login ? "passwordless_login" : "empty_password",
                                 .subject = a->name, .severity = login ? "critical" : "medium",
                                 .rule = a->in_shadow ? "shadow" : "passwd", .user = a->name,
                                 .message = msg,
                                 .remediation = "Set a password (passwd) or lock the account "
                                                "(passwd -l; usermod -s /usr/sbin/nologin)"});
        }
    }

    /* the candidates, in rounds: every account's next candidate in turn */
    uint64_t start = thread_cpu_ms();
    bool more = true;
    /* first, confirm the weak passwords found by earlier runs (one hash each) */
    for (size_t i = 0; i < acc.n; i++) {
        struct account *a = &acc.v[i];
        if (!crackable(a))
            continue;
        struct progress *p = progress_of(state, a->name, fingerprint(a->hash));
        if (!p) {
            rc = vg_error_set(err, -ENOMEM, "out of memory");
            goto cleanup;
        }
        const char *rule;
        if (p->weak_at && candidate(a, run->hostname, &d, p->weak_at - 1, cand, &rule)) {
            const char *out = crypt_rn(cand, a->hash, cd, sizeof(*cd));
            if (out && out[0] != '*' && !strcmp(out, a->hash))
                report_weak(run, a, rule);
            else
                p->weak_at = 0;
        }
    }
    while (more) {
        more = false;
        for (size_t i = 0; i < acc.n; i++) {
            struct account *a = &acc.v[i];
            if (!crackable(a))
                continue; /* locked, empty or no hash */
            struct progress *p = progress_of(state, a->name, fingerprint(a->hash));
            const char *rule;
            if (!p || p->weak_at || !candidate(a, run->hostname, &d, p->next, cand, &rule))
                continue;
            if (thread_cpu_ms() - start >= run->cfg->password_budget_ms) {
                run->incomplete = true;
                goto done;
            }
            more = true;
            p->next++;
            if (!cand[0])
                continue;
            uint64_t before = thread_cpu_ms();
            const char *out = crypt_rn(cand, a->hash, cd, sizeof(*cd));
            if (!out || out[0] == '*' || thread_cpu_ms() - before > 2000) {
                /* a scheme libxcrypt does not know, or one hash costs seconds: not tried */
                p->next = SIZE_MAX / 2;
                continue;
            }
            if (!strcmp(out, a->hash)) {
                p->weak_at = p->next;
                report_weak(run, a, rule);
            }
        }
    }
done:
    /* accounts that come back after a pass are checked again from the start next time a
     * password changes; those removed are forgotten */
    for (size_t i = 0; i < state->n;) {
        bool present = false;
        for (size_t k = 0; k < acc.n && !present; k++)
            present = !strcmp(acc.v[k].name, state->v[i].name);
        if (!present)
            state->v[i] = state->v[--state->n];
        else
            i++;
    }
    rc = 0;
cleanup:
    explicit_bzero(cand, sizeof(cand));
    if (cd)
        explicit_bzero(cd, sizeof(*cd));
    free(cd);
    if (sh.data)
        explicit_bzero(sh.data, sh.len);
    if (pw.data)
        explicit_bzero(pw.data, pw.len);
    buf_free(&sh);
    buf_free(&pw);
    accounts_free(&acc);
    dict_free(&d);
    return rc;
}
