/* proctable.c - the agent-wide process table (proctable.h).
 *
 * A chained hash table keyed by pid under one mutex. Each entry stores its executable and
 * command line on the heap at their real length (bounded by PROC_EXE_MAX / PROC_CMDLINE_MAX), so
 * a typical entry costs ~200 bytes. A pid can have two entries for a while: a live process and
 * an exited one that reused-away its pid during the exit grace period; lookups prefer the live
 * one. Exited entries sit on a FIFO in exit order and are purged when their grace period is
 * over (checked on every update, at most once per PURGE_INTERVAL) or when too many pile up, so
 * the table's size follows the number of live processes.
 *
 * /proc reads (seeding, unknown pids) happen without the lock held. */
#include "agent/proctable.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "agent/host.h"
#include "agent/sensors/process/procfs.h"
#include "agent/sensors/process/process_text.h"
#include "common/util.h"

#define GRACE_NS (7ull * 1000000000ull)   /* exited entries stay this long */
#define PURGE_INTERVAL_NS 1000000000ull  /* purge at most once a second */
#define MAX_EXITED 65536                 /* beyond this, the oldest exited entries go early */
#define MIN_BUCKETS 1024
#define ANCESTRY_CMDLINE_MAX 256 /* bytes of an ancestor's command line in an ancestry */

struct pt_entry {
    struct pt_entry *next;                 /* hash chain */
    struct pt_entry *exit_prev, *exit_next; /* exited FIFO (oldest first) */
    int32_t pid, ppid;
    uint64_t start_ticks, start_time_ns;
    char entity_id[ENTITY_ID_LEN + 1];
    char parent_entity_id[ENTITY_ID_LEN + 1];
    uint32_t uid, euid, gid, egid, auid, session_id;
    char comm[16];
    bool exited;
    uint64_t exited_at; /* monotonic ns */
    unsigned gen;       /* scan generation that last saw it in /proc */
    char *exe, *cmdline; /* heap, NULL = empty */
};

struct proctable {
    pthread_mutex_t lock;
    char machine_id[64];
    char boot_id[37];
    long clk_tck;
    uint64_t boot_time_ns;
    struct pt_entry **buckets;
    size_t nbuckets; /* a power of two */
    size_t count, nexited;
    struct pt_entry *exit_head, *exit_tail;
    uint64_t last_purge;
    unsigned gen;
};

static size_t bucket_of(const struct proctable *pt, int32_t pid)
{
    return (size_t)(((uint32_t)pid * 2654435761u) & (uint32_t)(pt->nbuckets - 1));
}

static void entry_free(struct pt_entry *e)
{
    if (!e)
        return;
    free(e->exe);
    free(e->cmdline);
    free(e);
}

/* Replace *dst with a heap copy of src cut at max-1 bytes, at a character boundary ("" stores
 * NULL). */
static void set_text(char **dst, const char *src, size_t max)
{
    size_t len = src ? strnlen(src, max) : 0;
    char *copy = NULL;
    if (len) {
        size_t n = len < max ? len + 1 : max;
        copy = malloc(n);
        if (!copy)
            return; /* keep the old value: stale beats empty */
        ptext_copy(copy, n, src, len);
    }
    free(*dst);
    *dst = copy;
}

int proctable_new(const struct host_info *host, struct proctable **out, struct vg_error *err)
{
    struct proctable *pt = calloc(1, sizeof(*pt));
    if (!pt)
        goto nomem;
    pt->nbuckets = MIN_BUCKETS;
    pt->buckets = calloc(pt->nbuckets, sizeof(*pt->buckets));
    if (!pt->buckets)
        goto nomem;
    str_copy(pt->machine_id, host->machine_id, sizeof(pt->machine_id));
    str_copy(pt->boot_id, host->boot_id, sizeof(pt->boot_id));
    pt->clk_tck = host->clk_tck > 0 ? host->clk_tck : 100;
    pt->boot_time_ns = host->boot_time_ns;
    pthread_mutex_init(&pt->lock, NULL);
    *out = pt;
    return 0;
nomem:
    if (pt)
        free(pt->buckets);
    free(pt);
    return vg_error_set(err, -ENOMEM, "process table: out of memory");
}

void proctable_free(struct proctable *pt)
{
    if (!pt)
        return;
    for (size_t b = 0; b < pt->nbuckets; b++) {
        struct pt_entry *e = pt->buckets[b];
        while (e) {
            struct pt_entry *next = e->next;
            entry_free(e);
            e = next;
        }
    }
    free(pt->buckets);
    pthread_mutex_destroy(&pt->lock);
    free(pt);
}

/* ---- internals, called with the lock held ---- */

static struct pt_entry *find_live(struct proctable *pt, int32_t pid)
{
    for (struct pt_entry *e = pt->buckets[bucket_of(pt, pid)]; e; e = e->next)
        if (e->pid == pid && !e->exited)
            return e;
    return NULL;
}

/* The live entry of pid, else the one that exited last. */
static struct pt_entry *find_any(struct proctable *pt, int32_t pid)
{
    struct pt_entry *best = NULL;
    for (struct pt_entry *e = pt->buckets[bucket_of(pt, pid)]; e; e = e->next) {
        if (e->pid != pid)
            continue;
        if (!e->exited)
            return e;
        if (!best || e->exited_at > best->exited_at)
            best = e;
    }
    return best;
}

static void grow(struct proctable *pt)
{
    size_t n = pt->nbuckets * 2;
    struct pt_entry **nb = calloc(n, sizeof(*nb));
    if (!nb)
        return; /* longer chains, still correct */
    size_t old = pt->nbuckets;
    struct pt_entry **ob = pt->buckets;
    pt->buckets = nb;
    pt->nbuckets = n;
    for (size_t b = 0; b < old; b++) {
        struct pt_entry *e = ob[b];
        while (e) {
            struct pt_entry *next = e->next;
            size_t nbkt = bucket_of(pt, e->pid);
            e->next = nb[nbkt];
            nb[nbkt] = e;
            e = next;
        }
    }
    free(ob);
}

static struct pt_entry *insert(struct proctable *pt, int32_t pid)
{
    struct pt_entry *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->pid = pid;
    e->auid = e->session_id = UINT32_MAX;
    e->gen = pt->gen; /* inserted during a scan: as good as seen by it */
    if (pt->count + 1 > pt->nbuckets)
        grow(pt);
    size_t b = bucket_of(pt, pid);
    e->next = pt->buckets[b];
    pt->buckets[b] = e;
    pt->count++;
    return e;
}

static void unlink_entry(struct proctable *pt, struct pt_entry *victim)
{
    struct pt_entry **pp = &pt->buckets[bucket_of(pt, victim->pid)];
    while (*pp && *pp != victim)
        pp = &(*pp)->next;
    if (*pp)
        *pp = victim->next;
    if (victim->exited) {
        if (victim->exit_prev)
            victim->exit_prev->exit_next = victim->exit_next;
        else
            pt->exit_head = victim->exit_next;
        if (victim->exit_next)
            victim->exit_next->exit_prev = victim->exit_prev;
        else
            pt->exit_tail = victim->exit_prev;
        pt->nexited--;
    }
    pt->count--;
    entry_free(victim);
}

static void mark_exited(struct proctable *pt, struct pt_entry *e, uint64_t now)
{
    if (e->exited)
        return;
    e->exited = true;
    e->exited_at = now;
    e->exit_next = NULL;
    e->exit_prev = pt->exit_tail;
    if (pt->exit_tail)
        pt->exit_tail->exit_next = e;
    else
        pt->exit_head = e;
    pt->exit_tail = e;
    pt->nexited++;
}

static void purge(struct proctable *pt, uint64_t now, bool force)
{
    if (!force && now - pt->last_purge < PURGE_INTERVAL_NS && pt->nexited <= MAX_EXITED)
        return;
    pt->last_purge = now;
    while (pt->exit_head &&
           (now - pt->exit_head->exited_at >= GRACE_NS || pt->nexited > MAX_EXITED))
        unlink_entry(pt, pt->exit_head);
}

static void make_id(const struct proctable *pt, int32_t pid, uint64_t ticks,
                    char out[ENTITY_ID_LEN + 1])
{
    entity_id_make(pt->machine_id, pt->boot_id, pid, ticks, out);
}

static void to_snapshot(const struct pt_entry *e, struct proc_snapshot *s)
{
    s->pid = e->pid;
    s->ppid = e->ppid;
    s->start_ticks = e->start_ticks;
    s->start_time_ns = e->start_time_ns;
    memcpy(s->entity_id, e->entity_id, sizeof(s->entity_id));
    memcpy(s->parent_entity_id, e->parent_entity_id, sizeof(s->parent_entity_id));
    s->uid = e->uid;
    s->euid = e->euid;
    s->gid = e->gid;
    s->egid = e->egid;
    s->auid = e->auid;
    s->session_id = e->session_id;
    memcpy(s->comm, e->comm, sizeof(s->comm));
    str_copy(s->exe, e->exe ? e->exe : "", sizeof(s->exe));
    str_copy(s->cmdline, e->cmdline ? e->cmdline : "", sizeof(s->cmdline));
    s->exited = e->exited;
}

/* Fill e's fields from a snapshot (identity and all known values). */
static void from_snapshot(const struct proctable *pt, struct pt_entry *e,
                          const struct proc_snapshot *s)
{
    e->ppid = s->ppid;
    e->start_ticks = s->start_ticks;
    e->start_time_ns = s->start_time_ns ? s->start_time_ns
                                        : pt->boot_time_ns + s->start_ticks *
                                              (1000000000ull / (uint64_t)pt->clk_tck);
    if (s->entity_id[0])
        memcpy(e->entity_id, s->entity_id, sizeof(e->entity_id));
    else
        make_id(pt, s->pid, s->start_ticks, e->entity_id);
    if (s->parent_entity_id[0])
        memcpy(e->parent_entity_id, s->parent_entity_id, sizeof(e->parent_entity_id));
    e->uid = s->uid;
    e->euid = s->euid;
    e->gid = s->gid;
    e->egid = s->egid;
    e->auid = s->auid;
    e->session_id = s->session_id;
    if (s->comm[0])
        str_copy(e->comm, s->comm, sizeof(e->comm));
    if (s->exe[0])
        set_text(&e->exe, s->exe, PROC_EXE_MAX);
    if (s->cmdline[0])
        set_text(&e->cmdline, s->cmdline, PROC_CMDLINE_MAX);
}

/* The parent entity id of e from the table when e lacks one. */
static void link_parent(struct proctable *pt, struct pt_entry *e)
{
    if (e->parent_entity_id[0] || e->ppid <= 0)
        return;
    struct pt_entry *p = find_live(pt, e->ppid);
    if (p && p->start_ticks <= e->start_ticks)
        memcpy(e->parent_entity_id, p->entity_id, sizeof(e->parent_entity_id));
}

/* A live entry for snapshot s: the existing one when it is the same process (same start ticks,
 * or start unknown), else a new one (a live entry with other start ticks is a process whose
 * exit was missed: it is retired). NULL on allocation failure. */
static struct pt_entry *upsert(struct proctable *pt, const struct proc_snapshot *s,
                               uint64_t now, bool *created)
{
    struct pt_entry *e = find_live(pt, s->pid);
    *created = false;
    if (e && (s->start_ticks == 0 || e->start_ticks == s->start_ticks))
        return e;
    if (e)
        mark_exited(pt, e, now);
    e = insert(pt, s->pid);
    *created = e != NULL;
    return e;
}

/* ---- /proc ---- */

/* Read pid from /proc into snap (stat, status, exe, cmdline, audit). false when it is gone. */
static bool read_proc(const struct proctable *pt, int32_t pid, struct procfs_proc *pp,
                      struct buf *line, struct proc_snapshot *snap)
{
    if (procfs_read(pid, PROCFS_STAT | PROCFS_STATUS | PROCFS_EXE | PROCFS_CMDLINE | PROCFS_AUDIT,
                    PROC_CMDLINE_MAX - 1, pp) != 0)
        return false;
    memset(snap, 0, offsetof(struct proc_snapshot, exe));
    snap->pid = pid;
    snap->ppid = pp->stat.ppid;
    snap->start_ticks = pp->stat.start_ticks;
    snap->start_time_ns =
        pt->boot_time_ns + pp->stat.start_ticks * (1000000000ull / (uint64_t)pt->clk_tck);
    make_id(pt, pid, pp->stat.start_ticks, snap->entity_id);
    if (pp->have & PROCFS_STATUS) {
        snap->uid = pp->uid;
        snap->euid = pp->euid;
        snap->gid = pp->gid;
        snap->egid = pp->egid;
    }
    snap->auid = snap->session_id = UINT32_MAX;
    if (pp->have & PROCFS_AUDIT) {
        snap->auid = pp->auid;
        snap->session_id = pp->session_id;
    }
    buf_reset(line);
    ptext_utf8(line, pp->stat.comm, strlen(pp->stat.comm));
    ptext_copy(snap->comm, sizeof(snap->comm), (const char *)line->data, line->len);
    buf_reset(line);
    ptext_utf8(line, pp->exe, strlen(pp->exe));
    ptext_copy(snap->exe, sizeof(snap->exe), (const char *)line->data, line->len);
    buf_reset(line);
    if (pp->have & PROCFS_CMDLINE)
        ptext_args_line(line, (const char *)pp->args.data, pp->args.len);
    ptext_copy(snap->cmdline, sizeof(snap->cmdline), (const char *)line->data, line->len);
    snap->exited = false;
    return true;
}

/* One scan of /proc. seed: call each() for every process; rescan: only for processes the table
 * did not know, and retire live entries that are gone. Returns the number of processes
 * reported, or -errno when /proc cannot be listed. */
static int scan(struct proctable *pt, bool seed,
                void (*each)(void *ctx, const struct proc_snapshot *p), void *ctx,
                size_t *gone_out)
{
    DIR *d = opendir("/proc");
    if (!d)
        return -errno;
    struct procfs_proc *pp = calloc(1, sizeof(*pp));
    struct proc_snapshot *snap = malloc(sizeof(*snap));
    struct buf line = {0};
    int32_t *report = NULL;
    uint64_t *report_ticks = NULL;
    size_t nreport = 0, capreport = 0, gone = 0;
    int rc = 0;
    if (!pp || !snap) {
        rc = -ENOMEM;
        goto cleanup;
    }

    pthread_mutex_lock(&pt->lock);
    unsigned gen = ++pt->gen;
    pthread_mutex_unlock(&pt->lock);

    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        long v = strtol(de->d_name, &end, 10);
        if (*end || v <= 0 || v > INT32_MAX)
            continue;
        int32_t pid = (int32_t)v;
        if (!read_proc(pt, pid, pp, &line, snap))
            continue; /* vanished */
        uint64_t now = time_mono_ns();
        pthread_mutex_lock(&pt->lock);
        bool created;
        struct pt_entry *e = upsert(pt, snap, now, &created);
        bool known = e && !created;
        if (e) {
            from_snapshot(pt, e, snap);
            e->gen = gen;
        }
        pthread_mutex_unlock(&pt->lock);
        if (!e || (!seed && known))
            continue;
        if (nreport == capreport) {
            size_t ncap = capreport ? capreport * 2 : 512;
            int32_t *np = realloc(report, ncap * sizeof(*np));
            if (!np)
                continue;
            report = np;
            uint64_t *nt = realloc(report_ticks, ncap * sizeof(*nt));
            if (!nt)
                continue;
            report_ticks = nt;
            capreport = ncap;
        }
        report[nreport] = pid;
        report_ticks[nreport++] = snap->start_ticks;
    }

    /* parents, and what the scan did not see any more */
    pthread_mutex_lock(&pt->lock);
    uint64_t now = time_mono_ns();
    for (size_t b = 0; b < pt->nbuckets; b++)
        for (struct pt_entry *e = pt->buckets[b]; e; e = e->next) {
            if (e->exited)
                continue;
            if (e->gen != gen) {
                mark_exited(pt, e, now);
                gone++;
            } else {
                link_parent(pt, e);
            }
        }
    purge(pt, now, false);
    pthread_mutex_unlock(&pt->lock);

    for (size_t i = 0; i < nreport && each; i++) {
        pthread_mutex_lock(&pt->lock);
        struct pt_entry *e = find_live(pt, report[i]);
        bool ok = e && e->start_ticks == report_ticks[i];
        if (ok)
            to_snapshot(e, snap);
        pthread_mutex_unlock(&pt->lock);
        if (ok)
            each(ctx, snap);
    }
    rc = (int)nreport;

cleanup:
    closedir(d);
    procfs_proc_free(pp);
    free(pp);
    free(snap);
    free(report);
    free(report_ticks);
    buf_free(&line);
    if (gone_out)
        *gone_out = gone;
    return rc;
}

int proctable_seed(struct proctable *pt,
                   void (*each)(void *ctx, const struct proc_snapshot *p), void *ctx)
{
    return scan(pt, true, each, ctx, NULL);
}

int proctable_rescan(struct proctable *pt,
                     void (*each_new)(void *ctx, const struct proc_snapshot *p), void *ctx,
                     size_t *gone)
{
    return scan(pt, false, each_new, ctx, gone);
}

bool proctable_get(struct proctable *pt, int32_t pid, struct proc_snapshot *out)
{
    if (pid <= 0)
        return false;
    pthread_mutex_lock(&pt->lock);
    struct pt_entry *e = find_any(pt, pid);
    if (e)
        to_snapshot(e, out);
    pthread_mutex_unlock(&pt->lock);
    if (e)
        return true;

    /* unknown: read it from /proc and remember it */
    struct procfs_proc *pp = calloc(1, sizeof(*pp));
    struct buf line = {0};
    bool found = false;
    if (!pp)
        return false;
    if (!read_proc(pt, pid, pp, &line, out))
        goto cleanup;
    uint64_t parent_ticks = 0;
    if (out->ppid > 0) {
        pthread_mutex_lock(&pt->lock);
        struct pt_entry *p = find_live(pt, out->ppid);
        if (p)
            memcpy(out->parent_entity_id, p->entity_id, sizeof(out->parent_entity_id));
        pthread_mutex_unlock(&pt->lock);
        if (!p && (parent_ticks = procfs_start_ticks(out->ppid)) != 0)
            make_id(pt, out->ppid, parent_ticks, out->parent_entity_id);
    }
    found = true;
    uint64_t now = time_mono_ns();
    pthread_mutex_lock(&pt->lock);
    bool created;
    e = upsert(pt, out, now, &created);
    if (e) {
        if (created)
            from_snapshot(pt, e, out);
        to_snapshot(e, out); /* another thread may have inserted it meanwhile */
    }
    purge(pt, now, false);
    pthread_mutex_unlock(&pt->lock);
cleanup:
    procfs_proc_free(pp);
    free(pp);
    buf_free(&line);
    return found;
}

void proctable_on_fork(struct proctable *pt, const struct proc_snapshot *child)
{
    uint64_t now = time_mono_ns();
    pthread_mutex_lock(&pt->lock);
    bool created;
    struct pt_entry *e = upsert(pt, child, now, &created);
    if (!e)
        goto out;
    struct pt_entry *parent = child->ppid > 0 ? find_live(pt, child->ppid) : NULL;
    from_snapshot(pt, e, child);
    if (parent && parent != e) {
        /* what a fork inherits */
        if (!child->exe[0] && parent->exe)
            set_text(&e->exe, parent->exe, PROC_EXE_MAX);
        if (!child->cmdline[0] && parent->cmdline)
            set_text(&e->cmdline, parent->cmdline, PROC_CMDLINE_MAX);
        if (!child->comm[0])
            memcpy(e->comm, parent->comm, sizeof(e->comm));
        if (!child->uid && !child->euid && !child->gid && !child->egid) {
            e->uid = parent->uid;
            e->euid = parent->euid;
            e->gid = parent->gid;
            e->egid = parent->egid;
        }
        if (!child->auid && !child->session_id) {
            e->auid = parent->auid;
            e->session_id = parent->session_id;
        }
    }
    link_parent(pt, e);
out:
    purge(pt, now, false);
    pthread_mutex_unlock(&pt->lock);
}

void proctable_on_exec(struct proctable *pt, const struct proc_snapshot *proc)
{
    uint64_t now = time_mono_ns();
    pthread_mutex_lock(&pt->lock);
    bool created;
    struct pt_entry *e = upsert(pt, proc, now, &created);
    if (e) {
        int32_t ppid = e->ppid;
        uint64_t ticks = e->start_ticks, start_ns = e->start_time_ns;
        from_snapshot(pt, e, proc);
        if (!created && proc->start_ticks == 0) { /* keep what the table knew */
            e->start_ticks = ticks;
            e->start_time_ns = start_ns;
            make_id(pt, e->pid, ticks, e->entity_id);
        }
        if (proc->ppid <= 0)
            e->ppid = ppid;
        /* a new image: what the sensor did not say is not inherited from the old one */
        set_text(&e->exe, proc->exe, PROC_EXE_MAX);
        set_text(&e->cmdline, proc->cmdline, PROC_CMDLINE_MAX);
        link_parent(pt, e);
    }
    purge(pt, now, false);
    pthread_mutex_unlock(&pt->lock);
}

void proctable_on_exit(struct proctable *pt, int32_t pid, uint64_t start_ticks)
{
    uint64_t now = time_mono_ns();
    pthread_mutex_lock(&pt->lock);
    struct pt_entry *e = find_live(pt, pid);
    if (e && (start_ticks == 0 || e->start_ticks == start_ticks))
        mark_exited(pt, e, now);
    purge(pt, now, false);
    pthread_mutex_unlock(&pt->lock);
}

void proctable_purge(struct proctable *pt)
{
    pthread_mutex_lock(&pt->lock);
    purge(pt, time_mono_ns(), true);
    pthread_mutex_unlock(&pt->lock);
}

size_t proctable_size(struct proctable *pt)
{
    pthread_mutex_lock(&pt->lock);
    size_t n = pt->count;
    pthread_mutex_unlock(&pt->lock);
    return n;
}

int proctable_foreach(struct proctable *pt,
                      void (*each)(void *ctx, const struct proc_snapshot *p), void *ctx)
{
    pthread_mutex_lock(&pt->lock);
    size_t n = 0, cap = pt->count;
    struct proc_snapshot *snaps = cap ? malloc(cap * sizeof(*snaps)) : NULL;
    if (cap && !snaps) {
        pthread_mutex_unlock(&pt->lock);
        return -ENOMEM;
    }
    for (size_t b = 0; b < pt->nbuckets && n < cap; b++)
        for (struct pt_entry *e = pt->buckets[b]; e && n < cap; e = e->next)
            if (!e->exited)
                to_snapshot(e, &snaps[n++]);
    pthread_mutex_unlock(&pt->lock);
    for (size_t i = 0; i < n; i++)
        each(ctx, &snaps[i]);
    free(snaps);
    return (int)n;
}

int proctable_ancestry_json(struct proctable *pt, int32_t pid, unsigned max_depth,
                            struct buf *out)
{
    int rc = 0;
    buf_reset(out);
    rc |= buf_putc(out, '[');
    pthread_mutex_lock(&pt->lock);
    struct pt_entry *e = find_any(pt, pid);
    /* the parent by entity id when known (pids are reused), else by ppid */
    for (unsigned depth = 0; e && depth < max_depth && !rc; depth++) {
        struct pt_entry *p = e->ppid > 0 && e->ppid != e->pid ? find_any(pt, e->ppid) : NULL;
        if (!p || (e->parent_entity_id[0] && strcmp(p->entity_id, e->parent_entity_id) != 0))
            break;
        const char *exe = p->exe ? p->exe : "";
        char cmd[ANCESTRY_CMDLINE_MAX + 1];
        ptext_copy(cmd, sizeof(cmd), p->cmdline ? p->cmdline : "",
                   p->cmdline ? strlen(p->cmdline) : 0);
        rc |= buf_printf(out, "%s{\"entity_id\":\"%s\",\"pid\":%d,\"exe\":", depth ? "," : "",
                         p->entity_id, (int)p->pid);
        rc |= ptext_json_string(out, exe, strlen(exe));
        rc |= buf_append_str(out, ",\"cmdline\":");
        rc |= ptext_json_string(out, cmd, strlen(cmd));
        rc |= buf_putc(out, '}');
        e = p;
    }
    pthread_mutex_unlock(&pt->lock);
    rc |= buf_putc(out, ']');
    rc |= buf_terminate(out);
    return rc ? -ENOMEM : 0;
}

void proctable_on_creds(struct proctable *pt, int32_t pid, uint32_t uid, uint32_t euid,
                        uint32_t gid, uint32_t egid)
{
    pthread_mutex_lock(&pt->lock);
    struct pt_entry *e = find_live(pt, pid);
    if (e) {
        e->uid = uid;
        e->euid = euid;
        e->gid = gid;
        e->egid = egid;
    }
    pthread_mutex_unlock(&pt->lock);
}

bool proctable_get_brief(struct proctable *pt, int32_t pid, struct proc_brief *out)
{
    if (pid <= 0)
        return false;
    pthread_mutex_lock(&pt->lock);
    struct pt_entry *e = find_any(pt, pid);
    if (e) {
        out->pid = e->pid;
        out->ppid = e->ppid;
        out->start_ticks = e->start_ticks;
        memcpy(out->entity_id, e->entity_id, sizeof(out->entity_id));
        memcpy(out->parent_entity_id, e->parent_entity_id, sizeof(out->parent_entity_id));
        str_copy(out->exe, e->exe ? e->exe : "", sizeof(out->exe));
        out->exited = e->exited;
    }
    pthread_mutex_unlock(&pt->lock);
    return e != NULL;
}
