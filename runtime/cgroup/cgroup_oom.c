/* brig: OOM notifications (v2 memory.events through inotify, v1
 * memory.oom_control through an eventfd). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>

#include "brig/cgroup_internal.h"
#include "brig/internal.h"

/* ---- OOM notifications ---- */

struct brig_cgroup_oom {
    int fd;
    bool v2;
    uint64_t last;   /* v2: oom_kill count seen so far */
    char *dir;       /* v2: the cgroup directory */
};

struct brig_cgroup_oom *brig_cgroup_oom_open(const char *path)
{
    cleanup_free char *p = NULL;
    const struct brig_cg_layout *l = brig_cg_target(path, &p);
    if (!l)
        return NULL;
    struct brig_cgroup_oom *o = brig_xcalloc(1, sizeof *o);
    o->fd = -1;
    if (l->v1_ctrls & BRIG_CG_BIT(BRIG_CG_MEMORY)) {
        /* v1: an eventfd registered through cgroup.event_control */
        cleanup_free char *d = brig_cg_v1_dir(l, BRIG_CG_MEMORY, p);
        cleanup_free char *ctl = brig_xasprintf("%s/memory.oom_control", d);
        cleanup_fd int cfd = open(ctl, O_RDONLY | O_CLOEXEC);
        if (cfd < 0) {
            brig_fail(errno, "open %s", ctl);
            goto fail;
        }
        o->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (o->fd < 0) {
            brig_fail(errno, "eventfd");
            goto fail;
        }
        if (brig_cg_writef(d, "cgroup.event_control", "%d %d", o->fd, cfd) < 0)
            goto fail;
        o->dir = brig_steal_ptr(&d);
        return o;
    }
    if (l->unified && (brig_cg_v2_mask(l) & BRIG_CG_BIT(BRIG_CG_MEMORY))) {
        /* v2: memory.events changes are reported through inotify */
        o->v2 = true;
        o->dir = brig_cg_v2_dir(l, p);
        cleanup_free char *ev = brig_xasprintf("%s/memory.events", o->dir);
        o->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (o->fd < 0) {
            brig_fail(errno, "inotify_init1");
            goto fail;
        }
        if (inotify_add_watch(o->fd, ev, IN_MODIFY) < 0) {
            brig_fail(errno, "watch %s", ev);
            goto fail;
        }
        cleanup_free char *s = brig_cg_read(o->dir, "memory.events");
        if (s)
            brig_cg_kv_get(s, "oom_kill", &o->last);
        return o;
    }
    brig_fail(0, "no memory controller: OOM events are not available");
fail:
    brig_cgroup_oom_close(o);
    return NULL;
}

int brig_cgroup_oom_fd(const struct brig_cgroup_oom *o)
{
    return o ? o->fd : -1;
}

int brig_cgroup_oom_read(struct brig_cgroup_oom *o)
{
    if (!o->v2) {
        uint64_t n;
        ssize_t r = read(o->fd, &n, sizeof n);
        if (r < 0)
            return errno == EAGAIN ? 0 : brig_fail(errno, "read OOM eventfd");
        if (r != sizeof n)
            return 0;
        /* The kernel also signals the eventfd when the cgroup goes away. */
        if (!brig_cg_exists(o->dir, NULL))
            return -1;
        return (int)n;
    }
    char buf[4096];
    while (read(o->fd, buf, sizeof buf) > 0)
        ;
    cleanup_free char *s = brig_cg_read(o->dir, "memory.events");
    if (!s)
        return -1;
    uint64_t now = 0;
    brig_cg_kv_get(s, "oom_kill", &now);
    int d = now > o->last ? (int)(now - o->last) : 0;
    o->last = now;
    return d;
}

void brig_cgroup_oom_close(struct brig_cgroup_oom *o)
{
    if (!o)
        return;
    if (o->fd >= 0)
        close(o->fd);
    free(o->dir);
    free(o);
}
