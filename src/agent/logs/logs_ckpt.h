/* logs_ckpt.h - where each log input is, persisted so that the agent resumes exactly after a
 * restart or a kill -9: neither a line lost nor a line sent twice.
 *
 * A source is a file (device, inode, a fingerprint of its first bytes, its path) or the
 * journal (a cursor). Its position moves in two steps, driven by the pipeline's tracker on the
 * writer thread: `assigned` makes the end of a record the tentative position (with the spool
 * sequence number of its last event), `prepare` writes the checkpoint file before the spool
 * commit, `committed` confirms it. After a crash the tentative position is used when its
 * sequence number is below pipeline_first_seq() of the new run (the records reached the
 * spool), else the confirmed one: so the file always names a position whose records are all
 * in the spool, and no later one.
 *
 * The checkpoint file is text, rewritten atomically (temp file + rename):
 *   vigil-logs-checkpoint 1
 *   F <dev> <ino> <fingerprint> <fp_len> <confirmed> <tentative> <seq> <log_file>
 * (log_file: the name the records carry; a rotated file is found again among its siblings)
 *   J <seq> <confirmed cursor|-> <tentative cursor|->
 * Tokens given to the pipeline are (slot << 44) | end offset (or journal entry number). */
#ifndef VIGIL_AGENT_LOGS_CKPT_H
#define VIGIL_AGENT_LOGS_CKPT_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/pipeline.h"
#include "common/error.h"

#define CKPT_SLOT_SHIFT 44
#define CKPT_OFF_MASK ((1ull << CKPT_SLOT_SHIFT) - 1)
#define CKPT_CURSOR_MAX 320
#define CKPT_JOURNAL_RING 1024 /* journal entries in flight at most */

enum ckpt_kind { CKPT_FILE = 1, CKPT_JOURNAL = 2 };

/* A checkpoint found in the file at start, waiting for its file to be found again. */
struct ckpt_restored {
    enum ckpt_kind kind;
    dev_t dev;
    ino_t ino;
    uint64_t fp;
    uint32_t fp_len;
    uint64_t offset;                /* where to resume */
    char cursor[CKPT_CURSOR_MAX];   /* journal */
    char path[PATH_MAX];
    bool claimed;
};

struct ckpt_src {
    bool used, closed;
    enum ckpt_kind kind;
    dev_t dev;
    ino_t ino;
    uint64_t fp;
    uint32_t fp_len;
    char path[PATH_MAX];
    uint64_t conf_off, tent_off, tent_seq;
    uint64_t inflight;  /* records offered, not yet assigned */
    /* journal */
    char conf_cursor[CKPT_CURSOR_MAX], tent_cursor[CKPT_CURSOR_MAX];
    char (*ring)[CKPT_CURSOR_MAX];
};

struct logs_ckpt {
    pthread_mutex_t lock;
    char path[PATH_MAX];
    bool existed;           /* the file was there at start: not the agent's first run */
    bool dirty;
    uint64_t first_seq;
    struct ckpt_src *src;
    size_t nsrc, cap;
    struct ckpt_restored *restored;
    size_t nrestored;
    struct pipeline_tracker tracker;
    uint64_t writes, write_errors;
    bool uncommitted;       /* assigned since the last commit */
};

/* Load the checkpoint file at path (absent: a first run) and resolve each entry's position
 * against first_seq. -errno with err naming the file and line when it is unreadable or
 * malformed (the module then starts afresh and says so). */
int logs_ckpt_open(const char *path, uint64_t first_seq, struct logs_ckpt **out,
                   struct vg_error *err);
void logs_ckpt_free(struct logs_ckpt *ck);

/* A restored file checkpoint for (dev, ino) whose fingerprint matches the file's head
 * (fp of fp_len bytes computed by the caller over the same length), or NULL. Marks it claimed. */
struct ckpt_restored *logs_ckpt_find(struct logs_ckpt *ck, dev_t dev, ino_t ino,
                                     uint64_t (*head_fp)(void *arg, uint32_t len), void *arg);

/* A new source; returns its slot, or -ENOSPC / -ENOMEM. The file is saved. */
int logs_ckpt_add_file(struct logs_ckpt *ck, dev_t dev, ino_t ino, uint64_t fp, uint32_t fp_len,
                       const char *path, uint64_t offset);
int logs_ckpt_add_journal(struct logs_ckpt *ck, const char *cursor);
/* The source's content is now read from another inode (a copytruncate's copy, found by its
 * fingerprint among the siblings of the source's path). */
void logs_ckpt_move(struct logs_ckpt *ck, int slot, dev_t dev, ino_t ino);
/* Forget restored checkpoints no file was found for (logged by the caller); returns how many. */
size_t logs_ckpt_drop_unclaimed(struct logs_ckpt *ck);
/* The fingerprint of a growing file got longer. */
void logs_ckpt_set_fp(struct logs_ckpt *ck, int slot, uint64_t fp, uint32_t fp_len);
/* The source is finished (file rotated away and read to its end): forgotten once its
 * records are committed. */
void logs_ckpt_close(struct logs_ckpt *ck, int slot);
/* A record of slot ending at end_off is about to be offered: its token. */
uint64_t logs_ckpt_offer(struct logs_ckpt *ck, int slot, uint64_t end_off);
/* A journal entry is about to be offered: its token (the cursor is copied). -EAGAIN when
 * CKPT_JOURNAL_RING entries are in flight already. */
int logs_ckpt_offer_journal(struct logs_ckpt *ck, int slot, uint64_t entry, const char *cursor,
                            uint64_t *token);
/* The record was not offered after all (the queue was full): undo logs_ckpt_offer. */
void logs_ckpt_unoffer(struct logs_ckpt *ck, int slot);
/* Records of slot offered and not yet in the spool. */
uint64_t logs_ckpt_inflight(struct logs_ckpt *ck, int slot);
/* True when no record is in flight and every assigned one is committed: the pipeline will
 * not call the tracker again (the module may then free the checkpoint). */
bool logs_ckpt_idle(struct logs_ckpt *ck);
/* Write the file now (structural changes); 0 or -errno. */
int logs_ckpt_save(struct logs_ckpt *ck);

#endif
