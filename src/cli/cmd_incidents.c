/* cmd_incidents.c - `vigil incidents`: alerts grouped into incidents, and one incident's story.
 *   vigil incidents [--since 7d] [--status open|investigating|closed|merged] [--json]
 *   vigil incidents show ID [--json | --dot]
 *   vigil incidents set ID open|investigating|closed */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/output.h"
#include "common/util.h"

static void print_json(json_t *r)
{
    char *s = json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s)
        puts(s);
    free(s);
}

static int list(struct cli *c, int argc, char **argv)
{
    const char *since = "7d", *status = NULL;
    bool as_json = false;
    static const struct option opts[] = {
        {"since", required_argument, NULL, 's'}, {"status", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "s:t:j", opts, NULL)) != -1) {
        switch (o) {
        case 's': since = optarg; break;
        case 't': status = optarg; break;
        case 'j': as_json = true; break;
        default: return 2;
        }
    }
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/incidents?since=%s%s%s", since,
             status ? "&status=" : "", status ? status : "");
    json_t *r = cli_call(c, "incidents", "GET", path, NULL);
    if (!r)
        return 1;
    json_t *list = json_object_get(r, "incidents");
    if (as_json) {
        size_t i;
        json_t *inc;
        json_array_foreach(list, i, inc) {
            char *s = json_dumps(inc, JSON_COMPACT);
            if (s)
                puts(s);
            free(s);
        }
    } else {
        static const char *const cols[] = {"id", "status", "severity", "alert_count", "hosts",
                                           "first_seen", "last_seen", "title", "techniques"};
        size_t i;
        json_t *inc;
        json_array_foreach(list, i, inc) {
            output_time_field(inc, "first_seen");
            output_time_field(inc, "last_seen");
            char *h = json_dumps(json_object_get(inc, "hosts"), JSON_COMPACT);
            char *t = json_dumps(json_object_get(inc, "techniques"), JSON_COMPACT);
            json_object_set_new(inc, "hosts", json_string(h ? h : ""));
            json_object_set_new(inc, "techniques", json_string(t ? t : ""));
            free(h);
            free(t);
        }
        output_objects(stdout, list, cols, sizeof(cols) / sizeof(cols[0]));
    }
    json_decref(r);
    return 0;
}

static int show(struct cli *c, const char *id, const char *format)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/incidents/%s%s", id,
             !strcmp(format, "dot") ? "?format=dot" : "");
    if (!strcmp(format, "dot")) {
        struct client cl;
        struct vg_error err = {{0}};
        char *text = NULL;
        int rc = client_load(&cl, c->credentials, &err);
        if (!rc)
            rc = client_get_text(&cl, path, &text, &err);
        if (rc != 200) {
            fprintf(stderr, "vigil incidents: %s\n", vg_error_str(&err, rc < 0 ? rc : -5));
            free(text);
            return 1;
        }
        fputs(text, stdout);
        free(text);
        return 0;
    }
    json_t *r = cli_call(c, "incidents", "GET", path, NULL);
    if (!r)
        return 1;
    if (!strcmp(format, "json")) {
        print_json(r);
        json_decref(r);
        return 0;
    }
    printf("incident %lld [%s] %s: %s\n", (long long)json_integer_value(json_object_get(r, "id")),
           json_string_value(json_object_get(r, "status")),
           json_string_value(json_object_get(r, "severity")),
           json_string_value(json_object_get(r, "title")));
    char *hosts = json_dumps(json_object_get(r, "hosts"), JSON_COMPACT);
    char *techs = json_dumps(json_object_get(r, "techniques"), JSON_COMPACT);
    printf("hosts %s  techniques %s\n\nalerts:\n", hosts ? hosts : "[]", techs ? techs : "[]");
    free(hosts);
    free(techs);
    static const char *const cols[] = {"time", "hostname", "severity", "technique", "title",
                                       "exe", "event_key"};
    json_t *alerts = json_object_get(r, "alerts");
    size_t i;
    json_t *a;
    json_array_foreach(alerts, i, a)
        output_time_field(a, "time");
    output_objects(stdout, alerts, cols, sizeof(cols) / sizeof(cols[0]));
    json_t *prov = json_object_get(r, "provenance");
    if (prov) {
        printf("\nentry points:");
        json_array_foreach(json_object_get(prov, "entry"), i, a)
            printf(" %s", json_string_value(json_object_get(a, "label")));
        printf("\n\nstoryline (provenance of alert %lld):\n",
               (long long)json_integer_value(json_object_get(prov, "from_alert")));
        output_storyline(stdout, json_object_get(prov, "storyline"));
    } else if (json_object_get(r, "provenance_error")) {
        printf("\nno storyline: %s\n",
               json_string_value(json_object_get(r, "provenance_error")));
    }
    json_decref(r);
    return 0;
}

static int set_status(struct cli *c, const char *id, const char *status)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/incidents/%s", id);
    json_t *body = json_pack("{s:s}", "status", status);
    json_t *r = cli_call(c, "incidents", "POST", path, body);
    json_decref(body);
    if (!r)
        return 1;
    printf("incident %s: %s\n", id, status);
    json_decref(r);
    return 0;
}

int cmd_incidents(struct cli *c, int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "show")) {
        const char *format = "text";
        for (int i = 3; i < argc; i++) {
            if (!strcmp(argv[i], "--json"))
                format = "json";
            else if (!strcmp(argv[i], "--dot"))
                format = "dot";
            else
                goto usage;
        }
        return show(c, argv[2], format);
    }
    if (argc == 4 && !strcmp(argv[1], "set"))
        return set_status(c, argv[2], argv[3]);
    if (argc >= 2 && (!strcmp(argv[1], "show") || !strcmp(argv[1], "set")))
        goto usage;
    int rc = list(c, argc, argv);
    if (rc != 2)
        return rc;
usage:
    fprintf(stderr, "usage: vigil incidents [--since 7d] [--status S] [--json]\n"
                    "       vigil incidents show ID [--json | --dot]\n"
                    "       vigil incidents set ID open|investigating|closed\n");
    return 2;
}
