/* yara_scan.h - YARA rules (libyara) for the detection engine: compile the *.yar files of a
 * folder, scan a file, and turn a match into an alert event. Scanning reads files, so it is
 * never done on the agent's pipeline thread: the detect module runs it on its own worker, and
 * on demand through the `yara.scan` task. A set may be used by one thread at a time. */
#ifndef VIGIL_ENGINE_YARA_SCAN_H
#define VIGIL_ENGINE_YARA_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/event.h"
#include "engine/engine.h"

struct yara_set;

/* What matched: the YARA rule and what its meta says (defaults when absent). */
struct yara_match {
    const char *rule;      /* rule identifier */
    const char *title;     /* meta `title` or `description`, else the identifier */
    const char *severity;  /* meta `severity`: low, medium, high (default), critical */
    const char *technique; /* meta `technique` (e.g. T1505.003), may be "" */
    const char *tactic;    /* meta `tactic` (TA id), may be "" */
};
typedef void (*yara_match_fn)(void *ctx, const struct yara_match *m);

/* Compile every *.yar / *.yara file under path (a file or a folder). A file that does not
 * compile is reported through report (file, construct "YARA", the compiler's message) and
 * skipped. Returns the number of files compiled (*out NULL when none), or -errno (err). */
int yara_set_load(const char *path, engine_report_fn report, void *report_ctx,
                  struct yara_set **out, struct vg_error *err);
void yara_set_free(struct yara_set *ys);

/* Scan one regular file (at most max_bytes; larger files are skipped). Returns the number of
 * matching rules, or -errno (err names the file). */
int yara_set_scan_file(struct yara_set *ys, const char *path, size_t max_bytes, yara_match_fn fn,
                       void *ctx, struct vg_error *err);

/* Scan an open file (fd stays open, owned by the caller); path names it in errors. */
int yara_set_scan_fd(struct yara_set *ys, int fd, const char *path, size_t max_bytes,
                     yara_match_fn fn, void *ctx, struct vg_error *err);

/* An alert (table `alerts`, rule_source yara, rule_id "yara:<rule>") for a match in path, with
 * the process context copied from ev (may be NULL). NULL when out of memory. */
struct event *yara_alert_event(const struct yara_match *m, const char *path, const struct event *ev);

#endif
