/* test_pki.c - the enrollment CA: a client certificate is issued for the CN we choose (not the
 * CSR's), verifies against its CA and not against another, and garbage is refused. */
#include <errno.h>
#include <stdlib.h>

#include "common/pki.h"
#include "test.h"

static void test_issue_and_verify(void)
{
    char *ca_key, *ca_cert, *srv_key, *srv_cert, *key, *csr, *cert;
    struct vg_error err = {{0}};
    CHECK_EQ_INT(pki_create_ca("Vigil CA test", 30, &ca_key, &ca_cert, &err), 0);
    const char *dns[] = {"localhost", NULL}, *ips[] = {"127.0.0.1", NULL};
    CHECK_EQ_INT(pki_issue_server(ca_key, ca_cert, "server", dns, ips, 30, &srv_key, &srv_cert,
                                  &err), 0);
    CHECK_EQ_INT(pki_verify(ca_cert, srv_cert, &err), 0);
    CHECK_EQ_INT(pki_create_csr("i-want-to-be-admin", &key, &csr, &err), 0);
    struct pki_cert_info info;
    CHECK_EQ_INT(pki_sign_client_csr(ca_key, ca_cert, csr, strlen(csr), "agent-123", 30, &cert,
                                     &info, &err), 0);
    CHECK_EQ_STR(info.cn, "agent-123");
    CHECK_EQ_INT(strlen(info.fingerprint), 64);
    CHECK(strlen(info.serial) > 10);
    CHECK(info.not_after > 0);
    struct pki_cert_info again;
    CHECK_EQ_INT(pki_cert_info_pem(cert, strlen(cert), &again, &err), 0);
    CHECK_EQ_STR(again.fingerprint, info.fingerprint);
    CHECK_EQ_INT(pki_verify(ca_cert, cert, &err), 0);

    /* another CA does not vouch for it */
    char *other_key, *other_cert;
    CHECK_EQ_INT(pki_create_ca("Other CA", 30, &other_key, &other_cert, &err), 0);
    CHECK_EQ_INT(pki_verify(other_cert, cert, &err), -EACCES);

    /* garbage and tampered requests are refused */
    CHECK(pki_sign_client_csr(ca_key, ca_cert, "not a csr", 9, "x", 30, &cert, &info, &err) != 0);
    char *tampered = strdup(csr);
    tampered[strlen(tampered) / 2] ^= 0x01;
    char *c2 = NULL;
    CHECK(pki_sign_client_csr(ca_key, ca_cert, tampered, strlen(tampered), "x", 30, &c2, &info,
                              &err) != 0);
    free(c2);
    free(tampered);
    CHECK(pki_cert_info_pem("junk", 4, &info, &err) != 0);
    free(ca_key); free(ca_cert); free(srv_key); free(srv_cert);
    free(key); free(csr); free(cert); free(other_key); free(other_cert);
}

TEST_MAIN(TEST(test_issue_and_verify))
