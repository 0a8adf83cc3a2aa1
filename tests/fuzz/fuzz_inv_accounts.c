/* fuzz_inv_accounts.c - fuzz target: passwd, group and shadow through glibc's parsers, and the
 * password state and scheme of what they return. */
#include <grp.h>
#include <pwd.h>
#include <shadow.h>
#include <stdint.h>

#include "agent/inventory/parsers.h"
#include "fuzz_inv_common.h"

static void pw(void *ctx, const struct passwd *p)
{
    (void)ctx;
    fuzz_touch(p->pw_name);
    fuzz_touch(p->pw_dir);
    fuzz_touch(password_state(p->pw_passwd));
    fuzz_touch(password_scheme(p->pw_passwd));
}

static void gr(void *ctx, const struct group *g)
{
    (void)ctx;
    for (char **m = g->gr_mem; m && *m; m++)
        fuzz_touch(*m);
}

static void sp(void *ctx, const struct spwd *s)
{
    (void)ctx;
    fuzz_touch(password_state(s->sp_pwdp));
    fuzz_touch(password_scheme(s->sp_pwdp));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse_passwd((const char *)data, size, pw, NULL);
    parse_group((const char *)data, size, gr, NULL);
    parse_shadow((const char *)data, size, sp, NULL);
    return 0;
}
