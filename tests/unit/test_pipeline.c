/* test_pipeline.c - the agent pipeline: events from several threads all reach the spool in a
 * consistent order with contiguous sequence numbers; a full queue drops and counts; processors
 * can filter and emit. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "agent/pipeline.h"
#include "common/codec.h"
#include "common/util.h"
#include "test.h"

static char dir[64];

static struct spool *new_spool(void)
{
    snprintf(dir, sizeof(dir), "/tmp/vigil-pipe-test.XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    struct spool *sp = NULL;
    CHECK_EQ_INT(spool_open(dir, NULL, &sp, NULL), 0);
    return sp;
}

struct producer {
    struct pipeline *p;
    int id, n;
};

static void *produce(void *arg)
{
    struct producer *pr = arg;
    for (int i = 0; i < pr->n; i++) {
        struct event *ev = event_new(TBL_PROCESS_EVENTS, "exec");
        event_add_int(ev, FLD_PID, pr->id * 1000000 + i);
        while (pipeline_submit(pr->p, ev) == -ENOBUFS) {
            /* the test wants every event: retry with a fresh one (the old one was freed) */
            ev = event_new(TBL_PROCESS_EVENTS, "exec");
            event_add_int(ev, FLD_PID, pr->id * 1000000 + i);
            usleep(100);
        }
    }
    return NULL;
}

static int drop_odd(void *ctx, struct pipeline *p, struct event *ev)
{
    int64_t pid = 0;
    (void)ctx;
    event_get_int(ev, FLD_PID, &pid);
    if (pid == 7) {
        struct event *extra = event_new(TBL_AGENT_EVENTS, "status");
        event_add_str(extra, FLD_MESSAGE, "emitted for pid 7");
        pipeline_emit(p, extra);
    }
    return (pid % 2) ? 1 : 0;
}

static void test_many_producers(void)
{
    struct spool *sp = new_spool();
    struct pipeline *p;
    CHECK_EQ_INT(pipeline_new(sp, 4096, "boot-x", &p, NULL), 0);
    CHECK_EQ_INT(pipeline_start(p), 0);
    struct producer pr[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        pr[i] = (struct producer){p, i + 1, 20000};
        pthread_create(&th[i], NULL, produce, &pr[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    pipeline_stop(p);
    struct pipeline_stats st;
    pipeline_get_stats(p, &st);
    CHECK_EQ_INT(st.spooled, 80000);
    /* read back: contiguous seqs, each producer's events in its own order */
    struct spool_batch b = {0};
    struct event *ev = event_new(TBL_NONE, "");
    int last_i[5] = {-1, -1, -1, -1, -1}, n, total = 0, disorder = 0;
    while ((n = spool_read(sp, &b, 5000, 8 << 20, 0)) > 0) {
        for (int k = 0; k < n; k++) {
            CHECK_EQ_INT(codec_decode(b.records[k].data, b.records[k].len, ev, NULL), 0);
            CHECK_EQ_INT(ev->seq, b.records[k].seq);
            CHECK_EQ_STR(ev->boot_id, "boot-x");
            int64_t pid;
            event_get_int(ev, FLD_PID, &pid);
            int id = (int)(pid / 1000000), i = (int)(pid % 1000000);
            if (i != last_i[id] + 1)
                disorder++;
            last_i[id] = i;
            total++;
        }
    }
    CHECK_EQ_INT(total, 80000);
    CHECK_EQ_INT(disorder, 0);
    event_free(ev);
    spool_batch_free(&b);
    pipeline_free(p);
    spool_close(sp);
    dir_remove_tree(dir);
}

static void test_full_queue_counts(void)
{
    struct spool *sp = new_spool();
    struct pipeline *p;
    CHECK_EQ_INT(pipeline_new(sp, 8, "b", &p, NULL), 0);
    /* not started: the queue fills */
    int dropped = 0;
    for (int i = 0; i < 20; i++)
        if (pipeline_submit(p, event_new(TBL_PROCESS_EVENTS, "exec")) == -ENOBUFS)
            dropped++;
    CHECK_EQ_INT(dropped, 12);
    struct pipeline_stats st;
    pipeline_get_stats(p, &st);
    CHECK_EQ_INT(st.queue_dropped, 12);
    CHECK_EQ_INT(st.queue_len, 8);
    pipeline_start(p);
    pipeline_stop(p);
    pipeline_get_stats(p, &st);
    CHECK_EQ_INT(st.spooled, 8);
    CHECK_EQ_INT(pipeline_submit(p, event_new(TBL_PROCESS_EVENTS, "exec")), -EPIPE);
    pipeline_free(p);
    spool_close(sp);
    dir_remove_tree(dir);
}

static void test_processors(void)
{
    struct spool *sp = new_spool();
    struct pipeline *p;
    CHECK_EQ_INT(pipeline_new(sp, 64, "b", &p, NULL), 0);
    CHECK_EQ_INT(pipeline_add_processor(p, "odd", drop_odd, NULL), 0);
    pipeline_start(p);
    for (int i = 0; i < 10; i++) {
        struct event *ev = event_new(TBL_PROCESS_EVENTS, "exec");
        event_add_int(ev, FLD_PID, i);
        pipeline_submit(p, ev);
    }
    pipeline_stop(p);
    struct pipeline_stats st;
    pipeline_get_stats(p, &st);
    CHECK_EQ_INT(st.filtered, 5);
    CHECK_EQ_INT(st.spooled, 6); /* 5 even + 1 emitted */
    pipeline_free(p);
    spool_close(sp);
    dir_remove_tree(dir);
}

/* A tracker that records what the writer thread tells it, in order. */
struct track_log {
    char calls[4096];
    uint64_t last_seq, assigned;
};
static void tr_assigned(void *ctx, uint64_t token, uint64_t seq)
{
    struct track_log *t = ctx;
    snprintf(t->calls + strlen(t->calls), sizeof(t->calls) - strlen(t->calls), "a%llu:%llu ",
             (unsigned long long)token, (unsigned long long)seq);
    t->last_seq = seq;
    t->assigned++;
}
static void tr_prepare(void *ctx)
{
    struct track_log *t = ctx;
    strncat(t->calls, "P ", sizeof(t->calls) - strlen(t->calls) - 1);
}
static void tr_committed(void *ctx)
{
    struct track_log *t = ctx;
    strncat(t->calls, "C ", sizeof(t->calls) - strlen(t->calls) - 1);
}

static void test_offer_tracked(void)
{
    struct spool *sp = new_spool();
    struct pipeline *p;
    struct track_log log;
    memset(&log, 0, sizeof(log));
    struct pipeline_tracker tr = {tr_assigned, tr_prepare, tr_committed, &log};
    CHECK_EQ_INT(pipeline_new(sp, 4, "b", &p, NULL), 0);
    CHECK_EQ_INT(pipeline_first_seq(p), 1);
    /* not started: the queue fills; a group that does not fit stays the caller's */
    struct event *g[3];
    for (int i = 0; i < 3; i++)
        g[i] = event_new(TBL_LOG_EVENTS, "line");
    CHECK_EQ_INT(pipeline_offer(p, g, 3, &tr, 7), 0);
    struct event *h[2] = {event_new(TBL_LOG_EVENTS, "line"), event_new(TBL_LOGIN_EVENTS, "login")};
    CHECK_EQ_INT(pipeline_offer(p, h, 2, &tr, 8), -EAGAIN); /* 1 slot left */
    CHECK_EQ_INT(pipeline_offer(p, h, 0, &tr, 8), -EINVAL);
    struct pipeline_stats st;
    pipeline_get_stats(p, &st);
    CHECK_EQ_INT(st.queue_dropped, 0);
    pipeline_start(p);
    while (log.assigned < 1)
        usleep(1000);
    CHECK_EQ_INT(pipeline_offer(p, h, 2, &tr, 8), 0); /* the events are still valid: offered again */
    pipeline_stop(p);
    /* the group's last seq, prepare before the commit, committed after */
    CHECK(strncmp(log.calls, "a7:3 P C a8:5 P C", 17) == 0 ||
          strncmp(log.calls, "a7:3 a8:5 P C", 13) == 0);
    CHECK_EQ_INT(log.last_seq, 5);
    CHECK_EQ_INT(pipeline_offer(p, h, 1, &tr, 9), -EPIPE);
    pipeline_free(p);
    spool_close(sp);
    /* a new run starts after what the spool holds */
    struct spool *sp2 = NULL;
    CHECK_EQ_INT(spool_open(dir, NULL, &sp2, NULL), 0);
    struct pipeline *p2;
    CHECK_EQ_INT(pipeline_new(sp2, 4, "b", &p2, NULL), 0);
    CHECK_EQ_INT(pipeline_first_seq(p2), 6);
    pipeline_free(p2);
    spool_close(sp2);
    dir_remove_tree(dir);
}

TEST_MAIN(TEST(test_many_producers), TEST(test_full_queue_counts), TEST(test_processors),
          TEST(test_offer_tracked))
