/* col_processes.c - the processes collector (process_changes): every user-space process of the
 * live system (kernel threads are left out), with the entity id process_events gives it, its
 * parent's, its command line, user, container and the SHA-256 of its executable (read through
 * /proc/PID/exe, so a deleted or containerised binary is hashed too; hashes are cached per file
 * until it changes). With inventory.root set it reports nothing: processes are not files. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/host.h"
#include "agent/inventory/inv_users.h"
#include "agent/sensors/process/process_text.h"
#include "agent/sensors/process/procfs.h"
#include "common/entity.h"
#include "common/util.h"

#define PROC_ARGS_MAX 4096

struct pid_ticks {
    int32_t pid;
    uint64_t ticks;
};

static int by_pid(const void *a, const void *b)
{
    int32_t x = ((const struct pid_ticks *)a)->pid, y = ((const struct pid_ticks *)b)->pid;
    return x < y ? -1 : x > y;
}

static int processes_collect(struct inv_scan *s, struct vg_error *err)
{
    if (s->root[0])
        return 0;
    const struct host_info *h = s->host;
    DIR *d = opendir("/proc");
    if (!d)
        return vg_error_set(err, -errno, "/proc: %s", strerror(errno));
    struct procfs_proc *procs = NULL;
    struct pid_ticks *ticks = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) && !inv_cancelled(s)) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0 || !host_pid_in_scope(h, (int)pid))
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 256;
            struct procfs_proc *v = realloc(procs, nc * sizeof(*v));
            struct pid_ticks *t = v ? realloc(ticks, nc * sizeof(*t)) : NULL;
            if (v)
                procs = v;
            if (!v || !t)
                break;
            ticks = t;
            cap = nc;
        }
        struct procfs_proc *p = &procs[n];
        memset(p, 0, sizeof(*p));
        if (procfs_read((int32_t)pid, PROCFS_STAT | PROCFS_STATUS | PROCFS_EXE | PROCFS_CMDLINE |
                                          PROCFS_CGROUP,
                        PROC_ARGS_MAX, p) != 0 ||
            !(p->have & PROCFS_STAT)) {
            procfs_proc_free(p);
            continue; /* gone meanwhile */
        }
        if (pid == 2 || p->stat.ppid == 2) { /* kthreadd and the kernel's threads */
            procfs_proc_free(p);
            continue;
        }
        ticks[n].pid = (int32_t)pid;
        ticks[n].ticks = p->stat.start_ticks;
        n++;
    }
    closedir(d);
    qsort(ticks, n, sizeof(*ticks), by_pid);
    struct inv_users *users = inv_users_load(s);
    uint64_t tick_ns = 1000000000ull / (uint64_t)(h->clk_tck > 0 ? h->clk_tck : 100);
    for (size_t i = 0; i < n; i++) {
        struct procfs_proc *p = &procs[i];
        char eid[ENTITY_ID_LEN + 1], peid[ENTITY_ID_LEN + 1] = "";
        entity_id_make(h->machine_id, h->boot_id, p->pid, p->stat.start_ticks, eid);
        struct pid_ticks key = {p->stat.ppid, 0};
        const struct pid_ticks *parent =
            p->stat.ppid > 0 ? bsearch(&key, ticks, n, sizeof(*ticks), by_pid) : NULL;
        uint64_t pt = parent ? parent->ticks : p->stat.ppid > 0 ? procfs_start_ticks(p->stat.ppid) : 0;
        if (pt)
            entity_id_make(h->machine_id, h->boot_id, p->stat.ppid, pt, peid);
        struct event *ev = inv_row(s, TBL_PROCESS_CHANGES, "%s", eid);
        inv_int(ev, FLD_PID, p->pid);
        inv_int(ev, FLD_PPID, p->stat.ppid);
        inv_str(ev, FLD_ENTITY_ID, eid);
        if (peid[0])
            inv_str(ev, FLD_PARENT_ENTITY_ID, peid);
        if (p->have & PROCFS_EXE) {
            inv_str(ev, FLD_EXE, p->exe);
            char exe_link[64], hash[65];
            snprintf(exe_link, sizeof(exe_link), "/proc/%d/exe", p->pid);
            if (inv_sha256_file(s, exe_link, s->cfg->processes_hash_max_size, hash) == 0)
                inv_str(ev, FLD_EXE_SHA256, hash);
        }
        inv_str(ev, FLD_COMM, p->stat.comm);
        if (p->have & PROCFS_CMDLINE) {
            struct buf line = {0};
            if (ptext_args_line(&line, (const char *)p->args.data, p->args.len) == 0)
                inv_strn(ev, FLD_CMDLINE, line.len ? (const char *)line.data : "", line.len);
            buf_free(&line);
        }
        if (p->have & PROCFS_STATUS) {
            inv_int(ev, FLD_UID, p->uid);
            inv_int(ev, FLD_EUID, p->euid);
            inv_int(ev, FLD_GID, p->gid);
            inv_str(ev, FLD_USER, inv_users_name(users, p->uid));
        }
        inv_int(ev, FLD_START_TIME, (int64_t)(h->boot_time_ns + p->stat.start_ticks * tick_ns));
        char cid[128];
        if ((p->have & PROCFS_CGROUP) && (ptext_container_id(p->cgroup, cid, sizeof(cid)) ||
                                          ptext_container_id(p->cgroup_v1, cid, sizeof(cid))))
            inv_str(ev, FLD_CONTAINER_ID, cid);
    }
    inv_users_free(users);
    for (size_t i = 0; i < n; i++)
        procfs_proc_free(&procs[i]);
    free(procs);
    free(ticks);
    return 0;
}

static const enum table_id processes_tables[] = {TBL_PROCESS_CHANGES, TBL_NONE};

const struct inv_collector inv_collector_processes = {
    .name = "processes",
    .tables = processes_tables,
    .collect = processes_collect,
};
