/* bench_inventory.c - what the asset inventory costs the host: every collector (or those named)
 * runs once as a full scan from an empty state, then `--runs` more times incrementally, in this
 * process, and the table shows rows, events and CPU time (user + system of the scanning thread,
 * CLOCK_THREAD_CPUTIME_ID) per collector and in total. With --dump, every event is printed as a
 * JSON line on stdout (the table then goes to stderr).
 *
 *   bench_inventory [--root DIR] [--runs N] [--dump] [--set NAME=VALUE]... [COLLECTOR...] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_config.h"
#include "agent/host.h"
#include "agent/inventory/inventory.h"
#include "agent/module.h"
#include "common/event_json.h"
#include "common/log.h"
#include "common/util.h"

struct sink {
    bool dump;
    uint64_t events;
};

static int sink_emit(void *ctx, struct event *ev)
{
    struct sink *s = ctx;
    s->events++;
    if (s->dump) {
        struct buf b = {0};
        if (event_to_json_line(ev, &b) == 0)
            fwrite(b.data, 1, b.len, stdout);
        buf_free(&b);
    }
    event_free(ev);
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'}, {"runs", required_argument, NULL, 'n'},
        {"dump", no_argument, NULL, 'd'}, {"set", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    struct agent_config cfg;
    struct vg_error err = {{0}};
    struct sink sink = {0};
    int runs = 5, o, rc = 1;
    log_set_level(LOG_LVL_WARN);
    if (agent_config_init(&cfg, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    /* the inventory module's config is the one whose table is inventory_options */
    struct inventory_config *icfg = NULL;
    for (size_t i = 0; agent_modules[i]; i++)
        if (agent_modules[i]->options == inventory_options)
            icfg = cfg.module_configs[i];
    while ((o = getopt_long(argc, argv, "r:n:ds:", opts, NULL)) != -1) {
        char set[4200];
        switch (o) {
        case 'r':
            snprintf(set, sizeof(set), "inventory.root=%s", optarg);
            if (agent_config_set(&cfg, set, &err))
                goto usage;
            break;
        case 'n': runs = atoi(optarg); break;
        case 'd': sink.dump = true; break;
        case 's':
            snprintf(set, sizeof(set), "inventory.%s", optarg);
            if (agent_config_set(&cfg, set, &err))
                goto usage;
            break;
        default: goto usage;
        }
    }
    bool want[INV_NCOLLECTORS] = {false};
    bool any = optind < argc;
    for (int i = optind; i < argc; i++) {
        int c = inv_collector_find(argv[i]);
        if (c < 0) {
            fprintf(stderr, "no collector %s\n", argv[i]);
            goto out;
        }
        want[c] = true;
    }
    struct host_info host;
    if (host_info_load(&host, NULL, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        goto out;
    }
    char state[] = "/tmp/vigil-bench-inv.XXXXXX";
    if (!mkdtemp(state)) {
        perror("mkdtemp");
        goto out;
    }
    struct inv_engine *e = NULL;
    if (inv_engine_new(icfg, &host, state, sink_emit, &sink, &e, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        dir_remove_tree(state);
        goto out;
    }
    FILE *t = sink.dump ? stderr : stdout;
    fprintf(t, "| collector | rows | events (full) | CPU ms (full) | wall ms (full) | "
               "events (incr.) | CPU ms (incr., median of %d) |\n|---|---:|---:|---:|---:|---:|---:|\n",
            runs);
    uint64_t tot_rows = 0, tot_full = 0, tot_incr = 0;
    for (int c = 0; c < INV_NCOLLECTORS; c++) {
        if (any ? !want[c] : !icfg->interval[c])
            continue;
        struct inv_run_result r;
        uint64_t before = sink.events;
        inv_engine_run(e, (enum inv_collector_id)c, true, &r);
        uint64_t full_events = sink.events - before;
        if (r.status)
            fprintf(stderr, "%s: %s\n", inv_collectors[c]->name, r.error);
        uint64_t *cpu = calloc((size_t)(runs > 0 ? runs : 1), sizeof(*cpu));
        before = sink.events;
        for (int k = 0; k < runs; k++) {
            struct inv_run_result ri;
            inv_engine_run(e, (enum inv_collector_id)c, false, &ri);
            cpu[k] = ri.cpu_us;
        }
        qsort(cpu, (size_t)runs, sizeof(*cpu), cmp_u64);
        uint64_t med = runs > 0 ? cpu[runs / 2] : 0;
        fprintf(t, "| %s | %llu | %llu | %.1f | %.1f | %.1f | %.2f |\n", inv_collectors[c]->name,
                (unsigned long long)r.rows, (unsigned long long)full_events,
                (double)r.cpu_us / 1000.0, (double)r.duration_us / 1000.0,
                runs > 0 ? (double)(sink.events - before) / runs : 0.0, (double)med / 1000.0);
        tot_rows += r.rows;
        tot_full += r.cpu_us;
        tot_incr += med;
        free(cpu);
    }
    fprintf(t, "| **total** | %llu | | **%.1f** | | | **%.2f** |\n", (unsigned long long)tot_rows,
            (double)tot_full / 1000.0, (double)tot_incr / 1000.0);
    inv_engine_free(e);
    dir_remove_tree(state);
    rc = 0;
    goto out;
usage:
    fprintf(stderr, "%s\nusage: bench_inventory [--root DIR] [--runs N] [--dump] "
                    "[--set NAME=VALUE]... [COLLECTOR...]\n", err.msg);
out:
    agent_config_free(&cfg);
    return rc;
}
