/* brig: mount option parsing and helpers shared by mounts, rootfs and
 * devices. */
#ifndef BRIG_MOUNTS_H
#define BRIG_MOUNTS_H

#include <stdbool.h>

#include "config.h"

struct brig_mount_opts {
    unsigned long flags;       /* MS_* for mount(2), without propagation */
    unsigned long propagation; /* MS_SHARED/PRIVATE/SLAVE/UNBINDABLE (| MS_REC) or 0 */
    char *data;                /* filesystem options (mode=, size=, ...); malloc()ed or NULL */
    bool tmpcopyup;
    bool idmap, idmap_recursive;
    bool recursive_ro;
};

/* Parse OCI mount options with libmount into flags and data. */
int brig_parse_mount_options(const struct brig_strv *opts, struct brig_mount_opts *out);

/* "/proc/self/fd/FD" */
void brig_fd_path(int fd, char buf[static 64]);

/* Remount the bind mount at FD with FLAGS (see mounts.c). */
int brig_remount_bind(int fd, unsigned long flags, const char *dest);
/* The same by path; FD (on the same mount) is used to read its flags. */
int brig_remount_path(const char *target, int fd, unsigned long flags, const char *dest);

#endif
