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
#include <time.h>
#include <unistd.h>

#include "brig/cgroup_internal.h"
#include "brig/internal.h"
#include "brig/json.h"

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
    cleanup_fd int fd = open(p, O_WRONLY | O_CLOEXEC);
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
    char *s = NULL;
    if (brig_read_file(p, &s, NULL) < 0)
        return NULL;
    return s;
}

bool brig_cg_peek(const char *dir, const char *file, char *buf, size_t size)
{
    cleanup_free char *p = brig_xasprintf("%s/%s", dir, file);
    cleanup_fd int fd = open(p, O_RDONLY | O_CLOEXEC);
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
    return access(p, F_OK) == 0;
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
