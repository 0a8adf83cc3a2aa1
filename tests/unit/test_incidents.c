/* test_incidents.c - the incident store over a real SQLite store: every new alert is queued by
 * the store's trigger (and a re-sent one is not), alerts sharing a key within the window join
 * one incident, a later one opens another, an alert linking two incidents merges them (the
 * other becomes a pointer), informational alerts open none, closed incidents take no more
 * alerts, and the summary follows the alerts. Also the server-raised alerts' key range and
 * the schema upgrade of an older database (a column added, nothing lost). */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/event.h"
#include "server/store/store.h"
#include "server/store/store_alerts.h"
#include "server/store/store_incidents.h"
#include "test.h"

#define MIN_NS (60ll * 1000000000ll)

static char dir[64];

static struct store *open_store(const char *name)
{
    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "/tmp/vigil-test-incidents.XXXXXX");
        if (!mkdtemp(dir))
            abort();
    }
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    struct store *st = NULL;
    struct vg_error err = {{0}};
    int rc = store_open(path, &st, &err);
    if (rc)
        fprintf(stderr, "store_open: %s\n", err.msg);
    CHECK_EQ_INT(rc, 0);
    return st;
}

static int64_t base;

/* Raise an alert at base + minute, on agent, with severity and title; returns its key. */
static void raise_alert(struct store *st, const char *agent, int minute, const char *severity,
                  const char *title, const char *technique)
{
    struct event *a = event_new(TBL_ALERTS, "alert");
    a->time_ns = (uint64_t)(base + minute * MIN_NS);
    event_add_str(a, FLD_RULE_ID, title);
    event_add_str(a, FLD_RULE_TITLE, title);
    event_add_str(a, FLD_SEVERITY, severity);
    event_add_str(a, FLD_TECHNIQUE, technique);
    struct vg_error err = {{0}};
    CHECK_EQ_INT(store_alert_raise(st, a, agent, agent, &err), 0);
    event_free(a);
}

/* Take the next queued alert and attach it with these keys; the incident it joined. */
static int64_t attach_next(struct store *st, const char *const *keys, size_t n)
{
    struct incident_alert a;
    struct vg_error err = {{0}};
    CHECK_EQ_INT(store_correlation_pending(st, &a, 1, &err), 1);
    int64_t id = -1;
    CHECK_EQ_INT(store_incident_attach(st, &a, keys, n, 30 * MIN_NS, &id, &err), 0);
    return id;
}

static int64_t q_int(struct store *st, const char *sql)
{
    json_t *res = NULL;
    struct query_limits lim = {.max_rows = 10, .timeout_ms = 5000, .max_bytes = 1 << 20};
    struct vg_error err = {{0}};
    int rc = store_query(st, sql, &lim, &res, &err);
    if (rc)
        fprintf(stderr, "%s: %s\n", sql, err.msg);
    int64_t v = rc ? -1 : json_integer_value(json_array_get(json_array_get(json_object_get(res, "rows"), 0), 0));
    json_decref(res);
    return v;
}

static void test_grouping(void)
{
    struct store *st = open_store("g.db");
    base = 1795000000000000000ll;
    const char *k_client[] = {"client:198.51.100.7"};
    const char *k_session[] = {"session:a1:0001"};
    const char *k_both[] = {"session:a1:0001", "client:198.51.100.7"};
    const char *k_other[] = {"session:a2:0009"};

    raise_alert(st, "a1", 0, "high", "web shell", "T1505.003");
    CHECK_EQ_INT(q_int(st, "select count(*) from correlation_queue"), 1);
    /* server alerts use the server's key range, below every agent's */
    CHECK_EQ_INT(q_int(st, "select max(event_key) < 17592186044416 from alerts"), 1);
    int64_t i1 = attach_next(st, k_client, 1);
    CHECK(i1 > 0);
    CHECK_EQ_INT(q_int(st, "select count(*) from correlation_queue"), 0);

    /* same client 10 minutes later, on another host: same incident */
    raise_alert(st, "a2", 10, "critical", "reverse shell", "T1059.004");
    CHECK_EQ_INT(attach_next(st, k_client, 1), i1);
    /* another session, unrelated: a new incident */
    raise_alert(st, "a1", 12, "medium", "cron file", "T1053.003");
    int64_t i2 = attach_next(st, k_session, 1);
    CHECK(i2 > 0 && i2 != i1);
    /* an alert with both keys links them: merged into the older */
    raise_alert(st, "a1", 14, "low", "tmp exec", "T1059");
    CHECK_EQ_INT(attach_next(st, k_both, 2), i1);
    CHECK_EQ_INT(q_int(st, "select alert_count from incidents where id=1"), 4);
    char sql[160];
    snprintf(sql, sizeof(sql), "select merged_into from incidents where id=%lld and status='merged'",
             (long long)i2);
    CHECK_EQ_INT(q_int(st, sql), i1);
    json_t *inc = NULL;
    struct vg_error err = {{0}};
    CHECK_EQ_INT(store_incident_json(st, i1, &inc, &err), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(inc, "severity")), "critical");
    CHECK_EQ_STR(json_string_value(json_object_get(inc, "title")), "reverse shell");
    CHECK_EQ_INT(json_array_size(json_object_get(inc, "hosts")), 2);
    CHECK_EQ_INT(json_array_size(json_object_get(inc, "techniques")), 4);
    json_t *alerts = json_object_get(inc, "alerts");
    CHECK_EQ_INT(json_array_size(alerts), 4);
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(alerts, 0), "title")), "web shell");
    json_decref(inc);
    /* the merged incident answers with the alerts of the one it went into */
    CHECK_EQ_INT(store_incident_json(st, i2, &inc, &err), 0);
    CHECK_EQ_INT(json_array_size(json_object_get(inc, "alerts")), 4);
    json_decref(inc);
    CHECK_EQ_INT(store_incident_json(st, 999, &inc, &err), -ENOENT);

    /* past the window: a new incident even with the same key */
    raise_alert(st, "a1", 14 + 31, "high", "web shell", "T1505.003");
    int64_t i3 = attach_next(st, k_client, 1);
    CHECK(i3 > 0 && i3 != i1);
    /* informational: joins, opens nothing */
    raise_alert(st, "a1", 46, "informational", "note", "");
    CHECK_EQ_INT(attach_next(st, k_client, 1), i3);
    raise_alert(st, "a3", 46, "informational", "note", "");
    CHECK_EQ_INT(attach_next(st, k_other, 1), 0);
    CHECK_EQ_INT(q_int(st, "select count(*) from correlation_queue"), 0);
    /* a closed incident takes no more alerts */
    CHECK_EQ_INT(store_incident_set_status(st, i3, "closed", "tester", &err), 0);
    raise_alert(st, "a1", 47, "high", "web shell", "T1505.003");
    int64_t i4 = attach_next(st, k_client, 1);
    CHECK(i4 > 0 && i4 != i3);
    CHECK_EQ_INT(store_incident_set_status(st, 999, "closed", "tester", &err), -ENOENT);
    json_t *list = store_incidents_json(st, 0, NULL, 100, &err);
    CHECK_EQ_INT(json_array_size(list), 3); /* the merged one is not listed */
    json_decref(list);
    list = store_incidents_json(st, 0, "closed", 100, &err);
    CHECK_EQ_INT(json_array_size(list), 1);
    json_decref(list);
    store_close(st);
}

/* A database made before a column existed gets it on open, keeping its rows. */
static void test_schema_upgrade(void)
{
    struct store *st = open_store("u.db");
    base = 1795000000000000000ll;
    raise_alert(st, "a1", 0, "high", "kept", "T1");
    store_close(st);
    char path[128];
    snprintf(path, sizeof(path), "%s/u.db", dir);
    sqlite3 *db = NULL;
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db, "ALTER TABLE alerts DROP COLUMN src_port", NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(db);
    st = open_store("u.db");
    CHECK_EQ_INT(q_int(st, "select count(src_port) + 1 from alerts"), 1); /* the column is back */
    CHECK_EQ_INT(q_int(st, "select count(*) from alerts where rule_title='kept'"), 1);
    raise_alert(st, "a1", 1, "high", "after", "T1");
    CHECK_EQ_INT(q_int(st, "select count(*) from alerts"), 2);
    store_close(st);
}

static void test_cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

TEST_MAIN(TEST(test_grouping), TEST(test_schema_upgrade), TEST(test_cleanup))
