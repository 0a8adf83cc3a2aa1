/* risk_services.c - services listening beyond loopback without authentication: Redis,
 * Memcached, MongoDB, Elasticsearch, the Docker API and etcd. The listening sockets and their
 * processes come from sock_diag (the inventory's sockdiag.c); whether the service asks for
 * authentication is decided by asking it on a local connection with a read-only request (Redis
 * PING, Memcached version, HTTP GET / or an etcd range read through libcurl) when risk.probe is
 * on, else (and for MongoDB, whose wire protocol is not spoken here) from its configuration:
 * Redis requirepass, MongoDB security.authorization / --auth, etcd --client-cert-auth. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/inventory/sockdiag.h"
#include "agent/risk/risk.h"
#include "common/buf.h"
#include "common/util.h"

enum svc { SVC_NONE, SVC_REDIS, SVC_MEMCACHED, SVC_MONGODB, SVC_ELASTIC, SVC_DOCKER, SVC_ETCD };

static const struct {
    const char *app, *severity, *remediation;
} svc_info[] = {
    [SVC_REDIS] = {"redis", "high",
                   "Set requirepass (or ACL users) in redis.conf, or bind it to 127.0.0.1"},
    [SVC_MEMCACHED] = {"memcached", "medium",
                       "Listen on 127.0.0.1 only (-l 127.0.0.1) or enable SASL (-S)"},
    [SVC_MONGODB] = {"mongodb", "high",
                     "Enable security.authorization in mongod.conf, or bind to 127.0.0.1"},
    [SVC_ELASTIC] = {"elasticsearch", "high",
                     "Enable xpack.security (authentication and TLS), or bind to localhost"},
    [SVC_DOCKER] = {"docker", "critical",
                    "Do not expose the Docker API on TCP without TLS client authentication "
                    "(--tlsverify); anyone reaching it is root on the host"},
    [SVC_ETCD] = {"etcd", "high",
                  "Require client certificates (--client-cert-auth) and enable authentication"},
};

/* The process's command line, NULs as spaces, into out. */
static void read_cmdline(int pid, char *out, size_t outlen)
{
    char path[64];
    struct buf b = {0};
    out[0] = 0;
    snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
    if (file_read_all(path, &b, 64 << 10) == 0 && b.len) {
        for (size_t i = 0; i < b.len; i++)
            if (!b.data[i])
                b.data[i] = ' ';
        snprintf(out, outlen, "%.*s", (int)b.len, (const char *)b.data);
    }
    buf_free(&b);
}

static enum svc identify(int pid, char *cmdline, size_t cmdlen)
{
    char path[64], exe[4096] = "", comm[64] = "";
    struct buf b = {0};
    snprintf(path, sizeof(path), "/proc/%d/exe", pid);
    ssize_t n = readlink(path, exe, sizeof(exe) - 1);
    if (n > 0)
        exe[n] = 0;
    snprintf(path, sizeof(path), "/proc/%d/comm", pid);
    if (file_read_all(path, &b, 256) == 0 && b.len) {
        snprintf(comm, sizeof(comm), "%.*s", (int)strcspn((const char *)b.data, "\n"),
                 (const char *)b.data);
    }
    buf_free(&b);
    const char *base = strrchr(exe, '/');
    base = base ? base + 1 : exe;
    read_cmdline(pid, cmdline, cmdlen);
    if (!strcmp(base, "redis-server") || !strcmp(comm, "redis-server"))
        return SVC_REDIS;
    if (!strcmp(base, "memcached") || !strcmp(comm, "memcached"))
        return SVC_MEMCACHED;
    if (!strcmp(base, "mongod") || !strcmp(comm, "mongod"))
        return SVC_MONGODB;
    if (!strcmp(base, "dockerd") || !strcmp(comm, "dockerd"))
        return SVC_DOCKER;
    if (!strcmp(base, "etcd") || !strcmp(comm, "etcd"))
        return SVC_ETCD;
    if (strstr(cmdline, "org.elasticsearch.bootstrap.Elasticsearch"))
        return SVC_ELASTIC;
    return SVC_NONE;
}

static bool loopback(const char *ip)
{
    return !strncmp(ip, "127.", 4) || !strcmp(ip, "::1") || !strncmp(ip, "::ffff:127.", 11);
}

/* Where to reach a socket bound to ip from this host: loopback for a wildcard address. */
static void local_target(const char *family, const char *ip, char *out, size_t outlen)
{
    if (!strcmp(ip, "0.0.0.0"))
        str_copy(out, "127.0.0.1", outlen);
    else if (!strcmp(ip, "::"))
        str_copy(out, "::1", outlen);
    else
        str_copy(out, ip, outlen);
    (void)family;
}

/* Send req to ip:port and read the first line of the answer into out. 0 or -errno. */
static int line_probe(const char *ip, int port, const char *req, char *out, size_t outlen,
                      uint64_t timeout_ms)
{
    struct sockaddr_storage ss = {0};
    socklen_t sl;
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        sl = sizeof(*s4);
    } else if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        sl = sizeof(*s6);
    } else {
        return -EINVAL;
    }
    int rc = 0, fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    size_t got = 0;
    out[0] = 0;
    if (fd < 0)
        return -errno;
    uint64_t deadline = time_mono_ns() + timeout_ms * 1000000ull;
    if (connect(fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS) {
        rc = -errno;
        goto cleanup;
    }
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int left = (int)timeout_ms;
    if (poll(&p, 1, left) != 1) {
        rc = -ETIMEDOUT;
        goto cleanup;
    }
    int soerr = 0;
    socklen_t el = sizeof(soerr);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &el);
    if (soerr) {
        rc = -soerr;
        goto cleanup;
    }
    if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req)) {
        rc = -EIO;
        goto cleanup;
    }
    while (got + 1 < outlen && !memchr(out, '\n', got)) {
        uint64_t now = time_mono_ns();
        if (now >= deadline) {
            rc = -ETIMEDOUT;
            break;
        }
        p = (struct pollfd){.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)((deadline - now) / 1000000ull) + 1) != 1) {
            rc = -ETIMEDOUT;
            break;
        }
        ssize_t r = recv(fd, out + got, outlen - 1 - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
        out[got] = 0;
    }
    if (got)
        rc = 0;
cleanup:
    close(fd);
    out[got < outlen ? got : outlen - 1] = 0;
    return rc;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    (void)ctx;
    return size * n;
}

/* The HTTP status of a request to ip:port (libcurl); 0 when there was no HTTP answer. */
static long http_probe(const char *ip, int port, const char *path, const char *post,
                       uint64_t timeout_ms)
{
    char url[256];
    snprintf(url, sizeof(url), strchr(ip, ':') ? "http://[%s]:%d%s" : "http://%s:%d%s", ip,
             port, path);
    CURL *c = curl_easy_init();
    long code = 0;
    if (!c)
        return 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE, 1L << 20);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    if (post)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    return code;
}

/* Whether a configuration file (under the root) has a line whose first words are key and,
 * when value is given, value (case-insensitively, comments skipped). -1 when unreadable. */
static int config_has(const struct risk_run *run, const char *file, const char *key,
                      const char *value)
{
    char path[4096];
    struct buf b = {0};
    risk_path(run, file, path, sizeof(path));
    if (file_read_all(path, &b, 4 << 20) || buf_terminate(&b)) {
        buf_free(&b);
        return -1;
    }
    int found = 0;
    for (char *line = (char *)b.data, *next; line && !found; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        line += strspn(line, " \t");
        size_t kl = strlen(key);
        if (strncasecmp(line, key, kl) || !strchr(" \t:=", line[kl] ? line[kl] : ' '))
            continue;
        char *v = line + kl + strspn(line + kl, " \t:=\"'");
        found = !value || !strncasecmp(v, value, strlen(value));
    }
    buf_free(&b);
    return found;
}

/* The config file a process was started with: the first argument after the executable that
 * ends in .conf (Redis), or the one after -f/--config/-c (MongoDB). */
static void config_arg(const char *cmdline, char *out, size_t outlen)
{
    out[0] = 0;
    char copy[4096];
    str_copy(copy, cmdline, sizeof(copy));
    char *save = NULL, *prev = NULL;
    for (char *w = strtok_r(copy, " ", &save); w; prev = w, w = strtok_r(NULL, " ", &save)) {
        size_t l = strlen(w);
        if ((prev && (!strcmp(prev, "-f") || !strcmp(prev, "--config") || !strcmp(prev, "-c"))) ||
            (l > 5 && !strcmp(w + l - 5, ".conf"))) {
            str_copy(out, w, outlen);
            return;
        }
        if (!strncmp(w, "--config=", 9)) {
            str_copy(out, w + 9, outlen);
            return;
        }
    }
}

/* 1: answers without authentication, 0: asks for it, -1: cannot tell. *rule says how. */
static int open_without_auth(const struct risk_run *run, enum svc s, const char *target,
                             int port, const char *cmdline, const char **rule)
{
    char line[512], conf[1024];
    uint64_t to = run->cfg->probe_timeout_ms;
    bool probe = run->cfg->probe;
    *rule = "probe";
    switch (s) {
    case SVC_REDIS:
        if (probe && !line_probe(target, port, "PING\r\n", line, sizeof(line), to)) {
            if (!strncmp(line, "+PONG", 5))
                return 1;
            if (!strncmp(line, "-NOAUTH", 7) || !strncmp(line, "-WRONGPASS", 10))
                return 0;
        }
        *rule = "config";
        config_arg(cmdline, conf, sizeof(conf));
        if (strstr(cmdline, "--requirepass"))
            return 0;
        if (conf[0]) {
            int r = config_has(run, conf, "requirepass", NULL);
            return r < 0 ? -1 : !r;
        }
        return -1;
    case SVC_MEMCACHED:
        if (probe && !line_probe(target, port, "version\r\n", line, sizeof(line), to))
            return !strncmp(line, "VERSION ", 8);
        *rule = "config";
        return strstr(cmdline, " -S") || strstr(cmdline, "--enable-sasl") ? 0 : 1;
    case SVC_MONGODB: {
        *rule = "config";
        if (strstr(cmdline, "--auth") || strstr(cmdline, "--keyFile"))
            return 0;
        config_arg(cmdline, conf, sizeof(conf));
        int r = config_has(run, conf[0] ? conf : "/etc/mongod.conf", "authorization",
                           "enabled");
        return r < 0 ? -1 : !r;
    }
    case SVC_ELASTIC: {
        if (!probe)
            return -1;
        long code = http_probe(target, port, "/", NULL, to);
        return code == 200 ? 1 : code == 401 || code == 403 ? 0 : -1;
    }
    case SVC_DOCKER: {
        if (!probe)
            return strstr(cmdline, "--tlsverify") ? 0 : -1;
        long code = http_probe(target, port, "/version", NULL, to);
        return code == 200 ? 1 : code ? 0 : -1;
    }
    case SVC_ETCD: {
        if (strstr(cmdline, "--client-cert-auth"))
            return 0;
        if (!probe)
            return -1;
        long code = http_probe(target, port, "/v3/kv/range", "{\"key\":\"AA==\"}", to);
        return code == 200 ? 1 : code ? 0 : -1;
    }
    default:
        return -1;
    }
}

int risk_check_services(struct risk_run *run, struct vg_error *err)
{
    struct sock_list socks = {0};
    size_t nown = 0;
    struct sock_owner *own = NULL;
    char reported[64][64];
    size_t nrep = 0;
    int rc = sockdiag_listening(&socks);
    if (rc) {
        rc = vg_error_set(err, rc, "listing the listening sockets (sock_diag): %s",
                          strerror(-rc));
        goto cleanup;
    }
    own = sockdiag_owners(&nown);
    for (size_t i = 0; i < socks.n; i++) {
        const struct diag_socket *d = &socks.v[i];
        if (d->protocol != IPPROTO_TCP || loopback(d->src))
            continue;
        int pid = sockdiag_owner_of(own, nown, d->inode);
        char cmdline[4096];
        enum svc s = pid > 0 ? identify(pid, cmdline, sizeof(cmdline)) : SVC_NONE;
        if (s == SVC_NONE)
            continue;
        char subject[64];
        snprintf(subject, sizeof(subject), "%s %u", svc_info[s].app, d->sport);
        bool dup = false;
        for (size_t k = 0; k < nrep && !dup; k++)
            dup = !strcmp(reported[k], subject); /* its IPv4 and IPv6 sockets: once */
        if (dup)
            continue;
        char target[64];
        local_target(d->family, d->src, target, sizeof(target));
        const char *rule;
        if (open_without_auth(run, s, target, d->sport, cmdline, &rule) != 1)
            continue;
        if (nrep < 64)
            str_copy(reported[nrep++], subject, sizeof(reported[0]));
        char msg[256], addr[80], port[16];
        snprintf(addr, sizeof(addr), strchr(d->src, ':') ? "[%s]:%u" : "%s:%u", d->src,
                 d->sport);
        snprintf(port, sizeof(port), "%u", d->sport);
        snprintf(msg, sizeof(msg), "%s listens on %s and answers without authentication (%s)",
                 svc_info[s].app, addr,
                 !strcmp(rule, "probe") ? "asked on a local connection" : "its configuration");
        risk_report(run, &(struct risk_finding){
                             .kind = "exposed_service", .subject = subject,
                             .severity = svc_info[s].severity, .rule = rule,
                             .app_name = svc_info[s].app, .src_ip = d->src,
                             .src_port = d->sport, .message = msg,
                             .remediation = svc_info[s].remediation});
    }
cleanup:
    free(own);
    free(socks.v);
    return rc;
}
