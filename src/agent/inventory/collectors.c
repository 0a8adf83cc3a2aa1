/* collectors.c - the registry of inventory collectors, generated from collectors.def. */
#include <string.h>

#include "agent/inventory/inventory.h"

#define COLLECTOR(name, interval, desc) extern const struct inv_collector inv_collector_##name;
#define COLLECTOR_OPTION(c, o, type, def, desc)
#include "agent/inventory/collectors.def"
#undef COLLECTOR

#define COLLECTOR(name, interval, desc) [INV_C_##name] = &inv_collector_##name,
const struct inv_collector *const inv_collectors[INV_NCOLLECTORS] = {
#include "agent/inventory/collectors.def"
};
#undef COLLECTOR
#undef COLLECTOR_OPTION

int inv_collector_find(const char *name)
{
    for (int i = 0; i < INV_NCOLLECTORS; i++)
        if (!strcmp(inv_collectors[i]->name, name))
            return i;
    return -1;
}
