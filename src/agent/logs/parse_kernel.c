/* parse_kernel.c - kernel messages, from a syslog file (program "kernel") or in dmesg style
 * ("[12345.678901] text"): the time since boot the kernel printed, and the process of a
 * segfault report ("a.out[1234]: segfault at 0 ip ... error 4 in ..."). */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "agent/logs/logs_parser.h"

static int kernel_parse(struct log_parse_ctx *ctx, const struct log_record *r,
                        struct log_parse_out *out)
{
    (void)ctx;
    const char *m = r->msg;
    bool is_kernel = !strcmp(r->program, "kernel");
    int64_t ns = -1;
    if (m[0] == '[') {
        const char *p = m + 1;
        while (*p == ' ')
            p++;
        int64_t sec = 0, frac = 0, scale = 1000000000;
        int digits = 0;
        while (isdigit((unsigned char)*p) && digits < 12) {
            sec = sec * 10 + (*p++ - '0');
            digits++;
        }
        if (digits && *p == '.') {
            p++;
            int fd = 0;
            while (isdigit((unsigned char)*p) && fd < 9) {
                scale /= 10;
                frac += (*p++ - '0') * scale;
                fd++;
            }
            if (fd && *p == ']') {
                ns = sec * 1000000000 + frac;
                m = p + 1;
                while (*m == ' ')
                    m++;
            }
        }
    }
    if (!is_kernel && ns < 0)
        return 0;
    if (ns >= 0)
        event_add_int(out->line, FLD_KERNEL_TIME, ns);
    if (!r->program[0])
        event_add_str(out->line, FLD_PROGRAM, "kernel");
    /* "comm[pid]: segfault at ..." */
    const char *sf = strstr(m, "]: segfault at ");
    if (sf) {
        const char *lb = sf;
        while (lb > m && *lb != '[')
            lb--;
        if (*lb == '[' && lb > m && lb - m < 64) {
            int64_t pid = 0;
            const char *d = lb + 1;
            while (d < sf && isdigit((unsigned char)*d))
                pid = pid * 10 + (*d++ - '0');
            if (d == sf) {
                event_add_strn(out->line, FLD_COMM, m, (size_t)(lb - m));
                event_add_int(out->line, FLD_PID, pid);
            }
        }
    }
    if (m != r->msg)
        event_add_str(out->line, FLD_MESSAGE, m);
    return 1;
}

const struct log_parser log_parser_kernel = {
    .name = "kernel",
    .programs = NULL,
    .parse = kernel_parse,
};
