/* brig: a cache of compiled seccomp filters.
 *
 * libseccomp needs several milliseconds for a ~370-syscall profile, which
 * would be paid by every container.  The BPF only depends on the profile's
 * content, libseccomp's version and the native architecture, so the result
 * is kept in a 0700 directory of the caller's, one file per profile:
 *
 *   header | key | BPF instructions
 *
 * The key (every input of the compilation, serialized) is stored in full and
 * compared byte for byte, so a hash collision is only a miss.  The built-in
 * profile's key holds, in place of the profile, the digest of its
 * serialization made at build time (length and two 64-bit hashes), so that
 * the common start neither serializes nor hashes ~7 KB.  Files are
 * written to a temporary name and renamed; a short, damaged or foreign file
 * is ignored and replaced.
 *
 * Where: never in --root, which engines expect brig to leave empty once
 * their containers are deleted (containerd checks).  As root
 * /run/brig-cache (a tmpfs, cleared at boot); otherwise
 * $XDG_RUNTIME_DIR/brig-cache (the user's own tmpfs); else none.  The
 * environment variable BRIG_SECCOMP_CACHE names another directory, or with
 * an empty value turns the cache off.  Whatever the place, a directory
 * another user owns or can write is not used (open_cache_dir), so a hostile
 * non-root user cannot plant a filter. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/internal.h"
#include "brig/seccomp.h"
#include "seccomp_internal.h"

/* Bump when compile.c would turn the same profile into a different filter,
 * so that caches written by an older brig are not used. */
#define COMPILER_REV 4
#define CACHE_FORMAT 1
#define CACHE_MAX_ENTRIES 64
#define CACHE_MAGIC "BRIGBPF"

struct cache_hdr {
    char magic[8];
    uint32_t format;
    uint32_t key_len;
    uint32_t n_insns;
    uint32_t reserved;
    uint64_t key_hash;
    uint64_t sum; /* over key and instructions */
};

static bool cache_dir_set;
static char *cache_dir;

void brig_seccomp_set_cache_dir(const char *dir)
{
    free(cache_dir);
    cache_dir = brig_xstrdup(dir);
    cache_dir_set = true;
}

char *brig_seccomp_cache_path(void)
{
    if (cache_dir_set)
        return brig_xstrdup(cache_dir);
    const char *env = getenv("BRIG_SECCOMP_CACHE");
    if (env)
        return *env ? brig_xstrdup(env) : NULL;
    /* Root in a user namespace (rootless podman) cannot write the host's
     * /run: the user's runtime directory then. */
    if (geteuid() == 0 && access(BRIG_SECCOMP_CACHE_PARENT, W_OK) == 0)
        return brig_xstrdup(BRIG_SECCOMP_CACHE_PARENT "/" BRIG_SECCOMP_CACHE_NAME);
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (xdg && xdg[0] == '/')
        return brig_xasprintf("%s/%s", xdg, BRIG_SECCOMP_CACHE_NAME);
    return NULL;
}

/* FNV-1a, 64 bits: a file name and a corruption check, not a MAC. */
static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) {
        h ^= c[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
#define FNV_INIT 0xcbf29ce484222325ULL

struct kbuf {
    unsigned char *p;
    size_t len, cap;
};

static void put(struct kbuf *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->p = brig_xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void put_u64(struct kbuf *b, uint64_t v)
{
    put(b, &v, sizeof v);
}

static void put_str(struct kbuf *b, const char *s)
{
    if (!s) {
        put_u64(b, UINT64_MAX);
        return;
    }
    size_t n = strlen(s);
    put_u64(b, n);
    put(b, s, n);
}

static void put_strv(struct kbuf *b, const struct brig_strv *v)
{
    put_u64(b, v->n);
    for (size_t i = 0; i < v->n; i++)
        put_str(b, v->v[i]);
}

/* What the filter depends on besides the profile: brig's and libseccomp's
 * versions and the native architecture; KERNEL is the running kernel's
 * seccomp API level (or, for the built-in profile, its identity). */
static void put_prefix(struct kbuf *b)
{
    const struct scmp_version *v = seccomp_version();
    put_str(b, "brig seccomp " PACKAGE_VERSION);
    put_u64(b, COMPILER_REV);
    put_u64(b, v ? ((uint64_t)v->major << 32 | v->minor << 16 | v->micro) : 0);
    put_u64(b, brig_seccomp_x32_usable());
}

/* The profile's part: everything of it the BPF depends on. */
static void put_profile(struct kbuf *b, const struct brig_seccomp *sc)
{
    put_u64(b, sc->default_action);
    put_u64(b, sc->default_errno_ret.set ? sc->default_errno_ret.v : UINT64_MAX);
    put_strv(b, &sc->architectures);
    put_u64(b, sc->n_syscalls);
    for (size_t i = 0; i < sc->n_syscalls; i++) {
        const struct brig_seccomp_syscall *s = &sc->syscalls[i];
        put_strv(b, &s->names);
        put_u64(b, s->action);
        put_u64(b, s->errno_ret.set ? s->errno_ret.v : UINT64_MAX);
        put_u64(b, s->n_args);
        for (size_t j = 0; j < s->n_args; j++) {
            put_u64(b, s->args[j].index);
            put_u64(b, s->args[j].value);
            put_u64(b, s->args[j].value_two);
            put_u64(b, s->args[j].op);
        }
    }
}

static void key_done(struct kbuf *b, struct brig_seccomp_key *key)
{
    key->data = b->p;
    key->len = b->len;
    key->hash = fnv1a(FNV_INIT, b->p, b->len);
}

void brig_seccomp_cache_key(const struct brig_seccomp *sc, struct brig_seccomp_key *key)
{
    struct kbuf b = { .cap = 4096 };
    b.p = brig_xmalloc(b.cap);
    put_prefix(&b);
    put_u64(&b, seccomp_api_get());
    put_u64(&b, seccomp_arch_native());
    put_profile(&b, sc);
    key_done(&b, key);
}

void brig_seccomp_profile_digest(const struct brig_seccomp *sc, uint64_t digest[3])
{
    struct kbuf b = { .cap = 4096 };
    b.p = brig_xmalloc(b.cap);
    put_profile(&b, sc);
    digest[0] = b.len;
    digest[1] = fnv1a(FNV_INIT, b.p, b.len);
    /* A second, differently seeded hash: two profiles must collide in both. */
    digest[2] = fnv1a(fnv1a(FNV_INIT, "brig built-in", 13), b.p, b.len);
    free(b.p);
}

void brig_seccomp_builtin_key(const uint64_t digest[3], bool api_free, struct brig_seccomp_key *key)
{
    struct kbuf b = { .cap = 512 };
    b.p = brig_xmalloc(b.cap);
    put_prefix(&b);
    if (api_free) {
        /* The API level is a property of the kernel, which uname names
         * without the ~9 seccomp() probes libseccomp makes to find it. */
        struct utsname u;
        if (uname(&u) < 0)
            memset(&u, 0, sizeof u);
        put_str(&b, "kernel");
        put_str(&b, u.release);
        put_str(&b, u.version);
        put_str(&b, u.machine);
    } else {
        put_u64(&b, seccomp_api_get());
    }
    put_u64(&b, seccomp_arch_native());
    put_str(&b, "built-in RuntimeDefault");
    for (int i = 0; i < 3; i++)
        put_u64(&b, digest[i]);
    key_done(&b, key);
}

/* Open DIR only if it is a directory of ours that nobody else can write. */
static int open_cache_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
        brig_debug("seccomp cache: %s is not a private directory of ours, not used", dir);
        close(fd);
        errno = EPERM;
        return -1;
    }
    return fd;
}

static void entry_name(char *buf, size_t size, uint64_t hash)
{
    snprintf(buf, size, "%016llx.bpf", (unsigned long long)hash);
}

int brig_seccomp_cache_load(const char *dir, const struct brig_seccomp_key *key, struct brig_bpf *out)
{
    char name[32];
    entry_name(name, sizeof name, key->hash);
    cleanup_fd int dfd = open_cache_dir(dir);
    if (dfd < 0)
        return 0;
    cleanup_fd int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;

    struct stat st;
    struct cache_hdr h;
    cleanup_free unsigned char *buf = NULL;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        (size_t)st.st_size < sizeof h)
        goto bad;
    size_t size = (size_t)st.st_size;
    buf = brig_xmalloc(size);
    if (brig_read_all(fd, buf, size) != (ssize_t)size)
        goto bad;
    memcpy(&h, buf, sizeof h);
    if (memcmp(h.magic, CACHE_MAGIC, sizeof CACHE_MAGIC) != 0 || h.format != CACHE_FORMAT ||
        h.key_hash != key->hash || h.key_len != key->len || h.n_insns == 0 ||
        h.n_insns > BPF_MAXINSNS ||
        size != sizeof h + h.key_len + (size_t)h.n_insns * sizeof(struct sock_filter))
        goto bad;
    const unsigned char *k = buf + sizeof h;
    if (memcmp(k, key->data, key->len) != 0) {
        brig_debug("seccomp cache: %s/%s holds another profile", dir, name);
        return 0;
    }
    size_t insn_bytes = (size_t)h.n_insns * sizeof(struct sock_filter);
    if (fnv1a(FNV_INIT, k, size - sizeof h) != h.sum)
        goto bad;
    out->insns = brig_xmalloc(insn_bytes);
    memcpy(out->insns, k + h.key_len, insn_bytes);
    out->len = (unsigned short)h.n_insns;
    return 1;
bad:
    brig_debug("seccomp cache: %s/%s is damaged, ignored", dir, name);
    return 0;
}

/* Keep the directory small: past CACHE_MAX_ENTRIES, drop all other entries
 * (profiles in use come back at the cost of one compilation). */
static void trim(int dfd, const char *keep)
{
    int fd = dup(dfd);
    if (fd < 0)
        return;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            n++;
    if (n > CACHE_MAX_ENTRIES) {
        rewinddir(d);
        while ((de = readdir(d)))
            if (de->d_name[0] != '.' && strcmp(de->d_name, keep) != 0)
                unlinkat(dfd, de->d_name, 0);
    }
    closedir(d);
}

void brig_seccomp_cache_store(const char *dir, const struct brig_seccomp_key *key, const struct brig_bpf *prog)
{
    char name[32], tmp[64];
    entry_name(name, sizeof name, key->hash);
    snprintf(tmp, sizeof tmp, ".%s.%ld", name, (long)getpid());

    if (brig_mkdir_p(dir, 0700) < 0) {
        brig_debug("seccomp cache: %s", brig_last_error());
        brig_clear_error();
        return;
    }
    cleanup_fd int dfd = open_cache_dir(dir);
    if (dfd < 0)
        return;

    size_t insn_bytes = (size_t)prog->len * sizeof(struct sock_filter);
    struct cache_hdr h = {
        .format = CACHE_FORMAT,
        .key_len = (uint32_t)key->len,
        .n_insns = prog->len,
        .key_hash = key->hash,
    };
    memcpy(h.magic, CACHE_MAGIC, sizeof CACHE_MAGIC);
    h.sum = fnv1a(fnv1a(FNV_INIT, key->data, key->len), prog->insns, insn_bytes);

    size_t size = sizeof h + key->len + insn_bytes;
    cleanup_free unsigned char *buf = brig_xmalloc(size);
    memcpy(buf, &h, sizeof h);
    memcpy(buf + sizeof h, key->data, key->len);
    memcpy(buf + sizeof h + key->len, prog->insns, insn_bytes);

    cleanup_fd int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        brig_debug("seccomp cache: create %s/%s: %s", dir, tmp, strerror(errno));
        return;
    }
    if (brig_write_all(fd, buf, size) < 0) {
        brig_debug("seccomp cache: write %s/%s: %s", dir, tmp, strerror(errno));
        unlinkat(dfd, tmp, 0);
        return;
    }
    if (renameat(dfd, tmp, dfd, name) < 0) {
        brig_debug("seccomp cache: rename %s/%s: %s", dir, tmp, strerror(errno));
        unlinkat(dfd, tmp, 0);
        return;
    }
    brig_debug("seccomp cache: stored %s/%s (%u instructions)", dir, name, (unsigned)prog->len);
    trim(dfd, name);
}
