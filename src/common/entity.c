/* entity.c - process entity ids (entity.h). */
#include "common/entity.h"

#include <stdio.h>

#include "common/util.h"

void entity_id_make(const char *machine_id, const char *boot_id, int32_t pid,
                    uint64_t start_ticks, char out[ENTITY_ID_LEN + 1])
{
    char key[160];
    int n = snprintf(key, sizeof(key), "vigil-entity-v1|%s|%s|%d|%llu", machine_id, boot_id, pid,
                     (unsigned long long)start_ticks);
    uint8_t digest[32];
    sha256_raw(key, (size_t)n < sizeof(key) ? (size_t)n : sizeof(key) - 1, digest);
    hex_encode(digest, ENTITY_ID_LEN / 2, out);
}
