/* risk.h - what the checks of the risk module share: the run of one check (its scan id and
 * time, the host's root, where findings go) and the finding it reports. Each check has its
 * files (risk_passwords.c, risk_services.c, and risk_config.c with its parts risk_ssh.c,
 * risk_sudo.c, risk_files.c, risk_kernel.c), run by risk_module.c. */
#ifndef VIGIL_AGENT_RISK_H
#define VIGIL_AGENT_RISK_H

#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"
#include "common/error.h"
#include "common/event.h"

struct risk_config {
    bool enabled;
    uint64_t interval_ms, jitter_ms, start_delay_ms;
    char *root;              /* read the host's files under this directory ("": /) */
    bool passwords, services, config;
    char *dictionary;        /* the weak passwords file */
    uint64_t password_budget_ms; /* CPU time one scan may spend hashing */
    bool probe;              /* services: ask the service itself on loopback */
    uint64_t probe_timeout_ms;
    int64_t nice;
};

struct risk_run {
    const struct risk_config *cfg;
    const char *check;    /* passwords, services, config */
    const char *hostname;
    char scan_id[37];
    uint64_t time_ns;     /* the run's start: every event of the run carries it */
    void (*emit)(void *ctx, struct event *ev);
    void *emit_ctx;
    int findings;         /* reported so far */
    bool incomplete;      /* the check stopped before testing everything */
};

struct risk_finding {
    const char *kind, *subject, *severity, *rule, *message, *remediation;
    const char *user, *path, *app_name, *src_ip, *setting, *value;
    int64_t src_port;     /* 0: none */
};

/* Send one finding of the run (a risk_findings event). */
void risk_report(struct risk_run *run, const struct risk_finding *f);

/* The path of a host file under the configured root, into out. */
void risk_path(const struct risk_run *run, const char *path, char *out, size_t outlen);

/* The checks. Each reports what holds with risk_report and returns 0, or -errno with err when
 * it could not run at all (its findings are then left as they were). */
struct risk_passwords;
struct risk_passwords *risk_passwords_new(void);
void risk_passwords_free(struct risk_passwords *p);
int risk_check_passwords(struct risk_run *run, struct risk_passwords *state,
                         struct vg_error *err);
int risk_check_services(struct risk_run *run, struct vg_error *err);
int risk_check_config(struct risk_run *run, struct vg_error *err);
/* The parts of the config check (they report what they find and cannot fail as a whole). */
void risk_check_sshd(struct risk_run *run);
void risk_check_sudo(struct risk_run *run);
void risk_check_files(struct risk_run *run);
void risk_check_kernel(struct risk_run *run);

#endif
