/* logs_journal.h - the systemd journal as a log input (sd-journal): the local journal, or the
 * journal files of one directory; resumed after a restart from the cursor kept in the
 * checkpoint (logs_ckpt.h), so each entry is sent once. */
#ifndef VIGIL_AGENT_LOGS_JOURNAL_H
#define VIGIL_AGENT_LOGS_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/logs/logs_ckpt.h"
#include "common/error.h"

struct logs_journal_record {
    const char *message;      /* MESSAGE (NUL-free text; binary messages are escaped) */
    size_t message_len;
    char program[128];        /* SYSLOG_IDENTIFIER, else _COMM */
    char unit[256];           /* _SYSTEMD_UNIT */
    char host[256];           /* _HOSTNAME */
    int64_t pid;              /* _PID, -1 */
    int severity, facility;   /* PRIORITY, SYSLOG_FACILITY, -1 */
    uint64_t time_ns;         /* __REALTIME_TIMESTAMP */
    const char *cursor;
    int slot;
    uint64_t entry;           /* entry number of this run (for the checkpoint's token) */
};

/* Return 0 when taken, -EAGAIN to hold it (offered again later). */
typedef int (*logs_journal_emit_fn)(void *ctx, const struct logs_journal_record *rec);

struct logs_journal;

/* True when this host has journal files (in dir, or the system's journal directories). */
bool logs_journal_available(const char *dir);
/* Open the journal (dir "" = the local system journal) and position it: after the
 * checkpoint's cursor, else at the end (first run, unless read_from_head) or the start. */
int logs_journal_open(const char *dir, struct logs_ckpt *ck, bool read_from_head,
                      logs_journal_emit_fn emit, void *ctx, struct logs_journal **out,
                      struct vg_error *err);
void logs_journal_free(struct logs_journal *j);
/* Descriptor to poll for new entries. */
int logs_journal_fd(struct logs_journal *j);
/* Acknowledge a wake-up of the descriptor. */
void logs_journal_process(struct logs_journal *j);
/* Read and emit up to max entries; returns how many. */
size_t logs_journal_pump(struct logs_journal *j, size_t max);
uint64_t logs_journal_count(const struct logs_journal *j);

#endif
