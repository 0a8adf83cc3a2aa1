/* enrich.c - user and group names, ancestry, container runtime and executable hashes for sensor
 * events (enrich.h).
 *
 * Names: getpwuid_r/getgrgid_r through a small direct-mapped cache (an id's name rarely changes;
 * entries expire after NAME_TTL so a renamed or new user shows within a minute).
 * Hashes: a direct-mapped cache keyed by (dev, ino, mtime, size); a miss puts the exec event on
 * a bounded queue and the hashing thread reads the file (SHA-256 by OpenSSL's EVP), fills the
 * cache, adds the field and submits the event. So a sensor's reader never reads a file; an exec
 * of a binary seen for the first time reaches the spool after the hash is computed (its time is
 * the exec's, so order by time is kept). */
#include "agent/enrich/enrich.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "agent/pipeline.h"
#include "agent/proctable.h"
#include "common/util.h"

#define NAME_SLOTS 256
#define NAME_TTL_NS (60ull * 1000000000ull)
#define HASH_SLOTS 4096

struct name_slot {
    bool used;
    uint32_t id;
    uint64_t at;
    char name[64];
};

struct hash_slot {
    struct enrich_file_id id;
    char hex[65]; /* "" = empty slot */
};

struct hash_job {
    struct hash_job *next;
    struct event *ev;
    int32_t pid;
    bool have_id;
    struct enrich_file_id id;
    char path[];
};

struct enrich {
    struct enrich_options opt;
    struct proctable *procs;
    struct pipeline *pipeline;
    pthread_mutex_t lock; /* names, hashes, queue, stats */
    pthread_cond_t cond;
    struct name_slot users[NAME_SLOTS], groups[NAME_SLOTS];
    struct hash_slot *hashes;
    struct hash_job *head, *tail;
    size_t queued;
    bool stop;
    pthread_t thread;
    bool running;
    struct enrich_stats stats;
};

static bool lookup_name(struct enrich *e, struct name_slot *slots, bool user, uint32_t id,
                        char *out, size_t outlen)
{
    struct name_slot *s = &slots[id % NAME_SLOTS];
    uint64_t now = time_mono_ns();
    pthread_mutex_lock(&e->lock);
    bool hit = s->used && s->id == id && now - s->at < NAME_TTL_NS;
    if (hit)
        str_copy(out, s->name, outlen);
    pthread_mutex_unlock(&e->lock);
    if (hit)
        return out[0] != '\0';

    char buf[4096], name[64] = "";
    if (user) {
        struct passwd pw, *res = NULL;
        if (getpwuid_r(id, &pw, buf, sizeof(buf), &res) == 0 && res)
            str_copy(name, res->pw_name, sizeof(name));
    } else {
        struct group gr, *res = NULL;
        if (getgrgid_r(id, &gr, buf, sizeof(buf), &res) == 0 && res)
            str_copy(name, res->gr_name, sizeof(name));
    }
    pthread_mutex_lock(&e->lock);
    s->used = true;
    s->id = id;
    s->at = now;
    str_copy(s->name, name, sizeof(s->name));
    pthread_mutex_unlock(&e->lock);
    str_copy(out, name, outlen);
    return name[0] != '\0';
}

bool enrich_user_name(struct enrich *e, uint32_t uid, char *out, size_t outlen)
{
    return lookup_name(e, e->users, true, uid, out, outlen);
}

bool enrich_group_name(struct enrich *e, uint32_t gid, char *out, size_t outlen)
{
    return lookup_name(e, e->groups, false, gid, out, outlen);
}

int enrich_ancestry(struct enrich *e, int32_t pid, struct buf *out)
{
    return proctable_ancestry_json(e->procs, pid, ENRICH_ANCESTRY_DEPTH, out);
}

const char *enrich_container_runtime(const char *cg)
{
    if (!cg)
        return "";
    if (strstr(cg, "libpod-"))
        return "podman";
    if (strstr(cg, "crio-"))
        return "cri-o";
    if (strstr(cg, "cri-containerd-") || strstr(cg, "containerd"))
        return "containerd";
    if (strstr(cg, "docker"))
        return "docker";
    if (strstr(cg, "lxc.payload.") || strncmp(cg, "/lxc/", 5) == 0)
        return "lxc";
    return "";
}

static size_t hash_slot_of(const struct enrich_file_id *id)
{
    uint64_t h = id->dev * 0x9e3779b97f4a7c15ull ^ id->ino * 0xc2b2ae3d27d4eb4full ^
                 id->mtime_ns ^ id->size * 31;
    return (size_t)(h >> 20) % HASH_SLOTS;
}

static bool same_id(const struct enrich_file_id *a, const struct enrich_file_id *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->mtime_ns == b->mtime_ns &&
           a->size == b->size;
}

/* The cached hash of id into hex (caller holds the lock). */
static bool cache_get(struct enrich *e, const struct enrich_file_id *id, char hex[65])
{
    struct hash_slot *s = &e->hashes[hash_slot_of(id)];
    if (!s->hex[0] || !same_id(&s->id, id))
        return false;
    memcpy(hex, s->hex, 65);
    return true;
}

/* SHA-256 of the open file fd (at most max bytes: larger files are not hashed). */
static int sha256_fd(int fd, uint64_t max, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE], buf[65536];
    unsigned int mdlen = 0;
    uint64_t total = 0;
    int rc = -EIO;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        goto cleanup;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            goto cleanup;
        }
        if (n == 0)
            break;
        total += (uint64_t)n;
        if (total > max) {
            rc = -EFBIG;
            goto cleanup;
        }
        if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
            goto cleanup;
    }
    if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
        goto cleanup;
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    rc = 0;
cleanup:
    EVP_MD_CTX_free(ctx);
    return rc;
}

/* Hash the file of a job: /proc/PID/exe first (right even for a deleted or memfd image, and
 * what actually runs), else its path. */
static int hash_job_file(struct enrich *e, struct hash_job *j, char hex[65])
{
    char link[64];
    snprintf(link, sizeof(link), "/proc/%d/exe", (int)j->pid);
    int fd = open(link, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && j->path[0] == '/')
        fd = open(j->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    struct stat st;
    int rc = fstat(fd, &st);
    if (rc == 0 && !S_ISREG(st.st_mode))
        rc = -EINVAL;
    if (rc == 0) {
        struct enrich_file_id id = {(uint64_t)st.st_dev, (uint64_t)st.st_ino,
                                    (uint64_t)st.st_mtim.tv_sec * 1000000000ull +
                                        (uint64_t)st.st_mtim.tv_nsec,
                                    (uint64_t)st.st_size};
        pthread_mutex_lock(&e->lock);
        bool hit = cache_get(e, &id, hex);
        pthread_mutex_unlock(&e->lock);
        if (!hit) {
            rc = sha256_fd(fd, e->opt.hash_max_size, hex);
            if (rc == 0) {
                pthread_mutex_lock(&e->lock);
                struct hash_slot *s = &e->hashes[hash_slot_of(&id)];
                s->id = id;
                memcpy(s->hex, hex, 65);
                /* the key the BPF side saw may differ in its device number encoding */
                if (j->have_id && !same_id(&j->id, &id)) {
                    s = &e->hashes[hash_slot_of(&j->id)];
                    s->id = j->id;
                    memcpy(s->hex, hex, 65);
                }
                e->stats.hash_computed++;
                pthread_mutex_unlock(&e->lock);
            }
        }
    }
    close(fd);
    return rc;
}

static void *hash_main(void *arg)
{
    struct enrich *e = arg;
    pthread_setname_np(pthread_self(), "vigil-hash");
    pthread_mutex_lock(&e->lock);
    for (;;) {
        while (!e->head && !e->stop)
            pthread_cond_wait(&e->cond, &e->lock);
        struct hash_job *j = e->head;
        if (!j)
            break; /* stopping and nothing left */
        e->head = j->next;
        if (!e->head)
            e->tail = NULL;
        e->queued--;
        bool stopping = e->stop;
        pthread_mutex_unlock(&e->lock);
        char hex[65];
        if (!stopping && hash_job_file(e, j, hex) == 0)
            event_add_str(j->ev, FLD_EXE_SHA256, hex);
        else {
            pthread_mutex_lock(&e->lock);
            e->stats.hash_skipped++;
            pthread_mutex_unlock(&e->lock);
        }
        pipeline_submit(e->pipeline, j->ev);
        free(j);
        pthread_mutex_lock(&e->lock);
    }
    pthread_mutex_unlock(&e->lock);
    return NULL;
}

int enrich_submit_exec(struct enrich *e, struct event *ev, int32_t pid, const char *path,
                       const struct enrich_file_id *id)
{
    if (!e->opt.hash_executables)
        return pipeline_submit(e->pipeline, ev);
    char hex[65];
    pthread_mutex_lock(&e->lock);
    if (id && cache_get(e, id, hex)) {
        e->stats.hash_hits++;
        pthread_mutex_unlock(&e->lock);
        event_add_str(ev, FLD_EXE_SHA256, hex);
        return pipeline_submit(e->pipeline, ev);
    }
    bool full = e->queued >= e->opt.hash_queue || !e->running;
    if (full)
        e->stats.hash_skipped++;
    pthread_mutex_unlock(&e->lock);
    if (id && id->size > e->opt.hash_max_size)
        full = true;
    size_t plen = path ? strlen(path) : 0;
    struct hash_job *j = full ? NULL : malloc(sizeof(*j) + plen + 1);
    if (!j)
        return pipeline_submit(e->pipeline, ev);
    j->next = NULL;
    j->ev = ev;
    j->pid = pid;
    j->have_id = id != NULL;
    if (id)
        j->id = *id;
    memcpy(j->path, path ? path : "", plen + 1);
    pthread_mutex_lock(&e->lock);
    if (e->tail)
        e->tail->next = j;
    else
        e->head = j;
    e->tail = j;
    e->queued++;
    pthread_cond_signal(&e->cond);
    pthread_mutex_unlock(&e->lock);
    return 0;
}

void enrich_get_stats(struct enrich *e, struct enrich_stats *st)
{
    pthread_mutex_lock(&e->lock);
    *st = e->stats;
    pthread_mutex_unlock(&e->lock);
}

int enrich_new(const struct enrich_options *opt, struct proctable *procs, struct pipeline *pipeline,
               struct enrich **out, struct vg_error *err)
{
    struct enrich *e = calloc(1, sizeof(*e));
    if (!e || !(e->hashes = calloc(HASH_SLOTS, sizeof(*e->hashes)))) {
        free(e);
        return vg_error_set(err, -ENOMEM, "enrichment: out of memory");
    }
    e->opt = *opt;
    e->procs = procs;
    e->pipeline = pipeline;
    pthread_mutex_init(&e->lock, NULL);
    pthread_cond_init(&e->cond, NULL);
    if (e->opt.hash_executables) {
        int rc = pthread_create(&e->thread, NULL, hash_main, e);
        if (rc) {
            enrich_free(e);
            return vg_error_set(err, -rc, "enrichment: cannot start the hashing thread: %s",
                                strerror(rc));
        }
        e->running = true;
    }
    *out = e;
    return 0;
}

void enrich_free(struct enrich *e)
{
    if (!e)
        return;
    if (e->running) {
        pthread_mutex_lock(&e->lock);
        e->stop = true;
        pthread_cond_broadcast(&e->cond);
        pthread_mutex_unlock(&e->lock);
        pthread_join(e->thread, NULL);
    }
    pthread_mutex_destroy(&e->lock);
    pthread_cond_destroy(&e->cond);
    free(e->hashes);
    free(e);
}
