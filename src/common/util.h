/* util.h - small system helpers shared by agent, server and CLI: clocks, whole-file I/O with
 * bounds, atomic file replacement, randomness, hex, SHA-256 and host identity. */
#ifndef VIGIL_UTIL_H
#define VIGIL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "common/buf.h"
#include "common/error.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Wall-clock time in ns since the Unix epoch. */
uint64_t time_now_ns(void);
/* Monotonic time in ns (for intervals and timeouts). */
uint64_t time_mono_ns(void);
/* The CLOCK_REALTIME instant ms milliseconds from now, for pthread_cond_timedwait. */
void time_deadline_ts(uint64_t ms, struct timespec *ts);
/* Format ns since epoch as RFC 3339 UTC with nanoseconds into out (>= 32 bytes). */
void time_format_ns(uint64_t ns, char *out, size_t outlen);

/* Read a whole file into b (appending), refusing files larger than max bytes (-EFBIG).
 * Works for /proc files whose size is reported as 0. */
int file_read_all(const char *path, struct buf *b, size_t max);
/* Read at most max bytes of a file into b (appending); *truncated says whether there was more. */
int file_read_prefix(const char *path, struct buf *b, size_t max, bool *truncated);
/* Read a small text file into out (NUL-terminated, trailing newline removed); returns length. */
ssize_t file_read_line(const char *path, char *out, size_t outlen);
/* Write data to path atomically (temp file in the same directory, rename) with mode; with
 * durable, the data is fsync'ed before the rename. */
int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);
int file_write_replace(const char *path, const void *data, size_t len, mode_t mode, bool durable);
/* mkdir -p with mode for created components. */
int dir_make(const char *path, mode_t mode);
/* Remove a directory tree (used by tests and uninstall); returns 0 or -errno. */
int dir_remove_tree(const char *path);

/* Fill out with cryptographically secure random bytes (getrandom). */
int random_bytes(void *out, size_t len);
/* A random RFC 4122 version-4 UUID, lower-case, into out (>= 37 bytes). */
int uuid_random(char *out);
/* Lower-case hex of len bytes into out (>= 2*len+1). */
void hex_encode(const void *data, size_t len, char *out);
/* Decode hex (either case) of exactly 2*outlen characters; -EINVAL on bad input. */
int hex_decode(const char *hex, void *out, size_t outlen);
/* SHA-256 of data as 64 hex chars + NUL. */
void sha256_hex(const void *data, size_t len, char out[65]);
void sha256_raw(const void *data, size_t len, uint8_t out[32]);
/* Compare two byte strings in constant time. */
bool secure_equal(const void *a, const void *b, size_t len);

/* This boot's id from /proc/sys/kernel/random/boot_id (36 chars + NUL). */
int host_boot_id(char out[37]);
/* The short host name. */
void host_name(char *out, size_t outlen);
/* Boot time in ns since epoch (from /proc/stat btime, refined with CLOCK_BOOTTIME). */
uint64_t host_boot_time_ns(void);

/* Copy src into dst of size n, always NUL-terminating; returns strlen(src). */
size_t str_copy(char *dst, const char *src, size_t n);
/* True when s starts with prefix. */
bool str_starts_with(const char *s, const char *prefix);

#endif
