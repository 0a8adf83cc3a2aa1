/* risk_config.c - the config check of the risk module: risky configuration of the host, in
 * four parts (risk_ssh.c, risk_sudo.c, risk_files.c, risk_kernel.c). Files are read under
 * risk.root; the kernel's settings, its release and the boot time are the live system's. */
#include "agent/risk/risk.h"

int risk_check_config(struct risk_run *run, struct vg_error *err)
{
    (void)err;
    risk_check_sshd(run);
    risk_check_sudo(run);
    risk_check_files(run);
    risk_check_kernel(run);
    return 0;
}
