/* ingest.h - turning an agent's POSTed batch into stored rows: decompress (bounded), check the
 * batch is the authenticated agent's, decode each record defensively, store the batch in one
 * transaction. A record that cannot be decoded is kept in ingest_errors with the reason and its
 * position; it does not block the rest of the stream. */
#ifndef VIGIL_SERVER_INGEST_H
#define VIGIL_SERVER_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "server/store/store.h"

struct server;

struct ingest_reply {
    uint64_t records;
    uint64_t first_seq, last_seq;
    struct ingest_result stored;
};

/* Returns 0, -EACCES when the batch is for another agent than `agent` (err says which two),
 * -EINVAL for a malformed batch, -E2BIG past the size bound, -EIO when the store failed (the
 * agent should retry). */
int ingest_batch(struct server *srv, const struct agent_record *agent, const char *addr,
                 const uint8_t *body, size_t len, size_t max_decompressed,
                 struct ingest_reply *reply, struct vg_error *err);

#endif
