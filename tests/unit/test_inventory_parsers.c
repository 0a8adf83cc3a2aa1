/* test_inventory_parsers.c - the inventory's parsers on known input and on hostile input: every
 * format the collectors read (parsers.h), with what they must extract and what they must
 * refuse or skip without failing. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <grp.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <shadow.h>
#include <utmp.h>

#include "agent/inventory/inv_text.h"
#include "agent/inventory/parsers.h"
#include "test.h"

/* ---------------------------------------------------------------- collecting helpers */

struct lines {
    char v[64][512];
    int n;
};

static void add_line(struct lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_line(struct lines *l, const char *fmt, ...)
{
    if (l->n >= 64)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->v[l->n++], sizeof(l->v[0]), fmt, ap);
    va_end(ap);
}

static void test_os_release(void)
{
    const char *t = "NAME=\"Ubuntu\"\nID=ubuntu\n# c\nVERSION_ID=\"22.04\"\n"
                    "PRETTY_NAME=\"Ubuntu 22.04.3 LTS\"\nVERSION_CODENAME='jammy'\nBAD LINE\n"
                    "ID_LIKE=debian\nNAME2=\"x\\\"y\"\n";
    struct os_release os;
    parse_os_release(t, strlen(t), &os);
    CHECK_EQ_STR(os.name, "Ubuntu");
    CHECK_EQ_STR(os.id, "ubuntu");
    CHECK_EQ_STR(os.version_id, "22.04");
    CHECK_EQ_STR(os.pretty, "Ubuntu 22.04.3 LTS");
    CHECK_EQ_STR(os.codename, "jammy");
    char v[16];
    inv_shell_value("\"a\\\"b\"", 6, v, sizeof(v));
    CHECK_EQ_STR(v, "a\"b");
    inv_shell_value("\"unterminated", 13, v, sizeof(v));
    CHECK_EQ_STR(v, "unterminated");
    parse_os_release("", 0, &os);
    CHECK_EQ_STR(os.id, "");
}

static void test_cpu_mem_resolv(void)
{
    const char *c = "processor\t: 0\nmodel name\t: X\nphysical id\t: 0\ncpu cores\t: 4\n\n"
                    "processor\t: 1\nmodel name\t: X\nphysical id\t: 0\ncpu cores\t: 4\n\n"
                    "processor\t: 2\nphysical id\t: 1\ncpu cores\t: 4\n";
    struct cpu_info ci;
    parse_cpuinfo(c, strlen(c), &ci);
    CHECK_EQ_INT(ci.count, 3);
    CHECK_EQ_INT(ci.sockets, 2);
    CHECK_EQ_INT(ci.cores, 8);
    CHECK_EQ_STR(ci.model, "X");
    /* ARM style: no physical id */
    const char *arm = "processor : 0\nBogoMIPS : 50\n\nprocessor : 1\nHardware : BCM2835\n";
    parse_cpuinfo(arm, strlen(arm), &ci);
    CHECK_EQ_INT(ci.count, 2);
    CHECK_EQ_INT(ci.sockets, 1);
    CHECK_EQ_INT(ci.cores, 2);
    CHECK_EQ_STR(ci.model, "BCM2835");
    uint64_t mem, swap;
    const char *m = "MemTotal:  1000 kB\nSwapTotal: 99999999999999999999999 kB\nX: y\n";
    parse_meminfo(m, strlen(m), &mem, &swap);
    CHECK_EQ_INT(mem, 1024000);
    CHECK_EQ_INT(swap, 0); /* overflowing numbers are refused */
    struct buf ns = {0}, sr = {0};
    const char *r = "domain a.example\nsearch b.example c.example # x\nnameserver 1.1.1.1\n"
                    "nameserver ::1 ignored\n;nameserver 9.9.9.9\n";
    parse_resolv_conf(r, strlen(r), &ns, &sr);
    buf_terminate(&ns);
    buf_terminate(&sr);
    CHECK_EQ_STR((char *)ns.data, "1.1.1.1,::1");
    CHECK_EQ_STR((char *)sr.data, "b.example,c.example");
    buf_free(&ns);
    buf_free(&sr);
}

static void route_line(void *ctx, const struct route_entry *r)
{
    add_line(ctx, "%s %s %s %s %lld", r->family, r->destination, r->gateway, r->interface,
             (long long)r->metric);
}

static void test_routes(void)
{
    struct lines l = {.n = 0};
    const char *v4 = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
                     "eth0\t00000000\t010200C0\t0003\t0\t0\t5\t00000000\t0\t0\t0\n"
                     "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
                     "eth0\t00000000\t010200C0\t0201\t0\t0\t0\t00000000\t0\t0\t0\n" /* reject */
                     "eth0\tZZZZ\t00\t0001\t0\t0\t0\t0\n";                          /* bad */
    CHECK_EQ_INT(parse_proc_route(v4, strlen(v4), route_line, &l), 2);
    CHECK_EQ_STR(l.v[0], "ipv4 0.0.0.0/0 192.0.2.1 eth0 5");
    CHECK_EQ_STR(l.v[1], "ipv4 192.0.2.0/24  eth0 0");
    l.n = 0;
    const char *v6 = "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
                     "fd000000000000000000000000000001 00000400 00000002 00000000 00000003 eth0\n"
                     "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
                     "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200 lo\n"
                     "short line\n";
    CHECK_EQ_INT(parse_proc_ipv6_route(v6, strlen(v6), route_line, &l), 1);
    CHECK_EQ_STR(l.v[0], "ipv6 ::/0 fd00::1 eth0 1024");
}

static void pw_line(void *ctx, const struct passwd *p)
{
    add_line(ctx, "%s %u %u %s %s", p->pw_name, p->pw_uid, p->pw_gid, p->pw_dir, p->pw_shell);
}

static void gr_line(void *ctx, const struct group *g)
{
    struct buf m = {0};
    for (char **x = g->gr_mem; *x; x++)
        inv_list_add(&m, *x, strlen(*x));
    buf_terminate(&m);
    add_line(ctx, "%s %u [%s]", g->gr_name, g->gr_gid, m.len ? (char *)m.data : "");
    buf_free(&m);
}

static void sp_line(void *ctx, const struct spwd *s)
{
    add_line(ctx, "%s %s %ld", s->sp_namp, password_state(s->sp_pwdp), s->sp_lstchg);
}

static void test_accounts(void)
{
    struct lines l = {.n = 0};
    const char *pw = "root:x:0:0:root:/root:/bin/bash\nbroken line\n"
                     "a:x:1000:1000::/home/a:/bin/sh\n\n:x:1:1::/:/\n";
    parse_passwd(pw, strlen(pw), pw_line, &l);
    CHECK(l.n >= 2);
    CHECK_EQ_STR(l.v[0], "root 0 0 /root /bin/bash");
    CHECK_EQ_STR(l.v[1], "a 1000 1000 /home/a /bin/sh");
    l.n = 0;
    const char *gr = "sudo:x:27:alice,bob\nempty:x:5:\n";
    parse_group(gr, strlen(gr), gr_line, &l);
    CHECK_EQ_INT(l.n, 2);
    CHECK_EQ_STR(l.v[0], "sudo 27 [alice,bob]");
    CHECK_EQ_STR(l.v[1], "empty 5 []");
    l.n = 0;
    const char *sh = "a:$6$x$y:19000:0:99999:7:::\nb:!$y$x$y:1:0:99999:7:::\nc::2::::::\nd:*:3::::::\n";
    parse_shadow(sh, strlen(sh), sp_line, &l);
    CHECK_EQ_INT(l.n, 4);
    CHECK_EQ_STR(l.v[0], "a set 19000");
    CHECK_EQ_STR(l.v[1], "b locked 1");
    CHECK_EQ_STR(l.v[2], "c empty 2");
    CHECK_EQ_STR(l.v[3], "d locked 3");
    CHECK_EQ_STR(password_scheme("$y$j9T$a$b"), "yescrypt");
    CHECK_EQ_STR(password_scheme("!$6$s$h"), "sha512");
    CHECK_EQ_STR(password_scheme("$1$s$h"), "md5");
    CHECK_EQ_STR(password_scheme("ab01FAX.bQRSU"), "des");
    CHECK_EQ_STR(password_scheme("$9$x"), "unknown");
    CHECK(password_scheme("*") == NULL);
    CHECK(password_scheme("") == NULL);
    /* a line far longer than any buffer is skipped, not fatal */
    size_t big = 3u << 20;
    char *huge = malloc(big + 64);
    memset(huge, 'a', big);
    strcpy(huge + big, ":x:1:1::/:/bin/sh\nok:x:2:2::/:/bin/sh\n");
    l.n = 0;
    parse_passwd(huge, strlen(huge), pw_line, &l);
    CHECK(l.n >= 1);
    CHECK_EQ_STR(l.v[l.n - 1], "ok 2 2 / /bin/sh");
    free(huge);
}

static void sudo_line(void *ctx, const struct sudo_entry *e)
{
    add_line(ctx, "%d|%s|%s|%s|%s|%d|%s|%s|%u", e->type, e->principal ? e->principal : "",
             e->hosts ? e->hosts : "", e->run_as ? e->run_as : "", e->tags ? e->tags : "",
             e->nopasswd, e->command ? e->command : "", e->target ? e->target : "", e->line);
}

static void test_sudoers(void)
{
    struct lines l = {.n = 0};
    const char *t =
        "Defaults env_reset # trailing comment\n"
        "alice, %admin ALL = (root:wheel) NOPASSWD: /bin/ls, /bin/cat, PASSWD: /bin/rm\n"
        "#1001 ALL = ALL\n"
        "bob h1 = /bin/a : h2 = (x) /bin/b\n"
        "carol ALL = (ALL) ROLE=r TIMEOUT=5m SETENV: /usr/bin/env \\\n   A=1\n"
        "@include other\n#includedir /etc/sudoers.d\n"
        "User_Alias X = a, b : Y = c\n"
        "garbage without equals\n"
        "dave ALL = /bin/echo a\\,b, /bin/x\n";
    parse_sudoers(t, strlen(t), "/etc/sudoers", sudo_line, &l);
    int i = 0;
    CHECK_EQ_STR(l.v[i++], "1|||||0|||1");
    CHECK_EQ_STR(l.v[i++], "0|alice,%admin|ALL|root:wheel|NOPASSWD|1|/bin/ls||2");
    CHECK_EQ_STR(l.v[i++], "0|alice,%admin|ALL|root:wheel|NOPASSWD|1|/bin/cat||2");
    CHECK_EQ_STR(l.v[i++], "0|alice,%admin|ALL|root:wheel|PASSWD|0|/bin/rm||2");
    CHECK_EQ_STR(l.v[i++], "0|#1001|ALL|||0|ALL||3");
    CHECK_EQ_STR(l.v[i++], "0|bob|h1|||0|/bin/a||4");
    CHECK_EQ_STR(l.v[i++], "0|bob|h2|x||0|/bin/b||4");
    CHECK_EQ_STR(l.v[i++], "0|carol|ALL|ALL|SETENV|0|/usr/bin/env     A=1||5");
    CHECK_EQ_STR(l.v[i++], "3|||||0||other|7");
    CHECK_EQ_STR(l.v[i++], "4|||||0||/etc/sudoers.d|8");
    CHECK_EQ_STR(l.v[i++], "2|X||||0|a, b||9");
    CHECK_EQ_STR(l.v[i++], "2|Y||||0|c||9");
    CHECK_EQ_STR(l.v[i++], "5|||||0|||10");
    CHECK_EQ_STR(l.v[i++], "0|dave|ALL|||0|/bin/echo a\\,b||11");
    CHECK_EQ_STR(l.v[i++], "0|dave|ALL|||0|/bin/x||11");
    CHECK_EQ_INT(l.n, i);
}

static void key_line(void *ctx, const struct ssh_key_entry *k)
{
    add_line(ctx, "%u %s %d %s [%s] [%s]", k->line, k->type, k->bits, k->fingerprint, k->comment,
             k->options);
}

static void test_ssh(void)
{
    /* keys of ssh-keygen, fingerprints as ssh-keygen -l prints them */
    const char *t =
        "# comment\n"
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGAlPJnmOYVG4FxyILZmUs7bjBpBoDJlMhsQJMnDLdHm a@b\n"
        "no-pty,command=\"echo \\\"x y\\\"\" ssh-ed25519 "
        "AAAAC3NzaC1lZDI1NTE5AAAAIGAlPJnmOYVG4FxyILZmUs7bjBpBoDJlMhsQJMnDLdHm\n"
        "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIGAlPJnmOYVG4FxyILZmUs7bjBpBoDJlMhsQJMnDLdHm liar\n"
        "ssh-ed25519 AAAA\n"
        "random text\n";
    struct lines l = {.n = 0};
    CHECK_EQ_INT(parse_authorized_keys(t, strlen(t), key_line, &l), 2);
    CHECK_EQ_STR(l.v[0], "2 ssh-ed25519 256 SHA256:k7bX1uIDOx3RyAgT6r70eKol739p3Ab6ckIfBi+WuW4 [a@b] []");
    CHECK_EQ_STR(l.v[1], "3 ssh-ed25519 256 SHA256:k7bX1uIDOx3RyAgT6r70eKol739p3Ab6ckIfBi+WuW4 [] "
                         "[no-pty,command=\"echo \\\"x y\\\"\"]");
    char type[64], fp[64];
    int bits;
    ssh_key_type_name("ssh-ed25519", type, sizeof(type));
    CHECK_EQ_STR(type, "ED25519");
    ssh_key_type_name("ecdsa-sha2-nistp384", type, sizeof(type));
    CHECK_EQ_STR(type, "ECDSA");
    ssh_key_type_name("sk-ssh-ed25519@openssh.com", type, sizeof(type));
    CHECK_EQ_STR(type, "ED25519-SK");
    ssh_key_type_name("ssh-rsa-cert-v01@openssh.com", type, sizeof(type));
    CHECK_EQ_STR(type, "RSA-CERT");
    ssh_key_type_name("sk-ssh-ed25519-cert-v01@openssh.com", type, sizeof(type));
    CHECK_EQ_STR(type, "ED25519-SK-CERT");
    ssh_key_type_name("x-new", type, sizeof(type));
    CHECK_EQ_STR(type, "X-NEW");
    CHECK(ssh_key_fingerprint("!!!!", 4, type, sizeof(type), fp, &bits) != 0);
    CHECK(ssh_key_fingerprint("AAAA", 4, type, sizeof(type), fp, &bits) != 0); /* empty type */
    CHECK(ssh_key_fingerprint("AAAAB3", 6, type, sizeof(type), fp, &bits) != 0);
}

static void utmp_line(void *ctx, const struct login_record *r)
{
    add_line(ctx, "%s %s %s %s %d %lld", r->type, r->user, r->tty, r->host, r->pid,
             (long long)r->time_ns);
}

static void test_utmp(void)
{
    struct utmp u[3];
    memset(u, 0, sizeof(u));
    u[0].ut_type = USER_PROCESS;
    u[0].ut_pid = 42;
    memset(u[0].ut_user, 'x', sizeof(u[0].ut_user)); /* not NUL-terminated */
    strcpy(u[0].ut_line, "pts/1");
    strcpy(u[0].ut_host, "203.0.113.5");
    u[0].ut_tv.tv_sec = 1700000000;
    u[0].ut_tv.tv_usec = 5;
    u[1].ut_type = EMPTY;
    u[2].ut_type = 77; /* unknown */
    struct lines l = {.n = 0};
    /* a partial record at the end is ignored */
    CHECK_EQ_INT(parse_utmp((const uint8_t *)u, sizeof(u) - 10, utmp_line, &l), 1);
    CHECK_EQ_STR(l.v[0], "user xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx pts/1 203.0.113.5 42 1700000000000005000");
}

static void dpkg_line(void *ctx, const struct dpkg_package *p)
{
    add_line(ctx, "%s|%s|%s|%s|%s|%s", p->name, p->arch, p->version, p->source, p->status,
             p->installed_size);
}

static void hdr_line(void *ctx, const char *name, const char *value)
{
    add_line(ctx, "%s=%s", name, value);
}

static void test_deb822(void)
{
    const char *t = "Package: a\nStatus: install ok installed\nArchitecture: amd64\n"
                    "Version: 1:2.0-1\nSource: srca (1:2.0-0)\nInstalled-Size: 12\n"
                    "Description: x\n more: text\n Package: fake\n\n\n"
                    "Version: 3\nArchitecture: all\n\n"       /* no Package: skipped */
                    "Package: b\r\nVersion: 1\r\n";            /* CRLF, no final blank */
    struct lines l = {.n = 0};
    CHECK_EQ_INT(parse_dpkg_status(t, strlen(t), dpkg_line, &l), 2);
    CHECK_EQ_STR(l.v[0], "a|amd64|1:2.0-1|srca (1:2.0-0)|install ok installed|12");
    CHECK_EQ_STR(l.v[1], "b||1|||");
    l.n = 0;
    const char *meta = "Name: requests\nVersion: 2.31.0\nSummary: a\n  folded\n\nName: body\n";
    CHECK_EQ_INT(parse_header_block(meta, strlen(meta), false, hdr_line, &l), 3);
    CHECK_EQ_STR(l.v[2], "Summary=a folded");
    l.n = 0;
    const char *mf = "Manifest-Version: 1.0\nImplementation-Title: very-long-na\n me\n";
    parse_header_block(mf, strlen(mf), true, hdr_line, &l);
    CHECK_EQ_STR(l.v[1], "Implementation-Title=very-long-name");
}

static void unit_line(void *ctx, const char *section, const char *key, const char *value)
{
    add_line(ctx, "%s.%s=%s", section, key, value);
}

static void test_unit_files(void)
{
    const char *t = "key=outside\n[Unit]\nDescription = A \\\n  b\n# c\n;c\n[Service]\n"
                    "ExecStart=/bin/x \\\n# comment inside\n  --y\nnoequals\n[Install]\n"
                    "WantedBy=\n";
    struct lines l = {.n = 0};
    parse_unit_file(t, strlen(t), unit_line, &l);
    CHECK_EQ_INT(l.n, 3);
    CHECK_EQ_STR(l.v[0], "Unit.Description=A  b");
    CHECK_EQ_STR(l.v[1], "Service.ExecStart=/bin/x  --y");
    CHECK_EQ_STR(l.v[2], "Install.WantedBy=");
    char d[64];
    const char *lsb = "#!/bin/sh\n### BEGIN INIT INFO\n# Short-Description: Thing  \n"
                      "### END INIT INFO\n# Short-Description: not this\n";
    parse_lsb_header(lsb, strlen(lsb), d, sizeof(d));
    CHECK_EQ_STR(d, "Thing");
}

static void cron_line(void *ctx, const struct cron_entry *e)
{
    add_line(ctx, "%u|%s|%s|%s", e->line, e->schedule, e->user, e->command);
}

static void test_cron(void)
{
    const char *t = "SHELL=/bin/sh\nMAILTO = \"x\"\n# c\n*/5 1-3 * jan mon-fri root echo a b\n"
                    "@reboot root /bin/start\n1 2 3\n1 2 3 4 5 root\n";
    struct lines l = {.n = 0};
    CHECK_EQ_INT(parse_crontab(t, strlen(t), true, cron_line, &l), 2);
    CHECK_EQ_STR(l.v[0], "4|*/5 1-3 * jan mon-fri|root|echo a b");
    CHECK_EQ_STR(l.v[1], "5|@reboot|root|/bin/start");
    l.n = 0;
    const char *u = "0 9 * * * curl x | sh\n@daily /x\n";
    CHECK_EQ_INT(parse_crontab(u, strlen(u), false, cron_line, &l), 2);
    CHECK_EQ_STR(l.v[0], "1|0 9 * * *||curl x | sh");
    l.n = 0;
    const char *a = "SHELL=/bin/sh\n1\t5\tcron.daily\trun-parts /etc/cron.daily\nbad\n";
    CHECK_EQ_INT(parse_anacrontab(a, strlen(a), cron_line, &l), 1);
    CHECK_EQ_STR(l.v[0], "2|1|root|run-parts /etc/cron.daily");
}

static void mod_line(void *ctx, const struct kernel_module *m)
{
    add_line(ctx, "%s %lld [%s] %s [%s]", m->name, (long long)m->size, m->used_by, m->state, m->taint);
}

static void test_modules(void)
{
    const char *t = "a 100 2 b,c, Live 0x0 (OE)\nd 5 0 - Loading 0x0\nbroken\n";
    struct lines l = {.n = 0};
    CHECK_EQ_INT(parse_proc_modules(t, strlen(t), mod_line, &l), 2);
    CHECK_EQ_STR(l.v[0], "a 100 [b,c] Live [OE]");
    CHECK_EQ_STR(l.v[1], "d 5 [] Loading []");
}

static void diag_line(void *ctx, const struct diag_socket *d)
{
    add_line(ctx, "%s %d %s:%u %s:%u %u %llu", d->family, d->state, d->src, d->sport, d->dst,
             d->dport, d->uid, (unsigned long long)d->inode);
}

static void test_inet_diag(void)
{
    uint8_t buf[512];
    memset(buf, 0, sizeof(buf));
    struct nlmsghdr h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct inet_diag_msg)),
                         .nlmsg_type = 20};
    struct inet_diag_msg m;
    memset(&m, 0, sizeof(m));
    m.idiag_family = AF_INET;
    m.idiag_state = TCP_LISTEN;
    m.id.idiag_sport = htons(8080);
    inet_pton(AF_INET, "127.0.0.1", m.id.idiag_src);
    m.idiag_uid = 33;
    m.idiag_inode = 12345;
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + NLMSG_HDRLEN, &m, sizeof(m));
    size_t off = NLMSG_ALIGN(h.nlmsg_len);
    struct nlmsghdr done = {.nlmsg_len = NLMSG_LENGTH(4), .nlmsg_type = NLMSG_DONE};
    memcpy(buf + off, &done, sizeof(done));
    off += NLMSG_ALIGN(done.nlmsg_len);
    struct lines l = {.n = 0};
    bool fin;
    CHECK_EQ_INT(parse_inet_diag(buf, off, IPPROTO_TCP, diag_line, &l, &fin), 1);
    CHECK(fin);
    CHECK_EQ_STR(l.v[0], "ipv4 10 127.0.0.1:8080 0.0.0.0:0 33 12345");
    /* a length that claims more than was received */
    struct nlmsghdr lie = {.nlmsg_len = 4000, .nlmsg_type = 20};
    memcpy(buf, &lie, sizeof(lie));
    CHECK_EQ_INT(parse_inet_diag(buf, off, IPPROTO_TCP, diag_line, &l, &fin), -1);
    /* an error answer */
    struct nlmsghdr e = {.nlmsg_len = NLMSG_LENGTH(4), .nlmsg_type = NLMSG_ERROR};
    int code = -EPERM;
    memcpy(buf, &e, sizeof(e));
    memcpy(buf + NLMSG_HDRLEN, &code, 4);
    CHECK_EQ_INT(parse_inet_diag(buf, NLMSG_ALIGN(e.nlmsg_len), IPPROTO_TCP, diag_line, &l, &fin),
                 -EPERM);
}

static void java_line(void *ctx, const char *e) { add_line(ctx, "%s", e); }

static void test_java(void)
{
    const char args[] = "java\0-Xmx1g\0--add-opens\0java.base/java.lang=ALL-UNNAMED\0-cp\0"
                        "a.jar:lib/*::b\0-Dx=y\0com.Main\0-cp\0not.jar\0";
    struct lines l = {.n = 0};
    parse_java_args(args, sizeof(args) - 1, "env.jar", java_line, &l);
    CHECK_EQ_INT(l.n, 3);
    CHECK_EQ_STR(l.v[0], "a.jar");
    CHECK_EQ_STR(l.v[1], "lib/*");
    CHECK_EQ_STR(l.v[2], "b");
    l.n = 0;
    const char jar[] = "/usr/bin/java\0-jar\0app.jar\0--server.port=8080\0";
    parse_java_args(jar, sizeof(jar) - 1, "env.jar", java_line, &l);
    CHECK_EQ_INT(l.n, 1);
    CHECK_EQ_STR(l.v[0], "app.jar");
    l.n = 0;
    const char env[] = "java\0Main\0";
    parse_java_args(env, sizeof(env) - 1, "x.jar:y", java_line, &l);
    CHECK_EQ_INT(l.n, 2);
    char n[64], v[64];
    java_name_from_file("/opt/lib/log4j-core-2.14.1.jar", n, sizeof(n), v, sizeof(v));
    CHECK_EQ_STR(n, "log4j-core");
    CHECK_EQ_STR(v, "2.14.1");
    java_name_from_file("plain.jar", n, sizeof(n), v, sizeof(v));
    CHECK_EQ_STR(n, "plain");
    CHECK_EQ_STR(v, "");
}

static void prop_line(void *ctx, const char *k, const char *v) { add_line(ctx, "%s=%s", k, v); }

static void nginx_line(void *ctx, const struct nginx_directive *d)
{
    if (d->block_end) {
        add_line(ctx, "end %s", d->name);
        return;
    }
    char a[256] = "";
    for (int i = 0; i < d->nargs; i++) {
        strcat(a, "|");
        strcat(a, d->args[i]);
    }
    add_line(ctx, "%s%s%s@%u/%d", d->block ? "{" : "", d->name, a, d->line, d->depth);
}

static void apache_line(void *ctx, const char *name, const char *args, unsigned line)
{
    add_line(ctx, "%s[%s]@%u", name, args, line);
}

static void ini_line(void *ctx, const char *section, const char *key, const char *value)
{
    add_line(ctx, "%s.%s=%s", section, key, value);
}

static void kv_line(void *ctx, const char *key, const char *value, unsigned line)
{
    add_line(ctx, "%s=%s@%u", key, value, line);
}

static void test_server_configs(void)
{
    struct lines l = {.n = 0};
    const char *p = "# c\ngroupId=org.x\nartifactId : y\nversion 1.0\n!c\n=novalue\n";
    CHECK_EQ_INT(parse_properties(p, strlen(p), prop_line, &l), 3);
    CHECK_EQ_STR(l.v[1], "artifactId=y");
    CHECK_EQ_STR(l.v[2], "version=1.0");
    l.n = 0;
    const char *n = "http {\n server { listen 80; server_name \"a b\" 'c;d'; # x\n }\n}\n"
                    "unterminated 1";
    parse_nginx_conf(n, strlen(n), nginx_line, &l);
    CHECK_EQ_INT(l.n, 6);
    CHECK_EQ_STR(l.v[0], "{http@1/0");
    CHECK_EQ_STR(l.v[1], "{server@2/1");
    CHECK_EQ_STR(l.v[2], "listen|80@2/2");
    CHECK_EQ_STR(l.v[3], "server_name|a b|c;d@2/2");
    CHECK_EQ_STR(l.v[4], "end server");
    CHECK_EQ_STR(l.v[5], "end http");
    l.n = 0;
    parse_nginx_conf("}}}{{{;;;", 9, nginx_line, &l); /* stray braces: nothing breaks */
    l.n = 0;
    const char *a = "# c\nListen 80\n<VirtualHost *:80 [::]:80>\n  ServerAlias a \\\n b\n"
                    "</VirtualHost>\n";
    parse_apache_conf(a, strlen(a), apache_line, &l);
    CHECK_EQ_INT(l.n, 4);
    CHECK_EQ_STR(l.v[0], "Listen[80]@2");
    CHECK_EQ_STR(l.v[1], "<VirtualHost[*:80 [::]:80]@3");
    CHECK_EQ_STR(l.v[2], "ServerAlias[a  b]@4");
    CHECK_EQ_STR(l.v[3], "</VirtualHost[]@6");
    l.n = 0;
    const char *ini = "[mysqld]\nbind_address = '0.0.0.0'\nskip-networking\n!includedir /x/\n[b";
    parse_ini(ini, strlen(ini), ini_line, &l);
    CHECK_EQ_INT(l.n, 3);
    CHECK_EQ_STR(l.v[0], "mysqld.bind-address=0.0.0.0");
    CHECK_EQ_STR(l.v[1], "mysqld.skip-networking=");
    CHECK_EQ_STR(l.v[2], "mysqld.!includedir=/x/");
    l.n = 0;
    const char *pg = "listen_addresses = '*'  # x\nport=5433 # y\nbad\n";
    parse_kv_conf(pg, strlen(pg), true, kv_line, &l);
    CHECK_EQ_STR(l.v[0], "listen_addresses=*@1");
    CHECK_EQ_STR(l.v[1], "port=5433@2");
    char v[64];
    upstream_version("5:7.0.15-1~deb12u1", v, sizeof(v));
    CHECK_EQ_STR(v, "7.0.15");
    upstream_version("1.2", v, sizeof(v));
    CHECK_EQ_STR(v, "1.2");
    upstream_version("1:10.11.6-0+deb12u1", v, sizeof(v));
    CHECK_EQ_STR(v, "10.11.6");
    CHECK_EQ_INT(parse_rfc3339_ns("2024-03-01T10:00:00.5+01:00"), 1709283600500000000ll);
    CHECK_EQ_INT(parse_rfc3339_ns("2024-03-01T10:00:00Z"), 1709287200000000000ll);
    CHECK_EQ_INT(parse_rfc3339_ns("yesterday"), 0);
}

TEST_MAIN(TEST(test_os_release), TEST(test_cpu_mem_resolv), TEST(test_routes),
          TEST(test_accounts), TEST(test_sudoers), TEST(test_ssh), TEST(test_utmp),
          TEST(test_deb822), TEST(test_unit_files), TEST(test_cron), TEST(test_modules),
          TEST(test_inet_diag), TEST(test_java), TEST(test_server_configs))
