/* server.c - configuration table and loading of an initialised data directory (server.h). */
#include "server/server.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/pki.h"
#include "common/util.h"
#include "server/store/store.h"

#define OPT(name, type, def, member, desc) \
    {name, type, def, offsetof(struct server_config, member), desc}

const struct config_option server_options[] = {
    OPT("listen", CFG_STR, "0.0.0.0", listen, "Address the HTTPS API listens on"),
    OPT("port", CFG_INT, "8443", port, "TCP port of the HTTPS API"),
    OPT("db", CFG_STR, "vigil.db", db, "SQLite database (relative paths are in the data directory)"),
    OPT("log_level", CFG_STR, "info", log_level, "debug, info, warn or error"),
    OPT("threads", CFG_INT, "4", threads, "HTTP worker threads"),
    OPT("max_batch", CFG_SIZE, "64M", max_batch, "Largest request body accepted"),
    OPT("max_batch_decompressed", CFG_SIZE, "512M", max_batch_decompressed,
        "Largest size a compressed batch may expand to"),
    OPT("query.max_rows", CFG_INT, "100000", query_max_rows,
        "Rows a hunt returns at most (default and ceiling)"),
    OPT("query.timeout", CFG_DURATION, "30s", query_timeout, "Time limit of a hunt by default"),
    OPT("query.max_timeout", CFG_DURATION, "300s", query_max_timeout,
        "Longest time limit a hunt may ask for"),
    OPT("agent_cert_days", CFG_INT, "825", agent_cert_days,
        "Validity of the certificates issued to agents"),
    OPT("online_window", CFG_DURATION, "35s", online_window,
        "An agent is online when it is waiting for tasks now or was heard from within this "
        "(agents poll at least every 25 s)"),
    OPT("rules_dir", CFG_STR, VIGIL_RULES_DIR, rules_dir,
        "Rules (Sigma and native) that a retro-hunt of the shipped rules runs"),
    OPT("incident.window", CFG_DURATION, "30m", incident_window,
        "Alerts that share a process tree, client address or user within this are one incident"),
    OPT("san", CFG_LIST, NULL, san,
        "Extra DNS names or IP addresses for the server certificate (used by init)"),
    {NULL, 0, NULL, 0, NULL},
};

static int read_pem(const char *dir, const char *name, char **out, struct vg_error *err)
{
    char path[PATH_MAX];
    struct buf b = {0};
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int rc = file_read_all(path, &b, 1 << 20);
    if (!rc)
        rc = buf_terminate(&b);
    if (rc) {
        buf_free(&b);
        return vg_error_set(err, rc, "%s: %s", path, strerror(-rc));
    }
    *out = (char *)buf_steal(&b, NULL);
    return 0;
}

int server_load(struct server *srv, const char *dir, struct vg_error *err)
{
    char path[PATH_MAX];
    int rc;
    memset(srv, 0, sizeof(*srv));
    if (str_copy(srv->dir, dir, sizeof(srv->dir)) >= sizeof(srv->dir))
        return vg_error_set(err, -ENAMETOOLONG, "data directory name too long");
    config_defaults(server_options, &srv->cfg);
    snprintf(path, sizeof(path), "%s/%s", dir, SERVER_CONFIG_FILE);
    if ((rc = config_load_file(path, server_options, &srv->cfg, err))) {
        if (rc == -ENOENT)
            vg_error_set(err, rc, "%s is missing: run `vigil-server init --dir %s` first", path,
                         dir);
        return rc;
    }
    if (srv->cfg.port < 1 || srv->cfg.port > 65535)
        return vg_error_set(err, -EINVAL, "%s: port %lld is out of range", path,
                            (long long)srv->cfg.port);
    if (srv->cfg.threads < 1 || srv->cfg.threads > 256)
        srv->cfg.threads = 4;
    if ((rc = read_pem(dir, SERVER_CA_KEY, &srv->ca_key_pem, err)) ||
        (rc = read_pem(dir, SERVER_CA_CERT, &srv->ca_cert_pem, err)) ||
        (rc = read_pem(dir, SERVER_KEY, &srv->key_pem, err)) ||
        (rc = read_pem(dir, SERVER_CERT, &srv->cert_pem, err)))
        return rc;
    struct pki_cert_info ca;
    if ((rc = pki_cert_info_pem(srv->ca_cert_pem, strlen(srv->ca_cert_pem), &ca, err)))
        return vg_error_prefix(err, rc, "%s/%s: ", dir, SERVER_CA_CERT);
    memcpy(srv->ca_fingerprint, ca.fingerprint, sizeof(srv->ca_fingerprint));
    if (srv->cfg.db[0] == '/')
        str_copy(path, srv->cfg.db, sizeof(path));
    else
        snprintf(path, sizeof(path), "%s/%s", dir, srv->cfg.db);
    return store_open(path, &srv->store, err);
}

void server_unload(struct server *srv)
{
    store_close(srv->store);
    srv->store = NULL;
    if (srv->ca_key_pem)
        explicit_bzero(srv->ca_key_pem, strlen(srv->ca_key_pem));
    if (srv->key_pem)
        explicit_bzero(srv->key_pem, strlen(srv->key_pem));
    free(srv->ca_key_pem);
    free(srv->ca_cert_pem);
    free(srv->key_pem);
    free(srv->cert_pem);
    srv->ca_key_pem = srv->ca_cert_pem = srv->key_pem = srv->cert_pem = NULL;
    config_free(server_options, &srv->cfg);
}

void server_enroll_token_string(const struct server *srv, const char *secret, char *out,
                                size_t outlen)
{
    snprintf(out, outlen, "vgl1.%s.%s", secret, srv->ca_fingerprint);
}
