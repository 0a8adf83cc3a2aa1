/* inventory_hook.c - the ingest hook that keeps the current inventory of every host (the host_*
 * tables of store_inventory.h) up to date from the inventory events of each committed batch. */
#include "server/ingest/hooks.h"
#include "server/inventory/store_inventory.h"
#include "server/server.h"

static int inventory_after_batch(struct server *srv, const struct agent_record *agent,
                                 struct event *const *events, size_t n, struct vg_error *err)
{
    return store_inventory_apply(srv->store, agent, events, n, err);
}

const struct ingest_hook inventory_hook = {
    .name = "inventory",
    .after_batch = inventory_after_batch,
};
