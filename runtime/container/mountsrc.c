/* brig: bind mount sources opened in the host's user namespace.
 *
 * With a user namespace, the init mounts as the container's root: host
 * root's rights are gone, so a source below a directory only host root may
 * search (0700) could not even be looked up.  runc opens such sources
 * before the init mounts, as host root, and passes them over ("mount
 * sources"); so do we.  A bind can only be made from a mount in the
 * caller's own mount namespace, so the source is opened inside the init's
 * new one (a copy of the host's: the path means what it means on the host,
 * symlinks included) by a short-lived child of the runtime that joins it.
 * The fds go to the init before GO; the init mounts from them (mounts.c).
 *
 * Only with a user namespace and a mount namespace, and only when the
 * runtime is root in its own user namespace (setns into a mount namespace
 * needs CAP_SYS_ADMIN and CAP_SYS_CHROOT there; runc's rule too): without
 * one the init is as privileged as the runtime and nothing is added to the
 * start of the container. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cgroup.h"
#include "brig/container.h"
#include "brig/internal.h"
#include "brig/mounts.h"
#include "brig/sync.h"

/* The binds the init makes from a source path (the runtime makes idmapped
 * and shared ones itself, idmap.c). */
static bool init_binds(const struct brig_mount *m)
{
    if (!m->source)
        return false;
    struct brig_mount_opts mo;
    if (brig_parse_mount_options(&m->options, m->type, &mo) < 0) {
        brig_clear_error(); /* the init reports it, naming the mount */
        return false;
    }
    bool r = mo.bind && !brig_bind_via_runtime(&mo);
    brig_mount_opts_free(&mo);
    return r;
}

/* The child: into the init's mount namespace, open each source, send it. */
__attribute__((noreturn)) static void open_sources(const struct brig_config *cfg, const char *bundle, int nsfd,
                                                   int init_sock, int report)
{
    /* a source named /proc/self/fd/N must not reach brig's own fds */
    brig_cgroup_forget_dirs(BRIG_CG_DIRS_CLOSE);
    if (setns(nsfd, CLONE_NEWNS) < 0) {
        /* root without CAP_SYS_CHROOT or CAP_SYS_ADMIN where it runs: the
         * init opens the paths itself, as before */
        if (errno == EPERM) {
            brig_debug("cannot join the container's mount namespace (%s): the init opens the bind "
                       "mount sources", strerror(errno));
            brig_sync_send(report, BRIG_SYNC_MOUNT_SOURCE, 0, NULL, -1);
            _exit(0);
        }
        brig_fail(errno, "join the container's mount namespace to open the bind mount sources");
        brig_sync_die(report);
    }
    int32_t sent = 0;
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        const struct brig_mount *m = &cfg->mounts[i];
        if (!init_binds(m))
            continue;
        cleanup_free char *source = m->source[0] == '/' ? brig_xstrdup(m->source)
                                                        : brig_xasprintf("%s/%s", bundle, m->source);
        cleanup_fd int fd = open(source, O_PATH | O_CLOEXEC);
        if (fd < 0) {
            brig_fail(errno, "mounts[%zu] (%s): bind mount source %s", i, m->destination, source);
            brig_sync_die(report);
        }
        if (brig_sync_send(init_sock, BRIG_SYNC_MOUNT_SOURCE, (int32_t)i, NULL, fd) < 0)
            brig_sync_die(report);
        sent++;
    }
    brig_sync_send(report, BRIG_SYNC_MOUNT_SOURCE, sent, NULL, -1);
    _exit(0);
}

int brig_send_mount_sources(const struct brig_config *cfg, const char *bundle, pid_t init_pid, int init_sock)
{
    if (geteuid() != 0 || !brig_config_namespace(cfg, BRIG_NS_MOUNT))
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < cfg->n_mounts; i++)
        n += init_binds(&cfg->mounts[i]);
    if (n == 0)
        return 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)init_pid);
    cleanup_fd int nsfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0)
        return brig_fail(errno, "open %s", path);
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
        return brig_fail(errno, "socketpair");
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(pair[0]);
        close(pair[1]);
        return brig_fail(e, "fork to open the bind mount sources");
    }
    if (pid == 0) {
        close(pair[0]);
        open_sources(cfg, bundle, nsfd, init_sock, pair[1]);
    }
    close(pair[1]);
    struct brig_sync_msg m;
    int r = brig_sync_expect(pair[0], BRIG_SYNC_MOUNT_SOURCE, &m, NULL);
    close(pair[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (r < 0 && WIFSIGNALED(st))
        return brig_fail(0, "opening the bind mount sources: killed by signal %d", WTERMSIG(st));
    if (r < 0)
        return -1;
    brig_debug("%d bind mount source(s) opened for the init", (int)m.value);
    return 0;
}

int brig_recv_mount_sources(struct brig_init *in)
{
    for (;;) {
        struct brig_sync_msg m;
        int fd = -1;
        if (brig_sync_recv(in->proc.sync_fd, &m, &fd) < 0)
            return -1;
        if (m.type == BRIG_SYNC_GO) {
            if (fd >= 0)
                close(fd);
            return 0;
        }
        if (m.type == BRIG_SYNC_ERROR) {
            if (fd >= 0)
                close(fd);
            brig_set_error(m.value, m.text);
            return -1;
        }
        size_t n = in->plan->cfg->n_mounts;
        if (m.type != BRIG_SYNC_MOUNT_SOURCE || fd < 0 || m.value < 0 || (size_t)m.value >= n) {
            if (fd >= 0)
                close(fd);
            return brig_fail(0, "sync: unexpected message %u while waiting for GO", m.type);
        }
        if (!in->mount_src_fds) {
            in->mount_src_fds = brig_xcalloc(n, sizeof *in->mount_src_fds);
            for (size_t i = 0; i < n; i++)
                in->mount_src_fds[i] = -1;
        }
        if (in->mount_src_fds[m.value] >= 0)
            close(in->mount_src_fds[m.value]);
        in->mount_src_fds[m.value] = fd;
    }
}

int brig_take_mount_source(struct brig_init *in, size_t index)
{
    if (!in->mount_src_fds || index >= in->plan->cfg->n_mounts)
        return -1;
    int fd = in->mount_src_fds[index];
    in->mount_src_fds[index] = -1;
    return fd;
}

void brig_drop_mount_sources(struct brig_init *in)
{
    if (!in->mount_src_fds)
        return;
    for (size_t i = 0; i < in->plan->cfg->n_mounts; i++)
        if (in->mount_src_fds[i] >= 0)
            close(in->mount_src_fds[i]);
    free(in->mount_src_fds);
    in->mount_src_fds = NULL;
}
