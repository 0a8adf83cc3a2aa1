/* test_telemetry.c - unit tests of the telemetry sensors' pure parts: path normalisation and
 * prefix matching, open flags, DNS question parsing, syscall-record validation, container
 * runtimes and the default ring-buffer size. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>

#include "agent/enrich/enrich.h"
#include "agent/host.h"
#include "agent/sensors/file/file_path.h"
#include "agent/sensors/file/file_sensor.h"
#include "agent/sensors/hub/hub.h"
#include "agent/sensors/hub/sys_sensor.h"
#include "agent/sensors/network/net_dns.h"
#include "test.h"

static void norm(const char *in, const char *want)
{
    char out[256];
    int n = fpath_normalize(in, strlen(in), out, sizeof(out));
    CHECK(n >= 0);
    if (n >= 0)
        CHECK_EQ_STR(out, want);
}

static void test_normalize(void)
{
    norm("/", "/");
    norm("/etc/passwd", "/etc/passwd");
    norm("//etc///passwd/", "/etc/passwd");
    norm("/tmp/../etc/shadow", "/etc/shadow");
    norm("/../../etc/./x", "/etc/x");
    norm("/a/b/c/../../d", "/a/d");
    norm("/a/..", "/");
    char out[8];
    CHECK_EQ_INT(fpath_normalize("relative", 8, out, sizeof(out)), -EINVAL);
    CHECK_EQ_INT(fpath_normalize("/a/very/long/path", 17, out, sizeof(out)), -ENAMETOOLONG);
}

static void test_prefixes(void)
{
    char *items[] = {"/etc", "/home/*/.ssh", "/tmp/"};
    struct config_list l = {items, 3};
    CHECK(fpath_under(&l, "/etc/passwd"));
    CHECK(fpath_under(&l, "/etc"));
    CHECK(!fpath_under(&l, "/etcx/passwd"));
    CHECK(fpath_under(&l, "/home/alice/.ssh/authorized_keys"));
    CHECK(!fpath_under(&l, "/home/alice/.bashrc"));
    CHECK(fpath_under(&l, "/tmp/x"));
    CHECK(!fpath_under(&l, "/var/tmp/x"));
    char *files[] = {"/etc/shadow", "/home/*/.ssh/id_rsa"};
    struct config_list f = {files, 2};
    CHECK(fpath_is(&f, "/etc/shadow"));
    CHECK(!fpath_is(&f, "/etc/shadow-"));
    CHECK(fpath_is(&f, "/home/bob/.ssh/id_rsa"));
}

static void test_open_flags(void)
{
    char t[64];
    file_open_flags_text(O_WRONLY | O_CREAT | O_TRUNC, t, sizeof(t));
    CHECK_EQ_STR(t, "write,create,truncate");
    file_open_flags_text(O_RDWR | O_APPEND, t, sizeof(t));
    CHECK_EQ_STR(t, "write,append");
}

static void test_dns(void)
{
    /* id 0x1234, RD, one question: www.example.com AAAA IN */
    const unsigned char q[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                               3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
                               3, 'c', 'o', 'm', 0, 0, 28, 0, 1};
    char name[256], type[16];
    CHECK_EQ_INT(netdns_parse_query(q, sizeof(q), name, sizeof(name), type, sizeof(type)), 0);
    CHECK_EQ_STR(name, "www.example.com");
    CHECK_EQ_STR(type, "AAAA");
    /* cut short, a response, a compression loop */
    CHECK_EQ_INT(netdns_parse_query(q, sizeof(q) - 3, name, sizeof(name), type, sizeof(type)),
                 -EINVAL);
    unsigned char r[sizeof(q)];
    memcpy(r, q, sizeof(q));
    r[2] |= 0x80;
    CHECK_EQ_INT(netdns_parse_query(r, sizeof(r), name, sizeof(name), type, sizeof(type)), -EINVAL);
    const unsigned char loop[] = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1};
    CHECK_EQ_INT(netdns_parse_query(loop, sizeof(loop), name, sizeof(name), type, sizeof(type)),
                 -EINVAL);
}

static void test_sys_decode(void)
{
    struct host_info host;
    memset(&host, 0, sizeof(host));
    host.clk_tck = 100;
    static struct sx_event e;
    memset(&e, 0, sizeof(e));
    e.h.type = SX_OPEN;
    e.h.pid = 42;
    e.h.ppid = 1;
    e.len[0] = 9;
    memcpy(e.data, "/etc/x123", 9);
    size_t size = offsetof(struct sx_event, data) + 9;
    e.h.size = (unsigned)size;
    static struct sx_rec r;
    CHECK_EQ_INT(sx_decode(&host, &e, size, &r), 0);
    CHECK_EQ_INT(r.p.pid, 42);
    CHECK_EQ_INT(r.len[0], 9);
    CHECK(memcmp(r.s[0], "/etc/x123", 9) == 0);
    /* lengths that do not add up, a size that lies, an unknown type, pid 0 */
    e.len[1] = 1;
    CHECK_EQ_INT(sx_decode(&host, &e, size, &r), -EINVAL);
    e.len[1] = 0;
    CHECK_EQ_INT(sx_decode(&host, &e, size - 1, &r), -EINVAL);
    e.h.type = 3;
    CHECK_EQ_INT(sx_decode(&host, &e, size, &r), -EINVAL);
    e.h.type = SX_OPEN;
    e.h.pid = 0;
    CHECK_EQ_INT(sx_decode(&host, &e, size, &r), -EINVAL);
    CHECK_EQ_INT(sx_decode(&host, &e, 3, &r), -EINVAL);
}

static void test_misc(void)
{
    CHECK_EQ_STR(enrich_container_runtime("/system.slice/docker-0123.scope"), "docker");
    CHECK_EQ_STR(enrich_container_runtime("/kubepods/pod1/cri-containerd-ab.scope"), "containerd");
    CHECK_EQ_STR(enrich_container_runtime("/machine.slice/libpod-ab.scope"), "podman");
    CHECK_EQ_STR(enrich_container_runtime("/user.slice"), "");
    CHECK_EQ_INT(bpfhub_default_ringbuf(2), 8 << 20);
    CHECK_EQ_INT(bpfhub_default_ringbuf(16), 32 << 20);
    CHECK_EQ_INT(bpfhub_default_ringbuf(128), 256 << 20);
    CHECK_EQ_STR(bpfhub_type_name(SX_CONNECT), "connect");
    CHECK(sx_syscall_name(-1) == NULL);
}

TEST_MAIN(TEST(test_normalize), TEST(test_prefixes), TEST(test_open_flags), TEST(test_dns),
          TEST(test_sys_decode), TEST(test_misc))
