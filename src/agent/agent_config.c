/* agent_config.c - the agent's option tables and their loading (agent_config.h). */
#include "agent/agent_config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/module.h"
#include "common/util.h"

#define OPT(name, type, def, member, desc) \
    {name, type, def, offsetof(struct agent_config, member), desc}

const struct config_option agent_options[] = {
    OPT("server", CFG_STR, "https://127.0.0.1:8443", server, "URL of vigil-server"),
    OPT("state_dir", CFG_STR, "/var/lib/vigil-agent", state_dir,
        "Where the agent keeps its identity, certificate and spool"),
    OPT("enroll_token", CFG_STR, NULL, enroll_token,
        "Enrollment token (vgl1....) used once, when the agent has no certificate yet"),
    OPT("enroll_token_file", CFG_STR, NULL, enroll_token_file,
        "File holding the enrollment token (instead of enroll_token)"),
    OPT("log_level", CFG_STR, "info", log_level, "debug, info, warn or error"),
    OPT("scope", CFG_STR, "host", scope,
        "What the agent reports: host (every process of the machine) or netns (only the "
        "processes of its own network namespace, one agent per namespace)"),
    OPT("queue_size", CFG_INT, "65536", queue_size,
        "Events waiting between the sensors and the spool writer; past it events are dropped "
        "and counted"),
    OPT("spool.max_size", CFG_SIZE, "1G", spool_max_size,
        "Disk space the spool may use; past it the oldest unsent events are dropped and counted"),
    OPT("spool.segment_size", CFG_SIZE, "8M", spool_segment_size, "Size of one spool file"),
    OPT("spool.fsync_interval", CFG_DURATION, "1s", spool_fsync_interval,
        "How often the spool is flushed to stable storage (a crash of the agent loses nothing "
        "written; a power loss at most this much)"),
    OPT("batch.max_events", CFG_INT, "5000", batch_max_events, "Events per batch sent"),
    OPT("batch.max_bytes", CFG_SIZE, "1M", batch_max_bytes,
        "Bytes per batch before compression (the agent holds one batch and its compressed "
        "form in memory)"),
    OPT("status_interval", CFG_DURATION, "60s", status_interval,
        "How often the agent reports its status and counters"),
    OPT("request_timeout", CFG_DURATION, "60s", request_timeout, "Time limit of one request"),
    OPT("ebpf.ringbuf_size", CFG_SIZE, "0", ebpf_ringbuf_size,
        "The one BPF ring buffer all eBPF sensors write into (a power of two); 0 = 2 MiB per "
        "CPU, at least 8 MiB, at most 256 MiB"),
    OPT("ebpf.loss_interval", CFG_DURATION, "10s", ebpf_loss_interval,
        "How often sensors' lost and cut records are looked for and reported (sensor_loss)"),
    OPT("enrich.hash_executables", CFG_BOOL, "true", hash_executables,
        "Add the SHA-256 of the executable to exec events (cached by file identity, computed "
        "off the sensors' threads)"),
    OPT("enrich.hash_max_size", CFG_SIZE, "256M", hash_max_size,
        "Executables larger than this are not hashed"),
    {NULL, 0, NULL, 0, NULL},
};

int agent_config_init(struct agent_config *cfg, struct vg_error *err)
{
    memset(cfg, 0, sizeof(*cfg));
    int rc = config_defaults(agent_options, cfg);
    if (rc)
        return vg_error_set(err, rc, "agent configuration defaults: %s", strerror(-rc));
    size_t n = 0;
    while (agent_modules[n])
        n++;
    cfg->module_configs = calloc(n + 1, sizeof(void *));
    if (!cfg->module_configs)
        return vg_error_set(err, -ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const struct agent_module *m = agent_modules[i];
        cfg->module_configs[i] = calloc(1, m->config_size ? m->config_size : 1);
        if (!cfg->module_configs[i])
            return vg_error_set(err, -ENOMEM, "out of memory");
        if (m->options && (rc = config_defaults(m->options, cfg->module_configs[i])))
            return vg_error_set(err, rc, "defaults of module %s: %s", m->name, strerror(-rc));
    }
    return 0;
}

/* Route a dotted name to the core table or to a module's: "process.mode" -> module process. */
static int route(struct agent_config *cfg, const char *name, const char *value, bool append,
                 struct vg_error *err)
{
    for (size_t i = 0; agent_modules[i]; i++) {
        const struct agent_module *m = agent_modules[i];
        size_t l = strlen(m->name);
        if (strncmp(name, m->name, l) == 0 && name[l] == '.') {
            if (!m->options)
                return vg_error_set(err, -ENOENT, "module %s has no options", m->name);
            return append ? config_append(m->options, cfg->module_configs[i], name + l + 1,
                                          value, err)
                          : config_set(m->options, cfg->module_configs[i], name + l + 1, value,
                                       err);
        }
    }
    return append ? config_append(agent_options, cfg, name, value, err)
                  : config_set(agent_options, cfg, name, value, err);
}

struct load_state {
    struct agent_config *cfg;
    char list[256];
};

static int visit(void *ctx, const char *name, const char *value, bool list_item, unsigned line,
                 unsigned column, struct vg_error *err)
{
    struct load_state *st = ctx;
    (void)line;
    (void)column;
    if (!list_item)
        return route(st->cfg, name, value, false, err);
    if (strcmp(st->list, name) != 0) {
        str_copy(st->list, name, sizeof(st->list));
        int rc = route(st->cfg, name, "", false, err);
        if (rc)
            return rc;
    }
    return route(st->cfg, name, value, true, err);
}

int agent_config_load(struct agent_config *cfg, const char *path, struct vg_error *err)
{
    struct load_state st = {.cfg = cfg};
    return config_parse_yaml_file(path, visit, &st, err);
}

int agent_config_set(struct agent_config *cfg, const char *assignment, struct vg_error *err)
{
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment)
        return vg_error_set(err, -EINVAL, "--set needs name=value, got \"%s\"", assignment);
    char name[256];
    size_t l = (size_t)(eq - assignment);
    if (l >= sizeof(name))
        return vg_error_set(err, -EINVAL, "option name too long");
    memcpy(name, assignment, l);
    name[l] = '\0';
    return route(cfg, name, eq + 1, false, err);
}

void agent_config_free(struct agent_config *cfg)
{
    if (cfg->module_configs) {
        for (size_t i = 0; agent_modules[i]; i++) {
            if (cfg->module_configs[i] && agent_modules[i]->options)
                config_free(agent_modules[i]->options, cfg->module_configs[i]);
            free(cfg->module_configs[i]);
        }
        free(cfg->module_configs);
    }
    config_free(agent_options, cfg);
    memset(cfg, 0, sizeof(*cfg));
}
