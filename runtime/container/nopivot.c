/* brig: --no-pivot, the root moved over / instead of pivot_root (for a
 * rootfs on the initial ramfs, where pivot_root cannot work).
 *
 * pivot_root leaves the host's mounts on the old root, detached in one
 * go; a move and a chroot leave them in the container's mount namespace,
 * out of the chroot's sight but not of the kernel's: a full host procfs
 * there lets a nested user namespace mount a fresh, unmasked procfs
 * (mount_too_revealing).  So every mount outside the rootfs is detached
 * first, deepest first; only the mounts the rootfs itself sits on stay
 * (they cannot go without it).  One that cannot be unmounted (locked, in
 * a user namespace) is covered with an empty tmpfs, which is locked in any
 * namespace made below ours: a procfs or sysfs that can be neither is an
 * error.  runc does the same for procfs and sysfs. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "brig/container.h"
#include "brig/internal.h"

#ifndef UMOUNT_NOFOLLOW
#define UMOUNT_NOFOLLOW 8
#endif

struct mnt {
    char *point;
    char *fstype;
};

/* Whether A is B or below it ("/a/b" is below "/a", "/ab" is not). */
static bool at_or_below(const char *a, const char *b)
{
    size_t n = strlen(b);
    if (strcmp(b, "/") == 0)
        return true;
    return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
}

/* Fields 5 (mount point) and the one after " - " (type) of each line. */
static size_t parse(char *text, struct mnt **out)
{
    size_t n = 0, cap = 0;
    struct mnt *v = NULL;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *f[5] = {0};
        char *p = line;
        for (int i = 0; i < 5 && p; i++) {
            f[i] = p;
            p = strchr(p, ' ');
            if (p)
                *p++ = '\0';
        }
        char *sep = p ? strstr(p, " - ") : NULL;
        if (!f[4] || !sep)
            continue;
        char *type = sep + 3, *end = strchr(type, ' ');
        if (end)
            *end = '\0';
        brig_mountinfo_unescape(f[4]);
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            v = brig_xrealloc(v, cap * sizeof *v);
        }
        v[n++] = (struct mnt){.point = f[4], .fstype = type};
    }
    *out = v;
    return n;
}

static int detach_host_mounts(const char *rootfs)
{
    cleanup_free char *text = NULL;
    if (brig_read_file("/proc/self/mountinfo", &text, NULL) < 0)
        return brig_fail_ctx("--no-pivot: list the host's mounts");
    struct mnt *v = NULL;
    size_t n = parse(text, &v);
    int r = 0;
    /* mountinfo lists parents before their children: backwards, each
     * mount goes before the one it sits on. */
    for (size_t i = n; i-- > 0 && r == 0;) {
        const char *p = v[i].point;
        if (at_or_below(p, rootfs) || at_or_below(rootfs, p))
            continue; /* the container's, or what the rootfs sits on */
        if (umount2(p, MNT_DETACH | UMOUNT_NOFOLLOW) == 0 || errno == ENOENT)
            continue;
        if (errno != EINVAL && errno != EPERM) {
            r = brig_fail(errno, "--no-pivot: detach the host's %s", p);
            break;
        }
        /* Locked (or gone with a parent already): cover it. */
        bool pseudo = strcmp(v[i].fstype, "proc") == 0 || strcmp(v[i].fstype, "sysfs") == 0;
        if (mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,mode=0") < 0 &&
            pseudo && errno != ENOENT)
            r = brig_fail(errno, "--no-pivot: the host's %s %s can be neither detached nor covered",
                          v[i].fstype, p);
    }
    free(v);
    return r;
}

int brig_move_root(const char *rootfs)
{
    if (detach_host_mounts(rootfs) < 0)
        return -1;
    if (chdir(rootfs) < 0)
        return brig_fail(errno, "chdir %s", rootfs);
    if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
        return brig_fail(errno, "move %s to /", rootfs);
    if (chroot(".") < 0)
        return brig_fail(errno, "chroot %s", rootfs);
    if (chdir("/") < 0)
        return brig_fail(errno, "chdir /");
    return 0;
}
