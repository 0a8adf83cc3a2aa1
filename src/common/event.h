/* event.h - the in-memory event: a common header plus (field id, value) pairs whose meaning is
 * fixed by the schema (schema.h). Sensors build events, the pipeline and the rule engine read
 * them, the codec turns them into bytes for the spool and the wire.
 *
 * Strings live in an arena owned by the event and are referred to by offset, so the arena may
 * grow while fields are added. An event is owned by one thread at a time; event_free() releases
 * it. Adding a field that is already present replaces nothing: the first value wins (and the
 * duplicate is ignored), which keeps decoding of hostile input well defined. */
#ifndef VIGIL_EVENT_H
#define VIGIL_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/schema.h"

#define EVENT_MAX_FIELDS 96
#define EVENT_ACTION_MAX 32
#define EVENT_MAX_STRING (1u << 20) /* one field's text is bounded to 1 MiB */

struct event_field {
    uint16_t id;   /* enum field_id */
    uint8_t type;  /* enum field_type */
    uint32_t len;  /* text length (without NUL) */
    union {
        int64_t i;    /* FT_INT */
        uint32_t off; /* FT_TEXT: offset in the arena (NUL-terminated there) */
    } v;
};

struct event {
    uint16_t table;                /* enum table_id */
    char action[EVENT_ACTION_MAX]; /* "exec", "exit", ... */
    uint64_t seq;                  /* assigned when the event enters the spool */
    uint64_t time_ns;              /* when it happened, ns since epoch */
    char boot_id[37];              /* kernel boot id where it was observed */
    uint16_t nfields;
    struct event_field fields[EVENT_MAX_FIELDS];
    char *arena;
    uint32_t arena_len, arena_cap;
};

/* A new event of table with action; time is set to now. NULL on allocation failure. */
struct event *event_new(enum table_id table, const char *action);
/* Reset an event for reuse with a new table/action (keeps the arena's memory). */
void event_reset(struct event *ev, enum table_id table, const char *action);
void event_free(struct event *ev);

/* Add a field. Return 0, -E2BIG (too many fields or string too long), -ENOMEM, or -EEXIST when
 * the field is already present (the first value is kept). */
int event_add_int(struct event *ev, enum field_id id, int64_t v);
int event_add_str(struct event *ev, enum field_id id, const char *s);
int event_add_strn(struct event *ev, enum field_id id, const char *s, size_t len);
int event_add_fmt(struct event *ev, enum field_id id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Field lookups: NULL / false when the event lacks the field (or it has another type). */
const struct event_field *event_get(const struct event *ev, enum field_id id);
const char *event_get_str(const struct event *ev, enum field_id id);
bool event_get_int(const struct event *ev, enum field_id id, int64_t *out);
/* The text of a FT_TEXT field. */
static inline const char *event_field_str(const struct event *ev, const struct event_field *f)
{
    return ev->arena + f->v.off;
}

/* Deep copy; NULL on allocation failure. */
struct event *event_clone(const struct event *ev);

#endif
