/* process_text.h - turning the raw bytes a process hands the kernel (argv, paths, comm) into the
 * text of event fields: always valid UTF-8 (an invalid byte becomes U+FFFD, so an event is never
 * dropped or rejected by a store because of its bytes), argv as a JSON array and as one line,
 * and the container id hidden in a cgroup path. Pure functions over buffers; no I/O. */
#ifndef VIGIL_PROCESS_TEXT_H
#define VIGIL_PROCESS_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

/* Copy the valid UTF-8 text src (len bytes) into dst of size dstlen, cut if needed at a
 * character boundary (never inside a multi-byte sequence), NUL-terminated. Returns the bytes
 * copied. */
size_t ptext_copy(char *dst, size_t dstlen, const char *src, size_t len);

/* Append s (len bytes, may hold any byte) to out as valid UTF-8: well-formed sequences are
 * copied, every other byte becomes U+FFFD, NUL becomes U+FFFD too. 0 or -ENOMEM. */
int ptext_utf8(struct buf *out, const char *s, size_t len);

/* Append argv (NUL-separated strings; the last one may lack its NUL when the capture was cut)
 * to out as a JSON array of strings, e.g. ["sh","-c","echo \"x\""]. Invalid UTF-8 is written
 * as \ufffd, control characters as \uXXXX escapes. *count receives the number of strings.
 * 0 or -ENOMEM. */
int ptext_args_json(struct buf *out, const char *args, size_t len, size_t *count);

/* Append s (len bytes, any bytes) to out as a JSON string literal with its quotes (invalid
 * UTF-8 as \ufffd, control characters escaped). 0 or -ENOMEM. */
int ptext_json_string(struct buf *out, const char *s, size_t len);

/* Append argv joined by single spaces (valid UTF-8, see ptext_utf8). 0 or -ENOMEM. */
int ptext_args_line(struct buf *out, const char *args, size_t len);

/* The container id in a cgroup path, innermost first: ".../docker-<64hex>.scope",
 * "/docker/<64hex>", "cri-containerd-<id>.scope", "crio-<id>.scope", "libpod-<id>.scope",
 * kubepods ".../pod<uid>/<64hex>", "lxc.payload.<name>" and "/lxc/<name>". Conmon scopes
 * ("crio-conmon-", "libpod-conmon-") are on the host side and are not containers. Writes the id
 * (NUL-terminated) and returns true, or writes "" and returns false. */
bool ptext_container_id(const char *cgroup_path, char *out, size_t outlen);

#endif
