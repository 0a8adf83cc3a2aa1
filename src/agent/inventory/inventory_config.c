/* inventory_config.c - the options of the inventory module (inventory.*): the engine's own, an
 * interval per collector and each collector's options, all from collectors.def. */
#include <stddef.h>

#include "agent/inventory/inventory.h"

#define INV_OPT(name, type, def, member, desc) \
    {name, type, def, offsetof(struct inventory_config, member), desc}

const struct config_option inventory_options[] = {
    INV_OPT("root", CFG_STR, NULL, root,
            "Read the host's files under this directory instead of / (fixture trees in tests, "
            "or a host's file system mounted elsewhere)"),
    INV_OPT("splay", CFG_DURATION, "30s", splay,
            "The first scan of each collector starts at a random time within this long after "
            "the agent starts, so that a fleet started together does not scan together"),
    INV_OPT("jitter", CFG_INT, "10", jitter,
            "Each interval is lengthened or shortened at random by up to this percent"),
    INV_OPT("max_rows", CFG_INT, "500000",
            max_rows, "Rows of one inventory table at most; more are dropped and the scan says so"),
#define COLLECTOR(name, def, desc)                                                                \
    INV_OPT(#name ".interval", CFG_DURATION, def, interval[INV_C_##name],                          \
            "How often the " #name " collector runs (" desc "); 0 turns it off"),
#define COLLECTOR_OPTION(c, o, type, def, desc) INV_OPT(#c "." #o, CFG_##type, def, c##_##o, desc),
#include "agent/inventory/collectors.def"
#undef COLLECTOR
#undef COLLECTOR_OPTION
    {NULL, CFG_STR, NULL, 0, NULL},
};
