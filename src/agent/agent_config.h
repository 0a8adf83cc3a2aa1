/* agent_config.h - vigil-agent's configuration: the core options (server, state directory,
 * spool, batching) and each module's own options under its name, read from agent.yml and
 * overridden on the command line with --set name=value. */
#ifndef VIGIL_AGENT_CONFIG_H
#define VIGIL_AGENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/error.h"

struct agent_config {
    char *server;           /* https://host:port */
    char *state_dir;
    char *enroll_token;     /* vgl1.<secret>.<ca fingerprint> */
    char *enroll_token_file;
    char *log_level;
    char *scope;            /* host or netns (host.h) */
    int64_t queue_size;
    uint64_t spool_max_size, spool_segment_size, spool_fsync_interval;
    int64_t batch_max_events;
    uint64_t batch_max_bytes;
    uint64_t status_interval;
    uint64_t request_timeout;
    uint64_t ebpf_ringbuf_size;   /* 0: by the number of CPUs */
    uint64_t ebpf_loss_interval;  /* ms */
    bool hash_executables;
    uint64_t hash_max_size;
    void **module_configs;  /* one struct per entry of agent_modules[], NULL-terminated */
};

extern const struct config_option agent_options[];

/* Defaults for the core and every module. */
int agent_config_init(struct agent_config *cfg, struct vg_error *err);
/* Read a YAML file: core names as is, module options as "<module>.<option>". */
int agent_config_load(struct agent_config *cfg, const char *path, struct vg_error *err);
/* One "name=value" override (from --set). */
int agent_config_set(struct agent_config *cfg, const char *assignment, struct vg_error *err);
void agent_config_free(struct agent_config *cfg);

#endif
