/* main.c - vigil-server: `init` a data directory, or `run` the server over one. */
#include <errno.h>
#include <getopt.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/util.h"
#include "server/api/http.h"
#include "server/server.h"
#include "server/alerts/incidents.h"
#include "server/hunt/hunts.h"
#include "server/tasks/tasks.h"

#define DEFAULT_DIR "/var/lib/vigil"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: vigil-server init [--dir DIR] [--listen ADDR] [--port N] [--san NAME]... "
            "[--force]\n"
            "       vigil-server run  [--dir DIR] [--log-level LEVEL] [--log-file FILE]\n"
            "       vigil-server options   (the options of server.yml, as Markdown)\n"
            "       vigil-server version\n"
            "\n"
            "init creates DIR (default %s) with a CA, the server certificate, the database,\n"
            "the admin credentials and an enrollment token for agents. run serves the API.\n",
            DEFAULT_DIR);
}

static int cmd_init(int argc, char **argv)
{
    const char *dir = DEFAULT_DIR;
    bool force = false;
    struct server_config cfg;
    struct vg_error err = {{0}};
    config_defaults(server_options, &cfg);
    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'},  {"listen", required_argument, NULL, 'l'},
        {"port", required_argument, NULL, 'p'}, {"san", required_argument, NULL, 's'},
        {"force", no_argument, NULL, 'f'},      {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, rc = 0;
    while ((c = getopt_long(argc, argv, "d:l:p:s:fh", opts, NULL)) != -1 && !rc) {
        switch (c) {
        case 'd': dir = optarg; break;
        case 'l': rc = config_set(server_options, &cfg, "listen", optarg, &err); break;
        case 'p': rc = config_set(server_options, &cfg, "port", optarg, &err); break;
        case 's': rc = config_append(server_options, &cfg, "san", optarg, &err); break;
        case 'f': force = true; break;
        case 'h': usage(stdout); config_free(server_options, &cfg); return 0;
        default: usage(stderr); config_free(server_options, &cfg); return 2;
        }
    }
    if (!rc && (cfg.port < 1 || cfg.port > 65535))
        rc = vg_error_set(&err, -EINVAL, "port %lld is out of range", (long long)cfg.port);
    if (!rc)
        rc = server_init(dir, &cfg, force, &err);
    config_free(server_options, &cfg);
    if (rc) {
        fprintf(stderr, "vigil-server init: %s\n", vg_error_str(&err, rc));
        return 1;
    }
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    const char *dir = DEFAULT_DIR, *level = NULL, *logfile = NULL;
    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'},
        {"log-level", required_argument, NULL, 'v'},
        {"log-file", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "d:v:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': dir = optarg; break;
        case 'v': level = optarg; break;
        case 'o': logfile = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    int lrc;
    if (logfile && (lrc = log_open_file(logfile))) {
        fprintf(stderr, "vigil-server: %s: %s\n", logfile, strerror(-lrc));
        return 1;
    }
    /* signals are taken by sigwait in this thread only */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct server srv;
    struct vg_error err = {{0}};
    int rc = server_load(&srv, dir, &err);
    if (rc) {
        log_error("cannot start: %s", vg_error_str(&err, rc));
        server_unload(&srv);
        return 1;
    }
    int lvl = log_level_parse(level ? level : srv.cfg.log_level);
    if (lvl >= 0)
        log_set_level((enum log_level)lvl);
    rc = tasks_start(&srv, &err);
    if (!rc)
        rc = hunts_start(&srv, &err);
    if (!rc)
        rc = incidents_start(&srv, &err);
    if (!rc)
        rc = http_start(&srv, &err);
    if (rc) {
        log_error("cannot start: %s", vg_error_str(&err, rc));
        incidents_stop(&srv);
        hunts_stop(&srv);
        tasks_free(&srv);
        server_unload(&srv);
        return 1;
    }
    log_info("vigil-server %s listening on https://%s:%lld (data in %s)", VIGIL_VERSION,
             srv.cfg.listen, (long long)srv.cfg.port, dir);
    int sig = 0;
    sigwait(&set, &sig);
    log_info("signal %d: stopping", sig);
    incidents_stop(&srv);
    hunts_stop(&srv);
    tasks_stop(&srv); /* parked long polls answer now */
    http_stop(&srv);
    tasks_free(&srv);
    server_unload(&srv);
    return 0;
}

int main(int argc, char **argv)
{
    log_set_ident("vigil-server");
    umask(077); /* keys, credentials and the database are for this user only */
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "init"))
        return cmd_init(argc - 1, argv + 1);
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "options")) {
        struct buf b = {0};
        config_markdown(server_options, NULL, &b);
        buf_terminate(&b);
        fputs((const char *)b.data, stdout);
        buf_free(&b);
        return 0;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("vigil-server %s\n", VIGIL_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "vigil-server: unknown command \"%s\"\n", cmd);
    usage(stderr);
    return 2;
}
