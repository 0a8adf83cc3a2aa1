/* test_inventory_engine.c - the inventory engine's change tracking: a first scan sends every
 * row as a snapshot, later scans only what was added, removed or changed (with the changed
 * columns and their previous values); a damaged snapshot or a lost event leads to sending the
 * differences again, never to losing them; a failing collector keeps the previous state; keys
 * stay unique; snapshots survive a round trip and refuse damage. */
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent_config.h"
#include "agent/host.h"
#include "agent/inventory/inventory_internal.h"
#include "agent/module.h"
#include "common/inventory_schema.h"
#include "common/util.h"
#include "test.h"

struct sink {
    struct event *ev[256];
    int n;
    bool refuse; /* answer -ENOBUFS (a full pipeline queue) */
};

static int sink_emit(void *ctx, struct event *ev)
{
    struct sink *s = ctx;
    if (s->refuse || s->n >= 256) {
        event_free(ev);
        return -ENOBUFS;
    }
    s->ev[s->n++] = ev;
    return 0;
}

static void sink_clear(struct sink *s)
{
    for (int i = 0; i < s->n; i++)
        event_free(s->ev[i]);
    s->n = 0;
}

/* Events of table t with action a. */
static int count(const struct sink *s, enum table_id t, const char *a)
{
    int n = 0;
    for (int i = 0; i < s->n; i++)
        n += s->ev[i]->table == t && !strcmp(s->ev[i]->action, a);
    return n;
}

static const struct event *find(const struct sink *s, enum table_id t, const char *a)
{
    for (int i = 0; i < s->n; i++)
        if (s->ev[i]->table == t && !strcmp(s->ev[i]->action, a))
            return s->ev[i];
    return NULL;
}

static void write_file(const char *root, const char *rel, const char *text)
{
    char p[4096];
    snprintf(p, sizeof(p), "%s%s", root, rel);
    char *slash = strrchr(p, '/');
    *slash = '\0';
    dir_make(p, 0755);
    *slash = '/';
    CHECK_EQ_INT(file_write_atomic(p, text, strlen(text), 0644), 0);
}

struct fixture {
    struct agent_config cfg;
    struct inventory_config *icfg;
    struct host_info host;
    char root[64], state[64];
    struct inv_engine *e;
    struct sink sink;
};

static void setup(struct fixture *f)
{
    struct vg_error err = {{0}};
    memset(f, 0, sizeof(*f));
    CHECK_EQ_INT(agent_config_init(&f->cfg, &err), 0);
    for (size_t i = 0; agent_modules[i]; i++)
        if (agent_modules[i]->options == inventory_options)
            f->icfg = f->cfg.module_configs[i];
    CHECK_EQ_INT(host_info_load(&f->host, NULL, &err), 0);
    strcpy(f->root, "/tmp/vigil-inv-root.XXXXXX");
    strcpy(f->state, "/tmp/vigil-inv-state.XXXXXX");
    CHECK(mkdtemp(f->root) != NULL);
    CHECK(mkdtemp(f->state) != NULL);
    char set[200];
    snprintf(set, sizeof(set), "inventory.root=%s", f->root);
    CHECK_EQ_INT(agent_config_set(&f->cfg, set, &err), 0);
    CHECK_EQ_INT(inv_engine_new(f->icfg, &f->host, f->state, sink_emit, &f->sink, &f->e, &err), 0);
}

static void teardown(struct fixture *f)
{
    sink_clear(&f->sink);
    inv_engine_free(f->e);
    dir_remove_tree(f->root);
    dir_remove_tree(f->state);
    agent_config_free(&f->cfg);
}

static struct inv_run_result run(struct fixture *f, enum inv_collector_id c, bool full)
{
    struct inv_run_result r;
    sink_clear(&f->sink);
    CHECK_EQ_INT(inv_engine_run(f->e, c, full, &r), 0);
    return r;
}

static void test_snapshot_then_changes(void)
{
    struct fixture f;
    setup(&f);
    write_file(f.root, "/etc/crontab", "1 * * * * root /bin/a\n2 * * * * root /bin/b\n");
    struct inv_run_result r = run(&f, INV_C_cron, false);
    CHECK_EQ_INT(r.status, 0);
    CHECK(r.full);
    CHECK_EQ_INT(r.rows, 2);
    CHECK_EQ_INT(count(&f.sink, TBL_CRON_JOB_CHANGES, INV_ACTION_SNAPSHOT), 2);
    const struct event *sum = find(&f.sink, TBL_INVENTORY_SCANS, INV_SCAN_FULL);
    CHECK(sum != NULL);
    CHECK_EQ_STR(event_get_str(sum, FLD_INVENTORY_TABLE), "cron_job_changes");
    CHECK_EQ_STR(event_get_str(sum, FLD_SCAN_ID), r.scan_id);
    const struct event *row = find(&f.sink, TBL_CRON_JOB_CHANGES, INV_ACTION_SNAPSHOT);
    CHECK(event_get_str(row, FLD_ROW_KEY) != NULL);
    CHECK_EQ_STR(event_get_str(row, FLD_SCAN_ID), r.scan_id);

    /* nothing changed: only the summary */
    r = run(&f, INV_C_cron, false);
    CHECK(!r.full);
    CHECK_EQ_INT(f.sink.n, 1);
    CHECK(find(&f.sink, TBL_INVENTORY_SCANS, INV_SCAN_INCREMENTAL) != NULL);

    /* one added, one removed, one changed (its line moved) */
    write_file(f.root, "/etc/crontab", "# moved down\n1 * * * * root /bin/a\n3 * * * * root /bin/c\n");
    r = run(&f, INV_C_cron, false);
    CHECK_EQ_INT(r.added, 1);
    CHECK_EQ_INT(r.removed, 1);
    CHECK_EQ_INT(r.changed, 1);
    const struct event *ch = find(&f.sink, TBL_CRON_JOB_CHANGES, INV_ACTION_CHANGED);
    CHECK_EQ_STR(event_get_str(ch, FLD_CHANGED_FIELDS), "line");
    CHECK_EQ_STR(event_get_str(ch, FLD_PREVIOUS), "{\"line\":1}");
    int64_t line = 0;
    CHECK(event_get_int(ch, FLD_LINE, &line) && line == 2);
    const struct event *rm = find(&f.sink, TBL_CRON_JOB_CHANGES, INV_ACTION_REMOVED);
    CHECK_EQ_STR(event_get_str(rm, FLD_COMMAND), "/bin/b"); /* the removed row as it was */
    const struct event *add = find(&f.sink, TBL_CRON_JOB_CHANGES, INV_ACTION_ADDED);
    CHECK_EQ_STR(event_get_str(add, FLD_COMMAND), "/bin/c");

    /* a full rescan asked for sends everything again */
    r = run(&f, INV_C_cron, true);
    CHECK(r.full);
    CHECK_EQ_INT(count(&f.sink, TBL_CRON_JOB_CHANGES, INV_ACTION_SNAPSHOT), 2);
    teardown(&f);
}

static void test_damaged_snapshot(void)
{
    struct fixture f;
    setup(&f);
    write_file(f.root, "/etc/crontab", "1 * * * * root /bin/a\n");
    run(&f, INV_C_cron, false);
    char p[4200];
    snprintf(p, sizeof(p), "%s/inventory/cron_job_changes.snap", f.state);
    CHECK_EQ_INT(file_write_atomic(p, "garbage", 7, 0600), 0);
    struct inv_run_result r = run(&f, INV_C_cron, false);
    CHECK(r.full); /* a damaged snapshot means a full one, never a loss */
    CHECK_EQ_INT(count(&f.sink, TBL_CRON_JOB_CHANGES, INV_ACTION_SNAPSHOT), 1);
    teardown(&f);
}

static void test_lost_events_are_sent_again(void)
{
    struct fixture f;
    setup(&f);
    write_file(f.root, "/etc/crontab", "1 * * * * root /bin/a\n");
    /* the first snapshot cannot be queued: its summary says failed, the next scan is full */
    f.sink.refuse = true;
    struct inv_run_result r = run(&f, INV_C_cron, false);
    CHECK(r.dropped > 0);
    CHECK(!r.full);
    f.sink.refuse = false;
    r = run(&f, INV_C_cron, false);
    CHECK(r.full);
    CHECK_EQ_INT(count(&f.sink, TBL_CRON_JOB_CHANGES, INV_ACTION_SNAPSHOT), 1);
    /* a change that cannot be queued is found again at the next scan */
    write_file(f.root, "/etc/crontab", "1 * * * * root /bin/a\n2 * * * * root /bin/new\n");
    f.sink.refuse = true;
    run(&f, INV_C_cron, false);
    f.sink.refuse = false;
    r = run(&f, INV_C_cron, false);
    CHECK_EQ_INT(r.added, 1);
    CHECK_EQ_INT(count(&f.sink, TBL_CRON_JOB_CHANGES, INV_ACTION_ADDED), 1);
    r = run(&f, INV_C_cron, false);
    CHECK_EQ_INT(r.added, 0);
    teardown(&f);
}

static void test_failed_collector_keeps_state(void)
{
    struct fixture f;
    setup(&f);
    write_file(f.root, "/etc/passwd", "root:x:0:0::/root:/bin/sh\n");
    write_file(f.root, "/etc/group", "root:x:0:\n");
    struct inv_run_result r = run(&f, INV_C_accounts, false);
    CHECK_EQ_INT(r.rows, 2);
    char p[200];
    snprintf(p, sizeof(p), "%s/etc/passwd", f.root);
    CHECK_EQ_INT(unlink(p), 0);
    r = run(&f, INV_C_accounts, false);
    CHECK(r.status != 0);
    CHECK_EQ_INT(count(&f.sink, TBL_USER_CHANGES, INV_ACTION_REMOVED), 0);
    CHECK_EQ_INT(count(&f.sink, TBL_INVENTORY_SCANS, INV_SCAN_FAILED), 2);
    const struct event *fail = find(&f.sink, TBL_INVENTORY_SCANS, INV_SCAN_FAILED);
    CHECK(strstr(event_get_str(fail, FLD_MESSAGE), "/etc/passwd") != NULL);
    write_file(f.root, "/etc/passwd", "root:x:0:0::/root:/bin/sh\n");
    r = run(&f, INV_C_accounts, false);
    CHECK_EQ_INT(r.status, 0);
    CHECK(!r.full);
    CHECK_EQ_INT(r.added + r.removed + r.changed, 0);
    teardown(&f);
}

static void test_unique_keys_and_diff(void)
{
    struct inv_table_rows t = {.table = TBL_CRON_JOB_CHANGES};
    const char *keys[] = {"a", "b", "a", "a!x", "a"};
    t.rows = calloc(5, sizeof(*t.rows));
    for (int i = 0; i < 5; i++) {
        t.rows[i].key = strdup(keys[i]);
        t.rows[i].ev = event_new(TBL_CRON_JOB_CHANGES, "");
    }
    t.n = t.cap = 5;
    inv_rows_finish(&t);
    for (size_t i = 1; i < t.n; i++)
        CHECK(strcmp(t.rows[i - 1].key, t.rows[i].key) < 0);
    CHECK_EQ_STR(t.rows[0].key, "a");
    /* a row diff names the columns in table order, with the old values (null when absent) */
    event_add_str(t.rows[0].ev, FLD_COMMAND, "/bin/x");
    event_add_int(t.rows[0].ev, FLD_LINE, 3);
    event_add_str(t.rows[1].ev, FLD_USER, "root");
    event_add_str(t.rows[1].ev, FLD_COMMAND, "/bin/y");
    event_add_int(t.rows[1].ev, FLD_LINE, 3);
    struct buf c = {0}, p = {0};
    CHECK_EQ_INT(inv_row_diff(t.rows[0].ev, t.rows[1].ev, &c, &p), 2);
    buf_terminate(&c);
    buf_terminate(&p);
    CHECK_EQ_STR((char *)c.data, "user,command");
    CHECK_EQ_STR((char *)p.data, "{\"user\":null,\"command\":\"/bin/x\"}");
    buf_free(&c);
    buf_free(&p);
    CHECK_EQ_INT(inv_row_diff(t.rows[1].ev, t.rows[1].ev, NULL, NULL), 0);
    /* snapshot round trip, and refusal of damage */
    struct buf enc = {0};
    CHECK_EQ_INT(inv_snapshot_encode(TBL_CRON_JOB_CHANGES, t.rows, t.n, &enc), 0);
    struct inv_row_entry *back;
    size_t n;
    struct vg_error err = {{0}};
    CHECK_EQ_INT(inv_snapshot_decode(enc.data, enc.len, TBL_CRON_JOB_CHANGES, &back, &n, &err), 0);
    CHECK_EQ_INT(n, t.n);
    CHECK_EQ_STR(back[1].key, t.rows[1].key);
    CHECK_EQ_STR(event_get_str(back[1].ev, FLD_USER), "root");
    inv_rows_free(back, n);
    CHECK(inv_snapshot_decode(enc.data, enc.len, TBL_USER_CHANGES, &back, &n, &err) == -EINVAL);
    CHECK(strstr(err.msg, "table") != NULL);
    enc.data[enc.len / 2] ^= 0x55;
    CHECK(inv_snapshot_decode(enc.data, enc.len, TBL_CRON_JOB_CHANGES, &back, &n, &err) < 0);
    buf_free(&enc);
    inv_rows_free(t.rows, t.n);
}

static void test_registry_and_options(void)
{
    /* every collector fills inventory tables only, each table belongs to one collector */
    int owners[TBL_MAX_ID] = {0};
    for (int c = 0; c < INV_NCOLLECTORS; c++) {
        CHECK_EQ_INT(inv_collector_find(inv_collectors[c]->name), c);
        for (const enum table_id *t = inv_collectors[c]->tables; *t != TBL_NONE; t++) {
            CHECK(inventory_table_of(*t) != NULL);
            owners[*t]++;
        }
    }
    size_t n;
    const struct inventory_table *it = inventory_tables(&n);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ_INT(owners[it[i].table], 1);
    CHECK_EQ_INT(inv_collector_find("nope"), -1);
    struct agent_config cfg;
    struct vg_error err = {{0}};
    CHECK_EQ_INT(agent_config_init(&cfg, &err), 0);
    CHECK_EQ_INT(agent_config_set(&cfg, "inventory.suid.interval=2h", &err), 0);
    CHECK(agent_config_set(&cfg, "inventory.nope.interval=1s", &err) != 0);
    agent_config_free(&cfg);
}

TEST_MAIN(TEST(test_snapshot_then_changes), TEST(test_damaged_snapshot),
          TEST(test_lost_events_are_sent_again), TEST(test_failed_collector_keeps_state),
          TEST(test_unique_keys_and_diff), TEST(test_registry_and_options))
