/* event_json.h - an event as a JSON object with the schema's column names (jansson). Used by
 * debugging tools and the dump mode of the agent; the server renders rows from its store. */
#ifndef VIGIL_EVENT_JSON_H
#define VIGIL_EVENT_JSON_H

#include <jansson.h>

#include "common/buf.h"
#include "common/event.h"

/* A new JSON object (caller json_decref's it), NULL on allocation failure. */
json_t *event_to_json(const struct event *ev);
/* Append the event as one line of compact JSON (with a newline) to out. */
int event_to_json_line(const struct event *ev, struct buf *out);

#endif
