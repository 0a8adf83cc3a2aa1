/* retrohunt.c - rules over stored history (retrohunt.h). One statement per table the rules use
 * (`time BETWEEN` on the time index, optional host filter), merged by time; each row becomes an
 * event again (columns back to schema fields) and goes through the engine with the row's host
 * set, so per-host state (thresholds, sequences, first-seen) stays per host. */
#include "server/hunt/retrohunt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/event_json.h"
#include "common/log.h"
#include "common/schema.h"
#include "common/util.h"
#include "engine/engine.h"
#include "server/server.h"
#include "server/alerts/alerts.h"
#include "server/store/store_internal.h"

/* One table's cursor and how its columns map back to an event. */
struct cursor {
    const struct table_def *t;
    sqlite3_stmt *s;
    bool has_row;
    int64_t time;
    int ncols;
    int16_t *field_of_col; /* schema field id per column, 0 for header/unknown columns */
    int col_time, col_agent, col_host, col_boot, col_seq, col_action, col_key;
};

struct run {
    struct server *srv;
    const struct retro_request *req;
    json_t *matches, *not_loaded;
    size_t raised, max;
    bool truncated;
    char agent[64], host[256];
};

static void on_report(void *ctx, const struct engine_report *r)
{
    struct run *run = ctx;
    if (json_array_size(run->not_loaded) < 1000)
        json_array_append_new(run->not_loaded,
                              json_pack("{s:s,s:s,s:s,s:s}", "file", r->file ? r->file : "",
                                        "rule_id", r->rule_id ? r->rule_id : "", "construct",
                                        r->construct ? r->construct : "", "reason",
                                        r->reason ? r->reason : ""));
}

static void on_alert(void *ctx, struct event *alert)
{
    struct run *run = ctx;
    if (json_array_size(run->matches) >= run->max) {
        run->truncated = true;
        event_free(alert);
        return;
    }
    json_t *j = event_to_json(alert);
    if (j) {
        json_object_set_new(j, "agent_id", json_string(run->agent));
        json_object_set_new(j, "hostname", json_string(run->host));
        json_array_append_new(run->matches, j);
    }
    if (run->req->raise) {
        struct vg_error err = {{0}};
        const char *src = event_get_str(alert, FLD_RULE_SOURCE);
        char source[128];
        snprintf(source, sizeof(source), "retrohunt:%s", src ? src : "rule");
        /* the field is already set by the engine; a fresh copy carries the retro-hunt origin */
        struct event *copy = event_new(TBL_ALERTS, "alert");
        if (copy) {
            copy->time_ns = alert->time_ns;
            for (unsigned i = 0; i < alert->nfields; i++) {
                const struct event_field *f = &alert->fields[i];
                if (f->id == FLD_RULE_SOURCE)
                    event_add_str(copy, FLD_RULE_SOURCE, source);
                else if (f->type == FT_INT)
                    event_add_int(copy, (enum field_id)f->id, f->v.i);
                else
                    event_add_strn(copy, (enum field_id)f->id, event_field_str(alert, f), f->len);
            }
            if (alerts_raise(run->srv, copy, run->agent, run->host, &err) == 0)
                run->raised++;
            else
                log_warn("retro-hunt: cannot raise an alert: %s", err.msg);
            event_free(copy);
        }
    }
    event_free(alert);
}

static int open_cursor(sqlite3 *db, const struct table_def *t, const struct retro_request *req,
                       struct cursor *c, struct vg_error *err)
{
    char sql[512];
    memset(c, 0, sizeof(*c));
    c->t = t;
    snprintf(sql, sizeof(sql),
             "SELECT * FROM %s WHERE time BETWEEN ?1 AND ?2%s ORDER BY time, event_key", t->name,
             req->agents ? " AND agent_id IN (SELECT value FROM json_each(?3))" : "");
    if (sqlite3_prepare_v2(db, sql, -1, &c->s, NULL) != SQLITE_OK)
        return vg_error_set(err, -EIO, "retro-hunt over %s: %s", t->name, sqlite3_errmsg(db));
    sqlite3_bind_int64(c->s, 1, req->since);
    sqlite3_bind_int64(c->s, 2, req->until);
    if (req->agents) {
        char *a = json_dumps(req->agents, JSON_COMPACT);
        sqlite3_bind_text(c->s, 3, a ? a : "[]", -1, SQLITE_TRANSIENT);
        free(a);
    }
    c->ncols = sqlite3_column_count(c->s);
    c->field_of_col = calloc((size_t)c->ncols, sizeof(*c->field_of_col));
    if (!c->field_of_col)
        return vg_error_set(err, -ENOMEM, "out of memory");
    c->col_time = c->col_agent = c->col_host = c->col_boot = c->col_seq = c->col_action =
        c->col_key = -1;
    for (int i = 0; i < c->ncols; i++) {
        const char *n = sqlite3_column_name(c->s, i);
        if (!strcmp(n, "time"))
            c->col_time = i;
        else if (!strcmp(n, "agent_id"))
            c->col_agent = i;
        else if (!strcmp(n, "hostname"))
            c->col_host = i;
        else if (!strcmp(n, "boot_id"))
            c->col_boot = i;
        else if (!strcmp(n, "seq"))
            c->col_seq = i;
        else if (!strcmp(n, "action"))
            c->col_action = i;
        else if (!strcmp(n, "event_key"))
            c->col_key = i;
        else {
            const struct field_def *f = schema_field_by_name(n);
            c->field_of_col[i] = f ? (int16_t)f->id : 0;
        }
    }
    return 0;
}

static void step(struct cursor *c)
{
    c->has_row = sqlite3_step(c->s) == SQLITE_ROW;
    if (c->has_row)
        c->time = sqlite3_column_int64(c->s, c->col_time);
}

/* The cursor's current row as an event (ev is reset and reused). */
static void row_event(const struct cursor *c, struct event *ev)
{
    const char *action = c->col_action >= 0
                             ? (const char *)sqlite3_column_text(c->s, c->col_action) : "";
    event_reset(ev, c->t->id, action ? action : "");
    ev->time_ns = (uint64_t)c->time;
    ev->seq = c->col_seq >= 0 ? (uint64_t)sqlite3_column_int64(c->s, c->col_seq) : 0;
    const char *boot = c->col_boot >= 0 ? (const char *)sqlite3_column_text(c->s, c->col_boot)
                                        : NULL;
    str_copy(ev->boot_id, boot ? boot : "", sizeof(ev->boot_id));
    for (int i = 0; i < c->ncols; i++) {
        if (!c->field_of_col[i])
            continue;
        switch (sqlite3_column_type(c->s, i)) {
        case SQLITE_INTEGER:
            event_add_int(ev, (enum field_id)c->field_of_col[i], sqlite3_column_int64(c->s, i));
            break;
        case SQLITE_TEXT:
            event_add_strn(ev, (enum field_id)c->field_of_col[i],
                           (const char *)sqlite3_column_text(c->s, i),
                           (size_t)sqlite3_column_bytes(c->s, i));
            break;
        default:
            break;
        }
    }
}

int retrohunt_run(struct server *srv, const struct retro_request *req, json_t **result,
                  struct vg_error *err)
{
    uint64_t t0 = time_mono_ns();
    struct run run = {.srv = srv, .req = req, .matches = json_array(),
                      .not_loaded = json_array(), .max = req->max_matches ? req->max_matches
                                                                          : 10000};
    struct engine_options opt = {.report = on_report, .report_ctx = &run};
    struct engine *eng = NULL;
    struct cursor cur[TBL_MAX_ID];
    size_t ncur = 0;
    sqlite3 *db = NULL;
    struct event *ev = NULL;
    uint64_t scanned = 0;
    int rc = engine_new(&opt, &eng, err);
    if (rc)
        goto out;
    int loaded = 0;
    if (req->rules) {
        size_t i;
        json_t *r;
        json_array_foreach(req->rules, i, r) {
            const char *text = json_string_value(json_object_get(r, "text"));
            const char *name = json_string_value(json_object_get(r, "name"));
            int n = engine_load_text(eng, text ? text : "", text ? strlen(text) : 0,
                                     name ? name : "rules", err);
            if (n < 0) {
                rc = n;
                goto out;
            }
            loaded += n;
        }
    } else {
        loaded = engine_load_path(eng, srv->cfg.rules_dir, err);
        if (loaded < 0) {
            rc = loaded == -ENOENT ? -EINVAL : loaded;
            goto out;
        }
    }
    if (loaded == 0) {
        json_t *first = json_array_get(run.not_loaded, 0);
        rc = vg_error_set(err, -EINVAL, "no rule could be loaded%s%s%s%s%s%s (%zu problems; "
                                        "`vigil rules check` lists them)", first ? ": " : "",
                          first ? json_string_value(json_object_get(first, "file")) : "",
                          first ? ": " : "",
                          first ? json_string_value(json_object_get(first, "construct")) : "",
                          first ? ": " : "",
                          first ? json_string_value(json_object_get(first, "reason")) : "",
                          json_array_size(run.not_loaded));
        goto out;
    }
    if ((rc = engine_compile(eng, err)))
        goto out;
    db = store_reader_get(srv->store, err);
    if (!db) {
        rc = -EIO;
        goto out;
    }
    size_t ntables;
    const struct table_def *tables = schema_tables(&ntables);
    for (size_t i = 0; i < ntables; i++) {
        if (tables[i].id == TBL_ALERTS || !engine_uses_table(eng, (uint16_t)tables[i].id))
            continue;
        if ((rc = open_cursor(db, &tables[i], req, &cur[ncur], err)))
            goto out;
        step(&cur[ncur]);
        ncur++;
    }
    ev = event_new(TBL_NONE, "");
    if (!ev) {
        rc = vg_error_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    for (;;) {
        struct cursor *next = NULL;
        for (size_t i = 0; i < ncur; i++)
            if (cur[i].has_row && (!next || cur[i].time < next->time))
                next = &cur[i];
        if (!next || run.truncated)
            break;
        row_event(next, ev);
        const char *agent = (const char *)sqlite3_column_text(next->s, next->col_agent);
        const char *host = (const char *)sqlite3_column_text(next->s, next->col_host);
        str_copy(run.agent, agent ? agent : "", sizeof(run.agent));
        str_copy(run.host, host ? host : "", sizeof(run.host));
        engine_set_host(eng, run.agent);
        engine_match(eng, ev, ev->seq, on_alert, &run);
        scanned++;
        step(next);
    }
    engine_flush(eng, (uint64_t)req->until, on_alert, &run);
    struct engine_stats es;
    engine_get_stats(eng, &es);
    *result = json_pack("{s:o,s:I,s:I,s:o,s:I,s:b,s:f}", "matches", run.matches,
                        "events_scanned", (json_int_t)scanned, "rules_loaded",
                        (json_int_t)es.rules, "rules_not_loaded", run.not_loaded, "raised",
                        (json_int_t)run.raised, "truncated", run.truncated, "elapsed_ms",
                        (double)(time_mono_ns() - t0) / 1e6);
    run.matches = run.not_loaded = NULL;
    if (req->raise)
        log_info("retro-hunt by %s raised %zu alerts over %llu events", req->user ? req->user : "",
                 run.raised, (unsigned long long)scanned);
out:
    for (size_t i = 0; i < ncur; i++) {
        sqlite3_finalize(cur[i].s);
        free(cur[i].field_of_col);
    }
    if (db)
        store_reader_put(srv->store, db);
    event_free(ev);
    engine_free(eng);
    json_decref(run.matches);
    json_decref(run.not_loaded);
    return rc;
}
