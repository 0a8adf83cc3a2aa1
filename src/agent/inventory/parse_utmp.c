/* parse_utmp.c - login records in the utmp format of glibc (utmp, wtmp, btmp: fixed-size
 * struct utmp records, <utmp.h>), turned into bounded, NUL-terminated text. A partial record at
 * the end (a file being written) is ignored. */
#include <string.h>
#include <utmp.h>

#include "agent/inventory/inv_text.h"
#include "agent/inventory/parsers.h"

const char *utmp_type_name(int type)
{
    switch (type) {
    case RUN_LVL: return "run_level";
    case BOOT_TIME: return "boot";
    case NEW_TIME: return "new_time";
    case OLD_TIME: return "old_time";
    case INIT_PROCESS: return "init";
    case LOGIN_PROCESS: return "login";
    case USER_PROCESS: return "user";
    case DEAD_PROCESS: return "dead";
    case ACCOUNTING: return "accounting";
    default: return NULL;
    }
}

int parse_utmp(const uint8_t *data, size_t len, void (*each)(void *ctx, const struct login_record *r),
               void *ctx)
{
    int n = 0;
    for (size_t off = 0; off + sizeof(struct utmp) <= len; off += sizeof(struct utmp)) {
        struct utmp u;
        memcpy(&u, data + off, sizeof(u));
        const char *type = utmp_type_name(u.ut_type);
        if (!type)
            continue; /* EMPTY and anything unknown */
        struct login_record r;
        memset(&r, 0, sizeof(r));
        r.type = type;
        r.ut_type = u.ut_type;
        inv_copy(r.user, sizeof(r.user), u.ut_user, strnlen(u.ut_user, sizeof(u.ut_user)));
        inv_copy(r.tty, sizeof(r.tty), u.ut_line, strnlen(u.ut_line, sizeof(u.ut_line)));
        inv_copy(r.host, sizeof(r.host), u.ut_host, strnlen(u.ut_host, sizeof(u.ut_host)));
        r.pid = u.ut_pid;
        int64_t sec = u.ut_tv.tv_sec, usec = u.ut_tv.tv_usec;
        if (usec < 0 || usec >= 1000000)
            usec = 0;
        r.time_ns = sec * 1000000000ll + usec * 1000ll;
        each(ctx, &r);
        n++;
    }
    return n;
}
