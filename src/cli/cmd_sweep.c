/* cmd_sweep.c - `vigil sweep INDICATOR... [--file F] [--feed F] [--since 7d] [--json]`: every
 * host and process that saw any of the indicators (SHA-256 of an executable, an address, a CIDR
 * range, a domain). A --file holds one indicator per line ('#' starts a comment); a --feed is an
 * indicator feed (CSV type,value, STIX 2.1 bundle or MISP event) that the server reads with the
 * detection engine's feed loader. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "common/buf.h"
#include "common/util.h"

static int read_file(const char *path, json_t *out)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        perror(path);
        return -1;
    }
    char line[1024];
    while (fgets(line, sizeof(line), f)) {
        char *p = line + strspn(line, " \t");
        p[strcspn(p, "#\r\n \t,")] = '\0';
        if (*p)
            json_array_append_new(out, json_string(p));
    }
    fclose(f);
    return 0;
}

int cmd_sweep(struct cli *c, int argc, char **argv)
{
    const char *since = "30d", *feed_path = NULL;
    bool as_json = false;
    json_t *ind = json_array();
    struct buf feed = {0};
    static const struct option opts[] = {
        {"file", required_argument, NULL, 'f'}, {"feed", required_argument, NULL, 'F'},
        {"since", required_argument, NULL, 's'}, {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    int o, rc = 2;
    while ((o = getopt_long(argc, argv, "f:F:s:j", opts, NULL)) != -1) {
        switch (o) {
        case 'f': if (read_file(optarg, ind)) goto out; break;
        case 'F': feed_path = optarg; break;
        case 's': since = optarg; break;
        case 'j': as_json = true; break;
        default: goto usage;
        }
    }
    for (int i = optind; i < argc; i++)
        json_array_append_new(ind, json_string(argv[i]));
    if (feed_path) {
        int frc = file_read_all(feed_path, &feed, 8u << 20);
        if (!frc)
            frc = buf_terminate(&feed);
        if (frc) {
            fprintf(stderr, "vigil sweep: %s: %s\n", feed_path,
                    frc == -EFBIG ? "larger than 8 MiB" : strerror(-frc));
            rc = 1;
            goto out;
        }
    }
    if (!json_array_size(ind) && !feed_path)
        goto usage;
    json_t *body = json_pack("{s:s}", "since", since);
    if (json_array_size(ind))
        json_object_set(body, "indicators", ind);
    if (feed_path)
        json_object_set_new(body, "feed", json_string((const char *)feed.data));
    json_t *r = cli_call(c, "sweep", "POST", "/api/v1/sweep", body);
    json_decref(body);
    rc = 1;
    if (!r)
        goto out;
    json_t *matches = json_object_get(r, "matches");
    json_t *res = json_object(), *cols = json_array(), *rows = json_array();
    const char *names[] = {"indicator", "type", "hostname", "agent_id", "entity_id", "exe",
                           "first_seen", "last_seen", "count"};
    for (size_t k = 0; k < 9; k++)
        json_array_append_new(cols, json_string(names[k]));
    size_t i;
    json_t *m;
    json_array_foreach(matches, i, m) {
        json_t *row = json_array();
        for (size_t k = 0; k < 9; k++) {
            json_t *cell = json_object_get(m, names[k]);
            if (!as_json && (k == 6 || k == 7) && json_is_integer(cell)) {
                char when[48];
                time_format_ns((uint64_t)json_integer_value(cell), when, sizeof(when));
                json_array_append_new(row, json_string(when));
                continue;
            }
            json_array_append(row, cell ? cell : json_null());
        }
        json_array_append_new(rows, row);
    }
    json_object_set_new(res, "columns", cols);
    json_object_set_new(res, "rows", rows);
    if (as_json)
        output_json(stdout, res);
    else
        output_table(stdout, res);
    json_decref(res);
    fprintf(stderr, "vigil sweep: %zu matches on %lld hosts\n", json_array_size(matches),
            (long long)json_integer_value(json_object_get(r, "hosts")));
    json_array_foreach(json_object_get(r, "feed_problems"), i, m)
        fprintf(stderr, "vigil sweep: %s: %s %s\n", feed_path ? feed_path : "feed",
                json_string_value(json_object_get(m, "where")),
                json_string_value(json_object_get(m, "reason")));
    json_array_foreach(json_object_get(r, "not_recorded"), i, m)
        fprintf(stderr, "vigil sweep: indicators of type %s cannot be matched: this store does not "
                        "record them yet\n", json_string_value(m));
    json_decref(r);
    rc = 0;
    goto out;
usage:
    fprintf(stderr, "usage: vigil sweep INDICATOR... [--file FILE] [--feed FEED] [--since 7d] "
                    "[--json]\n");
out:
    buf_free(&feed);
    json_decref(ind);
    return rc;
}
