/* col_applications.c - the applications collector: web servers, databases, caches and container
 * runtimes (application_changes) and the sites of the web servers (web_site_changes).
 *
 * An application is found running (a process whose executable is the server's, or a JVM whose
 * command line names its main class; workers whose parent is the same server are part of their
 * master) or installed (its package is in the dpkg or RPM database, or its configuration file
 * exists). Each instance is identified by the application and its configuration file, read from
 * the command line when the server takes one (nginx -c, apache2 -f, postgres config_file=,
 * mysqld --defaults-file, catalina.base, es.path.conf) or the distribution's default. Its
 * version is the upstream version of the package that provides it (what nginx -v, apache2 -v,
 * redis-server --version print), else what its own files say (Tomcat's catalina.jar). Where it
 * listens now comes from the sockets its processes hold (sock_diag); where it is configured to
 * listen, from its configuration (app_configs.c). A process in another mount namespace (a
 * container) is read through /proc/PID/root. */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/inventory/apps.h"
#include "agent/inventory/inv_text.h"
#include "agent/inventory/inv_users.h"
#include "agent/inventory/packages.h"
#include "agent/inventory/sockdiag.h"
#include "agent/sensors/process/procfs.h"
#include "common/util.h"

#define APP_ARGS_MAX (32u << 10)

struct app_def {
    const char *name, *type;
    const char *exes[4];           /* executable basenames */
    const char *java_main;         /* or: a JVM whose argv holds this */
    const char *config_opt;        /* command-line option naming the configuration */
    const char *packages[8];       /* packages providing it */
    const char *configs[4];        /* default configuration files (globs), first existing */
    void (*read_config)(struct app_instance *a);
};

static const struct app_def apps[] = {
    {"nginx", "web_server", {"nginx"}, NULL, "-c",
     {"nginx", "nginx-core", "nginx-full", "nginx-light", "nginx-extras", "openresty"},
     {"/etc/nginx/nginx.conf", "/usr/local/nginx/conf/nginx.conf"}, app_config_nginx},
    {"apache", "web_server", {"apache2", "httpd"}, NULL, "-f", {"apache2-bin", "apache2", "httpd"},
     {"/etc/apache2/apache2.conf", "/etc/httpd/conf/httpd.conf"}, app_config_apache},
    {"tomcat", "web_server", {""}, "org.apache.catalina.startup.Bootstrap", NULL,
     {"tomcat10", "tomcat9", "tomcat8", "tomcat"},
     {"/etc/tomcat10/server.xml", "/etc/tomcat9/server.xml", "/etc/tomcat/server.xml",
      "/opt/tomcat/conf/server.xml"},
     app_config_tomcat},
    {"mariadb", "database", {"mariadbd"}, NULL, "--defaults-file",
     {"mariadb-server-core", "mariadb-server", "MariaDB-server"},
     {"/etc/mysql/my.cnf", "/etc/my.cnf"}, app_config_mysql},
    {"mysql", "database", {"mysqld"}, NULL, "--defaults-file",
     {"mysql-server-core-8.0", "mysql-server", "mysql-community-server", "percona-server-server"},
     {"/etc/mysql/my.cnf", "/etc/my.cnf"}, app_config_mysql},
    {"postgresql", "database", {"postgres", "postmaster"}, NULL, "-c",
     {"postgresql-17", "postgresql-16", "postgresql-15", "postgresql-14", "postgresql-13",
      "postgresql-server", "postgresql"},
     {"/etc/postgresql/*/main/postgresql.conf", "/var/lib/pgsql/data/postgresql.conf"},
     app_config_postgresql},
    {"mongodb", "database", {"mongod"}, NULL, "--config",
     {"mongodb-org-server", "mongodb-server"}, {"/etc/mongod.conf"}, app_config_yaml},
    {"redis", "cache", {"redis-server", "valkey-server"}, NULL, NULL,
     {"redis-server", "redis", "valkey-server", "valkey"},
     {"/etc/redis/redis.conf", "/etc/redis.conf", "/etc/valkey/valkey.conf"}, app_config_redis},
    {"memcached", "cache", {"memcached"}, NULL, NULL, {"memcached"},
     {"/etc/memcached.conf", "/etc/sysconfig/memcached"}, app_config_memcached},
    {"elasticsearch", "search", {""}, "org.elasticsearch.bootstrap.Elasticsearch", NULL,
     {"elasticsearch", "opensearch"}, {"/etc/elasticsearch/elasticsearch.yml"}, app_config_yaml},
    {"docker", "container_runtime", {"dockerd"}, NULL, "--config-file",
     {"docker.io", "docker-ce", "moby-engine", "docker"}, {"/etc/docker/daemon.json"},
     app_config_docker},
    {"containerd", "container_runtime", {"containerd"}, NULL, "--config",
     {"containerd", "containerd.io"}, {"/etc/containerd/config.toml"}, NULL},
    {"podman", "container_runtime", {"podman"}, NULL, NULL, {"podman"},
     {"/etc/containers/containers.conf"}, NULL},
};
#define NAPPS (sizeof(apps) / sizeof(apps[0]))

/* ---------------------------------------------------------------- helpers of apps.h */

int app_read(const struct app_instance *a, const char *path, struct buf *b)
{
    char real[PATH_MAX];
    if (!inv_fmt(real, sizeof(real), "%s%s", a->fsroot, path))
        return -ENAMETOOLONG;
    return inv_read_real(real, b, 8u << 20, NULL);
}

char **app_glob(const struct app_instance *a, const char *pattern, size_t *n)
{
    char real[PATH_MAX];
    *n = 0;
    if (!inv_fmt(real, sizeof(real), "%s%s", a->fsroot, pattern))
        return NULL;
    glob_t g;
    if (glob(real, 0, NULL, &g) != 0)
        return NULL;
    char **v = calloc(g.gl_pathc ? g.gl_pathc : 1, sizeof(*v));
    size_t rootlen = strlen(a->fsroot);
    for (size_t i = 0; v && i < g.gl_pathc; i++)
        if ((v[*n] = strdup(g.gl_pathv[i] + rootlen)))
            (*n)++;
    globfree(&g);
    return v;
}

void app_listen(struct app_instance *a, const char *text)
{
    /* once each (a configuration may say the same twice, as Apache's ports.conf does) */
    size_t tl = strlen(text), start = 0;
    const char *d = (const char *)a->config_listen.data;
    for (size_t i = 0; i <= a->config_listen.len; i++) {
        if (i < a->config_listen.len && d[i] != ',')
            continue;
        if (i - start == tl && !memcmp(d + start, text, tl))
            return;
        start = i + 1;
    }
    inv_list_add(&a->config_listen, text, tl);
}

void app_site(struct app_instance *a, const char *names, const char *listen, const char *root,
              const char *path, unsigned line)
{
    struct event *ev = inv_row(a->s, TBL_WEB_SITE_CHANGES, "%s\t%s\t%u", a->app, path, line);
    inv_str(ev, FLD_APP_NAME, a->app);
    inv_str(ev, FLD_SERVER_NAMES, names);
    inv_str(ev, FLD_CONFIG_LISTEN, listen);
    if (root && root[0])
        inv_str(ev, FLD_DOCUMENT_ROOT, root);
    inv_str(ev, FLD_PATH, path);
    if (line)
        inv_int(ev, FLD_LINE, line);
}

const char *app_arg(const char *args, size_t len, const char *opt, char *out, size_t outlen)
{
    size_t ol = strlen(opt);
    for (size_t pos = 0; pos < len;) {
        const char *w = args + pos;
        size_t wl = strnlen(w, len - pos);
        pos += wl + 1;
        if (wl == ol && !memcmp(w, opt, ol) && pos < len) {
            const char *v = args + pos;
            inv_copy(out, outlen, v, strnlen(v, len - pos));
            return out;
        }
        if (wl > ol && !memcmp(w, opt, ol) && (w[ol] == '=' || (ol == 2 && opt[0] == '-'))) {
            const char *v = w + ol + (w[ol] == '=' ? 1 : 0);
            inv_copy(out, outlen, v, wl - (size_t)(v - w));
            return out;
        }
    }
    return NULL;
}

/* ---------------------------------------------------------------- the host's state */

struct proc_info {
    int32_t pid, ppid;
    uint32_t uid;
    char exe[PATH_MAX];
    char *args;
    size_t args_len;
    bool same_mnt;
    int app; /* index in apps, -1 */
    bool master;
};

struct pkg_seen {
    char name[128], version[256];
};

struct app_scan {
    struct inv_scan *s;
    struct proc_info *procs;
    size_t nprocs;
    struct pkg_seen *pkgs;
    size_t npkgs;
    struct sock_list listening;
    struct sock_owner *owners;
    size_t nowners;
    struct inv_users *users;
};

static void keep_pkg(void *ctx, const struct pkg_row *p, bool multi)
{
    struct app_scan *as = ctx;
    (void)multi;
    for (size_t i = 0; i < NAPPS; i++)
        for (size_t k = 0; k < 8 && apps[i].packages[k]; k++)
            if (!strcmp(p->name, apps[i].packages[k]) &&
                (!p->status[0] || strstr(p->status, " installed"))) {
                struct pkg_seen *v = realloc(as->pkgs, (as->npkgs + 1) * sizeof(*v));
                if (!v)
                    return;
                as->pkgs = v;
                str_copy(v[as->npkgs].name, p->name, sizeof(v[0].name));
                str_copy(v[as->npkgs].version, p->version, sizeof(v[0].version));
                as->npkgs++;
                return;
            }
}

/* The first package of the application that is installed; NULL when none is. */
static const struct pkg_seen *app_package(const struct app_scan *as, const struct app_def *d)
{
    for (size_t k = 0; k < 8 && d->packages[k]; k++)
        for (size_t i = 0; i < as->npkgs; i++)
            if (!strcmp(as->pkgs[i].name, d->packages[k]))
                return &as->pkgs[i];
    return NULL;
}

/* The basename of a path (up to a blank: a rewritten process title), into out. */
static void base_of(const char *path, size_t len, char *out, size_t outlen)
{
    size_t end = strnlen(path, len);
    const char *blank = memchr(path, ' ', end);
    if (blank)
        end = (size_t)(blank - path);
    const char *b = path;
    for (size_t i = 0; i < end; i++)
        if (path[i] == '/')
            b = path + i + 1;
    inv_copy(out, outlen, b, end - (size_t)(b - path));
}

static int match_app(const char *exe, const char *args, size_t len)
{
    char base[256], argv0[256];
    base_of(exe, strlen(exe), base, sizeof(base));
    char *del = strstr(base, " (deleted)");
    if (del)
        *del = '\0';
    /* the name it was started as counts too: Debian's redis-server is a link to
     * redis-check-rdb, which acts by the name it is called */
    base_of(args ? args : "", args ? len : 0, argv0, sizeof(argv0));
    for (size_t i = 0; i < NAPPS; i++) {
        if (apps[i].java_main) {
            if (!strcmp(base, "java") && memmem(args, len, apps[i].java_main,
                                                strlen(apps[i].java_main)))
                return (int)i;
            continue;
        }
        for (size_t k = 0; k < 4 && apps[i].exes[k]; k++)
            if (apps[i].exes[k][0] &&
                (!strcmp(base, apps[i].exes[k]) || !strcmp(argv0, apps[i].exes[k])))
                return (int)i;
    }
    return -1;
}

static void read_procs(struct app_scan *as)
{
    if (as->s->root[0])
        return;
    struct stat self_ns;
    bool have_ns = stat("/proc/self/ns/mnt", &self_ns) == 0;
    DIR *d = opendir("/proc");
    struct dirent *de;
    size_t cap = 0;
    while (d && (de = readdir(d))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        struct procfs_proc p;
        memset(&p, 0, sizeof(p));
        if (procfs_read((int32_t)pid, PROCFS_STAT | PROCFS_STATUS | PROCFS_EXE | PROCFS_CMDLINE,
                        APP_ARGS_MAX, &p) != 0 ||
            !(p.have & PROCFS_EXE)) {
            procfs_proc_free(&p);
            continue;
        }
        int app = match_app(p.exe, (const char *)p.args.data, p.args.len);
        if (app < 0) {
            procfs_proc_free(&p);
            continue;
        }
        if (as->nprocs == cap) {
            size_t nc = cap ? cap * 2 : 32;
            struct proc_info *v = realloc(as->procs, nc * sizeof(*v));
            if (!v) {
                procfs_proc_free(&p);
                break;
            }
            as->procs = v;
            cap = nc;
        }
        struct proc_info *pi = &as->procs[as->nprocs++];
        memset(pi, 0, sizeof(*pi));
        pi->pid = (int32_t)pid;
        pi->ppid = p.stat.ppid;
        pi->uid = p.uid;
        pi->app = app;
        str_copy(pi->exe, p.exe, sizeof(pi->exe));
        pi->args = (char *)buf_steal(&p.args, &pi->args_len);
        /* a server that rewrote its process title ("nginx: master process nginx -c FILE")
         * left one string: its words are the arguments it shows */
        if (pi->args && pi->args_len && strnlen(pi->args, pi->args_len) + 1 >= pi->args_len)
            for (size_t k = 0; k < pi->args_len; k++)
                if (pi->args[k] == ' ')
                    pi->args[k] = '\0';
        char nsp[64];
        struct stat ns;
        snprintf(nsp, sizeof(nsp), "/proc/%ld/ns/mnt", pid);
        pi->same_mnt = !have_ns || (stat(nsp, &ns) == 0 && ns.st_ino == self_ns.st_ino &&
                                    ns.st_dev == self_ns.st_dev);
        procfs_proc_free(&p);
    }
    if (d)
        closedir(d);
    /* masters: processes of an application whose parent is not of the same application */
    for (size_t i = 0; i < as->nprocs; i++) {
        as->procs[i].master = true;
        for (size_t k = 0; k < as->nprocs; k++)
            if (as->procs[k].pid == as->procs[i].ppid && as->procs[k].app == as->procs[i].app)
                as->procs[i].master = false;
    }
}

/* Whether pid belongs to master (is it, or one of its descendants of the same application). */
static bool in_tree(const struct app_scan *as, const struct proc_info *master, int32_t pid)
{
    for (int hops = 0; hops < 64 && pid > 0; hops++) {
        if (pid == master->pid)
            return true;
        const struct proc_info *p = NULL;
        for (size_t i = 0; i < as->nprocs && !p; i++)
            if (as->procs[i].pid == pid && as->procs[i].app == master->app)
                p = &as->procs[i];
        if (!p)
            return false;
        pid = p->ppid;
    }
    return false;
}

/* "ip:port,..." of the sockets held by master's process tree, sorted and without repeats. */
static void listening_of(const struct app_scan *as, const struct proc_info *master, struct buf *out)
{
    char **items = NULL;
    size_t n = 0;
    for (size_t i = 0; i < as->listening.n; i++) {
        const struct diag_socket *d = &as->listening.v[i];
        bool held = false;
        for (size_t k = 0; k < as->nowners && !held; k++)
            held = as->owners[k].inode == d->inode && in_tree(as, master, as->owners[k].pid);
        if (!held)
            continue;
        char text[128];
        bool v6 = strchr(d->src, ':') != NULL;
        snprintf(text, sizeof(text), "%s%s%s%s:%u", d->protocol == 17 ? "udp:" : "", v6 ? "[" : "",
                 d->src, v6 ? "]" : "", d->sport);
        bool dup = false;
        for (size_t k = 0; k < n && !dup; k++)
            dup = !strcmp(items[k], text);
        char **v = dup ? NULL : realloc(items, (n + 1) * sizeof(*v));
        if (!v)
            continue;
        items = v;
        if ((items[n] = strdup(text)))
            n++;
    }
    for (size_t i = 0; i + 1 < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(items[j], items[i]) < 0) {
                char *t = items[i];
                items[i] = items[j];
                items[j] = t;
            }
    for (size_t i = 0; i < n; i++)
        inv_list_add(out, items[i], strlen(items[i]));
    inv_names_free(items, n);
}

/* The configuration a running master uses. */
static void config_of(const struct app_def *d, const struct proc_info *p, char *out, size_t outlen)
{
    char tmp[PATH_MAX];
    out[0] = '\0';
    const char *v = d->config_opt ? app_arg(p->args, p->args_len, d->config_opt, tmp, sizeof(tmp))
                                  : NULL;
    if (v && !strcmp(d->name, "postgresql")) /* -c config_file=PATH */
        v = str_starts_with(v, "config_file=") ? v + 12 : NULL;
    if (!v && !strcmp(d->name, "postgresql")) { /* -D DATADIR: DATADIR/postgresql.conf */
        const char *data = app_arg(p->args, p->args_len, "-D", tmp, sizeof(tmp));
        if (data && inv_fmt(out, outlen, "%s/postgresql.conf", data))
            return;
    }
    if (!v && !strcmp(d->name, "tomcat")) {
        const char *base = app_arg(p->args, p->args_len, "-Dcatalina.base", tmp, sizeof(tmp));
        if (base && inv_fmt(out, outlen, "%s/conf/server.xml", base))
            return;
    }
    if (!v && !strcmp(d->name, "elasticsearch")) {
        const char *conf = app_arg(p->args, p->args_len, "-Des.path.conf", tmp, sizeof(tmp));
        if (conf && inv_fmt(out, outlen, "%s/elasticsearch.yml", conf))
            return;
    }
    if (v) {
        /* relative to the process's working directory (nginx's prefix for -c is its own) */
        if (v[0] != '/') {
            char cwdl[64], cwd[PATH_MAX];
            snprintf(cwdl, sizeof(cwdl), "/proc/%d/cwd", p->pid);
            ssize_t l = readlink(cwdl, cwd, sizeof(cwd) - 1);
            cwd[l > 0 ? l : 0] = '\0';
            inv_fmt(out, outlen, "%s/%s", cwd, v);
        } else {
            str_copy(out, v, outlen);
        }
    }
}

/* The first default configuration that exists in fsroot. */
static void default_config(const struct app_def *d, const char *fsroot, char *out, size_t outlen)
{
    out[0] = '\0';
    for (size_t k = 0; k < 4 && d->configs[k] && !out[0]; k++) {
        char real[PATH_MAX];
        if (!inv_fmt(real, sizeof(real), "%s%s", fsroot, d->configs[k]))
            continue;
        glob_t g;
        if (glob(real, 0, NULL, &g) == 0) {
            if (g.gl_pathc)
                str_copy(out, g.gl_pathv[0] + strlen(fsroot), outlen);
            globfree(&g);
        }
    }
}

static void emit_app(struct app_scan *as, const struct app_def *d, const struct proc_info *p,
                     const char *fsroot, const char *config)
{
    struct app_instance a;
    memset(&a, 0, sizeof(a));
    a.s = as->s;
    a.app = d->name;
    str_copy(a.fsroot, fsroot, sizeof(a.fsroot));
    str_copy(a.config, config, sizeof(a.config));
    if (p) {
        a.args = p->args;
        a.args_len = p->args_len;
    }
    if (d->read_config && (a.config[0] || p))
        d->read_config(&a);
    const struct pkg_seen *pkg = app_package(as, d);
    char version[256] = "";
    if (pkg)
        upstream_version(pkg->version, version, sizeof(version));
    else
        str_copy(version, a.version, sizeof(version));
    struct event *ev = config[0] ? inv_row(as->s, TBL_APPLICATION_CHANGES, "%s\t%s", d->name, config)
                                 : inv_row(as->s, TBL_APPLICATION_CHANGES, "%s\t%s", d->name,
                                           p ? p->exe : "");
    inv_str(ev, FLD_APP_NAME, d->name);
    inv_str(ev, FLD_APP_TYPE, d->type);
    if (version[0])
        inv_str(ev, FLD_VERSION, version);
    if (pkg)
        inv_str(ev, FLD_PACKAGE_NAME, pkg->name);
    if (p) {
        inv_str(ev, FLD_EXE, p->exe);
        inv_int(ev, FLD_PID, p->pid);
        inv_str(ev, FLD_USER, inv_users_name(as->users, p->uid));
        struct buf l = {0};
        listening_of(as, p, &l);
        inv_strn(ev, FLD_LISTEN, l.len ? (const char *)l.data : "", l.len);
        buf_free(&l);
    }
    if (config[0])
        inv_str(ev, FLD_PATH, config);
    if (a.config_listen.len)
        inv_strn(ev, FLD_CONFIG_LISTEN, (const char *)a.config_listen.data, a.config_listen.len);
    buf_free(&a.config_listen);
}

static int applications_collect(struct inv_scan *s, struct vg_error *err)
{
    struct app_scan as = {.s = s};
    struct vg_error perr = {{0}};
    if (pkg_dpkg_read(s, keep_pkg, &as, &perr) || pkg_rpm_read(s, keep_pkg, &as, &perr))
        inv_warn(s, "%s", perr.msg);
    read_procs(&as);
    if (!s->root[0]) {
        if (sockdiag_listening(&as.listening))
            inv_warn(s, "sock_diag: cannot list the listening sockets");
        as.owners = sockdiag_owners(&as.nowners);
    }
    as.users = inv_users_load(s);
    for (size_t i = 0; i < NAPPS && !inv_cancelled(s); i++) {
        const struct app_def *d = &apps[i];
        bool running = false;
        for (size_t k = 0; k < as.nprocs; k++) {
            const struct proc_info *p = &as.procs[k];
            if (p->app != (int)i || !p->master)
                continue;
            char fsroot[PATH_MAX], config[PATH_MAX];
            if (p->same_mnt)
                str_copy(fsroot, s->root, sizeof(fsroot));
            else
                snprintf(fsroot, sizeof(fsroot), "/proc/%d/root", p->pid);
            config_of(d, p, config, sizeof(config));
            if (!config[0])
                default_config(d, fsroot, config, sizeof(config));
            emit_app(&as, d, p, fsroot, config);
            running = true;
        }
        if (running)
            continue;
        /* installed, not running: its package, or its own configuration (MySQL and MariaDB
         * share theirs, so only their packages tell them apart) */
        char config[PATH_MAX];
        default_config(d, s->root, config, sizeof(config));
        bool shared = !strcmp(d->name, "mysql") || !strcmp(d->name, "mariadb");
        if (app_package(&as, d) || (config[0] && !shared))
            emit_app(&as, d, NULL, s->root, config);
    }
    for (size_t k = 0; k < as.nprocs; k++)
        free(as.procs[k].args);
    free(as.procs);
    free(as.pkgs);
    free(as.listening.v);
    free(as.owners);
    inv_users_free(as.users);
    (void)err;
    return 0;
}

static const enum table_id applications_tables[] = {TBL_APPLICATION_CHANGES, TBL_WEB_SITE_CHANGES,
                                                    TBL_NONE};

const struct inv_collector inv_collector_applications = {
    .name = "applications",
    .tables = applications_tables,
    .collect = applications_collect,
};
