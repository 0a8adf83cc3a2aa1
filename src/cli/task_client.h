/* task_client.h - sending a task to agents and waiting for their answers, for the commands
 * that work through tasks (vigil task run, vigil inventory rescan). */
#ifndef VIGIL_CLI_TASK_CLIENT_H
#define VIGIL_CLI_TASK_CLIENT_H

#include <jansson.h>
#include <stdint.h>

#include "cli/cli.h"

/* Create a task of kind with payload (NULL: none) for the agents of the JSON array agents
 * (empty: all active agents), expiring after ttl, and wait up to wait_ms for every target to
 * answer. Offline targets are named on stderr, and the task id. Returns the task as
 * GET /tasks/{id} answers it (caller decrefs), or NULL after printing why on stderr. */
json_t *cli_task_submit_wait(struct cli *c, const char *cmd, const char *kind, json_t *payload,
                             json_t *agents, const char *ttl, uint64_t wait_ms);
/* 0 when every target of the task answered "done", 1 otherwise. */
int cli_task_outcome(json_t *task);

#endif
