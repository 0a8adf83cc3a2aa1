/* test_logs_ckpt.c - the log checkpoint's crash semantics: after a restart the tentative
 * position is used exactly when its records reached the spool (their seq is below the new
 * run's first seq), the confirmed one otherwise; finished sources are forgotten once their
 * records are committed; a malformed file is refused with its line. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "agent/logs/logs_ckpt.h"
#include "common/util.h"
#include "test.h"

static char dir[64], path[128];

static struct logs_ckpt *reopen(uint64_t first_seq)
{
    struct logs_ckpt *ck = NULL;
    struct vg_error err = {{0}};
    CHECK_EQ_INT(logs_ckpt_open(path, first_seq, &ck, &err), 0);
    return ck;
}

static void test_crash_semantics(void)
{
    snprintf(dir, sizeof(dir), "/tmp/vigil-ckpt-test.XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/logs.checkpoint", dir);
    struct logs_ckpt *ck = reopen(1);
    CHECK(!ck->existed);
    int slot = logs_ckpt_add_file(ck, 1, 77, 0xabc, 10, "/var/log/x.log", 0);
    CHECK_EQ_INT(slot, 0);
    const struct pipeline_tracker *t = &ck->tracker;
    /* records up to 100 spooled with seq 5, committed */
    t->assigned(t->ctx, logs_ckpt_offer(ck, slot, 100), 5);
    t->prepare(t->ctx);
    t->committed(t->ctx);
    CHECK(logs_ckpt_idle(ck));
    /* records up to 250 get seq 9; the checkpoint is written, then the agent dies */
    t->assigned(t->ctx, logs_ckpt_offer(ck, slot, 250), 9);
    t->prepare(t->ctx);
    CHECK(!logs_ckpt_idle(ck));
    logs_ckpt_free(ck);

    /* the spool has seq 9 (the new run starts at 10): resume after 250 */
    ck = reopen(10);
    CHECK(ck->existed);
    CHECK_EQ_INT(ck->nrestored, 1);
    CHECK_EQ_INT(ck->restored[0].offset, 250);
    CHECK_EQ_STR(ck->restored[0].path, "/var/log/x.log");
    logs_ckpt_free(ck);
    /* the commit of seq 9 did not happen (the new run starts at 9): resume after 100 */
    ck = reopen(9);
    CHECK_EQ_INT(ck->restored[0].offset, 100);
    /* a restored entry nobody claims is kept until dropped */
    CHECK_EQ_INT(logs_ckpt_drop_unclaimed(ck), 1);
    logs_ckpt_free(ck);
    ck = reopen(9);
    CHECK_EQ_INT(ck->nrestored, 0);

    /* a finished source is forgotten once its records are committed */
    slot = logs_ckpt_add_file(ck, 1, 78, 0xdef, 10, "/var/log/y.log", 0);
    uint64_t tok = logs_ckpt_offer(ck, slot, 10);
    logs_ckpt_close(ck, slot);
    CHECK_EQ_INT(logs_ckpt_inflight(ck, slot), 1);
    ck->tracker.assigned(ck, tok, 11);
    ck->tracker.prepare(ck);
    ck->tracker.committed(ck);
    CHECK(!ck->src[slot].used);
    /* journal cursors */
    int js = logs_ckpt_add_journal(ck, NULL);
    uint64_t jt;
    CHECK_EQ_INT(logs_ckpt_offer_journal(ck, js, 1, "s=abc;i=1", &jt), 0);
    ck->tracker.assigned(ck, jt, 12);
    ck->tracker.prepare(ck);
    ck->tracker.committed(ck);
    logs_ckpt_free(ck);
    ck = reopen(13);
    CHECK_EQ_INT(ck->nrestored, 1);
    CHECK_EQ_STR(ck->restored[0].cursor, "s=abc;i=1");
    logs_ckpt_free(ck);

    /* a damaged file is refused, naming the line */
    FILE *f = fopen(path, "w");
    fputs("vigil-logs-checkpoint 1\nF 1 2 zz\n", f);
    fclose(f);
    struct vg_error err = {{0}};
    ck = NULL;
    CHECK_EQ_INT(logs_ckpt_open(path, 1, &ck, &err), -EINVAL);
    CHECK(strstr(err.msg, ":2: malformed") != NULL);
    logs_ckpt_free(ck);
    dir_remove_tree(dir);
}

TEST_MAIN(TEST(test_crash_semantics))
