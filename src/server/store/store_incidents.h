/* store_incidents.h - incidents: alerts grouped because they share a correlation key (the
 * process tree's entry point, the client address that came in, the user) within a time window.
 *
 * Every new alert (an insert into `alerts` with action "alert", by an agent or by the server)
 * is queued by a trigger in the same transaction, so none is missed across a crash; the
 * correlator (alerts/incidents.c) takes them from the queue, works out their keys and attaches
 * each to an incident here. Two incidents that one alert links are merged. */
#ifndef VIGIL_SERVER_STORE_INCIDENTS_H
#define VIGIL_SERVER_STORE_INCIDENTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct store;

/* An alert waiting to be correlated, as read from the queue. */
struct incident_alert {
    int64_t key;             /* the alert's event_key */
    int64_t time;
    char agent_id[64], hostname[256];
    char rule_id[256], title[256], severity[16], technique[128];
    char entity_id[64], user[64], src_ip[64], event_table[32];
    int64_t uid;             /* -1 when the alert names none */
};

/* Up to max queued alerts, oldest first. Returns how many were read (0..max), or -errno. */
int store_correlation_pending(struct store *st, struct incident_alert *out, size_t max,
                              struct vg_error *err);

/* Attach alert a to the incident that has one of keys (nkeys) within window_ns of its time,
 * merging incidents it links, or to a new one (not for informational alerts, which only join);
 * take it off the queue. *incident receives the incident id (0 when the alert joined none). */
int store_incident_attach(struct store *st, const struct incident_alert *a,
                          const char *const *keys, size_t nkeys, int64_t window_ns,
                          int64_t *incident, struct vg_error *err);

/* Incidents whose last alert is at or after since (ns), newest first; status NULL for every
 * status. */
json_t *store_incidents_json(struct store *st, int64_t since, const char *status, int limit,
                             struct vg_error *err);
/* One incident with its alerts in time order (a merged incident lists the alerts of the one
 * it was merged into). 0, -ENOENT when unknown, or -EIO. */
int store_incident_json(struct store *st, int64_t id, json_t **out, struct vg_error *err);
/* Set the status (open, investigating, closed) of an incident; -ENOENT when unknown. */
int store_incident_set_status(struct store *st, int64_t id, const char *status, const char *user,
                              struct vg_error *err);

#endif
