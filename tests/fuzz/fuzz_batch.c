/* fuzz_batch.c - fuzz target: the whole body of POST /events as the server reads it: zstd
 * framing, the batch header and every record, through a real (temporary) SQLite store. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "server/ingest/ingest.h"
#include "server/server.h"
#include "server/store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct server srv;
    static struct store *st;
    static struct agent_record agent;
    if (!st) {
        char path[] = "/tmp/vigil-fuzz-batch.XXXXXX";
        int fd = mkstemp(path);
        if (fd < 0 || store_open(path, &st, NULL))
            abort();
        close(fd);
        store_agent_register(st, "fuzz-agent", "h", "m", "os", "k", "x86_64", "fp", "1", 0,
                             "127.0.0.1", NULL);
        store_agent_get(st, "fuzz-agent", &agent);
        srv.store = st;
    }
    struct ingest_reply r;
    struct vg_error err;
    ingest_batch(&srv, &agent, "127.0.0.1", data, size, 1 << 24, &r, &err);
    return 0;
}
