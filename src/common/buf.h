/* buf.h - growable byte buffer used by encoders, HTTP bodies and readers.
 * A zeroed struct buf is a valid empty buffer; buf_free() releases it. Appends return 0 or
 * -ENOMEM and leave the buffer unchanged on failure. */
#ifndef VIGIL_BUF_H
#define VIGIL_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
    uint8_t *data;
    size_t len;
    size_t cap;
};

int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_append_str(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_putc(struct buf *b, uint8_t c);
/* Append an unsigned LEB128 varint. */
int buf_put_varint(struct buf *b, uint64_t v);
/* Make data NUL-terminated (without counting the NUL in len). */
int buf_terminate(struct buf *b);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
/* Hand the memory to the caller (who frees it); the buffer becomes empty. */
uint8_t *buf_steal(struct buf *b, size_t *len);

#endif
