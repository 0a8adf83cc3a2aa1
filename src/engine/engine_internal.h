/* engine_internal.h - what the files of the detection engine share.
 *
 * Model. A rule has one or more steps (a plain rule one; a sequence several). A step applies to
 * one table and optionally a set of actions, and has a condition: a tree of AND / OR / NOT over
 * predicates. A predicate tests one field of the event (or of an ancestor) with one operator and
 * one value; Sigma's list values, `|all` and value modifiers that expand into alternatives
 * (base64offset, windash, wide) become OR / AND nodes over several predicates.
 *
 * Matching. String predicates on the event's own fields (equals, contains, startswith,
 * endswith, wildcards, and the regular expressions vectorscan accepts) are "fast": at compile
 * time they are grouped per (table, action bucket, field) into one vectorscan database. Per
 * event, each field with a database is scanned once; a match marks the predicate true (a
 * generation stamp, so nothing is cleared between events) and puts the steps that use it on the
 * candidate list. Only candidates are evaluated, plus the few steps that can be true with no
 * fast predicate true ("always" steps, e.g. a rule made only of `not` or of numeric tests).
 * Everything else (ancestors, CIDR, numeric comparisons, field references, exists, regular
 * expressions vectorscan refuses: PCRE2) is "lazy": evaluated on demand during condition
 * evaluation and remembered for the event. The cost per event therefore depends on the fields
 * scanned and on the rules that nearly match, not on the number of rules loaded. */
#ifndef VIGIL_ENGINE_INTERNAL_H
#define VIGIL_ENGINE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <hs/hs.h>

#include "common/buf.h"
#include "engine/engine.h"

enum pred_op {
    OP_EQ = 1,    /* whole value equal */
    OP_CONTAINS,
    OP_STARTSWITH,
    OP_ENDSWITH,
    OP_GLOB,      /* Sigma wildcards * and ?; value is the regex it became */
    OP_RE,        /* regular expression */
    OP_CIDR,      /* address in network */
    OP_GT, OP_GTE, OP_LT, OP_LTE, /* numeric */
    OP_EXISTS,    /* field present (num: 1) or absent (num: 0) */
    OP_NULL,      /* field absent or empty */
    OP_FIELDREF,  /* equal to another field (with cmp_op: eq, contains, startswith, endswith) */
    OP_FALSE,     /* never true (a field no table has) */
};

/* Where a predicate reads its value. */
enum pred_scope { SCOPE_EVENT = 0, SCOPE_ANCESTOR = 1, SCOPE_KEYWORD = 2 };

/* The fields an ancestor has, addressed as ancestor.<name>. */
enum anc_field { ANC_EXE = 1, ANC_CMDLINE, ANC_COMM, ANC_USER, ANC_UID, ANC_EUID, ANC_ENTITY_ID };

struct pred {
    uint16_t field;       /* enum field_id (SCOPE_EVENT), enum anc_field (SCOPE_ANCESTOR) */
    uint16_t ref_field;   /* OP_FIELDREF: the other field */
    uint8_t op, cmp_op;   /* cmp_op: for OP_FIELDREF */
    uint8_t scope;
    bool cased;           /* case-sensitive (Sigma |cased, and |re without (?i)) */
    bool fast;            /* in a vectorscan database */
    uint16_t table;
    char *value;          /* the literal or regex (OP_GLOB/OP_RE) */
    size_t len;
    int64_t num;          /* numeric ops, OP_EXISTS */
    uint8_t net[16], mask_bits, family; /* OP_CIDR: family 4 or 6 */
    pcre2_code *re;       /* lazy OP_GLOB/OP_RE */
    uint32_t re_flags;    /* vectorscan flags for OP_RE (HS_FLAG_*) */
    uint32_t step;        /* the step whose condition uses it */
};

enum node_kind { N_PRED = 1, N_AND, N_OR, N_NOT, N_TRUE, N_FALSE };
struct cnode {
    uint8_t kind;
    uint32_t pred;        /* N_PRED */
    uint32_t first, n;    /* N_AND/N_OR/N_NOT: children are kids[first .. first+n) */
};

#define STEP_ACTIONS_MAX 8
struct step {
    uint32_t rule;
    uint16_t table;
    uint8_t nactions;
    char actions[STEP_ACTIONS_MAX][32]; /* none: every action */
    uint32_t root;        /* condition node */
    bool always;          /* may be true with no fast predicate true */
};

enum severity { SEV_INFO = 0, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };

#define RULE_BY_MAX 4
struct rule {
    char *id, *title, *file, *description;
    char *tactic, *technique; /* comma separated */
    const char *source;       /* "sigma" or "native" */
    enum severity severity;
    uint32_t first_step, nsteps;
    /* threshold: count events (or distinct values) within window, grouped by fields */
    uint32_t threshold;
    uint16_t threshold_distinct;
    /* sequence (nsteps > 1) and threshold: window and grouping */
    uint64_t window_ns;
    uint16_t by[RULE_BY_MAX];
    uint8_t nby;
    /* first seen: alert only the first time these fields' values are seen on this host */
    uint16_t first_seen[RULE_BY_MAX];
    uint8_t nfirst_seen;
    /* dedup: repeats with the same values of these fields within the window are counted */
    uint16_t dedup_by[RULE_BY_MAX];
    uint8_t ndedup_by;
    uint64_t dedup_window_ns;
    struct rule_state *state; /* threshold / sequence / first-seen state (state.c) */
};

/* One vectorscan database: the fast predicates on one field of events of one table whose action
 * falls in one bucket. */
struct field_db {
    uint16_t field;
    hs_database_t *db;
    uint32_t *preds;      /* pattern id -> predicate */
    size_t npreds;
};
struct action_bucket {
    char action[32];      /* "" = the bucket for events whose action no step names */
    struct field_db *dbs;
    size_t ndbs;
    uint32_t *always;     /* steps to evaluate for every such event */
    size_t nalways;
};
struct table_plan {
    struct action_bucket *buckets;
    size_t nbuckets;
};

struct engine {
    struct engine_options opt;
    char host[256];
    bool compiled;

    struct pred *preds;   size_t npreds, cappreds;
    struct cnode *nodes;  size_t nnodes, capnodes;
    uint32_t *kids;       size_t nkids, capkids;
    struct step *steps;   size_t nsteps, capsteps;
    struct rule *rules;   size_t nrules, caprules;
    size_t rules_skipped;

    struct table_plan plans[TBL_MAX_ID];
    hs_scratch_t *scratch;
    struct buf scan_buf;  /* an int field rendered as text for scanning */

    /* per-event state */
    uint32_t gen;
    uint32_t *pred_gen;   /* fast predicate true when == gen */
    uint32_t *lazy_gen;   /* lazy predicate computed when == gen ... */
    uint8_t *lazy_val;    /* ... with this value */
    uint32_t *step_gen;   /* step already a candidate when == gen */
    uint32_t *cand;       size_t ncand;
    const struct event *ev;
    struct engine_ancestor anc[ENGINE_ANCESTRY_MAX];
    int nanc;             /* -1: not fetched for this event yet */
    engine_ancestry_fn ancestry;
    void *ancestry_ctx;
    void *anc_json;       /* the default provider's parsed JSON (json_t) */

    struct dedup *dedup;  /* alert.c */
    struct ioc *ioc;      /* ioc.c: indicator feeds, NULL when none */
    const char *indicator; /* the IOC value behind the alert being built */
    char unmapped[1024];
    uint64_t events, alerts, suppressed;
};

/* -- build (build.c): append objects; return the new index, or -ENOMEM -- */
int64_t engine_add_pred(struct engine *eng, const struct pred *p);
int64_t engine_add_node(struct engine *eng, uint8_t kind, uint32_t pred, const uint32_t *kids,
                        size_t n);
/* Report a problem with a rule through the options' callback. */
void engine_report(struct engine *eng, const char *file, const char *rule_id,
                   const char *construct, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Remember a field name the rules use that no table has. */
void engine_note_unmapped(struct engine *eng, const char *name);
/* Drop objects added after the given counts (a rule that failed half-way). */
void engine_truncate(struct engine *eng, size_t npreds, size_t nnodes, size_t nkids,
                     size_t nsteps);

/* -- values (value.c) -- */
/* Sigma wildcards (*, ?, backslash escapes) in s[0..len): true when there is an unescaped one. */
bool value_has_wildcards(const char *s, size_t len);
/* Unescape Sigma's \* \? \\ into out. */
int value_unescape(const char *s, size_t len, struct buf *out);
/* Regex for a Sigma value with wildcards, anchored for op (OP_EQ/CONTAINS/STARTSWITH/
 * ENDSWITH), appended to out. */
int value_glob_regex(const char *s, size_t len, enum pred_op op, struct buf *out);
/* Append a literal escaped for a regex. */
int value_regex_literal(const char *s, size_t len, struct buf *out);
/* Parse an address or network ("10.0.0.0/8", "::1", "1.2.3.4") into p's CIDR fields. */
int value_parse_cidr(const char *s, struct pred *p);
/* Does address text addr fall in p's network? */
bool value_in_cidr(const struct pred *p, const char *addr);

/* -- predicates (pred.c) -- */
/* Compile what a lazy predicate needs (PCRE2 for OP_GLOB/OP_RE). 0 or -EINVAL (err). */
int pred_prepare(struct pred *p, struct vg_error *err);
/* The slow path: does value v (len bytes; NULL when the field is absent) satisfy p? */
bool pred_test_value(const struct pred *p, const char *v, size_t len);
/* Evaluate predicate i for the current event (lazy ones, or any when no database). */
bool pred_eval(struct engine *eng, uint32_t i);
/* The value of field f of ev as text in out (ints rendered in decimal); NULL when absent. */
const char *engine_field_text(const struct event *ev, uint16_t f, char *tmp, size_t tmplen,
                              size_t *len);
void pred_free(struct pred *p);

/* -- conditions (cond.c) -- */
struct sel_table; /* the named selections of a rule, for the condition parser */
/* Parse a Sigma condition over named selections into a node. */
int64_t cond_parse(struct engine *eng, const char *cond, const char *const *names,
                   const uint32_t *roots, size_t n, struct vg_error *err);
bool cond_eval(struct engine *eng, uint32_t node);
/* Evaluate a node assuming every predicate false except lazy ones (used at compile time to
 * find steps that can be true with no fast match): true when it might be true. */
bool cond_may_be_true_without_fast(const struct engine *eng, uint32_t node);

/* -- loading (sigma.c, native.c, detection.c) -- */
struct yaml_document_s;
/* The detection section of a rule into a condition node. table: the step's table (decides the
 * field mapping); native: field names are schema names (Sigma names also accepted). */
int64_t detection_compile(struct engine *eng, struct yaml_document_s *doc, int detection_node,
                          const char *condition, int allow_node, uint16_t table, const char *file,
                          const char *rule_id, struct vg_error *err);
int sigma_load_doc(struct engine *eng, struct yaml_document_s *doc, const char *file);
int native_load_doc(struct engine *eng, struct yaml_document_s *doc, const char *file);
/* Common rule metadata (id, title, level/severity, tags/attack) into r. 0 or -EINVAL (err). */
int rule_meta(struct engine *eng, struct yaml_document_s *doc, int root, struct rule *r,
              struct vg_error *err);
int64_t engine_add_rule(struct engine *eng, const struct rule *r);
/* Free a rule's strings and state and zero it (a rule that was not added, or at the end). */
void rule_free_strings(struct rule *r);
/* Add a step (table, comma-separated actions or "", condition root) to the rule being built
 * (rule index ri). Returns its index or -ENOMEM / -E2BIG. */
int64_t engine_add_step(struct engine *eng, uint32_t ri, uint16_t table, const char *actions,
                        uint32_t root);
/* Report a rule that failed with err ("construct: reason") and roll back what it added. */
void engine_reject(struct engine *eng, const char *file, const char *rule_id,
                   const struct vg_error *err, size_t npreds, size_t nnodes, size_t nkids,
                   size_t nsteps);
/* Scalar under key in the map node root (0 when absent; node_out gets the value's node). */
const char *yaml_map_scalar(struct yaml_document_s *doc, int root, const char *key, int *node_out);
const char *severity_name(enum severity s);

/* -- field mapping (fieldmap.c) -- */
struct logsource_map {
    const char *category, *product, *service;
    const char *table;          /* table name in the schema */
    const char *actions;        /* comma separated, "" = every action */
    const char *needs;          /* who provides that table (for reports) */
};
/* The table and actions of a Sigma logsource; NULL when no mapping exists. */
const struct logsource_map *fieldmap_logsource(const char *category, const char *product,
                                               const char *service);
/* The schema field of a Sigma or schema field name for a table; 0 when unknown. */
uint16_t fieldmap_field(const char *name, uint16_t table);
/* The field keywords (values without a field name) are searched in for a table. */
uint16_t fieldmap_keyword_field(uint16_t table);

/* -- compile (compile.c), matching (match.c), state (state.c), alerts (alert.c) -- */
int compile_plans(struct engine *eng, struct vg_error *err);
void compile_free(struct engine *eng);
/* Apply threshold / sequence / first-seen logic for a step that matched; true when the rule
 * fires now. trig receives the JSON of the events behind it (caller frees). */
bool state_on_match(struct engine *eng, struct rule *r, uint32_t step_index, uint64_t seq,
                    char **trig);
void state_free(struct rule *r);
int alert_emit(struct engine *eng, struct rule *r, const char *trigger_json, uint64_t seq,
               engine_alert_fn fn, void *ctx);
int dedup_flush(struct engine *eng, uint64_t now_ns, engine_alert_fn fn, void *ctx);
void dedup_free(struct engine *eng);
/* Match the current event against the indicator feeds; returns alerts emitted. */
int ioc_match(struct engine *eng, uint64_t seq, engine_alert_fn fn, void *ctx);
void ioc_free(struct engine *eng);
/* The JSON {seq, table, action, time, entity_id} of the current event (caller frees). */
char *trigger_json_current(struct engine *eng, uint64_t seq);
/* The value of a field of the current event for keys ("" when absent). */
const char *engine_key_value(struct engine *eng, uint16_t f, char *tmp, size_t tmplen);
/* Ancestry of the current event (fetched once per event). */
int engine_ancestors(struct engine *eng);

#endif
