/* brig: mount primitives that work on file descriptors, so that no path
 * is looked up again between resolving it inside the rootfs and mounting.
 *
 * Bind mounts use the new mount API: open_tree(OPEN_TREE_CLONE) makes a
 * detached copy, mount_setattr() sets its flags while nobody can see it
 * (a read-only bind is never writable, not even for an instant), and
 * move_mount() attaches it onto the target fd.  Kernels without that API
 * (before 5.12) get mount(2) on /proc/self/fd/N and a remount. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "brig/container.h"
#include "brig/internal.h"
#include "brig/knobs.h"
#include "brig/mounts.h"

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#define BRIG_OPEN_TREE_CLONE 1
#define BRIG_MOVE_MOUNT_F_EMPTY_PATH 0x04
#define BRIG_MOVE_MOUNT_T_EMPTY_PATH 0x40

/* struct mount_attr, MOUNT_ATTR_SIZE_VER0 */
struct brig_mount_attr {
    uint64_t attr_set;
    uint64_t attr_clr;
    uint64_t propagation;
    uint64_t userns_fd;
};

/* Whether the new mount API is there; tests/brig-test can turn it off to
 * exercise the fallback (BRIG_TEST_MOUNT_API=legacy, knobs.h). */
static int new_api = -1;

bool brig_have_mount_api(void)
{
    if (new_api < 0) {
        const char *e = brig_test_knob("BRIG_TEST_MOUNT_API");
        if (e && strcmp(e, "legacy") == 0) {
            new_api = 0;
        } else {
            /* mount_setattr is the newest of the three. */
            struct brig_mount_attr a = {0};
            long r = syscall(SYS_mount_setattr, -1, "", AT_EMPTY_PATH, &a, sizeof a);
            new_api = !(r < 0 && errno == ENOSYS);
        }
    }
    return new_api == 1;
}

void brig_fd_path(int fd, char buf[static 64])
{
    snprintf(buf, 64, "/proc/self/fd/%d", fd);
}

int brig_mount_at(const char *source, int fd, const char *type, unsigned long flags, const char *data,
                  const char *dest)
{
    char target[64];
    brig_fd_path(fd, target);
    if (mount(source, target, type, flags, data) < 0)
        return brig_fail(errno, "mount %s on %s", source ? source : type ? type : "none", dest);
    return 0;
}

int brig_setattr_raw(int fd, const char *path, unsigned flags, uint64_t set, uint64_t clr, uint64_t propagation,
                     int userns_fd)
{
    struct brig_mount_attr a = {.attr_set = set, .attr_clr = clr, .propagation = propagation};
    if (userns_fd >= 0)
        a.userns_fd = (uint64_t)userns_fd;
    return (int)syscall(SYS_mount_setattr, fd, path, flags, &a, sizeof a);
}

int brig_open_tree(int dirfd, const char *path, bool recursive)
{
    unsigned flags = BRIG_OPEN_TREE_CLONE | O_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
    if (!path[0])
        flags |= AT_EMPTY_PATH;
    return (int)syscall(SYS_open_tree, dirfd, path, flags);
}

int brig_move_tree(int tree, int dstfd)
{
    return (int)syscall(SYS_move_mount, tree, "", dstfd, "",
                        BRIG_MOVE_MOUNT_F_EMPTY_PATH | BRIG_MOVE_MOUNT_T_EMPTY_PATH);
}

/* Mount attributes as mount(2) flags, for the fallback. */
static unsigned long attr_to_ms(uint64_t a)
{
    unsigned long f = 0;
    if (a & BRIG_ATTR_RDONLY)
        f |= MS_RDONLY;
    if (a & BRIG_ATTR_NOSUID)
        f |= MS_NOSUID;
    if (a & BRIG_ATTR_NODEV)
        f |= MS_NODEV;
    if (a & BRIG_ATTR_NOEXEC)
        f |= MS_NOEXEC;
    if (a & BRIG_ATTR_NODIRATIME)
        f |= MS_NODIRATIME;
    if (a & BRIG_ATTR_NOSYMFOLLOW)
        f |= MS_NOSYMFOLLOW;
    if ((a & BRIG_ATTR__ATIME) == BRIG_ATTR_NOATIME)
        f |= MS_NOATIME;
    if ((a & BRIG_ATTR__ATIME) == BRIG_ATTR_STRICTATIME)
        f |= MS_STRICTATIME;
    return f;
}

/* The per-mount flags the mount at FD has now (what a remount must
 * repeat so as to change only what was asked). */
static int current_ms_flags(int fd, unsigned long *out)
{
    struct statvfs sv;
    if (fstatvfs(fd, &sv) < 0)
        return -1;
    unsigned long f = 0;
    if (sv.f_flag & ST_RDONLY)
        f |= MS_RDONLY;
    if (sv.f_flag & ST_NOSUID)
        f |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV)
        f |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC)
        f |= MS_NOEXEC;
    if (sv.f_flag & ST_NOATIME)
        f |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME)
        f |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME)
        f |= MS_RELATIME;
#ifdef ST_NOSYMFOLLOW
    if (sv.f_flag & ST_NOSYMFOLLOW)
        f |= MS_NOSYMFOLLOW;
#endif
    /* statvfs reports no strictatime: without relatime or noatime it is. */
    if (!(f & (MS_NOATIME | MS_RELATIME)))
        f |= MS_STRICTATIME;
    *out = f;
    return 0;
}

int brig_setattr(int fd, uint64_t set, uint64_t clr, unsigned long propagation, bool recursive, const char *dest)
{
    if (brig_have_mount_api()) {
        unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
        /* Changing the atime mode needs the whole atime field cleared. */
        if ((set & BRIG_ATTR__ATIME) || (clr & BRIG_ATTR__ATIME))
            clr |= BRIG_ATTR__ATIME;
        if ((set || clr) && brig_setattr_raw(fd, "", flags, set, clr, 0, -1) < 0)
            return brig_fail(errno, "set mount attributes of %s", dest);
        if (propagation && brig_setattr_raw(fd, "", flags, 0, 0, propagation, -1) < 0)
            return brig_fail(errno, "set mount propagation of %s", dest);
        return 0;
    }
    char target[64];
    brig_fd_path(fd, target);
    if (set || clr) {
        if (recursive)
            return brig_fail(ENOSYS, "%s: recursive mount options need mount_setattr (Linux 5.12)", dest);
        unsigned long cur;
        if (current_ms_flags(fd, &cur) < 0)
            return brig_fail(errno, "statvfs %s", dest);
        unsigned long want = cur & ~attr_to_ms(clr);
        if ((set & BRIG_ATTR__ATIME) || (clr & BRIG_ATTR__ATIME))
            want &= ~(unsigned long)(MS_NOATIME | MS_RELATIME | MS_STRICTATIME);
        want |= attr_to_ms(set);
        if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | want, NULL) < 0)
            return brig_fail(errno, "remount %s", dest);
    }
    if (propagation && mount(NULL, target, NULL, propagation | (recursive ? MS_REC : 0), NULL) < 0)
        return brig_fail(errno, "set mount propagation of %s", dest);
    return 0;
}

int brig_bind_at(const char *source, int srcfd, int rootfd, const char *dest, int dstfd, bool recursive,
                 uint64_t set, uint64_t clr)
{
    if (brig_have_mount_api()) {
        cleanup_fd int tree = srcfd >= 0 ? brig_open_tree(srcfd, "", recursive)
                                         : brig_open_tree(AT_FDCWD, source, recursive);
        if (tree < 0)
            return brig_fail(errno, "bind %s on %s: open_tree", source, dest);
        /* Flags first, on the copy nobody can see yet. */
        if ((set || clr) && brig_setattr(tree, set, clr, 0, false, dest) < 0)
            return -1;
        if (brig_move_tree(tree, dstfd) < 0)
            return brig_fail(errno, "bind %s on %s", source, dest);
        return 0;
    }
    char src[64];
    if (srcfd >= 0) {
        brig_fd_path(srcfd, src);
        source = src;
    }
    if (brig_mount_at(source, dstfd, NULL, MS_BIND | (recursive ? MS_REC : 0), NULL, dest) < 0)
        return -1;
    if (!set && !clr)
        return 0;
    /* The fd from before names the covered directory: resolve again to
     * reach the new mount. */
    cleanup_fd int fd = brig_resolve_in_root(rootfd, dest);
    if (fd < 0)
        return brig_fail(errno, "resolve %s in the rootfs", dest);
    return brig_setattr(fd, set, clr, 0, false, dest);
}

#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_fsconfig
#define SYS_fsconfig 431
#endif
#ifndef SYS_fsmount
#define SYS_fsmount 432
#endif
#define BRIG_FSCONFIG_SET_STRING 1
#define BRIG_FSCONFIG_CMD_CREATE 6

/* One tmpfs per container, not one per masked directory: each superblock
 * brings two memory-cgroup-aware LRU lists, and every time a memory cgroup
 * is removed the kernel walks every such list on the host
 * (memcg_reparent_list_lrus, under a global mutex).  With 500 containers
 * that walk costs a node ~4 ms of CPU per container removed, in
 * proportion to the superblocks alive.  A container's /proc and /sys
 * typically have 2-5 masked directories. */
int brig_mount_empty_ro(int fd, const char *dest, int *shared)
{
    const uint64_t attrs = BRIG_ATTR_RDONLY | BRIG_ATTR_NOSUID | BRIG_ATTR_NODEV | BRIG_ATTR_NOEXEC;
    if (!brig_have_mount_api())
        return brig_mount_at("tmpfs", fd, "tmpfs", attr_to_ms(attrs), "mode=0555,size=0", dest);
    /* A bind of the first one's mount, attributes set on the copy before
     * anyone can see it (the mount API's path: no rootfd needed). */
    if (*shared >= 0)
        return brig_bind_at("the masking tmpfs", *shared, -1, dest, fd, false, attrs, 0);
    /* fsopen and fsmount: no path at all between making and attaching. */
    cleanup_fd int fs = (int)syscall(SYS_fsopen, "tmpfs", 1 /* FSOPEN_CLOEXEC */);
    if (fs < 0)
        return brig_fail(errno, "mask %s: fsopen tmpfs", dest);
    if (syscall(SYS_fsconfig, fs, BRIG_FSCONFIG_SET_STRING, "mode", "0555", 0) < 0 ||
        syscall(SYS_fsconfig, fs, BRIG_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return brig_fail(errno, "mask %s: configure tmpfs", dest);
    cleanup_fd int mnt = (int)syscall(SYS_fsmount, fs, 1 /* FSMOUNT_CLOEXEC */, attrs);
    if (mnt < 0)
        return brig_fail(errno, "mask %s: fsmount", dest);
    if (brig_move_tree(mnt, fd) < 0)
        return brig_fail(errno, "mask %s", dest);
    /* attached now, in our namespace: open_tree can copy it (a detached
     * one only from 6.15 on) */
    *shared = mnt;
    mnt = -1;
    return 0;
}

/* A procfs instance of our own, detached (fsopen/fsmount): nothing the
 * container mounts or links can redirect a write through it
 * (CVE-2025-52881).  Made once, while the init can still mount proc (in a
 * user namespace that needs the host's /proc in view, so before
 * pivot_root); kept close-on-exec.  -1 where the kernel lacks fsopen. */
static int private_proc = -2;

int brig_private_procfs(void)
{
    if (private_proc != -2)
        return private_proc;
    private_proc = -1;
    if (!brig_have_mount_api())
        return -1;
    cleanup_fd int fs = (int)syscall(SYS_fsopen, "proc", 1 /* FSOPEN_CLOEXEC */);
    if (fs < 0)
        return -1;
    if (syscall(SYS_fsconfig, fs, BRIG_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return -1;
    private_proc = (int)syscall(SYS_fsmount, fs, 1 /* FSMOUNT_CLOEXEC */,
                                BRIG_ATTR_NOSUID | BRIG_ATTR_NODEV | BRIG_ATTR_NOEXEC);
    return private_proc;
}

int brig_open_proc_file(const char *path, int flags)
{
    int proc = brig_private_procfs();
    if (proc < 0) {
        /* No private instance: the container's /proc, checked to be one. */
        cleanup_free char *full = brig_xasprintf("/proc/%s", path);
        int fd = open(full, flags | O_NOFOLLOW | O_CLOEXEC);
        struct statfs sf;
        if (fd >= 0 && (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)) {
            close(fd);
            errno = EXDEV;
            return -1;
        }
        return fd;
    }
    /* No symlink, no mount crossing: the file is where its name says. */
    struct {
        unsigned long long flags, mode, resolve;
    } how = {.flags = (unsigned long long)(flags | O_NOFOLLOW | O_CLOEXEC),
             .resolve = 0x01 /* NO_XDEV */ | 0x02 /* NO_MAGICLINKS */ | 0x04 /* NO_SYMLINKS */ | 0x08 /* BENEATH */};
    int fd = (int)syscall(437 /* openat2 */, proc, path, &how, sizeof how);
    if (fd < 0 && errno == ENOSYS)
        fd = openat(proc, path, flags | O_NOFOLLOW | O_CLOEXEC);
    return fd;
}
