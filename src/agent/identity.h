/* identity.h - who this agent is to the server: its agent id and the client certificate the
 * server issued at enrollment, kept in the state directory (agent.id, agent.key, agent.crt,
 * ca.crt). Enrollment: the token "vgl1.<secret>.<CA fingerprint>" lets the agent fetch the
 * server's CA, check it against the fingerprint (so the very first connection cannot be
 * intercepted), send a CSR and receive its certificate. */
#ifndef VIGIL_AGENT_IDENTITY_H
#define VIGIL_AGENT_IDENTITY_H

#include <limits.h>
#include <stdbool.h>

#include "common/error.h"

struct host_info;
struct https_client;

struct agent_identity {
    char agent_id[64];
    char cert_file[PATH_MAX];
    char key_file[PATH_MAX];
    char ca_file[PATH_MAX];
};

/* Load the identity from state_dir; -ENOENT when the agent has not enrolled yet. */
int identity_load(const char *state_dir, struct agent_identity *id, struct vg_error *err);

/* Enroll with server using token and store the identity in state_dir. -EACCES when the server
 * refuses (bad or used-up token), -EPROTO when its CA does not match the token. */
int identity_enroll(struct https_client *http, const char *server, const char *token,
                    const struct host_info *host, const char *state_dir,
                    struct agent_identity *id, struct vg_error *err);

#endif
