/* main.c - vigil-agent: read the configuration, start the agent, run until SIGTERM/SIGINT. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "common/log.h"
#include "common/util.h"

#define DEFAULT_CONFIG "/etc/vigil/agent.yml"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: vigil-agent [--config FILE] [--server URL] [--state-dir DIR]\n"
            "                   [--enroll-token TOKEN | --enroll-token-file FILE]\n"
            "                   [--set NAME=VALUE]... [--log-level LEVEL] [--log-file FILE]\n"
            "       vigil-agent --print-options\n"
            "\n"
            "Runs in the foreground until SIGTERM or SIGINT. The configuration is read from\n"
            "FILE (default %s when it exists); --set overrides any option, including module\n"
            "options such as process.mode=proc_connector.\n",
            DEFAULT_CONFIG);
}

static void print_options(void)
{
    struct buf b = {0};
    buf_append_str(&b, "## vigil-agent\n\n");
    config_markdown(agent_options, NULL, &b);
    for (size_t i = 0; agent_modules[i]; i++) {
        if (!agent_modules[i]->options)
            continue;
        char prefix[64];
        snprintf(prefix, sizeof(prefix), "%s.", agent_modules[i]->name);
        buf_printf(&b, "\n## module %s\n\n", agent_modules[i]->name);
        config_markdown(agent_modules[i]->options, prefix, &b);
    }
    buf_terminate(&b);
    fputs((const char *)b.data, stdout);
    buf_free(&b);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"server", required_argument, NULL, 's'},
        {"state-dir", required_argument, NULL, 'd'},
        {"enroll-token", required_argument, NULL, 't'},
        {"enroll-token-file", required_argument, NULL, 'T'},
        {"set", required_argument, NULL, 'o'},
        {"log-level", required_argument, NULL, 'v'},
        {"log-file", required_argument, NULL, 'l'},
        {"print-options", no_argument, NULL, 'p'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct agent a;
    struct vg_error err = {{0}};
    const char *config = NULL, *logfile = NULL;
    memset(&a, 0, sizeof(a));
    log_set_ident("vigil-agent");
    umask(077);
    int rc = agent_config_init(&a.cfg, &err);
    if (rc) {
        fprintf(stderr, "vigil-agent: %s\n", err.msg);
        return 1;
    }
    /* first pass: the config file, so that command-line options override it */
    int c;
    while ((c = getopt_long(argc, argv, "c:s:d:t:T:o:v:l:pVh", opts, NULL)) != -1) {
        if (c == 'c')
            config = optarg;
        else if (c == 'h') {
            usage(stdout);
            return 0;
        } else if (c == 'V') {
            printf("vigil-agent %s\n", VIGIL_VERSION);
            return 0;
        } else if (c == 'p') {
            print_options();
            return 0;
        } else if (c == '?') {
            usage(stderr);
            return 2;
        }
    }
    if (config || access(DEFAULT_CONFIG, R_OK) == 0) {
        rc = agent_config_load(&a.cfg, config ? config : DEFAULT_CONFIG, &err);
        if (rc) {
            fprintf(stderr, "vigil-agent: %s\n", vg_error_str(&err, rc));
            return 1;
        }
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:s:d:t:T:o:v:l:pVh", opts, NULL)) != -1 && !rc) {
        switch (c) {
        case 's': rc = config_set(agent_options, &a.cfg, "server", optarg, &err); break;
        case 'd': rc = config_set(agent_options, &a.cfg, "state_dir", optarg, &err); break;
        case 't': rc = config_set(agent_options, &a.cfg, "enroll_token", optarg, &err); break;
        case 'T': rc = config_set(agent_options, &a.cfg, "enroll_token_file", optarg, &err); break;
        case 'o': rc = agent_config_set(&a.cfg, optarg, &err); break;
        case 'v': rc = config_set(agent_options, &a.cfg, "log_level", optarg, &err); break;
        case 'l': logfile = optarg; break;
        default: break;
        }
    }
    if (rc) {
        fprintf(stderr, "vigil-agent: %s\n", vg_error_str(&err, rc));
        agent_config_free(&a.cfg);
        return 2;
    }
    while (a.cfg.server[0] && a.cfg.server[strlen(a.cfg.server) - 1] == '/')
        a.cfg.server[strlen(a.cfg.server) - 1] = '\0';
    if (logfile && (rc = log_open_file(logfile))) {
        fprintf(stderr, "vigil-agent: %s: %s\n", logfile, strerror(-rc));
        return 1;
    }
    int lvl = log_level_parse(a.cfg.log_level);
    if (lvl < 0) {
        fprintf(stderr, "vigil-agent: unknown log level %s\n", a.cfg.log_level);
        return 2;
    }
    log_set_level((enum log_level)lvl);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    rc = host_info_load(&a.host, a.cfg.scope, &err);
    if (!rc)
        rc = agent_start(&a, &err);
    if (rc) {
        log_error("cannot start: %s", vg_error_str(&err, rc));
        agent_stop(&a, 0);
        agent_config_free(&a.cfg);
        curl_global_cleanup();
        return 1;
    }
    int sig = 0;
    sigwait(&set, &sig);
    log_info("signal %d: stopping", sig);
    agent_stop(&a, 3000);
    agent_config_free(&a.cfg);
    curl_global_cleanup();
    log_info("stopped");
    return 0;
}
