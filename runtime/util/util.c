/* brig: small utilities (see include/brig/internal.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "brig/internal.h"

static void oom(void)
{
    static const char msg[] = "brig: out of memory\n";
    if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) {
        /* nothing more we can do */
    }
    abort();
}

void *brig_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *brig_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *brig_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

char *brig_xstrdup(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        oom();
    return d;
}

char *brig_xasprintf(const char *fmt, ...)
{
    char *s;
    va_list ap;
    va_start(ap, fmt);
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (r < 0)
        oom();
    return s;
}

int brig_read_file_at(int dirfd, const char *path, char **out, size_t *len)
{
    cleanup_fd int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return brig_fail(errno, "open %s", path);
    /* Files brig itself keeps or the kernel's (/proc, cgroupfs): no bound
     * of the input reader's, the same read loop (input.c). */
    return brig_read_input_fd(fd, path, SIZE_MAX, out, len);
}

int brig_read_file(const char *path, char **out, size_t *len)
{
    return brig_read_file_at(AT_FDCWD, path, out, len);
}

void brig_mountinfo_unescape(char *s)
{
    char *d = s;
    while (*s) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            *d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 4;
        } else {
            *d++ = *s++;
        }
    }
    *d = '\0';
}

int brig_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

ssize_t brig_read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, p + got, len - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int brig_write_file_at(int dirfd, const char *path, const char *data, size_t len)
{
    cleanup_fd int fd = openat(dirfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0)
        return brig_fail(errno, "open %s", path);
    if (brig_write_all(fd, data, len) < 0)
        return brig_fail(errno, "write %s", path);
    return 0;
}

int brig_write_str(const char *path, const char *s)
{
    return brig_write_file_at(AT_FDCWD, path, s, strlen(s));
}

int brig_mkdir_p(const char *path, mode_t mode)
{
    char buf[PATH_MAX];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof buf)
        return brig_fail(ENAMETOOLONG, "mkdir %s", path);
    memcpy(buf, path, len + 1);
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, mode) < 0 && errno != EEXIST)
                return brig_fail(errno, "mkdir %s", buf);
            *p = c;
            if (c == '\0')
                break;
        }
    }
    return 0;
}

char *brig_now_rfc3339(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return brig_rfc3339((long long)ts.tv_sec, ts.tv_nsec);
}

char *brig_rfc3339(long long secs, long nsec)
{
    char buf[64];
    /* UTC by hand, not gmtime_r or strftime: glibc loads the local time
     * zone (/etc/localtime) on the first call of either.  The civil date
     * of a day count, as in Howard Hinnant's days_from_civil inverse. */
    long long days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    long long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;                                     /* [0, 146096] */
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);              /* [0, 365] */
    long long mp = (5 * doy + 2) / 153;                                    /* [0, 11], from March */
    int day = (int)(doy - (153 * mp + 2) / 5 + 1);
    int month = (int)(mp < 10 ? mp + 3 : mp - 9);
    long long year = yoe + era * 400 + (month <= 2);
    snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d.%09ldZ", year, month, day, (int)(rem / 3600),
             (int)(rem / 60 % 60), (int)(rem % 60), nsec);
    return brig_xstrdup(buf);
}

bool brig_parse_u64(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

int brig_close_from(int from)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)from, ~0U, 0) == 0)
        return 0;
#endif
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return brig_fail(errno, "open /proc/self/fd");
    int dfd = dirfd(d);
    struct dirent *de;
    while ((de = readdir(d))) {
        uint64_t fd;
        if (!brig_parse_u64(de->d_name, &fd))
            continue;
        if ((int)fd >= from && (int)fd != dfd)
            close((int)fd);
    }
    closedir(d);
    return 0;
}

int brig_write_pid_file(const char *path, pid_t pid)
{
    cleanup_free char *tmp = brig_xasprintf("%s.brig-tmp", path);
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%d", (int)pid);
    cleanup_fd int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return brig_fail(errno, "write pid file %s", path);
    if (brig_write_all(fd, buf, (size_t)n) < 0) {
        int e = errno;
        unlink(tmp);
        return brig_fail(e, "write pid file %s", path);
    }
    /* rename(): clients poll for the file and must see it whole. */
    if (rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return brig_fail(e, "write pid file %s", path);
    }
    return 0;
}

