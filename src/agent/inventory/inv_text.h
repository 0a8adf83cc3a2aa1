/* inv_text.h - small text helpers the inventory parsers share: trimming, word splitting,
 * shell-style values (os-release), and comma-joined lists. Pure functions on buffers that need
 * not be NUL-terminated; nothing here allocates except inv_list_add. */
#ifndef VIGIL_INV_TEXT_H
#define VIGIL_INV_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

/* The next line of text that is neither blank nor a comment (its first non-blank character is
 * one of comments), trimmed, and its length; *lineno counts every line read. NULL at the end.
 * *pos starts at 0. */
const char *inv_next_content_line(const char *text, size_t len, size_t *pos, unsigned *lineno,
                                  const char *comments, size_t *linelen);
/* Remove blanks (space, tab, CR) at both ends of s/len. */
void inv_trim(const char **s, size_t *len);
/* The next word of s/len starting at *pos (blank separated): returns it and its length, or
 * NULL when there is none. */
const char *inv_word(const char *s, size_t len, size_t *pos, size_t *wlen);
/* Copy s/len into out (NUL-terminated, cut to outlen - 1). Returns out. */
char *inv_copy(char *out, size_t outlen, const char *s, size_t len);
/* Whether s/len equals the NUL-terminated word w (case-sensitive / insensitive). */
bool inv_eq(const char *s, size_t len, const char *w);
bool inv_eq_nocase(const char *s, size_t len, const char *w);
/* The value of a shell-style assignment's right-hand side (os-release): "double quoted" with
 * backslash escapes, 'single quoted', or bare; into out. */
void inv_shell_value(const char *v, size_t len, char *out, size_t outlen);
/* Append item to a comma-separated list in b (no separator before the first). 0 or -ENOMEM. */
int inv_list_add(struct buf *b, const char *item, size_t len);
/* Parse a decimal unsigned integer of s/len into *out; false when it is not one (or overflows). */
bool inv_parse_u64(const char *s, size_t len, unsigned long long *out);

#endif
