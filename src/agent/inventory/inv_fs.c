/* inv_fs.c - file system type classes (inv_fs.h). */
#include "agent/inventory/inv_fs.h"

#include <string.h>

#include "common/util.h"

static bool in(const char *type, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (!strcmp(type, list[i]))
            return true;
    return false;
}

bool inv_fs_is_network(const char *type)
{
    static const char *const net[] = {
        "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "ceph", "glusterfs", "lustre", "gfs2",
        "ocfs2", "afs", "9p", "virtiofs", "coda", "davfs", "orangefs", "beegfs", "gpfs", NULL,
    };
    /* every FUSE file system may sit on a network (sshfs, s3fs, ...) or hang */
    return in(type, net) || !strncmp(type, "fuse", 4);
}

bool inv_fs_is_pseudo(const char *type)
{
    static const char *const pseudo[] = {
        "proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "securityfs", "debugfs",
        "tracefs", "bpf", "pstore", "configfs", "fusectl", "mqueue", "hugetlbfs", "autofs",
        "binfmt_misc", "efivarfs", "rpc_pipefs", "nsfs", "selinuxfs",
        "sockfs", "pipefs", "zonefs", NULL,
    };
    return in(type, pseudo);
}
