/* brig: bind mounts the runtime makes for the init: idmapped ones
 * ("idmap" / "ridmap") and shared ones ("shared" / "rshared").
 *
 * Idmapping a mount needs CAP_SYS_ADMIN in the user namespace of the
 * filesystem (the host's), which the container's init no longer has once
 * it is in its own user namespace.  A shared bind must be a peer of the
 * host's mount (so mounts propagate both ways, as Kubernetes'
 * Bidirectional asks), while the init only sees slave copies.  So the
 * runtime makes the mount, in the host's mount namespace: a detached clone
 * of the source (open_tree), idmapped with the container's user namespace
 * or one made for the mount's own uidMappings and gidMappings, its flags
 * set, and passes the fd to the init, which attaches it with move_mount. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "brig/container.h"
#include "brig/internal.h"
#include "brig/mounts.h"

/* A user namespace with the mount's own mappings: a child unshares it and
 * waits while we write its maps and open it. */
static int userns_with_maps(const struct brig_mount *m)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return brig_fail(errno, "pipe");
    pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid < 0) {
        int e = errno;
        close(pipefd[0]);
        close(pipefd[1]);
        return brig_fail(e, "clone a user namespace for the mount");
    }
    if (pid == 0) {
        char b;
        close(pipefd[1]);
        while (read(pipefd[0], &b, 1) < 0 && errno == EINTR)
            ;
        _exit(0);
    }
    close(pipefd[0]);
    int fd = -1;
    const struct brig_idmap *gm = m->n_gid_mappings ? m->gid_mappings : m->uid_mappings;
    size_t ngm = m->n_gid_mappings ? m->n_gid_mappings : m->n_uid_mappings;
    const struct brig_idmap *um = m->n_uid_mappings ? m->uid_mappings : m->gid_mappings;
    size_t num = m->n_uid_mappings ? m->n_uid_mappings : m->n_gid_mappings;
    if (brig_write_id_map(pid, "uid_map", um, num) == 0 && brig_write_id_map(pid, "gid_map", gm, ngm) == 0) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            brig_fail(errno, "open %s", path);
    }
    close(pipefd[1]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return fd;
}

bool brig_bind_via_runtime(const struct brig_mount_opts *mo)
{
    if (mo->idmap)
        return true;
    for (size_t i = 0; i < mo->n_propagation; i++)
        if (mo->propagation[i] & MS_SHARED)
            return true;
    return false;
}

int brig_runtime_mount_fd(const struct brig_config *cfg, size_t index, const char *bundle, pid_t init_pid,
                          bool container_userns)
{
    if (index >= cfg->n_mounts)
        return brig_fail(0, "idmapped mount: no mounts[%zu]", index);
    const struct brig_mount *m = &cfg->mounts[index];
    struct brig_mount_opts mo;
    if (brig_parse_mount_options(&m->options, m->type, &mo) < 0)
        return brig_fail_ctx("mounts[%zu]", index);
    brig_mount_opts_free(&mo);
    if (!brig_bind_via_runtime(&mo) || !mo.bind || !m->source)
        return brig_fail(0, "mounts[%zu]: not a bind the runtime makes", index);
    if (!brig_have_mount_api())
        return brig_fail(ENOSYS, "mounts[%zu]: %s mounts need Linux 5.12 or later", index,
                         mo.idmap ? "idmapped" : "shared bind");

    cleanup_fd int userns = -1;
    if (!mo.idmap) {
        /* shared only: no user namespace involved */
    } else if (m->n_uid_mappings || m->n_gid_mappings) {
        userns = userns_with_maps(m);
    } else if (container_userns) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/user", (int)init_pid);
        userns = open(path, O_RDONLY | O_CLOEXEC);
        if (userns < 0)
            brig_fail(errno, "open %s", path);
    } else {
        return brig_fail(0, "mounts[%zu]: an idmapped mount needs a user namespace or uidMappings and "
                            "gidMappings on the mount", index);
    }
    if (mo.idmap && userns < 0)
        return brig_fail_ctx("mounts[%zu]", index);

    cleanup_free char *source = m->source[0] == '/' ? brig_xstrdup(m->source)
                                                    : brig_xasprintf("%s/%s", bundle, m->source);
    bool rec = mo.recursive || mo.idmap_recursive;
    cleanup_fd int tree = brig_open_tree(AT_FDCWD, source, rec);
    if (tree < 0)
        return brig_fail(errno, "mounts[%zu]: open_tree %s", index, source);
    if (mo.idmap && brig_setattr_raw(tree, "", AT_EMPTY_PATH | (mo.idmap_recursive ? AT_RECURSIVE : 0),
                                     BRIG_ATTR_IDMAP, 0, 0, userns) < 0) {
        if (errno == EINVAL || errno == EPERM || errno == EOPNOTSUPP)
            return brig_fail(errno, "mounts[%zu]: cannot idmap %s (does its filesystem support idmapped "
                                    "mounts?)", index, source);
        return brig_fail(errno, "mounts[%zu]: idmap %s", index, source);
    }
    if ((mo.attr_set || mo.attr_clr) && brig_setattr(tree, mo.attr_set, mo.attr_clr, 0, false, m->destination) < 0)
        return brig_fail_ctx("mounts[%zu]", index);
    return brig_steal_fd(&tree);
}
