/* store_tasks.h - tasks the server hands to agents (live queries, rescans, rule updates,
 * response actions): one row per task, one per (task, target agent) with its status and
 * answer. Status of a target: pending -> sent -> done | failed, or expired when the agent did
 * not answer before the task's expiry. */
#ifndef VIGIL_SERVER_STORE_TASKS_H
#define VIGIL_SERVER_STORE_TASKS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct store;

/* Create a task for the given agents (all registered, active agents when agent_ids is NULL).
 * payload is any JSON (stored as text). On success *targets is a JSON array of the agent ids
 * targeted (caller decrefs). -ENOENT when an agent id is unknown, -EINVAL with no target. */
int store_task_create(struct store *st, const char *task_id, const char *kind, json_t *payload,
                      const char *user, int64_t expires_at, const char *const *agent_ids,
                      size_t nagents, json_t **targets, struct vg_error *err);
/* The agent's pending tasks as a JSON array of {task_id, kind, payload}, now marked sent.
 * NULL on error. */
json_t *store_tasks_take(struct store *st, const char *agent_id);
/* Whether the agent has pending tasks (cheap check for the long poll). */
bool store_tasks_pending(struct store *st, const char *agent_id);
/* Record an agent's answer: status "done" or "failed", result any JSON (may be NULL), error a
 * message. -ENOENT when the task is not this agent's or is already answered or expired. */
int store_task_answer(struct store *st, const char *task_id, const char *agent_id,
                      const char *status, json_t *result, const char *error,
                      struct vg_error *err);
/* A task with its targets: {task_id, kind, payload, created_by, created_at, expires_at,
 * targets: [{agent_id, hostname, status, sent_at, done_at, result, error}], pending: n}.
 * NULL when unknown. */
json_t *store_task_get(struct store *st, const char *task_id);
/* Mark targets past their task's expiry as expired; returns how many. */
int store_tasks_expire(struct store *st);
/* Record that the agent was heard from (polls count, not only batches). */
void store_agent_touch(struct store *st, const char *agent_id, const char *addr);
/* Whether the agent was heard from within the last window_s seconds (see also
 * tasks_agent_online, which also knows about parked polls). */
bool store_agent_online(struct store *st, const char *agent_id, int64_t window_s);

#endif
