/* brig: reading and writing cgroup files, and JSON from them. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "brig/cgroup_internal.h"
#include "brig/internal.h"
#include "brig/json.h"

/* ---- lookups from each hierarchy's directory ---- */

/* Cgroup paths are looked up from their hierarchy's mount directory,
 * opened once per process, not from "/": a lookup then walks only the
 * levels below the mount.  Every sysfs and cgroupfs level walked takes
 * its kernfs lock for reading, and other containers take those locks to
 * write (a network namespace adds sysfs nodes, a cgroup mkdir or rmdir
 * its interface files): a run makes about 90 such lookups in 11
 * hierarchies.  The descriptors are O_PATH and close-on-exec; a process
 * that goes on into a container drops them first (brig_cg_dirs_drop):
 * a host directory open in it is an escape (runc's CVE-2024-21626). */
#define CG_DIRS_MAX 32
static struct {
    char *mnt;
    size_t len;
    int fd;
} cg_dirs[CG_DIRS_MAX];
static size_t n_cg_dirs;
static bool cg_dirs_dropped;
/* stashed: a child on our memory uses the table (vm_init.c); an fd it
 * opened is its own, not ours to keep in it */
static bool cg_dirs_shared;

void brig_cg_dirs_register(const char *mnt, int fd)
{
    if (!mnt || mnt[0] != '/' || cg_dirs_dropped || n_cg_dirs == CG_DIRS_MAX)
        goto unused;
    size_t len = strlen(mnt);
    while (len > 1 && mnt[len - 1] == '/')
        len--;
    for (size_t i = 0; i < n_cg_dirs; i++)
        if (cg_dirs[i].len == len && strncmp(cg_dirs[i].mnt, mnt, len) == 0)
            goto unused;
    cg_dirs[n_cg_dirs].mnt = brig_xstrdup(mnt);
    cg_dirs[n_cg_dirs].mnt[len] = '\0';
    cg_dirs[n_cg_dirs].len = len;
    cg_dirs[n_cg_dirs].fd = fd;
    n_cg_dirs++;
    return;
unused:
    if (fd >= 0)
        close(fd);
}

void brig_cg_dirs_drop(enum brig_cg_dirs_fds fds)
{
    for (size_t i = 0; i < n_cg_dirs && fds != BRIG_CG_DIRS_SHARED; i++) {
        if (fds == BRIG_CG_DIRS_CLOSE && cg_dirs[i].fd >= 0)
            close(cg_dirs[i].fd);
        free(cg_dirs[i].mnt);
    }
    n_cg_dirs = 0;
    cg_dirs_dropped = true;
}

void brig_cgroup_stash_dirs(struct brig_cg_dirs_stash *s)
{
    s->n = n_cg_dirs;
    s->dropped = cg_dirs_dropped;
    cg_dirs_shared = true;
}

void brig_cgroup_unstash_dirs(const struct brig_cg_dirs_stash *s)
{
    n_cg_dirs = s->n;
    cg_dirs_dropped = s->dropped;
    cg_dirs_shared = false;
}

int brig_cg_at(const char *path, const char **rel)
{
    *rel = path;
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < n_cg_dirs; i++) {
        size_t len = cg_dirs[i].len;
        if (strncmp(path, cg_dirs[i].mnt, len) == 0 && (path[len] == '/' || path[len] == '\0') &&
            (best == SIZE_MAX || len > cg_dirs[best].len))
            best = i;
    }
    if (best == SIZE_MAX || (cg_dirs[best].fd < 0 && cg_dirs_shared))
        return AT_FDCWD;
    if (cg_dirs[best].fd < 0) {
        cg_dirs[best].fd = open(cg_dirs[best].mnt, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (cg_dirs[best].fd < 0)
            return AT_FDCWD; /* the full path then, and its error */
    }
    const char *r = path + cg_dirs[best].len;
    while (*r == '/')
        r++;
    *rel = *r ? r : ".";
    return cg_dirs[best].fd;
}

int brig_cg_open(const char *path, int flags)
{
    const char *rel;
    int dfd = brig_cg_at(path, &rel);
    return openat(dfd, rel, flags);
}

int brig_cg_mkdir(const char *path)
{
    const char *rel;
    int dfd = brig_cg_at(path, &rel);
    return mkdirat(dfd, rel, 0755);
}

int brig_cg_rmdir(const char *path)
{
    const char *rel;
    int dfd = brig_cg_at(path, &rel);
    return unlinkat(dfd, rel, AT_REMOVEDIR);
}

int brig_cg_lstat(const char *path, struct stat *st)
{
    const char *rel;
    int dfd = brig_cg_at(path, &rel);
    return fstatat(dfd, rel, st, AT_SYMLINK_NOFOLLOW);
}

/* ---- file helpers ---- */

int brig_cg_write_fd(int fd, const char *path, const char *s)
{
    size_t len = strlen(s);
    ssize_t w;
    do
        w = write(fd, s, len);
    while (w < 0 && errno == EINTR);
    if (w < 0)
        return brig_fail(errno, "write \"%s\" to %s", s, path);
    if ((size_t)w != len)
        return brig_fail(EIO, "short write \"%s\" to %s", s, path);
    return 0;
}

int brig_cg_write(const char *dir, const char *file, const char *s)
{
    cleanup_free char *p = brig_xasprintf("%s/%s", dir, file);
    cleanup_fd int fd = brig_cg_open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return brig_fail(errno, "open %s", p);
    return brig_cg_write_fd(fd, p, s);
}

int brig_cg_writef(const char *dir, const char *file, const char *fmt, ...)
{
    char *s;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return brig_fail(ENOMEM, "format %s", file);
    int r = brig_cg_write(dir, file, s);
    free(s);
    return r;
}

char *brig_cg_read(const char *dir, const char *file)
{
    cleanup_free char *p = brig_xasprintf("%s/%s", dir, file);
    cleanup_fd int fd = brig_cg_open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return brig_fail(errno, "open %s", p), NULL;
    char *s = NULL;
    if (brig_read_input_fd(fd, p, SIZE_MAX, &s, NULL) < 0)
        return NULL;
    return s;
}

bool brig_cg_peek(const char *dir, const char *file, char *buf, size_t size)
{
    cleanup_free char *p = brig_xasprintf("%s/%s", dir, file);
    cleanup_fd int fd = brig_cg_open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return brig_fail(errno, "open %s", p), false;
    ssize_t n;
    do {
        n = read(fd, buf, size - 1);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return brig_fail(errno, "read %s", p), false;
    buf[n] = '\0';
    return true;
}

bool brig_cg_read_u64(const char *dir, const char *file, uint64_t *out)
{
    cleanup_free char *s = brig_cg_read(dir, file);
    if (!s)
        return false;
    s[strcspn(s, "\n")] = '\0';
    if (strcmp(s, "max") == 0) {
        *out = UINT64_MAX;
        return true;
    }
    return brig_parse_u64(s, out);
}

bool brig_cg_exists(const char *dir, const char *file)
{
    cleanup_free char *p = file ? brig_xasprintf("%s/%s", dir, file) : brig_xstrdup(dir);
    const char *rel;
    int dfd = brig_cg_at(p, &rel);
    return faccessat(dfd, rel, F_OK, 0) == 0;
}

int brig_cg_read_procs(const char *dir, pid_t **pids, size_t *n)
{
    cleanup_free char *s = brig_cg_read(dir, "cgroup.procs");
    if (!s)
        return -1;
    char *save = NULL;
    for (char *t = strtok_r(s, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
        uint64_t v;
        if (!brig_parse_u64(t, &v) || v == 0 || v > INT_MAX)
            continue;
        bool dup = false;
        for (size_t i = 0; i < *n && !dup; i++)
            dup = (*pids)[i] == (pid_t)v;
        if (dup)
            continue;
        *pids = brig_xrealloc(*pids, (*n + 1) * sizeof **pids);
        (*pids)[(*n)++] = (pid_t)v;
    }
    return 0;
}

void brig_cg_json_u64(yajl_gen g, const char *key, uint64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%llu", (unsigned long long)v);
    brig_json_key(g, key);
    yajl_gen_number(g, num, (size_t)n);
}

void brig_cg_json_file_u64(yajl_gen g, const char *key, const char *dir, const char *file)
{
    uint64_t v;
    if (brig_cg_read_u64(dir, file, &v))
        brig_cg_json_u64(g, key, v);
    brig_clear_error();
}

void brig_cg_json_kv_object(yajl_gen g, const char *key, const char *text)
{
    brig_json_key(g, key);
    yajl_gen_map_open(g);
    for (const char *l = text; l && *l;) {
        const char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l) : strlen(l);
        const char *sp = memchr(l, ' ', len);
        uint64_t v;
        if (sp && sp > l) {
            char *k = strndup(l, (size_t)(sp - l));
            char *val = strndup(sp + 1, len - (size_t)(sp - l) - 1);
            if (k && val && brig_parse_u64(val, &v))
                brig_cg_json_u64(g, k, v);
            free(k);
            free(val);
        }
        l = nl ? nl + 1 : NULL;
    }
    yajl_gen_map_close(g);
}

void brig_cg_sleep_ms(unsigned ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}
