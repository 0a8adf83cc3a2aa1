/* sweep.h - IOC sweeps: which hosts and processes saw any of these indicators (SHA-256 of
 * executables, addresses, CIDR ranges, domain names) in a time range, grouped per host and
 * process with first/last sight and count. */
#ifndef VIGIL_SERVER_SWEEP_H
#define VIGIL_SERVER_SWEEP_H

#include <jansson.h>
#include <stdint.h>

#include "common/error.h"

struct store;

enum ioc_type { IOC_SHA256, IOC_IP, IOC_CIDR, IOC_DOMAIN, IOC_INVALID };

/* The type of an indicator written plainly (64 hex digits, an address, a CIDR, a name). */
enum ioc_type ioc_guess_type(const char *value);
const char *ioc_type_name(enum ioc_type t);

/* indicators: JSON array of {"type", "value"}; [since, until] in ns. Result:
 * {"matches": [{indicator, type, table, agent_id, hostname, entity_id, exe, cmdline,
 *  first_seen, last_seen, count}], "hosts": n, "not_recorded": [types this store lacks]} */
int sweep_run(struct store *st, json_t *indicators, int64_t since, int64_t until,
              json_t **result, struct vg_error *err);

#endif
