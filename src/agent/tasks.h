/* tasks.h - the agent side of the task channel: a thread that long-polls the server for this
 * agent's tasks (live queries, rescans, rule updates, response actions), runs each through the
 * handler registered for its kind (the agent's own, then the modules'), and sends the answer.
 * A task of an unknown kind is answered "failed" with the reason, never left hanging. */
#ifndef VIGIL_AGENT_TASKS_H
#define VIGIL_AGENT_TASKS_H

#include "common/error.h"

struct agent;
struct agent_tasks;

int agent_tasks_start(struct agent *a, struct agent_tasks **out, struct vg_error *err);
/* Stop the thread (interrupting a poll in progress). NULL-safe. */
void agent_tasks_stop(struct agent_tasks *t);

#endif
