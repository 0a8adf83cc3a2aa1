/* graph.c - the provenance graph's container, pruning and renderings (graph.h). Graphs are
 * small (hundreds of nodes at most, max_nodes bounds them), so nodes are found by a linear
 * scan of an array: simpler and, at this size, as fast as a hash. */
#include "server/provenance/graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/util.h"

void prov_graph_init(struct prov_graph *g, size_t max_nodes)
{
    memset(g, 0, sizeof(*g));
    g->max_nodes = max_nodes ? max_nodes : 500;
}

void prov_graph_free(struct prov_graph *g)
{
    for (size_t i = 0; i < g->nnodes; i++)
        json_decref(g->nodes[i].attrs);
    free(g->nodes);
    free(g->edges);
    memset(g, 0, sizeof(*g));
}

long prov_node_find(const struct prov_graph *g, const char *id)
{
    for (size_t i = 0; i < g->nnodes; i++)
        if (strcmp(g->nodes[i].id, id) == 0)
            return (long)i;
    return -1;
}

long prov_node_get(struct prov_graph *g, const char *id, enum prov_node_type type,
                   const char *label, json_t *attrs)
{
    long i = prov_node_find(g, id);
    if (i >= 0) {
        json_decref(attrs);
        return i;
    }
    if (g->nnodes >= g->max_nodes) {
        g->truncated = true;
        json_decref(attrs);
        return -1;
    }
    if (g->nnodes == g->cap_nodes) {
        size_t cap = g->cap_nodes ? g->cap_nodes * 2 : 64;
        struct prov_node *n = realloc(g->nodes, cap * sizeof(*n));
        if (!n) {
            json_decref(attrs);
            return -1;
        }
        g->nodes = n;
        g->cap_nodes = cap;
    }
    struct prov_node *n = &g->nodes[g->nnodes];
    memset(n, 0, sizeof(*n));
    str_copy(n->id, id, sizeof(n->id));
    n->type = type;
    str_copy(n->label, label ? label : id, sizeof(n->label));
    n->attrs = attrs ? attrs : json_object();
    return (long)g->nnodes++;
}

void prov_edge_add(struct prov_graph *g, size_t from, size_t to, const char *type, int64_t time,
                   const char *detail)
{
    for (size_t i = 0; i < g->nedges; i++) {
        struct prov_edge *e = &g->edges[i];
        if (e->from == from && e->to == to && !strcmp(e->type, type) && e->time == time)
            return;
    }
    if (g->nedges == g->cap_edges) {
        size_t cap = g->cap_edges ? g->cap_edges * 2 : 64;
        struct prov_edge *e = realloc(g->edges, cap * sizeof(*e));
        if (!e)
            return;
        g->edges = e;
        g->cap_edges = cap;
    }
    struct prov_edge *e = &g->edges[g->nedges++];
    memset(e, 0, sizeof(*e));
    e->from = from;
    e->to = to;
    str_copy(e->type, type, sizeof(e->type));
    e->time = time;
    str_copy(e->detail, detail ? detail : "", sizeof(e->detail));
}

/* ---------------------------------------------------------------- pruning */

static size_t out_degree(const struct prov_graph *g, size_t n)
{
    size_t d = 0;
    for (size_t i = 0; i < g->nedges; i++)
        d += g->edges[i].from == n;
    return d;
}

static bool has_alert(const struct prov_node *n)
{
    return json_array_size(json_object_get(n->attrs, "alerts")) > 0;
}

void prov_graph_prune(struct prov_graph *g, size_t limit)
{
    bool *gone = calloc(g->nnodes ? g->nnodes : 1, sizeof(*gone));
    if (!gone)
        return;
    for (size_t p = 0; p < g->nnodes; p++) {
        if (g->nodes[p].type != PROV_PROCESS)
            continue;
        /* group p's leaf children (no edges of their own, no alert, not start/entry) by exe */
        for (size_t i = 0; i < g->nedges; i++) {
            struct prov_edge *e = &g->edges[i];
            if (e->from != p || strcmp(e->type, "spawned") != 0 || gone[e->to])
                continue;
            const struct prov_node *c = &g->nodes[e->to];
            const char *exe = json_string_value(json_object_get(c->attrs, "exe"));
            if (!exe || c->start || c->entry || has_alert(c) || out_degree(g, e->to))
                continue;
            size_t same = 0;
            for (size_t k = 0; k < g->nedges; k++) {
                const struct prov_edge *f = &g->edges[k];
                const struct prov_node *d = &g->nodes[f->to];
                const char *dexe = json_string_value(json_object_get(d->attrs, "exe"));
                if (f->from == p && !strcmp(f->type, "spawned") && !gone[f->to] && dexe &&
                    !strcmp(dexe, exe) && !d->start && !d->entry && !has_alert(d) &&
                    !out_degree(g, f->to))
                    same++;
            }
            if (same <= limit)
                continue;
            char id[320], label[320];
            snprintf(id, sizeof(id), "summary:%zu:%.200s", p, exe);
            snprintf(label, sizeof(label), "%zu x %s", same, exe);
            json_t *attrs = json_pack("{s:s,s:I}", "exe", exe, "count", (json_int_t)same);
            long s = prov_node_get(g, id, PROV_SUMMARY, label, attrs);
            if (s < 0)
                continue;
            int64_t first = 0;
            for (size_t k = 0; k < g->nedges; k++) {
                struct prov_edge *f = &g->edges[k];
                const struct prov_node *d = &g->nodes[f->to];
                const char *dexe = json_string_value(json_object_get(d->attrs, "exe"));
                if (f->from == p && !strcmp(f->type, "spawned") && (long)f->to != s &&
                    !gone[f->to] && dexe && !strcmp(dexe, exe) && !d->start && !d->entry &&
                    !has_alert(d) && !out_degree(g, f->to)) {
                    gone[f->to] = true;
                    g->summarized++;
                    if (!first || f->time < first)
                        first = f->time;
                }
            }
            prov_edge_add(g, p, (size_t)s, "spawned", first, label);
        }
    }
    /* drop folded nodes and their edges, renumbering the rest */
    size_t *map = malloc((g->nnodes ? g->nnodes : 1) * sizeof(*map));
    if (!map) {
        free(gone);
        return;
    }
    size_t w = 0;
    for (size_t i = 0; i < g->nnodes; i++) {
        if (gone[i]) {
            json_decref(g->nodes[i].attrs);
            map[i] = (size_t)-1;
            continue;
        }
        map[i] = w;
        g->nodes[w++] = g->nodes[i];
    }
    g->nnodes = w;
    size_t we = 0;
    for (size_t i = 0; i < g->nedges; i++) {
        struct prov_edge e = g->edges[i];
        if (map[e.from] == (size_t)-1 || map[e.to] == (size_t)-1)
            continue;
        e.from = map[e.from];
        e.to = map[e.to];
        g->edges[we++] = e;
    }
    g->nedges = we;
    free(map);
    free(gone);
}

/* ---------------------------------------------------------------- renderings */

static const char *type_name(enum prov_node_type t)
{
    static const char *names[] = {"process", "file", "address", "user", "host", "summary"};
    return names[t];
}

/* The sentence of one edge: "<from> spawned <to>", with the edge's detail. */
static void edge_sentence(const struct prov_graph *g, const struct prov_edge *e, char *out,
                          size_t len)
{
    const struct prov_node *a = &g->nodes[e->from], *b = &g->nodes[e->to];
    snprintf(out, len, "%s %s %s%s%s", a->label, e->type, b->label, e->detail[0] ? " (" : "",
             e->detail[0] ? e->detail : "");
    if (e->detail[0])
        strncat(out, ")", len - strlen(out) - 1);
}

static int cmp_edge_time(const void *x, const void *y)
{
    const struct prov_edge *const *a = x, *const *b = y;
    return (*a)->time < (*b)->time ? -1 : (*a)->time > (*b)->time;
}

json_t *prov_storyline(const struct prov_graph *g)
{
    json_t *steps = json_array();
    const struct prov_edge **order = malloc((g->nedges ? g->nedges : 1) * sizeof(*order));
    if (!order)
        return steps;
    for (size_t i = 0; i < g->nedges; i++)
        order[i] = &g->edges[i];
    qsort(order, g->nedges, sizeof(*order), cmp_edge_time);
    for (size_t i = 0; i < g->nedges; i++) {
        const struct prov_edge *e = order[i];
        char sentence[1024], when[48];
        edge_sentence(g, e, sentence, sizeof(sentence));
        time_format_ns(e->time > 0 ? (uint64_t)e->time : 0, when, sizeof(when));
        json_t *step = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "time", (json_int_t)e->time,
                                 "when", when, "step", sentence, "type", e->type, "from",
                                 g->nodes[e->from].id, "to", g->nodes[e->to].id);
        if (e->technique[0])
            json_object_set_new(step, "technique", json_string(e->technique));
        if (e->alert_rule[0])
            json_object_set_new(step, "alert", json_pack("{s:s,s:s,s:s}", "rule_id", e->alert_rule,
                                                         "title", e->alert_title, "severity",
                                                         e->alert_severity));
        json_array_append_new(steps, step);
    }
    free(order);
    return steps;
}

json_t *prov_graph_json(const struct prov_graph *g)
{
    json_t *nodes = json_array(), *edges = json_array();
    for (size_t i = 0; i < g->nnodes; i++) {
        const struct prov_node *n = &g->nodes[i];
        json_t *o = json_pack("{s:s,s:s,s:s,s:O,s:b,s:b}", "id", n->id, "type",
                              type_name(n->type), "label", n->label, "attrs", n->attrs, "entry",
                              n->entry, "start", n->start);
        if (n->time)
            json_object_set_new(o, "time", json_integer(n->time));
        json_array_append_new(nodes, o);
    }
    for (size_t i = 0; i < g->nedges; i++) {
        const struct prov_edge *e = &g->edges[i];
        json_t *o = json_pack("{s:s,s:s,s:s,s:I}", "from", g->nodes[e->from].id, "to",
                              g->nodes[e->to].id, "type", e->type, "time", (json_int_t)e->time);
        if (e->detail[0])
            json_object_set_new(o, "detail", json_string(e->detail));
        if (e->technique[0])
            json_object_set_new(o, "technique", json_string(e->technique));
        if (e->alert_rule[0])
            json_object_set_new(o, "alert", json_string(e->alert_rule));
        json_array_append_new(edges, o);
    }
    return json_pack("{s:o,s:o,s:o,s:b,s:I}", "nodes", nodes, "edges", edges, "storyline",
                     prov_storyline(g), "truncated", g->truncated, "summarized",
                     (json_int_t)g->summarized);
}

/* A DOT string literal: quotes and backslashes escaped, control characters dropped. */
static void dot_quote(struct buf *b, const char *s)
{
    buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            buf_putc(b, '\\');
        if ((unsigned char)*s >= 0x20)
            buf_putc(b, (uint8_t)*s);
    }
    buf_putc(b, '"');
}

char *prov_graph_dot(const struct prov_graph *g)
{
    static const char *shapes[] = {"box", "note", "ellipse", "house", "box3d", "folder"};
    struct buf b = {0};
    buf_append_str(&b, "digraph provenance {\n  rankdir=LR;\n  node [fontsize=10];\n");
    for (size_t i = 0; i < g->nnodes; i++) {
        const struct prov_node *n = &g->nodes[i];
        buf_printf(&b, "  n%zu [shape=%s, label=", i, shapes[n->type]);
        dot_quote(&b, n->label);
        if (n->start)
            buf_append_str(&b, ", color=red, penwidth=2");
        else if (n->entry)
            buf_append_str(&b, ", color=orange, penwidth=2");
        if (has_alert(n))
            buf_append_str(&b, ", style=filled, fillcolor=mistyrose");
        buf_append_str(&b, "];\n");
    }
    for (size_t i = 0; i < g->nedges; i++) {
        const struct prov_edge *e = &g->edges[i];
        char when[48];
        time_format_ns(e->time > 0 ? (uint64_t)e->time : 0, when, sizeof(when));
        char label[320];
        snprintf(label, sizeof(label), "%s %.12s%s%s", e->type, when + 11,
                 e->technique[0] ? " " : "", e->technique);
        buf_printf(&b, "  n%zu -> n%zu [label=", e->from, e->to);
        dot_quote(&b, label);
        if (e->alert_rule[0])
            buf_append_str(&b, ", color=red, fontcolor=red");
        buf_append_str(&b, "];\n");
    }
    buf_append_str(&b, "}\n");
    buf_terminate(&b);
    return (char *)buf_steal(&b, NULL);
}
