/* graph.h - the provenance graph of an event: nodes (processes by entity id, files, remote
 * addresses, users, hosts) and timed edges (spawned, executed, wrote, renamed, deleted, chmod,
 * connected, accepted, logged in, credential change, lateral movement), with the alerts that
 * fired on the way, and the renderings an analyst reads: JSON, Graphviz DOT and an ordered
 * storyline. Built by build.c from the store. */
#ifndef VIGIL_SERVER_PROV_GRAPH_H
#define VIGIL_SERVER_PROV_GRAPH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum prov_node_type { PROV_PROCESS, PROV_FILE, PROV_ADDRESS, PROV_USER, PROV_HOST, PROV_SUMMARY };

struct prov_node {
    char id[320];          /* "process:<entity>", "file:<agent>:<path>", "address:<ip>:<port>" */
    enum prov_node_type type;
    char label[320];       /* what a person reads: "sh -c ...", "/tmp/x", "10.0.0.5:4444" */
    json_t *attrs;         /* everything known about it (owned) */
    int64_t time;          /* first time it appears in the story (ns), 0 when unknown */
    bool entry;            /* where the attack came in */
    bool start;            /* the event the graph was asked for */
    int depth;             /* distance from the start (negative: ancestry) */
};

struct prov_edge {
    size_t from, to;       /* node indexes */
    char type[24];         /* spawned, executed, wrote, renamed, deleted, chmod, connected, ... */
    int64_t time;
    char detail[256];
    char technique[32];    /* ATT&CK technique of an alert on this step, if any */
    char alert_rule[128];  /* that alert: its rule id, */
    char alert_title[160]; /* title */
    char alert_severity[16]; /* and severity */
};

struct prov_graph {
    struct prov_node *nodes;
    size_t nnodes, cap_nodes;
    struct prov_edge *edges;
    size_t nedges, cap_edges;
    size_t max_nodes;
    bool truncated;        /* the graph hit max_nodes: more exists */
    size_t summarized;     /* nodes folded into summaries */
};

void prov_graph_init(struct prov_graph *g, size_t max_nodes);
void prov_graph_free(struct prov_graph *g);

/* The node with this id, created with type/label when missing (attrs then taken over; freed
 * otherwise). Returns its index, or -1 when the graph is full (truncated is set). */
long prov_node_get(struct prov_graph *g, const char *id, enum prov_node_type type,
                   const char *label, json_t *attrs);
/* Index of an existing node, or -1. */
long prov_node_find(const struct prov_graph *g, const char *id);
/* Add an edge unless the same (from, to, type, time) exists. */
void prov_edge_add(struct prov_graph *g, size_t from, size_t to, const char *type, int64_t time,
                   const char *detail);

/* Fold the children of a node that spawned more than limit processes with the same executable
 * and nothing else of interest into one summary node "N x exe". */
void prov_graph_prune(struct prov_graph *g, size_t limit);

/* {"nodes": [...], "edges": [...], "storyline": [...], "truncated": bool} */
json_t *prov_graph_json(const struct prov_graph *g);
/* Graphviz DOT text (heap, caller frees). */
char *prov_graph_dot(const struct prov_graph *g);
/* The storyline: one step per edge, in time order:
 * [{"time", "when", "step", "type", "from", "to", "technique", "alert": {rule_id, title,
 * severity}}] (technique and alert when an alert fired on that step). */
json_t *prov_storyline(const struct prov_graph *g);

#endif
