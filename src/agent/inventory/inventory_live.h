/* inventory_live.h - the inventory's live-query tables (inventory_live.c). */
#ifndef VIGIL_INVENTORY_LIVE_H
#define VIGIL_INVENTORY_LIVE_H

#include <stdatomic.h>

#include "agent/inventory/inventory.h"
#include "agent/module.h"

/* What a live scan needs from the module: the state its scan functions receive starts with it. */
struct inventory_live_ctx {
    const struct inventory_config *cfg;
    const struct host_info *host;
    const atomic_bool *cancel;
};

/* One table per inventory table (host_packages, ...), NULL-terminated; filled by
 * inventory_live_init(). */
extern struct live_table inventory_live_tables[];

/* Fill inventory_live_tables from the schema (once; later calls return the first result):
 * 0, -ENOMEM or -E2BIG. */
int inventory_live_init(void);

#endif
