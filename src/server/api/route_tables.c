/* route_tables.c - the route tables of every area of the API, searched in order. */
#include <stddef.h>

#include "server/api/http.h"

extern const struct http_route core_routes[];
extern const struct http_route task_routes[];
extern const struct http_route logs_routes[];
extern const struct http_route baseline_routes[];
extern const struct http_route hunt_routes[];
extern const struct http_route provenance_routes[];
extern const struct http_route sweep_routes[];
extern const struct http_route retrohunt_routes[];
extern const struct http_route incident_routes[];
extern const struct http_route risk_routes[];

const struct http_route *const http_route_tables[] = {
    core_routes,
    task_routes,
    logs_routes,
    baseline_routes,
    hunt_routes,
    provenance_routes,
    sweep_routes,
    retrohunt_routes,
    incident_routes,
    risk_routes,
    NULL,
};
