/* inv_fs.h - classifying file system types: network file systems (never walked or statted:
 * a dead server would hang the scan) and pseudo file systems (no files of the host there). */
#ifndef VIGIL_INV_FS_H
#define VIGIL_INV_FS_H

#include <stdbool.h>

/* nfs, cifs, ceph, sshfs (fuse.*), 9p, ... */
bool inv_fs_is_network(const char *type);
/* proc, sysfs, cgroup, devpts, tracefs, bpf, autofs, overlay of nothing, ... */
bool inv_fs_is_pseudo(const char *type);

#endif
