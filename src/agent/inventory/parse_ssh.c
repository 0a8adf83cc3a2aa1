/* parse_ssh.c - OpenSSH formats: authorized_keys lines (options, key type, base64 key, comment)
 * with the key's SHA-256 fingerprint as ssh-keygen -l prints it and its size in bits (read from
 * the key blob: the RSA modulus, the DSA prime, the ECDSA curve), and sshd_config's
 * "Keyword arguments" lines. Base64 and SHA-256 are OpenSSL's. */
#include <ctype.h>
#include <stdio.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "agent/inventory/inv_text.h"
#include "agent/inventory/parsers.h"
#include "common/util.h"

#define KEY_BLOB_MAX (64u << 10)

static bool known_key_type(const char *w, size_t wl)
{
    static const char *const types[] = {
        "ssh-rsa", "ssh-dss", "ssh-ed25519", "ssh-ed448", "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ecdsa-sha2-nistp256@openssh.com",
        "sk-ssh-ed25519@openssh.com", "ssh-xmss@openssh.com", NULL,
    };
    for (size_t i = 0; types[i]; i++)
        if (inv_eq(w, wl, types[i]))
            return true;
    static const char cert[] = "-cert-v01@openssh.com";
    return wl > sizeof(cert) - 1 && !memcmp(w + wl - (sizeof(cert) - 1), cert, sizeof(cert) - 1);
}

/* A string of the SSH wire format (uint32 length, bytes) at *pos of blob. */
static bool ssh_string(const uint8_t *blob, size_t len, size_t *pos, const uint8_t **s, size_t *sl)
{
    if (len - *pos < 4)
        return false;
    uint32_t l = (uint32_t)blob[*pos] << 24 | (uint32_t)blob[*pos + 1] << 16 |
                 (uint32_t)blob[*pos + 2] << 8 | blob[*pos + 3];
    *pos += 4;
    if (l > len - *pos)
        return false;
    *s = blob + *pos;
    *sl = l;
    *pos += l;
    return true;
}

/* Bits of an mpint (big-endian, maybe with a leading zero byte). */
static int mpint_bits(const uint8_t *s, size_t l)
{
    while (l && !*s) {
        s++;
        l--;
    }
    if (!l)
        return 0;
    int b = (int)(l - 1) * 8;
    for (uint8_t top = s[0]; top; top >>= 1)
        b++;
    return b;
}

/* Size in bits of the key in blob, whose first string is its type; 0 when unknown. */
static int key_bits(const uint8_t *blob, size_t len)
{
    size_t pos = 0, tl, l;
    const uint8_t *t, *s;
    if (!ssh_string(blob, len, &pos, &t, &tl))
        return 0;
    bool cert = tl > 21 && !memcmp(t + tl - 21, "-cert-v01@openssh.com", 21);
    if (cert && !ssh_string(blob, len, &pos, &s, &l)) /* the certificate's nonce */
        return 0;
    if ((tl >= 7 && !memcmp(t, "ssh-rsa", 7))) { /* e, n */
        if (!ssh_string(blob, len, &pos, &s, &l) || !ssh_string(blob, len, &pos, &s, &l))
            return 0;
        return mpint_bits(s, l);
    }
    if (tl >= 7 && !memcmp(t, "ssh-dss", 7)) { /* p, q, g, y */
        if (!ssh_string(blob, len, &pos, &s, &l))
            return 0;
        return mpint_bits(s, l);
    }
    if (memmem(t, tl, "nistp256", 8))
        return 256;
    if (memmem(t, tl, "nistp384", 8))
        return 384;
    if (memmem(t, tl, "nistp521", 8))
        return 521;
    if (memmem(t, tl, "ed25519", 7))
        return 256;
    if (memmem(t, tl, "ed448", 5))
        return 456;
    return 0;
}

int ssh_key_fingerprint(const char *b64, size_t len, char *type_in_blob, size_t typelen,
                        char fp[64], int *bits)
{
    if (len == 0 || len > KEY_BLOB_MAX || len % 4)
        return -1;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)b64[i]) && b64[i] != '+' && b64[i] != '/' && b64[i] != '=')
            return -1;
    uint8_t *blob = malloc(len / 4 * 3 + 1);
    if (!blob)
        return -1;
    int n = EVP_DecodeBlock(blob, (const unsigned char *)b64, (int)len);
    int rc = -1;
    if (n < 0)
        goto cleanup;
    /* EVP_DecodeBlock counts the padding as zero bytes */
    if (len >= 1 && b64[len - 1] == '=')
        n--;
    if (len >= 2 && b64[len - 2] == '=')
        n--;
    size_t pos = 0, tl;
    const uint8_t *t;
    if (!ssh_string(blob, (size_t)n, &pos, &t, &tl) || tl == 0)
        goto cleanup;
    inv_copy(type_in_blob, typelen, (const char *)t, tl);
    uint8_t digest[32];
    sha256_raw(blob, (size_t)n, digest);
    char enc[48];
    int el = EVP_EncodeBlock((unsigned char *)enc, digest, 32);
    while (el > 0 && enc[el - 1] == '=')
        el--;
    enc[el] = '\0';
    snprintf(fp, 64, "SHA256:%s", enc);
    *bits = key_bits(blob, (size_t)n);
    rc = 0;
cleanup:
    free(blob);
    return rc;
}

void ssh_key_type_name(const char *type, char *out, size_t outlen)
{
    static const struct { const char *algo, *name; } names[] = {
        {"ssh-ed25519", "ED25519"}, {"ssh-rsa", "RSA"}, {"ssh-dss", "DSA"},
        {"ecdsa-sha2-nistp256", "ECDSA"}, {"ecdsa-sha2-nistp384", "ECDSA"},
        {"ecdsa-sha2-nistp521", "ECDSA"}, {"sk-ecdsa-sha2-nistp256@openssh.com", "ECDSA-SK"},
        {"sk-ssh-ed25519@openssh.com", "ED25519-SK"}, {"ssh-ed448", "ED448"},
        {"ssh-xmss@openssh.com", "XMSS"},
    };
    char base[128];
    str_copy(base, type, sizeof(base));
    static const char cert[] = "-cert-v01@openssh.com";
    size_t l = strlen(base), cl = sizeof(cert) - 1;
    bool is_cert = l > cl && !strcmp(base + l - cl, cert);
    if (is_cert) /* ssh-ed25519-cert-v01@openssh.com: the key type, then -CERT */
        base[l - cl] = '\0';
    const char *name = NULL;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !name; i++)
        if (!strcmp(base, names[i].algo) ||
            (is_cert && !strncmp(names[i].algo, base, strlen(base)) &&
             names[i].algo[strlen(base)] == '@'))
            name = names[i].name;
    if (!name) { /* an algorithm ssh-keygen does not name: upper case as written */
        size_t k = 0;
        for (; base[k] && k + 1 < outlen; k++)
            out[k] = (char)toupper((unsigned char)base[k]);
        out[k] = '\0';
    } else {
        str_copy(out, name, outlen);
    }
    if (is_cert) {
        size_t o = strlen(out);
        snprintf(out + o, outlen - o, "-CERT");
    }
}

int parse_authorized_keys(const char *text, size_t len,
                          void (*each)(void *ctx, const struct ssh_key_entry *k), void *ctx)
{
    size_t pos = 0, ll;
    const char *l;
    unsigned lineno = 0;
    int n = 0;
    while ((l = inv_next_content_line(text, len, &pos, &lineno, "#", &ll))) {
        struct ssh_key_entry k;
        memset(&k, 0, sizeof(k));
        k.line = lineno;
        size_t wp = 0, wl;
        const char *w = inv_word(l, ll, &wp, &wl);
        const char *opts = NULL;
        size_t ol = 0;
        if (!known_key_type(w, wl)) {
            /* options: up to the first blank outside double quotes */
            size_t i = 0;
            bool q = false;
            for (; i < ll; i++) {
                if (l[i] == '\\' && q && i + 1 < ll) {
                    i++;
                    continue;
                }
                if (l[i] == '"')
                    q = !q;
                else if (!q && (l[i] == ' ' || l[i] == '\t'))
                    break;
            }
            opts = l;
            ol = i;
            wp = i;
            w = inv_word(l, ll, &wp, &wl);
            if (!w || !known_key_type(w, wl))
                continue; /* not a key line (sshd ignores it as well) */
        }
        char type[128], blob_type[128], fp[64], comment[1024], options[4096];
        inv_copy(type, sizeof(type), w, wl);
        size_t bl;
        const char *b64 = inv_word(l, ll, &wp, &bl);
        if (!b64 || ssh_key_fingerprint(b64, bl, blob_type, sizeof(blob_type), fp, &k.bits) ||
            strcmp(type, blob_type) != 0)
            continue; /* a damaged key: sshd does not accept it either */
        const char *cm = l + wp;
        size_t cl = ll - wp;
        inv_trim(&cm, &cl);
        k.type = type;
        k.fingerprint = fp;
        k.comment = inv_copy(comment, sizeof(comment), cm, cl);
        k.options = opts ? inv_copy(options, sizeof(options), opts, ol) : "";
        each(ctx, &k);
        n++;
    }
    return n;
}

int parse_sshd_config(const char *text, size_t len,
                      void (*each)(void *ctx, const char *keyword, const char *args), void *ctx)
{
    size_t pos = 0, ll;
    const char *l;
    unsigned lineno = 0;
    int n = 0;
    while ((l = inv_next_content_line(text, len, &pos, &lineno, "#", &ll))) {
        size_t kl = 0;
        while (kl < ll && l[kl] != ' ' && l[kl] != '\t' && l[kl] != '=')
            kl++;
        const char *a = l + kl;
        size_t al = ll - kl;
        inv_trim(&a, &al);
        if (al && a[0] == '=') { /* "Keyword=value" is allowed too */
            a++;
            al--;
            inv_trim(&a, &al);
        }
        char kw[64], args[4096];
        if (kl >= sizeof(kw))
            continue;
        inv_copy(kw, sizeof(kw), l, kl);
        inv_copy(args, sizeof(args), a, al);
        each(ctx, kw, args);
        n++;
    }
    return n;
}
