/* identity.c - enrollment and the agent's identity files (identity.h). */
#include "agent/identity.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/host.h"
#include "agent/https.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/pki.h"
#include "common/util.h"

static void paths(const char *dir, struct agent_identity *id)
{
    snprintf(id->cert_file, sizeof(id->cert_file), "%s/agent.crt", dir);
    snprintf(id->key_file, sizeof(id->key_file), "%s/agent.key", dir);
    snprintf(id->ca_file, sizeof(id->ca_file), "%s/ca.crt", dir);
}

int identity_load(const char *state_dir, struct agent_identity *id, struct vg_error *err)
{
    char path[PATH_MAX];
    memset(id, 0, sizeof(*id));
    paths(state_dir, id);
    snprintf(path, sizeof(path), "%s/agent.id", state_dir);
    ssize_t n = file_read_line(path, id->agent_id, sizeof(id->agent_id));
    if (n == -ENOENT)
        return -ENOENT;
    if (n <= 0)
        return vg_error_set(err, n < 0 ? (int)n : -EINVAL, "%s is unreadable or empty", path);
    if (access(id->cert_file, R_OK) || access(id->key_file, R_OK) || access(id->ca_file, R_OK))
        return vg_error_set(err, -ENOENT,
                            "%s names agent %s but its certificate, key or CA file is missing "
                            "(enroll again: remove agent.id and give an enrollment token)",
                            path, id->agent_id);
    return 0;
}

/* Split "vgl1.<secret>.<fingerprint>". */
static int parse_token(const char *token, char *secret, size_t slen, char *fp, size_t fplen)
{
    if (strncmp(token, "vgl1.", 5) != 0)
        return -EINVAL;
    const char *s = token + 5, *dot = strchr(s, '.');
    if (!dot || (size_t)(dot - s) >= slen || dot == s || strlen(dot + 1) != 64 || fplen < 65)
        return -EINVAL;
    memcpy(secret, s, (size_t)(dot - s));
    secret[dot - s] = '\0';
    memcpy(fp, dot + 1, 65);
    for (size_t i = 0; i < 64; i++)
        if (!((fp[i] >= '0' && fp[i] <= '9') || (fp[i] >= 'a' && fp[i] <= 'f')))
            return -EINVAL;
    return 0;
}

int identity_enroll(struct https_client *http, const char *server, const char *token,
                    const struct host_info *host, const char *state_dir,
                    struct agent_identity *id, struct vg_error *err)
{
    char secret[128], fp[65], url[1024];
    struct buf resp = {0};
    char *ca_pem = NULL, *key = NULL, *csr = NULL, *body = NULL;
    json_t *req = NULL, *reply = NULL;
    int rc;

    memset(id, 0, sizeof(*id));
    paths(state_dir, id);
    if (parse_token(token, secret, sizeof(secret), fp, sizeof(fp)))
        return vg_error_set(err, -EINVAL,
                            "the enrollment token is malformed (expected vgl1.<secret>.<64 hex "
                            "digits>, as `vigil token create` prints it)");

    /* 1. the server's CA, checked against the fingerprint in the token */
    snprintf(url, sizeof(url), "%s/api/v1/ca", server);
    struct https_request get_ca = {.method = "GET", .url = url, .no_verify = true,
                                   .timeout_ms = 30000};
    rc = https_call(http, &get_ca, &resp, err);
    if (rc < 0)
        goto cleanup;
    if (rc != 200) {
        rc = vg_error_set(err, -EPROTO, "GET %s answered %d", url, rc);
        goto cleanup;
    }
    struct pki_cert_info ca;
    if ((rc = pki_cert_info_pem((const char *)resp.data, resp.len, &ca, err)))
        goto cleanup;
    if (strcmp(ca.fingerprint, fp) != 0) {
        rc = vg_error_set(err, -EPROTO,
                          "the server's CA (SHA-256 %s) is not the one named in the enrollment "
                          "token (%s): refusing to enroll (wrong server, or an interception)",
                          ca.fingerprint, fp);
        goto cleanup;
    }
    ca_pem = strdup((const char *)resp.data);

    /* 2. a key and a CSR; the server decides the certificate's name (our agent id) */
    if ((rc = pki_create_csr(host->hostname, &key, &csr, err)))
        goto cleanup;
    req = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "token", secret, "csr", csr, "hostname",
                    host->hostname, "machine_id", host->machine_id, "os", host->os, "kernel",
                    host->kernel, "arch", host->arch);
    body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    if (!ca_pem || !body) {
        rc = vg_error_set(err, -ENOMEM, "out of memory");
        goto cleanup;
    }
    snprintf(url, sizeof(url), "%s/api/v1/enroll", server);
    struct https_request post = {.method = "POST", .url = url, .body = body,
                                 .body_len = strlen(body), .content_type = "application/json",
                                 .ca_pem = ca_pem, .timeout_ms = 30000};
    rc = https_call(http, &post, &resp, err);
    if (rc < 0)
        goto cleanup;
    json_error_t jerr;
    reply = json_loadb((const char *)resp.data, resp.len, 0, &jerr);
    if (rc != 200) {
        const char *msg = json_string_value(json_object_get(reply, "error"));
        rc = vg_error_set(err, rc == 403 ? -EACCES : -EPROTO, "the server refused enrollment (%d): %s",
                          rc, msg ? msg : "no detail");
        goto cleanup;
    }
    const char *agent_id = json_string_value(json_object_get(reply, "agent_id"));
    const char *cert = json_string_value(json_object_get(reply, "certificate"));
    struct pki_cert_info info;
    if (!agent_id || !cert || strlen(agent_id) >= sizeof(id->agent_id)) {
        rc = vg_error_set(err, -EPROTO, "the enrollment answer lacks agent_id or certificate");
        goto cleanup;
    }
    if ((rc = pki_verify(ca_pem, cert, err)) ||
        (rc = pki_cert_info_pem(cert, strlen(cert), &info, err)))
        goto cleanup;
    if (strcmp(info.cn, agent_id) != 0) {
        rc = vg_error_set(err, -EPROTO, "the certificate is for %s, not for agent %s", info.cn,
                          agent_id);
        goto cleanup;
    }

    /* 3. store: key first, the id file last (its presence means "enrolled") */
    char idpath[PATH_MAX];
    snprintf(idpath, sizeof(idpath), "%s/agent.id", state_dir);
    char idline[80];
    snprintf(idline, sizeof(idline), "%s\n", agent_id);
    if ((rc = file_write_atomic(id->key_file, key, strlen(key), 0600)) ||
        (rc = file_write_atomic(id->cert_file, cert, strlen(cert), 0644)) ||
        (rc = file_write_atomic(id->ca_file, ca_pem, strlen(ca_pem), 0644)) ||
        (rc = file_write_atomic(idpath, idline, strlen(idline), 0644))) {
        vg_error_set(err, rc, "cannot store the identity in %s: %s", state_dir, strerror(-rc));
        goto cleanup;
    }
    str_copy(id->agent_id, agent_id, sizeof(id->agent_id));
    log_info("enrolled with %s as agent %s (certificate serial %s)", server, agent_id,
             info.serial);
    rc = 0;
cleanup:
    if (key)
        explicit_bzero(key, strlen(key));
    explicit_bzero(secret, sizeof(secret));
    free(key);
    free(csr);
    free(ca_pem);
    free(body);
    json_decref(req);
    json_decref(reply);
    buf_free(&resp);
    return rc;
}
