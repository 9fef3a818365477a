/* brig: tmpcopyup: a tmpfs mounted over a directory starts with a copy of
 * what it covers (files, directories, symlinks, device nodes and fifos,
 * with their owners, modes and modification times).  Every step works
 * relative to directory fds opened with O_NOFOLLOW: nothing in the copied
 * tree can send a write elsewhere. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "brig/internal.h"
#include "brig/mounts.h"

#define MAX_DEPTH 128

static int copy_data(int in, int out)
{
    for (;;) {
        ssize_t n = sendfile(out, in, NULL, 1 << 20);
        if (n == 0)
            return 0;
        if (n > 0)
            continue;
        if (errno == EINTR)
            continue;
        if (errno != EINVAL && errno != ENOSYS)
            return -1;
        break;
    }
    char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n == 0)
            return 0;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (brig_write_all(out, buf, (size_t)n) < 0)
            return -1;
    }
}

static int copy_dir(int src, int dst, const char *dest, int depth);

static int copy_entry(int src, int dst, const char *name, const char *dest, int depth)
{
    struct stat st;
    if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return brig_fail(errno, "stat %s/%s", dest, name);
    mode_t perm = st.st_mode & 07777;
    if (S_ISDIR(st.st_mode)) {
        if (mkdirat(dst, name, 0700) < 0 && errno != EEXIST)
            return brig_fail(errno, "mkdir %s/%s", dest, name);
        cleanup_fd int s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        cleanup_fd int d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s < 0 || d < 0)
            return brig_fail(errno, "open %s/%s", dest, name);
        cleanup_free char *sub = brig_xasprintf("%s/%s", dest, name);
        if (copy_dir(s, d, sub, depth + 1) < 0)
            return -1;
        if (fchown(d, st.st_uid, st.st_gid) < 0 || fchmod(d, perm) < 0)
            return brig_fail(errno, "set owner and mode of %s/%s", dest, name);
        struct timespec ts[2] = {st.st_atim, st.st_mtim};
        futimens(d, ts);
        return 0;
    }
    if (S_ISREG(st.st_mode)) {
        cleanup_fd int s = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (s < 0)
            return brig_fail(errno, "open %s/%s", dest, name);
        cleanup_fd int d = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (d < 0)
            return brig_fail(errno, "create %s/%s", dest, name);
        if (copy_data(s, d) < 0)
            return brig_fail(errno, "copy %s/%s", dest, name);
        if (fchown(d, st.st_uid, st.st_gid) < 0 || fchmod(d, perm) < 0)
            return brig_fail(errno, "set owner and mode of %s/%s", dest, name);
        struct timespec ts[2] = {st.st_atim, st.st_mtim};
        futimens(d, ts);
        return 0;
    }
    if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(src, name, target, sizeof target - 1);
        if (n < 0)
            return brig_fail(errno, "readlink %s/%s", dest, name);
        target[n] = '\0';
        if (symlinkat(target, dst, name) < 0)
            return brig_fail(errno, "symlink %s/%s", dest, name);
        if (fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
            return brig_fail(errno, "chown %s/%s", dest, name);
        return 0;
    }
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
        if (mknodat(dst, name, (st.st_mode & S_IFMT) | perm, st.st_rdev) < 0)
            return brig_fail(errno, "mknod %s/%s", dest, name);
        if (fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
            fchmodat(dst, name, perm, 0) < 0)
            return brig_fail(errno, "set owner and mode of %s/%s", dest, name);
        return 0;
    }
    return 0;
}

static int copy_dir(int src, int dst, const char *dest, int depth)
{
    if (depth > MAX_DEPTH)
        return brig_fail(ELOOP, "copy %s", dest);
    int dfd = dup(src);
    if (dfd < 0)
        return brig_fail(errno, "dup");
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return brig_fail(errno, "read %s", dest);
    }
    rewinddir(d);
    struct dirent *de;
    int r = 0;
    errno = 0;
    while (r == 0 && (de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        r = copy_entry(src, dst, de->d_name, dest, depth);
    }
    closedir(d);
    return r;
}

int brig_copy_tree(int srcdir, int dstdir, const char *dest)
{
    return copy_dir(srcdir, dstdir, dest, 0);
}
