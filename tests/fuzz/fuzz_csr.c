/* fuzz_csr.c - fuzz target: the certificate request an enrolling agent sends. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char *ca_key, *ca_cert;
    if (!ca_key && pki_create_ca("fuzz CA", 1, &ca_key, &ca_cert, NULL))
        abort();
    char *cert = NULL;
    struct pki_cert_info info;
    struct vg_error err;
    pki_sign_client_csr(ca_key, ca_cert, (const char *)data, size, "agent", 1, &cert, &info, &err);
    free(cert);
    pki_cert_info_der(data, size, &info, &err);
    return 0;
}
