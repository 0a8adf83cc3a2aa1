/* detect_yara.h - YARA scanning for the detect module: a worker thread that scans what the
 * pipeline shows it (new executables in writable places, scripts run from there, files written
 * into web roots), off the pipeline's thread, once per file version; and on-demand scans (task
 * `yara.scan`). Matches become alerts submitted to the pipeline. */
#ifndef VIGIL_AGENT_DETECT_YARA_H
#define VIGIL_AGENT_DETECT_YARA_H

#include <jansson.h>
#include <stdint.h>

#include "common/config.h"
#include "common/error.h"
#include "common/event.h"

struct dyara;
struct pipeline;

/* Compile the rules under paths and start the worker. *out is NULL (and 0 returned) when no
 * rule file compiled. -errno when the worker cannot start. */
int dyara_start(const struct config_list *paths, struct pipeline *p, struct dyara **out,
                struct vg_error *err);
/* Stop the worker and free everything; NULL-safe. */
void dyara_stop(struct dyara *y);
/* From the pipeline thread: queue a scan when ev calls for one (never blocks; a full queue
 * drops the request and counts it). seq: the event's sequence number, named by the alert. */
void dyara_offer(struct dyara *y, const struct event *ev, uint64_t seq);
/* The `yara.scan` task: payload {"path": FILE or FOLDER}; result {scanned, matches: [...]}. */
int dyara_task(struct dyara *y, json_t *payload, json_t **result, struct vg_error *err);
uint64_t dyara_scanned(const struct dyara *y);

#endif
