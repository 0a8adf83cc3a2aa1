/* apps.h - what the applications collector's parts share: one application found on the host
 * (running, or installed), the file system it is read in, and the readers of each server's
 * configuration (app_configs.c) that fill in where it is configured to listen and its sites. */
#ifndef VIGIL_INV_APPS_H
#define VIGIL_INV_APPS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent/inventory/inventory.h"
#include "common/buf.h"

struct app_instance {
    struct inv_scan *s;
    const char *app;        /* nginx, apache, ... */
    char fsroot[PATH_MAX];  /* where its files are read: the scan's root, or /proc/PID/root for
                               a process in another mount namespace */
    char config[PATH_MAX];  /* main configuration file, as the application sees it ("" none) */
    const char *args;       /* the main process's argv (NUL-separated), NULL when not running */
    size_t args_len;
    struct buf config_listen; /* comma-separated, as written */
    char version[128];      /* from the application's own files when the package does not say */
};

/* Read a file of the instance's file system. 0, or -errno. */
int app_read(const struct app_instance *a, const char *path, struct buf *b);
/* The files matching a glob in the instance's file system (paths as it sees them, sorted);
 * *n receives their number. Caller frees with inv_names_free. */
char **app_glob(const struct app_instance *a, const char *pattern, size_t *n);
/* Append one address to the instance's config_listen. */
void app_listen(struct app_instance *a, const char *text);
/* A row of web_site_changes. */
void app_site(struct app_instance *a, const char *names, const char *listen, const char *root,
              const char *path, unsigned line);
/* The value of option opt in argv ("-c FILE", "-cFILE", "--conf=FILE", "--conf FILE"), or NULL.
 * The result points into the argv or into out. */
const char *app_arg(const char *args, size_t len, const char *opt, char *out, size_t outlen);

/* Configuration readers: fill config_listen, sites and version from a.config (or argv). */
void app_config_nginx(struct app_instance *a);
void app_config_apache(struct app_instance *a);
void app_config_tomcat(struct app_instance *a);
void app_config_mysql(struct app_instance *a);
void app_config_postgresql(struct app_instance *a);
void app_config_redis(struct app_instance *a);
void app_config_yaml(struct app_instance *a);
void app_config_memcached(struct app_instance *a);
void app_config_docker(struct app_instance *a);

#endif
