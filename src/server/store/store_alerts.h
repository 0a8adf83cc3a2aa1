/* store_alerts.h - alerts the server raises itself (scheduled hunts, retro-hunts), stored in the
 * same `alerts` table as the agents' alerts. They carry the host they are about (agent_id), and
 * an event_key below 2^44 from the server's own sequence, so they never collide with an agent's
 * stream (whose keys start at agent number * 2^44). */
#ifndef VIGIL_SERVER_STORE_ALERTS_H
#define VIGIL_SERVER_STORE_ALERTS_H

#include "common/error.h"
#include "common/event.h"

struct store;

/* Store alert (table alerts, action "alert"), for the host agent_id (NULL: "server") named
 * hostname. Its seq is taken from the server's sequence. */
int store_alert_raise(struct store *st, struct event *alert, const char *agent_id,
                      const char *hostname, struct vg_error *err);

#endif
