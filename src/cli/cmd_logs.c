/* cmd_logs.c - `vigil logs search TEXT [--host H] [--file F] [--program P] [--since 1h]
 * [--until T] [--limit N] [--fts] [--json]`: full-text search of the collected log records. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "common/buf.h"
#include "common/util.h"

static int usage(void)
{
    fprintf(stderr, "usage: vigil logs search TEXT [--host H] [--file F] [--program P]"
                    " [--since 1h] [--until T] [--limit N] [--fts] [--json]\n"
                    "  TEXT is found as a phrase in the raw records; with --fts it is an FTS5"
                    " query (AND, OR, NOT, prefix*)\n");
    return 2;
}

static void add_arg(struct buf *url, const char *name, const char *value)
{
    char *esc = curl_easy_escape(NULL, value, 0);
    buf_printf(url, "&%s=%s", name, esc ? esc : "");
    curl_free(esc);
}

int cmd_logs(struct cli *g, int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "search"))
        return usage();
    struct buf url = {0};
    bool as_json = false;
    buf_append_str(&url, "/api/v1/logs/search?");
    char *esc = curl_easy_escape(NULL, argv[2], 0);
    buf_printf(&url, "q=%s", esc ? esc : "");
    curl_free(esc);
    static const char *const opts[] = {"--host", "--file", "--program", "--since", "--until",
                                       "--limit", NULL};
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            as_json = true;
            continue;
        }
        if (!strcmp(argv[i], "--fts")) {
            buf_append_str(&url, "&fts=1");
            continue;
        }
        size_t k = 0;
        while (opts[k] && strcmp(argv[i], opts[k]))
            k++;
        if (!opts[k] || i + 1 >= argc) {
            buf_free(&url);
            return usage();
        }
        add_arg(&url, opts[k] + 2, argv[++i]);
    }
    buf_terminate(&url);
    json_t *r = cli_call(g, "logs", "GET", (const char *)url.data, NULL);
    buf_free(&url);
    if (!r)
        return 1;
    json_t *rows = json_object_get(r, "rows");
    if (as_json) {
        for (size_t i = 0; i < json_array_size(rows); i++) {
            char *s = json_dumps(json_array_get(rows, i), JSON_COMPACT | JSON_PRESERVE_ORDER);
            if (s)
                puts(s);
            free(s);
        }
    } else {
        for (size_t i = json_array_size(rows); i-- > 0;) { /* oldest first, like a log */
            json_t *row = json_array_get(rows, i);
            char t[48];
            time_format_ns((uint64_t)json_integer_value(json_object_get(row, "time")), t,
                           sizeof(t));
            const char *file = json_string_value(json_object_get(row, "log_file"));
            if (!file)
                file = json_string_value(json_object_get(row, "unit"));
            printf("%s %s %s: %s\n", t,
                   json_string_value(json_object_get(row, "hostname")) ?: "-", file ? file : "journal",
                   json_string_value(json_object_get(row, "raw")) ?: "");
        }
        if (json_is_true(json_object_get(r, "truncated")))
            fprintf(stderr, "(more records match: narrow the search or raise --limit)\n");
    }
    json_decref(r);
    return 0;
}
