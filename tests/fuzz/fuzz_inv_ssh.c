/* fuzz_inv_ssh.c - fuzz target: authorized_keys lines (options, base64 key blobs, key sizes)
 * and sshd_config lines. */
#include <stdint.h>

#include "agent/inventory/parsers.h"
#include "fuzz_inv_common.h"

static void key(void *ctx, const struct ssh_key_entry *k)
{
    (void)ctx;
    char name[64];
    ssh_key_type_name(k->type, name, sizeof(name));
    fuzz_touch(name);
    fuzz_touch(k->fingerprint);
    fuzz_touch(k->comment);
    fuzz_touch(k->options);
}

static void kw(void *ctx, const char *k, const char *a)
{
    (void)ctx;
    fuzz_touch(k);
    fuzz_touch(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse_authorized_keys((const char *)data, size, key, NULL);
    parse_sshd_config((const char *)data, size, kw, NULL);
    char type[128], fp[64];
    int bits;
    ssh_key_fingerprint((const char *)data, size, type, sizeof(type), fp, &bits);
    return 0;
}
