/* ioc.c - indicator feeds: executable hashes (SHA-256), remote addresses and networks, DNS names,
 * loaded from CSV (libcsv: `type,value[,description]`), STIX 2.1 bundles (indicator patterns) and
 * MISP JSON events (jansson), and matched against exec events' exe_sha256 and network events'
 * remote address (dst_ip of a connect, src_ip of an accept) and dns_query. Hashes and names are hash-set lookups; a DNS name also matches its
 * parent domains; networks are a list (feeds of networks are short). An entry that cannot be
 * used is reported (feed, entry, reason) and skipped. */
#include <arpa/inet.h>
#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "engine/engine_internal.h"

#define IOC_FILE_MAX (64u << 20)

struct ioc_set { /* open addressing over 64-bit hashes of the normalised value */
    uint64_t *h;
    size_t n, cap;
};

struct ioc {
    struct ioc_set hashes, names, addrs;
    struct pred *nets;
    size_t nnets;
    size_t loaded;
    uint32_t rule_hash, rule_addr, rule_name; /* pseudo-rules the alerts name */
    bool have_rules;
};

static uint64_t h64(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)tolower((unsigned char)s[i]);
        h *= 1099511628211ull;
    }
    return h ? h : 1;
}

static int set_add(struct ioc_set *s, uint64_t h)
{
    if (s->n * 2 >= s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 1024;
        uint64_t *n = calloc(nc, sizeof(*n));
        if (!n)
            return -ENOMEM;
        for (size_t i = 0; i < s->cap; i++)
            if (s->h[i])
                for (size_t j = s->h[i] & (nc - 1);; j = (j + 1) & (nc - 1))
                    if (!n[j]) {
                        n[j] = s->h[i];
                        break;
                    }
        free(s->h);
        s->h = n;
        s->cap = nc;
    }
    for (size_t j = h & (s->cap - 1);; j = (j + 1) & (s->cap - 1)) {
        if (s->h[j] == h)
            return 0;
        if (!s->h[j]) {
            s->h[j] = h;
            s->n++;
            return 0;
        }
    }
}

static bool set_has(const struct ioc_set *s, uint64_t h)
{
    if (!s->cap)
        return false;
    for (size_t j = h & (s->cap - 1); s->h[j]; j = (j + 1) & (s->cap - 1))
        if (s->h[j] == h)
            return true;
    return false;
}

static struct ioc *ioc_get(struct engine *eng)
{
    if (!eng->ioc)
        eng->ioc = calloc(1, sizeof(struct ioc));
    return eng->ioc;
}

/* Add one indicator of a type (CSV / MISP / STIX vocabulary). 0, -EINVAL (unknown or bad). */
static int ioc_add(struct engine *eng, const char *type, const char *value, const char *feed)
{
    struct ioc *io = ioc_get(eng);
    if (!io)
        return -ENOMEM;
    size_t len = strlen(value);
    while (len && isspace((unsigned char)value[len - 1]))
        len--;
    while (len && isspace((unsigned char)*value))
        value++, len--;
    int rc = -EINVAL;
    const char *kind = "";
    char buf[64]; /* an address or network, cut at a '|port' */
    if (!strcasecmp(type, "sha256") || !strcasecmp(type, "filename|sha256") ||
        !strcasecmp(type, "file:hashes.'SHA-256'") || !strcasecmp(type, "file:hashes.sha256")) {
        const char *bar = memchr(value, '|', len);
        if (bar) {
            len -= (size_t)(bar + 1 - value);
            value = bar + 1;
        }
        bool hex = len == 64;
        for (size_t i = 0; hex && i < len; i++)
            hex = isxdigit((unsigned char)value[i]) != 0;
        rc = hex ? set_add(&io->hashes, h64(value, len)) : -EINVAL;
        kind = "sha256";
    } else if (!strcasecmp(type, "domain") || !strcasecmp(type, "hostname") ||
               !strcasecmp(type, "domain-name:value") || !strcasecmp(type, "dns")) {
        rc = len && len < 254 && !memchr(value, ' ', len) ? set_add(&io->names, h64(value, len)) : -EINVAL;
        kind = "domain";
    } else if (!strcasecmp(type, "ip") || !strcasecmp(type, "ip-dst") || !strcasecmp(type, "ip-src") ||
               !strcasecmp(type, "cidr") || !strcasecmp(type, "ip-dst|port") ||
               !strcasecmp(type, "ipv4-addr:value") || !strcasecmp(type, "ipv6-addr:value")) {
        const char *bar = memchr(value, '|', len);
        size_t l = bar ? (size_t)(bar - value) : len;
        if (l == 0 || l >= sizeof(buf))
            return -EINVAL;
        memcpy(buf, value, l);
        buf[l] = '\0';
        struct pred p = {0};
        if (value_parse_cidr(buf, &p))
            return -EINVAL;
        if ((p.family == 4 && p.mask_bits == 32) || (p.family == 6 && p.mask_bits == 128)) {
            char norm[64];
            inet_ntop(p.family == 4 ? AF_INET : AF_INET6, p.net, norm, sizeof(norm));
            rc = set_add(&io->addrs, h64(norm, strlen(norm)));
            kind = "ip";
            memcpy(buf, norm, sizeof(buf)); /* the address as it is written everywhere */
            l = strlen(buf);
        } else {
            struct pred *n = realloc(io->nets, (io->nnets + 1) * sizeof(*n));
            if (!n)
                return -ENOMEM;
            io->nets = n;
            io->nets[io->nnets++] = p;
            rc = 0;
            kind = "cidr";
        }
        value = buf;
        len = l;
    }
    (void)feed;
    if (!rc) {
        io->loaded++;
        if (eng->opt.ioc_entry)
            eng->opt.ioc_entry(eng->opt.ioc_entry_ctx, kind, value, len);
    }
    return rc;
}

struct csv_ctx {
    struct engine *eng;
    const char *feed;
    char fields[3][512];
    int nf;
    size_t row;
    int loaded;
};

static void csv_field(void *s, size_t len, void *data)
{
    struct csv_ctx *c = data;
    if (c->nf < 3) {
        size_t l = len < sizeof(c->fields[0]) - 1 ? len : sizeof(c->fields[0]) - 1;
        memcpy(c->fields[c->nf], s, l);
        c->fields[c->nf][l] = '\0';
    }
    c->nf++;
}

static void csv_row(int term, void *data)
{
    struct csv_ctx *c = data;
    (void)term;
    c->row++;
    if (c->nf >= 2 && c->fields[0][0] != '#' && strcasecmp(c->fields[0], "type") != 0) {
        int rc = ioc_add(c->eng, c->fields[0], c->fields[1], c->feed);
        if (rc == -EINVAL) {
            char where[32];
            snprintf(where, sizeof(where), "row %zu", c->row);
            engine_report(c->eng, c->feed, "", where, "indicator type \"%.40s\" with value \"%.80s\" "
                          "is not a sha256, ip, cidr or domain indicator", c->fields[0], c->fields[1]);
        } else if (!rc) {
            c->loaded++;
        }
    } else if (c->nf == 1 && c->fields[0][0] && c->fields[0][0] != '#') {
        char where[32];
        snprintf(where, sizeof(where), "row %zu", c->row);
        engine_report(c->eng, c->feed, "", where, "a type and a value expected");
    }
    c->nf = 0;
    memset(c->fields, 0, sizeof(c->fields));
}

static int load_csv(struct engine *eng, const char *text, size_t len, const char *feed,
                    struct vg_error *err)
{
    struct csv_parser p;
    struct csv_ctx c = {.eng = eng, .feed = feed};
    if (csv_init(&p, CSV_APPEND_NULL) != 0)
        return vg_error_set(err, -ENOMEM, "%s: out of memory", feed);
    int rc = 0;
    if (csv_parse(&p, text, len, csv_field, csv_row, &c) != len ||
        csv_fini(&p, csv_field, csv_row, &c) != 0)
        rc = vg_error_set(err, -EINVAL, "%s: CSV row %zu: %s", feed, c.row + 1,
                          csv_strerror(csv_error(&p)));
    csv_free(&p);
    return rc ? rc : c.loaded;
}

/* One STIX pattern: [object:path = 'value'] (OR-ed comparisons each become an indicator). */
static int stix_pattern(struct engine *eng, const char *pattern, const char *feed)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile(
        (PCRE2_SPTR) "([a-z0-9-]+:(?:value|hashes\\.'?[A-Za-z0-9-]+'?))\\s*=\\s*'([^']*)'",
        PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
    pcre2_match_data *md = re ? pcre2_match_data_create_from_pattern(re, NULL) : NULL;
    if (!md) {
        pcre2_code_free(re);
        return -ENOMEM;
    }
    int n = 0;
    size_t start = 0, len = strlen(pattern);
    while (start < len && pcre2_match(re, (PCRE2_SPTR)pattern, len, start, 0, md, NULL) >= 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        char type[96], value[512];
        snprintf(type, sizeof(type), "%.*s", (int)(ov[3] - ov[2]), pattern + ov[2]);
        snprintf(value, sizeof(value), "%.*s", (int)(ov[5] - ov[4]), pattern + ov[4]);
        if (!ioc_add(eng, type, value, feed))
            n++;
        start = ov[1] > start ? ov[1] : start + 1;
    }
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    if (!n)
        engine_report(eng, feed, "", "pattern", "no SHA-256, address or domain comparison in "
                      "\"%.120s\"", pattern);
    return n;
}

static int misp_attributes(struct engine *eng, json_t *attrs, const char *feed)
{
    size_t i;
    json_t *a;
    int n = 0;
    json_array_foreach(attrs, i, a) {
        const char *type = json_string_value(json_object_get(a, "type"));
        const char *value = json_string_value(json_object_get(a, "value"));
        if (!type || !value)
            continue;
        if (!ioc_add(eng, type, value, feed))
            n++;
    }
    return n;
}

static int load_json(struct engine *eng, const char *text, size_t len, const char *feed,
                     struct vg_error *err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    if (!root)
        return vg_error_set(err, -EINVAL, "%s: JSON line %d column %d: %s", feed, je.line,
                            je.column, je.text);
    int n = 0;
    const char *type = json_string_value(json_object_get(root, "type"));
    if (type && !strcmp(type, "bundle")) { /* STIX 2.1 */
        size_t i;
        json_t *o;
        json_array_foreach(json_object_get(root, "objects"), i, o) {
            const char *ot = json_string_value(json_object_get(o, "type"));
            const char *pattern = json_string_value(json_object_get(o, "pattern"));
            const char *ptype = json_string_value(json_object_get(o, "pattern_type"));
            if (!ot || strcmp(ot, "indicator") || !pattern)
                continue;
            if (ptype && strcmp(ptype, "stix")) {
                engine_report(eng, feed, json_string_value(json_object_get(o, "id")), "pattern_type",
                              "%.40s patterns are not supported (stix only)", ptype);
                continue;
            }
            int k = stix_pattern(eng, pattern, feed);
            n += k > 0 ? k : 0;
        }
    } else { /* MISP: an Event, {"response": [{"Event": ...}]}, or a list of events */
        json_t *events = json_object_get(root, "response");
        if (!events)
            events = json_is_array(root) ? root : NULL;
        json_t *single = json_object_get(root, "Event");
        size_t i, j;
        json_t *e, *obj;
        for (i = 0; single ? i < 1 : events && i < json_array_size(events); i++) {
            e = single ? single : json_object_get(json_array_get(events, i), "Event");
            if (!e)
                continue;
            n += misp_attributes(eng, json_object_get(e, "Attribute"), feed);
            json_array_foreach(json_object_get(e, "Object"), j, obj)
                n += misp_attributes(eng, json_object_get(obj, "Attribute"), feed);
        }
        if (!single && !events) {
            json_decref(root);
            return vg_error_set(err, -EINVAL, "%s: neither a STIX bundle nor a MISP event", feed);
        }
    }
    json_decref(root);
    return n;
}

/* The pseudo-rules IOC alerts name (one per kind). */
static int ioc_rules(struct engine *eng)
{
    struct ioc *io = eng->ioc;
    if (io->have_rules)
        return 0;
    static const struct {
        const char *id, *title, *technique, *tactic;
    } kinds[] = {
        {"ioc.file_hash", "Executable matches an indicator (SHA-256)", "T1204.002", "TA0002"},
        {"ioc.address", "Connection to an address of an indicator feed", "T1071", "TA0011"},
        {"ioc.dns", "DNS name of an indicator feed", "T1071.004", "TA0011"},
    };
    uint32_t *out[] = {&io->rule_hash, &io->rule_addr, &io->rule_name};
    for (size_t k = 0; k < 3; k++) {
        struct rule r = {.source = "ioc", .severity = SEV_HIGH,
                         .dedup_window_ns = eng->opt.dedup_window_ns};
        r.id = strdup(kinds[k].id);
        r.title = strdup(kinds[k].title);
        r.technique = strdup(kinds[k].technique);
        r.tactic = strdup(kinds[k].tactic);
        r.file = strdup("indicator feeds");
        int64_t i = (r.id && r.title && r.technique && r.tactic && r.file) ? engine_add_rule(eng, &r) : -ENOMEM;
        if (i < 0) {
            rule_free_strings(&r);
            return -ENOMEM;
        }
        *out[k] = (uint32_t)i;
    }
    io->have_rules = true;
    return 0;
}

int engine_load_ioc_text(struct engine *eng, const char *text, size_t len, const char *name,
                         struct vg_error *err)
{
    if (!ioc_get(eng) || ioc_rules(eng))
        return vg_error_set(err, -ENOMEM, "%s: out of memory", name);
    size_t k = 0;
    while (k < len && isspace((unsigned char)text[k]))
        k++;
    if (k < len && (text[k] == '{' || text[k] == '['))
        return load_json(eng, text, len, name, err);
    return load_csv(eng, text, len, name, err);
}

int engine_load_ioc_path(struct engine *eng, const char *path, struct vg_error *err)
{
    struct buf b = {0};
    int rc = file_read_all(path, &b, IOC_FILE_MAX);
    if (rc) {
        buf_free(&b);
        return vg_error_set(err, rc, "%s: %s", path, rc == -EFBIG ? "larger than 64 MiB" : strerror(-rc));
    }
    rc = engine_load_ioc_text(eng, b.data ? (const char *)b.data : "", b.len, path, err);
    buf_free(&b);
    return rc;
}

/* Does a name or one of its parent domains appear in the feed? */
static bool name_listed(const struct ioc *io, const char *name, size_t len)
{
    while (len && name[len - 1] == '.')
        len--;
    for (;;) {
        if (set_has(&io->names, h64(name, len)))
            return true;
        const char *dot = memchr(name, '.', len);
        if (!dot)
            return false;
        len -= (size_t)(dot + 1 - name);
        name = dot + 1;
    }
}

int ioc_match(struct engine *eng, uint64_t seq, engine_alert_fn fn, void *ctx)
{
    struct ioc *io = eng->ioc;
    if (!io || !io->loaded)
        return 0;
    const struct event *ev = eng->ev;
    const struct event_field *f;
    uint32_t rule = UINT32_MAX;
    const char *value = NULL;
    if (ev->table == TBL_PROCESS_EVENTS && (f = event_get(ev, FLD_EXE_SHA256)) && f->type == FT_TEXT &&
        set_has(&io->hashes, h64(event_field_str(ev, f), f->len))) {
        rule = io->rule_hash;
        value = event_field_str(ev, f);
    } else if (ev->table == TBL_NETWORK_EVENTS) {
        if ((f = event_get(ev, FLD_DNS_QUERY)) && f->type == FT_TEXT &&
            name_listed(io, event_field_str(ev, f), f->len)) {
            rule = io->rule_name;
            value = event_field_str(ev, f);
        } else if ((f = event_get(ev, strcmp(ev->action, "accept") ? FLD_DST_IP : FLD_SRC_IP)) &&
                   f->type == FT_TEXT) {
            /* the remote side: the server of a connect, the client of an accept */
            const char *ip = event_field_str(ev, f);
            bool hit = set_has(&io->addrs, h64(ip, f->len));
            for (size_t i = 0; !hit && i < io->nnets; i++)
                hit = value_in_cidr(&io->nets[i], ip);
            if (hit) {
                rule = io->rule_addr;
                value = ip;
            }
        }
    }
    if (rule == UINT32_MAX)
        return 0;
    eng->indicator = value;
    char *trig = trigger_json_current(eng, seq);
    int rc = alert_emit(eng, &eng->rules[rule], trig, seq, fn, ctx);
    free(trig);
    eng->indicator = NULL;
    return rc > 0 ? rc : 0;
}

void ioc_free(struct engine *eng)
{
    struct ioc *io = eng->ioc;
    if (!io)
        return;
    free(io->hashes.h);
    free(io->names.h);
    free(io->addrs.h);
    free(io->nets);
    free(io);
    eng->ioc = NULL;
}
