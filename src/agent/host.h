/* host.h - facts about the host the agent runs on, read once at start: identity (machine id,
 * boot id, host name), OS and kernel, and the clock facts needed to turn kernel times into
 * wall-clock times and /proc start ticks. */
#ifndef VIGIL_AGENT_HOST_H
#define VIGIL_AGENT_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

struct host_info {
    char machine_id[64];  /* /etc/machine-id (or a generated id when missing) */
    char boot_id[37];     /* /proc/sys/kernel/random/boot_id */
    char hostname[256];
    char os[256];         /* os-release PRETTY_NAME */
    char kernel[128];     /* uname -r */
    char arch[32];        /* uname -m */
    long clk_tck;         /* sysconf(_SC_CLK_TCK), the unit of /proc start times */
    uint64_t boot_time_ns; /* wall-clock time of boot, ns since epoch */
    uint64_t scope_netns; /* report only the processes of this network namespace (its inode,
                             option scope: netns); 0: every process of the machine */
};

/* Fill h; fails only when the boot id cannot be read (no /proc). scope is the agent's option:
 * "host" (the machine) or "netns" (the agent's own network namespace). */
int host_info_load(struct host_info *h, const char *scope, struct vg_error *err);

/* Whether process pid is one this agent reports (always, unless the scope is a namespace). */
bool host_pid_in_scope(const struct host_info *h, int pid);

/* Convert a CLOCK_BOOTTIME nanosecond value (what the kernel records) to ns since epoch. */
static inline uint64_t host_boottime_to_epoch_ns(const struct host_info *h, uint64_t boot_ns)
{
    return h->boot_time_ns + boot_ns;
}
/* /proc start ticks from a CLOCK_BOOTTIME nanosecond start time. */
static inline uint64_t host_ns_to_ticks(const struct host_info *h, uint64_t boot_ns)
{
    return boot_ns / (1000000000ull / (uint64_t)h->clk_tck);
}

#endif
