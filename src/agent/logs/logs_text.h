/* logs_text.h - making a record's bytes safe to store: text that is valid UTF-8 without NUL
 * bytes is kept as it is; anything else is escaped losslessly (\xNN for each NUL or invalid
 * byte, \\ for a backslash). */
#ifndef VIGIL_AGENT_LOGS_TEXT_H
#define VIGIL_AGENT_LOGS_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

/* True when s[0..n) is valid UTF-8 (RFC 3629: no overlongs, surrogates or values past
 * U+10FFFF) without NUL bytes. */
bool logs_text_clean(const char *s, size_t n);
/* Append the escaped form of s[0..n) to out (NUL-terminated); 0 or -ENOMEM. */
int logs_text_escape(const char *s, size_t n, struct buf *out);

#endif
