/* cmd_hunt.c - `vigil hunt`: saved and scheduled hunts.
 *   vigil hunt save NAME "SELECT ..." [--every 5m] [--severity high] [--description TEXT]
 *   vigil hunt list
 *   vigil hunt run NAME [--json|--csv]
 *   vigil hunt delete NAME
 *   vigil hunt runs NAME | vigil hunt results NAME  [--json] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"

static void usage(void)
{
    fprintf(stderr,
            "usage: vigil hunt save NAME \"SELECT ...\" [--every 5m] [--severity LEVEL] "
            "[--description TEXT]\n"
            "       vigil hunt list | run NAME [--json|--csv] | delete NAME | runs NAME | "
            "results NAME\n");
}

/* Print an array of objects as a table (keys of the first object as columns) or JSON lines. */
static void print_objects(json_t *arr, bool as_json)
{
    json_t *res = json_object(), *cols = json_array(), *rows = json_array();
    const char *key;
    json_t *v;
    json_object_foreach(json_array_get(arr, 0), key, v) json_array_append_new(cols, json_string(key));
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        json_t *row = json_array();
        size_t c;
        json_t *name;
        json_array_foreach(cols, c, name) {
            json_t *cell = json_object_get(o, json_string_value(name));
            if (json_is_object(cell) || json_is_array(cell)) {
                char *s = json_dumps(cell, JSON_COMPACT);
                json_array_append_new(row, json_string(s ? s : ""));
                free(s);
            } else {
                json_array_append(row, cell ? cell : json_null());
            }
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
}

static int hunt_save(struct cli *c, int argc, char **argv)
{
    const char *every = "", *sev = "", *desc = "";
    static const struct option opts[] = {
        {"every", required_argument, NULL, 'e'}, {"severity", required_argument, NULL, 's'},
        {"description", required_argument, NULL, 'd'}, {NULL, 0, NULL, 0},
    };
    int o;
    optind = 2;
    while ((o = getopt_long(argc, argv, "e:s:d:", opts, NULL)) != -1) {
        switch (o) {
        case 'e': every = optarg; break;
        case 's': sev = optarg; break;
        case 'd': desc = optarg; break;
        default: usage(); return 2;
        }
    }
    if (optind != argc - 2) {
        usage();
        return 2;
    }
    json_t *body = json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", argv[optind], "sql",
                             argv[optind + 1], "every", every, "severity", sev, "description",
                             desc);
    if (!body) {
        fprintf(stderr, "vigil hunt: arguments are not valid UTF-8\n");
        return 2;
    }
    json_t *r = cli_call(c, "hunt", "POST", "/api/v1/hunts", body);
    json_decref(body);
    if (!r)
        return 1;
    long long ms = (long long)json_integer_value(json_object_get(r, "every_ms"));
    if (ms)
        printf("hunt %s saved: runs every %lld s; new rows are kept as its results\n",
               argv[optind], ms / 1000);
    else
        printf("hunt %s saved (run it with: vigil hunt run %s)\n", argv[optind], argv[optind]);
    json_decref(r);
    return 0;
}

int cmd_hunt(struct cli *c, int argc, char **argv)
{
    if (argc < 2) {
        usage();
        return 2;
    }
    const char *sub = argv[1];
    bool as_json = false, as_csv = false;
    for (int i = 3; i < argc; i++) {
        as_json |= !strcmp(argv[i], "--json");
        as_csv |= !strcmp(argv[i], "--csv");
    }
    if (!strcmp(sub, "save"))
        return hunt_save(c, argc, argv);
    if (!strcmp(sub, "list")) {
        json_t *r = cli_call(c, "hunt", "GET", "/api/v1/hunts", NULL);
        if (!r)
            return 1;
        print_objects(json_object_get(r, "hunts"), argc > 2 && !strcmp(argv[2], "--json"));
        json_decref(r);
        return 0;
    }
    if (argc < 3) {
        usage();
        return 2;
    }
    char path[512];
    json_t *r = NULL;
    if (!strcmp(sub, "run")) {
        snprintf(path, sizeof(path), "/api/v1/hunts/%s/run", argv[2]);
        r = cli_call(c, "hunt", "POST", path, NULL);
        if (!r)
            return 1;
        if (as_json)
            output_json(stdout, r);
        else if (as_csv)
            output_csv(stdout, r);
        else
            output_table(stdout, r);
        size_t fresh = json_array_size(json_object_get(r, "new_rows"));
        if (fresh)
            fprintf(stderr, "vigil hunt: %zu rows not seen by earlier runs\n", fresh);
    } else if (!strcmp(sub, "delete")) {
        snprintf(path, sizeof(path), "/api/v1/hunts/%s", argv[2]);
        r = cli_call(c, "hunt", "DELETE", path, NULL);
        if (!r)
            return 1;
        printf("hunt %s deleted\n", argv[2]);
    } else if (!strcmp(sub, "runs") || !strcmp(sub, "results")) {
        snprintf(path, sizeof(path), "/api/v1/hunts/%s/%s", argv[2], sub);
        r = cli_call(c, "hunt", "GET", path, NULL);
        if (!r)
            return 1;
        print_objects(json_object_get(r, sub), as_json);
    } else {
        usage();
        return 2;
    }
    json_decref(r);
    return 0;
}
