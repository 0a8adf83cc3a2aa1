/* bench_risk.c - what the agent's risk checks cost the host, and how far the password budget
 * goes. Each check runs --runs times in this process against the host (or --root DIR) and the
 * table shows findings and CPU time (CLOCK_THREAD_CPUTIME_ID) per run: the first run and the
 * median of the others. With --accounts N, a generated passwd/shadow of N accounts with strong
 * passwords (libxcrypt's default yescrypt) is checked instead, showing how many candidates a
 * CPU second covers and how many runs of the default budget a full pass needs.
 *
 *   bench_risk [--root DIR] [--runs N] [--accounts N] [--dictionary FILE] */
#include <crypt.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/risk/risk.h"
#include "common/util.h"

static uint64_t events;

static void sink(void *ctx, struct event *ev)
{
    (void)ctx;
    events++;
    event_free(ev);
}

static uint64_t cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* A root with N accounts whose passwords are random (never weak): the worst case, every
 * candidate tried. */
static int make_accounts(const char *dir, int n)
{
    char p[4200];
    snprintf(p, sizeof(p), "%s/etc", dir);
    mkdir(dir, 0700);
    mkdir(p, 0700);
    snprintf(p, sizeof(p), "%s/etc/passwd", dir);
    FILE *pw = fopen(p, "w");
    snprintf(p, sizeof(p), "%s/etc/shadow", dir);
    FILE *sh = fopen(p, "w");
    if (!pw || !sh)
        return -1;
    for (int i = 0; i < n; i++) {
        char secret[33], hex[16];
        random_bytes(hex, sizeof(hex));
        for (int k = 0; k < 16; k++)
            snprintf(secret + 2 * k, 3, "%02x", (unsigned char)hex[k]);
        char *salt = crypt_gensalt_ra("$y$", 0, NULL, 0);
        struct crypt_data cd = {0};
        const char *h = salt ? crypt_r(secret, salt, &cd) : NULL;
        free(salt);
        if (!h || h[0] == '*')
            return -1;
        fprintf(pw, "user%d:x:%d:%d::/home/user%d:/bin/bash\n", i, 2000 + i, 2000 + i, i);
        fprintf(sh, "user%d:%s:20000:0:99999:7:::\n", i, h);
    }
    fclose(pw);
    fclose(sh);
    return 0;
}

int main(int argc, char **argv)
{
    struct risk_config cfg = {
        .passwords = true, .services = true, .config = true, .probe = true,
        .probe_timeout_ms = 2000, .password_budget_ms = 20000,
        .dictionary = VIGIL_SOURCE_DIR "/data/weak-passwords.txt", .root = "",
    };
    int runs = 5, accounts = 0;
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'},     {"runs", required_argument, NULL, 'n'},
        {"accounts", required_argument, NULL, 'a'}, {"dictionary", required_argument, NULL, 'd'},
        {NULL, 0, NULL, 0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "r:n:a:d:", opts, NULL)) != -1) {
        switch (o) {
        case 'r': cfg.root = optarg; break;
        case 'n': runs = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
        case 'a': accounts = atoi(optarg); break;
        case 'd': cfg.dictionary = optarg; break;
        default:
            fprintf(stderr, "usage: bench_risk [--root DIR] [--runs N] [--accounts N] "
                            "[--dictionary FILE]\n");
            return 2;
        }
    }
    char tmp[] = "/tmp/vigil-bench-risk.XXXXXX";
    if (accounts > 0) {
        if (!mkdtemp(tmp) || make_accounts(tmp, accounts)) {
            fprintf(stderr, "bench_risk: cannot make the accounts\n");
            return 1;
        }
        cfg.root = tmp;
    }
    char host[256] = "";
    gethostname(host, sizeof(host) - 1);
    struct risk_passwords *pw = risk_passwords_new();
    static const char *const checks[] = {"passwords", "services", "config"};
    printf("%-10s %8s %14s %14s %s\n", "check", "findings", "first_cpu_ms", "median_cpu_ms",
           "incomplete");
    for (size_t c = 0; c < 3; c++) {
        if (accounts > 0 && c > 0)
            break;
        uint64_t *t = calloc((size_t)runs, sizeof(*t));
        int findings = 0;
        bool incomplete = false;
        for (int r = 0; r < runs; r++) {
            struct risk_run run = {.cfg = &cfg, .check = checks[c], .hostname = host,
                                   .emit = sink};
            struct vg_error err = {{0}};
            uint64_t c0 = cpu_us();
            int rc = c == 0 ? risk_check_passwords(&run, pw, &err)
                   : c == 1 ? risk_check_services(&run, &err)
                            : risk_check_config(&run, &err);
            t[r] = cpu_us() - c0;
            if (rc)
                fprintf(stderr, "%s: %s\n", checks[c], vg_error_str(&err, rc));
            if (r == 0) {
                findings = run.findings;
                incomplete = run.incomplete;
            }
        }
        uint64_t first = t[0];
        if (runs > 1)
            qsort(t + 1, (size_t)runs - 1, sizeof(*t), cmp_u64);
        uint64_t median = runs > 1 ? t[1 + (runs - 1) / 2] : t[0];
        printf("%-10s %8d %14.1f %14.1f %s\n", checks[c], findings, first / 1000.0,
               median / 1000.0, incomplete ? "yes" : "no");
        if (accounts > 0) {
            int words = 0;
            char line[256];
            FILE *f = fopen(cfg.dictionary, "r");
            while (f && fgets(line, sizeof(line), f))
                words += line[0] != '#' && line[0] != '\n';
            if (f)
                fclose(f);
            int cand = 32 + words;
            printf("%d accounts x %d candidates (32 name variants + %d words) in %.1f s of "
                   "CPU: %.0f hashes per CPU second; a %.0f s budget covers %.1f accounts per "
                   "run\n", accounts, cand, words, first / 1e6,
                   (double)accounts * cand / (first / 1e6), cfg.password_budget_ms / 1000.0,
                   cfg.password_budget_ms / 1000.0 / ((first / 1e6) / accounts));
        }
        free(t);
    }
    risk_passwords_free(pw);
    if (accounts > 0) {
        char cmd[200];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
        if (system(cmd))
            fprintf(stderr, "bench_risk: could not remove %s\n", tmp);
    }
    return 0;
}
