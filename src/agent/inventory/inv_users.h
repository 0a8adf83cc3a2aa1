/* inv_users.h - user names by uid for the rows that name a process's user, read once per scan
 * from the host's /etc/passwd (never through NSS: a slow directory service must not stall the
 * agent). */
#ifndef VIGIL_INV_USERS_H
#define VIGIL_INV_USERS_H

#include <stdint.h>

#include "agent/inventory/inventory.h"

struct inv_users;

/* The users of the scan's host (empty when /etc/passwd cannot be read). NULL on ENOMEM. */
struct inv_users *inv_users_load(struct inv_scan *s);
/* The name of uid, or NULL when unknown. */
const char *inv_users_name(const struct inv_users *u, uint32_t uid);
void inv_users_free(struct inv_users *u);

#endif
