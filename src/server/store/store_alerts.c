/* store_alerts.c - alerts raised by the server (store_alerts.h). */
#include "server/store/store_alerts.h"

#include <errno.h>
#include <string.h>

#include "server/store/store.h"
#include "server/store/store_internal.h"

const char store_alerts_ddl[] =
    "CREATE TABLE IF NOT EXISTS server_seq (name TEXT PRIMARY KEY, value INTEGER NOT NULL);\n";

/* The next number of the server's sequence `name`. */
static int next_seq(struct store *st, const char *name, uint64_t *out, struct vg_error *err)
{
    sqlite3 *db = store_writer(st);
    sqlite3_stmt *s = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(db, "INSERT INTO server_seq VALUES (?, 1) ON CONFLICT(name) DO UPDATE"
                               " SET value = value + 1 RETURNING value", -1, &s, NULL) != SQLITE_OK) {
        rc = store_db_error(err, db, "allocating a server sequence number");
    } else {
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW)
            *out = (uint64_t)sqlite3_column_int64(s, 0);
        else
            rc = store_db_error(err, db, "allocating a server sequence number");
    }
    sqlite3_finalize(s);
    store_writer_done(st);
    return rc;
}

int store_alert_raise(struct store *st, struct event *alert, const char *agent_id,
                      const char *hostname, struct vg_error *err)
{
    uint64_t seq = 0;
    int rc = next_seq(st, "alerts", &seq, err);
    if (rc)
        return rc;
    if (seq > STORE_MAX_SEQ)
        return vg_error_set(err, -EOVERFLOW, "the server's alert sequence is exhausted");
    alert->table = TBL_ALERTS;
    if (!alert->action[0])
        strcpy(alert->action, "alert");
    alert->seq = seq;
    struct agent_record rec;
    memset(&rec, 0, sizeof(rec));
    rec.agent_num = 0; /* the server's own key range */
    strncpy(rec.agent_id, agent_id && *agent_id ? agent_id : "server", sizeof(rec.agent_id) - 1);
    struct ingest_result res;
    struct event *evs[1] = {alert};
    rc = store_ingest(st, &rec, hostname ? hostname : "", evs, 1, &res, err);
    if (!rc && res.stored != 1)
        rc = vg_error_set(err, -EIO, "the alert was not stored (%llu rejected)",
                          (unsigned long long)res.rejected);
    return rc;
}
