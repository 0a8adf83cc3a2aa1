/* tasks.h - the server side of the task channel: agents long-poll for their tasks, users
 * create tasks and wait for the answers. Parked requests (an agent waiting for work, a user
 * waiting for answers) are woken by a notification or by their deadline. */
#ifndef VIGIL_SERVER_TASKS_H
#define VIGIL_SERVER_TASKS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

struct server;
struct http_request;

/* Seconds an agent may wait in one poll. */
#define TASKS_POLL_MAX_S 60

int tasks_start(struct server *srv, struct vg_error *err);
/* Wake every parked request (they answer at once) and stop the reaper. Before http_stop. */
void tasks_stop(struct server *srv);
void tasks_free(struct server *srv);

/* Park req until notify(key) or deadline_ms from now; call under tasks_lock with the
 * handler's request. false when it cannot be parked (the server is stopping, or out of
 * memory): the handler answers now. */
bool tasks_park(struct server *srv, struct http_request *req, const char *key,
                uint64_t deadline_ms);
/* Wake requests parked on key ("agent:<id>", "task:<id>"). */
void tasks_notify(struct server *srv, const char *key);
/* Whether the agent is waiting for tasks now, or was heard from within online_window. */
bool tasks_agent_online(struct server *srv, const char *agent_id);
/* Hold / release the lock that orders "check, then park" against "change, then notify". */
void tasks_lock(struct server *srv);
void tasks_unlock(struct server *srv);

#endif
