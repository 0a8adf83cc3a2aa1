/* inventory_scan.c - what a collector works with during a scan (inventory.h): rows and their
 * fields, warnings, reading the host's files under the configured root without ever blocking
 * or following them into devices, directory listings, and file hashes cached across scans. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/inventory/inventory_internal.h"
#include "agent/sensors/process/process_text.h"
#include "common/log.h"
#include "common/util.h"

#define INV_TEXT_MAX (64u << 10)
#define INV_KEY_MAX 4096
#define HASH_CACHE_MAX 8192

/* ------------------------------------------------------------------ rows */

int inv_scan_init(struct inv_scan *s, const struct inv_collector *c,
                  const struct inventory_config *cfg, const struct host_info *host,
                  struct inv_hash_cache *hashes)
{
    memset(s, 0, sizeof(*s));
    s->cfg = cfg;
    s->host = host;
    s->hashes = hashes;
    s->root = cfg->root && cfg->root[0] && strcmp(cfg->root, "/") ? cfg->root : "";
    size_t n = 0;
    while (c->tables[n] != TBL_NONE)
        n++;
    s->tables = calloc(n ? n : 1, sizeof(*s->tables));
    if (!s->tables)
        return -ENOMEM;
    s->ntables = n;
    for (size_t i = 0; i < n; i++)
        s->tables[i].table = c->tables[i];
    return 0;
}

void inv_rows_free(struct inv_row_entry *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].key);
        event_free(rows[i].ev);
    }
    free(rows);
}

void inv_scan_fini(struct inv_scan *s)
{
    for (size_t i = 0; i < s->ntables; i++)
        inv_rows_free(s->tables[i].rows, s->tables[i].n);
    free(s->tables);
    s->tables = NULL;
    s->ntables = 0;
}

void inv_warn(struct inv_scan *s, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!s->warnings++)
        str_copy(s->warning, msg, sizeof(s->warning));
    log_debug("inventory: %s", msg);
}

struct event *inv_row(struct inv_scan *s, enum table_id t, const char *keyfmt, ...)
{
    struct inv_table_rows *tr = NULL;
    for (size_t i = 0; i < s->ntables && !tr; i++)
        if (s->tables[i].table == t)
            tr = &s->tables[i];
    if (!tr) { /* a collector bug: a table it did not declare */
        inv_warn(s, "a row for table %u, which the collector does not declare", t);
        return NULL;
    }
    if (s->cfg->max_rows > 0 && tr->n >= (size_t)s->cfg->max_rows) {
        if (!tr->full_warned)
            inv_warn(s, "%s: more than %lld rows; the rest are dropped",
                     schema_table(t)->name, (long long)s->cfg->max_rows);
        tr->full_warned = true;
        return NULL;
    }
    char raw[INV_KEY_MAX];
    va_list ap;
    va_start(ap, keyfmt);
    int len = vsnprintf(raw, sizeof(raw), keyfmt, ap);
    va_end(ap);
    if (len < 0)
        len = 0;
    if ((size_t)len >= sizeof(raw))
        len = sizeof(raw) - 1;
    struct buf key = {0};
    struct event *ev = NULL;
    if (ptext_utf8(&key, raw, (size_t)len) || buf_terminate(&key))
        goto oom;
    if (tr->n == tr->cap) {
        size_t cap = tr->cap ? tr->cap * 2 : 64;
        struct inv_row_entry *r = realloc(tr->rows, cap * sizeof(*r));
        if (!r)
            goto oom;
        tr->rows = r;
        tr->cap = cap;
    }
    if (!(ev = event_new(t, "")))
        goto oom;
    tr->rows[tr->n].key = (char *)buf_steal(&key, NULL);
    tr->rows[tr->n].ev = ev;
    tr->n++;
    return ev;
oom:
    buf_free(&key);
    if (!s->oom)
        inv_warn(s, "out of memory");
    s->oom = true;
    return NULL;
}

void inv_strn(struct event *ev, enum field_id f, const char *s, size_t len)
{
    if (!ev || !s)
        return;
    if (len > INV_TEXT_MAX)
        len = INV_TEXT_MAX;
    struct buf b = {0};
    if (ptext_utf8(&b, s, len) == 0) {
        /* cutting the repaired text at a character boundary keeps it valid */
        size_t n = b.len;
        if (n > INV_TEXT_MAX) {
            n = INV_TEXT_MAX;
            while (n > 0 && (b.data[n] & 0xc0) == 0x80)
                n--;
        }
        event_add_strn(ev, f, b.data ? (const char *)b.data : "", n);
    }
    buf_free(&b);
}

void inv_str(struct event *ev, enum field_id f, const char *s)
{
    if (s)
        inv_strn(ev, f, s, strlen(s));
}

void inv_int(struct event *ev, enum field_id f, int64_t v)
{
    if (ev)
        event_add_int(ev, f, v);
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(((const struct inv_row_entry *)a)->key, ((const struct inv_row_entry *)b)->key);
}

void inv_rows_finish(struct inv_table_rows *t)
{
    if (t->n < 2)
        return;
    qsort(t->rows, t->n, sizeof(*t->rows), key_cmp);
    bool renamed = false;
    for (size_t i = 1; i < t->n; i++) {
        if (strcmp(t->rows[i].key, t->rows[i - 1].key) != 0)
            continue;
        /* repeats of one key: the 2nd becomes key#2, the 3rd key#3, ... */
        size_t first = i - 1, k = i;
        while (k < t->n && !strcmp(t->rows[k].key, t->rows[first].key))
            k++;
        for (size_t j = first + 1; j < k; j++) {
            size_t l = strlen(t->rows[j].key) + 24;
            char *nk = malloc(l);
            if (!nk)
                continue; /* stays a duplicate; the diff treats it as one more row */
            snprintf(nk, l, "%s#%zu", t->rows[j].key, j - first + 1);
            free(t->rows[j].key);
            t->rows[j].key = nk;
            renamed = true;
        }
        i = k - 1;
    }
    if (renamed)
        qsort(t->rows, t->n, sizeof(*t->rows), key_cmp);
}

/* ------------------------------------------------------------------ files */

bool inv_fmt(char *out, size_t outlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, outlen, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= outlen) {
        if (outlen)
            out[0] = '\0';
        return false;
    }
    return true;
}

int inv_path(const struct inv_scan *s, const char *abs, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "%s%s%s", s->root, abs[0] == '/' ? "" : "/", abs);
    return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

int inv_read_real(const char *real, struct buf *b, size_t max, struct stat *st)
{
    int fd = open(real, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOATIME);
    if (fd < 0 && errno == EPERM) /* O_NOATIME needs ownership or CAP_FOWNER */
        fd = open(real, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat sb;
    int rc = 0;
    if (fstat(fd, &sb) < 0) {
        rc = -errno;
        goto cleanup;
    }
    if (!S_ISREG(sb.st_mode)) {
        rc = -EINVAL;
        goto cleanup;
    }
    if (st)
        *st = sb;
    for (;;) {
        if ((rc = buf_reserve(b, 16384)))
            goto cleanup;
        size_t room = b->cap - b->len - 1;
        ssize_t r = read(fd, b->data + b->len, room);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            goto cleanup;
        }
        if (r == 0)
            break;
        b->len += (size_t)r;
        if (b->len > max) {
            rc = -EFBIG;
            goto cleanup;
        }
    }
    rc = buf_terminate(b);
cleanup:
    close(fd);
    return rc;
}

int inv_read(const struct inv_scan *s, const char *abs, struct buf *b, size_t max,
             struct stat *st)
{
    char real[4096];
    int rc = inv_path(s, abs, real, sizeof(real));
    return rc ? rc : inv_read_real(real, b, max, st);
}

const char *inv_next_line(const char *text, size_t len, size_t *pos, size_t *linelen)
{
    if (*pos >= len)
        return NULL;
    const char *start = text + *pos;
    const char *nl = memchr(start, '\n', len - *pos);
    size_t l = nl ? (size_t)(nl - start) : len - *pos;
    *pos += l + (nl ? 1 : 0);
    if (l && start[l - 1] == '\r')
        l--;
    *linelen = l;
    return start;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void inv_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int inv_list_dir(const struct inv_scan *s, const char *abs, bool skip_hidden, char ***names,
                 size_t *n)
{
    char real[4096];
    *names = NULL;
    *n = 0;
    int rc = inv_path(s, abs, real, sizeof(real));
    if (rc)
        return rc;
    DIR *d = opendir(real);
    if (!d)
        return -errno;
    char **v = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (skip_hidden && de->d_name[0] == '.')
            continue;
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 32;
            char **nv = realloc(v, nc * sizeof(*nv));
            if (!nv) {
                rc = -ENOMEM;
                break;
            }
            v = nv;
            cap = nc;
        }
        if (!(v[cnt] = strdup(de->d_name))) {
            rc = -ENOMEM;
            break;
        }
        cnt++;
    }
    closedir(d);
    if (rc) {
        inv_names_free(v, cnt);
        return rc;
    }
    if (cnt > 1)
        qsort(v, cnt, sizeof(*v), name_cmp);
    *names = v;
    *n = cnt;
    return 0;
}

/* ------------------------------------------------------------------ hashes */

struct hash_entry {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime;
    uint64_t last_used; /* monotonic ns */
    char hex[65];
};

struct inv_hash_cache {
    struct hash_entry *v;
    size_t n, cap;
};

struct inv_hash_cache *inv_hash_cache_new(void) { return calloc(1, sizeof(struct inv_hash_cache)); }

void inv_hash_cache_free(struct inv_hash_cache *c)
{
    if (!c)
        return;
    free(c->v);
    free(c);
}

void inv_hash_cache_sweep(struct inv_hash_cache *c, uint64_t max_age_ns)
{
    if (!c)
        return;
    uint64_t now = time_mono_ns();
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++)
        if (now - c->v[i].last_used <= max_age_ns)
            c->v[k++] = c->v[i];
    c->n = k;
}

static bool same_file(const struct hash_entry *e, const struct stat *st)
{
    return e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
           e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec &&
           e->ctime.tv_sec == st->st_ctim.tv_sec && e->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

/* Hash an open file descriptor's content. */
static int hash_fd(int fd, char out[65])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int rc = -ENOMEM;
    uint8_t *chunk = malloc(1 << 16);
    if (!md || !chunk || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
        goto cleanup;
    for (;;) {
        ssize_t r = read(fd, chunk, 1 << 16);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = -errno;
            goto cleanup;
        }
        if (r == 0)
            break;
        EVP_DigestUpdate(md, chunk, (size_t)r);
    }
    uint8_t digest[32];
    unsigned dl = 0;
    EVP_DigestFinal_ex(md, digest, &dl);
    hex_encode(digest, 32, out);
    rc = 0;
cleanup:
    free(chunk);
    EVP_MD_CTX_free(md);
    return rc;
}

int inv_sha256_file(struct inv_scan *s, const char *real, uint64_t max, char out[65])
{
    int fd = open(real, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOATIME);
    if (fd < 0 && errno == EPERM)
        fd = open(real, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = -EINVAL;
        goto cleanup;
    }
    if ((uint64_t)st.st_size > max) {
        rc = -EFBIG;
        goto cleanup;
    }
    struct inv_hash_cache *c = s->hashes;
    for (size_t i = 0; c && i < c->n; i++)
        if (same_file(&c->v[i], &st)) {
            c->v[i].last_used = time_mono_ns();
            memcpy(out, c->v[i].hex, 65);
            goto cleanup;
        }
    if ((rc = hash_fd(fd, out)))
        goto cleanup;
    if (c && c->n < HASH_CACHE_MAX) {
        if (c->n == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 64;
            struct hash_entry *v = realloc(c->v, cap * sizeof(*v));
            if (!v)
                goto cleanup;
            c->v = v;
            c->cap = cap;
        }
        struct hash_entry *e = &c->v[c->n++];
        e->dev = st.st_dev;
        e->ino = st.st_ino;
        e->size = st.st_size;
        e->mtime = st.st_mtim;
        e->ctime = st.st_ctim;
        e->last_used = time_mono_ns();
        memcpy(e->hex, out, 65);
    }
cleanup:
    close(fd);
    return rc;
}
