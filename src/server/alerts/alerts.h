/* alerts.h - alerts the server raises itself (the new rows of scheduled hunts, retro-hunt
 * matches): stored with the host they are about, then correlated into incidents like the
 * agents' alerts. */
#ifndef VIGIL_SERVER_ALERTS_H
#define VIGIL_SERVER_ALERTS_H

#include "common/error.h"
#include "common/event.h"

struct server;

/* Store alert (an event of table alerts) for agent_id (NULL: the server itself) named
 * hostname, and wake the correlator. 0 or -errno with err. */
int alerts_raise(struct server *srv, struct event *alert, const char *agent_id,
                 const char *hostname, struct vg_error *err);

#endif
