/* client.c - credentials and HTTPS calls of the CLI (client.h). */
#include "cli/client.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/util.h"

static int parse_credentials(struct client *c, const char *path, struct vg_error *err)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return vg_error_set(err, -errno, "%s: %s", path, strerror(errno));
    char line[1024];
    unsigned lineno = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        char *eq = strchr(line, '=');
        if (!eq) {
            fclose(f);
            return vg_error_set(err, -EINVAL, "%s:%u: expected key=value", path, lineno);
        }
        *eq = '\0';
        const char *k = line, *v = eq + 1;
        if (!strcmp(k, "url"))
            str_copy(c->url, v, sizeof(c->url));
        else if (!strcmp(k, "ca"))
            str_copy(c->ca, v, sizeof(c->ca));
        else if (!strcmp(k, "token"))
            str_copy(c->token, v, sizeof(c->token));
        else if (!strcmp(k, "user"))
            str_copy(c->user, v, sizeof(c->user));
        else if (!strcmp(k, "password"))
            str_copy(c->password, v, sizeof(c->password));
    }
    fclose(f);
    if (!c->url[0] || !c->token[0])
        return vg_error_set(err, -EINVAL, "%s: url and token are required", path);
    return 0;
}

int client_load(struct client *c, const char *path, struct vg_error *err)
{
    memset(c, 0, sizeof(*c));
    if (path)
        return parse_credentials(c, path, err);
    const char *env = getenv("VIGIL_CREDENTIALS");
    if (env && *env)
        return parse_credentials(c, env, err);
    char home_path[1024];
    const char *home = getenv("HOME");
    if (home) {
        snprintf(home_path, sizeof(home_path), "%s/.config/vigil/credentials", home);
        if (access(home_path, R_OK) == 0)
            return parse_credentials(c, home_path, err);
    }
    const char *def = "/var/lib/vigil/admin.credentials";
    if (access(def, R_OK) == 0)
        return parse_credentials(c, def, err);
    return vg_error_set(err, -ENOENT,
                        "no credentials: pass --credentials FILE or set VIGIL_CREDENTIALS "
                        "(vigil-server init wrote admin.credentials in its data directory)");
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    struct buf *b = ctx;
    if (b->len + size * n > (1u << 30) || buf_append(b, data, size * n))
        return 0;
    return size * n;
}

/* One request; the body of the answer in *resp. Returns the status or -errno. */
static int perform(struct client *c, const char *method, const char *path, const char *payload,
                   struct buf *resp, struct vg_error *err)
{
    CURL *h = curl_easy_init();
    if (!h)
        return vg_error_set(err, -ENOMEM, "cannot initialise libcurl");
    char url[1024], auth[300];
    snprintf(url, sizeof(url), "%s%s", c->url, path);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->token);
    struct curl_slist *hdrs = curl_slist_append(NULL, auth);
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    if (c->ca[0])
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca);
    if (payload)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 600L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    int rc;
    if (cc != CURLE_OK) {
        rc = vg_error_set(err, -ECONNREFUSED, "cannot reach %s: %s", c->url,
                          curl_easy_strerror(cc));
    } else {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        rc = (int)status;
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    return rc;
}

int client_get_text(struct client *c, const char *path, char **text, struct vg_error *err)
{
    struct buf resp = {0};
    int rc = perform(c, "GET", path, NULL, &resp, err);
    buf_terminate(&resp);
    if (rc >= 400) {
        json_error_t jerr;
        json_t *j = json_loadb((const char *)resp.data, resp.len, 0, &jerr);
        const char *msg = json_string_value(json_object_get(j, "error"));
        vg_error_set(err, -EPROTO, "%s", msg ? msg : "request failed");
        json_decref(j);
    }
    *text = resp.data ? (char *)buf_steal(&resp, NULL) : strdup("");
    return rc;
}

int client_call(struct client *c, const char *method, const char *path, json_t *body,
                json_t **reply, struct vg_error *err)
{
    *reply = NULL;
    char *payload = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct buf resp = {0};
    int rc = perform(c, method, path, payload, &resp, err);
    if (rc > 0) {
        json_error_t jerr;
        *reply = resp.len ? json_loadb((const char *)resp.data, resp.len, 0, &jerr) : NULL;
        if (!*reply && resp.len) {
            rc = vg_error_set(err, -EPROTO, "the server answered %d with a body that is not JSON",
                              rc);
        } else if (rc >= 400 && *reply) {
            const char *msg = json_string_value(json_object_get(*reply, "error"));
            vg_error_set(err, -EPROTO, "%s", msg ? msg : "request failed");
        }
    }
    free(payload);
    buf_free(&resp);
    return rc;
}
