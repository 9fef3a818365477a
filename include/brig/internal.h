/* brig: small utilities used across the runtime. */
#ifndef BRIG_INTERNAL_H
#define BRIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cleanup.h"
#include "error.h"

#define BRIG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that cannot fail: out of memory aborts with a message. */
void *brig_xmalloc(size_t n);
void *brig_xcalloc(size_t n, size_t size);
void *brig_xrealloc(void *p, size_t n);
char *brig_xstrdup(const char *s);  /* NULL stays NULL */
char *brig_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Read a whole file (NUL-terminated; *len excludes the NUL).  dirfd may be
 * AT_FDCWD. Errors name the path. */
int brig_read_file_at(int dirfd, const char *path, char **out, size_t *len);
int brig_read_file(const char *path, char **out, size_t *len);

/* Inputs (runtime/util/input.c): config.json, exec --process, update
 * --resources, brig.json.  A regular file after symlinks, at most MAX
 * bytes (BRIG_INPUT_MAX: 16 MiB, far above any real config), else an error
 * naming PATH; a FIFO or a device is refused without blocking.  _fd reads
 * an open fd (a pipe on stdin) with the same limit; WHAT names it. */
#define BRIG_INPUT_MAX ((size_t)16 << 20)
int brig_read_input(const char *path, char **out, size_t *len);
int brig_read_input_at(int dirfd, const char *path, size_t max, char **out, size_t *len);
int brig_read_input_fd(int fd, const char *what, size_t max, char **out, size_t *len);

/* Write a whole buffer to an existing file (O_WRONLY|O_TRUNC unless append). */
int brig_write_file_at(int dirfd, const char *path, const char *data, size_t len);
int brig_write_str(const char *path, const char *s);

/* write(2)/read(2) loops that handle EINTR and short counts. */
int brig_write_all(int fd, const void *buf, size_t len);
ssize_t brig_read_all(int fd, void *buf, size_t len);

/* Undo /proc/PID/mountinfo's octal escapes (\040 for a space) in place. */
void brig_mountinfo_unescape(char *s);

/* What the kernel says of the mount whose root PATH is (runtime/util/
 * mountroot.c: statx and statmount, Linux 6.11+, instead of reading all of
 * /proc/self/mountinfo): its superblock's magic, its mountinfo id and its
 * filesystem's options ("cpu,cpuacct", caller frees).  -1, with no error
 * recorded, when PATH is not a mount's root or the kernel cannot tell;
 * callers then read mountinfo. */
struct brig_mount_root {
    uint64_t magic;
    uint32_t id;
    char *opts;
};
/* PATH from DIRFD as statx takes them; "" for DIRFD itself. */
int brig_mount_root(int dirfd, const char *path, struct brig_mount_root *out);

/* mkdir -p with MODE; existing directories are fine. */
int brig_mkdir_p(const char *path, mode_t mode);

/* Current time as RFC 3339 UTC with nanoseconds: 2026-11-23T17:21:38.123456789Z */
char *brig_now_rfc3339(void);
/* SECS since the epoch (and NSEC) as RFC 3339 UTC, nanoseconds shown. */
char *brig_rfc3339(long long secs, long nsec);

/* Parse a non-negative decimal integer; false on garbage or overflow. */
bool brig_parse_u64(const char *s, uint64_t *out);

/* Write PID to PATH atomically (a temp file renamed into place): clients
 * poll for the file and must see it whole. */
int brig_write_pid_file(const char *path, pid_t pid);

/* Close every fd >= from (close_range when available). */
int brig_close_from(int from);

#endif
