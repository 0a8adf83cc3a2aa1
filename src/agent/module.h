/* module.h - the interface every agent module implements (sensors, collectors, ...).
 *
 * A module is a struct of callbacks plus a static option table; modules are registered in one
 * list (modules.c). Adding a module means adding a folder and one line there. Options are read
 * from agent.yml under the module's name ("process.mode: auto"). */
#ifndef VIGIL_AGENT_MODULE_H
#define VIGIL_AGENT_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/config.h"
#include "common/error.h"

struct pipeline;
struct proctable;
struct host_info;
struct bpfhub;
struct enrich;

/* What a module gets from the agent. Everything here outlives the module. */
struct agent_module_ctx {
    const struct host_info *host;
    struct pipeline *pipeline;  /* pipeline_submit() events here */
    struct proctable *procs;    /* the agent-wide process table */
    const char *state_dir;      /* a directory the module may keep state in */
    struct bpfhub *bpf;         /* the eBPF hub: one ring buffer and reader for all sensors */
    struct enrich *enrich;      /* user names, ancestry, executable hashes */
};

/* A module's report for the agent's status events and `vigil agents`. */
struct module_status {
    char mode[48];        /* e.g. "ebpf", "proc_connector", "disabled" */
    uint64_t events;      /* events produced since start */
    uint64_t lost;        /* events lost since start (ring buffer full, ...) */
};

/* A kind of task the server can send (tasks.h). run() is called on the agent's task thread
 * with the module's state; it fills *result (any JSON, owned by the caller afterwards) or
 * returns -errno with err saying why. It should finish within seconds; longer work is started
 * and its outcome sent as events. */
struct agent_task_handler {
    const char *kind; /* "inventory.rescan", "query", ... */
    int (*run)(void *state, json_t *payload, json_t **result, struct vg_error *err);
};

/* A table the module answers in live queries (src/agent/live/): the agent's current state,
 * read when a query asks for it. `schema` declares the columns as SQL ("pid INTEGER, exe TEXT");
 * when `key` names a column, the table needs `key = 'value'` in the query and scan() receives
 * that value (a table of a path, for example); otherwise arg is NULL. scan() also receives its
 * own table (one function may answer several tables). scan() adds rows with the
 * live_row_* functions of src/agent/live/live.h. */
struct live_rows;
struct live_table {
    const char *name;
    const char *schema;
    const char *key;
    const char *description;
    int (*scan)(void *state, const struct live_table *table, const char *arg,
                struct live_rows *rows, struct vg_error *err);
};

struct agent_module {
    const char *name;
    const struct config_option *options; /* NULL-terminated table, may be NULL */
    size_t config_size;                  /* size of the struct the options fill */
    /* Start: read config (already filled from defaults and agent.yml), start threads.
     * On failure return -errno with err filled; the agent reports it and goes on without the
     * module unless the module is required. */
    int (*start)(const struct agent_module_ctx *ctx, const void *config, void **state,
                 struct vg_error *err);
    /* Stop threads and free everything; called once, state may be NULL. */
    void (*stop)(void *state);
    /* Fill st; called from the status thread while the module runs. */
    void (*status)(void *state, struct module_status *st);
    /* Tasks this module answers, terminated by a NULL kind; may be NULL. */
    const struct agent_task_handler *tasks;
    /* Tables this module answers in live queries, terminated by a NULL name; may be NULL. */
    const struct live_table *live_tables;
};

/* The registry: all modules compiled in, NULL-terminated (modules.c). */
extern const struct agent_module *const agent_modules[];

#endif
