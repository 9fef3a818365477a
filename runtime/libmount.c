/* brig: mount option names and their mount(2) flags, from libmount's own
 * table (MNT_LINUX_MAP).
 *
 * Loading libmount costs ~0.4 ms (it brings libblkid, libselinux and
 * libpcre2 along), a good part of a container's start.  So brig dlopen()s
 * it only when it must, copies its table into a small cache file in the
 * state root, and later processes read the cache (~20 us) instead.  The
 * cache records which libmount file it came from (device, inode, size,
 * mtime): an upgraded libmount is read afresh.  The state root is root's
 * (0700), like the state files and the seccomp cache beside it. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libmount/libmount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/internal.h"
#include "brig/mounts.h"

#define CACHE_NAME ".mountopts@cache"
#define CACHE_MAGIC "brig-mountopts 1"
#define MAX_OPTS 128

struct opt {
    char name[32];
    unsigned long id;
    int mask;
};

static struct opt opts[MAX_OPTS];
static size_t n_opts;
static bool loaded;

struct lib_id {
    char path[256];
    unsigned long long dev, ino, size, mtime_ns;
};

static bool lib_identity(const char *path, struct lib_id *id)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return false;
    snprintf(id->path, sizeof id->path, "%s", path);
    id->dev = st.st_dev;
    id->ino = st.st_ino;
    id->size = (unsigned long long)st.st_size;
    id->mtime_ns = (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL + (unsigned long long)st.st_mtim.tv_nsec;
    return true;
}

static char *cache_path(void)
{
    return brig_xasprintf("%s/" CACHE_NAME, brig_g.root);
}

/* The cached table, if it is there and still matches the library. */
static bool read_cache(void)
{
    cleanup_free char *path = cache_path();
    cleanup_file FILE *f = fopen(path, "re");
    if (!f)
        return false;
    char line[512];
    struct lib_id rec, now;
    if (!fgets(line, sizeof line, f) || strcmp(line, CACHE_MAGIC "\n") != 0)
        return false;
    if (!fgets(line, sizeof line, f) ||
        sscanf(line, "lib %255s %llu %llu %llu %llu", rec.path, &rec.dev, &rec.ino, &rec.size, &rec.mtime_ns) != 5)
        return false;
    if (!lib_identity(rec.path, &now) || now.dev != rec.dev || now.ino != rec.ino || now.size != rec.size ||
        now.mtime_ns != rec.mtime_ns)
        return false;
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        if (n == MAX_OPTS)
            return false;
        if (sscanf(line, "%31s %lu %d", opts[n].name, &opts[n].id, &opts[n].mask) != 3)
            return false;
        n++;
    }
    if (n == 0)
        return false;
    n_opts = n;
    return true;
}

/* Best effort: a missing state root or a full disk only cost speed. */
static void write_cache(const char *libpath)
{
    struct lib_id id;
    struct stat st;
    if (!lib_identity(libpath, &id) || stat(brig_g.root, &st) < 0 || !S_ISDIR(st.st_mode))
        return;
    cleanup_free char *path = cache_path();
    cleanup_free char *tmp = brig_xasprintf("%s.%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        return;
    }
    fprintf(f, CACHE_MAGIC "\nlib %s %llu %llu %llu %llu\n", id.path, id.dev, id.ino, id.size, id.mtime_ns);
    for (size_t i = 0; i < n_opts; i++)
        fprintf(f, "%s %lu %d\n", opts[i].name, opts[i].id, opts[i].mask);
    bool ok = fflush(f) == 0 && ferror(f) == 0;
    if (fclose(f) != 0)
        ok = false;
    if (!ok || rename(tmp, path) < 0)
        unlink(tmp);
}

static int load_from_libmount(void)
{
    void *h = dlopen("libmount.so.1", RTLD_LAZY | RTLD_LOCAL);
    if (!h)
        return brig_fail(0, "load libmount: %s (is libmount1 installed?)", dlerror());
    const struct libmnt_optmap *(*get_map)(int) =
        (const struct libmnt_optmap *(*)(int))dlsym(h, "mnt_get_builtin_optmap");
    const struct libmnt_optmap *map = get_map ? get_map(MNT_LINUX_MAP) : NULL;
    if (!map)
        return brig_fail(0, "libmount: no builtin option map");
    n_opts = 0;
    for (const struct libmnt_optmap *m = map; m->name && n_opts < MAX_OPTS; m++) {
        /* Entries that take a value ("name=") are not flags. */
        if (strchr(m->name, '=') || strlen(m->name) >= sizeof opts[0].name)
            continue;
        snprintf(opts[n_opts].name, sizeof opts[n_opts].name, "%s", m->name);
        opts[n_opts].id = (unsigned long)m->id;
        opts[n_opts].mask = m->mask;
        n_opts++;
    }
    Dl_info info;
    if (dladdr((void *)get_map, &info) && info.dli_fname)
        write_cache(info.dli_fname);
    return 0;
}

int brig_mount_options_load(void)
{
    if (loaded)
        return 0;
    if (!read_cache() && load_from_libmount() < 0)
        return -1;
    loaded = true;
    return 0;
}

int brig_mount_option_lookup(const char *name, unsigned long *flags, bool *invert)
{
    if (brig_mount_options_load() < 0)
        return -1;
    for (size_t i = 0; i < n_opts; i++) {
        if (strcmp(opts[i].name, name) != 0)
            continue;
        *flags = opts[i].id;
        *invert = (opts[i].mask & MNT_INVERT) != 0;
        return 1;
    }
    return 0;
}
