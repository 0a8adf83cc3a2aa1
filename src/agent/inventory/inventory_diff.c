/* inventory_diff.c - comparing two versions of an inventory row column by column, in the
 * table's column order, so that a change event can name what changed and what it was. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "agent/inventory/inventory_internal.h"
#include "common/inventory_schema.h"

static bool same_value(const struct event *a, const struct event_field *fa, const struct event *b,
                       const struct event_field *fb)
{
    if (!fa || !fb)
        return fa == fb;
    if (fa->type != fb->type)
        return false;
    if (fa->type == FT_INT)
        return fa->v.i == fb->v.i;
    return fa->len == fb->len && memcmp(event_field_str(a, fa), event_field_str(b, fb), fa->len) == 0;
}

int inv_row_diff(const struct event *old, const struct event *cur, struct buf *changed,
                 struct buf *previous)
{
    const struct table_def *t = schema_table(cur->table);
    if (!t)
        return 0;
    json_t *prev = previous ? json_object() : NULL;
    int ndiff = 0, rc = 0;
    for (size_t c = 0; t->columns[c] != FLD_NONE; c++) {
        enum field_id f = t->columns[c];
        if (!inventory_is_content_field(f))
            continue;
        const struct event_field *fo = event_get(old, f), *fn = event_get(cur, f);
        if (same_value(old, fo, cur, fn))
            continue;
        const char *name = schema_field(f)->name;
        if (changed && (rc = buf_printf(changed, "%s%s", ndiff ? "," : "", name)))
            break;
        if (prev) {
            json_t *v = !fo ? json_null()
                        : fo->type == FT_INT
                            ? json_integer((json_int_t)fo->v.i)
                            : json_stringn(event_field_str(old, fo), fo->len);
            if (!v) /* text that is not UTF-8 cannot be in JSON; inv_str never stores such */
                v = json_null();
            if (json_object_set_new(prev, name, v)) {
                rc = -ENOMEM;
                break;
            }
        }
        ndiff++;
    }
    if (!rc && prev && ndiff) {
        char *text = json_dumps(prev, JSON_COMPACT | JSON_PRESERVE_ORDER);
        rc = text ? buf_append_str(previous, text) : -ENOMEM;
        free(text);
    }
    json_decref(prev);
    return rc ? rc : ndiff;
}
