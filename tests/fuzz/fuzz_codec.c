/* fuzz_codec.c - fuzz target: decoding one event record (what the spool and the wire carry). */
#include <stdint.h>

#include "common/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct event *ev;
    if (!ev)
        ev = event_new(TBL_NONE, "");
    struct vg_error err;
    if (codec_decode(data, size, ev, &err) == 0) {
        /* a decoded event encodes back to something that decodes to the same fields */
        struct buf b = {0};
        if (codec_encode(ev, &b) == 0) {
            struct event *again = event_new(TBL_NONE, "");
            if (codec_decode(b.data, b.len, again, &err) != 0 || again->nfields != ev->nfields)
                __builtin_trap();
            event_free(again);
        }
        buf_free(&b);
    }
    return 0;
}
