/* cmd_rules.c - `vigil rules check PATH...`: load rule files or folders (Sigma and native) into
 * a detection engine exactly as the agent does, and print how many loaded and, for every rule
 * that did not, its file, id, the construct and the reason; then the fields the loaded rules
 * use that no event carries yet. Exit status 0; 1 with --strict when a rule did not load; 2
 * when a path cannot be read. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/engine.h"

struct check {
    size_t problems;
    bool quiet;
};

static void on_report(void *ctx, const struct engine_report *r)
{
    struct check *c = ctx;
    c->problems++;
    if (!c->quiet)
        printf("not loaded: %s  id=%s  %s: %s\n", r->file, r->rule_id[0] ? r->rule_id : "-",
               r->construct, r->reason);
}

static int usage(void)
{
    fprintf(stderr, "usage: vigil rules check [--strict] [--quiet] PATH...\n");
    return 2;
}

int cmd_rules(struct cli *g, int argc, char **argv)
{
    (void)g;
    if (argc < 3 || strcmp(argv[1], "check"))
        return usage();
    bool strict = false;
    struct check c = {0};
    int first = 2;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (!strcmp(argv[first], "--strict"))
            strict = true;
        else if (!strcmp(argv[first], "--quiet"))
            c.quiet = true;
        else
            return usage();
    }
    if (first == argc)
        return usage();
    struct engine_options opt = {.report = on_report, .report_ctx = &c};
    struct engine *eng = NULL;
    struct vg_error err = {{0}};
    int rc = engine_new(&opt, &eng, &err), status = 0;
    for (int i = first; !rc && i < argc; i++) {
        rc = engine_load_path(eng, argv[i], &err);
        rc = rc < 0 ? rc : 0;
    }
    if (!rc)
        rc = engine_compile(eng, &err);
    if (rc) {
        fprintf(stderr, "vigil rules: %s\n", vg_error_str(&err, rc));
        status = 2;
        goto cleanup;
    }
    struct engine_stats st;
    engine_get_stats(eng, &st);
    printf("%zu rules loaded, %zu not loaded; %zu predicates (%zu in %zu vectorscan databases)\n",
           st.rules, st.rules_skipped, st.predicates, st.fast_predicates, st.databases);
    if (engine_unmapped_fields(eng)[0])
        printf("fields no event carries (conditions on them never match): %s\n",
               engine_unmapped_fields(eng));
    if (strict && st.rules_skipped)
        status = 1;
cleanup:
    engine_free(eng);
    return status;
}
