/* build.c - the engine's life and its rule store: creating and freeing, the arrays rules are
 * built into, reading rule files and folders (libyaml), telling Sigma from native rules, and the
 * metadata every rule has (id, title, severity, ATT&CK tactic and technique). */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "common/util.h"
#include "engine/engine_internal.h"

#define RULE_FILE_MAX (1u << 20)
#define LOAD_DEPTH_MAX 16

int engine_new(const struct engine_options *opt, struct engine **out, struct vg_error *err)
{
    struct engine *eng = calloc(1, sizeof(*eng));
    if (!eng)
        return vg_error_set(err, -ENOMEM, "engine: out of memory");
    if (opt)
        eng->opt = *opt;
    if (!eng->opt.dedup_window_ns)
        eng->opt.dedup_window_ns = 300ull * 1000000000ull;
    eng->nanc = -1;
    *out = eng;
    return 0;
}

void engine_free(struct engine *eng)
{
    if (!eng)
        return;
    compile_free(eng);
    dedup_free(eng);
    ioc_free(eng);
    for (size_t i = 0; i < eng->npreds; i++)
        pred_free(&eng->preds[i]);
    for (size_t i = 0; i < eng->nrules; i++)
        rule_free_strings(&eng->rules[i]);
    free(eng->preds);
    free(eng->nodes);
    free(eng->kids);
    free(eng->steps);
    free(eng->rules);
    free(eng);
}

/* Grow an array to hold one more (or extra more) element. */
static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 64;
    while (nc < need)
        nc *= 2;
    void *p = realloc(*arr, nc * size);
    if (!p)
        return -ENOMEM;
    *arr = p;
    *cap = nc;
    return 0;
}

int64_t engine_add_pred(struct engine *eng, const struct pred *p)
{
    if (grow((void **)&eng->preds, &eng->cappreds, eng->npreds + 1, sizeof(*p)))
        return -ENOMEM;
    eng->preds[eng->npreds] = *p;
    return (int64_t)eng->npreds++;
}

int64_t engine_add_node(struct engine *eng, uint8_t kind, uint32_t pred, const uint32_t *kids,
                        size_t n)
{
    if (grow((void **)&eng->nodes, &eng->capnodes, eng->nnodes + 1, sizeof(struct cnode)) ||
        grow((void **)&eng->kids, &eng->capkids, eng->nkids + n, sizeof(uint32_t)))
        return -ENOMEM;
    struct cnode *c = &eng->nodes[eng->nnodes];
    c->kind = kind;
    c->pred = pred;
    c->first = (uint32_t)eng->nkids;
    c->n = (uint32_t)n;
    if (n)
        memcpy(eng->kids + eng->nkids, kids, n * sizeof(uint32_t));
    eng->nkids += n;
    return (int64_t)eng->nnodes++;
}

int64_t engine_add_rule(struct engine *eng, const struct rule *r)
{
    if (grow((void **)&eng->rules, &eng->caprules, eng->nrules + 1, sizeof(*r)))
        return -ENOMEM;
    eng->rules[eng->nrules] = *r;
    return (int64_t)eng->nrules++;
}

void rule_free_strings(struct rule *r)
{
    free(r->id);
    free(r->title);
    free(r->file);
    free(r->description);
    free(r->tactic);
    free(r->technique);
    state_free(r);
    memset(r, 0, sizeof(*r));
}

int64_t engine_add_step(struct engine *eng, uint32_t ri, uint16_t table, const char *actions,
                        uint32_t root)
{
    if (grow((void **)&eng->steps, &eng->capsteps, eng->nsteps + 1, sizeof(struct step)))
        return -ENOMEM;
    struct step *s = &eng->steps[eng->nsteps];
    memset(s, 0, sizeof(*s));
    s->rule = ri;
    s->table = table;
    s->root = root;
    for (const char *p = actions; p && *p;) {
        const char *c = strchr(p, ',');
        size_t l = c ? (size_t)(c - p) : strlen(p);
        if (s->nactions == STEP_ACTIONS_MAX || l >= sizeof(s->actions[0]))
            return -E2BIG;
        memcpy(s->actions[s->nactions], p, l);
        s->actions[s->nactions++][l] = '\0';
        p = c ? c + 1 : NULL;
    }
    return (int64_t)eng->nsteps++;
}

void engine_reject(struct engine *eng, const char *file, const char *rule_id,
                   const struct vg_error *err, size_t npreds, size_t nnodes, size_t nkids,
                   size_t nsteps)
{
    char construct[128] = "rule";
    const char *reason = err->msg[0] ? err->msg : "invalid";
    const char *sep = strstr(reason, ": ");
    if (sep && (size_t)(sep - reason) < sizeof(construct)) {
        memcpy(construct, reason, (size_t)(sep - reason));
        construct[sep - reason] = '\0';
        reason = sep + 2;
    }
    engine_report(eng, file, rule_id, construct, "%s", reason);
    eng->rules_skipped++;
    engine_truncate(eng, npreds, nnodes, nkids, nsteps);
}

void engine_truncate(struct engine *eng, size_t npreds, size_t nnodes, size_t nkids, size_t nsteps)
{
    for (size_t i = npreds; i < eng->npreds; i++)
        pred_free(&eng->preds[i]);
    eng->npreds = npreds;
    eng->nnodes = nnodes;
    eng->nkids = nkids;
    eng->nsteps = nsteps;
}

void engine_report(struct engine *eng, const char *file, const char *rule_id,
                   const char *construct, const char *fmt, ...)
{
    if (!eng->opt.report)
        return;
    char reason[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    struct engine_report r = {file ? file : "", rule_id ? rule_id : "", construct ? construct : "",
                              reason};
    eng->opt.report(eng->opt.report_ctx, &r);
}

void engine_note_unmapped(struct engine *eng, const char *name)
{
    size_t nl = strlen(name), have = strlen(eng->unmapped);
    /* already listed? */
    for (const char *p = eng->unmapped; (p = strstr(p, name)); p += nl)
        if ((p == eng->unmapped || p[-1] == ',') && (p[nl] == ',' || p[nl] == '\0'))
            return;
    if (have + nl + 2 >= sizeof(eng->unmapped))
        return;
    if (have)
        eng->unmapped[have++] = ',';
    memcpy(eng->unmapped + have, name, nl + 1);
}

const char *engine_unmapped_fields(const struct engine *eng) { return eng->unmapped; }

const char *severity_name(enum severity s)
{
    static const char *const names[] = {"informational", "low", "medium", "high", "critical"};
    return s <= SEV_CRITICAL ? names[s] : "unknown";
}

static const struct {
    const char *name, *id;
} tactics[] = {
    {"reconnaissance", "TA0043"}, {"resource_development", "TA0042"},
    {"initial_access", "TA0001"}, {"execution", "TA0002"}, {"persistence", "TA0003"},
    {"privilege_escalation", "TA0004"}, {"defense_evasion", "TA0005"},
    {"credential_access", "TA0006"}, {"discovery", "TA0007"}, {"lateral_movement", "TA0008"},
    {"collection", "TA0009"}, {"exfiltration", "TA0010"}, {"command_and_control", "TA0011"},
    {"impact", "TA0040"},
};

/* Append item to a comma-separated list (heap), skipping duplicates. */
static int list_add(char **list, const char *item)
{
    size_t il = strlen(item);
    if (*list) {
        for (const char *p = *list; (p = strstr(p, item)); p += il)
            if ((p == *list || p[-1] == ',') && (p[il] == ',' || !p[il]))
                return 0;
    }
    size_t have = *list ? strlen(*list) : 0;
    char *n = realloc(*list, have + il + 2);
    if (!n)
        return -ENOMEM;
    if (have)
        n[have++] = ',';
    memcpy(n + have, item, il + 1);
    *list = n;
    return 0;
}

/* An ATT&CK tag or value: tactic name/id or technique id, added to the rule. */
static int add_attack(struct rule *r, const char *v)
{
    char t[64];
    if (!strncasecmp(v, "attack.", 7))
        v += 7;
    if ((v[0] == 't' || v[0] == 'T') && v[1] >= '0' && v[1] <= '9') {
        snprintf(t, sizeof(t), "%s", v);
        for (char *p = t; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 'a' + 'A');
        if (!strncmp(t, "TA", 2))
            return list_add(&r->tactic, t);
        return list_add(&r->technique, t);
    }
    snprintf(t, sizeof(t), "%s", v);
    for (char *p = t; *p; p++)
        if (*p == '-')
            *p = '_';
    for (size_t i = 0; i < sizeof(tactics) / sizeof(tactics[0]); i++)
        if (!strcasecmp(tactics[i].name, t))
            return list_add(&r->tactic, tactics[i].id);
    return 0; /* other tags (car., cve., detection.) are not ATT&CK */
}

const char *yaml_map_scalar(yaml_document_t *doc, int root, const char *key, int *node_out)
{
    yaml_node_t *m = yaml_document_get_node(doc, root);
    if (node_out)
        *node_out = 0;
    if (!m || m->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        if (!k || k->type != YAML_SCALAR_NODE || strcmp((const char *)k->data.scalar.value, key))
            continue;
        if (node_out)
            *node_out = p->value;
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        return v && v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value : NULL;
    }
    return NULL;
}

/* Call fn for each scalar of node (a scalar or a list of scalars). */
static int each_scalar(yaml_document_t *doc, int node, struct rule *r,
                       int (*fn)(struct rule *, const char *))
{
    yaml_node_t *n = yaml_document_get_node(doc, node);
    if (!n)
        return 0;
    if (n->type == YAML_SCALAR_NODE)
        return fn(r, (const char *)n->data.scalar.value);
    if (n->type != YAML_SEQUENCE_NODE)
        return -EINVAL;
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
        yaml_node_t *s = yaml_document_get_node(doc, *i);
        if (!s || s->type != YAML_SCALAR_NODE)
            return -EINVAL;
        int rc = fn(r, (const char *)s->data.scalar.value);
        if (rc)
            return rc;
    }
    return 0;
}

int rule_meta(struct engine *eng, yaml_document_t *doc, int root, struct rule *r,
              struct vg_error *err)
{
    int node;
    const char *id = yaml_map_scalar(doc, root, "id", NULL);
    const char *title = yaml_map_scalar(doc, root, "title", NULL);
    const char *desc = yaml_map_scalar(doc, root, "description", NULL);
    const char *level = yaml_map_scalar(doc, root, "level", NULL);
    if (!level)
        level = yaml_map_scalar(doc, root, "severity", NULL);
    if (!id || !*id)
        return vg_error_set(err, -EINVAL, "id: missing");
    if (strlen(id) > 128)
        return vg_error_set(err, -EINVAL, "id: longer than 128 characters");
    if (!title || !*title)
        return vg_error_set(err, -EINVAL, "title: missing");
    r->severity = SEV_MEDIUM;
    if (level) {
        static const char *const lv[] = {"informational", "low", "medium", "high", "critical"};
        size_t i;
        for (i = 0; i < 5; i++)
            if (!strcasecmp(level, lv[i]))
                break;
        if (i == 5)
            return vg_error_set(err, -EINVAL, "level: \"%.40s\" is not informational, low, "
                                              "medium, high or critical", level);
        r->severity = (enum severity)i;
    }
    r->id = strdup(id);
    r->title = strndup(title, 256);
    r->description = desc ? strndup(desc, 1024) : NULL;
    if (!r->id || !r->title)
        return -ENOMEM;
    yaml_map_scalar(doc, root, "tags", &node);
    if (node && each_scalar(doc, node, r, add_attack))
        return vg_error_set(err, -EINVAL, "tags: a list of text expected");
    yaml_map_scalar(doc, root, "attack", &node);
    if (node) {
        int t;
        yaml_map_scalar(doc, node, "tactic", &t);
        if (t && each_scalar(doc, t, r, add_attack))
            return vg_error_set(err, -EINVAL, "attack.tactic: a list of text expected");
        yaml_map_scalar(doc, node, "technique", &t);
        if (t && each_scalar(doc, t, r, add_attack))
            return vg_error_set(err, -EINVAL, "attack.technique: a list of text expected");
    }
    (void)eng;
    return 0;
}

/* Load every document of one YAML text. Returns rules loaded, or -errno for unreadable YAML. */
static int load_yaml(struct engine *eng, const char *text, size_t len, const char *name,
                     struct vg_error *err)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return vg_error_set(err, -ENOMEM, "%s: out of memory", name);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int loaded = 0;
    for (int docno = 1;; docno++) {
        yaml_document_t doc;
        if (!yaml_parser_load(&parser, &doc)) {
            engine_report(eng, name, "", "YAML", "line %zu column %zu: %s",
                          parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                          parser.problem ? parser.problem : "invalid YAML");
            eng->rules_skipped++;
            break;
        }
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (!root) {
            yaml_document_delete(&doc);
            break;
        }
        int rc;
        if (root->type != YAML_MAPPING_NODE) {
            engine_report(eng, name, "", "document", "document %d is not a map", docno);
            eng->rules_skipped++;
            rc = 0;
        } else if (yaml_map_scalar(&doc, 1, "action", NULL) &&
                   (!strcmp(yaml_map_scalar(&doc, 1, "action", NULL), "global") ||
                    !strcmp(yaml_map_scalar(&doc, 1, "action", NULL), "reset") ||
                    !strcmp(yaml_map_scalar(&doc, 1, "action", NULL), "repeat"))) {
            engine_report(eng, name, yaml_map_scalar(&doc, 1, "id", NULL), "action",
                          "Sigma rule collections (action: global/reset/repeat) are not "
                          "supported: write each rule as its own document");
            eng->rules_skipped++;
            rc = 0;
        } else {
            int ls, tb, sq;
            yaml_map_scalar(&doc, 1, "logsource", &ls);
            yaml_map_scalar(&doc, 1, "table", &tb);
            yaml_map_scalar(&doc, 1, "sequence", &sq);
            if (ls)
                rc = sigma_load_doc(eng, &doc, name);
            else if (tb || sq)
                rc = native_load_doc(eng, &doc, name);
            else {
                engine_report(eng, name, yaml_map_scalar(&doc, 1, "id", NULL), "document",
                              "neither a Sigma rule (no logsource) nor a native rule (no table)");
                eng->rules_skipped++;
                rc = 0;
            }
        }
        yaml_document_delete(&doc);
        if (rc < 0) {
            yaml_parser_delete(&parser);
            return vg_error_set(err, rc, "%s: %s", name, strerror(-rc));
        }
        loaded += rc;
    }
    yaml_parser_delete(&parser);
    return loaded;
}

int engine_load_text(struct engine *eng, const char *text, size_t len, const char *name,
                     struct vg_error *err)
{
    if (eng->compiled)
        return vg_error_set(err, -EBUSY, "%s: rules cannot be added after compiling", name);
    return load_yaml(eng, text, len, name, err);
}

static bool yaml_name(const char *n)
{
    size_t l = strlen(n);
    return (l > 4 && !strcmp(n + l - 4, ".yml")) || (l > 5 && !strcmp(n + l - 5, ".yaml"));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_path(struct engine *eng, const char *path, int depth, struct vg_error *err)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return vg_error_set(err, -errno, "%s: %s", path, strerror(errno));
    if (S_ISREG(st.st_mode)) {
        struct buf b = {0};
        int rc = file_read_all(path, &b, RULE_FILE_MAX);
        if (rc) {
            buf_free(&b);
            engine_report(eng, path, "", "file", "cannot read: %s", rc == -EFBIG ?
                          "larger than 1 MiB" : strerror(-rc));
            eng->rules_skipped++;
            return 0;
        }
        rc = load_yaml(eng, b.data ? (const char *)b.data : "", b.len, path, err);
        buf_free(&b);
        return rc;
    }
    if (!S_ISDIR(st.st_mode))
        return 0;
    if (depth > LOAD_DEPTH_MAX)
        return vg_error_set(err, -ELOOP, "%s: folders nested too deep", path);
    DIR *d = opendir(path);
    if (!d)
        return vg_error_set(err, -errno, "%s: %s", path, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        if (grow((void **)&names, &cap, n + 1, sizeof(char *)) || !(names[n] = strdup(de->d_name))) {
            rc = -ENOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (!rc && n > 1)
        qsort(names, n, sizeof(char *), cmp_str); /* the same order on every host */
    int loaded = 0;
    for (size_t i = 0; i < n && rc >= 0; i++) {
        char child[4096];
        if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, names[i]) >= sizeof(child))
            continue;
        struct stat cs;
        if (stat(child, &cs) < 0 || (S_ISREG(cs.st_mode) && !yaml_name(names[i])))
            continue;
        rc = load_path(eng, child, depth + 1, err);
        if (rc > 0)
            loaded += rc;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc < 0 ? rc : loaded;
}

int engine_load_path(struct engine *eng, const char *path, struct vg_error *err)
{
    if (eng->compiled)
        return vg_error_set(err, -EBUSY, "%s: rules cannot be added after compiling", path);
    return load_path(eng, path, 0, err);
}

void engine_set_ancestry(struct engine *eng, engine_ancestry_fn fn, void *ctx)
{
    eng->ancestry = fn;
    eng->ancestry_ctx = ctx;
}

bool engine_uses_table(const struct engine *eng, uint16_t table)
{
    return table < TBL_MAX_ID && eng->plans[table].nbuckets > 0;
}

void engine_set_host(struct engine *eng, const char *host)
{
    str_copy(eng->host, host ? host : "", sizeof(eng->host));
}

void engine_get_stats(const struct engine *eng, struct engine_stats *st)
{
    memset(st, 0, sizeof(*st));
    st->rules = eng->nrules;
    for (size_t i = 0; i < eng->nrules; i++)
        st->rules -= !strcmp(eng->rules[i].source, "ioc"); /* the feeds' pseudo-rules */
    st->rules_skipped = eng->rules_skipped;
    st->predicates = eng->npreds;
    for (size_t i = 0; i < eng->npreds; i++)
        st->fast_predicates += eng->preds[i].fast;
    for (size_t t = 0; t < TBL_MAX_ID; t++)
        for (size_t b = 0; b < eng->plans[t].nbuckets; b++)
            st->databases += eng->plans[t].buckets[b].ndbs;
    st->events = eng->events;
    st->alerts = eng->alerts;
    st->suppressed = eng->suppressed;
}
