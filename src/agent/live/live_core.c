/* live_core.c - the live tables the agent itself answers:
 *   processes    every running process, from the process table
 *   file         one path (WHERE path = '...'): type, size, mode, owner, times, SHA-256
 *   agent        this agent: id, version, sensors, counters
 *   live_tables  the tables this agent answers (core and modules) */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/live/live.h"
#include "agent/pipeline.h"
#include "agent/proctable.h"
#include "agent/transport.h"
#include "common/spool.h"
#include "common/util.h"

#define HASH_MAX_BYTES (1ull << 30) /* files larger than this are not hashed in a live query */

struct proc_rows {
    struct live_rows *rows;
    int rc;
};

static void add_process(void *ctx, const struct proc_snapshot *p)
{
    struct proc_rows *pr = ctx;
    if (pr->rc)
        return;
    struct live_rows *r = pr->rows;
    if ((pr->rc = live_row_begin(r)))
        return;
    live_col_int(r, p->pid);
    live_col_int(r, p->ppid);
    live_col_text(r, p->entity_id);
    live_col_text(r, p->parent_entity_id);
    live_col_text(r, p->exe);
    live_col_text(r, p->cmdline);
    live_col_text(r, p->comm);
    live_col_int(r, p->uid);
    live_col_int(r, p->euid);
    live_col_int(r, p->gid);
    live_col_int(r, p->egid);
    live_col_int(r, p->auid);
    live_col_int(r, (int64_t)p->start_time_ns);
}

static int scan_processes(void *state, const struct live_table *table, const char *arg,
                          struct live_rows *rows, struct vg_error *err)
{
    (void)table;
    struct agent *a = state;
    struct proc_rows pr = {rows, 0};
    (void)arg;
    int n = proctable_foreach(a->procs, add_process, &pr);
    if (n < 0)
        return vg_error_set(err, n, "cannot read the process table");
    return pr.rc == -E2BIG ? 0 : pr.rc;
}

static const char *file_type(mode_t m)
{
    return S_ISREG(m)    ? "file"
           : S_ISDIR(m)  ? "directory"
           : S_ISLNK(m)  ? "symlink"
           : S_ISCHR(m)  ? "char_device"
           : S_ISBLK(m)  ? "block_device"
           : S_ISFIFO(m) ? "fifo"
           : S_ISSOCK(m) ? "socket"
                         : "other";
}

/* SHA-256 of a regular file by streaming it; "" when it cannot be read. */
static void hash_file(const char *path, char out[65])
{
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char buf[65536], digest[32];
    unsigned int dlen = 0;
    bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    ssize_t n;
    while (ok && (n = read(fd, buf, sizeof(buf))) > 0)
        ok = EVP_DigestUpdate(md, buf, (size_t)n);
    if (ok && n == 0 && EVP_DigestFinal_ex(md, digest, &dlen) && dlen == 32)
        hex_encode(digest, 32, out);
    EVP_MD_CTX_free(md);
    close(fd);
}

static int scan_file(void *state, const struct live_table *table, const char *path,
                     struct live_rows *rows, struct vg_error *err)
{
    (void)table;
    (void)state;
    (void)err;
    struct stat st;
    int rc = live_row_begin(rows);
    if (rc)
        return rc;
    live_col_text(rows, path);
    if (path[0] != '/' || lstat(path, &st) < 0) {
        live_col_int(rows, 0);
        for (int i = 0; i < 8; i++)
            live_col_null(rows);
        live_col_text(rows, path[0] != '/' ? "not an absolute path" : strerror(errno));
        return 0;
    }
    char hash[65] = "";
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size <= HASH_MAX_BYTES)
        hash_file(path, hash);
    live_col_int(rows, 1);
    live_col_text(rows, file_type(st.st_mode));
    live_col_int(rows, st.st_size);
    live_col_int(rows, st.st_mode & 07777);
    live_col_int(rows, st.st_uid);
    live_col_int(rows, st.st_gid);
    live_col_int(rows, (int64_t)st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec);
    live_col_int(rows, (int64_t)st.st_ctim.tv_sec * 1000000000ll + st.st_ctim.tv_nsec);
    live_col_text(rows, hash[0] ? hash : NULL);
    live_col_text(rows, S_ISREG(st.st_mode) && !hash[0] ? "not hashed (unreadable or too large)"
                                                        : NULL);
    return 0;
}

static int scan_agent(void *state, const struct live_table *table, const char *arg,
                      struct live_rows *rows, struct vg_error *err)
{
    (void)table;
    struct agent *a = state;
    (void)arg;
    (void)err;
    char id[64] = "", path[PATH_MAX], sensors[512];
    snprintf(path, sizeof(path), "%s/agent.id", a->cfg.state_dir);
    file_read_line(path, id, sizeof(id));
    agent_sensors_summary(a, sensors, sizeof(sensors));
    struct spool_stats ss;
    spool_get_stats(a->spool, &ss);
    struct pipeline_stats ps;
    pipeline_get_stats(a->pipeline, &ps);
    struct transport_stats ts;
    transport_get_stats(a->transport, &ts);
    int rc = live_row_begin(rows);
    if (rc)
        return rc;
    live_col_text(rows, id);
    live_col_text(rows, VIGIL_VERSION);
    live_col_text(rows, a->host.hostname);
    live_col_text(rows, a->host.os);
    live_col_text(rows, a->host.kernel);
    live_col_text(rows, sensors);
    live_col_int(rows, (int64_t)ss.pending);
    live_col_int(rows, (int64_t)ss.bytes);
    live_col_int(rows, (int64_t)(ss.dropped + ss.corrupt));
    live_col_int(rows, (int64_t)ps.queue_dropped);
    live_col_int(rows, (int64_t)ps.spooled);
    live_col_int(rows, ts.connected);
    return 0;
}

static int scan_tables(void *state, const struct live_table *table, const char *arg,
                       struct live_rows *rows, struct vg_error *err)
{
    (void)table;
    (void)arg;
    (void)err;
    json_t *all = live_tables_json(state);
    size_t i;
    json_t *t;
    int rc = 0;
    json_array_foreach(all, i, t) {
        if ((rc = live_row_begin(rows)))
            break;
        live_col_text(rows, json_string_value(json_object_get(t, "name")));
        live_col_text(rows, json_string_value(json_object_get(t, "columns")));
        live_col_text(rows, json_string_value(json_object_get(t, "key")));
        live_col_text(rows, json_string_value(json_object_get(t, "description")));
    }
    json_decref(all);
    return rc == -E2BIG ? 0 : rc;
}

const struct live_table live_core_tables[] = {
    {"processes",
     "pid INTEGER, ppid INTEGER, entity_id TEXT, parent_entity_id TEXT, exe TEXT, cmdline TEXT,"
     " comm TEXT, uid INTEGER, euid INTEGER, gid INTEGER, egid INTEGER, auid INTEGER,"
     " start_time INTEGER",
     NULL, "Every running process, with the same entity ids as the events", scan_processes},
    {"file",
     "path TEXT, present INTEGER, type TEXT, size INTEGER, mode INTEGER, uid INTEGER,"
     " gid INTEGER, mtime INTEGER, ctime INTEGER, sha256 TEXT, error TEXT",
     "path", "One file now (WHERE path = '/abs/path'): type, size, mode, owner, times, SHA-256",
     scan_file},
    {"agent",
     "agent_id TEXT, agent_version TEXT, hostname TEXT, os TEXT, kernel TEXT, sensors TEXT,"
     " spool_pending INTEGER, spool_bytes INTEGER, spool_dropped INTEGER, queue_dropped INTEGER,"
     " events_spooled INTEGER, connected INTEGER",
     NULL, "This agent and its counters", scan_agent},
    {"live_tables", "name TEXT, columns TEXT, key TEXT, description TEXT", NULL,
     "The tables this agent answers in live queries", scan_tables},
    {NULL, NULL, NULL, NULL, NULL},
};
