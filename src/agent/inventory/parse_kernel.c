/* parse_kernel.c - /proc/modules: one loaded module per line, "name size refcount deps state
 * address [(taints)]", as lsmod shows them. */
#include <string.h>

#include "agent/inventory/inv_text.h"
#include "agent/inventory/parsers.h"

int parse_proc_modules(const char *text, size_t len,
                       void (*each)(void *ctx, const struct kernel_module *m), void *ctx)
{
    size_t pos = 0, ll;
    const char *l;
    int n = 0;
    while ((l = inv_next_line(text, len, &pos, &ll))) {
        const char *w[7];
        size_t wl[7], wp = 0;
        int k = 0;
        while (k < 7 && (w[k] = inv_word(l, ll, &wp, &wl[k])))
            k++;
        unsigned long long size;
        if (k < 6 || !inv_parse_u64(w[1], wl[1], &size))
            continue;
        struct kernel_module m;
        memset(&m, 0, sizeof(m));
        inv_copy(m.name, sizeof(m.name), w[0], wl[0]);
        m.size = (int64_t)size;
        /* "a,b," or "-" */
        if (!(wl[3] == 1 && w[3][0] == '-')) {
            size_t dl = wl[3];
            if (dl && w[3][dl - 1] == ',')
                dl--;
            inv_copy(m.used_by, sizeof(m.used_by), w[3], dl);
        }
        inv_copy(m.state, sizeof(m.state), w[4], wl[4]);
        if (k == 7 && wl[6] >= 2 && w[6][0] == '(' && w[6][wl[6] - 1] == ')')
            inv_copy(m.taint, sizeof(m.taint), w[6] + 1, wl[6] - 2);
        each(ctx, &m);
        n++;
    }
    return n;
}
