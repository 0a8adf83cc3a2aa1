/* client.h - the CLI's connection to the server: credentials file, HTTPS with the server's CA,
 * bearer token, JSON in and out (libcurl). */
#ifndef VIGIL_CLI_CLIENT_H
#define VIGIL_CLI_CLIENT_H

#include <jansson.h>

#include "common/error.h"

struct client {
    char url[512];
    char ca[1024];
    char token[256];
    char user[64];
    char password[256];
};

/* Read credentials: the file given, else $VIGIL_CREDENTIALS, else ~/.config/vigil/credentials,
 * else /var/lib/vigil/admin.credentials. Lines are key=value (url, ca, user, password, token). */
int client_load(struct client *c, const char *path, struct vg_error *err);

/* Call method path with an optional JSON body; returns the HTTP status (or -errno when the
 * server could not be reached) and the parsed JSON reply in *reply (caller decrefs). */
int client_call(struct client *c, const char *method, const char *path, json_t *body,
                json_t **reply, struct vg_error *err);

/* GET path and return the body as text (for non-JSON answers such as DOT). Returns the HTTP
 * status (or -errno); *text is heap (caller frees). */
int client_get_text(struct client *c, const char *path, char **text, struct vg_error *err);

#endif
