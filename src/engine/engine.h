/* engine.h - Vigil's detection engine, shared by the agent (a pipeline processor), the server
 * and the tools: events in, alerts out.
 *
 * Rules come from YAML files: Sigma rules (SigmaHQ format) and native rules (docs/rules.md),
 * plus indicator feeds (ioc.h). Loading reports every rule that cannot be used (rule id,
 * construct, reason) and goes on with the others; engine_compile() then groups the string
 * predicates of all rules per (table, action, field) into one vectorscan database each, so one
 * scan per field serves every rule, and conditions are evaluated only for the rules one of whose
 * predicates matched (see engine_internal.h for the design).
 *
 * An engine is used by one thread at a time (the agent's pipeline writer). */
#ifndef VIGIL_ENGINE_H
#define VIGIL_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/event.h"

struct engine;

/* Why a rule (or a part of a feed) was not loaded: one line per problem. */
struct engine_report {
    const char *file;      /* the file it came from */
    const char *rule_id;   /* the rule's id, or "" when it has none / could not be read */
    const char *construct; /* what in the rule: "modifier windash|foo", "logsource ...", ... */
    const char *reason;    /* why */
};
typedef void (*engine_report_fn)(void *ctx, const struct engine_report *r);

/* One ancestor of a process, as the ancestry provider knows it. Strings may be NULL. */
struct engine_ancestor {
    const char *entity_id, *exe, *cmdline, *comm, *user;
    int64_t pid, uid, euid;
};
#define ENGINE_ANCESTRY_MAX 16
/* Fill out[0..max) with the ancestors of ev's process, parent first; return how many. The
 * strings must stay valid until the next call. The default provider reads the event's
 * `ancestry` field (JSON); the agent installs one reading its process table. */
typedef int (*engine_ancestry_fn)(void *ctx, const struct event *ev, struct engine_ancestor *out,
                                  int max);

/* Called for each alert (an event of table `alerts`); ownership of the event passes. */
typedef void (*engine_alert_fn)(void *ctx, struct event *alert);

struct engine_options {
    const char *state_dir;       /* where first-seen values persist; NULL: kept in memory */
    uint64_t dedup_window_ns;    /* default repeat window of an alert (0: 5 minutes) */
    engine_report_fn report;     /* NULL: problems are only counted */
    void *report_ctx;
    /* Called for each indicator a feed adds: kind "sha256", "ip", "cidr" or "domain" and the
     * value as the feed gives it (an IOC sweep collects a feed's indicators this way). */
    void (*ioc_entry)(void *ctx, const char *kind, const char *value, size_t len);
    void *ioc_entry_ctx;
};

/* A new engine without rules. 0, or -ENOMEM. engine_free releases it (NULL-safe). */
int engine_new(const struct engine_options *opt, struct engine **out, struct vg_error *err);
void engine_free(struct engine *eng);

/* Load one rule file (Sigma or native, told apart by its keys), or every *.yml / *.yaml under a
 * directory, recursively. Rules that cannot be used are reported and skipped. Returns the number
 * of rules loaded, or -errno when the path cannot be read at all (err says why). Only before
 * engine_compile. */
int engine_load_path(struct engine *eng, const char *path, struct vg_error *err);
/* Load rules from YAML text (name is used in reports). Same results as engine_load_path. */
int engine_load_text(struct engine *eng, const char *text, size_t len, const char *name,
                     struct vg_error *err);

/* Load an indicator feed: CSV rows `type,value[,description]` (types sha256, ip, cidr, domain),
 * a STIX 2.1 bundle (indicator objects with STIX patterns) or a MISP event export (JSON).
 * Matched against process events' exe_sha256, network events' remote address (addresses and
 * networks; dst_ip of a connect, src_ip of an accept) and dns_query (the name or a parent
 * domain). Entries that cannot be used are
 * reported. Returns the number of indicators added, or -errno (err). May be called after
 * engine_compile (feeds are updated while the engine runs, from the thread that matches). */
int engine_load_ioc_path(struct engine *eng, const char *path, struct vg_error *err);
int engine_load_ioc_text(struct engine *eng, const char *text, size_t len, const char *name,
                         struct vg_error *err);

/* Build the matchers. 0, or -errno (err says which database could not be built). After this
 * rules cannot be added; engine_match may be called. */
int engine_compile(struct engine *eng, struct vg_error *err);

/* Install the ancestry provider (see engine_ancestry_fn). */
void engine_set_ancestry(struct engine *eng, engine_ancestry_fn fn, void *ctx);
/* Host name stamped into dedup keys (an agent's alerts stay distinct per host). */
void engine_set_host(struct engine *eng, const char *host);

/* Match one event; alerts go to alert_fn. seq is the event's sequence number in its stream
 * (0 when unknown), recorded in the alerts' trigger_events. Returns the number of alerts. */
int engine_match(struct engine *eng, const struct event *ev, uint64_t seq, engine_alert_fn alert_fn,
                 void *ctx);
/* Emit `update` alerts for deduplicated alerts whose window ended before now_ns. Cheap when
 * nothing is due; call it now and then (the agent does on every event). */
int engine_flush(struct engine *eng, uint64_t now_ns, engine_alert_fn alert_fn, void *ctx);

struct engine_stats {
    size_t rules, rules_skipped, predicates, fast_predicates, databases;
    uint64_t events, alerts, suppressed;
};
void engine_get_stats(const struct engine *eng, struct engine_stats *st);

/* Names of the schema fields the loaded rules use that no event table has yet ("" when none):
 * comma separated, for `vigil rules check`. */
const char *engine_unmapped_fields(const struct engine *eng);

/* Whether any compiled rule (or feed) looks at events of this table (after engine_compile). */
bool engine_uses_table(const struct engine *eng, uint16_t table);

#endif
