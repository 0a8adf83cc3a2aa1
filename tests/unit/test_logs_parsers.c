/* test_logs_parsers.c - the log parsers on real lines of each kind: syslog headers (RFC 3164,
 * RFC 5424, the RFC 3339 stamps of Debian's rsyslog), sshd, sudo, su, PAM, account tools,
 * cron, audit records (fields, hex, nested msg, grouping by serial), web access logs and
 * kernel messages; and the escaping of NUL bytes and invalid UTF-8. */
#include <string.h>

#include "agent/logs/logs_parser.h"
#include "agent/logs/logs_text.h"
#include "test.h"

static struct log_parse_ctx *ctx;
static struct log_parse_out out;

/* Parse one line as a file record; returns the number of derived events. */
static int parse(const char *line)
{
    if (out.line)
        event_free(out.line);
    logs_parse_out_clear(&out);
    out.line = event_new(TBL_LOG_EVENTS, "line");
    event_add_str(out.line, FLD_LOG_INPUT, "file");
    event_add_str(out.line, FLD_LOG_FILE, "/var/log/test.log");
    event_add_int(out.line, FLD_LOG_OFFSET, 42);
    struct log_record r = {.text = line, .len = strlen(line)};
    return logs_parse(ctx, &r, &out);
}

static const char *dstr(size_t i, enum field_id f)
{
    return i < out.nderived ? event_get_str(out.derived[i], f) : NULL;
}
static int64_t dint(size_t i, enum field_id f)
{
    int64_t v = -999;
    if (i < out.nderived)
        event_get_int(out.derived[i], f, &v);
    return v;
}
static int64_t lint(enum field_id f)
{
    int64_t v = -999;
    event_get_int(out.line, f, &v);
    return v;
}

static void test_syslog_headers(void)
{
    CHECK_EQ_INT(parse("Nov 22 10:00:01 web1 sshd[1234]: Server listening on 0.0.0.0 port 22."), 0);
    CHECK_EQ_STR(event_get_str(out.line, FLD_LOG_HOST), "web1");
    CHECK_EQ_STR(event_get_str(out.line, FLD_PROGRAM), "sshd");
    CHECK_EQ_INT(lint(FLD_PID), 1234);
    CHECK_EQ_STR(event_get_str(out.line, FLD_MESSAGE), "Server listening on 0.0.0.0 port 22.");
    CHECK_EQ_STR(event_get_str(out.line, FLD_PARSER), "rfc3164");

    parse("2026-11-22T10:00:01.123456+01:00 db2 CRON[99]: (root) CMD (run-parts /etc/cron.hourly)");
    CHECK_EQ_STR(event_get_str(out.line, FLD_LOG_HOST), "db2");
    CHECK_EQ_INT(out.line->time_ns, 1795338001123456000ull);
    CHECK_EQ_STR(event_get_str(out.line, FLD_USER), "root");
    CHECK_EQ_STR(event_get_str(out.line, FLD_CMDLINE), "run-parts /etc/cron.hourly");
    CHECK_EQ_STR(event_get_str(out.line, FLD_PARSER), "rfc3164,cron");

    parse("<34>1 2026-11-22T09:00:00.5Z mymachine.example.com su - ID47 [exampleSDID@32473 "
          "iut=\"3\" eventSource=\"App\\]lication\"] \xEF\xBB\xBF'su root' failed for lonvick on /dev/pts/8");
    CHECK_EQ_INT(lint(FLD_FACILITY), 4);
    CHECK_EQ_INT(lint(FLD_SYSLOG_SEVERITY), 2);
    CHECK_EQ_STR(event_get_str(out.line, FLD_PROGRAM), "su");
    CHECK_EQ_STR(event_get_str(out.line, FLD_LOG_HOST), "mymachine.example.com");
    CHECK_EQ_STR(event_get_str(out.line, FLD_MESSAGE), "'su root' failed for lonvick on /dev/pts/8");
    CHECK_EQ_INT(out.line->time_ns, 1795338000500000000ull);

    /* not a header: left alone */
    parse("just some text");
    CHECK(event_get_str(out.line, FLD_PROGRAM) == NULL);
    CHECK(event_get_str(out.line, FLD_PARSER) == NULL);
    parse("<999>1 broken");
    CHECK(event_get_str(out.line, FLD_PROGRAM) == NULL);
}

static void test_sshd(void)
{
    CHECK_EQ_INT(parse("Nov 22 10:00:01 h sshd[1]: Accepted publickey for bob from 10.0.0.5 port "
                       "52344 ssh2: ED25519 SHA256:AbCdEf0123"), 1);
    CHECK_EQ_INT(out.derived[0]->table, TBL_LOGIN_EVENTS);
    CHECK_EQ_STR(out.derived[0]->action, "login");
    CHECK_EQ_STR(dstr(0, FLD_USER), "bob");
    CHECK_EQ_STR(dstr(0, FLD_SRC_IP), "10.0.0.5");
    CHECK_EQ_INT(dint(0, FLD_SRC_PORT), 52344);
    CHECK_EQ_STR(dstr(0, FLD_AUTH_METHOD), "publickey");
    CHECK_EQ_STR(dstr(0, FLD_KEY_TYPE), "ED25519");
    CHECK_EQ_STR(dstr(0, FLD_KEY_FINGERPRINT), "SHA256:AbCdEf0123");
    CHECK_EQ_INT(dint(0, FLD_RESULT_CODE), 0);
    CHECK_EQ_STR(dstr(0, FLD_PROGRAM), "sshd");
    CHECK_EQ_INT(dint(0, FLD_PID), 1);
    CHECK_EQ_INT(dint(0, FLD_LOG_OFFSET), 42);
    CHECK_EQ_STR(dstr(0, FLD_LOG_FILE), "/var/log/test.log");

    parse("Nov 22 10:00:01 h sshd[1]: Failed password for invalid user admin from 2001:db8::7 port 4000 ssh2");
    CHECK_EQ_STR(out.derived[0]->action, "login_failed");
    CHECK_EQ_STR(dstr(0, FLD_USER), "admin");
    CHECK_EQ_STR(dstr(0, FLD_SRC_IP), "2001:db8::7");
    CHECK_EQ_INT(dint(0, FLD_INVALID_USER), 1);
    CHECK_EQ_INT(dint(0, FLD_RESULT_CODE), -13);

    parse("Nov 22 10:00:01 h sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2");
    CHECK_EQ_STR(dstr(0, FLD_USER), "root");
    CHECK_EQ_INT(dint(0, FLD_INVALID_USER), -999);

    parse("Invalid user oracle from 192.0.2.2 port 5555"); /* sshd -E: no header */
    CHECK_EQ_STR(out.derived[0]->action, "login_failed");
    CHECK_EQ_STR(dstr(0, FLD_USER), "oracle");

    parse("Nov 22 10:00:01 h sshd[1]: Disconnected from user bob 10.0.0.5 port 52344");
    CHECK_EQ_STR(out.derived[0]->action, "disconnect");
    CHECK_EQ_STR(dstr(0, FLD_USER), "bob");
    parse("Nov 22 10:00:01 h sshd[1]: Received disconnect from 10.0.0.5 port 52344:11: disconnected by user");
    CHECK_EQ_STR(dstr(0, FLD_REASON), "disconnected by user");
    parse("Nov 22 10:00:01 h sshd[1]: Connection closed by authenticating user root 10.1.1.1 port 9 [preauth]");
    CHECK_EQ_STR(out.derived[0]->action, "disconnect");
    CHECK_EQ_STR(dstr(0, FLD_USER), "root");
    CHECK_EQ_INT(parse("Nov 22 10:00:01 h sshd[1]: Server listening on :: port 22."), 0);
}

static void test_sudo_su_pam(void)
{
    parse("Nov 22 10:00:01 h sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id -u");
    CHECK_EQ_STR(out.derived[0]->action, "sudo");
    CHECK_EQ_STR(dstr(0, FLD_USER), "alice");
    CHECK_EQ_STR(dstr(0, FLD_TARGET_USER), "root");
    CHECK_EQ_STR(dstr(0, FLD_TTY), "pts/0");
    CHECK_EQ_STR(dstr(0, FLD_CWD), "/home/alice");
    CHECK_EQ_STR(dstr(0, FLD_CMDLINE), "/usr/bin/id -u");
    parse("Nov 22 10:00:01 h sudo:    mallory : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/sh");
    CHECK_EQ_STR(out.derived[0]->action, "sudo_failed");
    CHECK_EQ_STR(dstr(0, FLD_REASON), "3 incorrect password attempts");
    CHECK_EQ_STR(dstr(0, FLD_CMDLINE), "/bin/sh");
    parse("Nov 22 10:00:01 h sudo:    eve : user NOT in sudoers ; TTY=pts/1 ; PWD=/ ; USER=root ; COMMAND=/bin/ls");
    CHECK_EQ_STR(out.derived[0]->action, "sudo_failed");
    CHECK_EQ_STR(dstr(0, FLD_USER), "eve");

    parse("Nov 22 10:00:01 h su[77]: (to root) bob on pts/2");
    CHECK_EQ_STR(out.derived[0]->action, "su");
    CHECK_EQ_STR(dstr(0, FLD_USER), "bob");
    CHECK_EQ_STR(dstr(0, FLD_TARGET_USER), "root");
    parse("Nov 22 10:00:01 h su[77]: FAILED SU (to root) bob on pts/2");
    CHECK_EQ_STR(out.derived[0]->action, "su_failed");

    parse("Nov 22 10:00:01 h sshd[5]: pam_unix(sshd:auth): authentication failure; logname= uid=0 "
          "euid=0 tty=ssh ruser= rhost=203.0.113.4  user=root");
    CHECK_EQ_STR(out.derived[0]->action, "auth_failure");
    CHECK_EQ_STR(dstr(0, FLD_USER), "root");
    CHECK_EQ_STR(dstr(0, FLD_SRC_IP), "203.0.113.4");
    CHECK_EQ_STR(dstr(0, FLD_TTY), "ssh");
    parse("Nov 22 10:00:01 h su[5]: pam_unix(su:auth): authentication failure; logname=bob uid=1000 "
          "euid=0 tty=/dev/pts/0 ruser=bob rhost=  user=root");
    CHECK_EQ_STR(dstr(0, FLD_USER), "bob");
    CHECK_EQ_STR(dstr(0, FLD_TARGET_USER), "root");
    parse("Nov 22 10:00:01 h sshd[5]: pam_unix(sshd:session): session opened for user bob(uid=1000) by (uid=0)");
    CHECK_EQ_STR(out.derived[0]->action, "session_open");
    CHECK_EQ_STR(dstr(0, FLD_USER), "bob");
    parse("Nov 22 10:00:01 h sshd[5]: pam_unix(sshd:session): session closed for user bob");
    CHECK_EQ_STR(out.derived[0]->action, "session_close");
}

static void test_accounts(void)
{
    parse("Nov 22 10:00:01 h useradd[9]: new user: name=svc, UID=1001, GID=1001, home=/home/svc, "
          "shell=/bin/bash, from=/dev/pts/0");
    CHECK_EQ_INT(out.derived[0]->table, TBL_ACCOUNT_EVENTS);
    CHECK_EQ_STR(out.derived[0]->action, "user_add");
    CHECK_EQ_STR(dstr(0, FLD_TARGET_USER), "svc");
    CHECK_EQ_INT(dint(0, FLD_UID), 1001);
    CHECK_EQ_STR(dstr(0, FLD_HOME_DIR), "/home/svc");
    CHECK_EQ_STR(dstr(0, FLD_SHELL), "/bin/bash");
    parse("Nov 22 10:00:01 h groupadd[9]: new group: name=ops, GID=1002");
    CHECK_EQ_STR(out.derived[0]->action, "group_add");
    CHECK_EQ_STR(dstr(0, FLD_GROUP), "ops");
    parse("Nov 22 10:00:01 h userdel[9]: delete user 'svc'");
    CHECK_EQ_STR(out.derived[0]->action, "user_delete");
    parse("Nov 22 10:00:01 h usermod[9]: add 'svc' to group 'sudo'");
    CHECK_EQ_STR(out.derived[0]->action, "group_member_add");
    CHECK_EQ_STR(dstr(0, FLD_GROUP), "sudo");
    parse("Nov 22 10:00:01 h usermod[9]: change user 'svc' shell from '/bin/bash' to '/bin/sh'");
    CHECK_EQ_STR(out.derived[0]->action, "user_modify");
    CHECK_EQ_STR(dstr(0, FLD_TARGET_USER), "svc");
    parse("Nov 22 10:00:01 h passwd[9]: pam_unix(passwd:chauthtok): password changed for svc");
    CHECK_EQ_STR(out.derived[0]->action, "password_change");
    CHECK_EQ_INT(dint(0, FLD_RESULT_CODE), 0);
    parse("Nov 22 10:00:01 h chpasswd[9]: pam_unix(chpasswd:chauthtok): password changed for app");
    CHECK_EQ_STR(dstr(0, FLD_TARGET_USER), "app");
}

static void test_audit(void)
{
    const char *sys = "type=SYSCALL msg=audit(1700000000.123:4242): arch=c000003e syscall=59 "
                      "success=yes exit=0 a0=55d a1=55e items=2 ppid=100 pid=200 auid=1000 uid=0 "
                      "gid=0 euid=0 ses=3 tty=pts0 comm=\"id\" exe=\"/usr/bin/id\" key=\"exec\"";
    CHECK_EQ_INT(parse(sys), 1);
    CHECK_EQ_INT(out.derived[0]->table, TBL_AUDIT_EVENTS);
    CHECK_EQ_STR(out.derived[0]->action, "syscall");
    CHECK_EQ_INT(dint(0, FLD_AUDIT_SERIAL), 4242);
    CHECK_EQ_INT(out.derived[0]->time_ns, 1700000000123000000ull);
    CHECK_EQ_INT(dint(0, FLD_PID), 200);
    CHECK_EQ_INT(dint(0, FLD_AUID), 1000);
    CHECK_EQ_STR(dstr(0, FLD_EXE), "/usr/bin/id");
    CHECK_EQ_STR(dstr(0, FLD_AUDIT_KEY), "exec");
    CHECK_EQ_STR(dstr(0, FLD_SYSCALL), "59");
    CHECK_EQ_INT(dint(0, FLD_RESULT_CODE), 0);
    CHECK(strstr(dstr(0, FLD_AUDIT_FIELDS), "\"comm\":\"id\"") != NULL);
    /* the EXECVE record of the same event: hex argument decoded, context copied */
    parse("type=EXECVE msg=audit(1700000000.123:4242): argc=2 a0=\"id\" a1=2D75207A");
    CHECK_EQ_STR(out.derived[0]->action, "execve");
    CHECK_EQ_STR(dstr(0, FLD_CMDLINE), "id -u z");
    CHECK_EQ_INT(dint(0, FLD_PID), 200);
    CHECK_EQ_STR(dstr(0, FLD_AUDIT_KEY), "exec");
    CHECK(strstr(dstr(0, FLD_AUDIT_FIELDS), "\"a1\":\"-u z\"") != NULL);
    /* a user-space record with its nested msg='...' */
    parse("type=USER_LOGIN msg=audit(1700000001.000:4243): pid=300 uid=0 auid=4294967295 ses=4294967295 "
          "msg='op=login acct=\"bob\" exe=\"/usr/sbin/sshd\" hostname=? addr=198.51.100.3 terminal=ssh res=failed'");
    CHECK_EQ_STR(out.derived[0]->action, "user_login");
    CHECK_EQ_STR(dstr(0, FLD_USER), "bob");
    CHECK_EQ_STR(dstr(0, FLD_SRC_IP), "198.51.100.3");
    CHECK_EQ_INT(dint(0, FLD_RESULT_CODE), -13);
    CHECK_EQ_INT(dint(0, FLD_PID), 300); /* another serial: nothing copied from 4242 */
    CHECK(dstr(0, FLD_AUDIT_KEY) == NULL);
    /* through the kernel's syslog */
    parse("Nov 22 10:00:01 h kernel: [  12.5] audit: type=1400 audit(1700000002.500:77): apparmor=\"DENIED\"");
    CHECK_EQ_INT(out.nderived, 1);
    CHECK_EQ_STR(dstr(0, FLD_AUDIT_TYPE), "1400");
    CHECK_EQ_INT(parse("type=SYSCALL msg=audit(nonsense"), 0);
}

static void test_access_and_kernel(void)
{
    parse("203.0.113.9 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif?x=1 HTTP/1.0\" 200 "
          "2326 \"http://www.example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\"");
    CHECK_EQ_INT(out.derived[0]->table, TBL_WEB_ACCESS_EVENTS);
    CHECK_EQ_STR(dstr(0, FLD_SRC_IP), "203.0.113.9");
    CHECK_EQ_STR(dstr(0, FLD_HTTP_USER), "frank");
    CHECK_EQ_STR(dstr(0, FLD_HTTP_METHOD), "GET");
    CHECK_EQ_STR(dstr(0, FLD_URL), "/apache_pb.gif?x=1");
    CHECK_EQ_STR(dstr(0, FLD_HTTP_VERSION), "HTTP/1.0");
    CHECK_EQ_INT(dint(0, FLD_HTTP_STATUS), 200);
    CHECK_EQ_INT(dint(0, FLD_HTTP_BYTES), 2326);
    CHECK_EQ_STR(dstr(0, FLD_HTTP_REFERRER), "http://www.example.com/start.html");
    CHECK_EQ_STR(dstr(0, FLD_HTTP_USER_AGENT), "Mozilla/4.08 [en] (Win98; I ;Nav)");
    CHECK_EQ_INT(out.derived[0]->time_ns, 971211336000000000ull);
    parse("::1 - - [10/Oct/2000:13:55:36 +0000] \"POST /login HTTP/1.1\" 401 -");
    CHECK_EQ_STR(dstr(0, FLD_HTTP_METHOD), "POST");
    CHECK_EQ_INT(dint(0, FLD_HTTP_BYTES), 0);
    CHECK_EQ_INT(dint(0, FLD_HTTP_STATUS), 401);

    parse("[ 1234.567890] a.out[4321]: segfault at 0 ip 0000 sp 0000 error 4 in a.out[400000+1000]");
    CHECK_EQ_STR(event_get_str(out.line, FLD_PARSER), "kernel");
    CHECK_EQ_INT(lint(FLD_KERNEL_TIME), 1234567890000ll);
    CHECK_EQ_INT(lint(FLD_PID), 4321);
    CHECK_EQ_STR(event_get_str(out.line, FLD_COMM), "a.out");
    parse("Nov 22 10:00:01 h kernel: usb 1-1: new high-speed USB device");
    CHECK_EQ_STR(event_get_str(out.line, FLD_PARSER), "rfc3164,kernel");
}

static void test_escaping(void)
{
    struct buf b = {0};
    CHECK(logs_text_clean("plain ascii \t and \xc3\xa9t\xc3\xa9", 20));
    CHECK(!logs_text_clean("nul\0byte", 8));
    CHECK(!logs_text_clean("bad \xff", 5));
    CHECK(!logs_text_clean("overlong \xc0\xaf", 11));
    CHECK(!logs_text_clean("surrogate \xed\xa0\x80", 13));
    CHECK_EQ_INT(logs_text_escape("a\\b\0c\xff\xc3\xa9", 8, &b), 0);
    CHECK_EQ_STR((const char *)b.data, "a\\\\b\\x00c\\xff\xc3\xa9");
    buf_free(&b);
}

static void setup(void)
{
    struct vg_error err = {{0}};
    ctx = logs_parse_ctx_new(&err);
    if (!ctx)
        fprintf(stderr, "parsers: %s\n", err.msg);
    CHECK(ctx != NULL);
}

static void teardown(void)
{
    event_free(out.line);
    logs_parse_out_clear(&out);
    logs_parse_ctx_free(ctx);
}

static void test_all(void)
{
    setup();
    if (!ctx)
        return;
    test_syslog_headers();
    test_sshd();
    test_sudo_su_pam();
    test_accounts();
    test_audit();
    test_access_and_kernel();
    test_escaping();
    teardown();
}

TEST_MAIN(TEST(test_all))
