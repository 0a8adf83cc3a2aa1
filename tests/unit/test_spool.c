/* test_spool.c - the spool: order, acknowledgement, restart, crash (SIGKILL) and torn writes,
 * rotation, the size bound, corruption, and a concurrent writer and reader. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/spool.h"
#include "common/util.h"
#include "test.h"

static char dir[64];

static void fresh_dir(void)
{
    if (dir[0])
        dir_remove_tree(dir);
    snprintf(dir, sizeof(dir), "/tmp/vigil-spool-test.XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
}

static struct spool *open_spool(uint64_t seg, uint64_t max)
{
    struct spool_options o = {.segment_bytes = seg, .max_bytes = max, .fsync_interval_ms = 1000};
    struct spool *sp = NULL;
    struct vg_error err = {{0}};
    int rc = spool_open(dir, &o, &sp, &err);
    if (rc)
        fprintf(stderr, "spool_open: %s\n", err.msg);
    CHECK_EQ_INT(rc, 0);
    return sp;
}

static void append_n(struct spool *sp, int n, const char *tag)
{
    for (int i = 0; i < n; i++) {
        char rec[64];
        uint64_t seq = spool_next_seq(sp);
        int len = snprintf(rec, sizeof(rec), "%s-%llu", tag, (unsigned long long)seq);
        CHECK_EQ_INT(spool_append(sp, seq, rec, (size_t)len), 0);
    }
    CHECK_EQ_INT(spool_commit(sp), 0);
}

/* Read everything available; checks payloads match their seq; returns count and last seq. */
static size_t read_all(struct spool *sp, const char *tag, uint64_t *first, uint64_t *last)
{
    struct spool_batch b = {0};
    size_t total = 0;
    int n;
    *first = *last = 0;
    while ((n = spool_read(sp, &b, 1000, 1 << 20, 0)) > 0) {
        for (int i = 0; i < n; i++) {
            char want[64];
            snprintf(want, sizeof(want), "%s-%llu", tag, (unsigned long long)b.records[i].seq);
            CHECK(b.records[i].len == strlen(want) &&
                  memcmp(b.records[i].data, want, b.records[i].len) == 0);
            if (*last)
                CHECK_EQ_INT(b.records[i].seq, *last + 1);
            if (!*first)
                *first = b.records[i].seq;
            *last = b.records[i].seq;
        }
        total += (size_t)n;
    }
    spool_batch_free(&b);
    return total;
}

static void test_order_and_ack(void)
{
    fresh_dir();
    struct spool *sp = open_spool(0, 0);
    CHECK_EQ_INT(spool_next_seq(sp), 1);
    append_n(sp, 1000, "r");
    uint64_t first, last;
    CHECK_EQ_INT(read_all(sp, "r", &first, &last), 1000);
    CHECK_EQ_INT(first, 1);
    CHECK_EQ_INT(last, 1000);
    CHECK_EQ_INT(spool_ack(sp, 600), 0);
    struct spool_stats st;
    spool_get_stats(sp, &st);
    CHECK_EQ_INT(st.pending, 400);
    CHECK_EQ_INT(st.acked_seq, 600);
    /* a failed send: rewind re-reads from the ack point */
    spool_rewind(sp);
    CHECK_EQ_INT(read_all(sp, "r", &first, &last), 400);
    CHECK_EQ_INT(first, 601);
    /* a wrong seq is refused */
    CHECK_EQ_INT(spool_append(sp, 5, "x", 1), -EINVAL);
    spool_close(sp);
}

static void test_restart_resends_unacked(void)
{
    fresh_dir();
    struct spool *sp = open_spool(0, 0);
    append_n(sp, 500, "r");
    spool_ack(sp, 200);
    spool_close(sp);
    sp = open_spool(0, 0);
    CHECK_EQ_INT(spool_next_seq(sp), 501);
    uint64_t first, last;
    CHECK_EQ_INT(read_all(sp, "r", &first, &last), 300);
    CHECK_EQ_INT(first, 201);
    CHECK_EQ_INT(last, 500);
    /* everything acknowledged, then restart: the sequence continues, never reused */
    spool_ack(sp, 500);
    spool_close(sp);
    sp = open_spool(0, 0);
    CHECK_EQ_INT(spool_next_seq(sp), 501);
    CHECK_EQ_INT(read_all(sp, "r", &first, &last), 0);
    spool_close(sp);
}

static void test_sigkill_loses_nothing_committed(void)
{
    fresh_dir();
    pid_t pid = fork();
    if (pid == 0) {
        struct spool_options o = {.segment_bytes = 4096, .max_bytes = 1 << 30};
        struct spool *sp = NULL;
        if (spool_open(dir, &o, &sp, NULL))
            _exit(3);
        append_n(sp, 5000, "k");
        kill(getpid(), SIGKILL); /* no close, no flush beyond commit */
        _exit(4);
    }
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    struct spool *sp = open_spool(4096, 1 << 30);
    uint64_t first, last;
    CHECK_EQ_INT(read_all(sp, "k", &first, &last), 5000);
    CHECK_EQ_INT(first, 1);
    CHECK_EQ_INT(last, 5000);
    spool_close(sp);
}

static void test_torn_tail_is_cut(void)
{
    fresh_dir();
    struct spool *sp = open_spool(0, 0);
    append_n(sp, 100, "t");
    spool_close(sp);
    /* simulate a write interrupted mid-frame: a frame header announcing 50 bytes, then 7 */
    char path[128];
    snprintf(path, sizeof(path), "%s/%020d.seg", dir, 1);
    int fd = open(path, O_WRONLY | O_APPEND);
    CHECK(fd >= 0);
    const uint8_t torn[] = {50, 0, 0, 0, 1, 2, 3, 4, 101, 0, 0, 0, 0, 0, 0, 0, 'a', 'b', 'c', 'd',
                            'e', 'f', 'g'};
    CHECK(write(fd, torn, sizeof(torn)) == (ssize_t)sizeof(torn));
    close(fd);
    sp = open_spool(0, 0);
    struct spool_stats st;
    spool_get_stats(sp, &st);
    CHECK_EQ_INT(st.truncated_at_open, sizeof(torn));
    CHECK_EQ_INT(spool_next_seq(sp), 101);
    append_n(sp, 10, "t");
    uint64_t first, last;
    CHECK_EQ_INT(read_all(sp, "t", &first, &last), 110);
    CHECK_EQ_INT(last, 110);
    spool_close(sp);
}

static int count_segments(void)
{
    int n = 0;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "ls %s | grep -c '\\.seg$'", dir);
    FILE *f = popen(cmd, "r");
    if (f && fscanf(f, "%d", &n) != 1)
        n = -1;
    if (f)
        pclose(f);
    return n;
}

static void test_rotation_and_cleanup(void)
{
    fresh_dir();
    struct spool *sp = open_spool(4096, 1 << 30);
    for (int i = 0; i < 50; i++)
        append_n(sp, 100, "s"); /* ~1.8 KiB per commit: many segments */
    CHECK(count_segments() > 5);
    uint64_t first, last;
    CHECK_EQ_INT(read_all(sp, "s", &first, &last), 5000);
    spool_ack(sp, 5000);
    CHECK_EQ_INT(count_segments(), 1); /* only the segment being written remains */
    spool_close(sp);
}

static void test_size_bound_counts_drops(void)
{
    fresh_dir();
    struct spool *sp = open_spool(4096, 16384);
    for (int i = 0; i < 100; i++)
        append_n(sp, 50, "b");
    struct spool_stats st;
    spool_get_stats(sp, &st);
    CHECK(st.bytes <= 16384 + 4096);
    CHECK(st.dropped > 0);
    uint64_t first, last;
    size_t got = read_all(sp, "b", &first, &last);
    CHECK_EQ_INT(got + st.dropped, 5000); /* nothing silent: read + dropped = written */
    CHECK_EQ_INT(last, 5000);
    spool_close(sp);
}

static void test_corruption_is_counted(void)
{
    fresh_dir();
    struct spool *sp = open_spool(4096, 1 << 30);
    for (int i = 0; i < 10; i++)
        append_n(sp, 100, "c");
    spool_close(sp);
    /* flip a byte inside the first segment's payload area */
    char path[128];
    snprintf(path, sizeof(path), "%s/%020d.seg", dir, 1);
    int fd = open(path, O_RDWR);
    uint8_t byte;
    CHECK(pread(fd, &byte, 1, 200) == 1);
    byte ^= 0xff;
    CHECK(pwrite(fd, &byte, 1, 200) == 1);
    close(fd);
    sp = open_spool(4096, 1 << 30);
    struct spool_batch b = {0};
    size_t total = 0;
    int n;
    while ((n = spool_read(sp, &b, 1000, 1 << 20, 0)) > 0)
        total += (size_t)n;
    spool_batch_free(&b);
    struct spool_stats st;
    spool_get_stats(sp, &st);
    CHECK(st.corrupt > 0);
    CHECK_EQ_INT(total + st.corrupt, 1000);
    spool_close(sp);
}

struct rw {
    struct spool *sp;
    int n;
    size_t got;
    uint64_t last;
    int errors;
};

static void *writer(void *arg)
{
    struct rw *w = arg;
    for (int i = 0; i < w->n; i += 100)
        append_n(w->sp, 100, "w");
    return NULL;
}

static void *reader(void *arg)
{
    struct rw *w = arg;
    struct spool_batch b = {0};
    while (w->got < (size_t)w->n) {
        int n = spool_read(w->sp, &b, 512, 1 << 20, 200);
        for (int i = 0; i < n; i++) {
            if (b.records[i].seq != w->last + 1)
                w->errors++;
            w->last = b.records[i].seq;
        }
        if (n > 0) {
            w->got += (size_t)n;
            spool_ack(w->sp, w->last);
        }
    }
    spool_batch_free(&b);
    return NULL;
}

static void test_concurrent_writer_reader(void)
{
    fresh_dir();
    struct rw w = {.sp = open_spool(64 * 1024, 1 << 30), .n = 100000};
    pthread_t a, b;
    pthread_create(&b, NULL, reader, &w);
    pthread_create(&a, NULL, writer, &w);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    CHECK_EQ_INT(w.got, 100000);
    CHECK_EQ_INT(w.errors, 0);
    CHECK_EQ_INT(w.last, 100000);
    struct spool_stats st;
    spool_get_stats(w.sp, &st);
    CHECK_EQ_INT(st.pending, 0);
    spool_close(w.sp);
    dir_remove_tree(dir);
}

TEST_MAIN(TEST(test_order_and_ack), TEST(test_restart_resends_unacked),
          TEST(test_sigkill_loses_nothing_committed), TEST(test_torn_tail_is_cut),
          TEST(test_rotation_and_cleanup), TEST(test_size_bound_counts_drops),
          TEST(test_corruption_is_counted), TEST(test_concurrent_writer_reader))
