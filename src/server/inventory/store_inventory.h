/* store_inventory.h - the current inventory of every host: one host_* table per inventory table
 * (host_packages for package_changes, ...), with the rows each agent last reported, kept up to
 * date from the inventory events as they are ingested (inventory_hook.c).
 *
 * Every host_* table has the content columns of its event table plus:
 *   agent_id, hostname   whose row it is (hostname as last reported);
 *   row_key              the row's identity on its host (primary key with agent_id);
 *   scan_id              the scan that last reported it;
 *   first_seen           when it was first reported (ns), kept across changes and resyncs;
 *   updated_at           when it last changed (the time of that scan, ns);
 *   seq                  the agent's sequence number of the event that last wrote it. */
#ifndef VIGIL_SERVER_STORE_INVENTORY_H
#define VIGIL_SERVER_STORE_INVENTORY_H

#include <stddef.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/event.h"

struct store;
struct agent_record;

/* The DDL of every host_* table (CREATE ... IF NOT EXISTS), appended to out. 0 or -ENOMEM. */
int store_inventory_ddl(struct buf *out);

/* Apply the inventory events of one committed batch of agent to the host_* tables, in one
 * transaction: snapshot/added/changed rows are upserted (never over a row written by a later
 * event), removed rows deleted, and a full scan's summary removes the rows that scan did not
 * report. Events of other tables are skipped. Idempotent: a batch applied twice changes nothing
 * the second time. 0, or -errno with err filled (nothing of the batch is applied then). */
int store_inventory_apply(struct store *st, const struct agent_record *agent,
                          struct event *const *events, size_t n, struct vg_error *err);

#endif
