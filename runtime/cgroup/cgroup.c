/* brig: cgroups — the public API of cgroup.h: plan, create, attach,
 * destroy, freeze, update, stats, dispatched to v1, v2 and systemd.
 *
 * Each resource goes to the hierarchy that carries its controller: on a
 * hybrid host that is usually v1, but a controller that v1 does not mount
 * (hugetlb here) is used through the unified hierarchy.  The layout, paths,
 * file helpers and records live in cgroup_*.c, shared through
 * cgroup_internal.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "brig/brig.h"
#include "brig/cgroup_internal.h"
#include "brig/fault.h"
#include "brig/internal.h"
#include "brig/rootless.h"
#include "brig/json.h"

/* ---- routing resources to controllers ---- */

static bool memory_set(const struct brig_memory *m)
{
    return m && (m->limit.set || m->reservation.set || m->swap.set || m->kernel.set ||
                 m->kernel_tcp.set || m->swappiness.set || m->disable_oom_killer.set ||
                 m->use_hierarchy.set);
}

static bool blkio_set(const struct brig_blkio *b)
{
    return b && (b->weight.set || b->leaf_weight.set || b->n_weight_device ||
                 b->n_throttle_read_bps || b->n_throttle_write_bps ||
                 b->n_throttle_read_iops || b->n_throttle_write_iops);
}

/* Controllers RES needs (devices and unified keys are handled apart). */
static unsigned needed_ctrls(const struct brig_resources *res)
{
    unsigned m = 0;
    if (!res)
        return 0;
    if (memory_set(res->memory))
        m |= BRIG_CG_BIT(BRIG_CG_MEMORY);
    const struct brig_cpu *c = res->cpu;
    if (c && (c->shares.set || c->quota.set || c->period.set || c->burst.set ||
              c->realtime_runtime.set || c->realtime_period.set || c->idle.set))
        m |= BRIG_CG_BIT(BRIG_CG_CPU);
    if (c && ((c->cpus && *c->cpus) || (c->mems && *c->mems)))
        m |= BRIG_CG_BIT(BRIG_CG_CPUSET);
    if (res->pids_limit.set)
        m |= BRIG_CG_BIT(BRIG_CG_PIDS);
    if (blkio_set(res->block_io))
        m |= BRIG_CG_BIT(BRIG_CG_BLKIO);
    if (res->n_hugepage_limits)
        m |= BRIG_CG_BIT(BRIG_CG_HUGETLB);
    if (res->net_class_id.set)
        m |= BRIG_CG_BIT(BRIG_CG_NET_CLS);
    if (res->n_net_priorities)
        m |= BRIG_CG_BIT(BRIG_CG_NET_PRIO);
    if (res->n_rdma)
        m |= BRIG_CG_BIT(BRIG_CG_RDMA);
    return m;
}

/* The controllers v2 serves for us: all of them on a v2 host; on a hybrid
 * host those v1 does not mount. */
static int check_available(const struct brig_cg_layout *l, const struct brig_resources *res)
{
    unsigned missing = needed_ctrls(res) & ~(l->v1_ctrls | brig_cg_v2_mask(l));
    for (int c = 0; c < BRIG_CG_NCTRL; c++)
        if (missing & BRIG_CG_BIT(c))
            return brig_fail(0, "cannot apply the %s limits: the %s controller is not available",
                             brig_cg_ctrl_name((enum brig_cg_ctrl)c, l->mode == BRIG_CGROUP_V2),
                             brig_cg_ctrl_name((enum brig_cg_ctrl)c, l->mode == BRIG_CGROUP_V2));
    if (res && res->unified.n && !l->unified)
        return brig_fail(0, "linux.resources.unified needs cgroup v2, and this host has only v1");
    return 0;
}

/* The controllers unified keys will touch ("memory.max" -> memory). */
static unsigned unified_ctrls(const struct brig_map *u)
{
    unsigned m = 0;
    for (size_t i = 0; i < u->n; i++) {
        char name[32];
        size_t n = strcspn(u->v[i].key, ".");
        if (n >= sizeof name)
            continue;
        memcpy(name, u->v[i].key, n);
        name[n] = '\0';
        int c = brig_cg_ctrl_from_name(name);
        if (c >= 0)
            m |= BRIG_CG_BIT(c);
    }
    return m;
}

/* Every process in directory D and below it. */
static void read_procs_tree(const char *d, pid_t **pids, size_t *n);

/* The leaf in hierarchy I (v1 index, n_v1 for the unified one). */
static char *hier_dir(const struct brig_cg_layout *l, size_t i, const char *p)
{
    return i < l->n_v1 ? brig_xasprintf("%s%s", l->v1[i].mnt, p) : brig_cg_v2_dir(l, p);
}

static size_t n_hier(const struct brig_cg_layout *l)
{
    return l->n_v1 + (l->unified ? 1 : 0);
}

int brig_cgroup_plan(const char *path, bool systemd, struct brig_cgroup_own *own)
{
    brig_cgroup_own_clear(own);
    own->known = true;
    bool sd = systemd || brig_cg_is_systemd_path(path);
    cleanup_free char *p = NULL;
    const struct brig_cg_layout *l = brig_cg_target(path, &p);
    if (!l)
        return -1;
    for (size_t i = 0; i < n_hier(l); i++) {
        cleanup_free char *leaf = hier_dir(l, i, p);
        struct stat st;
        /* every missing level, parents first: below the first missing
         * one, all are (one lstat per level that exists, and one more) */
        size_t root_len = strlen(leaf) - strlen(p);
        bool leaf_exists = true;
        for (char *q = leaf + root_len + 1;; q++) {
            if (*q != '/' && *q != '\0')
                continue;
            char c = *q;
            *q = '\0';
            if (!leaf_exists || brig_cg_lstat(leaf, &st) < 0) {
                leaf_exists = false;
                brig_cg_own_add_made(own, leaf);
            }
            *q = c;
            if (c == '\0')
                break;
        }
        /* systemd refuses a unit that exists itself (as with runc) */
        if (!sd && leaf_exists) {
            pid_t *pids = NULL;
            size_t n = 0;
            read_procs_tree(leaf, &pids, &n);
            free(pids);
            brig_clear_error();
            brig_cgroup_own_clear(own);
            if (n)
                return brig_fail(0, "linux.cgroupsPath: cgroup %s already has processes (%zu): "
                                    "brig runs a container only in a cgroup it creates", leaf, n);
            return brig_fail(0, "linux.cgroupsPath: cgroup %s exists already: brig runs a container "
                                "only in a cgroup it creates", leaf);
        }
    }
    return 0;
}

/* ---- public API ---- */

static int remove_owned(const struct brig_cg_layout *l, const char *p, const struct brig_cgroup_own *own);

/* Rootless: without write access to the hierarchy a container can still
 * run, as long as it asks for no limits (runc does the same). */
static bool rootless(void)
{
    return brig_is_rootless();
}

static bool no_access(int e)
{
    return e == EACCES || e == EPERM || e == EROFS;
}

static bool wants_limits(const struct brig_resources *res)
{
    return needed_ctrls(res) || (res && res->unified.n);
}

/* Rootless limits where no cgroup could be made: say why, as runc does
 * ("cannot set ... limit: container could not join or create cgroup"). */
static void limits_need_a_cgroup(void)
{
    brig_fail_ctx("linux.resources: cannot set the limits: the container could not create its cgroup "
                  "(rootless: limits need a cgroup delegated to the user)");
}

static int cgroup_count(const struct brig_cg_layout *l, const char *path)
{
    pid_t *pids = NULL;
    size_t n = 0;
    for (size_t i = 0; i < n_hier(l); i++) {
        cleanup_free char *d = hier_dir(l, i, path);
        read_procs_tree(d, &pids, &n);
    }
    brig_clear_error();
    free(pids);
    return (int)n;
}

/* The leaf exists where brig did not make it: refuse (the plan checked
 * before; this is a cgroup made since). */
static int leaf_taken(const char *dir)
{
    return brig_fail(EEXIST, "linux.cgroupsPath: cgroup %s exists already: brig runs a container "
                             "only in a cgroup it creates", dir);
}

/* What one call of create() makes: everything, or one part of a split
 * create (brig_cgroup_create_first, _v1, _limits, in that order). */
enum {
    MAKE_UNIFIED = 1, /* the v2 leaf (what the init is cloned into) */
    MAKE_V1 = 2,      /* the v1 leaves (what the init joins) */
    MAKE_LIMITS = 4,  /* limits, device rules */
    MAKE_ALL = MAKE_UNIFIED | MAKE_V1 | MAKE_LIMITS,
};

static int create(const char *path, const struct brig_resources *res, const struct brig_device *devs,
                  size_t n_devs, bool systemd, struct brig_cgroup_own *own_out, unsigned make)
{
    struct brig_cgroup_own tmp = {0};
    struct brig_cgroup_own *own = own_out ? own_out : &tmp;
    /* From here OWN is what was made, not what was planned; the later
     * parts of a split create add to what the first made. */
    if (make & MAKE_UNIFIED) {
        brig_cgroup_own_clear(own);
        own->known = true;
    }
    bool sd = systemd || brig_cg_is_systemd_path(path);
    if (sd && brig_cg_systemd_check() < 0)
        return -1;
    cleanup_free char *p = NULL;
    const struct brig_cg_layout *l = brig_cg_target(path, &p);
    if (!l)
        return -1;
    if (check_available(l, res) < 0)
        return -1;
    /* systemd makes the unit's cgroup first; the rest is done here, in it */
    if (sd && brig_cg_systemd_start(path, res, devs, n_devs) < 0)
        return -1;

    unsigned v2m = brig_cg_v2_mask(l);
    unsigned needed = v2m & (needed_ctrls(res) | (res ? unified_ctrls(&res->unified) : 0));
    /* in cgroups brig made: every controller on v2 (update and stats want
     * them), what the limits need on a hybrid host */
    unsigned all = l->mode == BRIG_CGROUP_V2 ? v2m : needed;
    for (size_t i = 0; (make & MAKE_V1) && i < l->n_v1; i++) {
        int r = brig_cg_v1_mkdir(l, i, p, own);
        if (r < 0 && rootless() && no_access(brig_last_errno())) {
            if (!wants_limits(res))
                goto no_cgroup;
            limits_need_a_cgroup();
        }
        if (r == 0) {
            cleanup_free char *d = hier_dir(l, i, p);
            if (sd)
                brig_cg_own_add_made(own, d); /* the unit's: brig started it */
            else
                leaf_taken(d);
        }
        if (r <= 0 && !(r == 0 && sd))
            goto fail;
        if (brig_faultf("cgroup-mkdir-%zu", i) < 0)
            goto fail;
    }
    if (l->unified && (make & MAKE_UNIFIED)) {
        int r = brig_cg_v2_mkdir(l, p, all, needed, own);
        if (r < 0 && rootless() && no_access(brig_last_errno())) {
            if (!wants_limits(res) && !l->n_v1)
                goto no_cgroup;
            if (wants_limits(res))
                limits_need_a_cgroup();
        }
        if (r == 0) {
            cleanup_free char *d = brig_cg_v2_dir(l, p);
            if (sd)
                brig_cg_own_add_made(own, d);
            else
                leaf_taken(d);
        }
        if (r <= 0 && !(r == 0 && sd))
            goto fail;
        if (brig_fault("cgroup-mkdir-unified") < 0)
            goto fail;
    }

    if (!(make & MAKE_LIMITS)) {
        brig_cgroup_own_clear(&tmp);
        return 0;
    }
    /* A new scope holds its holder process only. */
    if (sd && cgroup_count(l, p) > (brig_cg_systemd_holder() > 0 ? 1 : 0)) {
        brig_fail(0, "linux.cgroupsPath: cgroup %s is not empty", p);
        goto fail;
    }
    if (brig_cgroup_is_frozen(p)) {
        brig_fail(0, "linux.cgroupsPath: cgroup %s is frozen", p);
        goto fail;
    }

    if (l->n_v1 && brig_cg_v1_apply(l, p, res, false) < 0)
        goto fail;
    if (v2m && brig_cg_v2_apply(l, p, res, v2m) < 0)
        goto fail;
    if (res && res->unified.n) {
        cleanup_free char *d = brig_cg_v2_dir(l, p);
        if (brig_cg_v2_unified(d, &res->unified) < 0)
            goto fail;
    }
    if (brig_fault("cgroup-limits") < 0)
        goto fail;

    size_t n_rules = 0;
    struct brig_device_rule *rules = brig_cg_device_rules(res, devs, n_devs, &n_rules);
    int r = 0;
    if (l->v1_ctrls & BRIG_CG_BIT(BRIG_CG_DEVICES)) {
        r = brig_cg_v1_devices(l, p, rules, n_rules);
    } else if (l->mode == BRIG_CGROUP_V2) {
        cleanup_free char *d = brig_cg_v2_dir(l, p);
        cleanup_fd int fd = brig_cg_open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            r = brig_fail(errno, "open %s", d);
        else
            r = brig_cg_bpf_apply(fd, rules, n_rules);
    } else {
        r = brig_fail(0, "no device controller: cannot restrict device access");
    }
    brig_cg_device_rules_free(rules, n_rules);
    if (r < 0 && rootless()) {
        /* Neither v1 device rules nor an eBPF filter (bpf(2) needs
         * CAP_BPF/CAP_SYS_ADMIN of the initial user namespace) can be set
         * without privilege; a rootless container cannot mknod and reaches
         * only the nodes its user may open anyway.  runc ignores these
         * errors when rootless too. */
        brig_debug("rootless: device rules not applied (%s)", brig_last_error());
        brig_clear_error();
        r = 0;
    }
    if (r < 0 || brig_fault("cgroup-devices") < 0)
        goto fail;
    brig_cgroup_own_clear(&tmp);
    return 0;

no_cgroup:
    /* rootless without write access: no cgroup at all */
    brig_debug("rootless: no cgroup (%s)", brig_last_error());
    brig_clear_error();
    remove_owned(l, p, own);
    brig_cgroup_own_clear(own);
    own->known = true;
    brig_cgroup_own_clear(&tmp);
    return 0;

fail:
    if (!(make & MAKE_UNIFIED)) {
        /* a later part: the init is in the first part's cgroup; the
         * caller kills it, then destroys what OWN lists */
        brig_cgroup_own_clear(&tmp);
        return -1;
    }
    {
        /* Leave nothing behind; keep the first error. */
        char saved[BRIG_ERR_MAX];
        int e = brig_last_errno();
        snprintf(saved, sizeof saved, "%s", brig_last_error());
        if (sd)
            brig_cg_systemd_release();
        remove_owned(l, p, own);
        if (sd)
            brig_cg_systemd_stop(path);
        brig_cgroup_own_clear(own);
        own->known = true;
        brig_cgroup_own_clear(&tmp);
        brig_set_error(e, saved);
        return -1;
    }
}

int brig_cgroup_create_with_devices(const char *path, const struct brig_resources *res,
                                    const struct brig_device *devs, size_t n_devs,
                                    bool systemd, struct brig_cgroup_own *own)
{
    return create(path, res, devs, n_devs, systemd, own, MAKE_ALL);
}

int brig_cgroup_create(const char *path, const struct brig_resources *res, bool systemd,
                       struct brig_cgroup_own *own)
{
    return create(path, res, NULL, 0, systemd, own, MAKE_ALL);
}

bool brig_cgroup_can_split(const char *path, bool systemd)
{
    if (systemd || brig_cg_is_systemd_path(path) || rootless())
        return false;
    const struct brig_cg_layout *l = brig_cg_layout();
    return l && l->n_v1 > 0;
}

int brig_cgroup_create_first(const char *path, const struct brig_resources *res,
                             struct brig_cgroup_own *own)
{
    return create(path, res, NULL, 0, false, own, MAKE_UNIFIED);
}

int brig_cgroup_create_v1(const char *path, const struct brig_resources *res, struct brig_cgroup_own *own)
{
    return create(path, res, NULL, 0, false, own, MAKE_V1);
}

int brig_cgroup_create_limits(const char *path, const struct brig_resources *res,
                              const struct brig_device *devs, size_t n_devs, struct brig_cgroup_own *own)
{
    return create(path, res, devs, n_devs, false, own, MAKE_LIMITS);
}

/* exec --cgroup SPECS: "[CONTROLLER[,CONTROLLER...]:]SUB".  The SUB for
 * hierarchy I (v1), or for the unified one (I == n_v1): the last spec that
 * names one of its controllers, else the last without controllers, else
 * "" (the container's own cgroup).  NULL with an error on a bad spec. */
static const char *sub_for(const struct brig_cg_layout *l, size_t i, char *const *specs, size_t n)
{
    const char *any = "", *named = NULL;
    for (size_t s = 0; s < n; s++) {
        const char *colon = strchr(specs[s], ':');
        const char *sub = colon ? colon + 1 : specs[s];
        if (!colon) {
            any = sub;
            continue;
        }
        if (!l->n_v1) {
            brig_fail(0, "--cgroup %s: controllers can be named on cgroup v1 only", specs[s]);
            return NULL;
        }
        for (const char *c = specs[s]; c < colon;) {
            size_t len = strcspn(c, ",:");
            bool known = false, hit = false;
            for (size_t k = 0; k < BRIG_CG_NCTRL; k++)
                if (strlen(brig_cg_ctrl_name(k, false)) == len && strncmp(c, brig_cg_ctrl_name(k, false), len) == 0) {
                    known = true;
                    hit = i < l->n_v1 && (l->v1[i].ctrls & BRIG_CG_BIT(k));
                }
            for (size_t h = 0; h < l->n_v1; h++) {
                const char *nm = l->v1[h].name;
                if (nm && len == 5 + strlen(nm) && strncmp(c, "name=", 5) == 0 && strncmp(c + 5, nm, len - 5) == 0) {
                    known = true;
                    hit = hit || h == i;
                }
            }
            if (!known) {
                brig_fail(0, "--cgroup %s: unknown controller \"%.*s\"", specs[s], (int)len, c);
                return NULL;
            }
            if (hit)
                named = sub;
            c += len + (c[len] == ',');
        }
    }
    return named ? named : any;
}

/* PID 0 means the caller, which must be single-threaded (a freshly cloned
 * init or joiner).  It then writes "0" to each v1 hierarchy's "tasks": the
 * kernel moves just the calling thread without taking the global
 * threadgroup lock, whose first writer after an idle moment waits a whole
 * RCU grace period (~10-15 ms of wall time).  cgroup.procs (v2, or another
 * process) takes that lock.  SKIP_UNIFIED: the caller was cloned into the
 * unified cgroup already (brig_cgroup_unified_fd). */
static int attach(const char *path, pid_t pid, bool skip_unified, char *const *specs, size_t n_specs)
{
    cleanup_free char *p = NULL;
    const struct brig_cg_layout *l = brig_cg_target(path, &p);
    if (!l)
        return -1;
    char pidstr[24];
    snprintf(pidstr, sizeof pidstr, "%d", (int)pid);
    size_t n = l->n_v1 + (l->unified && !skip_unified ? 1 : 0);
    for (size_t i = 0; i < n; i++) {
        bool v1 = i < l->n_v1;
        const char *sub = sub_for(l, i, specs, n_specs);
        if (!sub)
            return -1;
        while (*sub == '/')
            sub++;
        cleanup_free char *q = *sub ? brig_xasprintf("%s/%s", p, sub) : brig_xstrdup(p);
        cleanup_free char *d = v1 ? brig_xasprintf("%s%s", l->v1[i].mnt, q) : brig_cg_v2_dir(l, q);
        if (*sub && !brig_cg_exists(d, NULL))
            return brig_fail(ENOENT, "--cgroup: no cgroup %s", d);
        if (brig_cg_write(d, v1 && pid == 0 ? "tasks" : "cgroup.procs", pidstr) < 0) {
            /* The user's systemd made the scope, but brig runs outside the
             * subtree it delegates (a login session's scope): the user may
             * not write the common parent's cgroup.procs.  The manager
             * moves the process, as it does runc's. */
            if (!v1 && !*sub && no_access(brig_last_errno()) && brig_systemd_user() &&
                brig_cg_is_systemd_path(path)) {
                brig_debug("%s; asking systemd to move the process", brig_last_error());
                brig_clear_error();
                if (brig_cg_systemd_attach(path, pid ? pid : getpid()) < 0)
                    return brig_fail_ctx("join cgroup");
                continue;
            }
            /* rootless without a cgroup of its own (see create) */
            if (rootless() && (no_access(brig_last_errno()) || brig_last_errno() == ENOENT)) {
                brig_debug("rootless: %s", brig_last_error());
                brig_clear_error();
                continue;
            }
            return brig_fail_ctx("join cgroup");
        }
    }
    /* the scope has its first real member: its holder may go */
    if (brig_cg_is_systemd_path(path))
        brig_cg_systemd_release();
    return 0;
}

int brig_cgroup_attach(const char *path, pid_t pid)
{
    return attach(path, pid, false, NULL, 0);
}

int brig_cgroup_attach_self(const char *path, bool in_unified)
{
    return attach(path, 0, in_unified, NULL, 0);
}

int brig_cgroup_attach_self_sub(const char *path, char *const *specs, size_t n)
{
    return attach(path, 0, false, specs, n);
}

void brig_cgroup_forget_dirs(enum brig_cg_dirs_fds fds)
{
    brig_cg_dirs_drop(fds);
}

int brig_cgroup_unified_fd(const char *path)
{
    const struct brig_cg_layout *l = brig_cg_layout();
    if (!l || !l->unified || brig_cg_is_systemd_path(path))
        return -1;
    cleanup_free char *p = brig_cg_fs_path(path);
    if (!p)
        return -1;
    cleanup_free char *d = brig_cg_v2_dir(l, p);
    return brig_cg_open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* rmdir the leaf in every hierarchy; EBUSY is retried briefly because the
 * kernel frees a cgroup a moment after its last task has exited. */
/* Call FN on every cgroup directory below D (children first), never
 * following symlinks; DEPTH bounds a hostile or runaway tree. */
static int walk_children(const char *d, int depth, int (*fn)(const char *dir, void *arg), void *arg)
{
    if (depth > 32)
        return brig_fail(ELOOP, "cgroup tree %s is too deep", d);
    int fd = brig_cg_open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = fd < 0 ? NULL : fdopendir(fd);
    if (!dir) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return e == ENOENT ? 0 : brig_fail(e, "open cgroup %s", d);
    }
    int ret = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        cleanup_free char *sub = brig_xasprintf("%s/%s", d, de->d_name);
        if (walk_children(sub, depth + 1, fn, arg) < 0 || fn(sub, arg) < 0)
            ret = -1;
    }
    closedir(dir);
    return ret;
}

static int rmdir_retrying(const char *d, void *unused)
{
    (void)unused;
    for (unsigned tries = 0;; tries++) {
        if (brig_cg_rmdir(d) == 0 || errno == ENOENT)
            return 0;
        if (errno != EBUSY || tries >= 100)
            return brig_fail(errno, "remove cgroup %s", d);
        brig_cg_sleep_ms(tries < 10 ? 1 : 20);
    }
}

/* Whether the leaf in hierarchy I is brig's: listed in OWN, or, for a
 * state that does not say, assumed (as brig always did). */
static bool leaf_owned(const struct brig_cg_layout *l, size_t i, const char *p,
                       const struct brig_cgroup_own *own)
{
    if (!own || !own->known)
        return true;
    cleanup_free char *d = hier_dir(l, i, p);
    return brig_cg_own_has(own, d);
}

/* The container's cgroup and any it made below it (exec --cgroup, a
 * nested runtime), in every hierarchy where it is brig's; then the parents
 * brig made, where no other cgroup is left in them; then the controllers
 * it enabled in cgroups it did not make. */
static int remove_owned(const struct brig_cg_layout *l, const char *p, const struct brig_cgroup_own *own)
{
    int ret = 0;
    size_t nh = n_hier(l);
    cleanup_free char **leaves = brig_xcalloc(nh ? nh : 1, sizeof *leaves);
    for (size_t i = 0; i < nh; i++) {
        leaves[i] = hier_dir(l, i, p);
        if (!leaf_owned(l, i, p, own))
            continue;
        const char *d = leaves[i];
        /* Usually a leaf: a single rmdir.  EBUSY means cgroups below it,
         * or its last task still leaving. */
        if (brig_cg_rmdir(d) == 0 || errno == ENOENT)
            continue;
        if (walk_children(d, 0, rmdir_retrying, NULL) < 0 || rmdir_retrying(d, NULL) < 0)
            ret = -1;
    }
    for (size_t k = own && own->known ? own->n_made : 0; k-- > 0;) {
        /* the leaves are done above (OWN lists them too) */
        bool leaf = false;
        for (size_t i = 0; i < nh && !leaf; i++)
            leaf = strcmp(own->made[k], leaves[i]) == 0;
        /* EBUSY: another container's cgroup is in it; it stays */
        if (!leaf && brig_cg_rmdir(own->made[k]) < 0 && errno != ENOENT && errno != EBUSY && errno != ENOTEMPTY)
            brig_debug("remove cgroup %s: %s", own->made[k], strerror(errno));
    }
    for (size_t i = 0; i < nh; i++)
        free(leaves[i]);
    /* last: a controller cannot go while a cgroup below passes it on */
    brig_cg_v2_release(l, p);
    for (size_t k = own && own->known ? own->n_enabled : 0; k-- > 0;)
        brig_cg_v2_disable(own->enabled[k]);
    return ret;
}

struct pid_list {
    pid_t **pids;
    size_t *n;
};

static int read_procs_into(const char *d, void *arg)
{
    struct pid_list *pl = arg;
    brig_cg_read_procs(d, pl->pids, pl->n);
    return 0;
}

/* The processes of cgroup D and of every cgroup below it. */
static void read_procs_tree(const char *d, pid_t **pids, size_t *n)
{
    struct pid_list pl = {pids, n};
    if (!brig_cg_exists(d, NULL))
        return;
    brig_cg_read_procs(d, pids, n);
    walk_children(d, 0, read_procs_into, &pl);
}

/* Kill everything in the cgroup, in the hierarchies where it is brig's
 * (OWN).  cgroup.kill does it atomically; without it, freeze (so nothing
 * forks behind our back), SIGKILL every pid, thaw, and repeat until the
 * cgroup is empty. */
static int kill_all(const struct brig_cg_layout *l, const char *path, const struct brig_cgroup_own *own)
{
    if (l->unified && leaf_owned(l, l->n_v1, path, own)) {
        cleanup_free char *d = brig_cg_v2_dir(l, path);
        if (brig_cg_exists(d, NULL)) {
            int r = brig_cg_v2_kill(d);
            if (r < 0)
                return -1;
            if (r == 2 || (r > 0 && brig_cg_v2_wait_empty(d, 10000)))
                return 0;
        }
    }
    cleanup_free char *fdir = NULL;
    for (size_t i = 0; i < l->n_v1; i++)
        if ((l->v1[i].ctrls & BRIG_CG_BIT(BRIG_CG_FREEZER)) && leaf_owned(l, i, path, own))
            fdir = hier_dir(l, i, path);
    for (unsigned round = 0; round < 500; round++) {
        pid_t *pids = NULL;
        size_t n = 0;
        for (size_t i = 0; i < n_hier(l); i++) {
            if (!leaf_owned(l, i, path, own))
                continue;
            cleanup_free char *d = hier_dir(l, i, path);
            read_procs_tree(d, &pids, &n);
        }
        brig_clear_error();
        if (n == 0) {
            free(pids);
            return 0;
        }
        bool froze = fdir && brig_cg_exists(fdir, NULL) && brig_cg_v1_freeze(fdir, true) == 0;
        for (size_t i = 0; i < n; i++)
            if (kill(pids[i], SIGKILL) < 0 && errno != ESRCH) {
                int e = errno;
                free(pids);
                if (froze)
                    brig_cg_v1_freeze(fdir, false);
                return brig_fail(e, "kill %d", (int)pids[i]);
            }
        free(pids);
        if (froze)
            brig_cg_v1_freeze(fdir, false);
        brig_cg_sleep_ms(round < 10 ? 2 : 20);
    }
    return brig_fail(EBUSY, "processes in cgroup %s survive SIGKILL", path);
}

int brig_cgroup_destroy(const char *path, const struct brig_cgroup_own *own)
{
    cleanup_free char *p = NULL;
    const struct brig_cg_layout *l = brig_cg_target(path, &p);
    if (!l)
        return -1;
    int r = kill_all(l, p, own);
    bool unit_ours = !own || !own->known || own->n_made > 0;
    if (brig_cg_is_systemd_path(path) && unit_ours) {
        /* systemd removes what it made; brig the rest.  A unit left
         * behind is systemd's to collect once empty: only a warning. */
        brig_cg_systemd_release();
        char saved[BRIG_ERR_MAX];
        int e = brig_last_errno();
        snprintf(saved, sizeof saved, "%s", brig_last_error());
        if (brig_cg_systemd_stop(path) < 0)
            brig_warn("%s", brig_last_error());
        brig_set_error(e, saved);
    }
    if (remove_owned(l, p, own) < 0)
        r = -1;
    return r;
}

static int pid_cmp(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

int brig_cgroup_pids(const char *path, pid_t **out)
{
    cleanup_free char *p = NULL;
    const struct brig_cg_layout *l = brig_cg_target(path, &p);
    if (!l)
        return -1;
    pid_t *pids = NULL;
    size_t n = 0;
    /* v2 tracks every process on v2 and hybrid hosts; else take the union. */
    cleanup_free char *d = l->unified ? brig_cg_v2_dir(l, p) : NULL;
    if (d) {
        if (brig_cg_read_procs(d, &pids, &n) < 0)
            return -1;
    } else {
        bool any = false;
        for (size_t i = 0; i < l->n_v1; i++) {
            cleanup_free char *vd = brig_xasprintf("%s%s", l->v1[i].mnt, p);
            if (brig_cg_read_procs(vd, &pids, &n) == 0)
                any = true;
        }
        if (!any) {
            free(pids);
            return -1;
        }
        brig_clear_error();
    }
    if (n)
        qsort(pids, n, sizeof *pids, pid_cmp);
    *out = pids ? pids : brig_xcalloc(1, sizeof *pids);
    return (int)n;
}

/* The v1 freezer directory, or NULL when v2's cgroup.freeze is the one. */
static char *v1_freezer_dir(const struct brig_cg_layout *l, const char *p)
{
    if (l->v1_ctrls & BRIG_CG_BIT(BRIG_CG_FREEZER))
        return brig_cg_v1_dir(l, BRIG_CG_FREEZER, p);
    return NULL;
}

int brig_cgroup_freeze(const char *path, bool frozen)
{
    cleanup_free char *p = NULL;
    const struct brig_cg_layout *l = brig_cg_target(path, &p);
    if (!l)
        return -1;
    cleanup_free char *fd = v1_freezer_dir(l, p);
    if (fd)
        return brig_cg_v1_freeze(fd, frozen);
    if (l->unified) {
        cleanup_free char *d = brig_cg_v2_dir(l, p);
        return brig_cg_v2_freeze(d, frozen);
    }
    return brig_fail(0, "no freezer: the freezer controller is not mounted");
}

bool brig_cgroup_is_frozen(const char *path)
{
    if (!path)
        return false;
    cleanup_free char *p = NULL;
    const struct brig_cg_layout *l = brig_cg_target(path, &p);
    if (!l)
        return false;
    cleanup_free char *fd = v1_freezer_dir(l, p);
    if (fd) {
        char s[32];
        bool ok = brig_cg_peek(fd, "freezer.state", s, sizeof s);
        brig_clear_error();
        return ok && strncmp(s, "FROZEN", 6) == 0;
    }
    if (l->unified) {
        cleanup_free char *d = brig_cg_v2_dir(l, p);
        return brig_cg_v2_is_frozen(d);
    }
    return false;
}

int brig_cgroup_update(const char *path, const struct brig_resources *res)
{
    cleanup_free char *p = NULL;
    const struct brig_cg_layout *l = brig_cg_target(path, &p);
    if (!l)
        return -1;
    if (check_available(l, res) < 0)
        return -1;
    /* systemd first, or it would put back its own values later */
    if (brig_cg_is_systemd_path(path) && brig_cg_systemd_update(path, res) < 0)
        return -1;
    /* No controller is enabled here: on a hybrid host the ones create
     * enabled are there; enabling more in cgroups brig did not make would
     * be a host-wide change nothing undoes. */
    unsigned v2m = brig_cg_v2_mask(l);
    if (l->n_v1 && brig_cg_v1_apply(l, p, res, true) < 0)
        return -1;
    if (v2m && brig_cg_v2_apply(l, p, res, v2m) < 0)
        return -1;
    if (res && res->unified.n) {
        cleanup_free char *d = brig_cg_v2_dir(l, p);
        if (brig_cg_v2_unified(d, &res->unified) < 0)
            return -1;
    }
    return 0;
}

int brig_cgroup_stats_gen(const char *path, yajl_gen g)
{
    cleanup_free char *p = NULL;
    const struct brig_cg_layout *l = brig_cg_target(path, &p);
    if (!l)
        return -1;
    bool exists = false;
    for (size_t i = 0; i < l->n_v1 && !exists; i++) {
        cleanup_free char *d = brig_xasprintf("%s%s", l->v1[i].mnt, p);
        exists = brig_cg_exists(d, NULL);
    }
    if (!exists && l->unified) {
        cleanup_free char *d = brig_cg_v2_dir(l, p);
        exists = brig_cg_exists(d, NULL);
    }
    if (!exists)
        return brig_fail(ENOENT, "cgroup %s", p);
    yajl_gen_map_open(g);
    if (l->n_v1)
        brig_cg_v1_stats(l, p, g);
    if (brig_cg_v2_mask(l))
        brig_cg_v2_stats(l, p, brig_cg_v2_mask(l), g);
    yajl_gen_map_close(g);
    return 0;
}

char *brig_cgroup_stats_json(const char *path)
{
    yajl_gen g = brig_json_gen_new(false);
    if (!g) {
        brig_fail(ENOMEM, "stats");
        return NULL;
    }
    if (brig_cgroup_stats_gen(path, g) < 0) {
        yajl_gen_free(g);
        return NULL;
    }
    return brig_json_gen_finish(g);
}
