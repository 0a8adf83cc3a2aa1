/* process_events.c - from what a sensor saw (struct pe_proc) to process_events rows: entity
 * ids, the parent's entity id and executable from the process table, argv as JSON and as a
 * line, the container id; and the table updates that go with each event. Whatever the sensor
 * (eBPF, proc connector, /proc at start), events are built here, so they look the same.
 *
 * Runs on the sensor's one thread. In eBPF mode nothing here reads /proc unless the table does
 * not know a parent (after lost events): the parent comes from the table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "agent/enrich/enrich.h"
#include "agent/host.h"
#include "agent/pipeline.h"
#include "agent/sensors/process/process_sensor.h"
#include "agent/sensors/process/process_text.h"
#include "agent/sensors/process/procfs.h"
#include "common/entity.h"
#include "common/event.h"
#include "common/util.h"

int psensor_init(struct psensor *s, const struct host_info *host, struct proctable *procs,
                 struct pipeline *pipeline, size_t args_max, int32_t self_pid)
{
    s->host = host;
    s->procs = procs;
    s->pipeline = pipeline;
    s->args_max = args_max;
    s->self_pid = self_pid;
    atomic_init(&s->events, 0);
    atomic_init(&s->submit_failed, 0);
    atomic_init(&s->lost, 0);
    s->pp = calloc(1, sizeof(*s->pp));
    return s->pp ? 0 : -ENOMEM;
}

void psensor_fini(struct psensor *s)
{
    buf_free(&s->text);
    buf_free(&s->json);
    buf_free(&s->line);
    if (s->pp) {
        procfs_proc_free(s->pp);
        free(s->pp);
        s->pp = NULL;
    }
}

/* Sanitized text into s->text (NUL-terminated); returns its data, or NULL when out of memory
 * (s->text is then empty). */
static const char *clean(struct psensor *s, const char *str, size_t len)
{
    buf_reset(&s->text);
    if (ptext_utf8(&s->text, str, len) || buf_terminate(&s->text)) {
        buf_reset(&s->text);
        return NULL;
    }
    return (const char *)s->text.data;
}

/* Add a text field, sanitized. 0, -ENOMEM, or what event_add_strn returns. */
static int add_text(struct psensor *s, struct event *ev, enum field_id f, const char *str,
                    size_t len)
{
    const char *t = clean(s, str, len);
    return t ? event_add_strn(ev, f, t, s->text.len) : -ENOMEM;
}

static int submit(struct psensor *s, struct event *ev, int rc)
{
    if (rc) {
        event_free(ev);
        atomic_fetch_add(&s->submit_failed, 1);
        return rc;
    }
    rc = pipeline_submit(s->pipeline, ev);
    if (rc)
        atomic_fetch_add(&s->submit_failed, 1);
    else
        atomic_fetch_add(&s->events, 1);
    return rc;
}

/* The parent of p from the table, into s->parent. false when unknown or when the table's
 * process with that pid is not the parent (its start differs from what the sensor saw). */
static bool lookup_parent(struct psensor *s, const struct pe_proc *p)
{
    if (p->ppid <= 0 || !proctable_get(s->procs, p->ppid, &s->parent))
        return false;
    if (p->have_parent_start && s->parent.start_ticks != p->parent_start_ticks)
        return false;
    return true;
}

/* The entity ids of p and its parent ("" when unknown). */
static void entity_ids(struct psensor *s, const struct pe_proc *p, bool have_parent,
                       char eid[ENTITY_ID_LEN + 1], char peid[ENTITY_ID_LEN + 1])
{
    eid[0] = peid[0] = '\0';
    if (p->have_start)
        entity_id_make(s->host->machine_id, s->host->boot_id, p->pid, p->start_ticks, eid);
    if (p->ppid > 0 && p->have_parent_start)
        entity_id_make(s->host->machine_id, s->host->boot_id, p->ppid, p->parent_start_ticks,
                       peid);
    else if (have_parent)
        memcpy(peid, s->parent.entity_id, ENTITY_ID_LEN + 1);
}

static int add_identity(struct event *ev, const struct pe_proc *p, const char *eid,
                        const char *peid)
{
    int rc = event_add_int(ev, FLD_PID, p->pid);
    if (!rc && p->ppid >= 0)
        rc = event_add_int(ev, FLD_PPID, p->ppid);
    if (!rc && eid[0])
        rc = event_add_str(ev, FLD_ENTITY_ID, eid);
    if (!rc && peid[0])
        rc = event_add_str(ev, FLD_PARENT_ENTITY_ID, peid);
    return rc;
}

static int add_creds(struct event *ev, const struct pe_proc *p)
{
    int rc = 0;
    if (p->have_creds) {
        rc = event_add_int(ev, FLD_UID, p->uid);
        if (!rc)
            rc = event_add_int(ev, FLD_EUID, p->euid);
        if (!rc)
            rc = event_add_int(ev, FLD_GID, p->gid);
        if (!rc)
            rc = event_add_int(ev, FLD_EGID, p->egid);
    }
    if (!rc && p->have_audit) {
        rc = event_add_int(ev, FLD_AUID, p->auid);
        if (!rc)
            rc = event_add_int(ev, FLD_SESSION_ID, p->session_id);
    }
    return rc;
}

/* The table's view of p (the snapshot the table is updated with) in s->snap. */
static void fill_snapshot(struct psensor *s, const struct pe_proc *p, const char *eid,
                          const char *peid, const char *cmdline, size_t cmdline_len)
{
    struct proc_snapshot *t = &s->snap;
    memset(t, 0, offsetof(struct proc_snapshot, exe));
    t->pid = p->pid;
    t->ppid = p->ppid;
    t->start_ticks = p->have_start ? p->start_ticks : 0;
    t->start_time_ns = p->have_start ? p->start_time_ns : 0;
    memcpy(t->entity_id, eid, ENTITY_ID_LEN + 1);
    memcpy(t->parent_entity_id, peid, ENTITY_ID_LEN + 1);
    if (p->have_creds) {
        t->uid = p->uid;
        t->euid = p->euid;
        t->gid = p->gid;
        t->egid = p->egid;
    }
    t->auid = p->have_audit ? p->auid : UINT32_MAX;
    t->session_id = p->have_audit ? p->session_id : UINT32_MAX;
    const char *c = clean(s, p->comm, strlen(p->comm));
    ptext_copy(t->comm, sizeof(t->comm), c ? c : "", s->text.len);
    c = p->exe ? clean(s, p->exe, p->exe_len) : NULL;
    ptext_copy(t->exe, sizeof(t->exe), c ? c : "", c ? s->text.len : 0);
    ptext_copy(t->cmdline, sizeof(t->cmdline), cmdline ? cmdline : "", cmdline ? cmdline_len : 0);
    t->exited = false;
}

/* What fd 0 or 1 was at exec: "tty", "pipe", "file", "socket", "null", "char", "dir", or
 * "none" (closed); the peer of an IPv4/IPv6 socket into peer ("" otherwise). */
static const char *stdio_type(const struct pe_stdio *io, char *peer, size_t peerlen)
{
    peer[0] = '\0';
    unsigned major = io->rdev >> 20, minor = io->rdev & 0xfffff;
    switch (io->mode & 0170000) {
    case 0:
        return "none";
    case 0010000:
        return "pipe";
    case 0100000:
        return "file";
    case 0040000:
        return "dir";
    case 0140000:
        if (io->family == AF_INET || io->family == AF_INET6) {
            char ip[INET6_ADDRSTRLEN] = "";
            inet_ntop(io->family, io->addr, ip, sizeof(ip));
            snprintf(peer, peerlen, io->family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip,
                     (unsigned)io->port);
        } else if (io->family == AF_UNIX) {
            snprintf(peer, peerlen, "unix");
        }
        return "socket";
    case 0020000:
        if (major == 1 && minor == 3)
            return "null";
        if (major == 4 || major == 5 || (major >= 136 && major <= 143))
            return "tty";
        return "char";
    default:
        return "other";
    }
}

/* What enrichment adds to exec and existing events: names, the parent's command line,
 * ancestry, container runtime, how the executable was run, the standard descriptors,
 * LD_PRELOAD. */
static int add_enrichment(struct psensor *s, struct event *ev, const struct pe_proc *p,
                          bool have_parent)
{
    int rc = 0;
    char name[64];
    if (s->enrich && p->have_creds) {
        if (enrich_user_name(s->enrich, p->uid, name, sizeof(name)))
            rc = event_add_str(ev, FLD_USER, name);
        if (!rc && enrich_user_name(s->enrich, p->euid, name, sizeof(name)))
            rc = event_add_str(ev, FLD_EUSER, name);
        if (!rc && enrich_group_name(s->enrich, p->gid, name, sizeof(name)))
            rc = event_add_str(ev, FLD_GROUP, name);
    }
    if (!rc && have_parent && s->parent.cmdline[0])
        rc = event_add_str(ev, FLD_PARENT_CMDLINE, s->parent.cmdline);
    if (!rc && s->enrich && p->ppid > 0 && enrich_ancestry(s->enrich, p->pid, &s->json) == 0)
        rc = event_add_strn(ev, FLD_ANCESTRY, (const char *)s->json.data, s->json.len);
    if (!rc && (p->cgroup || p->container_hint)) {
        const char *rt = enrich_container_runtime(p->cgroup && strcmp(p->cgroup, "/")
                                                      ? p->cgroup : p->container_hint);
        if (rt[0])
            rc = event_add_str(ev, FLD_CONTAINER_RUNTIME, rt);
    }
    if (!rc && p->exe) {
        bool memfd = p->exe_len >= 7 && memcmp(p->exe, "/memfd:", 7) == 0;
        bool deleted = p->exe_len >= 10 && memcmp(p->exe + p->exe_len - 10, " (deleted)", 10) == 0;
        rc = event_add_int(ev, FLD_EXE_MEMFD, memfd);
        rc = rc ? rc : event_add_int(ev, FLD_EXE_DELETED, deleted && !memfd);
    }
    if (!rc && p->have_stdio) {
        char peer[80];
        const char *t = stdio_type(&p->stdio[0], peer, sizeof(peer));
        rc = event_add_str(ev, FLD_STDIN_TYPE, t);
        if (!rc && peer[0])
            rc = event_add_str(ev, FLD_STDIN_PEER, peer);
        t = stdio_type(&p->stdio[1], peer, sizeof(peer));
        rc = rc ? rc : event_add_str(ev, FLD_STDOUT_TYPE, t);
        if (!rc && peer[0])
            rc = event_add_str(ev, FLD_STDOUT_PEER, peer);
    }
    if (!rc && p->ld_preload)
        rc = add_text(s, ev, FLD_LD_PRELOAD, p->ld_preload, strlen(p->ld_preload));
    return rc;
}

int psensor_exec(struct psensor *s, const struct pe_proc *p, const char *action,
                 const char *sensor)
{
    bool exec = strcmp(action, "exec") == 0;
    struct event *ev = event_new(TBL_PROCESS_EVENTS, action);
    if (!ev) {
        atomic_fetch_add(&s->submit_failed, 1);
        return -ENOMEM;
    }
    if (p->time_ns)
        ev->time_ns = p->time_ns;

    bool have_parent = lookup_parent(s, p);
    char eid[ENTITY_ID_LEN + 1], peid[ENTITY_ID_LEN + 1];
    entity_ids(s, p, have_parent, eid, peid);

    int rc = add_identity(ev, p, eid, peid);
    if (!rc && p->exe)
        rc = add_text(s, ev, FLD_EXE, p->exe, p->exe_len);
    if (!rc && p->ppid > 0) {
        if (have_parent && s->parent.exe[0]) {
            rc = event_add_str(ev, FLD_PARENT_EXE, s->parent.exe);
        } else {
            char link[64], target[PROC_EXE_MAX];
            snprintf(link, sizeof(link), "/proc/%d/exe", p->ppid);
            ssize_t n = readlink(link, target, sizeof(target) - 1);
            if (n > 0)
                rc = add_text(s, ev, FLD_PARENT_EXE, target, (size_t)n);
        }
    }
    if (!rc && p->comm[0])
        rc = add_text(s, ev, FLD_COMM, p->comm, strlen(p->comm));

    buf_reset(&s->line);
    if (!rc && p->args) {
        size_t count = 0;
        buf_reset(&s->json);
        rc = ptext_args_json(&s->json, p->args, p->args_len, &count);
        if (!rc)
            rc = ptext_args_line(&s->line, p->args, p->args_len);
        if (!rc)
            rc = event_add_strn(ev, FLD_ARGS, (const char *)s->json.data, s->json.len);
        if (!rc)
            rc = event_add_strn(ev, FLD_CMDLINE, s->line.len ? (const char *)s->line.data : "",
                                s->line.len);
        if (!rc)
            rc = event_add_int(ev, FLD_ARGS_TRUNCATED, p->args_truncated ? 1 : 0);
        if (!rc)
            rc = event_add_int(ev, FLD_ARGS_COUNT, (int64_t)count);
    }
    if (!rc && p->cwd)
        rc = add_text(s, ev, FLD_CWD, p->cwd, p->cwd_len);
    if (!rc && p->tty)
        rc = add_text(s, ev, FLD_TTY, p->tty, strlen(p->tty));
    if (!rc)
        rc = add_creds(ev, p);
    if (!rc && p->have_start)
        rc = event_add_int(ev, FLD_START_TIME, (int64_t)p->start_time_ns);
    if (!rc && p->cgroup)
        rc = add_text(s, ev, FLD_CGROUP, p->cgroup, strlen(p->cgroup));
    if (!rc && p->have_cgroup_id)
        rc = event_add_int(ev, FLD_CGROUP_ID, (int64_t)p->cgroup_id);
    if (!rc && (p->cgroup || p->container_hint)) {
        char cid[256];
        if (!ptext_container_id(p->cgroup, cid, sizeof(cid)))
            ptext_container_id(p->container_hint, cid, sizeof(cid));
        rc = add_text(s, ev, FLD_CONTAINER_ID, cid, strlen(cid));
    }
    if (!rc)
        rc = event_add_str(ev, FLD_SENSOR, sensor);
    if (!rc)
        rc = add_enrichment(s, ev, p, have_parent);

    if (exec) {
        fill_snapshot(s, p, eid, peid, s->line.len ? (const char *)s->line.data : NULL,
                      s->line.len);
        proctable_on_exec(s->procs, &s->snap);
    }
    if (exec && !rc && s->enrich) {
        struct enrich_file_id id = {p->exe_dev, p->exe_ino, p->exe_mtime_ns, p->exe_size};
        rc = enrich_submit_exec(s->enrich, ev, p->pid, event_get_str(ev, FLD_EXE),
                                p->have_exe_id ? &id : NULL);
        if (rc)
            atomic_fetch_add(&s->submit_failed, 1);
        else
            atomic_fetch_add(&s->events, 1);
        return rc;
    }
    return submit(s, ev, rc);
}

int psensor_fork(struct psensor *s, const struct pe_proc *p, const char *sensor)
{
    struct event *ev = event_new(TBL_PROCESS_EVENTS, "fork");
    if (!ev) {
        atomic_fetch_add(&s->submit_failed, 1);
        return -ENOMEM;
    }
    if (p->time_ns)
        ev->time_ns = p->time_ns;
    bool have_parent = lookup_parent(s, p);
    char eid[ENTITY_ID_LEN + 1], peid[ENTITY_ID_LEN + 1];
    entity_ids(s, p, have_parent, eid, peid);

    /* the child runs its parent's image: exe and cmdline come from the parent's entry */
    fill_snapshot(s, p, eid, peid, NULL, 0);
    if (!p->have_audit)
        s->snap.auid = s->snap.session_id = 0; /* "unknown": inherit */
    proctable_on_fork(s->procs, &s->snap);

    int rc = add_identity(ev, p, eid, peid);
    if (!rc && have_parent && s->parent.exe[0]) {
        rc = event_add_str(ev, FLD_EXE, s->parent.exe);
        if (!rc)
            rc = event_add_str(ev, FLD_PARENT_EXE, s->parent.exe);
    }
    if (!rc && p->comm[0])
        rc = add_text(s, ev, FLD_COMM, p->comm, strlen(p->comm));
    if (!rc)
        rc = add_creds(ev, p);
    if (!rc && p->have_start)
        rc = event_add_int(ev, FLD_START_TIME, (int64_t)p->start_time_ns);
    if (!rc && p->have_cgroup_id)
        rc = event_add_int(ev, FLD_CGROUP_ID, (int64_t)p->cgroup_id);
    if (!rc)
        rc = event_add_str(ev, FLD_SENSOR, sensor);
    return submit(s, ev, rc);
}

int psensor_exit(struct psensor *s, const struct pe_proc *p, const char *sensor)
{
    struct event *ev = event_new(TBL_PROCESS_EVENTS, "exit");
    if (!ev) {
        atomic_fetch_add(&s->submit_failed, 1);
        return -ENOMEM;
    }
    if (p->time_ns)
        ev->time_ns = p->time_ns;

    /* what the table knows about the process that ends */
    struct pe_proc q = *p;
    bool known = proctable_get(s->procs, p->pid, &s->snap) &&
                 (!p->have_start || s->snap.start_ticks == p->start_ticks);
    if (known) {
        if (!q.have_start && s->snap.start_ticks) {
            q.have_start = true;
            q.start_ticks = s->snap.start_ticks;
            q.start_time_ns = s->snap.start_time_ns;
        }
        if (q.ppid <= 0)
            q.ppid = s->snap.ppid;
        if (s->snap.comm[0]) /* the process's name, not that of the thread that ended last */
            str_copy(q.comm, s->snap.comm, sizeof(q.comm));
        if (!q.have_creds) {
            q.have_creds = true;
            q.uid = s->snap.uid;
            q.euid = s->snap.euid;
            q.gid = s->snap.gid;
            q.egid = s->snap.egid;
        }
    }
    bool have_parent = lookup_parent(s, &q);
    char eid[ENTITY_ID_LEN + 1], peid[ENTITY_ID_LEN + 1];
    entity_ids(s, &q, have_parent, eid, peid);
    if (!peid[0] && known && s->snap.parent_entity_id[0])
        memcpy(peid, s->snap.parent_entity_id, sizeof(peid));

    int rc = add_identity(ev, &q, eid, peid);
    if (!rc && known && s->snap.exe[0])
        rc = event_add_str(ev, FLD_EXE, s->snap.exe);
    if (!rc && have_parent && s->parent.exe[0])
        rc = event_add_str(ev, FLD_PARENT_EXE, s->parent.exe);
    if (!rc && q.comm[0])
        rc = add_text(s, ev, FLD_COMM, q.comm, strlen(q.comm));
    if (!rc)
        rc = add_creds(ev, &q);
    if (!rc && q.have_start)
        rc = event_add_int(ev, FLD_START_TIME, (int64_t)q.start_time_ns);
    if (!rc && p->have_exit) {
        int status = p->exit_status;
        int sig = status & 0x7f;
        rc = event_add_int(ev, FLD_EXIT_CODE, sig ? -1 : (status >> 8) & 0xff);
        if (!rc)
            rc = event_add_int(ev, FLD_EXIT_SIGNAL, sig);
    }
    if (!rc)
        rc = event_add_str(ev, FLD_SENSOR, sensor);

    proctable_on_exit(s->procs, p->pid, q.have_start ? q.start_ticks : 0);
    return submit(s, ev, rc);
}

void pe_proc_from_procfs(struct pe_proc *p, const struct procfs_proc *pp,
                         const struct host_info *host)
{
    memset(p, 0, sizeof(*p));
    p->pid = pp->pid;
    p->ppid = -1;
    if (pp->have & PROCFS_STAT) {
        p->ppid = pp->stat.ppid;
        p->have_start = true;
        p->start_ticks = pp->stat.start_ticks;
        p->start_time_ns =
            host->boot_time_ns + pp->stat.start_ticks * (1000000000ull / (uint64_t)host->clk_tck);
        str_copy(p->comm, pp->stat.comm, sizeof(p->comm));
    }
    if (pp->have & PROCFS_STATUS) {
        p->have_creds = true;
        p->uid = pp->uid;
        p->euid = pp->euid;
        p->gid = pp->gid;
        p->egid = pp->egid;
    }
    if (pp->have & PROCFS_AUDIT) {
        p->have_audit = true;
        p->auid = pp->auid;
        p->session_id = pp->session_id;
    }
    if (pp->have & PROCFS_EXE) {
        p->exe = pp->exe;
        p->exe_len = strlen(pp->exe);
    }
    if (pp->have & PROCFS_CWD) {
        p->cwd = pp->cwd;
        p->cwd_len = strlen(pp->cwd);
    }
    if (pp->have & PROCFS_TTY)
        p->tty = pp->tty;
    if (pp->have & PROCFS_CGROUP) {
        p->cgroup = pp->cgroup[0] ? pp->cgroup : NULL;
        p->container_hint = pp->cgroup_v1[0] ? pp->cgroup_v1 : NULL;
        if (pp->cgroup_id) {
            p->have_cgroup_id = true;
            p->cgroup_id = pp->cgroup_id;
        }
    }
    if (pp->have & PROCFS_CMDLINE) {
        p->args = pp->args.len ? (const char *)pp->args.data : "";
        p->args_len = pp->args.len;
        p->args_truncated = pp->args_truncated;
    }
}

void psensor_existing(void *ctx, const struct proc_snapshot *snap)
{
    struct psensor *s = ctx;
    if ((s->self_pid && snap->pid == s->self_pid) || !host_pid_in_scope(s->host, snap->pid))
        return;
    struct pe_proc p;
    int rc = procfs_read(snap->pid,
                         PROCFS_STAT | PROCFS_STATUS | PROCFS_CMDLINE | PROCFS_CWD | PROCFS_TTY |
                             PROCFS_CGROUP | PROCFS_AUDIT,
                         s->args_max, s->pp);
    if (rc == 0 && s->pp->stat.start_ticks == snap->start_ticks) {
        pe_proc_from_procfs(&p, s->pp, s->host);
    } else { /* gone since the scan: what the table has */
        memset(&p, 0, sizeof(p));
        p.pid = snap->pid;
        p.ppid = snap->ppid;
        p.have_start = true;
        p.start_ticks = snap->start_ticks;
        p.start_time_ns = snap->start_time_ns;
        p.have_creds = true;
        p.uid = snap->uid;
        p.euid = snap->euid;
        p.gid = snap->gid;
        p.egid = snap->egid;
        str_copy(p.comm, snap->comm, sizeof(p.comm));
    }
    p.exe = snap->exe;
    p.exe_len = strlen(snap->exe);
    psensor_exec(s, &p, "existing", "procfs");
}
