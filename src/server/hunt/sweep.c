/* sweep.c - IOC sweeps over the store (sweep.h). One parameterized query per indicator on a
 * read-only connection: executables by exe_sha256, connections by either address (or inside a
 * CIDR range, with the vg_in_cidr() function registered here), DNS queries by name or any
 * subdomain of it. A column a store does not record yet is reported, not guessed. */
#include "server/hunt/sweep.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "server/store/store_internal.h"

#define SWEEP_MAX_MATCHES 10000

const char *ioc_type_name(enum ioc_type t)
{
    static const char *names[] = {"sha256", "ip", "cidr", "domain", "invalid"};
    return names[t];
}

/* Parse "a.b.c.d/n" or "x::y/n" into a 16-byte network, prefix length and family. */
static bool parse_cidr(const char *s, unsigned char net[16], int *bits, int *family)
{
    char addr[64];
    const char *slash = strchr(s, '/');
    if (!slash || (size_t)(slash - s) >= sizeof(addr))
        return false;
    memcpy(addr, s, (size_t)(slash - s));
    addr[slash - s] = '\0';
    char *end;
    long n = strtol(slash + 1, &end, 10);
    if (*end || end == slash + 1)
        return false;
    memset(net, 0, 16);
    if (inet_pton(AF_INET, addr, net) == 1 && n >= 0 && n <= 32) {
        *family = AF_INET;
    } else if (inet_pton(AF_INET6, addr, net) == 1 && n >= 0 && n <= 128) {
        *family = AF_INET6;
    } else {
        return false;
    }
    *bits = (int)n;
    return true;
}

static bool in_cidr(const char *ip, const unsigned char net[16], int bits, int family)
{
    unsigned char a[16] = {0};
    if (inet_pton(family, ip, a) != 1)
        return false;
    int full = bits / 8, rest = bits % 8;
    if (memcmp(a, net, (size_t)full) != 0)
        return false;
    if (rest) {
        unsigned char mask = (unsigned char)(0xff << (8 - rest));
        if ((a[full] & mask) != (net[full] & mask))
            return false;
    }
    return true;
}

/* vg_in_cidr(ip, cidr) -> 1/0 */
static void fn_in_cidr(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const char *ip = (const char *)sqlite3_value_text(argv[0]);
    const char *cidr = (const char *)sqlite3_value_text(argv[1]);
    unsigned char net[16];
    int bits, family;
    (void)argc;
    sqlite3_result_int(ctx, ip && cidr && parse_cidr(cidr, net, &bits, &family) &&
                                in_cidr(ip, net, bits, family));
}

enum ioc_type ioc_guess_type(const char *v)
{
    size_t n = strlen(v);
    unsigned char buf[16];
    int bits, family;
    if (n == 64 && strspn(v, "0123456789abcdefABCDEF") == 64)
        return IOC_SHA256;
    if (inet_pton(AF_INET, v, buf) == 1 || inet_pton(AF_INET6, v, buf) == 1)
        return IOC_IP;
    if (strchr(v, '/'))
        return parse_cidr(v, buf, &bits, &family) ? IOC_CIDR : IOC_INVALID;
    if (n == 0 || n > 253 || v[0] == '.' || v[n - 1] == '.' || !strchr(v, '.'))
        return IOC_INVALID;
    for (const char *p = v; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '.' || *p == '_'))
            return IOC_INVALID;
    return IOC_DOMAIN;
}

static bool has_column(sqlite3 *db, const char *table, const char *column)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT 1 FROM pragma_table_info('%s') WHERE name=?", table);
    sqlite3_stmt *s = NULL;
    bool yes = false;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, column, -1, SQLITE_STATIC);
        yes = sqlite3_step(s) == SQLITE_ROW;
    }
    sqlite3_finalize(s);
    return yes;
}

static const char *const queries[] = {
    [IOC_SHA256] = "SELECT 'process_events', agent_id, hostname, entity_id, exe, cmdline,"
                   " min(time), max(time), count(*) FROM process_events WHERE exe_sha256=?1"
                   " AND time BETWEEN ?2 AND ?3 GROUP BY agent_id, entity_id",
    [IOC_IP] = "SELECT 'network_events', agent_id, hostname, entity_id, exe, NULL, min(time),"
               " max(time), count(*) FROM network_events WHERE (dst_ip=?1 OR src_ip=?1)"
               " AND time BETWEEN ?2 AND ?3 GROUP BY agent_id, entity_id",
    [IOC_CIDR] = "SELECT 'network_events', agent_id, hostname, entity_id, exe, NULL, min(time),"
                 " max(time), count(*) FROM network_events WHERE time BETWEEN ?2 AND ?3"
                 " AND (vg_in_cidr(dst_ip, ?1) OR vg_in_cidr(src_ip, ?1))"
                 " GROUP BY agent_id, entity_id",
    [IOC_DOMAIN] = "SELECT 'network_events', agent_id, hostname, entity_id, exe, NULL,"
                   " min(time), max(time), count(*) FROM network_events WHERE"
                   " action='dns_query' AND (dns_query=?1 COLLATE NOCASE OR dns_query LIKE"
                   " '%.' || ?1) AND time BETWEEN ?2 AND ?3 GROUP BY agent_id, entity_id",
};
static const char *const needs[][2] = {
    [IOC_SHA256] = {"process_events", "exe_sha256"},
    [IOC_IP] = {"network_events", "dst_ip"},
    [IOC_CIDR] = {"network_events", "dst_ip"},
    [IOC_DOMAIN] = {"network_events", "dns_query"},
};

int sweep_run(struct store *st, json_t *indicators, int64_t since, int64_t until,
              json_t **result, struct vg_error *err)
{
    sqlite3 *db = store_reader_get(st, err);
    if (!db)
        return -EIO;
    sqlite3_create_function(db, "vg_in_cidr", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                            fn_in_cidr, NULL, NULL);
    json_t *matches = json_array(), *missing = json_array(), *hosts = json_object();
    int rc = 0;
    size_t i;
    json_t *ind;
    json_array_foreach(indicators, i, ind) {
        const char *value = json_string_value(json_object_get(ind, "value"));
        const char *tname = json_string_value(json_object_get(ind, "type"));
        enum ioc_type t = IOC_INVALID;
        for (int k = 0; k < IOC_INVALID; k++)
            if (tname && !strcmp(tname, ioc_type_name((enum ioc_type)k)))
                t = (enum ioc_type)k;
        if (!value || t == IOC_INVALID) {
            rc = vg_error_set(err, -EINVAL, "indicator %zu is not {type: sha256|ip|cidr|domain, "
                                            "value}", i);
            break;
        }
        if (!has_column(db, needs[t][0], needs[t][1])) {
            bool listed = false;
            size_t k;
            json_t *m;
            json_array_foreach(missing, k, m) listed |= !strcmp(json_string_value(m), tname);
            if (!listed)
                json_array_append_new(missing, json_string(tname));
            continue;
        }
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(db, queries[t], -1, &s, NULL) != SQLITE_OK) {
            rc = vg_error_set(err, -EIO, "sweep query for %s: %s", tname, sqlite3_errmsg(db));
            break;
        }
        sqlite3_bind_text(s, 1, value, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, since);
        sqlite3_bind_int64(s, 3, until);
        while (sqlite3_step(s) == SQLITE_ROW && json_array_size(matches) < SWEEP_MAX_MATCHES) {
            size_t bytes = 0;
            json_t *m = json_pack("{s:s,s:s}", "indicator", value, "type", tname);
            static const char *cols[] = {"table", "agent_id", "hostname", "entity_id", "exe",
                                         "cmdline", "first_seen", "last_seen", "count"};
            for (int c = 0; c < 9; c++)
                json_object_set_new(m, cols[c], store_column_json(s, c, &bytes));
            json_object_set_new(hosts, (const char *)sqlite3_column_text(s, 1), json_true());
            json_array_append_new(matches, m);
        }
        sqlite3_finalize(s);
    }
    store_reader_put(st, db);
    if (rc) {
        json_decref(matches);
        json_decref(missing);
        json_decref(hosts);
        return rc;
    }
    *result = json_pack("{s:o,s:I,s:o,s:b}", "matches", matches, "hosts",
                        (json_int_t)json_object_size(hosts), "not_recorded", missing, "truncated",
                        json_array_size(matches) >= SWEEP_MAX_MATCHES);
    json_decref(hosts);
    return 0;
}
