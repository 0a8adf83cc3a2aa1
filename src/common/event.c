/* event.c - in-memory events (event.h). Fields are appended in order; lookups scan the field
 * array, which is short (tens of fields) and contiguous, cheaper than any index would be. */
#include "common/event.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

struct event *event_new(enum table_id table, const char *action)
{
    struct event *ev = malloc(sizeof(*ev));
    if (!ev)
        return NULL;
    ev->arena = NULL;
    ev->arena_cap = 0;
    event_reset(ev, table, action);
    return ev;
}

void event_reset(struct event *ev, enum table_id table, const char *action)
{
    ev->table = (uint16_t)table;
    str_copy(ev->action, action ? action : "", sizeof(ev->action));
    ev->seq = 0;
    ev->time_ns = time_now_ns();
    ev->boot_id[0] = '\0';
    ev->nfields = 0;
    ev->arena_len = 0;
}

void event_free(struct event *ev)
{
    if (!ev)
        return;
    free(ev->arena);
    free(ev);
}

const struct event_field *event_get(const struct event *ev, enum field_id id)
{
    for (unsigned i = 0; i < ev->nfields; i++)
        if (ev->fields[i].id == id)
            return &ev->fields[i];
    return NULL;
}

const char *event_get_str(const struct event *ev, enum field_id id)
{
    const struct event_field *f = event_get(ev, id);
    return f && f->type == FT_TEXT ? ev->arena + f->v.off : NULL;
}

bool event_get_int(const struct event *ev, enum field_id id, int64_t *out)
{
    const struct event_field *f = event_get(ev, id);
    if (!f || f->type != FT_INT)
        return false;
    *out = f->v.i;
    return true;
}

static struct event_field *field_slot(struct event *ev, enum field_id id, int *rc)
{
    if (event_get(ev, id)) {
        *rc = -EEXIST;
        return NULL;
    }
    if (ev->nfields >= EVENT_MAX_FIELDS) {
        *rc = -E2BIG;
        return NULL;
    }
    *rc = 0;
    return &ev->fields[ev->nfields];
}

int event_add_int(struct event *ev, enum field_id id, int64_t v)
{
    int rc;
    struct event_field *f = field_slot(ev, id, &rc);
    if (!f)
        return rc;
    f->id = (uint16_t)id;
    f->type = FT_INT;
    f->len = 0;
    f->v.i = v;
    ev->nfields++;
    return 0;
}

int event_add_strn(struct event *ev, enum field_id id, const char *s, size_t len)
{
    int rc;
    struct event_field *f = field_slot(ev, id, &rc);
    if (!f)
        return rc;
    if (len > EVENT_MAX_STRING)
        return -E2BIG;
    uint32_t need = ev->arena_len + (uint32_t)len + 1;
    if (need > ev->arena_cap) {
        uint32_t cap = ev->arena_cap ? ev->arena_cap : 512;
        while (cap < need)
            cap *= 2;
        char *p = realloc(ev->arena, cap);
        if (!p)
            return -ENOMEM;
        ev->arena = p;
        ev->arena_cap = cap;
    }
    memcpy(ev->arena + ev->arena_len, s, len);
    ev->arena[ev->arena_len + len] = '\0';
    f->id = (uint16_t)id;
    f->type = FT_TEXT;
    f->len = (uint32_t)len;
    f->v.off = ev->arena_len;
    ev->arena_len = need;
    ev->nfields++;
    return 0;
}

int event_add_str(struct event *ev, enum field_id id, const char *s)
{
    return event_add_strn(ev, id, s, strlen(s));
}

int event_add_fmt(struct event *ev, enum field_id id, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0)
        return -EINVAL;
    return event_add_strn(ev, id, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

struct event *event_clone(const struct event *ev)
{
    struct event *c = malloc(sizeof(*c));
    if (!c)
        return NULL;
    memcpy(c, ev, offsetof(struct event, fields) + sizeof(ev->fields[0]) * ev->nfields);
    c->arena = NULL;
    c->arena_cap = 0;
    if (ev->arena_len) {
        c->arena = malloc(ev->arena_len);
        if (!c->arena) {
            free(c);
            return NULL;
        }
        memcpy(c->arena, ev->arena, ev->arena_len);
        c->arena_cap = ev->arena_len;
    }
    c->arena_len = ev->arena_len;
    return c;
}
