/* store.h - the server's store: control-plane state (users, API tokens, enrollment tokens,
 * agents, audit log) and the event tables of the schema, with a read-only query path for hunts.
 *
 * The implementation here is SQLite (store_sqlite.c): one database file in WAL mode, one
 * writer connection (serialised by a mutex) and a pool of read-only connections for queries,
 * so hunts never block ingest. A ClickHouse backend implements the same event operations. */
#ifndef VIGIL_SERVER_STORE_H
#define VIGIL_SERVER_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/event.h"

struct store;

/* Bits of the event key: agent number in the high bits, the agent's sequence number below. */
#define STORE_SEQ_BITS 44
#define STORE_MAX_SEQ ((1ull << STORE_SEQ_BITS) - 1)

int store_open(const char *path, struct store **out, struct vg_error *err);
void store_close(struct store *st);

/* ---- users and API tokens ---- */

/* Create a user with a password (hashed with yescrypt). -EEXIST when the name exists. */
int store_user_create(struct store *st, const char *name, const char *password, const char *role,
                      struct vg_error *err);
/* Check a password; 0 when it matches, -EACCES otherwise. */
int store_user_check_password(struct store *st, const char *name, const char *password);
/* Create an API token for user; *token receives the secret (caller frees), which is stored
 * only as its SHA-256. ttl_s 0 = no expiry. */
int store_token_create(struct store *st, const char *user, const char *name, uint64_t ttl_s,
                       char **token, struct vg_error *err);
/* Resolve a bearer token to its user and role; -EACCES when unknown or expired. */
int store_token_check(struct store *st, const char *token, char *user, size_t userlen, char *role,
                      size_t rolelen);

/* ---- enrollment ---- */

/* A new enrollment secret (stored hashed), valid ttl_s seconds (0 = forever) for max_uses
 * enrollments (0 = unlimited). */
int store_enroll_token_create(struct store *st, uint64_t ttl_s, uint64_t max_uses,
                              const char *description, char **secret, struct vg_error *err);
/* Consume one use of an enrollment secret: -EACCES when unknown, expired or used up. */
int store_enroll_token_use(struct store *st, const char *secret, struct vg_error *err);

struct agent_record {
    int64_t agent_num;
    char agent_id[64];
    char hostname[256];
    char status[16];        /* active | revoked */
    char cert_fingerprint[65];
};

/* Register a newly enrolled agent with its certificate; assigns agent_num. */
int store_agent_register(struct store *st, const char *agent_id, const char *hostname,
                         const char *machine_id, const char *os, const char *kernel,
                         const char *arch, const char *cert_fingerprint, const char *cert_serial,
                         int64_t cert_not_after, const char *addr, struct vg_error *err);
/* Look an agent up by id; -ENOENT when unknown. */
int store_agent_get(struct store *st, const char *agent_id, struct agent_record *out);
int store_agent_revoke(struct store *st, const char *agent_id, struct vg_error *err);
/* All agents as a JSON array of objects (caller decrefs). */
json_t *store_agents_json(struct store *st);

/* ---- ingest ---- */

struct ingest_result {
    uint64_t stored;      /* new rows */
    uint64_t duplicates;  /* rows already present (a re-sent batch) */
    uint64_t rejected;    /* records that could not be stored; kept in ingest_errors */
};

/* Store the decoded events of one batch from agent in one transaction. Rows already present
 * (same agent and seq) are counted as duplicates and left as they are. */
int store_ingest(struct store *st, const struct agent_record *agent, const char *hostname,
                 struct event *const *events, size_t n, struct ingest_result *res,
                 struct vg_error *err);
/* Keep a record that could not be decoded or stored, with the reason (bounded raw bytes). */
int store_ingest_error(struct store *st, const char *agent_id, uint64_t seq, const char *reason,
                       const void *raw, size_t raw_len);
/* Update the agent's row after a batch: last seen, address, and status fields from an
 * agent_events row (NULL when the batch had none). */
int store_agent_seen(struct store *st, const struct agent_record *agent, const char *hostname,
                     const char *addr, const struct event *status);

/* ---- queries (hunting) ---- */

struct query_limits {
    uint64_t max_rows;    /* rows returned at most; more are cut and `truncated` is set */
    uint64_t timeout_ms;  /* the query is interrupted past this */
    uint64_t max_bytes;   /* size of the result at most */
};

/* Run one read-only SELECT. On success *result is a JSON object
 * {"columns": [...], "rows": [[...], ...], "row_count": n, "truncated": bool, "elapsed_ms": x}.
 * Writes, ATTACH, PRAGMA, several statements, secret tables and over-long queries are refused
 * with -EPERM / -EINVAL / -ETIMEDOUT and a message saying which. */
int store_query(struct store *st, const char *sql, const struct query_limits *lim,
                json_t **result, struct vg_error *err);

/* Check that sql would be accepted by store_query (one read-only statement over allowed
 * tables) without running it; 0, or the error store_query would give. */
int store_query_check(struct store *st, const char *sql, struct vg_error *err);

/* ---- audit ---- */

/* Append to the audit log (who did what from where). Errors are logged, not returned. */
void store_audit(struct store *st, const char *user, const char *addr, const char *action,
                 const char *detail);

#endif
