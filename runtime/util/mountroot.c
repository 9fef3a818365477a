/* brig: what the kernel says of one mount, without /proc/self/mountinfo.
 *
 * mountinfo prints every mount of the namespace (~5 us each here) while
 * holding the lock every mount and unmount takes; a node keeps a few
 * mounts per pod, so a caller that wants one mount should ask for that
 * one: statx names the mount a path is on (and whether the path is its
 * root), statmount (Linux 6.11 for the options) describes it.  Both are
 * newer than the kernels brig supports, so any refusal (ENOSYS, EPERM
 * under a seccomp filter, an old kernel's EINVAL or missing mask bit)
 * leaves the caller to read mountinfo as before. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "brig/internal.h"

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif
#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif
#ifndef __NR_statmount
#define __NR_statmount 457 /* the same number on every architecture */
#endif

#define SM_SB_BASIC 0x01U
#define SM_MNT_BASIC 0x02U
#define SM_MNT_OPTS 0x80U

/* The uapi's struct mnt_id_req, first version; newer kernels take it. */
struct sm_req {
    uint32_t size;
    uint32_t spare;
    uint64_t mnt_id;
    uint64_t param;
};

/* The uapi's struct statmount: the fields brig reads, at the kernel's
 * offsets, and the fixed part's size (the strings follow it). */
struct sm_buf {
    uint32_t size;
    uint32_t mnt_opts; /* offset in str */
    uint64_t mask;
    uint32_t sb_dev_major, sb_dev_minor;
    uint64_t sb_magic;
    uint32_t sb_flags, fs_type;
    uint64_t mnt_id, mnt_parent_id;
    uint32_t mnt_id_old, mnt_parent_id_old;
    uint8_t rest[512 - 64];
    char str[2048];
};
_Static_assert(offsetof(struct sm_buf, sb_magic) == 24, "statmount layout");
_Static_assert(offsetof(struct sm_buf, mnt_id_old) == 56, "statmount layout");
_Static_assert(offsetof(struct sm_buf, str) == 512, "statmount layout");

int brig_mount_root(int dirfd, const char *path, struct brig_mount_root *out)
{
    struct statx stx;
    memset(out, 0, sizeof *out);
    if (statx(dirfd, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_DONT_SYNC | (*path ? 0 : AT_EMPTY_PATH),
              STATX_MNT_ID_UNIQUE, &stx) < 0)
        return -1;
    if (!(stx.stx_mask & STATX_MNT_ID_UNIQUE) || !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
        !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
        return -1;
    struct sm_req req = { .size = sizeof req, .mnt_id = stx.stx_mnt_id,
                          .param = SM_SB_BASIC | SM_MNT_BASIC | SM_MNT_OPTS };
    struct sm_buf sm;
    if (syscall(__NR_statmount, &req, &sm, sizeof sm, 0) < 0)
        return -1;
    if ((sm.mask & (SM_SB_BASIC | SM_MNT_BASIC)) != (SM_SB_BASIC | SM_MNT_BASIC) || sm.size > sizeof sm)
        return -1;
    /* No options (a cgroup2 mount has none) leave the bit clear; so does a
     * kernel before 6.11, whose callers then find no controllers. */
    const char *opts = "";
    if (sm.mask & SM_MNT_OPTS) {
        size_t strs = sm.size > offsetof(struct sm_buf, str) ? sm.size - offsetof(struct sm_buf, str) : 0;
        /* the string ends inside what the kernel wrote */
        if (sm.mnt_opts >= strs || !memchr(sm.str + sm.mnt_opts, '\0', strs - sm.mnt_opts))
            return -1;
        opts = sm.str + sm.mnt_opts;
    }
    out->magic = sm.sb_magic;
    out->id = sm.mnt_id_old;
    out->opts = brig_xstrdup(opts);
    return 0;
}
