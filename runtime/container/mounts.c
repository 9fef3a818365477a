/* brig: the config's mounts, made below the rootfs without ever following
 * a path out of it.
 *
 * Every destination is resolved inside the rootfs (resolve.c) to an O_PATH
 * fd and the mount goes onto that fd: a symlink planted in the rootfs
 * cannot redirect it, and a destination that resolves to the rootfs itself
 * ("/proc -> /") is refused.  Bind mounts get their flags before they are
 * attached (mountfd.c); idmapped binds are made by the runtime, which has
 * the privileges for it, and handed over as a detached mount (idmap.c). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cgroup.h"
#include "brig/cgroup_internal.h"
#include "brig/container.h"
#include "brig/internal.h"
#include "brig/mounts.h"
#include "brig/rootless.h"
#include "brig/sync.h"

static bool on_procfs(int fd)
{
    struct statfs sf;
    return fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

/* What may be mounted over a file in /proc: lxcfs-style binds of the
 * files that show system-wide figures.  Anything else there could hide
 * what the kernel exposes for security (attr/, sys/...). */
static bool proc_target_allowed(const char *dest)
{
    static const char *const ok[] = {"/proc/cpuinfo",   "/proc/diskstats", "/proc/meminfo",
                                     "/proc/stat",      "/proc/swaps",     "/proc/uptime",
                                     "/proc/loadavg",   "/proc/slabinfo",  "/proc/net/dev",
                                     "/proc/sys/kernel/ns_last_pid"};
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(ok); i++)
        if (strcmp(dest, ok[i]) == 0)
            return true;
    return false;
}

/* The rootfs's identity, taken once per brig_apply_mounts: a destination
 * that resolves to it is refused. */
static struct stat root_st;

/* FD, the resolved destination, checked; closed on failure. */
static int check_dest(int rootfd, int fd, const struct brig_mount *m, bool is_proc)
{
    struct stat st;
    if (root_st.st_ino == 0 && fstat(rootfd, &root_st) < 0)
        root_st.st_ino = 0;
    if (root_st.st_ino != 0 && fstat(fd, &st) == 0 && st.st_dev == root_st.st_dev &&
        st.st_ino == root_st.st_ino) {
        close(fd);
        return brig_fail(0, "destination %s resolves to the container's root directory", m->destination);
    }
    if (!is_proc && on_procfs(fd) && !proc_target_allowed(m->destination)) {
        close(fd);
        return brig_fail(0, "destination %s is inside /proc: only binds over /proc/cpuinfo, /proc/meminfo "
                            "and the like are allowed there", m->destination);
    }
    return fd;
}

/* The destination, resolved (and made) inside the rootfs, checked. */
static int open_dest(int rootfd, const struct brig_mount *m, bool is_dir, bool is_proc)
{
    int fd = brig_open_in_root(rootfd, m->destination, true, is_dir);
    if (fd < 0)
        return -1;
    return check_dest(rootfd, fd, m, is_proc);
}

/* proc and sysfs go on an ordinary directory (runc's rule): a /proc that is
 * a symlink in the image is refused, not followed, even to a place inside
 * the rootfs (masked paths, the LSM and sysctl writes all expect the real
 * /proc there).  Components that do not exist yet are made as directories. */
static int refuse_symlinks(int rootfd, const char *dest, const char *type)
{
    cleanup_free char *copy = brig_xstrdup(dest);
    cleanup_fd int dir = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return brig_fail(errno, "open the rootfs");
    char *save = NULL;
    for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0)
            continue;
        if (strcmp(c, "..") == 0)
            return brig_fail(0, "%s must be mounted on an ordinary directory: %s has \"..\"", type, dest);
        int next = openat(dir, c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) {
            if (errno == ENOENT)
                return 0;
            return brig_fail(errno, "open %s in the rootfs", dest);
        }
        struct stat st;
        if (fstat(next, &st) < 0 || S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
            close(next);
            return brig_fail(0, "%s must be mounted on an ordinary directory: %s in the rootfs is %s", type,
                             dest, S_ISLNK(st.st_mode) ? "a symlink or crosses one" : "not a directory");
        }
        close(dir);
        dir = next;
    }
    return 0;
}

/* refuse_symlinks in one openat2 where there is one: 1 and *FD when DEST
 * is there, an ordinary directory reached through no symlink; 0 when a
 * component is missing (the caller makes it); -1 with an error. */
static int open_ordinary_dir(int rootfd, const char *dest, const char *type, int *fd)
{
    /* ".." and kernels without openat2: component by component, as ever. */
    for (const char *p = dest; (p = strstr(p, "..")) != NULL; p += 2)
        if ((p == dest || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
            return refuse_symlinks(rootfd, dest, type);
    *fd = brig_open_plain_dir_in_root(rootfd, dest);
    if (*fd >= 0)
        return 1;
    switch (errno) {
    case ENOSYS:
        return refuse_symlinks(rootfd, dest, type);
    case ENOENT:
        return 0;
    case ELOOP:
        return brig_fail(0, "%s must be mounted on an ordinary directory: %s in the rootfs is %s", type, dest,
                         "a symlink or crosses one");
    case ENOTDIR:
        return brig_fail(0, "%s must be mounted on an ordinary directory: %s in the rootfs is %s", type, dest,
                         "not a directory");
    default:
        return brig_fail(errno, "open %s in the rootfs", dest);
    }
}

/* After a mount on DEST, an fd for the new mount (the old fd names the
 * directory underneath). */
static int reopen_dest(int rootfd, const char *dest)
{
    int fd = brig_resolve_in_root(rootfd, dest);
    if (fd < 0)
        return brig_fail(errno, "resolve %s in the rootfs", dest);
    return fd;
}

/* Recursive attributes and propagation, once the mount is in place. */
static int finish_mount(int rootfd, const struct brig_mount *m, const struct brig_mount_opts *mo)
{
    if (!mo->rattr_set && !mo->rattr_clr && mo->n_propagation == 0)
        return 0;
    cleanup_fd int fd = reopen_dest(rootfd, m->destination);
    if (fd < 0)
        return -1;
    if ((mo->rattr_set || mo->rattr_clr) && brig_setattr(fd, mo->rattr_set, mo->rattr_clr, 0, true, m->destination) < 0)
        return -1;
    for (size_t i = 0; i < mo->n_propagation; i++) {
        unsigned long p = mo->propagation[i];
        if (brig_setattr(fd, 0, 0, p & ~(unsigned long)MS_REC, (p & MS_REC) != 0, m->destination) < 0)
            return -1;
    }
    return 0;
}

/* type "cgroup": the container's own cgroup, read-write unless its
 * options say "ro", as with runc (every engine's and `brig spec`'s
 * default cgroup mount says "ro"). */
static int mount_cgroup(const struct brig_plan *pl, int rootfd, const struct brig_mount *m,
                        const struct brig_mount_opts *mo)
{
    bool rw = (mo->attr_set & BRIG_ATTR_RDONLY) == 0;
    uint64_t attrs = BRIG_ATTR_NOSUID | BRIG_ATTR_NODEV | BRIG_ATTR_NOEXEC | (rw ? 0 : BRIG_ATTR_RDONLY);
    cleanup_fd int fd = open_dest(rootfd, m, true, false);
    if (fd < 0)
        return -1;
    unsigned long cg2_flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | (rw ? 0 : MS_RDONLY);
    if (brig_cgroup_mode() == BRIG_CGROUP_V2 && (pl->clone_flags & CLONE_NEWCGROUP)) {
        if (brig_mount_at("cgroup2", fd, "cgroup2", cg2_flags, NULL, m->destination) == 0)
            return 0;
        int e = brig_last_errno();
        if (e != EBUSY && e != EPERM)
            return -1;
        brig_debug("%s; trying again over a tmpfs", brig_last_error());
        brig_clear_error();
        /* EBUSY: the destination is the host's cgroup2 mount, brought in
         * by an rbind of /sys (rootless, no network namespace): the same
         * superblock cannot be mounted on itself.  Cover it first. */
        if (brig_mount_at("tmpfs", fd, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755", m->destination) < 0)
            return -1;
        cleanup_fd int top = reopen_dest(rootfd, m->destination);
        if (top < 0)
            return -1;
        if (brig_mount_at("cgroup2", top, "cgroup2", cg2_flags, NULL, m->destination) == 0)
            return 0;
        if (brig_last_errno() != EPERM)
            return -1;
        /* EPERM: a user namespace that does not own the cgroup namespace
         * cannot mount cgroup2; the container's own directory is bound in
         * below, as runc does, else the empty read-only tmpfs stays. */
        brig_debug("%s; binding the container's cgroup instead", brig_last_error());
        brig_clear_error();
        close(fd);
        fd = top;
        top = -1;
    }

    /* The container's cgroup path relative to each hierarchy's root. */
    cleanup_free char *cgpath = NULL;
    const char *path = pl->cgroup_path;
    if (!path)
        return brig_fail(0, "cgroup mount: the container has no cgroup path");
    if (brig_g.systemd_cgroup) {
        cleanup_free char *unit = NULL;
        if (brig_cg_systemd_expand(path, &cgpath, &unit) < 0)
            return -1;
    } else {
        cgpath = brig_xstrdup(path);
    }

    if (brig_cgroup_mode() == BRIG_CGROUP_V2) {
        /* No cgroup namespace: bind the container's own directory. */
        cleanup_free char *host = brig_xasprintf("/sys/fs/cgroup%s", cgpath);
        if (brig_bind_at(host, -1, rootfd, m->destination, fd, false, attrs, 0) == 0)
            return 0;
        if (!brig_is_rootless() || brig_last_errno() != ENOENT)
            return -1;
        /* Rootless without a cgroup of its own: nothing to show; mask the
         * place with an empty read-only tmpfs (an rbind of /sys brought the
         * host's whole hierarchy there). */
        brig_debug("%s; masking %s", brig_last_error(), m->destination);
        brig_clear_error();
        return brig_mount_at("tmpfs", fd, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, "mode=755",
                             m->destination);
    }

    /* v1 or hybrid: a tmpfs with one bind per hierarchy, each of the
     * container's own directory there; "cpu -> cpu,cpuacct" links kept. */
    if (brig_mount_at("cgroup", fd, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755", m->destination) < 0)
        return -1;
    cleanup_fd int top = reopen_dest(rootfd, m->destination);
    if (top < 0)
        return -1;
    DIR *d = opendir("/sys/fs/cgroup");
    if (!d)
        return brig_fail(errno, "open /sys/fs/cgroup");
    struct dirent *de;
    int r = 0;
    while (r == 0 && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char hier[PATH_MAX];
        snprintf(hier, sizeof hier, "/sys/fs/cgroup/%s", de->d_name);
        cleanup_free char *dest = brig_xasprintf("%s/%s", m->destination, de->d_name);
        struct stat st;
        if (lstat(hier, &st) < 0)
            continue;
        if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t n = readlink(hier, target, sizeof target - 1);
            if (n > 0) {
                target[n] = '\0';
                if (!strchr(target, '/') && symlinkat(target, top, de->d_name) < 0 && errno != EEXIST)
                    r = brig_fail(errno, "symlink %s", dest);
            }
            continue;
        }
        struct statfs sf;
        if (!S_ISDIR(st.st_mode) || statfs(hier, &sf) < 0 ||
            (sf.f_type != CGROUP_SUPER_MAGIC && sf.f_type != CGROUP2_SUPER_MAGIC))
            continue;
        /* A hierarchy where the container has no cgroup is left out: the
         * host's would show other cgroups. */
        cleanup_free char *host = brig_xasprintf("%s%s", hier, cgpath);
        if (stat(host, &st) < 0 || !S_ISDIR(st.st_mode))
            continue;
        if (mkdirat(top, de->d_name, 0755) < 0 && errno != EEXIST) {
            r = brig_fail(errno, "mkdir %s", dest);
            break;
        }
        cleanup_fd int sub = openat(top, de->d_name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
        if (sub < 0) {
            r = brig_fail(errno, "open %s", dest);
            break;
        }
        r = brig_bind_at(host, -1, rootfd, dest, sub, false, attrs, 0);
    }
    closedir(d);
    if (r == 0 && !rw)
        r = brig_setattr(top, BRIG_ATTR_RDONLY, 0, 0, false, m->destination);
    return r;
}

static int mount_bind(struct brig_init *in, int rootfd, size_t index, const struct brig_mount *m,
                      const struct brig_mount_opts *mo)
{
    if (!m->source)
        return brig_fail(0, "bind mount without a source");
    cleanup_free char *source = m->source[0] == '/' ? brig_xstrdup(m->source)
                                                    : brig_xasprintf("%s/%s", in->plan->bundle, m->source);
    /* opened by the runtime as host root, with a user namespace (mountsrc.c) */
    cleanup_fd int srcfd = brig_take_mount_source(in, index);
    struct stat st;
    if ((srcfd >= 0 ? fstat(srcfd, &st) : stat(source, &st)) < 0)
        return brig_fail(errno, "bind mount source %s", source);
    cleanup_fd int fd = open_dest(rootfd, m, S_ISDIR(st.st_mode), false);
    if (fd < 0)
        return -1;
    if (brig_bind_via_runtime(mo)) {
        /* The runtime makes it (idmap.c): idmapping needs privileges in the
         * filesystem's user namespace, which we no longer have, and a
         * shared bind must be a peer of the host's mount, not of our
         * slave copy of it. */
        int tree = -1;
        if (brig_sync_send(in->proc.sync_fd, BRIG_SYNC_MOUNT_TREE, (int32_t)index, NULL, -1) < 0 ||
            brig_sync_expect(in->proc.sync_fd, BRIG_SYNC_MOUNT_TREE, NULL, &tree) < 0)
            return -1;
        if (tree < 0)
            return brig_fail(0, "bind %s: no mount received from the runtime", source);
        int r = brig_move_tree(tree, fd);
        int e = errno;
        close(tree);
        if (r < 0)
            return brig_fail(e, "attach the bind of %s on %s", source, m->destination);
    } else if (brig_bind_at(source, srcfd, rootfd, m->destination, fd, mo->recursive, mo->attr_set,
                            mo->attr_clr) < 0) {
        return -1;
    }
    return finish_mount(rootfd, m, mo);
}

/* The config's /dev tmpfs is read-only: made so by brig_finish_dev. */
static bool dev_ro_later;

static int mount_new(const struct brig_plan *pl, int rootfd, const struct brig_mount *m, const struct brig_mount_opts *mo)
{
    const char *type = m->type;
    bool is_proc = type && strcmp(type, "proc") == 0;
    cleanup_fd int fd = -1;
    if (is_proc || (type && strcmp(type, "sysfs") == 0)) {
        int r = open_ordinary_dir(rootfd, m->destination, type, &fd);
        if (r < 0)
            return -1;
        if (r > 0 && (fd = check_dest(rootfd, fd, m, is_proc)) < 0)
            return -1;
    }
    if (fd < 0 && (fd = open_dest(rootfd, m, true, is_proc)) < 0)
        return -1;
    /* tmpcopyup: the directory underneath, to copy from once covered. */
    cleanup_fd int below = -1;
    if (mo->tmpcopyup) {
        if (!type || strcmp(type, "tmpfs") != 0)
            return brig_fail(0, "tmpcopyup needs a tmpfs mount");
        below = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (below < 0)
            return brig_fail(errno, "open %s", m->destination);
    }
    cleanup_free char *data = NULL;
    const char *label = pl->cfg->linux_ ? pl->cfg->linux_->mount_label : NULL;
    if (label && type && (strcmp(type, "tmpfs") == 0 || strcmp(type, "mqueue") == 0 || strcmp(type, "devpts") == 0))
        data = brig_xasprintf("%s%scontext=\"%s\"", mo->data ? mo->data : "", mo->data ? "," : "", label);
    else
        data = brig_xstrdup(mo->data);
    const char *source = m->source ? m->source : (type ? type : "none");
    /* A read-only tmpfs is mounted read-write, filled (tmpcopyup; for
     * /dev the mount points below it and the devices), then made
     * read-only, as runc does. */
    bool ro_later = type && strcmp(type, "tmpfs") == 0 && (mo->flags & MS_RDONLY);
    unsigned long flags = ro_later ? mo->flags & ~(unsigned long)MS_RDONLY : mo->flags;

    int r = brig_mount_at(source, fd, type, flags, data, m->destination);
    if (r < 0 && type && strcmp(type, "sysfs") == 0 && brig_last_errno() == EPERM) {
        /* In a user namespace without its own network namespace sysfs
         * cannot be mounted: bind the host's, read-only all the way down
         * (its submounts are the host's cgroup, security, bpf, debug and
         * tracing filesystems); where that cannot be had (no
         * mount_setattr) it is refused, not left writable. */
        brig_clear_error();
        r = brig_bind_at("/sys", -1, rootfd, m->destination, fd, true, 0, 0);
        if (r == 0) {
            cleanup_fd int top = reopen_dest(rootfd, m->destination);
            if (top < 0 || brig_setattr(top, mo->attr_set | BRIG_ATTR_RDONLY | BRIG_ATTR_NOSUID |
                                                 BRIG_ATTR_NODEV | BRIG_ATTR_NOEXEC,
                                        0, 0, true, m->destination) < 0)
                return brig_fail_ctx("sysfs cannot be mounted here (a user namespace without its own "
                                     "network namespace) and the host's cannot be made read-only");
        }
    }
    if (r < 0)
        return -1;
    if (mo->tmpcopyup) {
        cleanup_fd int top = reopen_dest(rootfd, m->destination);
        if (top < 0)
            return -1;
        cleanup_fd int dir = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
            return brig_fail(errno, "open %s", m->destination);
        if (brig_copy_tree(below, dir, m->destination) < 0)
            return brig_fail_ctx("tmpcopyup");
        /* The copy looks like what it covers, unless mode= said otherwise. */
        struct stat st;
        if (fstat(below, &st) < 0)
            return brig_fail(errno, "stat %s", m->destination);
        if (fchown(dir, st.st_uid, st.st_gid) < 0 ||
            (!(mo->data && strstr(mo->data, "mode=")) && fchmod(dir, st.st_mode & 07777) < 0))
            return brig_fail(errno, "tmpcopyup: set owner and mode of %s", m->destination);
    }
    if (ro_later) {
        if (strcmp(m->destination, "/dev") == 0) {
            dev_ro_later = true; /* brig_finish_dev, once /dev is filled */
        } else {
            cleanup_fd int top = reopen_dest(rootfd, m->destination);
            if (top < 0 || brig_setattr(top, BRIG_ATTR_RDONLY, 0, 0, false, m->destination) < 0)
                return -1;
        }
    }
    return finish_mount(rootfd, m, mo);
}

int brig_finish_dev(int rootfd)
{
    if (!dev_ro_later)
        return 0;
    dev_ro_later = false;
    cleanup_fd int dev = reopen_dest(rootfd, "/dev");
    if (dev < 0 || brig_setattr(dev, BRIG_ATTR_RDONLY, 0, 0, false, "/dev") < 0)
        return brig_fail_ctx("mounts: make /dev read-only");
    return 0;
}

static int apply_one(struct brig_init *in, int rootfd, size_t index)
{
    const struct brig_mount *m = &in->plan->cfg->mounts[index];
    struct brig_mount_opts mo;
    if (brig_parse_mount_options(&m->options, m->type, &mo) < 0)
        return -1;
    int r;
    if (m->type && strcmp(m->type, "cgroup") == 0 && !mo.bind)
        r = mount_cgroup(in->plan, rootfd, m, &mo);
    else if (mo.bind)
        r = mount_bind(in, rootfd, index, m, &mo);
    else
        r = mount_new(in->plan, rootfd, m, &mo);
    brig_mount_opts_free(&mo);
    return r;
}

int brig_apply_mounts(struct brig_init *in, int rootfd)
{
    const struct brig_config *cfg = in->plan->cfg;
    root_st = (struct stat){0};
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        if (apply_one(in, rootfd, i) < 0)
            return brig_fail_ctx("mounts[%zu] (%s)", i, cfg->mounts[i].destination);
    }
    return 0;
}
