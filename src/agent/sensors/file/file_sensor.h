/* file_sensor.h - the file sensor's parts (internal to src/agent/sensors/file/):
 *
 *   file_module.c    module glue: options (watched prefixes, sensitive files), eBPF or fanotify
 *   file_events.c    syscall-sensor records -> file_events
 *   file_fanotify.c  fallback: fanotify on the file systems of the watched prefixes
 *   file_path.c      normalisation and prefix matching in user space */
#ifndef VIGIL_FILE_SENSOR_H
#define VIGIL_FILE_SENSOR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent/module.h"
#include "agent/sensors/hub/sys_sensor.h"
#include "common/config.h"
#include "common/error.h"

struct file_config {
    char *mode;
    struct config_list paths;
    struct config_list sensitive;
};

struct file_state {
    struct pipeline *pipeline;
    struct bpfhub *hub;
    struct sx_ctx ctx;
    struct sx_rec rec;
    struct config_list paths, sensitive; /* copies (the config may go away) */
    _Atomic uint64_t events, failed, malformed, filtered;
    struct fanwatch *fan;
    char mode[32];
    char norm[4096];
};

/* bpfhub_record_fn for SX_OPEN..SX_READ. */
void file_on_record(void *ctx, const void *data, size_t size);

/* The fanotify fallback. */
struct fanwatch;
int fanwatch_start(struct file_state *fs, struct fanwatch **out, struct vg_error *err);
void fanwatch_stop(struct fanwatch *w);

/* "write,create,truncate,append" of open(2) flags into out. */
void file_open_flags_text(uint64_t flags, char *out, size_t outlen);

#endif
