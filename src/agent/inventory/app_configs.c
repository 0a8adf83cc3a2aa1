/* app_configs.c - reading each known server's configuration for the applications collector:
 * where it is configured to listen (config_listen, as written) and, for web servers, its sites.
 * Includes are followed within bounds (depth 16, 512 files per application); relative paths
 * are resolved as the server resolves them (nginx: its prefix, the configuration's directory;
 * Apache: ServerRoot; MySQL and PostgreSQL: the including file's directory). */
#include <expat.h>
#include <glob.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#include "agent/inventory/apps.h"
#include "agent/inventory/inv_text.h"
#include "agent/inventory/parsers.h"
#include "common/config.h"
#include "common/util.h"

#define APP_FILE_MAX (8u << 20)
#define INCLUDE_DEPTH_MAX 16
#define INCLUDE_FILES_MAX 512

static void dirname_of(const char *path, char *out, size_t outlen)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        str_copy(out, "/", outlen);
    else
        inv_copy(out, outlen, path, (size_t)(slash - path));
}

/* path made absolute against base. */
static void resolve(const char *base, const char *path, char *out, size_t outlen)
{
    if (path[0] == '/')
        str_copy(out, path, outlen);
    else if (!inv_fmt(out, outlen, "%s/%s", base, path))
        out[0] = '\0';
}

/* Following includes: the bounds (depth, files) and the file being read, shared by every
 * format's reader. */
struct include_walk {
    struct app_instance *a;
    const char *file;
    int depth, files;
};

/* Read path in the instance's file system and hand its text to parse, within the bounds, with
 * w->file set to path meanwhile. */
static void include_file(struct include_walk *w, const char *path,
                         void (*parse)(void *ctx, const char *text, size_t len), void *ctx)
{
    if (w->depth >= INCLUDE_DEPTH_MAX || w->files >= INCLUDE_FILES_MAX)
        return;
    struct buf b = {0};
    if (app_read(w->a, path, &b) == 0) {
        const char *outer = w->file;
        w->file = path;
        w->depth++;
        w->files++;
        parse(ctx, (const char *)b.data, b.len);
        w->depth--;
        w->file = outer;
    }
    buf_free(&b);
}

/* ---------------------------------------------------------------- nginx */

struct ngx {
    struct app_instance *a;
    char prefix[PATH_MAX];
    struct include_walk w;
    char stack[32][64];
    int sp;
    bool in_site;
    int site_sp;
    struct buf listen, names;
    char root[PATH_MAX], loc_root[PATH_MAX], http_root[PATH_MAX], site_file[PATH_MAX];
    unsigned site_line;
};

static bool ngx_inside(const struct ngx *n, const char *block)
{
    for (int i = 0; i < n->sp && i < 32; i++)
        if (!strcmp(n->stack[i], block))
            return true;
    return false;
}

static void ngx_file(struct ngx *n, const char *path);

static void ngx_directive(void *ctx, const struct nginx_directive *d)
{
    struct ngx *n = ctx;
    const char *top = n->sp > 0 && n->sp <= 32 ? n->stack[n->sp - 1] : "";
    if (d->block_end) {
        if (n->sp > 0)
            n->sp--;
        if (n->in_site && n->sp == n->site_sp) {
            const char *root = n->root[0] ? n->root : n->loc_root[0] ? n->loc_root
                               : n->http_root[0] ? n->http_root : "html";
            char abs[PATH_MAX];
            resolve(n->prefix, root, abs, sizeof(abs));
            if (!n->listen.len)
                inv_list_add(&n->listen, "80", 2); /* nginx's default */
            buf_terminate(&n->listen);
            buf_terminate(&n->names);
            app_site(n->a, n->names.len ? (const char *)n->names.data : "",
                     (const char *)n->listen.data, abs, n->site_file, n->site_line);
            n->in_site = false;
        }
        return;
    }
    if (d->block) {
        if (!strcmp(d->name, "server") && !n->in_site &&
            (ngx_inside(n, "http") || ngx_inside(n, "stream"))) {
            n->in_site = ngx_inside(n, "http"); /* stream servers only listen */
            n->site_sp = n->sp;
            buf_reset(&n->listen);
            buf_reset(&n->names);
            n->root[0] = n->loc_root[0] = '\0';
            str_copy(n->site_file, n->w.file, sizeof(n->site_file));
            n->site_line = d->line;
        }
        if (!strcmp(d->name, "location") && d->nargs == 1 && !strcmp(d->args[0], "/") &&
            n->in_site)
            n->loc_root[0] = '\0'; /* a root inside "location /" stands in for the server's */
        if (n->sp < 32)
            str_copy(n->stack[n->sp], d->name, sizeof(n->stack[0]));
        n->sp++;
        return;
    }
    if (!strcmp(d->name, "include") && d->nargs >= 1) {
        char pattern[PATH_MAX];
        resolve(n->prefix, d->args[0], pattern, sizeof(pattern));
        size_t cnt;
        char **files = app_glob(n->a, pattern, &cnt);
        for (size_t i = 0; i < cnt; i++)
            ngx_file(n, files[i]);
        inv_names_free(files, cnt);
        return;
    }
    if (!strcmp(d->name, "listen") && d->nargs >= 1 && !strcmp(top, "server")) {
        app_listen(n->a, d->args[0]);
        if (n->in_site)
            inv_list_add(&n->listen, d->args[0], strlen(d->args[0]));
    } else if (!strcmp(d->name, "server_name") && n->in_site && !strcmp(top, "server")) {
        for (int i = 0; i < d->nargs; i++)
            inv_list_add(&n->names, d->args[i], strlen(d->args[i]));
    } else if (!strcmp(d->name, "root") && d->nargs >= 1) {
        if (n->in_site && !strcmp(top, "server"))
            str_copy(n->root, d->args[0], sizeof(n->root));
        else if (n->in_site && !strcmp(top, "location"))
            str_copy(n->loc_root, d->args[0], sizeof(n->loc_root));
        else if (!strcmp(top, "http"))
            str_copy(n->http_root, d->args[0], sizeof(n->http_root));
    }
}

static void ngx_parse(void *ctx, const char *text, size_t len)
{
    parse_nginx_conf(text, len, ngx_directive, ctx);
}

static void ngx_file(struct ngx *n, const char *path) { include_file(&n->w, path, ngx_parse, n); }

void app_config_nginx(struct app_instance *a)
{
    struct ngx n;
    memset(&n, 0, sizeof(n));
    n.a = n.w.a = a;
    dirname_of(a->config, n.prefix, sizeof(n.prefix));
    ngx_file(&n, a->config);
    buf_free(&n.listen);
    buf_free(&n.names);
}

/* ---------------------------------------------------------------- Apache */

struct apc {
    struct app_instance *a;
    char server_root[PATH_MAX];
    struct include_walk w;
    bool in_vhost;
    char vhost_addrs[1024], vhost_file[PATH_MAX];
    unsigned vhost_line;
    struct buf names;
    char docroot[PATH_MAX];
    char main_docroot[PATH_MAX], main_name[512], main_file[PATH_MAX];
    unsigned main_line;
};

static void apc_file(struct apc *c, const char *path);

static void unquote(const char *in, char *out, size_t outlen)
{
    inv_shell_value(in, strlen(in), out, outlen);
}

static void apc_directive(void *ctx, const char *name, const char *args, unsigned line)
{
    struct apc *c = ctx;
    char v[PATH_MAX];
    if (!strcasecmp(name, "ServerRoot")) {
        unquote(args, c->server_root, sizeof(c->server_root));
    } else if (!strcasecmp(name, "Include") || !strcasecmp(name, "IncludeOptional")) {
        char pattern[PATH_MAX];
        unquote(args, v, sizeof(v));
        resolve(c->server_root, v, pattern, sizeof(pattern));
        size_t cnt;
        char **files = app_glob(c->a, pattern, &cnt);
        if (cnt == 1) { /* a directory: every file in it */
            char sub[PATH_MAX];
            size_t sc;
            char **inner = inv_fmt(sub, sizeof(sub), "%s/*", files[0]) ? app_glob(c->a, sub, &sc)
                                                                        : NULL;
            if (inner && sc) {
                for (size_t i = 0; i < sc; i++)
                    apc_file(c, inner[i]);
                inv_names_free(inner, sc);
                inv_names_free(files, cnt);
                return;
            }
            inv_names_free(inner, inner ? sc : 0);
        }
        for (size_t i = 0; i < cnt; i++)
            apc_file(c, files[i]);
        inv_names_free(files, cnt);
    } else if (!strcasecmp(name, "Listen")) {
        size_t wp = 0, wl;
        const char *w = inv_word(args, strlen(args), &wp, &wl);
        if (w) {
            char addr[256];
            inv_copy(addr, sizeof(addr), w, wl);
            app_listen(c->a, addr);
        }
    } else if (!strcasecmp(name, "<VirtualHost")) {
        c->in_vhost = true;
        str_copy(c->vhost_addrs, args, sizeof(c->vhost_addrs));
        for (char *p = c->vhost_addrs; *p; p++)
            if (*p == ' ' || *p == '\t')
                *p = ',';
        str_copy(c->vhost_file, c->w.file, sizeof(c->vhost_file));
        c->vhost_line = line;
        buf_reset(&c->names);
        c->docroot[0] = '\0';
    } else if (!strcasecmp(name, "</VirtualHost")) {
        if (c->in_vhost) {
            char root[PATH_MAX] = "";
            if (c->docroot[0])
                resolve(c->server_root, c->docroot, root, sizeof(root));
            buf_terminate(&c->names);
            app_site(c->a, c->names.len ? (const char *)c->names.data : "", c->vhost_addrs,
                     root, c->vhost_file, c->vhost_line);
        }
        c->in_vhost = false;
    } else if (!strcasecmp(name, "ServerName") || !strcasecmp(name, "ServerAlias")) {
        size_t wp = 0, wl, len = strlen(args);
        const char *w;
        if (!c->in_vhost) {
            if (!strcasecmp(name, "ServerName"))
                str_copy(c->main_name, args, sizeof(c->main_name));
            return;
        }
        while ((w = inv_word(args, len, &wp, &wl)))
            inv_list_add(&c->names, w, wl);
    } else if (!strcasecmp(name, "DocumentRoot")) {
        unquote(args, v, sizeof(v));
        if (c->in_vhost) {
            str_copy(c->docroot, v, sizeof(c->docroot));
        } else {
            str_copy(c->main_docroot, v, sizeof(c->main_docroot));
            str_copy(c->main_file, c->w.file, sizeof(c->main_file));
            c->main_line = line;
        }
    }
}

static void apc_parse(void *ctx, const char *text, size_t len)
{
    parse_apache_conf(text, len, apc_directive, ctx);
}

static void apc_file(struct apc *c, const char *path) { include_file(&c->w, path, apc_parse, c); }

void app_config_apache(struct app_instance *a)
{
    struct apc c;
    memset(&c, 0, sizeof(c));
    c.a = c.w.a = a;
    /* ServerRoot: -d on the command line, else the directory of the configuration (Debian's
     * /etc/apache2; Red Hat's httpd.conf sets it) */
    char tmp[PATH_MAX];
    const char *d = a->args ? app_arg(a->args, a->args_len, "-d", tmp, sizeof(tmp)) : NULL;
    if (d)
        str_copy(c.server_root, d, sizeof(c.server_root));
    else
        dirname_of(a->config, c.server_root, sizeof(c.server_root));
    apc_file(&c, a->config);
    if (c.main_docroot[0]) { /* the main server: the site without a virtual host */
        char root[PATH_MAX];
        resolve(c.server_root, c.main_docroot, root, sizeof(root));
        buf_terminate(&a->config_listen);
        app_site(a, c.main_name, a->config_listen.len ? (const char *)a->config_listen.data : "",
                 root, c.main_file, c.main_line);
    }
    buf_free(&c.names);
}

/* ---------------------------------------------------------------- Tomcat */

struct tomcat {
    struct app_instance *a;
    XML_Parser parser;
    char base[PATH_MAX];
    struct buf connectors;
};

static const char *xml_attr(const XML_Char **attrs, const char *name)
{
    for (int i = 0; attrs[i] && attrs[i + 1]; i += 2)
        if (!strcmp(attrs[i], name))
            return attrs[i + 1];
    return NULL;
}

static void XMLCALL tomcat_start(void *ctx, const XML_Char *el, const XML_Char **attrs)
{
    struct tomcat *t = ctx;
    char text[512];
    if (!strcmp(el, "Server")) {
        const char *port = xml_attr(attrs, "port");
        if (port && strcmp(port, "-1") != 0 &&
            inv_fmt(text, sizeof(text), "%s (shutdown)", port))
            app_listen(t->a, text);
    } else if (!strcmp(el, "Connector")) {
        const char *port = xml_attr(attrs, "port"), *addr = xml_attr(attrs, "address");
        if (port && inv_fmt(text, sizeof(text), "%s%s%s", addr ? addr : "", addr ? ":" : "", port)) {
            app_listen(t->a, text);
            inv_list_add(&t->connectors, text, strlen(text));
        }
    } else if (!strcmp(el, "Host")) {
        const char *name = xml_attr(attrs, "name"), *base = xml_attr(attrs, "appBase");
        char root[PATH_MAX];
        resolve(t->base, base ? base : "webapps", root, sizeof(root));
        buf_terminate(&t->connectors);
        app_site(t->a, name ? name : "", t->connectors.len ? (const char *)t->connectors.data : "",
                 root, t->a->config, (unsigned)XML_GetCurrentLineNumber(t->parser));
    }
}

/* The version in catalina.jar's ServerInfo.properties ("Apache Tomcat/10.1.16"). */
static void tomcat_info(void *ctx, const char *key, const char *value)
{
    char *version = ctx;
    const char *slash = strchr(value, '/');
    if (!strcmp(key, "server.info") && slash)
        str_copy(version, slash + 1, 128);
}

static void tomcat_version(struct app_instance *a, const char *home)
{
    char jar[PATH_MAX], real[PATH_MAX];
    if (!inv_fmt(jar, sizeof(jar), "%s/lib/catalina.jar", home) ||
        !inv_fmt(real, sizeof(real), "%s%s", a->fsroot, jar))
        return;
    int err = 0;
    zip_t *z = zip_open(real, ZIP_RDONLY, &err);
    if (!z)
        return;
    zip_int64_t idx = zip_name_locate(z, "org/apache/catalina/util/ServerInfo.properties", 0);
    zip_stat_t st;
    if (idx >= 0 && zip_stat_index(z, (zip_uint64_t)idx, 0, &st) == 0 && st.size < 65536) {
        zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)idx, 0);
        char text[65536];
        zip_int64_t r = f ? zip_fread(f, text, sizeof(text) - 1) : -1;
        if (r > 0)
            parse_properties(text, (size_t)r, tomcat_info, a->version);
        if (f)
            zip_fclose(f);
    }
    zip_discard(z);
}

void app_config_tomcat(struct app_instance *a)
{
    struct tomcat t = {.a = a};
    char conf_dir[PATH_MAX], home[PATH_MAX], tmp[PATH_MAX];
    dirname_of(a->config, conf_dir, sizeof(conf_dir));
    /* CATALINA_BASE: conf/.. ; Debian keeps conf in /etc/tomcatN for /var/lib/tomcatN */
    if (str_starts_with(conf_dir, "/etc/tomcat"))
        inv_fmt(t.base, sizeof(t.base), "/var/lib/%s", conf_dir + 5);
    else
        dirname_of(conf_dir, t.base, sizeof(t.base));
    const char *h = a->args ? app_arg(a->args, a->args_len, "-Dcatalina.home", tmp, sizeof(tmp))
                            : NULL;
    str_copy(home, h ? h : t.base, sizeof(home));
    struct buf b = {0};
    if (app_read(a, a->config, &b) == 0) {
        XML_Parser p = XML_ParserCreate(NULL);
        if (p) {
            t.parser = p;
            XML_SetUserData(p, &t);
            XML_SetElementHandler(p, tomcat_start, NULL);
            /* server.xml is data: no external entities, no DTD processing beyond expat's own
             * protection against entity expansion */
            XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
            if (XML_Parse(p, (const char *)b.data, (int)b.len, 1) == XML_STATUS_ERROR)
                inv_warn(a->s, "%s:%lu: %s", a->config, (unsigned long)XML_GetCurrentLineNumber(p),
                         XML_ErrorString(XML_GetErrorCode(p)));
            XML_ParserFree(p);
        }
    }
    buf_free(&b);
    buf_free(&t.connectors);
    tomcat_version(a, home);
}

/* ---------------------------------------------------------------- MySQL / MariaDB */

struct mycnf {
    struct app_instance *a;
    struct include_walk w;
    char port[32], bind[512];
};

static void mycnf_file(struct mycnf *m, const char *path);

static bool server_section(const char *s)
{
    return !strcmp(s, "mysqld") || !strcmp(s, "mariadb") || !strcmp(s, "mariadbd") ||
           !strcmp(s, "server") || !strncmp(s, "mysqld-", 7) || !strncmp(s, "mariadb-", 8);
}

static void mycnf_option(void *ctx, const char *section, const char *key, const char *value)
{
    struct mycnf *m = ctx;
    char dir[PATH_MAX], path[PATH_MAX];
    if (!strcmp(key, "!include") || !strcmp(key, "!includedir")) {
        dirname_of(m->w.file, dir, sizeof(dir));
        resolve(dir, value, path, sizeof(path));
        if (!strcmp(key, "!include")) {
            mycnf_file(m, path);
            return;
        }
        char pattern[PATH_MAX];
        size_t cnt;
        char **files = inv_fmt(pattern, sizeof(pattern), "%s/*.cnf", path)
                           ? app_glob(m->a, pattern, &cnt) : NULL;
        for (size_t i = 0; files && i < cnt; i++)
            mycnf_file(m, files[i]);
        inv_names_free(files, files ? cnt : 0);
        return;
    }
    if (!server_section(section))
        return;
    if (!strcmp(key, "port"))
        str_copy(m->port, value, sizeof(m->port));
    else if (!strcmp(key, "bind-address"))
        str_copy(m->bind, value, sizeof(m->bind));
}

static void mycnf_parse(void *ctx, const char *text, size_t len)
{
    parse_ini(text, len, mycnf_option, ctx);
}

static void mycnf_file(struct mycnf *m, const char *path) { include_file(&m->w, path, mycnf_parse, m); }

void app_config_mysql(struct app_instance *a)
{
    struct mycnf m;
    memset(&m, 0, sizeof(m));
    m.a = m.w.a = a;
    if (a->config[0])
        mycnf_file(&m, a->config);
    char tmp[512];
    const char *v;
    if (a->args && (v = app_arg(a->args, a->args_len, "--port", tmp, sizeof(tmp))))
        str_copy(m.port, v, sizeof(m.port));
    if (a->args && (v = app_arg(a->args, a->args_len, "--bind-address", tmp, sizeof(tmp))))
        str_copy(m.bind, v, sizeof(m.bind));
    char text[600];
    if (inv_fmt(text, sizeof(text), "%s%s%s", m.bind, m.bind[0] ? ":" : "",
                m.port[0] ? m.port : "3306"))
        app_listen(a, text);
}

/* ---------------------------------------------------------------- PostgreSQL */

struct pgconf {
    struct app_instance *a;
    struct include_walk w;
    char listen[512], port[32];
};

static void pg_file(struct pgconf *p, const char *path);

static void pg_option(void *ctx, const char *key, const char *value, unsigned line)
{
    struct pgconf *p = ctx;
    (void)line;
    char dir[PATH_MAX], path[PATH_MAX];
    if (!strcmp(key, "include") || !strcmp(key, "include_if_exists")) {
        dirname_of(p->w.file, dir, sizeof(dir));
        resolve(dir, value, path, sizeof(path));
        pg_file(p, path);
    } else if (!strcmp(key, "include_dir")) {
        char pattern[PATH_MAX];
        dirname_of(p->w.file, dir, sizeof(dir));
        resolve(dir, value, path, sizeof(path));
        size_t cnt;
        char **files = inv_fmt(pattern, sizeof(pattern), "%s/*.conf", path)
                           ? app_glob(p->a, pattern, &cnt) : NULL;
        for (size_t i = 0; files && i < cnt; i++)
            pg_file(p, files[i]);
        inv_names_free(files, files ? cnt : 0);
    } else if (!strcmp(key, "listen_addresses")) {
        str_copy(p->listen, value, sizeof(p->listen));
    } else if (!strcmp(key, "port")) {
        str_copy(p->port, value, sizeof(p->port));
    }
}

static void pg_parse(void *ctx, const char *text, size_t len)
{
    parse_kv_conf(text, len, true, pg_option, ctx);
}

static void pg_file(struct pgconf *p, const char *path) { include_file(&p->w, path, pg_parse, p); }

void app_config_postgresql(struct app_instance *a)
{
    struct pgconf p;
    memset(&p, 0, sizeof(p));
    p.a = p.w.a = a;
    if (a->config[0])
        pg_file(&p, a->config);
    char tmp[512];
    const char *v;
    if (a->args && (v = app_arg(a->args, a->args_len, "-p", tmp, sizeof(tmp))))
        str_copy(p.port, v, sizeof(p.port));
    const char *port = p.port[0] ? p.port : "5432";
    char addrs[512], text[600];
    str_copy(addrs, p.listen[0] ? p.listen : "localhost", sizeof(addrs));
    char *save = NULL;
    for (char *t = strtok_r(addrs, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
        if (inv_fmt(text, sizeof(text), "%s:%s", t, port))
            app_listen(a, text);
}

/* ---------------------------------------------------------------- Redis */

struct redis {
    struct app_instance *a;
    struct include_walk w;
    char bind[512], port[32], tls_port[32], unixsocket[PATH_MAX];
};

static void redis_file(struct redis *r, const char *path);

static void redis_option(void *ctx, const char *key, const char *value, unsigned line)
{
    struct redis *r = ctx;
    (void)line;
    if (!strcasecmp(key, "include"))
        redis_file(r, value);
    else if (!strcasecmp(key, "bind"))
        str_copy(r->bind, value, sizeof(r->bind));
    else if (!strcasecmp(key, "port"))
        str_copy(r->port, value, sizeof(r->port));
    else if (!strcasecmp(key, "tls-port"))
        str_copy(r->tls_port, value, sizeof(r->tls_port));
    else if (!strcasecmp(key, "unixsocket"))
        str_copy(r->unixsocket, value, sizeof(r->unixsocket));
}

static void redis_parse(void *ctx, const char *text, size_t len)
{
    parse_kv_conf(text, len, false, redis_option, ctx);
}

static void redis_file(struct redis *r, const char *path) { include_file(&r->w, path, redis_parse, r); }

void app_config_redis(struct app_instance *a)
{
    struct redis r;
    memset(&r, 0, sizeof(r));
    r.a = r.w.a = a;
    if (a->config[0])
        redis_file(&r, a->config);
    char text[600];
    const char *port = r.port[0] ? r.port : "6379";
    if (strcmp(port, "0") != 0) {
        char addrs[512], *save = NULL;
        str_copy(addrs, r.bind[0] ? r.bind : "*", sizeof(addrs));
        for (char *t = strtok_r(addrs, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
            if (t[0] == '-' && t[1]) /* "-::1": bind if the address exists */
                t++;
            bool v6 = strchr(t, ':') != NULL;
            if (inv_fmt(text, sizeof(text), "%s%s%s:%s", v6 ? "[" : "", t, v6 ? "]" : "", port))
                app_listen(a, text);
        }
    }
    if (r.tls_port[0] && strcmp(r.tls_port, "0") && inv_fmt(text, sizeof(text), "tls:%s", r.tls_port))
        app_listen(a, text);
    if (r.unixsocket[0] && inv_fmt(text, sizeof(text), "unix:%s", r.unixsocket))
        app_listen(a, text);
}

/* ---------------------------------------------------------------- MongoDB, Elasticsearch */

struct yaml_listen {
    char host[512], port[32], transport[32];
    bool mongo;
};

static int yaml_value(void *ctx, const char *name, const char *value, bool list_item,
                      unsigned line, unsigned column, struct vg_error *err)
{
    struct yaml_listen *y = ctx;
    (void)line, (void)column, (void)err;
    const char *host_key = y->mongo ? "net.bindIp" : "network.host";
    const char *port_key = y->mongo ? "net.port" : "http.port";
    if (!strcmp(name, host_key)) {
        size_t l = strlen(y->host);
        if (list_item && l)
            snprintf(y->host + l, sizeof(y->host) - l, ",%s", value);
        else
            str_copy(y->host, value, sizeof(y->host));
    } else if (!strcmp(name, port_key)) {
        str_copy(y->port, value, sizeof(y->port));
    } else if (!y->mongo && !strcmp(name, "transport.port")) {
        str_copy(y->transport, value, sizeof(y->transport));
    }
    return 0;
}

void app_config_yaml(struct app_instance *a)
{
    struct yaml_listen y;
    memset(&y, 0, sizeof(y));
    y.mongo = !strcmp(a->app, "mongodb");
    struct buf b = {0};
    struct vg_error err = {{0}};
    if (a->config[0] && app_read(a, a->config, &b) == 0 &&
        config_parse_yaml_foreign((const char *)b.data, b.len, a->config, yaml_value, &y, &err))
        inv_warn(a->s, "%s", err.msg); /* what was read before the error still counts */
    buf_free(&b);
    char hosts[512], text[600], *save = NULL;
    str_copy(hosts, y.host[0] ? y.host : y.mongo ? "127.0.0.1" : "localhost", sizeof(hosts));
    const char *port = y.port[0] ? y.port : y.mongo ? "27017" : "9200";
    for (char *t = strtok_r(hosts, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
        if (inv_fmt(text, sizeof(text), "%s:%s", t, port))
            app_listen(a, text);
    if (!y.mongo && inv_fmt(text, sizeof(text), "transport:%s", y.transport[0] ? y.transport : "9300"))
        app_listen(a, text);
}

/* ---------------------------------------------------------------- Memcached */

static void memcached_args(struct app_instance *a, const char *args, size_t len)
{
    char tmp[512], port_s[32] = "11211";
    const char *port = app_arg(args, len, "-p", tmp, sizeof(tmp));
    if (!port)
        port = app_arg(args, len, "--port", tmp, sizeof(tmp));
    if (port)
        str_copy(port_s, port, sizeof(port_s));
    const char *l = app_arg(args, len, "-l", tmp, sizeof(tmp));
    if (!l)
        l = app_arg(args, len, "--listen", tmp, sizeof(tmp));
    char addrs[512], text[600], *save = NULL;
    str_copy(addrs, l ? l : "*", sizeof(addrs));
    for (char *t = strtok_r(addrs, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (inv_fmt(text, sizeof(text), "%s:%s", t, port_s))
            app_listen(a, text);
}

void app_config_memcached(struct app_instance *a)
{
    if (a->args) { /* its configuration is its command line */
        memcached_args(a, a->args, a->args_len);
        return;
    }
    struct buf b = {0}, args = {0};
    if (a->config[0] && app_read(a, a->config, &b) == 0) {
        /* Debian's memcached.conf: one option per line; Red Hat's sysconfig: PORT=, OPTIONS= */
        size_t pos = 0, ll;
        const char *l;
        buf_append(&args, "memcached", 10);
        while ((l = inv_next_line((const char *)b.data, b.len, &pos, &ll))) {
            inv_trim(&l, &ll);
            char v[1024];
            if (ll > 5 && !strncmp(l, "PORT=", 5)) {
                inv_shell_value(l + 5, ll - 5, v, sizeof(v));
                buf_append(&args, "-p", 3);
                buf_append(&args, v, strlen(v) + 1);
                continue;
            }
            if (ll > 8 && !strncmp(l, "OPTIONS=", 8)) {
                inv_shell_value(l + 8, ll - 8, v, sizeof(v));
                l = v;
                ll = strlen(v);
            }
            if (!ll || l[0] != '-')
                continue;
            size_t wp = 0, wl;
            const char *w;
            while ((w = inv_word(l, ll, &wp, &wl))) {
                buf_append(&args, w, wl);
                buf_putc(&args, '\0');
            }
        }
        memcached_args(a, (const char *)args.data, args.len);
    } else {
        app_listen(a, "*:11211");
    }
    buf_free(&b);
    buf_free(&args);
}

/* ---------------------------------------------------------------- Docker */

void app_config_docker(struct app_instance *a)
{
    bool any = false;
    for (size_t pos = 0; a->args && pos < a->args_len;) { /* dockerd -H/--host (repeatable) */
        const char *w = a->args + pos;
        size_t wl = strnlen(w, a->args_len - pos);
        pos += wl + 1;
        const char *v = NULL;
        if ((!strcmp(w, "-H") || !strcmp(w, "--host")) && pos < a->args_len)
            v = a->args + pos;
        else if (!strncmp(w, "--host=", 7))
            v = w + 7;
        else if (!strncmp(w, "-H", 2) && w[2])
            v = w + 2;
        if (v) {
            app_listen(a, v);
            any = true;
        }
    }
    struct buf b = {0};
    if (a->config[0] && app_read(a, a->config, &b) == 0) {
        json_error_t jerr;
        json_t *root = json_loadb((const char *)b.data, b.len, 0, &jerr);
        json_t *hosts = json_object_get(root, "hosts");
        size_t i;
        json_t *h;
        json_array_foreach(hosts, i, h) {
            if (json_is_string(h)) {
                app_listen(a, json_string_value(h));
                any = true;
            }
        }
        if (!root)
            inv_warn(a->s, "%s:%d: %s", a->config, jerr.line, jerr.text);
        json_decref(root);
    }
    buf_free(&b);
    if (!any)
        app_listen(a, "unix:///var/run/docker.sock");
}
