/* brig: the container's root filesystem, from the bundle's rootfs to the
 * pivoted, hardened root the process sees. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/container.h"
#include "brig/hooks.h"
#include "brig/internal.h"
#include "brig/mounts.h"
#include "brig/policy.h"
#include "brig/sync.h"

/* Null devices of brig's own for masking files the "default" policy
 * added, when the container has no /dev/null of its own (a bundle with no
 * /dev tmpfs, whose rootfs has none): clones of the host's, made before
 * pivot_root while it is in view, one per masked path (a detached mount
 * can be attached once).  A fill-in must never turn a working bundle into
 * a failing one. */
static int *own_null;
static size_t n_own_null, next_own_null;

static bool masks_filled_in(const struct brig_config *cfg)
{
    for (size_t i = 0; i < cfg->annotations.n; i++)
        if (strcmp(cfg->annotations.v[i].key, BRIG_POLICY_ADDED_ANNOTATION) == 0)
            return strstr(cfg->annotations.v[i].value, "maskedPaths") != NULL;
    return false;
}

static bool is_null_device(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

static void clone_host_null(const struct brig_config *cfg, int rootfd)
{
    const struct brig_linux *l = cfg->linux_;
    if (!l || !l->masked_paths.n || !masks_filled_in(cfg))
        return;
    cleanup_fd int mine = brig_resolve_in_root(rootfd, "/dev/null");
    if (mine >= 0 && is_null_device(mine))
        return;
    if (!brig_have_mount_api())
        return; /* mask_path skips the files and says why */
    own_null = brig_xcalloc(l->masked_paths.n, sizeof *own_null);
    for (size_t i = 0; i < l->masked_paths.n; i++) {
        int t = brig_open_tree(AT_FDCWD, "/dev/null", false);
        if (t < 0 || !is_null_device(t)) {
            if (t >= 0)
                close(t);
            break; /* fewer clones: mask_path skips the rest */
        }
        own_null[n_own_null++] = t;
    }
}

static int propagation_flags(const char *name, unsigned long *out)
{
    static const struct { const char *name; unsigned long flags; } table[] = {
        {"shared", MS_SHARED},           {"rshared", MS_SHARED | MS_REC},
        {"slave", MS_SLAVE},             {"rslave", MS_SLAVE | MS_REC},
        {"private", MS_PRIVATE},         {"rprivate", MS_PRIVATE | MS_REC},
        {"unbindable", MS_UNBINDABLE},   {"runbindable", MS_UNBINDABLE | MS_REC},
    };
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(table); i++)
        if (strcmp(name, table[i].name) == 0) {
            *out = table[i].flags;
            return 0;
        }
    return brig_fail(0, "linux.rootfsPropagation: unknown propagation \"%s\"", name);
}

static int do_pivot(const char *rootfs)
{
    /* pivot_root(".", "."): the old root ends up stacked on the new one and
     * is detached right away, with no directory needed for it. */
    cleanup_fd int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (oldroot < 0)
        return brig_fail(errno, "open /");
    if (chdir(rootfs) < 0)
        return brig_fail(errno, "chdir %s", rootfs);
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return brig_fail(errno, "pivot_root %s", rootfs);
    if (fchdir(oldroot) < 0)
        return brig_fail(errno, "fchdir to the old root");
    /* No propagation of the unmount back to the host. */
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
        return brig_fail(errno, "make the old root a slave");
    if (umount2(".", MNT_DETACH) < 0)
        return brig_fail(errno, "unmount the old root");
    if (chdir("/") < 0)
        return brig_fail(errno, "chdir /");
    return 0;
}

int brig_setup_rootfs(struct brig_init *in)
{
    const struct brig_plan *pl = in->plan;
    const struct brig_config *cfg = pl->cfg;
    const char *prop = cfg->linux_ ? cfg->linux_->rootfs_propagation : NULL;
    bool own_mount_ns = (pl->clone_flags & CLONE_NEWNS) != 0;

    /* The init's first step in its own namespaces (however they were
     * made: by clone, or by the joiner): a new network namespace gets its
     * loopback up, as with runc. */
    if (brig_loopback_up(pl) < 0)
        return -1;

    if (own_mount_ns) {
        /* Nothing we mount may propagate back to the host. */
        unsigned long flags = MS_SLAVE | MS_REC;
        if (prop && propagation_flags(prop, &flags) < 0)
            return -1;
        /* shared and unbindable are set on the new root below: shared now
         * would leak our mounts to the host, unbindable would make the
         * rootfs bind below fail with EINVAL. */
        if (flags & (MS_SHARED | MS_UNBINDABLE))
            flags = MS_SLAVE | MS_REC;
        if (mount(NULL, "/", NULL, flags, NULL) < 0)
            return brig_fail(errno, "make / %s", prop ? prop : "rslave");
        /* pivot_root needs the new root to be a mount point. */
        if (mount(pl->rootfs, pl->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
            return brig_fail(errno, "bind the rootfs %s", pl->rootfs);
    }

    /* Our own procfs for the writes after pivot_root (sysctl, labels):
     * made now, while the host's /proc is in view. */
    if ((cfg->linux_ && cfg->linux_->sysctl.n) || (cfg->process && (cfg->process->apparmor_profile ||
                                                                     cfg->process->selinux_label)))
        brig_private_procfs();

    cleanup_fd int rootfd = open(pl->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return brig_fail(errno, "open rootfs %s", pl->rootfs);
    int mr = brig_apply_mounts(in, rootfd);
    brig_drop_mount_sources(in);
    if (mr < 0)
        return -1;
    if (brig_create_devices(pl, rootfd) < 0 || brig_finish_dev(rootfd) < 0)
        return -1;
    clone_host_null(cfg, rootfd);

    /* prestart and createRuntime hooks run in the runtime's namespaces;
     * createContainer hooks here, in the container's, before pivot_root. */
    if (brig_create_hooks(in) < 0)
        return -1;

    if (!own_mount_ns) {
        if (chroot(pl->rootfs) < 0)
            return brig_fail(errno, "chroot %s", pl->rootfs);
        if (chdir("/") < 0)
            return brig_fail(errno, "chdir /");
        return 0;
    }
    if (pl->no_pivot ? brig_move_root(pl->rootfs) < 0 : do_pivot(pl->rootfs) < 0)
        return -1;
    if (prop) {
        unsigned long flags;
        if (propagation_flags(prop, &flags) < 0)
            return -1;
        if (mount(NULL, "/", NULL, flags, NULL) < 0)
            return brig_fail(errno, "linux.rootfsPropagation: make / %s", prop);
    }
    return 0;
}

/* A read-only bind of the path onto itself, submounts included. */
static int make_readonly(int rootfd, int fd, const char *p)
{
    const uint64_t ro = BRIG_ATTR_RDONLY | BRIG_ATTR_NOSUID | BRIG_ATTR_NODEV | BRIG_ATTR_NOEXEC;
    if (!brig_have_mount_api())
        return brig_bind_at(p, fd, rootfd, p, fd, true, ro, 0);
    cleanup_fd int tree = brig_open_tree(fd, "", true);
    if (tree < 0)
        return brig_fail(errno, "bind %s", p);
    if (brig_setattr_raw(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, ro, 0, 0, -1) < 0)
        return brig_fail(errno, "make %s read-only", p);
    if (brig_move_tree(tree, fd) < 0)
        return brig_fail(errno, "bind %s read-only", p);
    return 0;
}

/* The container's /dev/null, checked to be the null device: masking with
 * a planted "/dev/null -> /etc/shadow" must not show a file instead. */
static int open_dev_null(int rootfd)
{
    int fd = brig_resolve_in_root(rootfd, "/dev/null");
    if (fd < 0)
        return brig_fail(errno, "open /dev/null in the container");
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
        close(fd);
        return brig_fail(0, "/dev/null in the container is not the null device");
    }
    return fd;
}

static int mask_path(const struct brig_config *cfg, int rootfd, int fd, const char *p, int *devnull,
                     int *empty)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return brig_fail(errno, "stat %s", p);
    if (S_ISDIR(st.st_mode))
        return brig_mount_empty_ro(fd, p, empty);
    if (*devnull < 0 && masks_filled_in(cfg)) {
        /* The policy's masks: with brig's own null device when the
         * container has none, else skipped, never a failure. */
        cleanup_fd int mine = brig_resolve_in_root(rootfd, "/dev/null");
        if (mine < 0 || !is_null_device(mine)) {
            if (next_own_null < n_own_null) {
                int t = own_null[next_own_null];
                own_null[next_own_null++] = -1;
                int r = brig_move_tree(t, fd);
                close(t);
                return r < 0 ? brig_fail(errno, "mask %s with brig's null device", p) : 0;
            }
            brig_log_warning("policy default: %s left unmasked: the container has no /dev/null "
                             "and brig could not bring one", p);
            return 0;
        }
    }
    if (*devnull < 0 && (*devnull = open_dev_null(rootfd)) < 0)
        return -1;
    return brig_bind_at("/dev/null", *devnull, rootfd, p, fd, false, 0, 0);
}

/* Paths that do not exist are skipped, as the spec allows. */
static int open_listed(int rootfd, const char *p, int *fd)
{
    *fd = brig_resolve_in_root(rootfd, p);
    if (*fd >= 0)
        return 1;
    if (errno == ENOENT || errno == ENOTDIR)
        return 0;
    return brig_fail(errno, "resolve %s in the rootfs", p);
}

int brig_finish_rootfs(const struct brig_plan *pl)
{
    const struct brig_config *cfg = pl->cfg;
    const struct brig_linux *l = cfg->linux_;
    if (l && l->sysctl.n && brig_sysctl_apply(cfg) < 0)
        return -1;

    cleanup_fd int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return brig_fail(errno, "open /");
    for (size_t i = 0; l && i < l->readonly_paths.n; i++) {
        const char *p = l->readonly_paths.v[i];
        cleanup_fd int fd = -1;
        int r = open_listed(rootfd, p, &fd);
        if (r < 0 || (r > 0 && make_readonly(rootfd, fd, p) < 0))
            return brig_fail_ctx("linux.readonlyPaths[%zu]", i);
    }
    cleanup_fd int devnull = -1;
    cleanup_fd int empty = -1;
    for (size_t i = 0; l && i < l->masked_paths.n; i++) {
        const char *p = l->masked_paths.v[i];
        cleanup_fd int fd = -1;
        int r = open_listed(rootfd, p, &fd);
        if (r < 0 || (r > 0 && mask_path(cfg, rootfd, fd, p, &devnull, &empty) < 0))
            return brig_fail_ctx("linux.maskedPaths[%zu]", i);
    }
    for (size_t i = next_own_null; i < n_own_null; i++)
        close(own_null[i]);
    free(own_null);
    own_null = NULL;
    n_own_null = next_own_null = 0;
    if (brig_apply_identity(&pl->proc) < 0)
        return -1;
    if (cfg->process && brig_make_cwd(cfg->process->cwd) < 0)
        return -1;
    if (cfg->root->readonly && (pl->clone_flags & CLONE_NEWNS)) {
        if (brig_setattr(rootfd, BRIG_ATTR_RDONLY, 0, 0, false, "/") < 0)
            return brig_fail_ctx("root.readonly");
    }
    return 0;
}
