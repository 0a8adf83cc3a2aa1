/* output.c - rendering of a query result ({"columns": [...], "rows": [[...]]}) as an aligned
 * text table, JSON lines of objects, or CSV (RFC 4180). */
#include "cli/output.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/util.h"

#define CELL_MAX 80

/* Text of one cell; integers and reals printed plainly, null as empty. Caller frees. */
static char *cell_text(json_t *v)
{
    char tmp[64];
    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (json_is_integer(v)) {
        snprintf(tmp, sizeof(tmp), "%lld", (long long)json_integer_value(v));
        return strdup(tmp);
    }
    if (json_is_real(v)) {
        snprintf(tmp, sizeof(tmp), "%.17g", json_real_value(v));
        return strdup(tmp);
    }
    if (json_is_null(v) || !v)
        return strdup("");
    if (json_is_true(v))
        return strdup("true");
    if (json_is_false(v))
        return strdup("false");
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* Display width of a UTF-8 string (code points; control characters shown as '.'). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    return w;
}

/* Print at most max code points of s, replacing control characters; mark a cut with "…". */
static void print_cell(FILE *f, const char *s, size_t max, size_t pad_to)
{
    size_t w = 0, total = width(s);
    bool cut = total > max;
    size_t limit = cut ? max - 1 : max;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c & 0xc0) != 0x80) {
            if (w == limit)
                break;
            w++;
        }
        fputc(c < 0x20 || c == 0x7f ? '.' : c, f);
    }
    if (cut) {
        fputs("\xe2\x80\xa6", f);
        w++;
    }
    for (; w < pad_to; w++)
        fputc(' ', f);
}

void output_table(FILE *f, json_t *result)
{
    json_t *cols = json_object_get(result, "columns"), *rows = json_object_get(result, "rows");
    size_t ncol = json_array_size(cols), nrow = json_array_size(rows);
    size_t *w = calloc(ncol ? ncol : 1, sizeof(*w));
    if (!w)
        return;
    for (size_t c = 0; c < ncol; c++)
        w[c] = width(json_string_value(json_array_get(cols, c)));
    for (size_t r = 0; r < nrow; r++)
        for (size_t c = 0; c < ncol; c++) {
            char *t = cell_text(json_array_get(json_array_get(rows, r), c));
            size_t cw = t ? width(t) : 0;
            if (cw > w[c])
                w[c] = cw > CELL_MAX ? CELL_MAX : cw;
            free(t);
        }
    for (size_t c = 0; c < ncol; c++) {
        print_cell(f, json_string_value(json_array_get(cols, c)), CELL_MAX,
                   c + 1 < ncol ? w[c] : 0);
        fputs(c + 1 < ncol ? "  " : "\n", f);
    }
    for (size_t c = 0; c < ncol; c++) {
        for (size_t k = 0; k < w[c]; k++)
            fputc('-', f);
        fputs(c + 1 < ncol ? "  " : "\n", f);
    }
    for (size_t r = 0; r < nrow; r++)
        for (size_t c = 0; c < ncol; c++) {
            char *t = cell_text(json_array_get(json_array_get(rows, r), c));
            print_cell(f, t ? t : "", CELL_MAX, c + 1 < ncol ? w[c] : 0);
            fputs(c + 1 < ncol ? "  " : "\n", f);
            free(t);
        }
    free(w);
}

void output_json(FILE *f, json_t *result)
{
    json_t *cols = json_object_get(result, "columns"), *rows = json_object_get(result, "rows");
    size_t ncol = json_array_size(cols);
    for (size_t r = 0; r < json_array_size(rows); r++) {
        json_t *o = json_object();
        json_t *row = json_array_get(rows, r);
        for (size_t c = 0; c < ncol; c++)
            json_object_set(o, json_string_value(json_array_get(cols, c)), json_array_get(row, c));
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (s)
            fprintf(f, "%s\n", s);
        free(s);
        json_decref(o);
    }
}

static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void output_csv(FILE *f, json_t *result)
{
    json_t *cols = json_object_get(result, "columns"), *rows = json_object_get(result, "rows");
    size_t ncol = json_array_size(cols);
    for (size_t c = 0; c < ncol; c++) {
        csv_field(f, json_string_value(json_array_get(cols, c)));
        fputs(c + 1 < ncol ? "," : "\r\n", f);
    }
    for (size_t r = 0; r < json_array_size(rows); r++)
        for (size_t c = 0; c < ncol; c++) {
            char *t = cell_text(json_array_get(json_array_get(rows, r), c));
            csv_field(f, t ? t : "");
            fputs(c + 1 < ncol ? "," : "\r\n", f);
            free(t);
        }
}

void output_objects(FILE *f, json_t *rows, const char *const *cols, size_t ncols)
{
    json_t *res = json_object(), *c = json_array(), *out = json_array();
    for (size_t k = 0; k < ncols; k++)
        json_array_append_new(c, json_string(cols[k]));
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        json_t *r = json_array();
        for (size_t k = 0; k < ncols; k++) {
            json_t *v = json_object_get(row, cols[k]);
            json_array_append(r, v ? v : json_null());
        }
        json_array_append_new(out, r);
    }
    json_object_set_new(res, "columns", c);
    json_object_set_new(res, "rows", out);
    output_table(f, res);
    json_decref(res);
}

void output_storyline(FILE *f, json_t *steps)
{
    size_t i;
    json_t *step;
    json_array_foreach(steps, i, step) {
        const char *tech = json_string_value(json_object_get(step, "technique"));
        json_t *alert = json_object_get(step, "alert");
        fprintf(f, "%s  %s", json_string_value(json_object_get(step, "when")),
                json_string_value(json_object_get(step, "step")));
        if (tech)
            fprintf(f, "  [%s]", tech);
        if (alert)
            fprintf(f, "  ALERT %s (%s)", json_string_value(json_object_get(alert, "title")),
                    json_string_value(json_object_get(alert, "severity")));
        fputc('\n', f);
    }
}

void output_time_field(json_t *obj, const char *name)
{
    json_t *t = json_object_get(obj, name);
    if (json_is_integer(t)) {
        char b[48];
        time_format_ns((uint64_t)json_integer_value(t), b, sizeof(b));
        json_object_set_new(obj, name, json_string(b));
    }
}
