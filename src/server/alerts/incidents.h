/* incidents.h - correlation of alerts into incidents: a thread of the server takes the alerts
 * queued by the store (every new alert, from agents or the server), works out what each one is
 * part of, and groups those that share it within the window (option incident.window):
 *   - the session: the process the entry point spawned for this connection, login or job (the
 *     same process tree of one intrusion), found by the provenance builder's backward walk;
 *   - the client address that came in at that entry point, or the address of a login alert
 *     (fleet-wide, so one attacker on several hosts is one incident; loopback per host);
 *   - the user, for regular accounts (uid >= 1000 or a named non-root user of a login).
 * An alert that links two incidents merges them. */
#ifndef VIGIL_SERVER_INCIDENTS_H
#define VIGIL_SERVER_INCIDENTS_H

#include "common/error.h"

struct server;

int incidents_start(struct server *srv, struct vg_error *err);
void incidents_stop(struct server *srv);
/* New alerts are queued: correlate them now rather than at the next poll. */
void incidents_notify(struct server *srv);
/* Correlate every queued alert now, in the calling thread (tests, shutdown). */
void incidents_drain(struct server *srv);

#endif
