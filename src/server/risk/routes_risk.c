/* routes_risk.c - endpoints of risk checking:
 *   GET  /api/v1/findings?host=&kind=&severity=&status=&cve=&package=&check=&id=&limit=
 *        {"findings": [...]}: the findings matching every filter given, most severe first
 *        (status: open, accepted, fixed, all; default open and accepted; severity: at least)
 *   GET  /api/v1/findings/summary?by=kind|host|severity|cve|package|status|check&<filters>
 *        {"by", "groups": [{key, findings, hosts, critical, high, medium, low, host_names}]}
 *   POST /api/v1/findings/status {"id", "status": "accepted"|"open", "reason"}
 *   POST /api/v1/vulns/import {"source", "format": "osv"|"debian", "data", "replace",
 *        "data_date"} -> what was imported, then every host matched again
 *   GET  /api/v1/vulns/sources    the vulnerability data held, with dates and counts
 *   POST /api/v1/vulns/match {"agent": ID (optional)} -> match again now */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/api/http.h"
#include "server/risk/findings.h"
#include "server/risk/vulns.h"

#define VULN_IMPORT_MAX (768u << 20) /* the Debian tracker's JSON is ~70 MB; room to grow */

static bool arg_ok(struct http_request *req, struct http_response *resp, const char *name,
                   const char **out)
{
    *out = http_arg(req, name);
    if (*out && strlen(*out) > 256) {
        http_error(resp, 400, "%s is longer than 256 characters", name);
        return false;
    }
    if (*out && !**out)
        *out = NULL;
    return true;
}

static bool read_filter(struct http_request *req, struct http_response *resp,
                        struct findings_filter *f)
{
    memset(f, 0, sizeof(*f));
    f->limit = 10000;
    const char *limit = NULL, *id = NULL;
    if (!arg_ok(req, resp, "host", &f->host) || !arg_ok(req, resp, "kind", &f->kind) ||
        !arg_ok(req, resp, "severity", &f->severity) || !arg_ok(req, resp, "status", &f->status) ||
        !arg_ok(req, resp, "cve", &f->cve) || !arg_ok(req, resp, "package", &f->package) ||
        !arg_ok(req, resp, "check", &f->check) || !arg_ok(req, resp, "limit", &limit) ||
        !arg_ok(req, resp, "id", &id))
        return false;
    static const char *const sev[] = {"informational", "low", "medium", "high", "critical",
                                      "unknown", NULL};
    static const char *const st[] = {"open", "accepted", "fixed", "all", "current", NULL};
    bool ok = !f->severity;
    for (size_t i = 0; !ok && sev[i]; i++)
        ok = !strcmp(f->severity, sev[i]);
    if (!ok) {
        http_error(resp, 400, "severity must be informational, low, medium, high or critical");
        return false;
    }
    ok = !f->status;
    for (size_t i = 0; !ok && st[i]; i++)
        ok = !strcmp(f->status, st[i]);
    if (!ok) {
        http_error(resp, 400, "status must be open, accepted, fixed or all");
        return false;
    }
    char *end = NULL;
    if (limit) {
        long long v = strtoll(limit, &end, 10);
        if (!end || *end || v <= 0 || v > 1000000) {
            http_error(resp, 400, "limit must be a number from 1 to 1000000");
            return false;
        }
        f->limit = (size_t)v;
    }
    if (id) {
        long long v = strtoll(id, &end, 10);
        if (!end || *end || v <= 0) {
            http_error(resp, 400, "id must be a positive number");
            return false;
        }
        f->id = v;
    }
    return true;
}

static void h_findings(struct http_request *req, struct http_response *resp)
{
    struct findings_filter f;
    if (!read_filter(req, resp, &f))
        return;
    struct vg_error err = {{0}};
    json_t *r = store_findings_json(req->srv->store, &f, &err);
    if (r)
        http_json(resp, 200, r);
    else
        http_error(resp, 500, "%s", err.msg);
}

static void h_summary(struct http_request *req, struct http_response *resp)
{
    struct findings_filter f;
    if (!read_filter(req, resp, &f))
        return;
    const char *by = http_arg(req, "by");
    struct vg_error err = {{0}};
    json_t *r = store_findings_summary(req->srv->store, &f, by ? by : "kind", &err);
    if (r)
        http_json(resp, 200, r);
    else
        http_error(resp, strstr(err.msg, "unknown grouping") ? 400 : 500, "%s", err.msg);
}

static void h_status(struct http_request *req, struct http_response *resp)
{
    json_t *body = http_body_json(req, resp);
    if (!body)
        return;
    json_t *idv = json_object_get(body, "id");
    const char *status = http_json_string(body, "status", 32, true, resp);
    const char *reason = status ? http_json_string(body, "reason", 1024, false, resp) : NULL;
    if (!status || !reason) {
        json_decref(body);
        return;
    }
    if (!json_is_integer(idv) || json_integer_value(idv) <= 0) {
        http_error(resp, 400, "id must be a positive number (a finding's id)");
        json_decref(body);
        return;
    }
    int64_t id = json_integer_value(idv);
    struct vg_error err = {{0}};
    int rc = store_findings_set_status(req->srv->store, id, status, reason, req->user, &err);
    if (rc) {
        http_error(resp, rc == -ENOENT ? 404 : rc == -EINVAL ? 400 : 500, "%s", err.msg);
    } else {
        char detail[1200];
        snprintf(detail, sizeof(detail), "finding %lld: %s%s%s", (long long)id, status,
                 *reason ? ": " : "", reason);
        store_audit(req->srv->store, req->user, req->addr, "finding.status", detail);
        http_json(resp, 200, json_pack("{s:I,s:s}", "id", (json_int_t)id, "status", status));
    }
    json_decref(body);
}

static void h_import(struct http_request *req, struct http_response *resp)
{
    json_t *body = http_body_json(req, resp);
    if (!body)
        return;
    const char *source = http_json_string(body, "source", 128, true, resp);
    const char *format = source ? http_json_string(body, "format", 16, true, resp) : NULL;
    json_t *data = json_object_get(body, "data");
    json_t *date = json_object_get(body, "data_date");
    json_t *report = NULL;
    if (!source || !format)
        goto cleanup;
    if (!json_is_object(data) && !json_is_array(data)) {
        http_error(resp, 400, "data must be the JSON document (an object or an array)");
        goto cleanup;
    }
    if (date && !json_is_integer(date)) {
        http_error(resp, 400, "data_date must be ns since the epoch");
        goto cleanup;
    }
    struct vg_error err = {{0}};
    int rc = vulns_import(req->srv->store, source, format, data,
                          json_is_true(json_object_get(body, "replace")),
                          date ? json_integer_value(date) : 0, req->user, &report, &err);
    if (rc) {
        http_error(resp, rc == -EINVAL ? 400 : 500, "%s: %s", source, err.msg);
        goto cleanup;
    }
    char detail[300];
    snprintf(detail, sizeof(detail), "%s (%s): %lld advisories", source, format,
             (long long)json_integer_value(json_object_get(report, "advisories")));
    store_audit(req->srv->store, req->user, req->addr, "vulns.import", detail);
    struct vuln_match_stats ms = {0};
    rc = vulns_match(req->srv->store, NULL, &ms, &err);
    if (rc)
        json_object_set_new(report, "match_error", json_string(err.msg));
    json_object_set_new(report, "hosts_matched", json_integer(ms.hosts));
    json_object_set_new(report, "vulnerable", json_integer(ms.findings));
    json_object_set_new(report, "fixed", json_integer(ms.fixed));
    http_json(resp, 200, report);
    report = NULL;
cleanup:
    json_decref(report);
    json_decref(body);
}

static void h_sources(struct http_request *req, struct http_response *resp)
{
    struct vg_error err = {{0}};
    json_t *r = vulns_sources_json(req->srv->store, &err);
    if (r)
        http_json(resp, 200, r);
    else
        http_error(resp, 500, "%s", err.msg);
}

static void h_match(struct http_request *req, struct http_response *resp)
{
    json_t *body = http_body_json(req, resp);
    if (!body)
        return;
    const char *agent = http_json_string(body, "agent", 128, false, resp);
    if (agent) {
        struct vuln_match_stats ms = {0};
        struct vg_error err = {{0}};
        int rc = vulns_match(req->srv->store, *agent ? agent : NULL, &ms, &err);
        if (rc)
            http_error(resp, 500, "%s", err.msg);
        else
            http_json(resp, 200, json_pack("{s:i,s:i,s:i}", "hosts_matched", ms.hosts,
                                           "vulnerable", ms.findings, "fixed", ms.fixed));
    }
    json_decref(body);
}

const struct http_route risk_routes[] = {
    {"GET", "/api/v1/findings", AUTH_ADMIN, 0, h_findings},
    {"GET", "/api/v1/findings/summary", AUTH_ADMIN, 0, h_summary},
    {"POST", "/api/v1/findings/status", AUTH_ADMIN, 4096, h_status},
    {"POST", "/api/v1/vulns/import", AUTH_ADMIN, VULN_IMPORT_MAX, h_import},
    {"GET", "/api/v1/vulns/sources", AUTH_ADMIN, 0, h_sources},
    {"POST", "/api/v1/vulns/match", AUTH_ADMIN, 4096, h_match},
    {NULL, NULL, AUTH_NONE, 0, NULL},
};
