/* brig: resolving paths inside the container's rootfs without ever leaving
 * it, whatever symlinks the rootfs holds.
 *
 * openat2(RESOLVE_IN_ROOT) does it in the kernel; where it is missing a
 * walker does the same by hand: one component at a time with O_NOFOLLOW,
 * symlink targets re-read as text and resolved against the root, ".." never
 * climbing above it.  The walker also creates what is missing (mkdir -p and
 * an empty file), following dangling symlinks inside the root as it goes.
 * tests/brig-test forces the walker with BRIG_TEST_RESOLVE=byhand (knobs.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "brig/container.h"
#include "brig/internal.h"
#include "brig/knobs.h"
#include "brig/mounts.h"

#ifdef HAVE_LINUX_OPENAT2_H
#include <linux/openat2.h>
#else
struct open_how {
    unsigned long long flags, mode, resolve;
};
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_IN_ROOT 0x10
#endif

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#define MAX_LINKS 40

/* -1: not decided yet; 0: openat2; 1: by hand. */
static int by_hand = -1;

bool brig_resolve_by_hand(void)
{
    if (by_hand < 0) {
        const char *e = brig_test_knob("BRIG_TEST_RESOLVE");
        by_hand = e && strcmp(e, "byhand") == 0;
    }
    return by_hand == 1;
}

static bool same_file(int a, int b)
{
    struct stat sa, sb;
    return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Make NAME under DIR: a directory, or an empty regular file. */
static int make_missing(int dir, const char *name, bool as_dir)
{
    if (as_dir) {
        if (mkdirat(dir, name, 0755) < 0 && errno != EEXIST)
            return -1;
        return 0;
    }
    int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno == EEXIST ? 0 : -1;
    close(fd);
    return 0;
}

int brig_resolve_walk(int rootfd, const char *path, bool create, bool last_is_dir)
{
    int links = 0;
    /* REST is what is left to walk; a symlink replaces the component it
     * was found at by its target. */
    char *rest = brig_xstrdup(path);
    char *p = rest;
    int cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    int e = 0;
    if (cur < 0) {
        e = errno;
        goto out;
    }
    for (;;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, "/");
        if (n > NAME_MAX) {
            e = ENAMETOOLONG;
            goto out;
        }
        char comp[NAME_MAX + 1];
        memcpy(comp, p, n);
        comp[n] = '\0';
        p += n;
        const char *after = p + strspn(p, "/");
        bool last = *after == '\0';

        if (strcmp(comp, ".") == 0)
            continue;
        if (strcmp(comp, "..") == 0) {
            if (same_file(cur, rootfd))
                continue; /* ".." of the root is the root */
            int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (up < 0) {
                e = errno;
                goto out;
            }
            close(cur);
            cur = up;
            continue;
        }
        int next = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT && create) {
            if (make_missing(cur, comp, !last || last_is_dir) < 0) {
                e = errno;
                goto out;
            }
            next = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        }
        if (next < 0) {
            e = errno;
            goto out;
        }
        struct stat st;
        if (fstat(next, &st) < 0) {
            e = errno;
            close(next);
            goto out;
        }
        if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t tl = readlinkat(next, "", target, sizeof target - 1);
            e = errno;
            close(next);
            if (tl < 0)
                goto out;
            if (++links > MAX_LINKS) {
                e = ELOOP;
                goto out;
            }
            e = 0;
            target[tl] = '\0';
            char *nrest = brig_xasprintf("%s/%s", target, p);
            free(rest);
            rest = p = nrest;
            if (target[0] == '/') {
                int r = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (r < 0) {
                    e = errno;
                    goto out;
                }
                close(cur);
                cur = r;
            }
            continue;
        }
        if (!last && !S_ISDIR(st.st_mode)) {
            close(next);
            e = ENOTDIR;
            goto out;
        }
        close(cur);
        cur = next;
    }
out:
    free(rest);
    if (e) {
        if (cur >= 0)
            close(cur);
        errno = e;
        return -1;
    }
    return cur;
}

/* openat2 of PATH below ROOTFD with FLAGS and RESOLVE (RESOLVE_IN_ROOT and
 * RESOLVE_NO_MAGICLINKS added); -1 with errno, ENOSYS where the kernel
 * lacks it (then the walker is used from now on). */
static int openat2_in_root(int rootfd, const char *path, int flags, unsigned long long resolve)
{
    struct open_how how = {
        .flags = (unsigned long long)(flags | O_CLOEXEC),
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve,
    };
    const char *rel = path;
    while (*rel == '/')
        rel++;
    if (!*rel)
        rel = ".";
    for (int tries = 0; tries < 16; tries++) {
        int fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
        if (fd >= 0)
            return fd;
        /* EAGAIN: a rename or mount raced with the walk; try again. */
        if (errno != EAGAIN)
            break;
    }
    if (errno == ENOSYS)
        by_hand = 1;
    return -1;
}

int brig_resolve_in_root(int rootfd, const char *path)
{
    if (!brig_resolve_by_hand()) {
        int fd = openat2_in_root(rootfd, path, O_PATH, 0);
        if (fd >= 0 || errno != ENOSYS)
            return fd;
    }
    return brig_resolve_walk(rootfd, path, false, false);
}

int brig_open_file_in_root(int rootfd, const char *path, int flags)
{
    if (!brig_resolve_by_hand()) {
        int fd = openat2_in_root(rootfd, path, flags, 0);
        if (fd >= 0 || errno != ENOSYS)
            return fd;
    }
    /* By hand: the O_PATH fd of the walk, reopened through /proc. */
    cleanup_fd int path_fd = brig_resolve_walk(rootfd, path, false, false);
    if (path_fd < 0)
        return -1;
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", path_fd);
    return open(proc, flags | O_CLOEXEC);
}

int brig_open_plain_dir_in_root(int rootfd, const char *path)
{
    if (brig_resolve_by_hand()) {
        errno = ENOSYS;
        return -1;
    }
    return openat2_in_root(rootfd, path, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
}

/* The common case of a missing path: only its last component is missing
 * (a mount point in a fresh tmpfs, /dev/pts).  The parent is resolved
 * inside the root by the kernel, the last component made there and opened
 * without following anything: a symlink there (planted, or a race) or any
 * other surprise sends the caller to the full walk.  The fd is what the
 * in-root resolution of PATH finds: the parent's, plus one plain name. */
static int make_last(int rootfd, const char *path, bool last_is_dir)
{
    char name[NAME_MAX + 1];
    size_t dir_len;
    if (!brig_path_last_name(path, &dir_len, name))
        return -1;
    cleanup_free char *parent = brig_xasprintf("%.*s", (int)dir_len, path);
    cleanup_fd int dir = brig_resolve_in_root(rootfd, parent[0] ? parent : "/");
    if (dir < 0 || make_missing(dir, name, last_is_dir) < 0)
        return -1;
    int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC | (last_is_dir ? O_DIRECTORY : 0));
    if (fd < 0 || last_is_dir)
        return fd; /* O_DIRECTORY | O_NOFOLLOW: a directory, never a link */
    struct stat st;
    if (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode)) {
        close(fd);
        return -1;
    }
    return fd;
}

int brig_open_in_root(int rootfd, const char *path, bool create, bool last_is_dir)
{
    int fd = brig_resolve_in_root(rootfd, path);
    if (fd >= 0)
        return fd;
    if (errno != ENOENT || !create)
        return brig_fail(errno, "resolve %s in the rootfs", path);
    if (!brig_resolve_by_hand() && (fd = make_last(rootfd, path, last_is_dir)) >= 0)
        return fd;
    /* Make what is missing, then resolve once more: the result is always
     * what the in-root resolution finds. */
    fd = brig_resolve_walk(rootfd, path, true, last_is_dir);
    if (fd < 0)
        return brig_fail(errno, "create %s in the rootfs", path);
    if (brig_resolve_by_hand())
        return fd;
    close(fd);
    fd = brig_resolve_in_root(rootfd, path);
    if (fd < 0)
        return brig_fail(errno, "resolve %s in the rootfs", path);
    return fd;
}

bool brig_path_last_name(const char *path, size_t *dir_len, char name[static NAME_MAX + 1])
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    size_t b = len; /* where the last component starts */
    while (b > 0 && path[b - 1] != '/')
        b--;
    size_t blen = len - b;
    if (blen == 0 || blen > NAME_MAX || (blen == 1 && path[b] == '.') ||
        (blen == 2 && path[b] == '.' && path[b + 1] == '.'))
        return false;
    memcpy(name, path + b, blen);
    name[blen] = '\0';
    *dir_len = b > 0 ? b - 1 : 0;
    return true;
}

int brig_open_parent_in_root(int rootfd, const char *path, bool create, char name[static NAME_MAX + 1])
{
    size_t dir_len;
    if (!brig_path_last_name(path, &dir_len, name))
        return brig_fail(EINVAL, "%s: not a path to a file", path);
    cleanup_free char *dir = brig_xasprintf("%.*s", (int)dir_len, path);
    return brig_open_in_root(rootfd, dir[0] ? dir : "/", create, true);
}

int brig_chdir_in_root(const char *path, bool create)
{
    /* "/" is the container's root by now (pivot_root or chroot). */
    cleanup_fd int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return brig_fail(errno, "open /");
    cleanup_fd int fd = brig_open_in_root(root, path, create, true);
    if (fd < 0)
        return -1;
    if (fchdir(fd) < 0)
        return brig_fail(errno, "chdir %s", path);
    return 0;
}
