/* brig: namespaces, created or joined, and user-namespace id maps. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/nsfs.h>
#include <unistd.h>

#include "brig/container.h"
#include "brig/internal.h"
#include "brig/sync.h"

int brig_namespaces_prepare(const struct brig_config *cfg, struct brig_plan *pl)
{
    pl->clone_flags = 0;
    pl->new_userns = false;
    if (!cfg->linux_)
        return 0;
    const struct brig_linux *l = cfg->linux_;
    for (size_t i = 0; i < l->n_namespaces; i++) {
        const struct brig_namespace *ns = &l->namespaces[i];
        if (ns->path && ns->path[0]) {
            int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                return brig_fail(errno, "linux.namespaces[%zu]: open %s namespace %s", i,
                                 brig_ns_type_name(ns->type), ns->path);
            /* A namespace of another type is refused before anything runs. */
            int type = ioctl(fd, NS_GET_NSTYPE);
            if (type >= 0 && type != ns->clone_flag) {
                close(fd);
                return brig_fail(0, "linux.namespaces[%zu].path: %s is not a namespace of type %s", i, ns->path,
                                 brig_ns_type_name(ns->type));
            }
            pl->ns_fds[ns->type] = fd;
        } else {
            pl->clone_flags |= (unsigned long)ns->clone_flag;
            if (ns->type == BRIG_NS_USER)
                pl->new_userns = true;
        }
    }
    pl->in_userns = pl->new_userns || pl->ns_fds[BRIG_NS_USER] >= 0;
    pl->proc.other_userns = pl->in_userns;
    if (pl->new_userns && (l->n_uid_mappings == 0 || l->n_gid_mappings == 0))
        return brig_fail(0, "linux.uidMappings: a new user namespace needs uidMappings and gidMappings");
    if (!pl->new_userns && pl->ns_fds[BRIG_NS_USER] < 0 && (l->n_uid_mappings || l->n_gid_mappings))
        return brig_fail(0, "linux.uidMappings: mappings given without a user namespace");
    if ((l->time_monotonic.set || l->time_boottime.set) && !(pl->clone_flags & CLONE_NEWTIME))
        return brig_fail(0, "linux.timeOffsets: needs a new time namespace");
    return 0;
}

int brig_write_id_map(pid_t pid, const char *file, const struct brig_idmap *m, size_t n)
{
    char buf[4096];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + len, sizeof buf - len, "%u %u %u\n", m[i].container_id, m[i].host_id,
                         m[i].size);
        if (w < 0 || (size_t)w >= sizeof buf - len)
            return brig_fail(E2BIG, "write %s: too many mappings", file);
        len += (size_t)w;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    cleanup_fd int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return brig_fail(errno, "open %s", path);
    /* The kernel takes the whole map in one write. */
    if (write(fd, buf, len) != (ssize_t)len)
        return brig_fail(errno, "write %s", path);
    return 0;
}

int brig_write_id_maps(pid_t pid, const struct brig_config *cfg)
{
    const struct brig_linux *l = cfg->linux_;
    if (geteuid() != 0) {
        /* Unprivileged: gid_map is only writable once setgroups is denied. */
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
        cleanup_fd int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd >= 0 && write(fd, "deny", 4) < 0)
            return brig_fail(errno, "write %s", path);
    }
    if (brig_write_id_map(pid, "uid_map", l->uid_mappings, l->n_uid_mappings) < 0)
        return brig_fail_ctx("linux.uidMappings");
    if (brig_write_id_map(pid, "gid_map", l->gid_mappings, l->n_gid_mappings) < 0)
        return brig_fail_ctx("linux.gidMappings");
    return 0;
}

/* Join the planned namespace of type T; this process's copy of its fd is
 * closed then (the plan's entry is left as it is: nothing reads it again). */
static int join(const struct brig_plan *pl, enum brig_ns_type t)
{
    int fd = pl->ns_fds[t];
    if (fd < 0)
        return 0;
    const struct brig_namespace *ns = brig_config_namespace(pl->cfg, t);
    if (setns(fd, ns ? ns->clone_flag : 0) < 0)
        return brig_fail(errno, "join %s namespace %s", brig_ns_type_name(t), ns ? ns->path : "");
    close(fd);
    return 0;
}

static int write_time_offsets(const struct brig_config *cfg)
{
    const struct brig_linux *l = cfg->linux_;
    char buf[128];
    size_t len = 0;
    if (l->time_monotonic.set)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "monotonic %lld %u\n",
                                (long long)l->time_monotonic.secs, l->time_monotonic.nanosecs);
    if (l->time_boottime.set)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "boottime %lld %u\n",
                                (long long)l->time_boottime.secs, l->time_boottime.nanosecs);
    if (len == 0)
        return 0;
    cleanup_fd int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
        return brig_fail(errno, "linux.timeOffsets: write /proc/self/timens_offsets");
    return 0;
}

/* A new network namespace starts with its loopback down; runc brings it
 * up (127.0.0.1 works in every container it makes), and so do we. */
int brig_loopback_up(const struct brig_plan *pl)
{
    if (!(pl->clone_flags & CLONE_NEWNET))
        return 0; /* the host's, or one joined by path: not ours to change */
    cleanup_fd int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return brig_fail(errno, "bring lo up: socket");
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        return brig_fail(errno, "bring lo up: get its flags");
    if (ifr.ifr_flags & IFF_UP)
        return 0;
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
        return brig_fail(errno, "bring lo up");
    return 0;
}

/* The joiner: existing namespaces first, in the table's order (user first,
 * mount last, so paths still resolve on the host), then the new ones. */
int brig_namespaces_join(struct brig_init *in)
{
    const struct brig_plan *pl = in->plan;
    bool joined_userns = pl->ns_fds[BRIG_NS_USER] >= 0;
    for (int t = 0; t < BRIG_NS_COUNT; t++) {
        if (join(pl, (enum brig_ns_type)t) < 0)
            return -1;
        /* Our host ids mean nothing in a joined user namespace: be its root. */
        if (t == BRIG_NS_USER && joined_userns &&
            (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
            return brig_fail(errno, "become root in the joined user namespace");
    }
    /* The time namespace first: its offsets can only be written while we
     * still hold CAP_SYS_TIME over it (a new user namespace would make our
     * /proc/self files unreachable after the uid change). */
    if (pl->clone_flags & CLONE_NEWTIME) {
        if (unshare(CLONE_NEWTIME) < 0)
            return brig_fail(errno, "unshare the time namespace");
        if (write_time_offsets(pl->cfg) < 0)
            return -1;
    }
    if (pl->new_userns) {
        if (unshare(CLONE_NEWUSER) < 0)
            return brig_fail(errno, "unshare the user namespace");
        struct brig_sync_msg m;
        if (brig_sync_send(in->proc.sync_fd, BRIG_SYNC_USERNS, 0, NULL, -1) < 0 ||
            brig_sync_expect(in->proc.sync_fd, BRIG_SYNC_USERNS_DONE, &m, NULL) < 0)
            return -1;
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
            return brig_fail(errno, "become root in the user namespace");
    }
    unsigned long rest = pl->clone_flags & ~(unsigned long)(CLONE_NEWUSER | CLONE_NEWCGROUP | CLONE_NEWTIME);
    if (rest && unshare((int)rest) < 0)
        return brig_fail(errno, "unshare namespaces");
    return 0;
}

int brig_set_hostname(const struct brig_config *cfg)
{
    if (!cfg->hostname && !cfg->domainname)
        return 0;
    if (!brig_config_namespace(cfg, BRIG_NS_UTS))
        return brig_fail(0, "hostname: setting the hostname needs a UTS namespace");
    if (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
        return brig_fail(errno, "hostname: set %s", cfg->hostname);
    if (cfg->domainname && setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0)
        return brig_fail(errno, "domainname: set %s", cfg->domainname);
    return 0;
}
