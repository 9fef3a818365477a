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
#include <unistd.h>

#include "brig/brig.h"
#include "brig/container.h"
#include "brig/internal.h"
#include "brig/mounts.h"
#include "brig/sync.h"

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

static bool mounts_dev_tmpfs(const struct brig_config *cfg)
{
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        const struct brig_mount *m = &cfg->mounts[i];
        if (strcmp(m->destination, "/dev") == 0 || strcmp(m->destination, "/dev/") == 0)
            return !(m->type && strcmp(m->type, "bind") == 0);
    }
    return false;
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

static int do_move_chroot(const char *rootfs)
{
    if (chdir(rootfs) < 0)
        return brig_fail(errno, "chdir %s", rootfs);
    if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
        return brig_fail(errno, "move %s to /", rootfs);
    if (chroot(".") < 0)
        return brig_fail(errno, "chroot %s", rootfs);
    if (chdir("/") < 0)
        return brig_fail(errno, "chdir /");
    return 0;
}

int brig_setup_rootfs(struct brig_init *in)
{
    const struct brig_config *cfg = in->cfg;
    const char *prop = cfg->linux_ ? cfg->linux_->rootfs_propagation : NULL;
    bool own_mount_ns = (in->clone_flags & CLONE_NEWNS) != 0;

    if (own_mount_ns) {
        /* Nothing we mount may propagate back to the host. */
        unsigned long flags = MS_SLAVE | MS_REC;
        if (prop && propagation_flags(prop, &flags) < 0)
            return -1;
        if (flags & MS_SHARED)
            flags = MS_SLAVE | MS_REC; /* shared is set on the new root below */
        if (mount(NULL, "/", NULL, flags, NULL) < 0)
            return brig_fail(errno, "make / %s", prop ? prop : "rslave");
        /* pivot_root needs the new root to be a mount point. */
        if (mount(in->rootfs, in->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
            return brig_fail(errno, "bind the rootfs %s", in->rootfs);
    }

    cleanup_fd int rootfd = open(in->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return brig_fail(errno, "open rootfs %s", in->rootfs);
    if (brig_apply_mounts(in, rootfd) < 0)
        return -1;
    if (mounts_dev_tmpfs(cfg) && brig_create_devices(in, rootfd) < 0)
        return -1;
    if (cfg->linux_ && cfg->linux_->n_devices > 0 && !mounts_dev_tmpfs(cfg) && brig_create_devices(in, rootfd) < 0)
        return -1;

    /* prestart and createRuntime hooks run in the runtime's namespaces;
     * createContainer hooks here, in the container's, before pivot_root. */
    if (cfg->hooks && (cfg->hooks->prestart.n || cfg->hooks->create_runtime.n)) {
        if (brig_sync_send(in->sync_fd, BRIG_SYNC_HOOKS, 0, NULL, -1) < 0 ||
            brig_sync_expect(in->sync_fd, BRIG_SYNC_HOOKS_DONE, NULL, NULL) < 0)
            return -1;
    }
    if (cfg->hooks && cfg->hooks->create_container.n &&
        brig_run_hooks(&cfg->hooks->create_container, "createContainer", "{}") < 0)
        return -1;

    if (!own_mount_ns) {
        if (chroot(in->rootfs) < 0)
            return brig_fail(errno, "chroot %s", in->rootfs);
        if (chdir("/") < 0)
            return brig_fail(errno, "chdir /");
        return 0;
    }
    if (in->opts->no_pivot ? do_move_chroot(in->rootfs) < 0 : do_pivot(in->rootfs) < 0)
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

static int write_sysctls(const struct brig_config *cfg)
{
    const struct brig_map *s = &cfg->linux_->sysctl;
    for (size_t i = 0; i < s->n; i++) {
        char path[512];
        int n = snprintf(path, sizeof path, "/proc/sys/%s", s->v[i].key);
        for (char *p = path + 10; p < path + n; p++)
            if (*p == '.')
                *p = '/';
        if (strstr(s->v[i].key, "..") || strchr(s->v[i].key, '/'))
            return brig_fail(0, "linux.sysctl: invalid key \"%s\"", s->v[i].key);
        if (brig_write_str(path, s->v[i].value) < 0)
            return brig_fail_ctx("linux.sysctl.%s", s->v[i].key);
    }
    return 0;
}

int brig_finish_rootfs(struct brig_init *in)
{
    const struct brig_config *cfg = in->cfg;
    const struct brig_linux *l = cfg->linux_;
    if (l && l->sysctl.n && write_sysctls(cfg) < 0)
        return -1;

    cleanup_fd int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return brig_fail(errno, "open /");
    for (size_t i = 0; l && i < l->readonly_paths.n; i++) {
        const char *p = l->readonly_paths.v[i];
        int fd = brig_open_in_root(rootfd, p, false, false);
        if (fd < 0) {
            if (brig_last_errno() == ENOENT) {
                brig_clear_error();
                continue;
            }
            return brig_fail_ctx("linux.readonlyPaths[%zu]", i);
        }
        char target[64];
        brig_fd_path(fd, target);
        int r = mount(target, target, NULL, MS_BIND | MS_REC, NULL);
        close(fd);
        if (r < 0)
            return brig_fail(errno, "linux.readonlyPaths[%zu]: bind %s", i, p);
        fd = brig_open_in_root(rootfd, p, false, false);
        if (fd < 0)
            return brig_fail_ctx("linux.readonlyPaths[%zu]", i);
        r = brig_remount_bind(fd, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, p);
        close(fd);
        if (r < 0)
            return brig_fail_ctx("linux.readonlyPaths[%zu]", i);
    }
    for (size_t i = 0; l && i < l->masked_paths.n; i++) {
        const char *p = l->masked_paths.v[i];
        int fd = brig_open_in_root(rootfd, p, false, false);
        if (fd < 0) {
            if (brig_last_errno() == ENOENT) {
                brig_clear_error();
                continue;
            }
            return brig_fail_ctx("linux.maskedPaths[%zu]", i);
        }
        struct stat st;
        char target[64];
        brig_fd_path(fd, target);
        int r;
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
            r = mount("tmpfs", target, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,mode=0555");
        else
            r = mount("/dev/null", target, NULL, MS_BIND, NULL);
        int e = errno;
        close(fd);
        if (r < 0)
            return brig_fail(e, "linux.maskedPaths[%zu]: mask %s", i, p);
    }
    if (cfg->root->readonly && (in->clone_flags & CLONE_NEWNS)) {
        if (brig_remount_path("/", rootfd, MS_RDONLY, "/") < 0)
            return brig_fail_ctx("root.readonly");
    }
    return 0;
}
