/* fuzz_risk_files.c - the host files the risk module reads are outside input (an attacker who
 * gained a foothold may have written them): any bytes, cut at 0xff bytes into passwd, shadow,
 * sshd_config, an sshd_config.d file, sudoers, a sudoers.d file and /etc/environment of a
 * private root, must be checked without faults or leaks. The password budget is 0: the
 * accounts are read and judged, no candidate is hashed. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/risk/risk.h"
#include "common/event.h"

static void sink(void *ctx, struct event *ev)
{
    (void)ctx;
    event_free(ev);
}

static char root[64];

static void remove_root(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
    if (system(cmd))
        fprintf(stderr, "could not remove %s\n", root);
}

static void put(const char *rel, const uint8_t *data, size_t len)
{
    char p[256];
    snprintf(p, sizeof(p), "%s%s", root, rel);
    FILE *f = fopen(p, "w");
    if (!f)
        return;
    fwrite(data, 1, len, f);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const files[] = {"/etc/passwd", "/etc/shadow", "/etc/ssh/sshd_config",
                                        "/etc/ssh/sshd_config.d/a.conf", "/etc/sudoers",
                                        "/etc/sudoers.d/a", "/etc/environment"};
    if (!root[0]) {
        char p[128];
        snprintf(root, sizeof(root), "/tmp/vigil-fuzz-risk.XXXXXX");
        if (!mkdtemp(root))
            abort();
        atexit(remove_root);
        const char *dirs[] = {"/etc", "/etc/ssh", "/etc/ssh/sshd_config.d", "/etc/sudoers.d"};
        for (size_t i = 0; i < 4; i++) {
            snprintf(p, sizeof(p), "%s%s", root, dirs[i]);
            mkdir(p, 0700);
        }
        /* an empty dictionary */
        put("/dict", (const uint8_t *)"", 0);
    }
    size_t part = 0, start = 0;
    for (size_t i = 0; i <= size && part < 7; i++)
        if (i == size || data[i] == 0xff) {
            put(files[part++], data + start, i - start);
            start = i + 1;
        }
    for (; part < 7; part++)
        put(files[part], (const uint8_t *)"", 0);
    char dict[128];
    snprintf(dict, sizeof(dict), "%s/dict", root);
    struct risk_config cfg = {.root = root, .dictionary = dict, .password_budget_ms = 0};
    struct risk_run run = {.cfg = &cfg, .check = "fuzz", .hostname = "fuzzhost", .emit = sink};
    struct risk_passwords *pw = risk_passwords_new();
    struct vg_error err = {{0}};
    risk_check_passwords(&run, pw, &err);
    risk_check_config(&run, &err);
    risk_passwords_free(pw);
    return 0;
}
