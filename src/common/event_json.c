/* event_json.c - JSON rendering of events (event_json.h). */
#include "common/event_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

json_t *event_to_json(const struct event *ev)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    const struct table_def *t = schema_table(ev->table);
    json_object_set_new(o, "table", t ? json_string(t->name) : json_integer(ev->table));
    json_object_set_new(o, "action", json_string(ev->action));
    json_object_set_new(o, "time", json_integer((json_int_t)ev->time_ns));
    json_object_set_new(o, "seq", json_integer((json_int_t)ev->seq));
    json_object_set_new(o, "boot_id", json_string(ev->boot_id));
    for (unsigned i = 0; i < ev->nfields; i++) {
        const struct event_field *f = &ev->fields[i];
        const struct field_def *d = schema_field(f->id);
        if (!d)
            continue;
        json_t *v = f->type == FT_INT ? json_integer(f->v.i)
                                      : json_stringn(ev->arena + f->v.off, f->len);
        if (!v) /* text that is not UTF-8: keep it visible, lossy */
            v = json_string("<invalid utf-8>");
        json_object_set_new(o, d->name, v);
    }
    return o;
}

int event_to_json_line(const struct event *ev, struct buf *out)
{
    json_t *o = event_to_json(ev);
    if (!o)
        return -ENOMEM;
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!s)
        return -ENOMEM;
    int rc = buf_append_str(out, s);
    if (!rc)
        rc = buf_putc(out, '\n');
    free(s);
    return rc;
}
