/* fuzz_logs.h - what the log parsers' fuzz targets share: one parse context for the process,
 * and parsing one input as a record (optionally behind a syslog header naming a program),
 * the way the logs module does it (NUL bytes and invalid UTF-8 escaped first). */
#ifndef VIGIL_FUZZ_LOGS_H
#define VIGIL_FUZZ_LOGS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/logs/logs_parser.h"
#include "agent/logs/logs_text.h"

static struct log_parse_ctx *fuzz_logs_ctx(void)
{
    static struct log_parse_ctx *ctx;
    if (!ctx) {
        struct vg_error err;
        ctx = logs_parse_ctx_new(&err);
        if (!ctx) {
            fprintf(stderr, "parsers: %s\n", err.msg);
            abort();
        }
    }
    return ctx;
}

/* Parse prefix + data as one record; the events are built and freed. */
static void fuzz_logs_parse(const char *prefix, const uint8_t *data, size_t size)
{
    struct buf text = {0};
    buf_append_str(&text, prefix);
    if (logs_text_clean((const char *)data, size))
        buf_append(&text, data, size);
    else
        logs_text_escape((const char *)data, size, &text);
    buf_terminate(&text);
    struct log_parse_out out = {.line = event_new(TBL_LOG_EVENTS, "line")};
    event_add_str(out.line, FLD_LOG_FILE, "/fuzz.log");
    struct log_record r = {.text = (const char *)text.data, .len = text.len};
    logs_parse(fuzz_logs_ctx(), &r, &out);
    logs_parse_out_clear(&out);
    event_free(out.line);
    buf_free(&text);
}

/* The first byte of the input picks one of the prefixes. */
static void fuzz_logs_pick(const char *const *prefixes, size_t n, const uint8_t *data, size_t size)
{
    if (size == 0)
        return;
    fuzz_logs_parse(prefixes[data[0] % n], data + 1, size - 1);
}

#endif
