/* tasks.c - parked long-poll requests and the reaper thread (tasks.h).
 *
 * Ordering: a handler takes tasks_lock, checks the store, and parks only if there is nothing
 * to answer yet; whoever changes the store commits first and then notifies under the same lock.
 * So a notification either finds the request parked or the handler saw the change: a wake-up
 * is never lost. */
#include "server/tasks/tasks.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "server/api/http.h"
#include "server/server.h"
#include "server/store/store_tasks.h"

struct waiter {
    struct waiter *next;
    char key[128];
    void *conn;
    int fd;            /* the connection's socket, watched for the client going away */
    uint64_t deadline; /* monotonic ns */
};

struct tasks_state {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct waiter *waiters;
    pthread_t reaper;
    bool running, stop;
};

static struct tasks_state *state(struct server *srv) { return srv->tasks; }

void tasks_lock(struct server *srv) { pthread_mutex_lock(&state(srv)->lock); }
void tasks_unlock(struct server *srv) { pthread_mutex_unlock(&state(srv)->lock); }

bool tasks_park(struct server *srv, struct http_request *req, const char *key,
                uint64_t deadline_ms)
{
    struct tasks_state *ts = state(srv);
    if (ts->stop)
        return false; /* stopping: nothing may stay suspended when the daemon stops */
    struct waiter *w = calloc(1, sizeof(*w));
    if (!w)
        return false;
    str_copy(w->key, key, sizeof(w->key));
    w->conn = req->conn;
    w->fd = http_connection_fd(req);
    w->deadline = time_mono_ns() + deadline_ms * 1000000ull;
    http_suspend(req);
    w->next = ts->waiters;
    ts->waiters = w;
    return true;
}

/* Whether the client of a parked request hung up (or sent something, which it should not while
 * it waits): such a request is woken at once, so a dead agent is not counted as waiting. */
static bool client_gone(const struct waiter *w)
{
    if (w->fd < 0)
        return false;
    struct pollfd p = {.fd = w->fd, .events = POLLIN | POLLRDHUP};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR));
}

/* With the lock held: wake and forget waiters matching key (NULL: all), or, with
 * expired_only, those past their deadline or whose client is gone. */
static void wake(struct tasks_state *ts, const char *key, bool expired_only)
{
    uint64_t now = time_mono_ns();
    struct waiter **pp = &ts->waiters;
    while (*pp) {
        struct waiter *w = *pp;
        bool hit = expired_only ? w->deadline <= now || client_gone(w)
                                : (!key || strcmp(w->key, key) == 0);
        if (hit) {
            *pp = w->next;
            http_resume(w->conn);
            free(w);
        } else {
            pp = &w->next;
        }
    }
}

bool tasks_agent_online(struct server *srv, const char *agent_id)
{
    struct tasks_state *ts = state(srv);
    char key[128];
    snprintf(key, sizeof(key), "agent:%s", agent_id);
    bool parked = false;
    pthread_mutex_lock(&ts->lock);
    for (struct waiter *w = ts->waiters; w && !parked; w = w->next)
        parked = strcmp(w->key, key) == 0;
    pthread_mutex_unlock(&ts->lock);
    return parked || store_agent_online(srv->store, agent_id,
                                        (int64_t)(srv->cfg.online_window / 1000));
}

void tasks_notify(struct server *srv, const char *key)
{
    struct tasks_state *ts = state(srv);
    pthread_mutex_lock(&ts->lock);
    wake(ts, key, false);
    pthread_mutex_unlock(&ts->lock);
}

static void *reaper_main(void *arg)
{
    struct server *srv = arg;
    struct tasks_state *ts = state(srv);
    uint64_t last_expire = 0;
    pthread_mutex_lock(&ts->lock);
    while (!ts->stop) {
        struct timespec t;
        time_deadline_ts(200, &t);
        pthread_cond_timedwait(&ts->cond, &ts->lock, &t);
        wake(ts, NULL, true);
        uint64_t now = time_mono_ns();
        if (now - last_expire > 5000000000ull) {
            last_expire = now;
            pthread_mutex_unlock(&ts->lock);
            int n = store_tasks_expire(srv->store);
            if (n > 0)
                log_info("tasks: %d answers expired unanswered", n);
            pthread_mutex_lock(&ts->lock);
        }
    }
    pthread_mutex_unlock(&ts->lock);
    return NULL;
}

int tasks_start(struct server *srv, struct vg_error *err)
{
    struct tasks_state *ts = calloc(1, sizeof(*ts));
    if (!ts)
        return vg_error_set(err, -ENOMEM, "out of memory");
    pthread_mutex_init(&ts->lock, NULL);
    pthread_cond_init(&ts->cond, NULL);
    srv->tasks = ts;
    int rc = pthread_create(&ts->reaper, NULL, reaper_main, srv);
    if (rc)
        return vg_error_set(err, -rc, "cannot start the task reaper: %s", strerror(rc));
    ts->running = true;
    return 0;
}

void tasks_stop(struct server *srv)
{
    struct tasks_state *ts = state(srv);
    if (!ts)
        return;
    pthread_mutex_lock(&ts->lock);
    ts->stop = true;
    wake(ts, NULL, false);
    pthread_cond_broadcast(&ts->cond);
    pthread_mutex_unlock(&ts->lock);
    if (ts->running)
        pthread_join(ts->reaper, NULL);
    ts->running = false;
}

void tasks_free(struct server *srv)
{
    struct tasks_state *ts = state(srv);
    if (!ts)
        return;
    tasks_stop(srv);
    while (ts->waiters) {
        struct waiter *w = ts->waiters;
        ts->waiters = w->next;
        free(w);
    }
    pthread_mutex_destroy(&ts->lock);
    pthread_cond_destroy(&ts->cond);
    free(ts);
    srv->tasks = NULL;
}
