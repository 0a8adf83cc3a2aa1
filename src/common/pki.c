/* pki.c - certificate authority operations on OpenSSL 3 (pki.h). Every object is freed on one
 * cleanup path; errors carry OpenSSL's own reason. */
#include "common/pki.h"

#include <errno.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static int ssl_error(struct vg_error *err, const char *what)
{
    unsigned long e = ERR_get_error();
    char reason[256] = "unknown error";
    if (e)
        ERR_error_string_n(e, reason, sizeof(reason));
    ERR_clear_error();
    return vg_error_set(err, -EPROTO, "%s: %s", what, reason);
}

static EVP_PKEY *new_key(void)
{
    return EVP_EC_gen("P-256");
}

static char *bio_to_string(BIO *bio)
{
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    memcpy(s, data, (size_t)n);
    s[n] = '\0';
    return s;
}

static char *key_to_pem(EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *s = NULL;
    if (bio && PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL))
        s = bio_to_string(bio);
    BIO_free(bio);
    return s;
}

static char *cert_to_pem(X509 *cert)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *s = NULL;
    if (bio && PEM_write_bio_X509(bio, cert))
        s = bio_to_string(bio);
    BIO_free(bio);
    return s;
}

static X509 *cert_from_pem(const char *pem, size_t len)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    return x;
}

static EVP_PKEY *key_from_pem(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    return k;
}

static int set_random_serial(X509 *x)
{
    uint8_t raw[16];
    if (random_bytes(raw, sizeof(raw)))
        return 0;
    raw[0] &= 0x7f; /* positive */
    BIGNUM *bn = BN_bin2bn(raw, sizeof(raw), NULL);
    int ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    BN_free(bn);
    return ok;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return 0;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

/* Make x a leaf certificate issued by ca for the given extended key usage (and subject
 * alternative names when san is not empty), signed with ca_key. 1 on success. */
static int sign_leaf(X509 *x, X509 *ca, EVP_PKEY *ca_key, const char *eku, const char *san)
{
    return X509_set_issuer_name(x, X509_get_subject_name(ca)) &&
           add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE") &&
           add_ext(x, ca, NID_key_usage, "critical,digitalSignature,keyAgreement") &&
           add_ext(x, ca, NID_ext_key_usage, eku) &&
           add_ext(x, ca, NID_authority_key_identifier, "keyid:always") &&
           (!san || !*san || add_ext(x, ca, NID_subject_alt_name, san)) &&
           X509_sign(x, ca_key, EVP_sha256());
}

/* Both PEMs of a new key pair's certificate; 0 or -ENOMEM (nothing returned then). */
static int export_pair(EVP_PKEY *key, X509 *x, char **key_pem, char **cert_pem,
                       struct vg_error *err)
{
    *key_pem = key_to_pem(key);
    *cert_pem = cert_to_pem(x);
    if (*key_pem && *cert_pem)
        return 0;
    free(*key_pem);
    free(*cert_pem);
    *key_pem = *cert_pem = NULL;
    return vg_error_set(err, -ENOMEM, "out of memory");
}

/* A certificate with subject CN=cn, the key's public half, a random serial, valid `days`. */
static X509 *new_cert(const char *cn, EVP_PKEY *pub, int days)
{
    X509 *x = X509_new();
    if (!x)
        return NULL;
    X509_NAME *name = X509_get_subject_name(x);
    if (!X509_set_version(x, 2) || !set_random_serial(x) ||
        !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400L) ||
        !X509_set_pubkey(x, pub) ||
        !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"Vigil", -1,
                                    -1, 0) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                                    0)) {
        X509_free(x);
        return NULL;
    }
    return x;
}

int pki_create_ca(const char *cn, int days, char **key_pem, char **cert_pem, struct vg_error *err)
{
    int rc = 0;
    EVP_PKEY *key = new_key();
    X509 *x = key ? new_cert(cn, key, days) : NULL;
    if (!x) {
        rc = ssl_error(err, "creating the CA");
        goto cleanup;
    }
    if (!X509_set_issuer_name(x, X509_get_subject_name(x)) ||
        !add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
        !add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") ||
        !add_ext(x, x, NID_subject_key_identifier, "hash") || !X509_sign(x, key, EVP_sha256())) {
        rc = ssl_error(err, "signing the CA certificate");
        goto cleanup;
    }
    rc = export_pair(key, x, key_pem, cert_pem, err);
cleanup:
    X509_free(x);
    EVP_PKEY_free(key);
    return rc;
}

int pki_issue_server(const char *ca_key_pem, const char *ca_cert_pem, const char *cn,
                     const char *const *dns, const char *const *ips, int days, char **key_pem,
                     char **cert_pem, struct vg_error *err)
{
    int rc = 0;
    EVP_PKEY *ca_key = key_from_pem(ca_key_pem), *key = NULL;
    X509 *ca = cert_from_pem(ca_cert_pem, strlen(ca_cert_pem)), *x = NULL;
    char san[4096] = "";
    size_t len = 0;
    if (!ca_key || !ca) {
        rc = ssl_error(err, "reading the CA");
        goto cleanup;
    }
    for (size_t i = 0; dns && dns[i]; i++)
        len += (size_t)snprintf(san + len, sizeof(san) - len, "%sDNS:%s", len ? "," : "", dns[i]);
    for (size_t i = 0; ips && ips[i] && len < sizeof(san); i++)
        len += (size_t)snprintf(san + len, sizeof(san) - len, "%sIP:%s", len ? "," : "", ips[i]);
    if (len >= sizeof(san)) {
        rc = vg_error_set(err, -E2BIG, "too many server names");
        goto cleanup;
    }
    key = new_key();
    x = key ? new_cert(cn, key, days) : NULL;
    if (!x || !sign_leaf(x, ca, ca_key, "serverAuth", san)) {
        rc = ssl_error(err, "issuing the server certificate");
        goto cleanup;
    }
    rc = export_pair(key, x, key_pem, cert_pem, err);
cleanup:
    X509_free(x);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
    return rc;
}

int pki_create_csr(const char *cn, char **key_pem, char **csr_pem, struct vg_error *err)
{
    int rc = 0;
    EVP_PKEY *key = new_key();
    X509_REQ *req = X509_REQ_new();
    BIO *bio = BIO_new(BIO_s_mem());
    if (!key || !req || !bio || !X509_REQ_set_pubkey(req, key) ||
        !X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_UTF8,
                                    (const unsigned char *)cn, -1, -1, 0) ||
        !X509_REQ_sign(req, key, EVP_sha256()) || !PEM_write_bio_X509_REQ(bio, req)) {
        rc = ssl_error(err, "creating the certificate request");
        goto cleanup;
    }
    *key_pem = key_to_pem(key);
    *csr_pem = bio_to_string(bio);
    if (!*key_pem || !*csr_pem) {
        free(*key_pem);
        free(*csr_pem);
        rc = vg_error_set(err, -ENOMEM, "out of memory");
    }
cleanup:
    BIO_free(bio);
    X509_REQ_free(req);
    EVP_PKEY_free(key);
    return rc;
}

static int describe(X509 *x, struct pki_cert_info *info, struct vg_error *err)
{
    memset(info, 0, sizeof(*info));
    X509_NAME *subj = X509_get_subject_name(x);
    int idx = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
    if (idx < 0)
        return vg_error_set(err, -EINVAL, "certificate has no common name");
    ASN1_STRING *cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx));
    int cnlen = ASN1_STRING_length(cn);
    if (cnlen <= 0 || (size_t)cnlen >= sizeof(info->cn) ||
        memchr(ASN1_STRING_get0_data(cn), '\0', (size_t)cnlen))
        return vg_error_set(err, -EINVAL, "certificate common name is empty, too long or binary");
    memcpy(info->cn, ASN1_STRING_get0_data(cn), (size_t)cnlen);

    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    if (hex)
        str_copy(info->serial, hex, sizeof(info->serial));
    OPENSSL_free(hex);
    BN_free(bn);

    unsigned char md[32];
    unsigned int mdlen = sizeof(md);
    if (!X509_digest(x, EVP_sha256(), md, &mdlen))
        return ssl_error(err, "hashing the certificate");
    hex_encode(md, 32, info->fingerprint);

    struct tm tm;
    if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm))
        info->not_after = (int64_t)timegm(&tm);
    return 0;
}

int pki_sign_client_csr(const char *ca_key_pem, const char *ca_cert_pem, const char *csr_pem,
                        size_t csr_len, const char *cn, int days, char **cert_pem,
                        struct pki_cert_info *info, struct vg_error *err)
{
    int rc = 0;
    EVP_PKEY *ca_key = key_from_pem(ca_key_pem), *pub = NULL;
    X509 *ca = cert_from_pem(ca_cert_pem, strlen(ca_cert_pem)), *x = NULL;
    BIO *bio = BIO_new_mem_buf(csr_pem, (int)csr_len);
    X509_REQ *req = bio ? PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL) : NULL;
    if (!ca_key || !ca) {
        rc = ssl_error(err, "reading the CA");
        goto cleanup;
    }
    if (!req) {
        rc = ssl_error(err, "the certificate request is not a PEM CSR");
        goto cleanup;
    }
    pub = X509_REQ_get_pubkey(req);
    if (!pub || X509_REQ_verify(req, pub) != 1) {
        rc = ssl_error(err, "the certificate request's signature does not verify");
        goto cleanup;
    }
    x = new_cert(cn, pub, days);
    if (!x || !sign_leaf(x, ca, ca_key, "clientAuth", NULL)) {
        rc = ssl_error(err, "signing the agent certificate");
        goto cleanup;
    }
    rc = describe(x, info, err);
    if (rc)
        goto cleanup;
    *cert_pem = cert_to_pem(x);
    if (!*cert_pem)
        rc = vg_error_set(err, -ENOMEM, "out of memory");
cleanup:
    X509_free(x);
    X509_REQ_free(req);
    BIO_free(bio);
    X509_free(ca);
    EVP_PKEY_free(pub);
    EVP_PKEY_free(ca_key);
    return rc;
}

int pki_cert_info_pem(const char *pem, size_t len, struct pki_cert_info *info, struct vg_error *err)
{
    X509 *x = cert_from_pem(pem, len);
    if (!x)
        return ssl_error(err, "not a PEM certificate");
    int rc = describe(x, info, err);
    X509_free(x);
    return rc;
}

int pki_cert_info_der(const void *der, size_t len, struct pki_cert_info *info, struct vg_error *err)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (!x)
        return ssl_error(err, "not a DER certificate");
    int rc = describe(x, info, err);
    X509_free(x);
    return rc;
}

int pki_verify(const char *ca_cert_pem, const char *cert_pem, struct vg_error *err)
{
    int rc = 0;
    X509 *ca = cert_from_pem(ca_cert_pem, strlen(ca_cert_pem));
    X509 *x = cert_from_pem(cert_pem, strlen(cert_pem));
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (!ca || !x || !store || !ctx || !X509_STORE_add_cert(store, ca) ||
        !X509_STORE_CTX_init(ctx, store, x, NULL)) {
        rc = ssl_error(err, "reading certificates");
        goto cleanup;
    }
    if (X509_verify_cert(ctx) != 1)
        rc = vg_error_set(err, -EACCES, "certificate does not verify: %s",
                          X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
cleanup:
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    X509_free(x);
    X509_free(ca);
    return rc;
}
