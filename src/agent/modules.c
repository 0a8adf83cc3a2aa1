/* modules.c - the registry of agent modules. Adding a module: a folder with its sources, its
 * `const struct agent_module` and one line here. */
#include "agent/module.h"

extern const struct agent_module detect_module;
extern const struct agent_module process_module;
extern const struct agent_module network_module;
extern const struct agent_module file_module;
extern const struct agent_module kernel_module;
extern const struct agent_module logs_module;
extern const struct agent_module baseline_module;
extern const struct agent_module inventory_module;
extern const struct agent_module risk_module;

/* detect first: it registers its pipeline processor before the sensors' first events */
const struct agent_module *const agent_modules[] = {
    &detect_module,
    &process_module,
    &network_module,
    &file_module,
    &kernel_module,
    &logs_module,
    &baseline_module,
    &inventory_module,
    &risk_module,
    NULL,
};
