/* sys_context.c - the process context of a syscall-sensor event: who did it (pid, entity ids,
 * executable, parent's executable, user, container) and their ancestry, from the record's
 * header and the process table, so every telemetry table names its process the same way. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/enrich/enrich.h"
#include "agent/host.h"
#include "agent/pipeline.h"
#include "agent/proctable.h"
#include "agent/sensors/hub/sys_sensor.h"
#include "agent/sensors/process/process_text.h"
#include "agent/sensors/process/procfs.h"
#include "common/util.h"
#include "common/entity.h"

int sx_add_text(struct sx_ctx *c, struct event *ev, enum field_id f, const char *s, size_t len)
{
    buf_reset(&c->text);
    if (ptext_utf8(&c->text, s, len) || buf_terminate(&c->text))
        return -ENOMEM;
    return event_add_strn(ev, f, (const char *)c->text.data, c->text.len);
}

/* The container of p's cgroup: cached by cgroup id, else read from /proc/PID/cgroup. */
static const struct sx_container *container_of_cgroup(struct sx_ctx *c, const struct pe_proc *p)
{
    struct sx_container *slot = &c->containers[p->cgroup_id % SX_CONTAINER_SLOTS];
    if (slot->cgroup_id == p->cgroup_id)
        return slot;
    char path[64], text[8192], v2[4096], v1[4096];
    snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)p->pid);
    ssize_t n = -1;
    FILE *f = fopen(path, "re");
    if (f) {
        n = (ssize_t)fread(text, 1, sizeof(text), f);
        fclose(f);
    }
    if (n <= 0 || procfs_parse_cgroup(text, (size_t)n, v2, sizeof(v2), v1, sizeof(v1)) != 0)
        return NULL; /* gone: not cached, another process of that cgroup will tell */
    slot->cgroup_id = p->cgroup_id;
    if (!ptext_container_id(v2, slot->id, sizeof(slot->id)))
        ptext_container_id(v1, slot->id, sizeof(slot->id));
    str_copy(slot->runtime, slot->id[0] ? enrich_container_runtime(v2[0] && strcmp(v2, "/") ? v2 : v1)
                                        : "", sizeof(slot->runtime));
    return slot;
}

struct event *sx_event_new(struct sx_ctx *c, const struct sx_rec *r, enum table_id table,
                           const char *action, bool with_result)
{
    struct event *ev = event_new(table, action);
    if (!ev)
        return NULL;
    const struct pe_proc *p = &r->p;
    if (p->time_ns)
        ev->time_ns = p->time_ns;
    char eid[ENTITY_ID_LEN + 1] = "", peid[ENTITY_ID_LEN + 1] = "";
    entity_id_make(c->host->machine_id, c->host->boot_id, p->pid, p->start_ticks, eid);
    if (p->ppid > 0 && p->have_parent_start)
        entity_id_make(c->host->machine_id, c->host->boot_id, p->ppid, p->parent_start_ticks,
                       peid);

    int rc = event_add_int(ev, FLD_PID, p->pid);
    rc = rc ? rc : event_add_int(ev, FLD_PPID, p->ppid);
    rc = rc ? rc : event_add_str(ev, FLD_ENTITY_ID, eid);
    if (!rc && peid[0])
        rc = event_add_str(ev, FLD_PARENT_ENTITY_ID, peid);

    bool known = proctable_get_brief(c->procs, p->pid, &c->self) &&
                 c->self.start_ticks == p->start_ticks;
    if (!rc && !peid[0] && known && c->self.parent_entity_id[0])
        rc = event_add_str(ev, FLD_PARENT_ENTITY_ID, c->self.parent_entity_id);
    if (!rc && known && c->self.exe[0])
        rc = event_add_str(ev, FLD_EXE, c->self.exe);
    if (!rc && p->ppid > 0 && proctable_get_brief(c->procs, p->ppid, &c->parent) &&
        c->parent.exe[0])
        rc = event_add_str(ev, FLD_PARENT_EXE, c->parent.exe);
    const struct sx_container *ct = p->have_cgroup_id ? container_of_cgroup(c, p) : NULL;
    if (!rc && ct && ct->id[0])
        rc = event_add_str(ev, FLD_CONTAINER_ID, ct->id);
    if (!rc && ct && ct->runtime[0])
        rc = event_add_str(ev, FLD_CONTAINER_RUNTIME, ct->runtime);
    if (!rc && p->comm[0])
        rc = sx_add_text(c, ev, FLD_COMM, p->comm, strlen(p->comm));
    if (!rc && p->have_creds) {
        rc = event_add_int(ev, FLD_UID, p->uid);
        rc = rc ? rc : event_add_int(ev, FLD_EUID, p->euid);
    }
    char name[64];
    if (!rc && p->have_creds && c->enrich && enrich_user_name(c->enrich, p->uid, name, sizeof(name)))
        rc = event_add_str(ev, FLD_USER, name);
    if (!rc && c->enrich) {
        /* the ancestry of a process changes only when it or an ancestor execs: a storm of
         * events from one process builds it once a second at most */
        uint64_t now = ev->time_ns;
        if (c->anc_pid != p->pid || c->anc_ticks != p->start_ticks || now - c->anc_at > 1000000000ull ||
            !c->json.len) {
            if (enrich_ancestry(c->enrich, p->pid, &c->json) != 0)
                buf_reset(&c->json);
            c->anc_pid = p->pid;
            c->anc_ticks = p->start_ticks;
            c->anc_at = now;
        }
        if (c->json.len)
            rc = event_add_strn(ev, FLD_ANCESTRY, (const char *)c->json.data, c->json.len);
    }
    if (!rc && with_result) {
        rc = event_add_int(ev, FLD_RESULT_CODE, r->ret < 0 ? r->ret : 0);
        const char *sc = sx_syscall_name(r->nr);
        if (!rc && sc)
            rc = event_add_str(ev, FLD_SYSCALL, sc);
    }
    rc = rc ? rc : event_add_str(ev, FLD_SENSOR, c->sensor ? c->sensor : "ebpf");
    if (rc) {
        event_free(ev);
        return NULL;
    }
    return ev;
}

void sx_submit(struct pipeline *pipeline, struct event *ev, int rc, _Atomic uint64_t *events,
               _Atomic uint64_t *failed)
{
    if (rc) {
        event_free(ev);
        atomic_fetch_add(failed, 1);
    } else if (pipeline_submit(pipeline, ev) == 0) {
        atomic_fetch_add(events, 1);
    } else {
        atomic_fetch_add(failed, 1);
    }
}

void sx_ctx_free(struct sx_ctx *c)
{
    buf_free(&c->text);
    buf_free(&c->json);
}

bool sx_proc_from_table(struct sx_ctx *c, int32_t pid, struct pe_proc *out)
{
    struct proc_snapshot *snap = &c->snap;
    memset(out, 0, sizeof(*out));
    if (!proctable_get(c->procs, pid, snap))
        return false;
    out->pid = snap->pid;
    out->ppid = snap->ppid;
    out->have_start = true;
    out->start_ticks = snap->start_ticks;
    out->start_time_ns = snap->start_time_ns;
    out->have_creds = true;
    out->uid = snap->uid;
    out->euid = snap->euid;
    out->gid = snap->gid;
    out->egid = snap->egid;
    str_copy(out->comm, snap->comm, sizeof(out->comm));
    return true;
}
