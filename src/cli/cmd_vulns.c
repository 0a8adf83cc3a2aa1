/* cmd_vulns.c - `vigil vulns`: the vulnerability data the server matches packages against.
 *   vigil vulns import [--format osv|debian] [--source NAME] [--replace] PATH...
 *       OSV JSON files (one advisory or an array) and directories of them, or the Debian
 *       Security Tracker's JSON; read here (hosts and servers are often offline: the operator
 *       brings the files) and sent to the server in batches of advisories. --replace: the
 *       source's earlier OSV data is dropped by the first batch (the Debian tracker's document
 *       always replaces its source's data)
 *   vigil vulns sources      the data held: source, format, date, counts
 *   vigil vulns match [--agent ID]   match the hosts' packages again now */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "common/util.h"

#define BATCH_BYTES (32u << 20) /* OSV advisories sent per request */

struct import {
    struct cli *c;
    const char *format, *source;
    bool replace;
    json_t *batch;       /* OSV advisories waiting to be sent */
    size_t batch_bytes;
    int64_t newest;      /* newest file time (ns) */
    size_t files, advisories, skipped, bad_files;
    int failed;
};

static int send_doc(struct import *im, const char *format, const char *source, json_t *data,
                    bool replace)
{
    json_t *body = json_pack("{s:s,s:s,s:O,s:b,s:I}", "source", source, "format", format,
                             "data", data, "replace", replace, "data_date",
                             (json_int_t)im->newest);
    json_t *r = body ? cli_call(im->c, "vulns", "POST", "/api/v1/vulns/import", body) : NULL;
    json_decref(body);
    if (!r) {
        im->failed = 1;
        return -1;
    }
    im->advisories += (size_t)json_integer_value(json_object_get(r, "advisories"));
    im->skipped += (size_t)json_integer_value(json_object_get(r, "skipped"));
    const char *problem = json_string_value(json_object_get(r, "first_problem"));
    if (problem)
        fprintf(stderr, "vigil vulns: %s: skipped entries, the first: %s\n", source, problem);
    printf("%s: %lld advisories (%lld affected ranges, %lld skipped); %lld hosts matched, "
           "%lld vulnerable, %lld fixed\n", source,
           (long long)json_integer_value(json_object_get(r, "advisories")),
           (long long)json_integer_value(json_object_get(r, "affected")),
           (long long)json_integer_value(json_object_get(r, "skipped")),
           (long long)json_integer_value(json_object_get(r, "hosts_matched")),
           (long long)json_integer_value(json_object_get(r, "vulnerable")),
           (long long)json_integer_value(json_object_get(r, "fixed")));
    json_decref(r);
    return 0;
}

static void flush(struct import *im)
{
    if (json_array_size(im->batch))
        send_doc(im, "osv", im->source ? im->source : "osv", im->batch, im->replace);
    if (json_array_size(im->batch))
        im->replace = false; /* the first batch replaced the source's data, the rest add */
    json_array_clear(im->batch);
    im->batch_bytes = 0;
}

/* "osv" or "debian" for a parsed document when --format was not given. */
static const char *guess_format(json_t *doc)
{
    if (json_is_array(doc) || json_object_get(doc, "affected") || json_object_get(doc, "id"))
        return "osv";
    return "debian";
}

static void import_file(struct import *im, const char *path)
{
    struct stat sb;
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    if (!doc) {
        fprintf(stderr, "vigil vulns: %s:%d: %s (file skipped)\n", path, je.line, je.text);
        im->bad_files++;
        return;
    }
    if (!stat(path, &sb) && (int64_t)sb.st_mtime * 1000000000ll > im->newest)
        im->newest = (int64_t)sb.st_mtime * 1000000000ll;
    im->files++;
    const char *format = im->format ? im->format : guess_format(doc);
    if (!strcmp(format, "debian")) {
        send_doc(im, "debian", im->source ? im->source : "debian-tracker", doc, true);
    } else {
        size_t size = sb.st_size > 0 ? (size_t)sb.st_size : 0;
        if (im->batch_bytes + size > BATCH_BYTES)
            flush(im);
        if (json_is_array(doc))
            json_array_extend(im->batch, doc);
        else
            json_array_append(im->batch, doc);
        im->batch_bytes += size;
    }
    json_decref(doc);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void import_path(struct import *im, const char *path, int depth)
{
    struct stat sb;
    if (stat(path, &sb)) {
        perror(path);
        im->bad_files++;
        return;
    }
    if (!S_ISDIR(sb.st_mode)) {
        import_file(im, path);
        return;
    }
    if (depth > 16)
        return;
    DIR *d = opendir(path);
    if (!d) {
        perror(path);
        im->bad_files++;
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            char **nn = realloc(names, cap * sizeof(*nn));
            if (!nn)
                break;
            names = nn;
        }
        size_t l = strlen(path) + strlen(e->d_name) + 2;
        if ((names[n] = malloc(l)))
            snprintf(names[n++], l, "%s/%s", path, e->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; i < n; i++) {
        struct stat cs;
        size_t l = strlen(names[i]);
        if (!stat(names[i], &cs) &&
            (S_ISDIR(cs.st_mode) || (l > 5 && !strcmp(names[i] + l - 5, ".json"))))
            import_path(im, names[i], depth + 1);
        free(names[i]);
    }
    free(names);
}

static int import(struct cli *c, int argc, char **argv)
{
    struct import im = {.c = c, .batch = json_array()};
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"source", required_argument, NULL, 's'},
        {"replace", no_argument, NULL, 'r'},      {NULL, 0, NULL, 0},
    };
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "f:s:r", opts, NULL)) != -1) {
        switch (o) {
        case 'f': im.format = optarg; break;
        case 's': im.source = optarg; break;
        case 'r': im.replace = true; break;
        default: json_decref(im.batch); return 2;
        }
    }
    if (optind >= argc || (im.format && strcmp(im.format, "osv") && strcmp(im.format, "debian"))) {
        fprintf(stderr, "usage: vigil vulns import [--format osv|debian] [--source NAME] "
                        "[--replace] PATH...\n");
        json_decref(im.batch);
        return 2;
    }
    for (int i = optind; i < argc; i++)
        import_path(&im, argv[i], 0);
    flush(&im);
    json_decref(im.batch);
    fprintf(stderr, "vigil vulns: %zu files read, %zu unreadable; %zu advisories imported, "
                    "%zu entries skipped\n", im.files, im.bad_files, im.advisories, im.skipped);
    return im.failed || (im.bad_files && !im.files) ? 1 : 0;
}

static int sources(struct cli *c)
{
    json_t *r = cli_call(c, "vulns", "GET", "/api/v1/vulns/sources", NULL);
    if (!r)
        return 1;
    json_t *rows = json_object_get(r, "sources"), *row;
    size_t i;
    json_array_foreach(rows, i, row) {
        output_time_field(row, "data_date");
        output_time_field(row, "imported_at");
    }
    static const char *const cols[] = {"source", "format", "data_date", "imported_at",
                                       "imported_by", "advisories", "affected", "skipped"};
    output_objects(stdout, rows, cols, sizeof(cols) / sizeof(cols[0]));
    json_decref(r);
    return 0;
}

static int match(struct cli *c, int argc, char **argv)
{
    const char *agent = argc >= 3 && !strcmp(argv[1], "--agent") ? argv[2] : NULL;
    json_t *body = json_pack("{s:s}", "agent", agent ? agent : "");
    json_t *r = cli_call(c, "vulns", "POST", "/api/v1/vulns/match", body);
    json_decref(body);
    if (!r)
        return 1;
    printf("%lld hosts matched: %lld vulnerable, %lld fixed\n",
           (long long)json_integer_value(json_object_get(r, "hosts_matched")),
           (long long)json_integer_value(json_object_get(r, "vulnerable")),
           (long long)json_integer_value(json_object_get(r, "fixed")));
    json_decref(r);
    return 0;
}

int cmd_vulns(struct cli *c, int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "import"))
        return import(c, argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "sources"))
        return sources(c);
    if (argc >= 2 && !strcmp(argv[1], "match"))
        return match(c, argc - 1, argv + 1);
    fprintf(stderr, "usage: vigil vulns import [--format osv|debian] [--source NAME] "
                    "[--replace] PATH... | sources | match [--agent ID]\n");
    return 2;
}
