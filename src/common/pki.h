/* pki.h - the small certificate authority behind agent enrollment (OpenSSL).
 *
 * `vigil-server init` creates a CA and a server certificate; an enrolling agent sends a CSR and
 * gets back a client certificate whose subject CN is its agent id. Keys are ECDSA P-256.
 * All PEM strings returned are heap-allocated and NUL-terminated; the caller frees them. */
#ifndef VIGIL_PKI_H
#define VIGIL_PKI_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct pki_cert_info {
    char cn[128];           /* subject common name */
    char serial[72];        /* hex */
    char fingerprint[65];   /* SHA-256 of the DER, hex */
    int64_t not_after;      /* seconds since epoch */
};

/* A new CA: private key and self-signed certificate valid for `days`. */
int pki_create_ca(const char *cn, int days, char **key_pem, char **cert_pem, struct vg_error *err);

/* A certificate for the server signed by the CA, with the given DNS names and IP addresses as
 * subject alternative names (both NULL-terminated arrays, may be NULL). */
int pki_issue_server(const char *ca_key_pem, const char *ca_cert_pem, const char *cn,
                     const char *const *dns, const char *const *ips, int days, char **key_pem,
                     char **cert_pem, struct vg_error *err);

/* A new private key and a CSR for it with subject CN=cn (what an agent sends to enroll). */
int pki_create_csr(const char *cn, char **key_pem, char **csr_pem, struct vg_error *err);

/* Sign a CSR (whose self-signature is verified) as a client certificate with CN=cn; the CSR's
 * own subject is ignored. Returns the certificate and its info. */
int pki_sign_client_csr(const char *ca_key_pem, const char *ca_cert_pem, const char *csr_pem,
                        size_t csr_len, const char *cn, int days, char **cert_pem,
                        struct pki_cert_info *info, struct vg_error *err);

/* Parse a PEM certificate (or DER when der=1) and describe it. */
int pki_cert_info_pem(const char *pem, size_t len, struct pki_cert_info *info, struct vg_error *err);
int pki_cert_info_der(const void *der, size_t len, struct pki_cert_info *info, struct vg_error *err);

/* Verify that cert_pem was issued by ca_cert_pem and is valid now. */
int pki_verify(const char *ca_cert_pem, const char *cert_pem, struct vg_error *err);

#endif
