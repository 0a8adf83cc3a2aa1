/* language.h - what the language_packages collector's parts share: the running processes it
 * looks at (interpreters, JVMs) and a set of what was already read in a scan. */
#ifndef VIGIL_INV_LANGUAGE_H
#define VIGIL_INV_LANGUAGE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent/inventory/inventory.h"

struct lang_proc {
    int32_t pid;
    char exe[PATH_MAX];   /* /proc/PID/exe */
    char argv0[PATH_MAX];
    bool same_mnt;        /* in the agent's mount namespace (its paths are ours) */
};

struct lang_procs {
    struct lang_proc *v;
    size_t n;
};

/* The live system's processes (none when the scan reads another root). */
void lang_procs_read(struct inv_scan *s, struct lang_procs *out);
void lang_procs_free(struct lang_procs *p);

/* A set of strings: lang_seen_add returns false when item was already in it. */
struct lang_seen {
    char **v;
    size_t n, cap;
};
bool lang_seen_add(struct lang_seen *set, const char *item);
void lang_seen_free(struct lang_seen *set);

void lang_python(struct inv_scan *s, const struct lang_procs *procs);
void lang_java(struct inv_scan *s, const struct lang_procs *procs);

#endif
