/* ingest.c - batch ingestion (ingest.h). */
#include "server/ingest/ingest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/compress.h"
#include "common/log.h"
#include "server/ingest/hooks.h"
#include "server/server.h"

static const uint8_t zstd_magic[4] = {0x28, 0xb5, 0x2f, 0xfd};

int ingest_batch(struct server *srv, const struct agent_record *agent, const char *addr,
                 const uint8_t *body, size_t len, size_t max_decompressed,
                 struct ingest_reply *reply, struct vg_error *err)
{
    struct store *st = srv->store;
    struct buf plain = {0};
    struct event **events = NULL;
    size_t nevents = 0;
    const struct event *status = NULL;
    int rc = 0;
    memset(reply, 0, sizeof(*reply));

    if (len >= 4 && memcmp(body, zstd_magic, 4) == 0) {
        rc = decompress_zstd(body, len, max_decompressed, &plain, err);
        if (rc)
            goto cleanup;
        body = plain.data;
        len = plain.len;
    }
    struct batch_reader rd;
    struct batch_header hdr;
    rc = batch_open(&rd, body, len, &hdr, err);
    if (rc)
        goto cleanup;
    if (strcmp(hdr.agent_id, agent->agent_id) != 0) {
        rc = vg_error_set(err, -EACCES,
                          "the client certificate is for agent %s but the batch is for agent %s",
                          agent->agent_id, hdr.agent_id);
        goto cleanup;
    }
    events = calloc(hdr.count ? hdr.count : 1, sizeof(*events));
    if (!events) {
        rc = vg_error_set(err, -ENOMEM, "out of memory");
        goto cleanup;
    }
    const uint8_t *rec;
    size_t rec_len;
    uint64_t index = 0;
    int more;
    while ((more = batch_next(&rd, &rec, &rec_len, err)) == 1) {
        struct event *ev = event_new(TBL_NONE, "");
        if (!ev) {
            rc = vg_error_set(err, -ENOMEM, "out of memory");
            goto cleanup;
        }
        struct vg_error derr = {{0}};
        if (codec_decode(rec, rec_len, ev, &derr)) {
            char reason[700];
            snprintf(reason, sizeof(reason), "record %llu of the batch (seq %llu): %s",
                     (unsigned long long)index, (unsigned long long)ev->seq, derr.msg);
            log_warn("ingest from agent %s: %s", agent->agent_id, reason);
            store_ingest_error(st, agent->agent_id, ev->seq, reason, rec, rec_len);
            reply->stored.rejected++;
            event_free(ev);
        } else {
            if (!reply->records || ev->seq < reply->first_seq)
                reply->first_seq = ev->seq;
            if (ev->seq > reply->last_seq)
                reply->last_seq = ev->seq;
            if (ev->table == TBL_AGENT_EVENTS)
                status = ev;
            events[nevents++] = ev;
        }
        reply->records++;
        index++;
    }
    if (more < 0) {
        rc = more;
        goto cleanup;
    }
    uint64_t rejected_decode = reply->stored.rejected;
    rc = store_ingest(st, agent, hdr.hostname, events, nevents, &reply->stored, err);
    reply->stored.rejected += rejected_decode;
    if (rc)
        goto cleanup;
    store_agent_seen(st, agent, hdr.hostname, addr, status);
    for (size_t h = 0; ingest_hooks[h]; h++) {
        struct vg_error herr = {{0}};
        int hrc = ingest_hooks[h]->after_batch(srv, agent, events, nevents, &herr);
        if (hrc)
            log_error("ingest hook %s failed on a batch of agent %s: %s", ingest_hooks[h]->name,
                      agent->agent_id, vg_error_str(&herr, hrc));
    }
cleanup:
    for (size_t i = 0; i < nevents; i++)
        event_free(events[i]);
    free(events);
    buf_free(&plain);
    return rc;
}
