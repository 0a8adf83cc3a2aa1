/* entity.h - process entity ids: a process's identity that survives pid reuse.
 *
 * entity id = first 8 bytes of SHA-256("vigil-entity-v1" | machine id | boot id | pid |
 * start ticks), as 16 lower-case hex digits. Start ticks are the process start time in clock
 * ticks since boot, exactly as /proc/PID/stat field 22 shows it, so the id computed from an
 * eBPF event (task->start_boottime / (1e9 / USER_HZ)) and the one computed from /proc agree. */
#ifndef VIGIL_ENTITY_H
#define VIGIL_ENTITY_H

#include <stdint.h>

#define ENTITY_ID_LEN 16

void entity_id_make(const char *machine_id, const char *boot_id, int32_t pid,
                    uint64_t start_ticks, char out[ENTITY_ID_LEN + 1]);

#endif
