/* periodic.c - the scheduled worker thread of periodic.h. */
#include "agent/periodic.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

static uint64_t jitter(uint64_t max_ms)
{
    uint64_t r = 0;
    if (max_ms == 0 || random_bytes(&r, sizeof(r)))
        return 0;
    return r % (max_ms + 1);
}

static void *periodic_thread(void *arg)
{
    struct periodic *p = arg;
    int nice_v = p->nice < 0 ? 0 : p->nice > 19 ? 19 : (int)p->nice;
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice_v))
        log_debug("%s: cannot lower the thread's priority: %s", p->name, strerror(errno));
    uint64_t due = time_mono_ns() + (p->start_delay_ms + jitter(p->jitter_ms)) * 1000000ull;
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        uint64_t now = time_mono_ns();
        if (!p->requested && now < due) {
            uint64_t wait_ms = (due - now) / 1000000ull + 1;
            struct timespec ts;
            time_deadline_ts(wait_ms > 60000 ? 60000 : wait_ms, &ts);
            pthread_cond_timedwait(&p->cond, &p->lock, &ts);
            continue;
        }
        bool on_demand = p->requested;
        p->requested = false;
        p->running = true;
        pthread_mutex_unlock(&p->lock);
        p->run(p->ctx, on_demand);
        pthread_mutex_lock(&p->lock);
        p->running = false;
        if (!on_demand)
            due = time_mono_ns() + (p->interval_ms + jitter(p->jitter_ms)) * 1000000ull;
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int periodic_start(struct periodic *p, struct vg_error *err)
{
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    int rc = pthread_create(&p->thread, NULL, periodic_thread, p);
    if (rc) {
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->cond);
        return vg_error_set(err, -rc, "%s: cannot start its thread: %s", p->name, strerror(rc));
    }
    p->started = true;
    return 0;
}

void periodic_stop(struct periodic *p)
{
    if (!p || !p->started)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cond);
    p->started = false;
}

bool periodic_request(struct periodic *p)
{
    pthread_mutex_lock(&p->lock);
    bool running = p->running;
    p->requested = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    return running;
}

bool periodic_running(struct periodic *p)
{
    if (!p->started)
        return false;
    pthread_mutex_lock(&p->lock);
    bool running = p->running;
    pthread_mutex_unlock(&p->lock);
    return running;
}

const char *periodic_mode(struct periodic *p)
{
    if (!p || !p->started)
        return "disabled";
    return periodic_running(p) ? "running" : "scheduled";
}
