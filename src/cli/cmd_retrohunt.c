/* cmd_retrohunt.c - `vigil retrohunt`: Sigma or native rules over the stored history, without
 * SQL; the matches as a table (or JSON), optionally raised as alerts.
 *   vigil retrohunt (RULE_FILE_OR_DIR... | --shipped) [--since 1d] [--until NS]
 *                   [--host AGENT_ID]... [--raise] [--max N] [--json]
 * A directory stands for every *.yml / *.yaml under it. */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "common/buf.h"
#include "common/util.h"

#define RULE_TEXT_MAX (4u << 20)

static int add_rule_file(json_t *rules, const char *path)
{
    struct buf b = {0};
    int rc = file_read_all(path, &b, RULE_TEXT_MAX);
    if (!rc)
        rc = buf_terminate(&b);
    if (rc) {
        fprintf(stderr, "vigil retrohunt: %s: %s\n", path,
                rc == -EFBIG ? "larger than 4 MiB" : strerror(-rc));
        buf_free(&b);
        return -1;
    }
    json_array_append_new(rules, json_pack("{s:s,s:s}", "name", path, "text", (char *)b.data));
    buf_free(&b);
    return 0;
}

static json_t *walk_rules; /* nftw has no context argument */
static int walk_rules_rc;

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    size_t l = strlen(path);
    if (type == FTW_F && ((l > 4 && !strcmp(path + l - 4, ".yml")) ||
                          (l > 5 && !strcmp(path + l - 5, ".yaml"))))
        walk_rules_rc = add_rule_file(walk_rules, path);
    return walk_rules_rc;
}

/* A rule file, or every *.yml / *.yaml under a directory (in name order). */
static int add_rule_path(json_t *rules, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "vigil retrohunt: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return add_rule_file(rules, path);
    json_t *found = json_array();
    walk_rules = found;
    walk_rules_rc = 0;
    int rc = nftw(path, walk_one, 16, FTW_PHYS) || walk_rules_rc ? -1 : 0;
    walk_rules = NULL;
    /* a stable order: by file name */
    size_t n = json_array_size(found);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0; j--) {
            json_t *a = json_array_get(found, j - 1), *b = json_array_get(found, j);
            if (strcmp(json_string_value(json_object_get(a, "name")),
                       json_string_value(json_object_get(b, "name"))) <= 0)
                break;
            json_incref(a);
            json_array_set(found, j - 1, b);
            json_array_set_new(found, j, a);
        }
    json_array_extend(rules, found);
    json_decref(found);
    return rc;
}

static void print_matches(json_t *matches, bool as_json)
{
    static const char *const cols[] = {"time", "hostname", "rule_id", "severity", "technique",
                                       "rule_title", "entity_id", "exe"};
    if (as_json) {
        size_t i;
        json_t *m;
        json_array_foreach(matches, i, m) {
            char *line = json_dumps(m, JSON_COMPACT);
            if (line)
                printf("%s\n", line);
            free(line);
        }
        return;
    }
    json_t *rows = json_array();
    size_t i;
    json_t *m;
    json_array_foreach(matches, i, m) {
        json_t *row = json_deep_copy(m);
        json_t *t = json_object_get(m, "time");
        if (json_is_integer(t)) {
            char when[48];
            time_format_ns((uint64_t)json_integer_value(t), when, sizeof(when));
            json_object_set_new(row, "time", json_string(when));
        }
        json_array_append_new(rows, row);
    }
    output_objects(stdout, rows, cols, sizeof(cols) / sizeof(cols[0]));
    json_decref(rows);
}

int cmd_retrohunt(struct cli *c, int argc, char **argv)
{
    const char *since = "1d", *until = NULL, *max = NULL;
    bool as_json = false, shipped = false, raise = false;
    json_t *hosts = json_array(), *rules = json_array();
    static const struct option opts[] = {
        {"shipped", no_argument, NULL, 'S'},     {"since", required_argument, NULL, 's'},
        {"until", required_argument, NULL, 'u'}, {"host", required_argument, NULL, 'H'},
        {"raise", no_argument, NULL, 'r'},       {"max", required_argument, NULL, 'm'},
        {"json", no_argument, NULL, 'j'},        {NULL, 0, NULL, 0},
    };
    int o, rc = 2;
    while ((o = getopt_long(argc, argv, "Ss:u:H:rm:j", opts, NULL)) != -1) {
        switch (o) {
        case 'S': shipped = true; break;
        case 's': since = optarg; break;
        case 'u': until = optarg; break;
        case 'H': json_array_append_new(hosts, json_string(optarg)); break;
        case 'r': raise = true; break;
        case 'm': max = optarg; break;
        case 'j': as_json = true; break;
        default: goto usage;
        }
    }
    if (shipped == (optind < argc))
        goto usage;
    for (int i = optind; i < argc; i++)
        if (add_rule_path(rules, argv[i])) {
            rc = 1;
            goto out;
        }
    json_t *body = json_pack("{s:b}", "raise", raise);
    if (shipped)
        json_object_set_new(body, "shipped", json_true());
    else
        json_object_set(body, "rules", rules);
    char *end = NULL;
    long long n = strtoll(since, &end, 10);
    if (end && !*end && n > 1000000000000000ll) /* a time in ns, not a duration */
        json_object_set_new(body, "since", json_integer(n));
    else
        json_object_set_new(body, "since", json_string(since));
    if (until)
        json_object_set_new(body, "until", json_integer(strtoll(until, NULL, 10)));
    if (json_array_size(hosts))
        json_object_set(body, "agents", hosts);
    if (max)
        json_object_set_new(body, "max_matches", json_integer(strtoll(max, NULL, 10)));
    json_t *r = cli_call(c, "retrohunt", "POST", "/api/v1/retrohunt", body);
    json_decref(body);
    rc = 1;
    if (!r)
        goto out;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(r, "rules_not_loaded"), i, p)
        fprintf(stderr, "vigil retrohunt: %s: rule %s not loaded: %s: %s\n",
                json_string_value(json_object_get(p, "file")),
                json_string_value(json_object_get(p, "rule_id")),
                json_string_value(json_object_get(p, "construct")),
                json_string_value(json_object_get(p, "reason")));
    print_matches(json_object_get(r, "matches"), as_json);
    fprintf(stderr, "vigil retrohunt: %zu matches of %lld rules over %lld events in %.0f ms%s",
            json_array_size(json_object_get(r, "matches")),
            (long long)json_integer_value(json_object_get(r, "rules_loaded")),
            (long long)json_integer_value(json_object_get(r, "events_scanned")),
            json_real_value(json_object_get(r, "elapsed_ms")),
            json_is_true(json_object_get(r, "truncated")) ? " (cut at --max)" : "");
    if (raise)
        fprintf(stderr, ", %lld raised as alerts",
                (long long)json_integer_value(json_object_get(r, "raised")));
    fputc('\n', stderr);
    json_decref(r);
    rc = 0;
    goto out;
usage:
    fprintf(stderr, "usage: vigil retrohunt (RULE_FILE_OR_DIR... | --shipped) [--since 1d] "
                    "[--until NS] [--host AGENT_ID]... [--raise] [--max N] [--json]\n");
out:
    json_decref(hosts);
    json_decref(rules);
    return rc;
}
