/* server.h - the vigil-server process: its configuration (server.yml in the data directory),
 * its key material, the store and the HTTP API. */
#ifndef VIGIL_SERVER_H
#define VIGIL_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"
#include "common/error.h"

struct store;
struct http_server;
struct tasks_state;
struct hunts_state;

struct server_config {
    char *listen;            /* address to listen on */
    int64_t port;
    char *db;                /* database path (relative to the data directory) */
    char *log_level;
    int64_t threads;         /* HTTP worker threads */
    uint64_t max_batch;      /* largest accepted (compressed) request body */
    uint64_t max_batch_decompressed;
    int64_t query_max_rows;  /* default and ceiling of rows per hunt */
    uint64_t query_timeout;  /* ms, default per hunt */
    uint64_t query_max_timeout; /* ms, ceiling a request may ask for */
    int64_t agent_cert_days;
    uint64_t online_window;  /* ms: an agent heard from within this is online */
    struct config_list san;  /* extra names/addresses for the server certificate (init) */
    char *rules_dir;         /* the rules a retro-hunt of the shipped rules runs */
    uint64_t incident_window; /* ms: alerts sharing a key within this are one incident */
};

extern const struct config_option server_options[];

struct server {
    char dir[3800];          /* data directory */
    struct server_config cfg;
    char *ca_key_pem, *ca_cert_pem, *cert_pem, *key_pem;
    char ca_fingerprint[65];
    struct store *store;
    struct http_server *http;
    struct tasks_state *tasks;
    struct hunts_state *hunts;
    struct incidents_state *incidents;
};

/* Paths inside the data directory. */
#define SERVER_CONFIG_FILE "server.yml"
#define SERVER_CA_KEY "ca.key"
#define SERVER_CA_CERT "ca.crt"
#define SERVER_KEY "server.key"
#define SERVER_CERT "server.crt"
#define SERVER_CREDENTIALS "admin.credentials"
#define SERVER_ENROLL_TOKEN "enroll.token"

/* `vigil-server init`: create the data directory's CA, server certificate, database, admin
 * user and first enrollment token; print where everything is. Refuses to overwrite an
 * initialised directory unless force. */
int server_init(const char *dir, const struct server_config *cfg, bool force, struct vg_error *err);

/* Load config and keys of an initialised data directory and open the store. */
int server_load(struct server *srv, const char *dir, struct vg_error *err);
void server_unload(struct server *srv);

/* Full enrollment token: "vgl1.<secret>.<CA SHA-256 fingerprint>". */
void server_enroll_token_string(const struct server *srv, const char *secret, char *out,
                                size_t outlen);

#endif
