/* fuzz_logs_auth.c - fuzz target: the sshd, sudo, su, PAM and account-tool parsers. */
#include "fuzz_logs.h"

static const char *const prefixes[] = {
    "Nov 22 10:00:01 h sshd[1]: ",
    "Nov 22 10:00:01 h sudo: ",
    "Nov 22 10:00:01 h su[2]: ",
    "Nov 22 10:00:01 h useradd[3]: ",
    "Nov 22 10:00:01 h passwd[4]: ",
    "Nov 22 10:00:01 h login[5]: pam_unix(login:auth): ",
    "",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_logs_pick(prefixes, sizeof(prefixes) / sizeof(prefixes[0]), data, size);
    return 0;
}
