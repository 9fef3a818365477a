/* brig: the config's mounts, made below the rootfs without ever following
 * a path out of it.
 *
 * Every destination is resolved with openat2(RESOLVE_IN_ROOT) (or by hand
 * where the kernel lacks it) to an O_PATH fd, and the mount goes onto
 * /proc/self/fd/N: a symlink planted in the rootfs cannot redirect it. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmount/libmount.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "brig/cgroup.h"
#include "brig/container.h"
#include "brig/internal.h"
#include "brig/mounts.h"

#ifdef HAVE_LINUX_OPENAT2_H
#include <linux/openat2.h>
#else
struct open_how {
    unsigned long long flags, mode, resolve;
};
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_IN_ROOT 0x10
#endif

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

static bool have_openat2 = true;

/* Resolve by hand, for kernels without openat2: symlinks are read and
 * re-resolved against the root, ".." never climbs above it. */
static int resolve_by_hand(int rootfd, const char *path, int flags)
{
    char work[PATH_MAX * 2];
    int links = 0;
    snprintf(work, sizeof work, "%s", path);
    int cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (cur < 0)
        return -1;
    char *p = work;
restart:
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char comp[NAME_MAX + 1];
        if (n > NAME_MAX) {
            close(cur);
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(comp, p, n);
        comp[n] = '\0';
        p += n;
        if (strcmp(comp, ".") == 0)
            continue;
        if (strcmp(comp, "..") == 0) {
            /* Climb, but never above the root. */
            struct stat a, b;
            if (fstat(cur, &a) == 0 && fstat(rootfd, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
                continue;
            int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
            close(cur);
            if (up < 0)
                return -1;
            cur = up;
            continue;
        }
        int next = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) {
            int e = errno;
            close(cur);
            errno = e;
            return -1;
        }
        struct stat st;
        if (fstat(next, &st) == 0 && S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t tl = readlinkat(next, "", target, sizeof target - 1);
            close(next);
            if (tl < 0 || ++links > 40) {
                close(cur);
                errno = tl < 0 ? errno : ELOOP;
                return -1;
            }
            target[tl] = '\0';
            char rest[PATH_MAX * 2];
            snprintf(rest, sizeof rest, "%s%s", target, p);
            snprintf(work, sizeof work, "%s", rest);
            p = work;
            if (target[0] == '/') {
                close(cur);
                cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (cur < 0)
                    return -1;
            }
            goto restart;
        }
        close(cur);
        cur = next;
    }
    (void)flags;
    return cur;
}

static int resolve_in_root(int rootfd, const char *path)
{
    if (have_openat2) {
        struct open_how how = {
            .flags = O_PATH | O_CLOEXEC,
            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        const char *rel = path;
        while (*rel == '/')
            rel++;
        if (!*rel)
            rel = ".";
        int fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
        if (fd >= 0 || errno != ENOSYS)
            return fd;
        have_openat2 = false;
    }
    return resolve_by_hand(rootfd, path, 0);
}

int brig_open_in_root(int rootfd, const char *path, bool create, bool last_is_dir)
{
    int fd = resolve_in_root(rootfd, path);
    if (fd >= 0 || errno != ENOENT || !create)
        return fd < 0 ? brig_fail(errno, "resolve %s in the rootfs", path) : fd;

    /* Make the missing pieces one at a time, each under a parent that was
     * itself resolved inside the root. */
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    size_t len = strlen(buf);
    while (len > 1 && buf[len - 1] == '/')
        buf[--len] = '\0';
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        bool last = saved == '\0';
        int probe = resolve_in_root(rootfd, buf);
        if (probe >= 0) {
            close(probe);
        } else if (errno == ENOENT) {
            char *slash = strrchr(buf, '/');
            *slash = '\0';
            int parent = resolve_in_root(rootfd, buf[0] ? buf : "/");
            *slash = '/';
            if (parent < 0)
                return brig_fail(errno, "resolve parent of %s in the rootfs", buf);
            int r;
            if (!last || last_is_dir) {
                r = mkdirat(parent, slash + 1, 0755);
            } else {
                r = openat(parent, slash + 1, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (r >= 0) {
                    close(r);
                    r = 0;
                }
            }
            int e = errno;
            close(parent);
            if (r < 0 && e != EEXIST)
                return brig_fail(e, "create %s in the rootfs", buf);
        } else {
            return brig_fail(errno, "resolve %s in the rootfs", buf);
        }
        *p = saved;
        if (last)
            break;
    }
    fd = resolve_in_root(rootfd, path);
    if (fd < 0)
        return brig_fail(errno, "resolve %s in the rootfs", path);
    return fd;
}

void brig_fd_path(int fd, char buf[static 64])
{
    snprintf(buf, 64, "/proc/self/fd/%d", fd);
}

int brig_parse_mount_options(const struct brig_strv *opts, struct brig_mount_opts *out)
{
    memset(out, 0, sizeof *out);
    size_t total = 1;
    for (size_t i = 0; i < opts->n; i++)
        total += strlen(opts->v[i]) + 1;
    cleanup_free char *optstr = brig_xmalloc(total);
    optstr[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < opts->n; i++) {
        const char *o = opts->v[i];
        /* brig's own extensions, not known to libmount */
        if (strcmp(o, "tmpcopyup") == 0) {
            out->tmpcopyup = true;
            continue;
        }
        if (strcmp(o, "idmap") == 0 || strcmp(o, "ridmap") == 0) {
            out->idmap = true;
            out->idmap_recursive = o[0] == 'r';
            continue;
        }
        if (strcmp(o, "rro") == 0) {
            out->recursive_ro = true;
            continue;
        }
        if (o[0] == '\0')
            continue;
        if (len)
            optstr[len++] = ',';
        size_t l = strlen(o);
        memcpy(optstr + len, o, l);
        len += l;
        optstr[len] = '\0';
    }
    unsigned long flags = 0;
    if (len && mnt_optstr_get_flags(optstr, &flags, mnt_get_builtin_optmap(MNT_LINUX_MAP)) < 0)
        return brig_fail(0, "cannot parse mount options \"%s\"", optstr);
    char *fs = NULL;
    if (len && mnt_split_optstr(optstr, NULL, NULL, &fs, 0, 0) < 0)
        return brig_fail(0, "cannot split mount options \"%s\"", optstr);
    const unsigned long prop = MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE;
    out->propagation = flags & (prop | MS_REC);
    if (!(flags & prop))
        out->propagation = 0;
    out->flags = flags & ~prop;
    if ((flags & prop) && !(flags & MS_BIND))
        out->flags &= ~(unsigned long)MS_REC; /* MS_REC came with a propagation option */
    out->data = fs;
    return 0;
}

static int mount_at(const char *source, int fd, const char *type, unsigned long flags, const char *data,
                    const char *dest)
{
    char target[64];
    brig_fd_path(fd, target);
    if (mount(source, target, type, flags, data) < 0)
        return brig_fail(errno, "mount %s on %s", source ? source : type ? type : "none", dest);
    return 0;
}

/* Remount a bind mount with FLAGS, keeping the flags the kernel locks in a
 * user namespace (nodev, nosuid, noexec, ro) when it insists. */
int brig_remount_bind(int fd, unsigned long flags, const char *dest)
{
    char target[64];
    brig_fd_path(fd, target);
    return brig_remount_path(target, fd, flags, dest);
}

int brig_remount_path(const char *target, int fd, unsigned long flags, const char *dest)
{
    unsigned long want = MS_BIND | MS_REMOUNT | (flags & ~(unsigned long)(MS_BIND | MS_REC | MS_REMOUNT));
    if (mount(NULL, target, NULL, want, NULL) == 0)
        return 0;
    if (errno != EPERM)
        return brig_fail(errno, "remount %s", dest);
    struct statvfs sv;
    if (fstatvfs(fd, &sv) < 0)
        return brig_fail(errno, "statvfs %s", dest);
    if (sv.f_flag & ST_NODEV)
        want |= MS_NODEV;
    if (sv.f_flag & ST_NOSUID)
        want |= MS_NOSUID;
    if (sv.f_flag & ST_NOEXEC)
        want |= MS_NOEXEC;
    if (sv.f_flag & ST_RDONLY)
        want |= MS_RDONLY;
    if (mount(NULL, target, NULL, want, NULL) < 0)
        return brig_fail(errno, "remount %s", dest);
    return 0;
}

static bool is_dir_path(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* type "cgroup": the container's own cgroup, read-only unless asked. */
static int mount_cgroup(struct brig_init *in, int rootfd, const struct brig_mount *m,
                        const struct brig_mount_opts *mo)
{
    unsigned long ro = mo->flags & MS_RDONLY;
    unsigned long common = MS_NOSUID | MS_NODEV | MS_NOEXEC | (mo->flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC));
    cleanup_fd int fd = brig_open_in_root(rootfd, m->destination, true, true);
    if (fd < 0)
        return -1;
    if (brig_cgroup_mode() == BRIG_CGROUP_V2 && brig_config_namespace(in->cfg, BRIG_NS_CGROUP))
        return mount_at("cgroup2", fd, "cgroup2", common | ro, NULL, m->destination);

    /* v1 or hybrid: a tmpfs holding one bind mount per hierarchy, each of
     * the container's own cgroup directory. */
    if (mount_at("cgroup", fd, "tmpfs", common, "mode=755", m->destination) < 0)
        return -1;
    cleanup_fd int top = resolve_in_root(rootfd, m->destination);
    if (top < 0)
        return brig_fail(errno, "resolve %s", m->destination);
    const char *cgpath = "";
    char *path = brig_cgroup_path_for(in->cfg, in->opts->id, false);
    cgpath = path ? path : "";
    DIR *d = opendir("/sys/fs/cgroup");
    if (!d) {
        free(path);
        return brig_fail(errno, "open /sys/fs/cgroup");
    }
    struct dirent *de;
    int r = 0;
    while (r == 0 && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char host[PATH_MAX];
        snprintf(host, sizeof host, "/sys/fs/cgroup/%s%s", de->d_name, cgpath);
        char hier[PATH_MAX];
        snprintf(hier, sizeof hier, "/sys/fs/cgroup/%s", de->d_name);
        struct stat st;
        if (lstat(hier, &st) < 0)
            continue;
        if (S_ISLNK(st.st_mode)) {
            /* cpu -> cpu,cpuacct: keep the link */
            char target[PATH_MAX];
            ssize_t n = readlink(hier, target, sizeof target - 1);
            if (n > 0) {
                target[n] = '\0';
                if (symlinkat(target, top, de->d_name) < 0 && errno != EEXIST)
                    r = brig_fail(errno, "symlink %s/%s", m->destination, de->d_name);
            }
            continue;
        }
        if (!is_dir_path(host))
            snprintf(host, sizeof host, "%s", hier); /* not ours (e.g. no such controller cgroup) */
        if (!is_dir_path(host))
            continue;
        if (mkdirat(top, de->d_name, 0755) < 0 && errno != EEXIST) {
            r = brig_fail(errno, "mkdir %s/%s", m->destination, de->d_name);
            break;
        }
        cleanup_fd int sub = openat(top, de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
            r = brig_fail(errno, "open %s/%s", m->destination, de->d_name);
            break;
        }
        char dest[PATH_MAX];
        snprintf(dest, sizeof dest, "%s/%s", m->destination, de->d_name);
        r = mount_at(host, sub, NULL, MS_BIND | MS_REC, NULL, dest);
        if (r == 0) {
            /* Reopen: the fd from before the mount names the covered dir. */
            cleanup_fd int mnt = openat(top, de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
            r = mnt < 0 ? brig_fail(errno, "open %s", dest)
                        : brig_remount_bind(mnt, common | (ro ? MS_RDONLY : 0), dest);
        }
    }
    closedir(d);
    free(path);
    if (r == 0 && ro)
        r = brig_remount_bind(top, common | MS_RDONLY, m->destination);
    return r;
}

static int apply_one(struct brig_init *in, int rootfd, const struct brig_mount *m)
{
    struct brig_mount_opts mo;
    if (brig_parse_mount_options(&m->options, &mo) < 0)
        return -1;
    cleanup_free char *data = mo.data;
    const char *type = m->type;
    bool bind = (mo.flags & MS_BIND) || (type && strcmp(type, "bind") == 0);
    if (type && strcmp(type, "cgroup") == 0)
        return mount_cgroup(in, rootfd, m, &mo);
    if (mo.idmap)
        return brig_fail(EOPNOTSUPP, "idmapped mounts are not supported yet");

    cleanup_free char *source = NULL;
    bool source_is_dir = true;
    if (bind) {
        if (!m->source)
            return brig_fail(0, "bind mount without a source");
        source = m->source[0] == '/' ? brig_xstrdup(m->source)
                                     : brig_xasprintf("%s/%s", in->bundle, m->source);
        struct stat st;
        if (stat(source, &st) < 0)
            return brig_fail(errno, "bind mount source %s", source);
        source_is_dir = S_ISDIR(st.st_mode);
    } else {
        source = brig_xstrdup(m->source ? m->source : (type ? type : "none"));
    }

    cleanup_fd int fd = brig_open_in_root(rootfd, m->destination, true, source_is_dir);
    if (fd < 0)
        return -1;

    if (bind) {
        if (mount_at(source, fd, NULL, MS_BIND | (mo.flags & MS_REC), NULL, m->destination) < 0)
            return -1;
        /* The bind carries the source's flags: apply ours with a remount. */
        cleanup_fd int fd2 = resolve_in_root(rootfd, m->destination);
        if (fd2 < 0)
            return brig_fail(errno, "resolve %s", m->destination);
        if ((mo.flags & ~(unsigned long)(MS_BIND | MS_REC)) && brig_remount_bind(fd2, mo.flags, m->destination) < 0)
            return -1;
        if (mo.propagation && mount_at(NULL, fd2, NULL, mo.propagation, NULL, m->destination) < 0)
            return -1;
        return 0;
    }

    int r = mount_at(source, fd, type, mo.flags, data, m->destination);
    if (r < 0 && type && strcmp(type, "sysfs") == 0 && brig_last_errno() == EPERM) {
        /* In a user namespace without its own network namespace sysfs
         * cannot be mounted: bind the host's, read-only. */
        brig_clear_error();
        r = mount_at("/sys", fd, NULL, MS_BIND | MS_REC, NULL, m->destination);
        if (r == 0) {
            cleanup_fd int fd2 = resolve_in_root(rootfd, m->destination);
            r = fd2 < 0 ? brig_fail(errno, "resolve %s", m->destination)
                        : brig_remount_bind(fd2, mo.flags | MS_RDONLY, m->destination);
        }
    }
    if (r < 0)
        return -1;
    if (mo.propagation) {
        cleanup_fd int fd2 = resolve_in_root(rootfd, m->destination);
        if (fd2 < 0 || mount_at(NULL, fd2, NULL, mo.propagation, NULL, m->destination) < 0)
            return -1;
    }
    return 0;
}

int brig_apply_mounts(struct brig_init *in, int rootfd)
{
    const struct brig_config *cfg = in->cfg;
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        if (apply_one(in, rootfd, &cfg->mounts[i]) < 0)
            return brig_fail_ctx("mounts[%zu]", i);
    }
    return 0;
}
