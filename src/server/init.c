/* init.c - `vigil-server init`: a new data directory with its CA, server certificate, store,
 * admin account and first enrollment token (server.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/pki.h"
#include "common/util.h"
#include "server/server.h"
#include "server/store/store.h"

#define MAX_NAMES 64

static int write_file(const char *dir, const char *name, const char *data, mode_t mode,
                      struct vg_error *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int rc = file_write_atomic(path, data, strlen(data), mode);
    if (rc)
        return vg_error_set(err, rc, "cannot write %s: %s", path, strerror(-rc));
    return 0;
}

/* A random password of n characters from [A-Za-z0-9] (rejection sampling, no bias). */
static int random_password(char *out, size_t n)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    size_t i = 0;
    while (i < n) {
        uint8_t b[32];
        int rc = random_bytes(b, sizeof(b));
        if (rc)
            return rc;
        for (size_t k = 0; k < sizeof(b) && i < n; k++)
            if (b[k] < 248) /* 248 = 4 * 62 */
                out[i++] = alphabet[b[k] % 62];
    }
    out[n] = '\0';
    return 0;
}

/* Names for the server certificate: localhost, the host name, every configured name, and the
 * host's addresses, so agents on other hosts can verify it. Strings are heap-owned. */
static void collect_names(const struct server_config *cfg, char **dns, size_t *ndns, char **ips,
                          size_t *nips)
{
    char host[256];
    host_name(host, sizeof(host));
    dns[(*ndns)++] = strdup("localhost");
    if (strcmp(host, "localhost") != 0)
        dns[(*ndns)++] = strdup(host);
    ips[(*nips)++] = strdup("127.0.0.1");
    ips[(*nips)++] = strdup("::1");
    for (size_t i = 0; i < cfg->san.count && *ndns < MAX_NAMES - 1 && *nips < MAX_NAMES - 1; i++) {
        unsigned char tmp[16];
        const char *n = cfg->san.items[i];
        if (inet_pton(AF_INET, n, tmp) == 1 || inet_pton(AF_INET6, n, tmp) == 1)
            ips[(*nips)++] = strdup(n);
        else
            dns[(*ndns)++] = strdup(n);
    }
    struct ifaddrs *ifa = NULL;
    if (getifaddrs(&ifa) == 0) {
        for (struct ifaddrs *p = ifa; p && *nips < MAX_NAMES - 1; p = p->ifa_next) {
            if (!p->ifa_addr || (p->ifa_flags & IFF_LOOPBACK))
                continue;
            char a[INET6_ADDRSTRLEN];
            if (p->ifa_addr->sa_family == AF_INET)
                inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)p->ifa_addr)->sin_addr, a,
                          sizeof(a));
            else
                continue;
            bool dup = false;
            for (size_t k = 0; k < *nips; k++)
                dup |= ips[k] && !strcmp(ips[k], a);
            if (!dup)
                ips[(*nips)++] = strdup(a);
        }
        freeifaddrs(ifa);
    }
    dns[*ndns] = ips[*nips] = NULL;
}

int server_init(const char *dir, const struct server_config *cfg, bool force, struct vg_error *err)
{
    char path[PATH_MAX];
    char *ca_key = NULL, *ca_cert = NULL, *key = NULL, *cert = NULL, *token = NULL,
         *enroll = NULL;
    char *dns[MAX_NAMES + 1] = {0}, *ips[MAX_NAMES + 1] = {0};
    size_t ndns = 0, nips = 0;
    struct server srv;
    struct buf text = {0};
    int rc;

    memset(&srv, 0, sizeof(srv));
    snprintf(path, sizeof(path), "%s/%s", dir, SERVER_CA_KEY);
    if (access(path, F_OK) == 0 && !force)
        return vg_error_set(err, -EEXIST,
                            "%s is already initialised (use --force to start over: this makes "
                            "every enrolled agent enroll again)",
                            dir);
    if ((rc = dir_make(dir, 0700)))
        return vg_error_set(err, rc, "cannot create %s: %s", dir, strerror(-rc));
    chmod(dir, 0700);

    char host[256], ca_cn[320];
    host_name(host, sizeof(host));
    snprintf(ca_cn, sizeof(ca_cn), "Vigil CA %s", host);
    if ((rc = pki_create_ca(ca_cn, 3650, &ca_key, &ca_cert, err)))
        goto cleanup;
    collect_names(cfg, dns, &ndns, ips, &nips);
    if ((rc = pki_issue_server(ca_key, ca_cert, host, (const char *const *)dns,
                               (const char *const *)ips, 825, &key, &cert, err)))
        goto cleanup;
    if ((rc = write_file(dir, SERVER_CA_KEY, ca_key, 0600, err)) ||
        (rc = write_file(dir, SERVER_CA_CERT, ca_cert, 0644, err)) ||
        (rc = write_file(dir, SERVER_KEY, key, 0600, err)) ||
        (rc = write_file(dir, SERVER_CERT, cert, 0644, err)))
        goto cleanup;

    buf_printf(&text,
               "# vigil-server configuration (options: docs/operations.md)\n"
               "listen: \"%s\"\nport: %lld\ndb: \"%s\"\nlog_level: info\n",
               cfg->listen, (long long)cfg->port, cfg->db);
    buf_terminate(&text);
    if ((rc = write_file(dir, SERVER_CONFIG_FILE, (const char *)text.data, 0600, err)))
        goto cleanup;

    snprintf(path, sizeof(path), "%s/%s", dir, cfg->db);
    if (force) {
        char side[PATH_MAX + 8];
        unlink(path);
        snprintf(side, sizeof(side), "%s-wal", path);
        unlink(side);
        snprintf(side, sizeof(side), "%s-shm", path);
        unlink(side);
    }
    if ((rc = server_load(&srv, dir, err)))
        goto cleanup;
    char password[21];
    if ((rc = random_password(password, 20)))
        goto cleanup;
    if ((rc = store_user_create(srv.store, "admin", password, "admin", err)) ||
        (rc = store_token_create(srv.store, "admin", "init", 0, &token, err)) ||
        (rc = store_enroll_token_create(srv.store, 7 * 86400, 0, "created by init", &enroll, err)))
        goto cleanup;
    char enroll_full[256];
    server_enroll_token_string(&srv, enroll, enroll_full, sizeof(enroll_full));
    const char *url_host = strcmp(cfg->listen, "0.0.0.0") == 0 || strcmp(cfg->listen, "::") == 0
                               ? "127.0.0.1"
                               : cfg->listen;
    buf_reset(&text);
    buf_printf(&text,
               "# Vigil admin credentials: keep this file secret.\n"
               "url=https://%s%s%s:%lld\nca=%s/%s\nuser=admin\npassword=%s\ntoken=%s\n",
               strchr(url_host, ':') ? "[" : "", url_host, strchr(url_host, ':') ? "]" : "",
               (long long)cfg->port, dir, SERVER_CA_CERT, password, token);
    buf_terminate(&text);
    explicit_bzero(password, sizeof(password));
    if ((rc = write_file(dir, SERVER_CREDENTIALS, (const char *)text.data, 0600, err)))
        goto cleanup;
    buf_reset(&text);
    buf_printf(&text, "%s\n", enroll_full);
    buf_terminate(&text);
    if ((rc = write_file(dir, SERVER_ENROLL_TOKEN, (const char *)text.data, 0600, err)))
        goto cleanup;
    store_audit(srv.store, "", "local", "server.init", dir);

    printf("Initialised %s\n", dir);
    printf("  CA certificate:     %s/%s (SHA-256 %s)\n", dir, SERVER_CA_CERT, srv.ca_fingerprint);
    printf("  admin credentials:  %s/%s\n", dir, SERVER_CREDENTIALS);
    printf("  enrollment token:   %s/%s (valid 7 days)\n", dir, SERVER_ENROLL_TOKEN);
    printf("  server certificate names:");
    for (size_t i = 0; dns[i]; i++)
        printf(" %s", dns[i]);
    for (size_t i = 0; ips[i]; i++)
        printf(" %s", ips[i]);
    printf("\n");
cleanup:
    if (text.data)
        explicit_bzero(text.data, text.cap);
    buf_free(&text);
    server_unload(&srv);
    for (size_t i = 0; i < ndns; i++)
        free(dns[i]);
    for (size_t i = 0; i < nips; i++)
        free(ips[i]);
    if (ca_key)
        explicit_bzero(ca_key, strlen(ca_key));
    if (key)
        explicit_bzero(key, strlen(key));
    free(ca_key);
    free(ca_cert);
    free(key);
    free(cert);
    free(token);
    free(enroll);
    return rc;
}
