/* bench_baseline.c - time of each baseline policy on this machine: load, requirements and
 * every check, repeated; prints wall-clock and CPU time (the agent's own and its commands')
 * per policy, and with --results FILE writes every check's outcome as JSON lines for the
 * comparison with Lynis (bench/baseline_vs_lynis.sh).
 *
 *   bench_baseline [--runs N] [--results FILE] POLICY.yml... */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "agent/baseline/sca_eval.h"
#include "agent/baseline/sca_policy.h"
#include "common/util.h"

static double cpu_ms(int who)
{
    struct rusage ru;
    getrusage(who, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int runs = 3;
    const char *results = NULL;
    int o;
    while ((o = getopt(argc, argv, "n:r:")) != -1) {
        if (o == 'n')
            runs = atoi(optarg) > 0 ? atoi(optarg) : 1;
        else if (o == 'r')
            results = optarg;
        else {
            fprintf(stderr, "usage: bench_baseline [-n RUNS] [-r RESULTS.jsonl] POLICY.yml...\n");
            return 2;
        }
    }
    FILE *rf = results ? fopen(results, "w") : NULL;
    printf("%-32s %6s %6s %6s %6s %6s %9s %9s %9s %8s\n", "policy", "checks", "pass", "fail",
           "n/a", "cmds", "wall_ms", "cpu_ms", "child_ms", "status");
    for (int i = optind; i < argc; i++) {
        double wall[64], cpu[64], child[64];
        int n = runs > 64 ? 64 : runs;
        size_t cnt[3] = {0}, nchecks = 0;
        unsigned long long cmds = 0;
        const char *status = "ran";
        char id[64] = "?";
        for (int r = 0; r < n; r++) {
            double c0 = cpu_ms(RUSAGE_SELF), k0 = cpu_ms(RUSAGE_CHILDREN);
            uint64_t t0 = time_mono_ns();
            struct sca_policy *p = NULL;
            struct vg_error err = {{0}};
            if (sca_policy_load_file(argv[i], &p, &err)) {
                fprintf(stderr, "%s\n", err.msg);
                status = "error";
                break;
            }
            str_copy(id, p->id, sizeof(id));
            struct sca_eval_options eo = {.command_timeout_ms = 30000, .commands = true};
            struct sca_eval *e = NULL;
            sca_eval_new(&eo, &e);
            memset(cnt, 0, sizeof(cnt));
            bool run = true;
            if (p->has_requirements) {
                struct sca_check_result req;
                sca_eval_check(e, &p->requirements, &req);
                run = req.status == SCA_PASSED;
                sca_check_result_free(&req);
            }
            status = run ? "ran" : "skipped";
            for (size_t k = 0; run && k < p->nchecks; k++) {
                struct sca_check_result res;
                sca_eval_check(e, &p->checks[k], &res);
                cnt[res.status]++;
                if (rf && r == 0) {
                    char *ev = json_dumps(res.evidence, JSON_COMPACT);
                    json_t *line = json_pack("{s:s,s:I,s:s,s:s,s:s?,s:s?}", "policy", p->id,
                                             "check_id", (json_int_t)p->checks[k].id, "title",
                                             p->checks[k].title, "result",
                                             sca_status_name(res.status), "reason", res.reason,
                                             "evidence", ev);
                    char *s = line ? json_dumps(line, JSON_COMPACT) : NULL;
                    if (s)
                        fprintf(rf, "%s\n", s);
                    free(s);
                    free(ev);
                    json_decref(line);
                }
                sca_check_result_free(&res);
            }
            struct sca_eval_stats st;
            sca_eval_get_stats(e, &st);
            cmds = st.commands_run;
            nchecks = p->nchecks;
            sca_eval_free(e);
            sca_policy_free(p);
            wall[r] = (time_mono_ns() - t0) / 1e6;
            cpu[r] = cpu_ms(RUSAGE_SELF) - c0;
            child[r] = cpu_ms(RUSAGE_CHILDREN) - k0;
        }
        if (!strcmp(status, "error")) {
            printf("%-32s %6s %6s %6s %6s %6s %9s %9s %9s %8s\n", argv[i], "-", "-", "-", "-",
                   "-", "-", "-", "-", status);
            continue;
        }
        qsort(wall, (size_t)n, sizeof(double), cmp_double);
        qsort(cpu, (size_t)n, sizeof(double), cmp_double);
        qsort(child, (size_t)n, sizeof(double), cmp_double);
        printf("%-32s %6zu %6zu %6zu %6zu %6llu %9.1f %9.1f %9.1f %8s\n", id, nchecks, cnt[0],
               cnt[1], cnt[2], cmds, wall[n / 2], cpu[n / 2], child[n / 2], status);
    }
    if (rf)
        fclose(rf);
    return 0;
}
