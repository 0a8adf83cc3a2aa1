/* alert.c - turning a rule that fired into an alert event (table `alerts`): the rule, severity,
 * ATT&CK, the process and its ancestry, the events behind it and a stable dedup key; and the
 * dedup window: repeats with the same key within the rule's window are counted, and one `update`
 * alert carries the total when the window ends (engine_flush). */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "engine/engine_internal.h"

#define DEDUP_MAX 4096   /* open windows kept; past that the oldest found is closed early */
#define DEDUP_SLOTS 8192 /* hash table slots (power of two, twice DEDUP_MAX) */

struct dedup_entry {
    uint64_t hash;        /* of the key; 0 = empty slot */
    char key[17];
    uint64_t until;       /* end of the window, ns */
    uint64_t count;
    struct event *alert;  /* the first alert, for the update */
};

/* Open addressing with linear probing and backward-shift deletion: O(1) per alert whatever
 * the number of open windows. */
struct dedup {
    struct dedup_entry *slot;
    size_t n, cursor;
    uint64_t last_flush;
};

const char *engine_key_value(struct engine *eng, uint16_t f, char *tmp, size_t tmplen)
{
    size_t len;
    const char *v = engine_field_text(eng->ev, f, tmp, tmplen, &len);
    return v ? v : "";
}

/* Fields copied from the triggering event into the alert. */
static const enum field_id copied[] = {
    FLD_PID, FLD_PPID, FLD_ENTITY_ID, FLD_PARENT_ENTITY_ID, FLD_EXE, FLD_PARENT_EXE, FLD_CMDLINE,
    FLD_PARENT_CMDLINE, FLD_UID, FLD_EUID, FLD_USER, FLD_PATH, FLD_DST_IP, FLD_DST_PORT,
    FLD_SRC_IP, FLD_SRC_PORT, FLD_ANCESTRY,
};

static int copy_field(struct event *dst, const struct event *src, enum field_id id)
{
    const struct event_field *f = event_get(src, id);
    if (!f)
        return 0;
    if (f->type == FT_INT)
        return event_add_int(dst, id, f->v.i);
    return event_add_strn(dst, id, event_field_str(src, f), f->len);
}

/* The ancestry from the provider as JSON, when the event has none. */
static int add_ancestry(struct engine *eng, struct event *a)
{
    if (event_get(a, FLD_ANCESTRY))
        return 0;
    int n = engine_ancestors(eng);
    if (n <= 0)
        return 0;
    json_t *arr = json_array();
    for (int i = 0; arr && i < n; i++) {
        const struct engine_ancestor *x = &eng->anc[i];
        json_t *o = json_object();
        if (!o)
            break;
        if (x->entity_id)
            json_object_set_new(o, "entity_id", json_string(x->entity_id));
        if (x->pid >= 0)
            json_object_set_new(o, "pid", json_integer(x->pid));
        if (x->exe)
            json_object_set_new(o, "exe", json_string(x->exe));
        if (x->cmdline)
            json_object_set_new(o, "cmdline", json_string(x->cmdline));
        if (x->uid >= 0)
            json_object_set_new(o, "uid", json_integer(x->uid));
        json_array_append_new(arr, o);
    }
    char *s = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
    json_decref(arr);
    int rc = s ? event_add_str(a, FLD_ANCESTRY, s) : -ENOMEM;
    free(s);
    return rc;
}

static void dedup_key(struct engine *eng, const struct rule *r, char out[17])
{
    char tmp[32];
    struct buf b = {0};
    buf_printf(&b, "%s\x1f%s", r->id, eng->host);
    static const uint16_t defaults[] = {FLD_EXE, FLD_CMDLINE, FLD_PATH, FLD_DST_IP, FLD_SRC_IP};
    const uint16_t *f = r->ndedup_by ? r->dedup_by : r->nby ? r->by : defaults;
    size_t n = r->ndedup_by ? r->ndedup_by : r->nby ? r->nby : ARRAY_SIZE(defaults);
    for (size_t i = 0; i < n; i++) {
        buf_putc(&b, 0x1f);
        buf_append_str(&b, engine_key_value(eng, f[i], tmp, sizeof(tmp)));
    }
    if (eng->indicator) {
        buf_putc(&b, 0x1f);
        buf_append_str(&b, eng->indicator);
    }
    char hex[65];
    sha256_hex(b.data ? b.data : (const uint8_t *)"", b.len, hex);
    memcpy(out, hex, 16);
    out[16] = '\0';
    buf_free(&b);
}

static struct event *build(struct engine *eng, const struct rule *r, const char *trig,
                           const char *key)
{
    const struct event *ev = eng->ev;
    const struct table_def *t = schema_table(ev->table);
    struct event *a = event_new(TBL_ALERTS, "alert");
    if (!a)
        return NULL;
    int rc = event_add_str(a, FLD_RULE_ID, r->id);
    rc = rc ? rc : event_add_str(a, FLD_RULE_TITLE, r->title);
    rc = rc ? rc : event_add_str(a, FLD_RULE_SOURCE, r->source);
    rc = rc ? rc : event_add_str(a, FLD_SEVERITY, severity_name(r->severity));
    rc = rc ? rc : event_add_str(a, FLD_TACTIC, r->tactic ? r->tactic : "");
    rc = rc ? rc : event_add_str(a, FLD_TECHNIQUE, r->technique ? r->technique : "");
    rc = rc ? rc : event_add_str(a, FLD_DEDUP_KEY, key);
    rc = rc ? rc : event_add_int(a, FLD_REPEAT_COUNT, 1);
    rc = rc ? rc : event_add_str(a, FLD_EVENT_TABLE, t ? t->name : "");
    rc = rc ? rc : event_add_str(a, FLD_TRIGGER_EVENTS, trig ? trig : "[]");
    if (!rc && r->description)
        rc = event_add_str(a, FLD_MESSAGE, r->description);
    if (!rc && eng->indicator)
        rc = event_add_str(a, FLD_INDICATOR, eng->indicator);
    for (size_t i = 0; i < ARRAY_SIZE(copied) && !rc; i++)
        rc = copy_field(a, ev, copied[i]);
    if (!rc)
        rc = add_ancestry(eng, a);
    if (rc && rc != -EEXIST) {
        event_free(a);
        return NULL;
    }
    return a;
}

/* Emit an update for entry e (its count) and forget its alert. */
static void emit_update(struct dedup_entry *e, engine_alert_fn fn, void *ctx, int *emitted)
{
    if (e->count > 1 && e->alert) {
        struct event *u = event_clone(e->alert);
        if (u) {
            str_copy(u->action, "update", sizeof(u->action));
            u->time_ns = time_now_ns();
            /* the repeat count is the one field that changes */
            for (uint16_t i = 0; i < u->nfields; i++)
                if (u->fields[i].id == FLD_REPEAT_COUNT)
                    u->fields[i].v.i = (int64_t)e->count;
            fn(ctx, u);
            (*emitted)++;
        }
    }
    event_free(e->alert);
    e->alert = NULL;
}

/* Remove slot i, shifting the following entries of its probe run back. */
static void slot_remove(struct dedup *d, size_t i)
{
    size_t mask = DEDUP_SLOTS - 1;
    d->slot[i].hash = 0;
    d->n--;
    for (size_t j = (i + 1) & mask; d->slot[j].hash; j = (j + 1) & mask) {
        size_t home = d->slot[j].hash & mask;
        /* can the entry at j move to the hole at i? (i lies cyclically in [home, j)) */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            d->slot[i] = d->slot[j];
            d->slot[j].hash = 0;
            i = j;
        }
    }
}

int alert_emit(struct engine *eng, struct rule *r, const char *trigger_json, uint64_t seq,
               engine_alert_fn fn, void *ctx)
{
    (void)seq;
    if (!eng->dedup && !(eng->dedup = calloc(1, sizeof(*eng->dedup))))
        return -ENOMEM;
    struct dedup *d = eng->dedup;
    if (!d->slot && !(d->slot = calloc(DEDUP_SLOTS, sizeof(*d->slot))))
        return -ENOMEM;
    char key[17];
    dedup_key(eng, r, key);
    uint64_t h = strtoull(key, NULL, 16);
    h = h ? h : 1;
    uint64_t now = eng->ev->time_ns;
    int emitted = 0;
    size_t mask = DEDUP_SLOTS - 1, i;
    for (i = h & mask; d->slot[i].hash; i = (i + 1) & mask) {
        struct dedup_entry *e = &d->slot[i];
        if (e->hash != h || strcmp(e->key, key))
            continue;
        if (now < e->until) {
            e->count++;
            eng->suppressed++;
            return 0;
        }
        emit_update(e, fn, ctx, &emitted);
        slot_remove(d, i);
        break;
    }
    struct event *a = build(eng, r, trigger_json, key);
    if (!a)
        return -ENOMEM;
    while (d->n >= DEDUP_MAX) { /* full: close a window early (an expired one when found) */
        size_t best = SIZE_MAX;
        for (size_t k = 0; k < 64 && best == SIZE_MAX; k++) {
            size_t c = (d->cursor + k) & mask;
            if (d->slot[c].hash && d->slot[c].until <= now)
                best = c;
        }
        for (; best == SIZE_MAX; d->cursor = (d->cursor + 1) & mask)
            if (d->slot[d->cursor].hash)
                best = d->cursor;
        emit_update(&d->slot[best], fn, ctx, &emitted);
        slot_remove(d, best);
    }
    for (i = h & mask; d->slot[i].hash; i = (i + 1) & mask)
        ;
    struct dedup_entry *e = &d->slot[i];
    e->hash = h;
    memcpy(e->key, key, sizeof(e->key));
    e->until = now + r->dedup_window_ns;
    e->count = 1;
    e->alert = event_clone(a);
    d->n++;
    eng->alerts++;
    fn(ctx, a);
    return emitted + 1;
}

int dedup_flush(struct engine *eng, uint64_t now_ns, engine_alert_fn fn, void *ctx)
{
    struct dedup *d = eng->dedup;
    if (!d || !d->slot || now_ns - d->last_flush < 1000000000ull)
        return 0;
    d->last_flush = now_ns;
    int emitted = 0;
    for (size_t i = 0; i < DEDUP_SLOTS;) {
        if (d->slot[i].hash && now_ns >= d->slot[i].until) {
            emit_update(&d->slot[i], fn, ctx, &emitted);
            slot_remove(d, i); /* an entry may have moved into i: look at it again */
        } else {
            i++;
        }
    }
    return emitted;
}

int engine_flush(struct engine *eng, uint64_t now_ns, engine_alert_fn alert_fn, void *ctx)
{
    return dedup_flush(eng, now_ns, alert_fn, ctx);
}

void dedup_free(struct engine *eng)
{
    struct dedup *d = eng->dedup;
    if (!d)
        return;
    for (size_t i = 0; d->slot && i < DEDUP_SLOTS; i++)
        if (d->slot[i].hash)
            event_free(d->slot[i].alert);
    free(d->slot);
    free(d);
    eng->dedup = NULL;
}
