/* alerts.c - alerts raised by the server (alerts.h). */
#include "server/alerts/alerts.h"

#include "server/alerts/incidents.h"
#include "server/server.h"
#include "server/store/store_alerts.h"

int alerts_raise(struct server *srv, struct event *alert, const char *agent_id,
                 const char *hostname, struct vg_error *err)
{
    int rc = store_alert_raise(srv->store, alert, agent_id, hostname, err);
    if (!rc)
        incidents_notify(srv);
    return rc;
}
