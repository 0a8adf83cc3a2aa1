/* fuzz_logs_multiline.c - fuzz target: record assembly of the file input (lines, CRLF, a
 * start pattern for multiline records, the max_line cut) on a file holding the input. The
 * records are checked against the file: in order, within the bound, never past its end. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "agent/logs/logs_files.h"
#include "common/util.h"

struct seen {
    uint64_t last_end, size, records;
};

static int on_record(void *ctx, const struct logs_file_record *r)
{
    struct seen *s = ctx;
    if (r->start < s->last_end || r->end < r->start || r->end > s->size || r->len > 256 ||
        r->len > r->total || r->text[r->len] != '\0')
        abort();
    s->last_end = r->end;
    s->records++;
    return 0;
}

static char dir[64];

static void remove_dir(void) { dir_remove_tree(dir); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "/tmp/vigil-fuzz-ml.XXXXXX");
        if (!mkdtemp(dir))
            abort();
        atexit(remove_dir);
    }
    char path[128], ck_path[128];
    snprintf(path, sizeof(path), "%s/in.log", dir);
    snprintf(ck_path, sizeof(ck_path), "%s/ckpt", dir);
    unlink(ck_path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);
    char *files[] = {path};
    char spec[200];
    snprintf(spec, sizeof(spec), "%s=^(?:[0-9]{4}-|ERROR|\\S+\\[)", path);
    char *mls[] = {spec};
    struct config_list paths = {files, 1}, ml = {mls, 1}, none = {NULL, 0};
    struct logs_files_options o = {.paths = &paths, .exclude = &none, .multiline = &ml,
                                   .max_line = 256, .read_from_head = true,
                                   .rotate_wait_ms = 0, .multiline_flush_ms = 0};
    struct logs_ckpt *ck = NULL;
    struct logs_files *lf = NULL;
    struct seen s = {.size = size};
    if (logs_ckpt_open(ck_path, 1, &ck, NULL) || logs_files_new(&o, ck, on_record, &s, &lf, NULL))
        abort();
    logs_files_scan(lf);
    for (int i = 0; i < 4 && logs_files_pump(lf, 1u << 20); i++)
        ;
    unlink(path); /* deleted: the rest (a last line without newline) is flushed */
    logs_files_scan(lf);
    logs_files_pump(lf, 1u << 20);
    logs_files_free(lf);
    logs_ckpt_free(ck);
    return 0;
}
