/* brig: reading the files a user or an engine hands to brig (config.json,
 * exec --process, update --resources, /etc/brig/brig.json, state.json).
 *
 * Only regular files (symlinks are followed, as runc does: a bundle may link
 * config.json elsewhere), opened O_NONBLOCK so that a FIFO cannot block the
 * open, and never more than a limit: /dev/zero, a FIFO or a runaway file is
 * refused with its name instead of growing brig until the OOM killer comes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "brig/internal.h"

static const char *kind_of(mode_t m)
{
    switch (m & S_IFMT) {
    case S_IFDIR: return "a directory";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFIFO: return "a FIFO";
    case S_IFSOCK: return "a socket";
    case S_IFLNK: return "a symlink";
    }
    return "not a regular file";
}

/* SIZE: the file's size when known (a regular file's st_size), else 0. */
static int read_fd(int fd, const char *what, size_t max, off_t size, char **out, size_t *len)
{
    size_t cap = 4096, n = 0;
    if (size > 0 && (uint64_t)size <= max)
        cap = (size_t)size + 1;
    char *buf = brig_xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            if (cap > max) {
                free(buf);
                return brig_fail(0, "%s: larger than %zu MiB, refused", what, max >> 20);
            }
            /* one past the limit (and the NUL) tells "too large" apart */
            size_t top = max > SIZE_MAX - 2 ? SIZE_MAX : max + 2;
            cap = cap > top / 2 ? top : cap * 2;
            buf = brig_xrealloc(buf, cap);
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            return brig_fail(e, "read %s", what);
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max) {
        free(buf);
        return brig_fail(0, "%s: larger than %zu MiB, refused", what, max >> 20);
    }
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return 0;
}

int brig_read_input_fd(int fd, const char *what, size_t max, char **out, size_t *len)
{
    struct stat st;
    off_t size = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : 0;
    return read_fd(fd, what, max, size, out, len);
}

int brig_read_input_at(int dirfd, const char *path, size_t max, char **out, size_t *len)
{
    cleanup_fd int fd = openat(dirfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return brig_fail(errno, "open %s", path);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return brig_fail(errno, "stat %s", path);
    if (!S_ISREG(st.st_mode))
        return brig_fail(0, "%s is %s, not a regular file: refused", path, kind_of(st.st_mode));
    if ((uint64_t)st.st_size > max)
        return brig_fail(0, "%s: larger than %zu MiB, refused", path, max >> 20);
    /* Regular files ignore O_NONBLOCK; the size may still grow while read. */
    return read_fd(fd, path, max, st.st_size, out, len);
}

int brig_read_input(const char *path, char **out, size_t *len)
{
    return brig_read_input_at(AT_FDCWD, path, BRIG_INPUT_MAX, out, len);
}
