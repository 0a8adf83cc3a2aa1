/* codec.c - binary encoding and defensive decoding of events and batches (codec.h). */
#include "common/codec.h"

#include <errno.h>
#include <string.h>

#include "common/util.h"

static uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static int64_t unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

static int put_bytes(struct buf *out, const void *p, size_t len)
{
    int rc = buf_put_varint(out, len);
    return rc ? rc : buf_append(out, p, len);
}

int codec_encode(const struct event *ev, struct buf *out)
{
    size_t start = out->len;
    int rc = buf_putc(out, CODEC_RECORD_VERSION);
    rc |= buf_put_varint(out, ev->table);
    rc |= buf_put_varint(out, ev->seq);
    rc |= buf_put_varint(out, ev->time_ns);
    rc |= put_bytes(out, ev->boot_id, strlen(ev->boot_id));
    rc |= put_bytes(out, ev->action, strlen(ev->action));
    rc |= buf_put_varint(out, ev->nfields);
    for (unsigned i = 0; i < ev->nfields && !rc; i++) {
        const struct event_field *f = &ev->fields[i];
        rc |= buf_put_varint(out, f->id);
        rc |= buf_putc(out, f->type);
        if (f->type == FT_INT)
            rc |= buf_put_varint(out, zigzag(f->v.i));
        else
            rc |= put_bytes(out, ev->arena + f->v.off, f->len);
    }
    if (rc) {
        out->len = start;
        return -ENOMEM;
    }
    return 0;
}

int codec_read_varint(const uint8_t *data, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*pos >= len)
            return -EINVAL;
        uint8_t b = data[(*pos)++];
        if (shift == 63 && (b & 0x7e))
            return -EINVAL; /* more than 64 bits */
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -EINVAL;
}

/* Read a length-prefixed byte string bounded by max; sets *p into data. */
static int read_bytes(const uint8_t *data, size_t len, size_t *pos, size_t max, const uint8_t **p,
                      size_t *n)
{
    uint64_t l;
    if (codec_read_varint(data, len, pos, &l))
        return -EINVAL;
    if (l > max)
        return -E2BIG;
    if (l > len - *pos)
        return -EINVAL;
    *p = data + *pos;
    *n = (size_t)l;
    *pos += (size_t)l;
    return 0;
}

int codec_decode(const uint8_t *data, size_t len, struct event *ev, struct vg_error *err)
{
    size_t pos = 0;
    uint64_t table, seq, time_ns, nfields;
    const uint8_t *p;
    size_t n;

    event_reset(ev, TBL_NONE, "");
    if (len < 1)
        return vg_error_set(err, -EINVAL, "empty record");
    if (data[0] != CODEC_RECORD_VERSION)
        return vg_error_set(err, -EINVAL, "record version %u is not supported (expected %u)",
                            data[0], CODEC_RECORD_VERSION);
    pos = 1;
    if (codec_read_varint(data, len, &pos, &table) || table > 0xffff)
        return vg_error_set(err, -EINVAL, "bad table id at byte %zu", pos);
    if (codec_read_varint(data, len, &pos, &seq))
        return vg_error_set(err, -EINVAL, "bad sequence number at byte %zu", pos);
    if (codec_read_varint(data, len, &pos, &time_ns))
        return vg_error_set(err, -EINVAL, "bad time at byte %zu", pos);
    ev->table = (uint16_t)table;
    ev->seq = seq;
    ev->time_ns = time_ns;
    if (read_bytes(data, len, &pos, sizeof(ev->boot_id) - 1, &p, &n))
        return vg_error_set(err, -EINVAL, "bad boot id at byte %zu", pos);
    memcpy(ev->boot_id, p, n);
    ev->boot_id[n] = '\0';
    if (memchr(ev->boot_id, '\0', n))
        return vg_error_set(err, -EINVAL, "boot id contains a NUL byte at byte %zu", pos);
    if (read_bytes(data, len, &pos, sizeof(ev->action) - 1, &p, &n))
        return vg_error_set(err, -EINVAL, "bad or too long action at byte %zu", pos);
    memcpy(ev->action, p, n);
    ev->action[n] = '\0';
    if (memchr(ev->action, '\0', n))
        return vg_error_set(err, -EINVAL, "action contains a NUL byte at byte %zu", pos);
    if (codec_read_varint(data, len, &pos, &nfields))
        return vg_error_set(err, -EINVAL, "bad field count at byte %zu", pos);
    if (nfields > EVENT_MAX_FIELDS)
        return vg_error_set(err, -E2BIG, "record has %llu fields (at most %d)",
                            (unsigned long long)nfields, EVENT_MAX_FIELDS);
    for (uint64_t i = 0; i < nfields; i++) {
        uint64_t id, v;
        size_t fpos = pos;
        if (codec_read_varint(data, len, &pos, &id) || id > 0xffff || pos >= len)
            return vg_error_set(err, -EINVAL, "bad field id at byte %zu", fpos);
        uint8_t type = data[pos++];
        const struct field_def *def = schema_field((unsigned)id);
        int rc;
        if (type == FT_INT) {
            if (codec_read_varint(data, len, &pos, &v))
                return vg_error_set(err, -EINVAL, "bad integer for field %llu at byte %zu",
                                    (unsigned long long)id, fpos);
            if (!def)
                continue; /* unknown field from a newer agent: skipped */
            if (def->type != FT_INT)
                return vg_error_set(err, -EINVAL, "field %s is text, got an integer at byte %zu",
                                    def->name, fpos);
            rc = event_add_int(ev, (enum field_id)id, unzigzag(v));
        } else if (type == FT_TEXT) {
            int r = read_bytes(data, len, &pos, EVENT_MAX_STRING, &p, &n);
            if (r)
                return vg_error_set(err, r, "bad text for field %llu at byte %zu%s",
                                    (unsigned long long)id, fpos,
                                    r == -E2BIG ? " (longer than 1 MiB)" : "");
            if (!def)
                continue;
            if (def->type != FT_TEXT)
                return vg_error_set(err, -EINVAL, "field %s is an integer, got text at byte %zu",
                                    def->name, fpos);
            rc = event_add_strn(ev, (enum field_id)id, (const char *)p, n);
        } else {
            return vg_error_set(err, -EINVAL, "unknown value type %u for field %llu at byte %zu",
                                type, (unsigned long long)id, fpos);
        }
        if (rc == -EEXIST)
            return vg_error_set(err, -EINVAL, "field %s appears twice (byte %zu)", def->name, fpos);
        if (rc)
            return vg_error_set(err, rc, "cannot store field %s: %s", def->name, strerror(-rc));
    }
    if (pos != len)
        return vg_error_set(err, -EINVAL, "%zu trailing bytes after the record", len - pos);
    return 0;
}

int batch_begin(struct buf *out, const char *agent_id, const char *hostname)
{
    int rc = buf_append(out, BATCH_MAGIC, 4);
    rc |= put_bytes(out, agent_id, strlen(agent_id));
    rc |= put_bytes(out, hostname, strlen(hostname));
    /* count placeholder: a 5-byte varint patched by batch_finish */
    static const uint8_t zero5[5] = {0x80, 0x80, 0x80, 0x80, 0x00};
    rc |= buf_append(out, zero5, sizeof(zero5));
    return rc ? -ENOMEM : 0;
}

int batch_add(struct buf *out, const uint8_t *rec, size_t len)
{
    return put_bytes(out, rec, len) ? -ENOMEM : 0;
}

int batch_finish(struct buf *out, uint64_t count)
{
    if (count >= (1ull << 35) || out->len < 9)
        return -EINVAL;
    /* locate the placeholder: after magic, agent id and hostname */
    size_t pos = 4;
    uint64_t l;
    for (int i = 0; i < 2; i++) {
        if (codec_read_varint(out->data, out->len, &pos, &l) || l > out->len - pos)
            return -EINVAL;
        pos += (size_t)l;
    }
    if (pos + 5 > out->len)
        return -EINVAL;
    for (int i = 0; i < 5; i++) {
        out->data[pos + (size_t)i] = (uint8_t)((count & 0x7f) | (i < 4 ? 0x80 : 0));
        count >>= 7;
    }
    return 0;
}

int batch_open(struct batch_reader *r, const uint8_t *data, size_t len, struct batch_header *h,
               struct vg_error *err)
{
    size_t pos = 4;
    const uint8_t *p;
    size_t n;
    memset(h, 0, sizeof(*h));
    if (len < 4 || memcmp(data, BATCH_MAGIC, 4) != 0)
        return vg_error_set(err, -EINVAL, "not a Vigil batch (bad magic)");
    if (read_bytes(data, len, &pos, sizeof(h->agent_id) - 1, &p, &n) || n == 0 ||
        memchr(p, '\0', n))
        return vg_error_set(err, -EINVAL, "batch header: bad agent id at byte %zu", pos);
    memcpy(h->agent_id, p, n);
    if (read_bytes(data, len, &pos, sizeof(h->hostname) - 1, &p, &n) || memchr(p, '\0', n))
        return vg_error_set(err, -EINVAL, "batch header: bad hostname at byte %zu", pos);
    memcpy(h->hostname, p, n);
    if (codec_read_varint(data, len, &pos, &h->count))
        return vg_error_set(err, -EINVAL, "batch header: bad record count at byte %zu", pos);
    if (h->count > BATCH_MAX_RECORDS)
        return vg_error_set(err, -E2BIG, "batch holds %llu records (at most %d)",
                            (unsigned long long)h->count, BATCH_MAX_RECORDS);
    r->data = data;
    r->len = len;
    r->pos = pos;
    r->remaining = h->count;
    return 0;
}

int batch_next(struct batch_reader *r, const uint8_t **rec, size_t *rec_len, struct vg_error *err)
{
    if (r->remaining == 0) {
        if (r->pos != r->len)
            return vg_error_set(err, -EINVAL, "%zu trailing bytes after the last record",
                                r->len - r->pos);
        return 0;
    }
    size_t at = r->pos;
    if (read_bytes(r->data, r->len, &r->pos, EVENT_MAX_STRING * 4, rec, rec_len))
        return vg_error_set(err, -EINVAL, "truncated or oversized record at byte %zu", at);
    r->remaining--;
    return 1;
}
