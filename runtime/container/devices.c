/* brig: device nodes in the container's /dev.  mknod where we may; in a
 * user namespace (where mknod of a device is refused) a bind mount of the
 * host's node of the same path, as runc does.  Every path is resolved
 * inside the rootfs: a hostile "/dev/null -> /etc/shadow" is replaced, not
 * followed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "brig/container.h"
#include "brig/internal.h"
#include "brig/mounts.h"
#include "brig/rootless.h"

struct dev_spec {
    const char *path;
    char type;
    unsigned major, minor;
    mode_t mode;
    uid_t uid;
    gid_t gid;
    bool set_owner;
};

static const struct dev_spec default_devices[] = {
    {"/dev/null", 'c', 1, 3, 0666, 0, 0, false},
    {"/dev/zero", 'c', 1, 5, 0666, 0, 0, false},
    {"/dev/full", 'c', 1, 7, 0666, 0, 0, false},
    {"/dev/random", 'c', 1, 8, 0666, 0, 0, false},
    {"/dev/urandom", 'c', 1, 9, 0666, 0, 0, false},
    {"/dev/tty", 'c', 5, 0, 0666, 0, 0, false},
};

static const struct { const char *target, *link; } default_links[] = {
    {"/proc/self/fd", "/dev/fd"},
    {"/proc/self/fd/0", "/dev/stdin"},
    {"/proc/self/fd/1", "/dev/stdout"},
    {"/proc/self/fd/2", "/dev/stderr"},
    {"pts/ptmx", "/dev/ptmx"},
};

/* In a user namespace: an empty file bind-mounted with the host's node. */
static int bind_host_node(int rootfd, int dir, const char *name, const struct dev_spec *d)
{
    struct stat st;
    if (stat(d->path, &st) < 0)
        return brig_fail(errno, "%s: in a user namespace devices are bind-mounted from the host, and the "
                                "host has no %s", d->path, d->path);
    if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode) &&
        unlinkat(dir, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
        return brig_fail(errno, "replace %s", d->path);
    int fd = openat(dir, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return brig_fail(errno, "create %s", d->path);
    close(fd);
    cleanup_fd int target = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (target < 0)
        return brig_fail(errno, "open %s", d->path);
    return brig_bind_at(d->path, -1, rootfd, d->path, target, false, 0, 0);
}

/* The directory a node or link goes in, and its name there.  Most live
 * right in /dev: that directory is resolved inside the root once (after
 * the config's mounts, so it is the /dev tmpfs) and kept in *DEV for the
 * rest; anything deeper (/dev/net/tun) is resolved on its own. */
static int open_parent(int rootfd, const char *path, int *dev, bool *own, char name[static NAME_MAX + 1])
{
    *own = true;
    size_t dir_len;
    if (!brig_path_last_name(path, &dir_len, name) || dir_len != 4 || strncmp(path, "/dev", 4) != 0)
        return brig_open_parent_in_root(rootfd, path, true, name);
    if (*dev < 0 && (*dev = brig_open_in_root(rootfd, "/dev", true, true)) < 0)
        return -1;
    *own = false;
    return *dev;
}

/* EXACT: the umask is 0 and the directory a fresh tmpfs (no default ACL),
 * so mknod gives the node its mode as asked. */
static int make_node(int rootfd, const struct dev_spec *d, bool bind, int *dev, bool exact)
{
    char name[NAME_MAX + 1];
    bool own;
    int dir = open_parent(rootfd, d->path, dev, &own, name);
    if (dir < 0)
        return -1;
    cleanup_fd int owned = own ? dir : -1; /* not *DEV: that one is kept */
    if (bind)
        return bind_host_node(rootfd, dir, name, d);
    mode_t kind = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
    dev_t rdev = makedev(d->major, d->minor);
    /* Whatever is there (a file, a planted symlink) goes: on a fresh /dev
     * there is nothing, so mknod is tried first. */
    if (mknodat(dir, name, kind | (d->mode & 07777), rdev) < 0) {
        if (errno != EEXIST)
            return brig_fail(errno, "mknod %s", d->path);
        if (unlinkat(dir, name, 0) < 0 && errno != ENOENT)
            return brig_fail(errno, "replace %s", d->path);
        if (mknodat(dir, name, kind | (d->mode & 07777), rdev) < 0)
            return brig_fail(errno, "mknod %s", d->path);
    }
    /* mknod honours the umask (and a default ACL): the mode is set again
     * as asked. */
    if (!exact && fchmodat(dir, name, d->mode & 07777, 0) < 0)
        return brig_fail(errno, "chmod %s", d->path);
    if (d->set_owner) {
        /* a path-less fd: the owner goes on the node, not through a link */
        cleanup_fd int node = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (node < 0)
            return brig_fail(errno, "open %s", d->path);
        if (fchownat(node, "", d->uid, d->gid, AT_EMPTY_PATH) < 0)
            return brig_fail(errno, "chown %s to %u:%u", d->path, (unsigned)d->uid, (unsigned)d->gid);
    }
    return 0;
}

static bool dev_is_tmpfs(const struct brig_config *cfg)
{
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        const struct brig_mount *m = &cfg->mounts[i];
        if (strcmp(m->destination, "/dev") == 0 || strcmp(m->destination, "/dev/") == 0)
            return !(m->type && strcmp(m->type, "bind") == 0);
    }
    return false;
}

int brig_create_devices(const struct brig_plan *pl, int rootfd)
{
    const struct brig_config *cfg = pl->cfg;
    /* mknod of a device needs CAP_MKNOD in the initial user namespace:
     * refused in the container's own and in one brig itself runs in. */
    bool userns = pl->in_userns || brig_running_in_userns();
    cleanup_fd int dev = -1;

    /* The defaults go into a /dev the config makes fresh, never into a
     * /dev that is part of the rootfs or bound from elsewhere. */
    if (dev_is_tmpfs(cfg)) {
        /* Straight into the config's fresh /dev tmpfs, with umask 0 (as
         * runc makes them): no chmod after each mknod. */
        if ((dev = brig_open_in_root(rootfd, "/dev", true, true)) < 0)
            return brig_fail_ctx("default devices");
        mode_t mask = umask(0);
        for (size_t i = 0; i < BRIG_ARRAY_SIZE(default_devices); i++)
            if (make_node(rootfd, &default_devices[i], userns, &dev, true) < 0) {
                umask(mask);
                return brig_fail_ctx("default devices");
            }
        umask(mask);
        for (size_t i = 0; i < BRIG_ARRAY_SIZE(default_links); i++) {
            char name[NAME_MAX + 1];
            bool own;
            int dir = open_parent(rootfd, default_links[i].link, &dev, &own, name);
            if (dir < 0)
                return brig_fail_ctx("default devices");
            cleanup_fd int owned = own ? dir : -1;
            if (symlinkat(default_links[i].target, dir, name) < 0 && errno != EEXIST)
                return brig_fail(errno, "symlink %s", default_links[i].link);
        }
    }
    if (!cfg->linux_)
        return 0;
    for (size_t i = 0; i < cfg->linux_->n_devices; i++) {
        const struct brig_device *d = &cfg->linux_->devices[i];
        struct dev_spec s = {
            .path = d->path,
            .type = d->type == 'u' ? 'c' : d->type,
            .major = (unsigned)d->major,
            .minor = (unsigned)d->minor,
            .mode = d->file_mode.set ? d->file_mode.v : 0666,
            .uid = d->uid.set ? d->uid.v : 0,
            .gid = d->gid.set ? d->gid.v : 0,
            .set_owner = d->uid.set || d->gid.set,
        };
        if (d->path[0] != '/')
            return brig_fail(0, "linux.devices[%zu].path: %s is not absolute", i, d->path);
        if (make_node(rootfd, &s, userns && s.type != 'p', &dev, false) < 0)
            return brig_fail_ctx("linux.devices[%zu]", i);
    }
    return 0;
}
