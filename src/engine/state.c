/* state.c - what rules remember between events: thresholds (the recent matches per group),
 * sequences (how far each group got and when it started) and first-seen values (persisted under
 * the state directory, one file per rule, so a restart does not alert again). Every table is
 * bounded: a group that has not been seen for its window is evicted first, then the oldest. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "engine/engine_internal.h"

#define GROUPS_MAX 4096
#define RING 64
#define FIRST_SEEN_MAX 65536

struct hit {
    uint64_t time, seq, distinct;
    char table[24], action[24];
    char entity_id[24];
};

struct group {
    uint64_t key;
    uint64_t last;        /* time of the latest match */
    uint32_t progress;    /* sequences: steps done */
    uint32_t n;           /* hits in ring (thresholds: count in a fixed window past RING) */
    uint64_t window_start;
    struct hit ring[RING];
};

struct rule_state {
    struct group *groups;
    size_t ngroups;
    uint64_t *seen;       /* first-seen value hashes (open addressing, 0 = empty) */
    size_t nseen, capseen;
    bool seen_loaded;
};

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* Hash of the values of fields of the current event. */
static uint64_t key_of(struct engine *eng, const uint16_t *fields, size_t n)
{
    /* the host first: one engine serving several hosts (a retro-hunt) keeps them apart */
    uint64_t h = fnv(1469598103934665603ull, eng->host, strlen(eng->host) + 1);
    char tmp[32];
    for (size_t i = 0; i < n; i++) {
        const char *v = engine_key_value(eng, fields[i], tmp, sizeof(tmp));
        h = fnv(h, v, strlen(v) + 1);
    }
    return h ? h : 1;
}

static struct group *group_get(struct rule *r, uint64_t key, uint64_t now)
{
    struct rule_state *s = r->state;
    struct group *oldest = NULL;
    for (size_t i = 0; i < s->ngroups; i++) {
        if (s->groups[i].key == key)
            return &s->groups[i];
        if (!oldest || s->groups[i].last < oldest->last)
            oldest = &s->groups[i];
    }
    struct group *g;
    if (s->ngroups < GROUPS_MAX) {
        g = &s->groups[s->ngroups++];
    } else {
        /* an expired group, else the oldest */
        g = oldest;
        for (size_t i = 0; i < s->ngroups; i++)
            if (now - s->groups[i].last > r->window_ns) {
                g = &s->groups[i];
                break;
            }
    }
    memset(g, 0, sizeof(*g));
    g->key = key;
    g->last = now;
    return g;
}

static void hit_of(struct engine *eng, uint64_t seq, uint64_t distinct, struct hit *h)
{
    const struct event *ev = eng->ev;
    const struct table_def *t = schema_table(ev->table);
    const char *eid = event_get_str(ev, FLD_ENTITY_ID);
    h->time = ev->time_ns;
    h->seq = seq;
    h->distinct = distinct;
    str_copy(h->table, t ? t->name : "", sizeof(h->table));
    str_copy(h->action, ev->action, sizeof(h->action));
    str_copy(h->entity_id, eid ? eid : "", sizeof(h->entity_id));
}

/* JSON array of hits (caller frees). */
static char *hits_json(const struct hit *hits, size_t n)
{
    struct buf b = {0};
    int rc = buf_putc(&b, '[');
    for (size_t i = 0; i < n && !rc; i++)
        rc = buf_printf(&b, "%s{\"seq\":%" PRIu64 ",\"table\":\"%s\",\"action\":\"%s\",\"time\":%"
                        PRIu64 ",\"entity_id\":\"%s\"}", i ? "," : "", hits[i].seq, hits[i].table,
                        hits[i].action, hits[i].time, hits[i].entity_id);
    if (rc || buf_putc(&b, ']') || buf_terminate(&b)) {
        buf_free(&b);
        return NULL;
    }
    return (char *)buf_steal(&b, NULL);
}

char *trigger_json_current(struct engine *eng, uint64_t seq)
{
    struct hit h;
    hit_of(eng, seq, 0, &h);
    return hits_json(&h, 1);
}

/* Threshold: add a hit; true when the group reached the count within the window. Up to RING
 * the window slides over the recent hits; larger counts use a fixed window from the first hit. */
static bool threshold_hit(struct engine *eng, struct rule *r, struct group *g, uint64_t seq,
                          char **trig)
{
    uint64_t now = eng->ev->time_ns;
    char tmp[32];
    uint64_t d = 0;
    if (r->threshold_distinct) {
        const char *v = engine_key_value(eng, r->threshold_distinct, tmp, sizeof(tmp));
        d = fnv(1469598103934665603ull, v, strlen(v)) | 1;
    }
    size_t k = 0;
    for (size_t i = 0; i < g->n; i++)
        if (now < g->ring[i].time || now - g->ring[i].time <= r->window_ns)
            g->ring[k++] = g->ring[i];
    g->n = (uint32_t)k;
    for (size_t i = 0; d && i < g->n; i++)
        if (g->ring[i].distinct == d)
            return false; /* a value already counted */
    if (g->n == RING) {
        memmove(g->ring, g->ring + 1, (RING - 1) * sizeof(g->ring[0]));
        g->n--;
    }
    hit_of(eng, seq, d, &g->ring[g->n++]);
    uint64_t count = g->n;
    if (r->threshold > RING) {
        if (!g->window_start || now - g->window_start > r->window_ns) {
            g->window_start = now;
            g->progress = 0;
        }
        count = ++g->progress;
    }
    if (count < r->threshold)
        return false;
    *trig = hits_json(g->ring, g->n);
    g->n = 0;
    g->progress = 0;
    g->window_start = 0;
    return true;
}

/* Sequence: step i of the rule matched. True when the last step completes it. */
static bool sequence_hit(struct engine *eng, struct rule *r, struct group *g, uint32_t i,
                         uint64_t seq, char **trig)
{
    uint64_t now = eng->ev->time_ns;
    if (g->progress && now - g->ring[0].time > r->window_ns)
        g->progress = 0; /* too late: start over */
    if (i == 0) {
        if (g->progress <= 1) {
            g->progress = 1;
            hit_of(eng, seq, 0, &g->ring[0]);
        }
        return false;
    }
    if (g->progress != i || i >= RING)
        return false;
    hit_of(eng, seq, 0, &g->ring[i]);
    g->progress++;
    if (g->progress < r->nsteps)
        return false;
    *trig = hits_json(g->ring, r->nsteps);
    g->progress = 0;
    return true;
}

static void seen_path(struct engine *eng, const struct rule *r, char *out, size_t outlen)
{
    char name[160];
    size_t k = 0;
    for (const char *p = r->id; *p && k + 1 < sizeof(name); p++)
        name[k++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                            *p == '-' || *p == '_' || *p == '.'
                        ? *p
                        : '_';
    name[k] = '\0';
    snprintf(out, outlen, "%s/first_seen/%s", eng->opt.state_dir, name);
}

static bool seen_insert(struct rule_state *s, uint64_t h)
{
    if (s->nseen * 2 >= s->capseen) {
        size_t nc = s->capseen ? s->capseen * 2 : 1024;
        uint64_t *n = calloc(nc, sizeof(*n));
        if (!n)
            return false;
        for (size_t i = 0; i < s->capseen; i++)
            if (s->seen[i])
                for (size_t j = s->seen[i] % nc;; j = (j + 1) % nc)
                    if (!n[j]) {
                        n[j] = s->seen[i];
                        break;
                    }
        free(s->seen);
        s->seen = n;
        s->capseen = nc;
    }
    for (size_t j = h % s->capseen;; j = (j + 1) % s->capseen) {
        if (s->seen[j] == h)
            return false;
        if (!s->seen[j]) {
            s->seen[j] = h;
            s->nseen++;
            return true;
        }
    }
}

static void seen_load(struct engine *eng, struct rule *r)
{
    struct rule_state *s = r->state;
    s->seen_loaded = true;
    if (!eng->opt.state_dir)
        return;
    char path[4096];
    seen_path(eng, r, path, sizeof(path));
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    char line[64];
    while (fgets(line, sizeof(line), f) && s->nseen < FIRST_SEEN_MAX) {
        uint64_t h = strtoull(line, NULL, 16);
        if (h)
            seen_insert(s, h);
    }
    fclose(f);
}

static void seen_store(struct engine *eng, struct rule *r, uint64_t h)
{
    if (!eng->opt.state_dir)
        return;
    char path[4096];
    snprintf(path, sizeof(path), "%s/first_seen", eng->opt.state_dir);
    dir_make(path, 0700);
    seen_path(eng, r, path, sizeof(path));
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return; /* kept in memory; the next start may alert once more */
    char line[32];
    int n = snprintf(line, sizeof(line), "%016" PRIx64 "\n", h);
    if (write(fd, line, (size_t)n) != n) {
        /* same as above */
    }
    close(fd);
}

bool state_on_match(struct engine *eng, struct rule *r, uint32_t step_index, uint64_t seq,
                    char **trig)
{
    *trig = NULL;
    if (!r->state && (r->threshold || r->nsteps > 1 || r->nfirst_seen)) {
        r->state = calloc(1, sizeof(*r->state));
        if (r->state && (r->threshold || r->nsteps > 1) &&
            !(r->state->groups = calloc(GROUPS_MAX, sizeof(struct group)))) {
            free(r->state);
            r->state = NULL;
        }
        if (!r->state)
            return false;
    }
    uint64_t now = eng->ev->time_ns;
    bool fire;
    if (r->nsteps > 1 || r->threshold) {
        struct group *g = group_get(r, key_of(eng, r->by, r->nby), now);
        g->last = now;
        fire = r->nsteps > 1 ? sequence_hit(eng, r, g, step_index, seq, trig)
                             : threshold_hit(eng, r, g, seq, trig);
    } else {
        fire = true;
    }
    if (fire && r->nfirst_seen) {
        if (!r->state->seen_loaded)
            seen_load(eng, r);
        uint64_t h = key_of(eng, r->first_seen, r->nfirst_seen);
        if (r->state->nseen >= FIRST_SEEN_MAX || !seen_insert(r->state, h))
            fire = false;
        else
            seen_store(eng, r, h);
    }
    if (fire && !*trig)
        *trig = trigger_json_current(eng, seq);
    if (!fire) {
        free(*trig);
        *trig = NULL;
    }
    return fire;
}

void state_free(struct rule *r)
{
    if (!r->state)
        return;
    free(r->state->groups);
    free(r->state->seen);
    free(r->state);
    r->state = NULL;
}
