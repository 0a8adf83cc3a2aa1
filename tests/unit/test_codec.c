/* test_codec.c - the event codec: round trips, every field type, batches, and refusal of
 * malformed input with a message that names the position. */
#include <errno.h>

#include "common/codec.h"
#include "test.h"

static struct event *sample(void)
{
    struct event *ev = event_new(TBL_PROCESS_EVENTS, "exec");
    ev->seq = 42;
    ev->time_ns = 1795306576123456789ull;
    snprintf(ev->boot_id, sizeof(ev->boot_id), "dc48a7ad-9270-4e05-83bd-6fe9fcb324f0");
    event_add_int(ev, FLD_PID, 1234);
    event_add_int(ev, FLD_UID, -1);
    event_add_int(ev, FLD_START_TIME, INT64_MIN);
    event_add_int(ev, FLD_CGROUP_ID, INT64_MAX);
    event_add_str(ev, FLD_EXE, "/usr/bin/dash");
    event_add_str(ev, FLD_ARGS, "[\"sh\",\"-c\",\"echo hi\"]");
    event_add_strn(ev, FLD_CWD, "/tmp/\0with-nul", 14);
    event_add_str(ev, FLD_TTY, "");
    return ev;
}

static void test_round_trip(void)
{
    struct event *ev = sample(), *out = event_new(TBL_NONE, "");
    struct buf b = {0};
    struct vg_error err = {{0}};
    CHECK_EQ_INT(codec_encode(ev, &b), 0);
    CHECK_EQ_INT(codec_decode(b.data, b.len, out, &err), 0);
    CHECK_EQ_INT(out->table, TBL_PROCESS_EVENTS);
    CHECK_EQ_STR(out->action, "exec");
    CHECK_EQ_INT(out->seq, 42);
    CHECK(out->time_ns == 1795306576123456789ull);
    CHECK_EQ_STR(out->boot_id, "dc48a7ad-9270-4e05-83bd-6fe9fcb324f0");
    CHECK_EQ_INT(out->nfields, ev->nfields);
    int64_t v;
    CHECK(event_get_int(out, FLD_PID, &v) && v == 1234);
    CHECK(event_get_int(out, FLD_UID, &v) && v == -1);
    CHECK(event_get_int(out, FLD_START_TIME, &v) && v == INT64_MIN);
    CHECK(event_get_int(out, FLD_CGROUP_ID, &v) && v == INT64_MAX);
    CHECK_EQ_STR(event_get_str(out, FLD_EXE), "/usr/bin/dash");
    CHECK_EQ_STR(event_get_str(out, FLD_ARGS), "[\"sh\",\"-c\",\"echo hi\"]");
    const struct event_field *f = event_get(out, FLD_CWD);
    CHECK(f && f->len == 14 && memcmp(event_field_str(out, f), "/tmp/\0with-nul", 14) == 0);
    CHECK_EQ_STR(event_get_str(out, FLD_TTY), "");
    CHECK(!event_get(out, FLD_PPID));
    buf_free(&b);
    event_free(ev);
    event_free(out);
}

static void test_every_prefix_is_refused(void)
{
    struct event *ev = sample(), *out = event_new(TBL_NONE, "");
    struct buf b = {0};
    codec_encode(ev, &b);
    int refused = 0;
    for (size_t n = 0; n < b.len; n++) {
        struct vg_error err = {{0}};
        if (codec_decode(b.data, n, out, &err) != 0 && err.msg[0])
            refused++;
    }
    CHECK_EQ_INT(refused, b.len);
    /* a trailing byte is refused too */
    buf_putc(&b, 0);
    struct vg_error err = {{0}};
    CHECK(codec_decode(b.data, b.len, out, &err) == -EINVAL);
    CHECK(strstr(err.msg, "trailing") != NULL);
    buf_free(&b);
    event_free(ev);
    event_free(out);
}

static void test_hostile_records(void)
{
    struct event *out = event_new(TBL_NONE, "");
    struct vg_error err = {{0}};
    /* version 9 */
    const uint8_t v9[] = {9, 1, 1, 1, 0, 0, 0};
    CHECK(codec_decode(v9, sizeof(v9), out, &err) == -EINVAL && strstr(err.msg, "version"));
    /* a string length far beyond the input */
    const uint8_t huge[] = {1, 1, 1, 1, 0, 4, 'e', 'x', 'e', 'c', 1, 5, FT_TEXT, 0xff, 0xff, 0x7f};
    CHECK(codec_decode(huge, sizeof(huge), out, &err) != 0);
    /* too many fields */
    const uint8_t many[] = {1, 1, 1, 1, 0, 0, 0xe8, 0x07};
    CHECK(codec_decode(many, sizeof(many), out, &err) == -E2BIG);
    /* the same field twice */
    const uint8_t twice[] = {1, 1, 1, 1, 0, 0, 2, 1, FT_INT, 2, 1, FT_INT, 4};
    CHECK(codec_decode(twice, sizeof(twice), out, &err) == -EINVAL && strstr(err.msg, "twice"));
    /* a type mismatch (exe is text) */
    const uint8_t mism[] = {1, 1, 1, 1, 0, 0, 1, 5, FT_INT, 2};
    CHECK(codec_decode(mism, sizeof(mism), out, &err) == -EINVAL && strstr(err.msg, "exe"));
    /* an unknown field (from a newer agent) is skipped, not an error */
    const uint8_t unknown[] = {1, 1, 1, 1, 0, 0, 2, 0xe7, 0x07, FT_INT, 2, 1, FT_INT, 8};
    CHECK_EQ_INT(codec_decode(unknown, sizeof(unknown), out, &err), 0);
    CHECK_EQ_INT(out->nfields, 1);
    /* an unknown type */
    const uint8_t badtype[] = {1, 1, 1, 1, 0, 0, 1, 1, 7, 0};
    CHECK(codec_decode(badtype, sizeof(badtype), out, &err) == -EINVAL);
    /* a varint longer than 64 bits */
    const uint8_t longv[] = {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    CHECK(codec_decode(longv, sizeof(longv), out, &err) == -EINVAL);
    event_free(out);
}

static void test_batch(void)
{
    struct buf b = {0}, rec = {0};
    struct event *ev = sample();
    CHECK_EQ_INT(batch_begin(&b, "6f1c1b1e-0000-4000-8000-000000000001", "web01"), 0);
    for (int i = 0; i < 300; i++) {
        ev->seq = (uint64_t)i + 1;
        buf_reset(&rec);
        codec_encode(ev, &rec);
        CHECK_EQ_INT(batch_add(&b, rec.data, rec.len), 0);
    }
    CHECK_EQ_INT(batch_finish(&b, 300), 0);
    struct batch_reader r;
    struct batch_header h;
    struct vg_error err = {{0}};
    CHECK_EQ_INT(batch_open(&r, b.data, b.len, &h, &err), 0);
    CHECK_EQ_STR(h.agent_id, "6f1c1b1e-0000-4000-8000-000000000001");
    CHECK_EQ_STR(h.hostname, "web01");
    CHECK_EQ_INT(h.count, 300);
    const uint8_t *p;
    size_t n;
    int count = 0, rc;
    struct event *out = event_new(TBL_NONE, "");
    while ((rc = batch_next(&r, &p, &n, &err)) == 1) {
        CHECK_EQ_INT(codec_decode(p, n, out, &err), 0);
        CHECK_EQ_INT(out->seq, count + 1);
        count++;
    }
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(count, 300);
    /* truncated batches are refused, never read past the end */
    for (size_t cut = 0; cut < b.len; cut += 97) {
        int ok = batch_open(&r, b.data, cut, &h, &err);
        if (ok == 0) {
            while ((rc = batch_next(&r, &p, &n, &err)) == 1)
                ;
            CHECK(rc < 0);
        }
    }
    /* wrong magic */
    CHECK(batch_open(&r, (const uint8_t *)"XXXX", 4, &h, &err) == -EINVAL);
    buf_free(&b);
    buf_free(&rec);
    event_free(ev);
    event_free(out);
}

static void test_event_limits(void)
{
    struct event *ev = event_new(TBL_PROCESS_EVENTS, "exec");
    CHECK_EQ_INT(event_add_int(ev, FLD_PID, 1), 0);
    CHECK_EQ_INT(event_add_int(ev, FLD_PID, 2), -EEXIST);
    int64_t v;
    CHECK(event_get_int(ev, FLD_PID, &v) && v == 1);
    char *big = malloc(EVENT_MAX_STRING + 2);
    memset(big, 'a', EVENT_MAX_STRING + 1);
    big[EVENT_MAX_STRING + 1] = '\0';
    CHECK_EQ_INT(event_add_str(ev, FLD_CMDLINE, big), -E2BIG);
    free(big);
    struct event *c = event_clone(ev);
    CHECK(c && event_get_int(c, FLD_PID, &v) && v == 1);
    event_free(c);
    event_free(ev);
}

TEST_MAIN(TEST(test_round_trip), TEST(test_every_prefix_is_refused), TEST(test_hostile_records),
          TEST(test_batch), TEST(test_event_limits))
