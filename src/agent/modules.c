/* modules.c - the registry of agent modules. Adding a module: a folder with its sources, its
 * `const struct agent_module` and one line here. */
#include "agent/module.h"

extern const struct agent_module process_module;
extern const struct agent_module inventory_module;

const struct agent_module *const agent_modules[] = {
    &process_module,
    &inventory_module,
    NULL,
};
