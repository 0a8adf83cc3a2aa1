/* bench_engine.c - throughput and latency of the detection engine: a stream of mixed events
 * (process exec/fork/exit, network connects, file writes; command lines and executables taken
 * from this host's /proc plus attack-like ones, 1 in 1000) replayed through engines holding 10,
 * 100, all available and 1,000 rules. Prints events per second per core (CPU time of the
 * matching thread, robust to other load) and per-event latency percentiles.
 *
 * usage: bench_engine [--rare-alerts] [EVENTS] [RULE_DIR...]
 *   default 1,000,000 events, rules/ and sigma-dev. By default connections are made by any of
 *   the host's programs, shells included, so a Sigma rule on shells connecting out fires on
 *   ~9% of events (an alert-heavy stream); --rare-alerts draws connections from non-shell
 *   programs only, leaving the 1-in-1000 attack-like execs as the alerts (a quiet host). */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"

#define POOL 512

static char *exes[POOL], *cmds[POOL];
static size_t npool;

static void add_pool(const char *exe, const char *cmd)
{
    if (npool < POOL) {
        exes[npool] = strdup(exe);
        cmds[npool] = strdup(cmd);
        npool++;
    }
}

/* Executables and command lines of the processes running here. */
static void pool_from_proc(void)
{
    DIR *d = opendir("/proc");
    struct dirent *de;
    while (d && (de = readdir(d)) && npool < POOL - 16) {
        if (de->d_name[0] < '1' || de->d_name[0] > '9')
            continue;
        char path[300], exe[1024], cmd[2048];
        snprintf(path, sizeof(path), "/proc/%s/exe", de->d_name);
        ssize_t n = readlink(path, exe, sizeof(exe) - 1);
        if (n <= 0)
            continue;
        exe[n] = '\0';
        snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t k = fread(cmd, 1, sizeof(cmd) - 1, f);
        fclose(f);
        for (size_t i = 0; i + 1 < k; i++)
            if (!cmd[i])
                cmd[i] = ' ';
        cmd[k] = '\0';
        add_pool(exe, cmd);
    }
    if (d)
        closedir(d);
    add_pool("/usr/bin/gcc", "gcc -O2 -c -o main.o main.c");
    add_pool("/usr/bin/make", "make -j2 all");
    add_pool("/usr/bin/git", "git status --porcelain");
}

static bool rare_alerts;

static bool is_shell(const char *exe)
{
    size_t l = strlen(exe);
    return l >= 3 && (!strcmp(exe + l - 3, "/sh") || (l >= 5 && !strcmp(exe + l - 5, "/bash")) ||
                      (l >= 5 && !strcmp(exe + l - 5, "/dash")));
}

static struct event **make_stream(size_t n)
{
    struct event **evs = calloc(n, sizeof(*evs));
    unsigned seed = 42;
    for (size_t i = 0; i < n; i++) {
        unsigned r = (unsigned)rand_r(&seed);
        size_t p = (size_t)rand_r(&seed) % npool;
        struct event *ev;
        int kind = (int)(r % 100);
        if (kind < 30) {
            ev = event_new(TBL_PROCESS_EVENTS, "exec");
            if (i % 1000 == 0) {
                event_add_str(ev, FLD_EXE, "/tmp/.x/xmrig");
                event_add_str(ev, FLD_CMDLINE, "xmrig -o stratum+tcp://pool.example:3333 --donate-level 1");
            } else {
                event_add_str(ev, FLD_EXE, exes[p]);
                event_add_str(ev, FLD_CMDLINE, cmds[p]);
            }
            event_add_str(ev, FLD_PARENT_EXE, exes[(p + 1) % npool]);
        } else if (kind < 55) {
            ev = event_new(TBL_PROCESS_EVENTS, kind < 42 ? "fork" : "exit");
            event_add_str(ev, FLD_EXE, exes[p]);
        } else if (kind < 80) {
            while (rare_alerts && is_shell(exes[p]))
                p = (p + 1) % npool;
            ev = event_new(TBL_NETWORK_EVENTS, "connect");
            event_add_str(ev, FLD_EXE, exes[p]);
            event_add_fmt(ev, FLD_DST_IP, "10.%u.%u.%u", r % 255, (r >> 8) % 255, (r >> 16) % 255);
            event_add_int(ev, FLD_DST_PORT, 443);
        } else {
            ev = event_new(TBL_FILE_EVENTS, "open_write");
            event_add_str(ev, FLD_EXE, exes[p]);
            event_add_fmt(ev, FLD_PATH, "/var/lib/app/%u/data.db", r % 1000);
        }
        event_add_int(ev, FLD_PID, (int64_t)(1000 + i % 30000));
        event_add_int(ev, FLD_UID, r % 3 ? 1000 : 0);
        event_add_int(ev, FLD_EUID, r % 3 ? 1000 : 0);
        event_add_fmt(ev, FLD_ENTITY_ID, "%016zx", i);
        event_add_fmt(ev, FLD_PARENT_ENTITY_ID, "%016zx", i / 7);
        ev->time_ns = 1700000000000000000ull + i * 1000;
        evs[i] = ev;
    }
    return evs;
}

static void on_alert(void *ctx, struct event *a)
{
    (*(size_t *)ctx)++;
    event_free(a);
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static char *files[4096];
static size_t nfiles;

/* Every .yml under path, in name order. */
static void list_files(const char *path)
{
    struct dirent **ents;
    int n = scandir(path, &ents, NULL, alphasort);
    if (n < 0) {
        size_t l = strlen(path);
        if (l > 4 && !strcmp(path + l - 4, ".yml") && nfiles < 4096)
            files[nfiles++] = strdup(path);
        return;
    }
    for (int i = 0; i < n; i++) {
        if (ents[i]->d_name[0] != '.') {
            char child[4096];
            snprintf(child, sizeof(child), "%s/%s", path, ents[i]->d_name);
            list_files(child);
        }
        free(ents[i]);
    }
    free(ents);
}

/* An engine with the first rule files up to `limit` rules (0: all), filled up to the limit
 * with synthetic Sigma rules (distinct values, process, network and file categories). */
static struct engine *engine_with(size_t limit, size_t *nrules)
{
    struct engine *e = NULL;
    struct vg_error err = {{0}};
    struct engine_stats st = {0};
    engine_new(NULL, &e, &err);
    for (size_t i = 0; i < nfiles && (!limit || st.rules < limit); i++) {
        engine_load_path(e, files[i], &err);
        engine_get_stats(e, &st);
    }
    for (size_t k = 0; limit && st.rules < limit; k++) {
        char y[1024];
        snprintf(y, sizeof(y),
                 "title: synthetic %zu\nid: syn-%zu\nlevel: medium\nlogsource: {category: %s, product: linux}\n"
                 "detection:\n  sel:\n    Image|endswith: ['/tool%zu', '/t%zux']\n    CommandLine|contains: ['--opt%zu', 'x%zuy']\n"
                 "  filter: {CommandLine|startswith: '/opt/safe%zu'}\n  condition: sel and not filter\n",
                 k, k, k % 3 == 0 ? "process_creation" : k % 3 == 1 ? "network_connection" : "file_event",
                 k, k, k, k, k);
        engine_load_text(e, y, strlen(y), "synthetic", &err);
        engine_get_stats(e, &st);
    }
    if (engine_compile(e, &err)) {
        fprintf(stderr, "compile: %s\n", err.msg);
        exit(1);
    }
    *nrules = st.rules;
    return e;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--rare-alerts")) {
        rare_alerts = true;
        argv++;
        argc--;
    }
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    if (argc > 2) {
        for (int i = 2; i < argc; i++)
            list_files(argv[i]);
    } else {
        list_files(VIGIL_SOURCE_DIR "/../shared/sigma-dev/rules");
        if (!nfiles)
            list_files("/work/shared/sigma-dev/rules");
        list_files(VIGIL_SOURCE_DIR "/rules");
    }
    pool_from_proc();
    struct event **evs = make_stream(n);
    size_t limits[] = {10, 100, 0, 1000};
    printf("%-10s %8s %12s %14s %10s %10s %10s %8s\n", "rule set", "rules", "events", "events/s/core",
           "ns/event", "p50 ns", "p99 ns", "alerts");
    uint64_t *lat = malloc(((n / 64) + 1) * sizeof(*lat));
    for (size_t li = 0; li < sizeof(limits) / sizeof(limits[0]); li++) {
        size_t nrules, alerts = 0, nl = 0;
        struct engine *e = engine_with(limits[li], &nrules);
        double c0 = cpu_s();
        for (size_t i = 0; i < n; i++) {
            if (i % 64 == 0) {
                struct timespec a, b;
                clock_gettime(CLOCK_MONOTONIC, &a);
                engine_match(e, evs[i], i + 1, on_alert, &alerts);
                clock_gettime(CLOCK_MONOTONIC, &b);
                lat[nl++] = (uint64_t)((b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec));
            } else {
                engine_match(e, evs[i], i + 1, on_alert, &alerts);
            }
        }
        double cpu = cpu_s() - c0;
        qsort(lat, nl, sizeof(*lat), cmp_u64);
        char name[16];
        snprintf(name, sizeof(name), "%s", limits[li] == 0 ? "all" : limits[li] == 10 ? "10" : limits[li] == 100 ? "100" : "1000");
        printf("%-10s %8zu %12zu %14.0f %10.0f %10llu %10llu %8zu\n", name, nrules, n, n / cpu,
               cpu * 1e9 / n, (unsigned long long)lat[nl / 2], (unsigned long long)lat[nl * 99 / 100],
               alerts);
        engine_free(e);
    }
    for (size_t i = 0; i < n; i++)
        event_free(evs[i]);
    free(evs);
    free(lat);
    return 0;
}
