/* fuzz_ioc.c - indicator feeds are outside input: any bytes (CSV, STIX, MISP JSON) must load or be
 * refused with a reason, and the engine must then match events without faults or leaks. */
#include <stddef.h>
#include <stdint.h>

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
    if (engine_new(NULL, &e, &err) || engine_compile(e, &err)) {
        engine_free(e);
        return 0;
    }
    if (engine_load_ioc_text(e, (const char *)data, size, "fuzz", &err) >= 0) {
        struct event *ev = event_new(TBL_NETWORK_EVENTS, "connect");
        if (ev) {
            event_add_str(ev, FLD_DST_IP, "192.0.2.9");
            event_add_str(ev, FLD_DNS_QUERY, "a.b.evil.example.");
            engine_match(e, ev, 1, on_alert, NULL);
            event_free(ev);
        }
    }
    engine_free(e);
    return 0;
}
