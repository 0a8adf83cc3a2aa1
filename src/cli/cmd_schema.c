/* cmd_schema.c - `vigil schema`: the event schema as Markdown (the generated part of
 * docs/schema.md). */
#include <stdio.h>

#include "cli/cli.h"
#include "common/buf.h"
#include "common/schema.h"

int cmd_schema(struct cli *g, int argc, char **argv)
{
    (void)g;
    (void)argc;
    (void)argv;
    struct buf b = {0};
    if (schema_markdown(&b) || buf_terminate(&b)) {
        fprintf(stderr, "vigil schema: out of memory\n");
        return 1;
    }
    fputs((const char *)b.data, stdout);
    buf_free(&b);
    return 0;
}

