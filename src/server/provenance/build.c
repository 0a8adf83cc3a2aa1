/* build.c - provenance traversal over the store (build.h). Every step is one indexed lookup
 * (process_events by entity_id / parent_entity_id, file_events by entity_id / path,
 * network_events by entity_id / dst_ip), with prepared statements reused for the whole build,
 * and the graph's node budget bounds the work. */
#include "server/provenance/build.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "server/store/store_internal.h"

#define CROSS_HOST_WINDOW_NS (5ll * 1000000000ll)
#define ENTITY_LEN 64 /* room for an entity id as stored (16 hex digits from our agents) */
#define PROC_ID_LEN (ENTITY_LEN + 16) /* "process:" + an entity id */
#define ACTIVITY_LIMIT 20
#define ACCEPT_WINDOW_NS (60ll * 1000000000ll) /* a request spawns its handler within this */

enum stmt_id {
    S_PROC,          /* identity rows of an entity */
    S_CHILDREN,      /* entities whose parent is an entity */
    S_FILES,         /* file events of an entity */
    S_NET,           /* network events of an entity */
    S_WRITERS,       /* who wrote/renamed a path before a time */
    S_EXECS,         /* processes that executed a path after a time */
    S_ACCEPTS,       /* connections an entity accepted before a time */
    S_CRON_WRITES,   /* writes of cron files before a time on a host */
    S_PEER_ACCEPT,   /* the accept of a connect, on any host */
    S_PEER_CONNECT,  /* the connect behind an accept, on any host */
    S_EVENT,         /* an event's entity and time by table and key (built per table) */
    S_ALERTS,        /* alerts on an entity */
    S_CREDS,         /* credential changes of an entity */
    S_LOGIN,         /* the login an sshd process logged */
    S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
    [S_PROC] = "SELECT agent_id, hostname, time, action, pid, ppid, exe, cmdline, uid, euid,"
               " parent_entity_id, start_time FROM process_events WHERE entity_id=?1"
               " AND action IN ('fork','exec','existing') ORDER BY time",
    [S_CHILDREN] = "SELECT entity_id, min(time), coalesce(max(CASE WHEN action IN ('exec',"
                   "'existing') THEN exe END), max(exe)) FROM process_events"
                   " WHERE parent_entity_id=?1 AND action IN ('fork','exec','existing')"
                   " AND entity_id IS NOT NULL AND entity_id != ?1 GROUP BY entity_id"
                   " ORDER BY 2 LIMIT 5000",
    [S_FILES] = "SELECT action, path, target_path, time, file_mode FROM file_events"
                " WHERE entity_id=?1 ORDER BY time LIMIT " "20",
    [S_NET] = "SELECT action, protocol, src_ip, src_port, dst_ip, dst_port, time FROM"
              " network_events WHERE entity_id=?1 AND action IN ('connect','accept')"
              " ORDER BY time LIMIT " "20",
    [S_WRITERS] = "SELECT entity_id, action, time FROM file_events WHERE agent_id=?1 AND"
                  " ((path=?2 AND action IN ('open_write','chmod','chown','utimes','link',"
                  "'symlink')) OR (target_path=?2 AND action IN ('rename','link','symlink')))"
                  " AND time<=?3 AND entity_id IS NOT NULL ORDER BY time DESC LIMIT 5",
    [S_EXECS] = "SELECT entity_id, min(time) FROM process_events WHERE agent_id=?1 AND exe=?2"
                " AND action='exec' AND time>=?3 GROUP BY entity_id ORDER BY 2 LIMIT 10",
    /* an accept's src is the client, its dst our listening address */
    [S_ACCEPTS] = "SELECT src_ip, src_port, dst_ip, dst_port, time FROM network_events"
                  " WHERE entity_id=?1 AND action='accept' AND time<=?2 AND time>=?2-?3"
                  " ORDER BY time DESC LIMIT 3",
    [S_CRON_WRITES] = "SELECT entity_id, path, time FROM file_events WHERE agent_id=?1 AND"
                      " (path GLOB '/etc/cron*' OR path GLOB '/var/spool/cron/*' OR"
                      " target_path GLOB '/etc/cron*' OR target_path GLOB '/var/spool/cron/*')"
                      " AND time<=?2 AND entity_id IS NOT NULL ORDER BY time DESC LIMIT 5",
    /* the accept of a connect: same server address (indexed dst_ip), same client port */
    [S_PEER_ACCEPT] = "SELECT agent_id, entity_id, time FROM network_events WHERE"
                      " action='accept' AND dst_ip=?5 AND dst_port=?6 AND src_port=?2 AND"
                      " (src_ip=?1 OR ?1 IN ('127.0.0.1','::1')) AND time BETWEEN ?3 AND ?4"
                      " AND entity_id IS NOT NULL LIMIT 3",
    /* the connect behind an accept, found through the accepting side's own address (indexed
     * dst_ip) and checked on the client's port */
    [S_PEER_CONNECT] = "SELECT agent_id, entity_id, time FROM network_events WHERE"
                       " action='connect' AND dst_ip=?5 AND dst_port=?6 AND src_port=?2 AND"
                       " (src_ip=?1 OR ?1 IN ('127.0.0.1','::1')) AND time BETWEEN ?3 AND ?4"
                       " AND entity_id IS NOT NULL LIMIT 3",
    [S_ALERTS] = "SELECT rule_id, rule_title, severity, technique, path, dst_ip, src_ip, time,"
                 " event_key, event_table FROM alerts WHERE entity_id=?1 AND action='alert'"
                 " ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1"
                 " WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, time LIMIT 10",
    [S_CREDS] = "SELECT time, old_uid, new_uid, old_euid, new_euid, user FROM process_events"
                " WHERE entity_id=?1 AND action='setuid' AND coalesce(result_code, 0)=0"
                " ORDER BY time LIMIT 5",
    /* sshd logs "Accepted ..." under the pid of the process it forked for the connection */
    [S_LOGIN] = "SELECT user, src_ip, src_port, auth_method, time FROM login_events"
                " WHERE agent_id=?1 AND pid=?2 AND action='login' AND time BETWEEN ?3 AND ?4"
                " ORDER BY time LIMIT 1",
};

struct builder {
    sqlite3 *db;
    sqlite3_stmt *s[S_COUNT];
    struct prov_graph *g;
    const struct prov_request *req;
    int jumps;
};

static sqlite3_stmt *stmt(struct builder *b, enum stmt_id id)
{
    sqlite3_reset(b->s[id]);
    sqlite3_clear_bindings(b->s[id]);
    return b->s[id];
}

/* The graph id of an entity's process node. */
static void proc_node_id(char id[PROC_ID_LEN], const char *entity)
{
    snprintf(id, PROC_ID_LEN, "process:%.*s", ENTITY_LEN - 1, entity);
}

static const char *col_text(sqlite3_stmt *s, int i)
{
    const char *t = (const char *)sqlite3_column_text(s, i);
    return t ? t : "";
}

/* ---------------------------------------------------------------- nodes */

struct proc_info {
    long node;
    char agent_id[64];
    char parent[ENTITY_LEN];
    char exe[1024];
    int64_t start;           /* when it appeared (fork, exec or first sight), ns */
};

/* Add (or find) the node of an entity; fills info. -1 when the entity is unknown or the graph
 * is full. */
static long add_process(struct builder *b, const char *entity, struct proc_info *info)
{
    char id[PROC_ID_LEN];
    proc_node_id(id, entity);
    memset(info, 0, sizeof(*info));
    sqlite3_stmt *s = stmt(b, S_PROC);
    sqlite3_bind_text(s, 1, entity, -1, SQLITE_STATIC);
    json_t *execs = json_array();
    json_t *attrs = json_object();
    char label[320] = "";
    int rows = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *action = col_text(s, 3);
        int64_t t = sqlite3_column_int64(s, 2);
        if (rows++ == 0) {
            info->start = sqlite3_column_type(s, 11) == SQLITE_INTEGER && !strcmp(action, "existing")
                              ? sqlite3_column_int64(s, 11)
                              : t;
            str_copy(info->agent_id, col_text(s, 0), sizeof(info->agent_id));
            json_object_set_new(attrs, "entity_id", json_string(entity));
            json_object_set_new(attrs, "agent_id", json_string(col_text(s, 0)));
            json_object_set_new(attrs, "hostname", json_string(col_text(s, 1)));
            json_object_set_new(attrs, "pid", json_integer(sqlite3_column_int64(s, 4)));
            json_object_set_new(attrs, "start", json_integer(info->start));
        }
        if (sqlite3_column_type(s, 10) == SQLITE_TEXT)
            str_copy(info->parent, col_text(s, 10), sizeof(info->parent));
        if (strcmp(action, "fork") != 0 || !info->exe[0]) {
            str_copy(info->exe, col_text(s, 6), sizeof(info->exe));
            json_object_set_new(attrs, "exe", json_string(col_text(s, 6)));
            json_object_set_new(attrs, "cmdline", json_string(col_text(s, 7)));
            json_object_set_new(attrs, "uid", json_integer(sqlite3_column_int64(s, 8)));
            json_object_set_new(attrs, "euid", json_integer(sqlite3_column_int64(s, 9)));
            const char *cmd = col_text(s, 7);
            snprintf(label, sizeof(label), "%.200s [%lld@%.60s]", *cmd ? cmd : col_text(s, 6),
                     (long long)sqlite3_column_int64(s, 4), col_text(s, 1));
        }
        if (!strcmp(action, "exec"))
            json_array_append_new(execs, json_pack("{s:I,s:s,s:s}", "time", (json_int_t)t, "exe",
                                                   col_text(s, 6), "cmdline", col_text(s, 7)));
    }
    if (rows == 0) {
        json_decref(execs);
        json_decref(attrs);
        return -1;
    }
    json_object_set_new(attrs, "execs", execs);
    json_int_t euid = json_integer_value(json_object_get(attrs, "euid"));
    json_int_t uid = json_integer_value(json_object_get(attrs, "uid"));
    if (euid == 0 && uid != 0)
        json_object_set_new(attrs, "privileged", json_string("euid 0 from a non-root uid"));
    long n = prov_node_get(b->g, id, PROV_PROCESS, label, attrs);
    if (n >= 0 && !b->g->nodes[n].time)
        b->g->nodes[n].time = info->start;
    info->node = n;
    return n;
}

/* The graph id of a file: "file:<agent>:<path>", or a SHA-256 of both when that is too long (so
 * two long paths never share a node). */
static void file_node_id(char id[320], const char *agent_id, const char *path)
{
    size_t need = 6 + strlen(agent_id) + 1 + strlen(path);
    if (need < 320) {
        snprintf(id, 320, "file:%.63s:%.250s", agent_id, path);
        return;
    }
    char key[2048], hex[65];
    int n = snprintf(key, sizeof(key), "%s:%s", agent_id, path);
    sha256_hex(key, n > 0 && (size_t)n < sizeof(key) ? (size_t)n : sizeof(key) - 1, hex);
    snprintf(id, 320, "file:%s", hex);
}

static long add_file(struct builder *b, const char *agent_id, const char *path, int64_t t)
{
    char id[320];
    file_node_id(id, agent_id, path);
    long n = prov_node_get(b->g, id, PROV_FILE, path,
                           json_pack("{s:s,s:s}", "path", path, "agent_id", agent_id));
    if (n >= 0 && (!b->g->nodes[n].time || (t && t < b->g->nodes[n].time)))
        b->g->nodes[n].time = t;
    if (n >= 0 && (str_starts_with(path, "/etc/cron") || str_starts_with(path, "/var/spool/cron") ||
                   str_starts_with(path, "/etc/systemd/") || strstr(path, "/.ssh/authorized_keys") ||
                   !strcmp(path, "/etc/ld.so.preload") || !strcmp(path, "/etc/rc.local")))
        json_object_set_new(b->g->nodes[n].attrs, "persistence", json_true());
    return n;
}

static long add_address(struct builder *b, const char *ip, int64_t port, int64_t t)
{
    char id[128], label[128];
    snprintf(id, sizeof(id), "address:%s:%lld", ip, (long long)port);
    snprintf(label, sizeof(label), strchr(ip, ':') ? "[%s]:%lld" : "%s:%lld", ip,
             (long long)port);
    long n = prov_node_get(b->g, id, PROV_ADDRESS, label,
                           json_pack("{s:s,s:I}", "ip", ip, "port", (json_int_t)port));
    if (n >= 0 && !b->g->nodes[n].time)
        b->g->nodes[n].time = t;
    return n;
}

/* A user of a host: "user:<agent>:<uid>" (or :<name> when only the name is known). */
static long add_user(struct builder *b, const char *agent_id, int64_t uid, const char *name,
                     int64_t t)
{
    char id[160], label[160];
    if (uid >= 0)
        snprintf(id, sizeof(id), "user:%.63s:%lld", agent_id, (long long)uid);
    else
        snprintf(id, sizeof(id), "user:%.63s:%.64s", agent_id, name ? name : "?");
    if (name && *name)
        snprintf(label, sizeof(label), "%.64s%s", name, uid >= 0 ? "" : "");
    else
        snprintf(label, sizeof(label), uid == 0 ? "root" : "uid %lld", (long long)uid);
    json_t *attrs = json_pack("{s:s}", "agent_id", agent_id);
    if (uid >= 0)
        json_object_set_new(attrs, "uid", json_integer(uid));
    if (name && *name)
        json_object_set_new(attrs, "user", json_string(name));
    long n = prov_node_get(b->g, id, PROV_USER, label, attrs);
    if (n >= 0 && (!b->g->nodes[n].time || (t && t < b->g->nodes[n].time)))
        b->g->nodes[n].time = t;
    return n;
}

/* Credential changes of a process (setuid family; an exec of a set-user-id file, seen as euid
 * differing from uid) as edges to the user it became. */
static void credentials(struct builder *b, struct proc_info *pi, const char *entity)
{
    json_t *attrs = b->g->nodes[pi->node].attrs;
    json_int_t uid = json_integer_value(json_object_get(attrs, "uid"));
    json_int_t euid = json_integer_value(json_object_get(attrs, "euid"));
    if (json_object_get(attrs, "euid") && euid != uid) {
        long u = add_user(b, pi->agent_id, euid, NULL, pi->start);
        if (u >= 0) {
            char detail[96];
            snprintf(detail, sizeof(detail), "set-user-id exec: uid %lld, euid %lld",
                     (long long)uid, (long long)euid);
            prov_edge_add(b->g, (size_t)pi->node, (size_t)u, "credential change", pi->start,
                          detail);
        }
    }
    sqlite3_stmt *s = stmt(b, S_CREDS);
    sqlite3_bind_text(s, 1, entity, -1, SQLITE_STATIC);
    while (sqlite3_step(s) == SQLITE_ROW) {
        int64_t t = sqlite3_column_int64(s, 0);
        int64_t old_uid = sqlite3_column_int64(s, 1), new_uid = sqlite3_column_int64(s, 2);
        int64_t old_euid = sqlite3_column_int64(s, 3), new_euid = sqlite3_column_int64(s, 4);
        if (old_uid == new_uid && old_euid == new_euid)
            continue;
        long u = add_user(b, pi->agent_id, new_euid, NULL, t);
        if (u < 0)
            break;
        char detail[128];
        snprintf(detail, sizeof(detail), "uid %lld -> %lld, euid %lld -> %lld",
                 (long long)old_uid, (long long)new_uid, (long long)old_euid, (long long)new_euid);
        prov_edge_add(b->g, (size_t)pi->node, (size_t)u, "credential change", t, detail);
    }
}

/* ---------------------------------------------------------------- activity */

static void forward(struct builder *b, const char *entity, struct proc_info *pi, int depth,
                    int64_t from, int64_t until);
static void backward(struct builder *b, const char *entity, struct proc_info *pi, int depth);

/* A connect from this process: the address, and the process that accepted it (on any host,
 * lateral movement included), followed forward when follow is set. */
static void connected(struct builder *b, long node, const char *src_ip, int64_t src_port,
                      const char *dst_ip, int64_t dst_port, int64_t t, bool follow, int depth)
{
    long a = add_address(b, dst_ip, dst_port, t);
    if (a < 0)
        return;
    prov_edge_add(b->g, (size_t)node, (size_t)a, "connected", t, NULL);
    if (!follow || b->jumps <= 0 || !*src_ip || src_port <= 0)
        return;
    sqlite3_stmt *s = stmt(b, S_PEER_ACCEPT);
    sqlite3_bind_text(s, 1, src_ip, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, src_port);
    sqlite3_bind_int64(s, 3, t - CROSS_HOST_WINDOW_NS);
    sqlite3_bind_int64(s, 4, t + CROSS_HOST_WINDOW_NS);
    sqlite3_bind_text(s, 5, dst_ip, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 6, dst_port);
    char peers[3][ENTITY_LEN];
    int64_t when[3];
    int n = 0;
    while (n < 3 && sqlite3_step(s) == SQLITE_ROW) {
        str_copy(peers[n], col_text(s, 1), sizeof(peers[n]));
        when[n++] = sqlite3_column_int64(s, 2);
    }
    for (int i = 0; i < n; i++) {
        struct proc_info peer;
        char id[PROC_ID_LEN];
        proc_node_id(id, peers[i]);
        bool known = prov_node_find(b->g, id) >= 0;
        long p = add_process(b, peers[i], &peer);
        if (p < 0)
            continue;
        char detail[160];
        snprintf(detail, sizeof(detail), "from %.64s:%lld", src_ip, (long long)src_port);
        prov_edge_add(b->g, (size_t)node, (size_t)p, "connected", when[i], detail);
        if (!known) {
            /* a service: follow only what it spawned for this connection */
            b->jumps--;
            forward(b, peers[i], &peer, depth - 1, when[i], when[i] + ACCEPT_WINDOW_NS);
            b->jumps++;
        }
    }
}

/* Files and connections of a process (bounded); follow: continue into what they lead to. */
static void activity(struct builder *b, const char *entity, struct proc_info *pi, bool follow,
                     int depth)
{
    credentials(b, pi, entity);
    struct {
        char action[24], path[1024], target[1024];
        int64_t t, mode;
    } files[ACTIVITY_LIMIT];
    int nf = 0;
    sqlite3_stmt *s = stmt(b, S_FILES);
    sqlite3_bind_text(s, 1, entity, -1, SQLITE_STATIC);
    while (nf < ACTIVITY_LIMIT && sqlite3_step(s) == SQLITE_ROW) {
        str_copy(files[nf].action, col_text(s, 0), sizeof(files[nf].action));
        str_copy(files[nf].path, col_text(s, 1), sizeof(files[nf].path));
        str_copy(files[nf].target, col_text(s, 2), sizeof(files[nf].target));
        files[nf].t = sqlite3_column_int64(s, 3);
        files[nf].mode = sqlite3_column_int64(s, 4);
        nf++;
    }
    for (int i = 0; i < nf; i++) {
        const char *verb = !strcmp(files[i].action, "open_write") ? "wrote"
                           : !strcmp(files[i].action, "unlink")   ? "deleted"
                           : !strcmp(files[i].action, "rename")   ? "renamed"
                                                                  : files[i].action;
        char detail[64] = "";
        if (!strcmp(files[i].action, "chmod"))
            snprintf(detail, sizeof(detail), "mode %04llo", (unsigned long long)files[i].mode);
        long f = add_file(b, pi->agent_id, files[i].path, files[i].t);
        if (f < 0)
            break;
        prov_edge_add(b->g, (size_t)pi->node, (size_t)f, verb, files[i].t, detail);
        const char *result = files[i].path;
        if (!strcmp(files[i].action, "rename") && files[i].target[0]) {
            long t2 = add_file(b, pi->agent_id, files[i].target, files[i].t);
            if (t2 >= 0) {
                prov_edge_add(b->g, (size_t)f, (size_t)t2, "renamed to", files[i].t, NULL);
                result = files[i].target;
            }
        }
        /* whoever executed what this process wrote (download and execute) */
        if (follow && b->jumps > 0 && (!strcmp(verb, "wrote") || !strcmp(verb, "renamed"))) {
            sqlite3_stmt *x = stmt(b, S_EXECS);
            sqlite3_bind_text(x, 1, pi->agent_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(x, 2, result, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(x, 3, files[i].t);
            char runners[10][ENTITY_LEN];
            int64_t when[10];
            int nr = 0;
            while (nr < 10 && sqlite3_step(x) == SQLITE_ROW) {
                str_copy(runners[nr], col_text(x, 0), sizeof(runners[nr]));
                when[nr++] = sqlite3_column_int64(x, 1);
            }
            char fid[320];
            file_node_id(fid, pi->agent_id, result);
            long file_node = prov_node_find(b->g, fid);
            for (int k = 0; k < nr && file_node >= 0; k++) {
                char id[PROC_ID_LEN];
                proc_node_id(id, runners[k]);
                bool known = prov_node_find(b->g, id) >= 0;
                struct proc_info run;
                long r = add_process(b, runners[k], &run);
                if (r < 0)
                    continue;
                prov_edge_add(b->g, (size_t)file_node, (size_t)r, "executed", when[k], NULL);
                if (!known) {
                    b->jumps--;
                    forward(b, runners[k], &run, depth - 1, INT64_MIN, INT64_MAX);
                    b->jumps++;
                }
            }
        }
    }
    struct {
        char action[16], src[64], dst[64];
        int64_t sport, dport, t;
    } net[ACTIVITY_LIMIT];
    int nn = 0;
    s = stmt(b, S_NET);
    sqlite3_bind_text(s, 1, entity, -1, SQLITE_STATIC);
    while (nn < ACTIVITY_LIMIT && sqlite3_step(s) == SQLITE_ROW) {
        str_copy(net[nn].action, col_text(s, 0), sizeof(net[nn].action));
        str_copy(net[nn].src, col_text(s, 2), sizeof(net[nn].src));
        net[nn].sport = sqlite3_column_int64(s, 3);
        str_copy(net[nn].dst, col_text(s, 4), sizeof(net[nn].dst));
        net[nn].dport = sqlite3_column_int64(s, 5);
        net[nn].t = sqlite3_column_int64(s, 6);
        nn++;
    }
    for (int i = 0; i < nn; i++) {
        bool is_connect = !strcmp(net[i].action, "connect");
        if (!(is_connect ? net[i].dst : net[i].src)[0])
            continue;
        if (is_connect) {
            connected(b, pi->node, net[i].src, net[i].sport, net[i].dst, net[i].dport, net[i].t,
                      follow, depth);
        } else {
            long a = add_address(b, net[i].src, net[i].sport, net[i].t); /* the client */
            if (a >= 0)
                prov_edge_add(b->g, (size_t)pi->node, (size_t)a, "accepted", net[i].t, NULL);
        }
    }
}

/* ---------------------------------------------------------------- backward */

/* Who wrote this process's executable before it ran: file node + writer, followed backward. */
static void exe_origin(struct builder *b, struct proc_info *pi, int depth)
{
    if (!pi->exe[0] || b->jumps <= 0)
        return;
    sqlite3_stmt *s = stmt(b, S_WRITERS);
    sqlite3_bind_text(s, 1, pi->agent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, pi->exe, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, pi->start);
    char writers[5][ENTITY_LEN];
    int64_t when[5];
    int n = 0;
    while (n < 5 && sqlite3_step(s) == SQLITE_ROW) {
        str_copy(writers[n], col_text(s, 0), sizeof(writers[n]));
        when[n++] = sqlite3_column_int64(s, 2);
    }
    if (!n)
        return;
    long f = add_file(b, pi->agent_id, pi->exe, when[n - 1]);
    if (f < 0)
        return;
    prov_edge_add(b->g, (size_t)f, (size_t)pi->node, "executed", pi->start, NULL);
    for (int i = 0; i < n; i++) {
        char id[PROC_ID_LEN];
        proc_node_id(id, writers[i]);
        bool known = prov_node_find(b->g, id) >= 0;
        struct proc_info w;
        if (add_process(b, writers[i], &w) < 0)
            continue;
        if (!known) {
            b->jumps--;
            backward(b, writers[i], &w, depth - 1);
            b->jumps++;
        } else {
            activity(b, writers[i], &w, false, 0);
        }
    }
}

/* The login an sshd process logged (user, from where, how): the client's address logged in as
 * the user, whose session the process is. */
static void login_of(struct builder *b, struct proc_info *pi)
{
    json_t *attrs = b->g->nodes[pi->node].attrs;
    sqlite3_stmt *s = stmt(b, S_LOGIN);
    sqlite3_bind_text(s, 1, pi->agent_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, json_integer_value(json_object_get(attrs, "pid")));
    sqlite3_bind_int64(s, 3, pi->start);
    sqlite3_bind_int64(s, 4, pi->start + ACCEPT_WINDOW_NS);
    if (sqlite3_step(s) != SQLITE_ROW)
        return;
    char user[128], ip[64], method[32];
    str_copy(user, col_text(s, 0), sizeof(user));
    str_copy(ip, col_text(s, 1), sizeof(ip));
    int64_t port = sqlite3_column_int64(s, 2);
    str_copy(method, col_text(s, 3), sizeof(method));
    int64_t t = sqlite3_column_int64(s, 4);
    long u = add_user(b, pi->agent_id, -1, user, t);
    if (u < 0)
        return;
    prov_edge_add(b->g, (size_t)u, (size_t)pi->node, "session", t, NULL);
    if (!ip[0])
        return;
    long a = add_address(b, ip, port, t);
    if (a < 0)
        return;
    char detail[192];
    snprintf(detail, sizeof(detail), "as %.64s%s%.32s", user, method[0] ? " by " : "", method);
    prov_edge_add(b->g, (size_t)a, (size_t)u, "logged in", t, detail);
    b->g->nodes[a].entry = true;
}

/* Whether a process is where the chain came in: a service that accepted connections before
 * time t (its clients become nodes, and the connecting process on another host is followed),
 * sshd, or cron (the cron files written before t and their writers are followed). */
static bool entry_point(struct builder *b, struct proc_info *pi, int64_t t, int depth)
{
    const char *base = strrchr(pi->exe, '/');
    base = base ? base + 1 : pi->exe;
    bool is_cron = !strcmp(base, "cron") || !strcmp(base, "crond");
    bool entry = false;
    if (!strcmp(base, "sshd"))
        login_of(b, pi);
    sqlite3_stmt *s = stmt(b, S_ACCEPTS);
    sqlite3_bind_text(s, 1, json_string_value(json_object_get(b->g->nodes[pi->node].attrs,
                                                              "entity_id")), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, t);
    sqlite3_bind_int64(s, 3, ACCEPT_WINDOW_NS);
    struct {
        char ip[64], local[64];
        int64_t port, lport, t;
    } acc[3];
    int na = 0;
    while (na < 3 && sqlite3_step(s) == SQLITE_ROW) {
        str_copy(acc[na].ip, col_text(s, 0), sizeof(acc[na].ip));
        acc[na].port = sqlite3_column_int64(s, 1);
        str_copy(acc[na].local, col_text(s, 2), sizeof(acc[na].local));
        acc[na].lport = sqlite3_column_int64(s, 3);
        acc[na].t = sqlite3_column_int64(s, 4);
        na++;
    }
    for (int i = 0; i < na; i++) {
        entry = true;
        long a = add_address(b, acc[i].ip, acc[i].port, acc[i].t);
        if (a < 0)
            break;
        b->g->nodes[a].entry = true;
        json_object_set_new(b->g->nodes[a].attrs, "client_of",
                            json_string(b->g->nodes[pi->node].label));
        prov_edge_add(b->g, (size_t)pi->node, (size_t)a, "accepted", acc[i].t, NULL);
        /* the process behind that client, on this or another host */
        if (b->jumps <= 0)
            continue;
        sqlite3_stmt *c = stmt(b, S_PEER_CONNECT);
        sqlite3_bind_text(c, 1, acc[i].ip, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(c, 2, acc[i].port);
        sqlite3_bind_int64(c, 3, acc[i].t - CROSS_HOST_WINDOW_NS);
        sqlite3_bind_int64(c, 4, acc[i].t + CROSS_HOST_WINDOW_NS);
        sqlite3_bind_text(c, 5, acc[i].local, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(c, 6, acc[i].lport);
        char peer[ENTITY_LEN] = "";
        if (sqlite3_step(c) == SQLITE_ROW)
            str_copy(peer, col_text(c, 1), sizeof(peer));
        if (peer[0]) {
            char id[PROC_ID_LEN];
            proc_node_id(id, peer);
            bool known = prov_node_find(b->g, id) >= 0;
            struct proc_info pp;
            if (add_process(b, peer, &pp) >= 0) {
                char detail[160];
                snprintf(detail, sizeof(detail), "from %.64s:%lld", acc[i].ip,
                         (long long)acc[i].port);
                prov_edge_add(b->g, (size_t)pp.node, (size_t)pi->node, "connected", acc[i].t,
                              detail);
                if (!known) {
                    b->jumps--;
                    backward(b, peer, &pp, depth - 1);
                    b->jumps++;
                }
            }
        }
    }
    if (is_cron) {
        entry = true;
        s = stmt(b, S_CRON_WRITES);
        sqlite3_bind_text(s, 1, pi->agent_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, t);
        char writers[5][ENTITY_LEN], paths[5][1024];
        int64_t when[5];
        int n = 0;
        while (n < 5 && sqlite3_step(s) == SQLITE_ROW) {
            str_copy(writers[n], col_text(s, 0), sizeof(writers[n]));
            str_copy(paths[n], col_text(s, 1), sizeof(paths[n]));
            when[n++] = sqlite3_column_int64(s, 2);
        }
        for (int i = 0; i < n && b->jumps > 0; i++) {
            long f = add_file(b, pi->agent_id, paths[i], when[i]);
            if (f < 0)
                break;
            prov_edge_add(b->g, (size_t)f, (size_t)pi->node, "scheduled by", when[i], NULL);
            char id[PROC_ID_LEN];
            proc_node_id(id, writers[i]);
            bool known = prov_node_find(b->g, id) >= 0;
            struct proc_info w;
            if (add_process(b, writers[i], &w) >= 0 && !known) {
                b->jumps--;
                backward(b, writers[i], &w, depth - 1);
                b->jumps++;
            }
        }
    }
    if (entry)
        b->g->nodes[pi->node].entry = true;
    return entry;
}

/* A daemon where commands come from without a visible connection (a login we only saw as a
 * process, a cron job whose file was not watched). */
static bool is_entry_daemon(const char *exe)
{
    const char *base = strrchr(exe, '/');
    base = base ? base + 1 : exe;
    return !strcmp(base, "sshd") || !strcmp(base, "cron") || !strcmp(base, "crond") ||
           !strcmp(base, "atd") || !strcmp(base, "in.telnetd") || !strcmp(base, "login");
}

static void backward(struct builder *b, const char *entity, struct proc_info *pi, int depth)
{
    long daemon = is_entry_daemon(pi->exe) ? pi->node : -1;
    bool found_entry = false;
    struct proc_info cur = *pi;
    char cur_entity[ENTITY_LEN];
    str_copy(cur_entity, entity, sizeof(cur_entity));
    activity(b, cur_entity, &cur, false, 0);
    exe_origin(b, &cur, depth);
    for (int d = 0; d < b->req->ancestry_depth && cur.parent[0]; d++) {
        if (!strcmp(cur.parent, cur_entity))
            break;
        char id[PROC_ID_LEN];
        proc_node_id(id, cur.parent);
        bool known = prov_node_find(b->g, id) >= 0;
        struct proc_info parent;
        char parent_entity[ENTITY_LEN];
        str_copy(parent_entity, cur.parent, sizeof(parent_entity));
        if (add_process(b, parent_entity, &parent) < 0)
            break;
        if (!known)
            b->g->nodes[parent.node].depth = -(d + 1);
        prov_edge_add(b->g, (size_t)parent.node, (size_t)cur.node, "spawned", cur.start, NULL);
        if (is_entry_daemon(parent.exe))
            daemon = parent.node;
        /* even a parent already in the graph shows the request that spawned this child */
        if (entry_point(b, &parent, cur.start, depth)) {
            found_entry = true;
            break;
        }
        if (known)
            break;
        activity(b, parent_entity, &parent, false, 0);
        exe_origin(b, &parent, depth);
        cur = parent;
        str_copy(cur_entity, parent_entity, sizeof(cur_entity));
    }
    /* no service with a visible client: the topmost login/scheduler daemon is where it began */
    if (!found_entry && daemon >= 0)
        b->g->nodes[daemon].entry = true;
}

/* ---------------------------------------------------------------- forward */

/* One child of a process, as S_CHILDREN lists it. */
struct child {
    char entity[ENTITY_LEN];
    char exe[256];
    int64_t time;
};

/* Children of a process; past prune_limit children with the same executable, the rest are
 * folded into one summary node (a busy cron or web server would otherwise drown the story). */
static void forward(struct builder *b, const char *entity, struct proc_info *pi, int depth,
                    int64_t from, int64_t until)
{
    activity(b, entity, pi, true, depth);
    if (depth <= 0)
        return;
    sqlite3_stmt *s = stmt(b, S_CHILDREN);
    sqlite3_bind_text(s, 1, entity, -1, SQLITE_STATIC);
    size_t cap = 5000, n = 0;
    struct child *kids = malloc(cap * sizeof(*kids));
    if (!kids)
        return;
    while (n < cap && sqlite3_step(s) == SQLITE_ROW) {
        int64_t t = sqlite3_column_int64(s, 1);
        if (t < from || t > until)
            continue; /* another request's work, not this one's */
        str_copy(kids[n].entity, col_text(s, 0), sizeof(kids[n].entity));
        kids[n].time = t;
        str_copy(kids[n].exe, col_text(s, 2), sizeof(kids[n].exe));
        n++;
    }
    for (size_t i = 0; i < n; i++) {
        if (!kids[i].entity[0])
            continue;
        /* how many siblings share this executable */
        size_t same = 0, seen_before = 0;
        for (size_t k = 0; k < n; k++)
            if (kids[k].entity[0] && !strcmp(kids[k].exe, kids[i].exe)) {
                same++;
                seen_before += k < i;
            }
        if (same > b->req->prune_limit && seen_before >= b->req->prune_limit) {
            /* fold this one and every later sibling of the same executable */
            char id[320], label[320];
            snprintf(id, sizeof(id), "summary:%s:%.200s", entity, kids[i].exe);
            snprintf(label, sizeof(label), "%zu more x %.200s", same - seen_before, kids[i].exe);
            long sn = prov_node_get(b->g, id, PROV_SUMMARY, label,
                                    json_pack("{s:s,s:I}", "exe", kids[i].exe, "count",
                                              (json_int_t)(same - seen_before)));
            if (sn >= 0)
                prov_edge_add(b->g, (size_t)pi->node, (size_t)sn, "spawned", kids[i].time, NULL);
            char exe[256];
            str_copy(exe, kids[i].exe, sizeof(exe));
            for (size_t k = i; k < n; k++)
                if (kids[k].entity[0] && !strcmp(kids[k].exe, exe)) {
                    kids[k].entity[0] = '\0';
                    b->g->summarized++;
                }
            continue;
        }
        char id[PROC_ID_LEN];
        proc_node_id(id, kids[i].entity);
        if (prov_node_find(b->g, id) >= 0)
            continue;
        struct proc_info child;
        if (add_process(b, kids[i].entity, &child) < 0) {
            if (b->g->truncated)
                break;
            continue;
        }
        b->g->nodes[child.node].depth = b->req->forward_depth - depth + 1;
        prov_edge_add(b->g, (size_t)pi->node, (size_t)child.node, "spawned", child.start, NULL);
        forward(b, kids[i].entity, &child, depth - 1, INT64_MIN, INT64_MAX);
    }
    free(kids);
}

/* ---------------------------------------------------------------- entry */

/* ---------------------------------------------------------------- alerts and hosts */

/* The step of a node an alert belongs to: the edge to the file or address it names, else the
 * edge into the process (how it started), else any of its edges, nearest the alert's time and
 * not yet another alert's step. -1 when none. */
static long alert_edge(struct builder *b, size_t node, const char *agent_id, const char *path,
                       const char *ip, int64_t t)
{
    struct prov_graph *g = b->g;
    long target = -1;
    if (*path) {
        char id[320];
        file_node_id(id, agent_id, path);
        target = prov_node_find(g, id);
    }
    long best = -1;
    int64_t best_d = INT64_MAX;
    for (int pass = 0; pass < 3 && best < 0; pass++) {
        for (size_t i = 0; i < g->nedges; i++) {
            const struct prov_edge *e = &g->edges[i];
            bool ok;
            if (pass == 0) {
                const char *to_ip = g->nodes[e->to].type == PROV_ADDRESS
                                        ? json_string_value(json_object_get(g->nodes[e->to].attrs,
                                                                            "ip"))
                                        : NULL;
                ok = e->from == node && ((target >= 0 && e->to == (size_t)target) ||
                                         (*ip && to_ip && !strcmp(to_ip, ip)));
            }
            else if (pass == 1)
                ok = e->to == node && target < 0 && !*ip;
            else
                ok = e->to == node || e->from == node;
            if (!ok || e->alert_rule[0])
                continue; /* another alert's step */
            int64_t d = e->time > t ? e->time - t : t - e->time;
            if (d < best_d) {
                best_d = d;
                best = (long)i;
            }
        }
    }
    return best;
}

/* Alerts on the graph's processes: on the node (attrs.alerts) and on the step they fired on
 * (its technique and rule, in the storyline). */
static void annotate_alerts(struct builder *b)
{
    struct prov_graph *g = b->g;
    size_t n = g->nnodes;
    for (size_t i = 0; i < n; i++) {
        if (g->nodes[i].type != PROV_PROCESS)
            continue;
        const char *entity = json_string_value(json_object_get(g->nodes[i].attrs, "entity_id"));
        const char *agent = json_string_value(json_object_get(g->nodes[i].attrs, "agent_id"));
        if (!entity || !agent)
            continue;
        sqlite3_stmt *s = stmt(b, S_ALERTS);
        sqlite3_bind_text(s, 1, entity, -1, SQLITE_TRANSIENT);
        json_t *list = NULL;
        while (sqlite3_step(s) == SQLITE_ROW) {
            const char *technique = col_text(s, 3);
            int64_t t = sqlite3_column_int64(s, 7);
            json_t *a = json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:s}", "rule_id", col_text(s, 0),
                                  "title", col_text(s, 1), "severity", col_text(s, 2),
                                  "technique", technique, "time", (json_int_t)t, "event_key",
                                  (json_int_t)sqlite3_column_int64(s, 8), "event_table",
                                  col_text(s, 9));
            if (!list)
                list = json_array();
            json_array_append_new(list, a);
            /* the most severe alerts choose their step first */
            long e = alert_edge(b, i, agent, col_text(s, 4), col_text(s, 5), t);
            if (e < 0)
                continue;
            struct prov_edge *edge = &g->edges[e];
            size_t tl = strcspn(technique, ",");
            snprintf(edge->technique, sizeof(edge->technique), "%.*s",
                     (int)(tl < sizeof(edge->technique) ? tl : sizeof(edge->technique) - 1),
                     technique);
            str_copy(edge->alert_rule, col_text(s, 0), sizeof(edge->alert_rule));
            str_copy(edge->alert_title, col_text(s, 1), sizeof(edge->alert_title));
            str_copy(edge->alert_severity, col_text(s, 2), sizeof(edge->alert_severity));
        }
        if (list)
            json_object_set_new(g->nodes[i].attrs, "alerts", list);
    }
}

/* A node per host of the story, and a "lateral movement" edge from host to host where a
 * process on one connected to a process on the other. */
static void hosts(struct builder *b)
{
    struct prov_graph *g = b->g;
    size_t n = g->nnodes, ne = g->nedges;
    long *host_of = malloc((n ? n : 1) * sizeof(*host_of));
    if (!host_of)
        return;
    for (size_t i = 0; i < n; i++) {
        host_of[i] = -1;
        if (g->nodes[i].type != PROV_PROCESS)
            continue;
        const char *agent = json_string_value(json_object_get(g->nodes[i].attrs, "agent_id"));
        const char *name = json_string_value(json_object_get(g->nodes[i].attrs, "hostname"));
        if (!agent)
            continue;
        char id[128];
        snprintf(id, sizeof(id), "host:%.100s", agent);
        host_of[i] = prov_node_get(g, id, PROV_HOST, name && *name ? name : agent,
                                   json_pack("{s:s,s:s}", "agent_id", agent, "hostname",
                                             name ? name : ""));
        if (host_of[i] >= 0 && (!g->nodes[host_of[i]].time ||
                                (g->nodes[i].time && g->nodes[i].time < g->nodes[host_of[i]].time)))
            g->nodes[host_of[i]].time = g->nodes[i].time;
    }
    for (size_t i = 0; i < ne; i++) {
        struct prov_edge e = g->edges[i];
        if (strcmp(e.type, "connected") || e.from >= n || e.to >= n || host_of[e.from] < 0 ||
            host_of[e.to] < 0 || host_of[e.from] == host_of[e.to])
            continue;
        prov_edge_add(g, (size_t)host_of[e.from], (size_t)host_of[e.to], "lateral movement",
                      e.time, e.detail);
    }
    free(host_of);
}

/* The entity of an event given by table and key. */
static int event_entity(struct builder *b, const char *table, int64_t key, char *entity,
                        struct vg_error *err)
{
    static const char *const tables[] = {"process_events", "network_events", "file_events",
                                         "kernel_events", "alerts", NULL};
    bool ok = false;
    for (size_t i = 0; tables[i] && !ok; i++)
        ok = !strcmp(tables[i], table);
    if (!ok)
        return vg_error_set(err, -EINVAL,
                            "events of table %s have no process to trace (use process_events, "
                            "network_events, file_events, kernel_events or alerts)", table);
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT entity_id FROM %s WHERE event_key=?", table);
    sqlite3_stmt *s = NULL;
    int rc = -ENOENT;
    if (sqlite3_prepare_v2(b->db, sql, -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, key);
        if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) == SQLITE_TEXT) {
            str_copy(entity, col_text(s, 0), ENTITY_LEN);
            rc = 0;
        }
    }
    sqlite3_finalize(s);
    if (rc)
        vg_error_set(err, rc, "no %s event with event_key %lld (or it names no process)", table,
                     (long long)key);
    return rc;
}

int prov_build(struct store *st, const struct prov_request *in, struct prov_graph *g,
               struct vg_error *err)
{
    struct prov_request req = *in;
    if (!req.ancestry_depth)
        req.ancestry_depth = 32;
    if (!req.forward_depth)
        req.forward_depth = 8;
    if (!req.max_jumps)
        req.max_jumps = 4;
    if (!req.max_nodes)
        req.max_nodes = 400;
    if (!req.prune_limit)
        req.prune_limit = 8;
    prov_graph_init(g, req.max_nodes);
    struct builder b = {.g = g, .req = &req, .jumps = req.max_jumps};
    int rc = 0;
    b.db = store_reader_get(st, err);
    if (!b.db)
        return -EIO;
    for (int i = 0; i < S_COUNT; i++) {
        if (!stmt_sql[i])
            continue;
        if (sqlite3_prepare_v3(b.db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &b.s[i], NULL) !=
            SQLITE_OK) {
            rc = vg_error_set(err, -EIO, "provenance query %d: %s", i, sqlite3_errmsg(b.db));
            goto out;
        }
    }
    char entity[ENTITY_LEN] = "";
    if (req.entity_id)
        str_copy(entity, req.entity_id, sizeof(entity));
    else if (req.table && (rc = event_entity(&b, req.table, req.event_key, entity, err)))
        goto out;
    if (!entity[0]) {
        rc = vg_error_set(err, -EINVAL, "give an entity id or an event (table and event_key)");
        goto out;
    }
    struct proc_info start;
    if (add_process(&b, entity, &start) < 0) {
        rc = vg_error_set(err, -ENOENT, "no process with entity id %s in the store", entity);
        goto out;
    }
    g->nodes[start.node].start = true;
    backward(&b, entity, &start, req.ancestry_depth);
    if (!req.backward_only) {
        forward(&b, entity, &start, req.forward_depth, INT64_MIN, INT64_MAX);
        annotate_alerts(&b);
        prov_graph_prune(g, req.prune_limit);
        hosts(&b);
    }
out:
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(b.s[i]);
    store_reader_put(st, b.db);
    return rc;
}

/* The node that spawned node n (its parent in the chain), or -1. */
static long parent_node(const struct prov_graph *g, size_t n)
{
    for (size_t i = 0; i < g->nedges; i++)
        if (g->edges[i].to == n && !strcmp(g->edges[i].type, "spawned") &&
            g->nodes[g->edges[i].from].type == PROV_PROCESS)
            return (long)g->edges[i].from;
    return -1;
}

int prov_entry(struct store *st, const char *entity, char *session_root, char *client_ip,
               struct vg_error *err)
{
    struct prov_request req = {.entity_id = entity, .backward_only = true, .max_jumps = 1,
                               .max_nodes = 200};
    struct prov_graph g;
    session_root[0] = client_ip[0] = '\0';
    int rc = prov_build(st, &req, &g, err);
    if (rc) {
        prov_graph_free(&g);
        return rc;
    }
    long cur = -1, below = -1;
    for (size_t i = 0; i < g.nnodes && cur < 0; i++)
        if (g.nodes[i].start)
            cur = (long)i;
    /* up the chain to the entry point (or the top), remembering the node below it */
    for (int steps = 0; cur >= 0 && steps < 64; steps++) {
        if (g.nodes[cur].entry)
            break;
        json_int_t pid = json_integer_value(json_object_get(g.nodes[cur].attrs, "pid"));
        long up = parent_node(&g, (size_t)cur);
        if (pid == 1 || up < 0) {
            if (pid == 1)
                cur = below; /* init is no session: the topmost below it is */
            break;
        }
        below = cur;
        cur = up;
    }
    long root = cur >= 0 && g.nodes[cur].entry && below >= 0 ? below : cur;
    if (root >= 0) {
        const char *e = json_string_value(json_object_get(g.nodes[root].attrs, "entity_id"));
        str_copy(session_root, e ? e : "", 64);
    }
    /* the client that came in at the entry point */
    for (size_t i = 0; i < g.nnodes; i++)
        if (g.nodes[i].entry && g.nodes[i].type == PROV_ADDRESS) {
            const char *ip = json_string_value(json_object_get(g.nodes[i].attrs, "ip"));
            str_copy(client_ip, ip ? ip : "", 64);
            break;
        }
    prov_graph_free(&g);
    return 0;
}
