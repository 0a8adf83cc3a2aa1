/* cmd_provenance.c - `vigil provenance`: the story of a process or an event, from where it
 * came in to what it touched.
 *   vigil provenance (--entity ID | --event TABLE:EVENT_KEY | --alert EVENT_KEY) [--json|--dot]
 *                    [--max-nodes N] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/output.h"

int cmd_provenance(struct cli *c, int argc, char **argv)
{
    const char *entity = NULL, *event = NULL, *format = "story", *max = NULL;
    char alert_event[64];
    static const struct option opts[] = {
        {"entity", required_argument, NULL, 'e'}, {"event", required_argument, NULL, 'v'},
        {"alert", required_argument, NULL, 'a'},
        {"json", no_argument, NULL, 'j'},         {"dot", no_argument, NULL, 'd'},
        {"max-nodes", required_argument, NULL, 'n'}, {NULL, 0, NULL, 0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "e:v:a:jdn:", opts, NULL)) != -1) {
        switch (o) {
        case 'e': entity = optarg; break;
        case 'v': event = optarg; break;
        case 'a':
            snprintf(alert_event, sizeof(alert_event), "alerts:%.40s", optarg);
            event = alert_event;
            break;
        case 'j': format = "json"; break;
        case 'd': format = "dot"; break;
        case 'n': max = optarg; break;
        default: goto usage;
        }
    }
    char path[1024], table[64];
    if (entity) {
        snprintf(path, sizeof(path), "/api/v1/provenance?entity=%s&format=%s", entity, format);
    } else if (event) {
        const char *colon = strchr(event, ':');
        if (!colon || (size_t)(colon - event) >= sizeof(table))
            goto usage;
        memcpy(table, event, (size_t)(colon - event));
        table[colon - event] = '\0';
        snprintf(path, sizeof(path), "/api/v1/provenance?table=%s&event_key=%s&format=%s", table,
                 colon + 1, format);
    } else {
        goto usage;
    }
    if (max) {
        size_t l = strlen(path);
        snprintf(path + l, sizeof(path) - l, "&max_nodes=%s", max);
    }
    if (!strcmp(format, "dot")) {
        struct client cl;
        struct vg_error err = {{0}};
        int rc = client_load(&cl, c->credentials, &err);
        char *text = NULL;
        if (!rc)
            rc = client_get_text(&cl, path, &text, &err);
        if (rc != 200) {
            fprintf(stderr, "vigil provenance: %s\n", vg_error_str(&err, rc < 0 ? rc : -5));
            free(text);
            return 1;
        }
        fputs(text, stdout);
        free(text);
        return 0;
    }
    json_t *r = cli_call(c, "provenance", "GET", path, NULL);
    if (!r)
        return 1;
    if (!strcmp(format, "json")) {
        char *s = json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s)
            puts(s);
        free(s);
    } else {
        output_storyline(stdout, json_object_get(r, "storyline"));
    }
    json_decref(r);
    return 0;
usage:
    fprintf(stderr, "usage: vigil provenance (--entity ID | --event TABLE:EVENT_KEY | "
                    "--alert EVENT_KEY) [--json|--dot] [--max-nodes N]\n");
    return 2;
}
