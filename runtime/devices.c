/* brig: device nodes in the container's /dev.  mknod where we may; in a
 * user namespace (where mknod is refused) a bind mount of the host's node. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "brig/container.h"
#include "brig/internal.h"
#include "brig/mounts.h"

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

static int split_parent(int rootfd, const char *path, int *parent, const char **name)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    char *slash = strrchr(buf, '/');
    if (!slash || !slash[1])
        return brig_fail(EINVAL, "device path %s", path);
    *slash = '\0';
    *parent = brig_open_in_root(rootfd, buf[0] ? buf : "/", true, true);
    if (*parent < 0)
        return -1;
    *name = strrchr(path, '/') + 1;
    return 0;
}

static int make_node(int rootfd, const struct dev_spec *d, bool bind)
{
    int parent;
    const char *name;
    if (split_parent(rootfd, d->path, &parent, &name) < 0)
        return -1;
    cleanup_fd int pfd = parent;
    /* O_PATH fds cannot be used for mknodat: open the directory for real,
     * it was resolved inside the root. */
    char ppath[64];
    brig_fd_path(pfd, ppath);
    cleanup_fd int dirfd = open(ppath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return brig_fail(errno, "open parent of %s", d->path);
    if (bind) {
        int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            return brig_fail(errno, "create %s", d->path);
        close(fd);
        cleanup_fd int target = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (target < 0)
            return brig_fail(errno, "open %s", d->path);
        char t[64];
        brig_fd_path(target, t);
        char host[4096];
        snprintf(host, sizeof host, "%s", d->path);
        if (mount(host, t, NULL, MS_BIND, NULL) < 0)
            return brig_fail(errno, "bind host device %s", host);
        return 0;
    }
    mode_t kind = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
    if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
        return brig_fail(errno, "replace %s", d->path);
    if (mknodat(dirfd, name, kind | (d->mode & 07777), makedev(d->major, d->minor)) < 0)
        return brig_fail(errno, "mknod %s", d->path);
    /* mknod honours the umask: set the mode as asked. */
    if (fchmodat(dirfd, name, d->mode & 07777, 0) < 0)
        return brig_fail(errno, "chmod %s", d->path);
    if (d->set_owner && fchownat(dirfd, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
        return brig_fail(errno, "chown %s", d->path);
    return 0;
}

int brig_create_devices(struct brig_init *in, int rootfd)
{
    const struct brig_config *cfg = in->cfg;
    bool userns = in->new_userns || in->ns_fds[BRIG_NS_USER] >= 0;
    bool defaults = false;
    for (size_t i = 0; i < cfg->n_mounts; i++)
        if (strcmp(cfg->mounts[i].destination, "/dev") == 0)
            defaults = true;

    if (defaults) {
        for (size_t i = 0; i < BRIG_ARRAY_SIZE(default_devices); i++)
            if (make_node(rootfd, &default_devices[i], userns) < 0)
                return brig_fail_ctx("default devices");
        for (size_t i = 0; i < BRIG_ARRAY_SIZE(default_links); i++) {
            int parent;
            const char *name;
            if (split_parent(rootfd, default_links[i].link, &parent, &name) < 0)
                return -1;
            int r = symlinkat(default_links[i].target, parent, name);
            int e = errno;
            close(parent);
            if (r < 0 && e != EEXIST)
                return brig_fail(e, "symlink %s", default_links[i].link);
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
        if (make_node(rootfd, &s, userns && s.type != 'p') < 0)
            return brig_fail_ctx("linux.devices[%zu]", i);
    }
    return 0;
}
