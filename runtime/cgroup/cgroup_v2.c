/* brig: cgroup v2 — the unified hierarchy: controllers enabled along the
 * path, v1-style resources converted (shares -> weight, blkio -> io), raw
 * unified keys, cgroup.freeze, cgroup.kill and stats. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cgroup_internal.h"
#include "brig/internal.h"
#include "brig/json.h"

/* Controllers that exist as names in cgroup.subtree_control. */
static const unsigned real_ctrls =
    BRIG_CG_BIT(BRIG_CG_CPU) | BRIG_CG_BIT(BRIG_CG_CPUSET) | BRIG_CG_BIT(BRIG_CG_MEMORY) |
    BRIG_CG_BIT(BRIG_CG_BLKIO) | BRIG_CG_BIT(BRIG_CG_PIDS) | BRIG_CG_BIT(BRIG_CG_HUGETLB) |
    BRIG_CG_BIT(BRIG_CG_RDMA) | BRIG_CG_BIT(BRIG_CG_MISC) | BRIG_CG_BIT(BRIG_CG_PERF_EVENT);

/* " +cpu +memory" for the controllers of MASK. */
static void ctrl_line(unsigned mask, char sign, char *line, size_t size)
{
    size_t o = 0;
    line[0] = '\0';
    for (int c = 0; c < BRIG_CG_NCTRL && o < size; c++)
        if (mask & BRIG_CG_BIT(c))
            o += (size_t)snprintf(line + o, size - o, "%s%c%s", o ? " " : "", sign,
                                  brig_cg_ctrl_name((enum brig_cg_ctrl)c, true));
}

/* Whether DIR has processes of its own (not counting its children's). */
static bool has_procs(const char *dir)
{
    cleanup_free char *s = brig_cg_read(dir, "cgroup.procs");
    brig_clear_error();
    return s && s[strspn(s, " \n")] != '\0';
}

/* Whether DIR has a child cgroup. */
static bool has_children(const char *dir)
{
    cleanup_free char *s = brig_cg_read(dir, "cgroup.stat");
    uint64_t n = 1;
    if (!s || !brig_cg_kv_get(s, "nr_descendants", &n))
        n = 1; /* cannot tell: assume someone is there */
    brig_clear_error();
    return n > 0;
}

/* ---- counted enabling in a cgroup brig did not make ---- */

/* The containers that need a controller brig turned on in a cgroup it did
 * not make are listed in that cgroup, one "CTRL LEAF" line each (LEAF: the
 * container's cgroup below the unified root).  A container whose cgroup is
 * gone no longer needs it: whoever deletes a container drops those lines,
 * and turns a controller off once no line names it.  So a container killed
 * before its state said what it enabled is still accounted for. */
#define REFS_XATTR "trusted.brig.enabled"

static bool line_is(const char *l, size_t n, const char *ctrl, const char *leaf)
{
    size_t cl = strlen(ctrl);
    if (n <= cl || strncmp(l, ctrl, cl) != 0 || l[cl] != ' ')
        return false;
    return !leaf || (n - cl - 1 == strlen(leaf) && strncmp(l + cl + 1, leaf, n - cl - 1) == 0);
}

bool brig_cg_refs_has(const char *refs, const char *ctrl, const char *leaf)
{
    for (const char *l = refs; l && *l;) {
        size_t n = strcspn(l, "\n");
        if (line_is(l, n, ctrl, leaf))
            return true;
        l += n + (l[n] == '\n');
    }
    return false;
}

char *brig_cg_refs_add(const char *refs, const char *ctrl, const char *leaf)
{
    if (brig_cg_refs_has(refs, ctrl, leaf))
        return brig_xstrdup(refs);
    return brig_xasprintf("%s%s %s\n", refs ? refs : "", ctrl, leaf);
}

char *brig_cg_refs_prune(const char *refs, bool (*alive)(const char *leaf, void *arg), void *arg,
                         unsigned *emptied)
{
    size_t cap = (refs ? strlen(refs) : 0) + 1, o = 0;
    char *out = brig_xmalloc(cap);
    unsigned had = 0, kept = 0;
    for (const char *l = refs; l && *l;) {
        size_t n = strcspn(l, "\n");
        const char *sp = memchr(l, ' ', n);
        if (sp) {
            char ctrl[32];
            size_t cl = (size_t)(sp - l);
            snprintf(ctrl, sizeof ctrl, "%.*s", (int)(cl < sizeof ctrl ? cl : sizeof ctrl - 1), l);
            int c = brig_cg_ctrl_from_name(ctrl);
            cleanup_free char *leaf = strndup(sp + 1, n - cl - 1);
            if (c >= 0 && leaf) {
                had |= BRIG_CG_BIT(c);
                if (alive(leaf, arg)) {
                    kept |= BRIG_CG_BIT(c);
                    memcpy(out + o, l, n);
                    o += n;
                    out[o++] = '\n';
                }
            }
        }
        l += n + (l[n] == '\n');
    }
    out[o] = '\0';
    *emptied = had & ~kept;
    return out;
}

/* The lines of DIRFD ("" without: ENODATA and no xattr support alike). */
static char *refs_read(int dirfd)
{
    char buf[65536];
    ssize_t n = fgetxattr(dirfd, REFS_XATTR, buf, sizeof buf - 1);
    buf[n > 0 ? (size_t)n : 0] = '\0';
    return brig_xstrdup(buf);
}

static int refs_write(int dirfd, const char *refs)
{
    if (*refs)
        return fsetxattr(dirfd, REFS_XATTR, refs, strlen(refs), 0);
    if (fremovexattr(dirfd, REFS_XATTR) < 0 && errno != ENODATA)
        return -1;
    return 0;
}

/* Enable controller C in DIR (a cgroup brig did not make) for the
 * container at LEAF, under DIR's lock: turn it on, or find it on for other
 * containers already, and list LEAF as needing it.  One turned on by
 * someone else is left alone.  Where DIR takes no list (no xattrs), OWN
 * keeps what this container turned on. */
static int enable_counted(const char *dir, int c, const char *leaf, struct brig_cgroup_own *own)
{
    const char *name = brig_cg_ctrl_name((enum brig_cg_ctrl)c, true);
    cleanup_fd int fd = brig_cg_open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return brig_fail(errno, "open cgroup %s", dir);
    if (flock(fd, LOCK_EX) < 0)
        return brig_fail(errno, "lock cgroup %s", dir);
    cleanup_free char *on_s = brig_cg_read(dir, "cgroup.subtree_control");
    if (!on_s)
        return -1;
    bool on = brig_cg_ctrl_mask(on_s) & BRIG_CG_BIT(c);
    cleanup_free char *refs = refs_read(fd);
    if (on && !brig_cg_refs_has(refs, name, NULL))
        return 0;
    if (!on && brig_cg_writef(dir, "cgroup.subtree_control", "+%s", name) < 0)
        return brig_fail_ctx("enable the %s controller", name);
    cleanup_free char *nr = brig_cg_refs_add(refs, name, leaf);
    if (refs_write(fd, nr) < 0) {
        brig_debug("cgroup v2: set %s of %s: %s", REFS_XATTR, dir, strerror(errno));
        if (!on)
            brig_cg_own_add_enabled(own, dir, name);
    }
    return 0;
}

static bool leaf_alive(const char *leaf, void *arg)
{
    const char *root = arg;
    cleanup_free char *d = brig_xasprintf("%s%s", root, leaf);
    return brig_cg_exists(d, NULL);
}

/* Drop the lines of containers whose cgroup is gone from DIR's list and
 * turn off what no container needs any more. */
static void release_dir(const char *root, const char *dir)
{
    cleanup_fd int fd = brig_cg_open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    char probe[1];
    if (fgetxattr(fd, REFS_XATTR, probe, 0) < 0)
        return; /* nothing brig turned on here: the usual case */
    if (flock(fd, LOCK_EX) < 0)
        return;
    cleanup_free char *refs = refs_read(fd);
    unsigned off = 0;
    cleanup_free char *nr = brig_cg_refs_prune(refs, leaf_alive, (void *)root, &off);
    if (off) {
        char line[256];
        ctrl_line(off, '-', line, sizeof line);
        if (brig_cg_write(dir, "cgroup.subtree_control", line) < 0)
            brig_debug("cgroup v2: %s", brig_last_error()); /* EBUSY: in use below */
        brig_clear_error();
    }
    if (strcmp(nr, refs) != 0 && refs_write(fd, nr) < 0)
        brig_debug("cgroup v2: set %s of %s: %s", REFS_XATTR, dir, strerror(errno));
}

void brig_cg_v2_release(const struct brig_cg_layout *l, const char *path)
{
    if (!l->unified)
        return;
    cleanup_free char *anc = brig_xstrdup(path);
    for (;;) {
        char *slash = strrchr(anc, '/');
        if (!slash)
            break;
        *slash = '\0';
        cleanup_free char *d = brig_xasprintf("%s%s", l->unified, anc);
        release_dir(l->unified, d);
        if (slash == anc)
            break;
    }
}

void brig_cg_v2_disable(const char *entry)
{
    const char *sp = strrchr(entry, ' ');
    if (!sp)
        return;
    cleanup_free char *dir = strndup(entry, (size_t)(sp - entry));
    const char *name = sp + 1;
    cleanup_fd int fd = dir ? brig_cg_open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (fd < 0 || flock(fd, LOCK_EX) < 0)
        return; /* gone: nothing to undo */
    /* no list kept there: this container turned it on; off when no
     * child cgroup is left to use it */
    if (!has_children(dir) && brig_cg_writef(dir, "cgroup.subtree_control", "-%s", name) < 0)
        brig_debug("cgroup v2: %s", brig_last_error());
    brig_clear_error();
}

struct v2_mk {
    const char *leaf; /* the container's cgroup below the root */
    unsigned all, needed;
    struct brig_cgroup_own *own;
};

/* Before a child of DIR is made: the controllers it should get. */
static int enable_for_child(const char *dir, bool made, void *arg)
{
    const struct v2_mk *m = arg;
    unsigned want = (made ? m->all : m->needed) & real_ctrls;
    if (!want)
        return 0;
    cleanup_free char *avail_s = brig_cg_read(dir, "cgroup.controllers");
    cleanup_free char *on_s = brig_cg_read(dir, "cgroup.subtree_control");
    if (!avail_s || !on_s)
        return -1;
    unsigned avail = want & brig_cg_ctrl_mask(avail_s); /* what DIR lacks, apply reports */
    unsigned todo = avail & ~brig_cg_ctrl_mask(on_s);
    if (!made) {
        /* on already: counted too when brig turned it on (enable_counted) */
        for (int c = 0; c < BRIG_CG_NCTRL; c++)
            if ((avail & ~todo & BRIG_CG_BIT(c)) && enable_counted(dir, c, m->leaf, m->own) < 0)
                return -1;
    }
    if (!todo)
        return 0;
    /* A cgroup with processes cannot pass controllers down: trying turns
     * it "domain threaded" when some succeed.  Only the real root (it has
     * no cgroup.type; a cgroup namespace's root does) is exempt. */
    bool root = !brig_cg_exists(dir, "cgroup.type");
    if (!root && has_procs(dir)) {
        if (!(todo & m->needed))
            return 0;
        char line[256];
        ctrl_line(todo & m->needed, '+', line, sizeof line);
        return brig_fail(0, "linux.cgroupsPath: cannot enable %s in %s: it has processes of its own "
                            "(place the container under a cgroup without processes)", line, dir);
    }
    if (!made) {
        for (int c = 0; c < BRIG_CG_NCTRL; c++)
            if ((todo & BRIG_CG_BIT(c)) && enable_counted(dir, c, m->leaf, m->own) < 0)
                return -1;
        return 0;
    }
    char line[256];
    ctrl_line(todo, '+', line, sizeof line);
    if (brig_cg_write(dir, "cgroup.subtree_control", line) == 0)
        return 0;
    /* one at a time: what this kernel or parent cannot give is skipped,
     * unless the container needs it */
    for (int c = 0; c < BRIG_CG_NCTRL; c++) {
        if (!(todo & BRIG_CG_BIT(c)))
            continue;
        const char *name = brig_cg_ctrl_name((enum brig_cg_ctrl)c, true);
        if (brig_cg_writef(dir, "cgroup.subtree_control", "+%s", name) < 0) {
            if (m->needed & BRIG_CG_BIT(c))
                return brig_fail_ctx("enable the %s controller", name);
            brig_debug("cgroup v2: %s", brig_last_error());
        }
    }
    brig_clear_error();
    return 0;
}

int brig_cg_v2_mkdir(const struct brig_cg_layout *l, const char *path, unsigned all,
                     unsigned needed, struct brig_cgroup_own *own)
{
    struct v2_mk m = {.leaf = path, .all = all, .needed = needed, .own = own};
    return brig_cg_mkdir_p(l->unified, path, own, enable_for_child, NULL, &m);
}

/* Explain a missing interface file: usually a controller not enabled. */
static int missing(const char *dir, const char *file, const char *ctrl)
{
    return brig_fail(0, "cannot set %s: the %s controller is not enabled in %s", file, ctrl, dir);
}

static int write_ctrl(const char *dir, const char *ctrl, const char *file, const char *val)
{
    if (!brig_cg_exists(dir, file))
        return missing(dir, file, ctrl);
    return brig_cg_write(dir, file, val);
}

static int memory_apply(const char *dir, const struct brig_memory *m)
{
    if (m->limit.set && m->limit.v != 0) {
        cleanup_free char *v = brig_cg_limit_str(m->limit.v);
        if (write_ctrl(dir, "memory", "memory.max", v) < 0)
            return -1;
    }
    if (m->swap.set && m->swap.v != 0) {
        int64_t sw;
        if (brig_cg_swap_to_v2(m, &sw) < 0)
            return -1;
        if (!brig_cg_exists(dir, "memory.swap.max"))
            return brig_fail(0, "cannot set memory.swap: swap accounting is off in this kernel");
        cleanup_free char *v = brig_cg_limit_str(sw);
        if (brig_cg_write(dir, "memory.swap.max", v) < 0)
            return -1;
    }
    if (m->reservation.set && m->reservation.v != 0) {
        cleanup_free char *v = brig_cg_limit_str(m->reservation.v);
        if (write_ctrl(dir, "memory", "memory.low", v) < 0)
            return -1;
    }
    /* kernel, kernelTCP and useHierarchy have no v2 meaning (v2 is always
     * hierarchical and accounts kernel memory in memory.max). */
    if (m->swappiness.set)
        brig_warn("memory.swappiness is not supported on cgroup v2: ignored");
    if (m->disable_oom_killer.set && m->disable_oom_killer.v)
        brig_warn("memory.disableOOMKiller is not supported on cgroup v2: ignored");
    return 0;
}

static int cpu_apply(const char *dir, const struct brig_cpu *c)
{
    if ((c->realtime_runtime.set && c->realtime_runtime.v != 0) ||
        (c->realtime_period.set && c->realtime_period.v != 0))
        return brig_fail(0, "realtime CPU limits (realtimeRuntime, realtimePeriod) are not supported on cgroup v2");
    if (c->shares.set && c->shares.v != 0) {
        if (c->shares.v < 2 || c->shares.v > 262144)
            return brig_fail(0, "cpu shares %llu out of range (2..262144)", (unsigned long long)c->shares.v);
        char w[24];
        snprintf(w, sizeof w, "%" PRIu64, brig_cg_shares_to_weight(c->shares.v));
        if (write_ctrl(dir, "cpu", "cpu.weight", w) < 0)
            return -1;
    }
    if ((c->quota.set && c->quota.v != 0) || (c->period.set && c->period.v != 0)) {
        struct brig_cpu tmp = *c;
        if (!tmp.quota.set || tmp.quota.v == 0) {
            /* only the period changes: keep the quota there is */
            cleanup_free char *cur = brig_cg_read(dir, "cpu.max");
            long long q;
            tmp.quota.set = true;
            tmp.quota.v = cur && sscanf(cur, "%lld", &q) == 1 ? q : -1;
            brig_clear_error();
        }
        cleanup_free char *v = brig_cg_cpu_max(&tmp);
        if (write_ctrl(dir, "cpu", "cpu.max", v) < 0)
            return -1;
    }
    if (c->burst.set) {
        char b[24];
        snprintf(b, sizeof b, "%" PRIu64, c->burst.v);
        if (write_ctrl(dir, "cpu", "cpu.max.burst", b) < 0)
            return -1;
    }
    if (c->idle.set) {
        char b[24];
        snprintf(b, sizeof b, "%" PRId64, c->idle.v);
        if (write_ctrl(dir, "cpu", "cpu.idle", b) < 0)
            return -1;
    }
    return 0;
}

static int io_max(const char *dir, const char *key, const struct brig_blkio_throttle_device *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char line[96];
        if (d[i].rate == 0)
            snprintf(line, sizeof line, "%" PRId64 ":%" PRId64 " %s=max", d[i].major, d[i].minor, key);
        else
            snprintf(line, sizeof line, "%" PRId64 ":%" PRId64 " %s=%" PRIu64, d[i].major, d[i].minor,
                     key, d[i].rate);
        if (write_ctrl(dir, "io", "io.max", line) < 0)
            return -1;
    }
    return 0;
}

static int io_apply(const char *dir, const struct brig_blkio *b)
{
    /* With BFQ, io.bfq.weight takes the blkio scale (1..1000) unchanged;
     * otherwise io.weight gets the converted value. */
    bool bfq = brig_cg_exists(dir, "io.bfq.weight");
    if (b->weight.set && b->weight.v != 0) {
        char w[24];
        if (bfq)
            snprintf(w, sizeof w, "%u", b->weight.v);
        else
            snprintf(w, sizeof w, "%" PRIu64, brig_cg_blkio_to_io_weight(b->weight.v));
        if (write_ctrl(dir, "io", bfq ? "io.bfq.weight" : "io.weight", w) < 0)
            return -1;
    }
    for (size_t i = 0; i < b->n_weight_device; i++) {
        const struct brig_blkio_weight_device *d = &b->weight_device[i];
        if (!d->weight.set)
            continue;
        char line[96];
        uint64_t w = bfq ? d->weight.v : brig_cg_blkio_to_io_weight(d->weight.v);
        snprintf(line, sizeof line, "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor, w);
        if (write_ctrl(dir, "io", bfq ? "io.bfq.weight" : "io.weight", line) < 0)
            return -1;
    }
    if (b->leaf_weight.set)
        brig_debug("blockIO.leafWeight has no cgroup v2 equivalent: ignored");
    if (io_max(dir, "rbps", b->throttle_read_bps, b->n_throttle_read_bps) < 0 ||
        io_max(dir, "wbps", b->throttle_write_bps, b->n_throttle_write_bps) < 0 ||
        io_max(dir, "riops", b->throttle_read_iops, b->n_throttle_read_iops) < 0 ||
        io_max(dir, "wiops", b->throttle_write_iops, b->n_throttle_write_iops) < 0)
        return -1;
    return 0;
}

int brig_cg_v2_apply(const struct brig_cg_layout *l, const char *path,
                     const struct brig_resources *res, unsigned mask)
{
    if (!res)
        return 0;
    cleanup_free char *dir = brig_cg_v2_dir(l, path);
    if (res->memory && (mask & BRIG_CG_BIT(BRIG_CG_MEMORY)) && memory_apply(dir, res->memory) < 0)
        return -1;
    if (res->cpu && (mask & BRIG_CG_BIT(BRIG_CG_CPU)) && cpu_apply(dir, res->cpu) < 0)
        return -1;
    if (res->cpu && (mask & BRIG_CG_BIT(BRIG_CG_CPUSET))) {
        if (res->cpu->mems && *res->cpu->mems &&
            write_ctrl(dir, "cpuset", "cpuset.mems", res->cpu->mems) < 0)
            return -1;
        if (res->cpu->cpus && *res->cpu->cpus &&
            write_ctrl(dir, "cpuset", "cpuset.cpus", res->cpu->cpus) < 0)
            return -1;
    }
    if (res->pids_limit.set && (mask & BRIG_CG_BIT(BRIG_CG_PIDS))) {
        cleanup_free char *v = brig_cg_limit_str(res->pids_limit.v);
        if (write_ctrl(dir, "pids", "pids.max", v) < 0)
            return -1;
    }
    if (res->block_io && (mask & BRIG_CG_BIT(BRIG_CG_BLKIO)) && io_apply(dir, res->block_io) < 0)
        return -1;
    if (res->n_hugepage_limits && (mask & BRIG_CG_BIT(BRIG_CG_HUGETLB)) &&
        brig_cg_hugetlb_apply(dir, res, true) < 0)
        return -1;
    if (res->n_rdma && (mask & BRIG_CG_BIT(BRIG_CG_RDMA))) {
        if (!brig_cg_exists(dir, "rdma.max"))
            return missing(dir, "rdma.max", "rdma");
        if (brig_cg_rdma_apply(dir, res) < 0)
            return -1;
    }
    return 0;
}

int brig_cg_v2_unified(const char *dir, const struct brig_map *unified)
{
    for (size_t i = 0; i < unified->n; i++) {
        const char *k = unified->v[i].key, *v = unified->v[i].value;
        if (!*k || k[0] == '.' || strchr(k, '/'))
            return brig_fail(0, "linux.resources.unified: invalid key \"%s\"", k);
        if (!brig_cg_exists(dir, k)) {
            char ctrl[32];
            size_t n = strcspn(k, ".");
            snprintf(ctrl, sizeof ctrl, "%.*s", (int)(n < sizeof ctrl ? n : sizeof ctrl - 1), k);
            if (brig_cg_ctrl_from_name(ctrl) >= 0)
                return brig_fail(0, "linux.resources.unified: cannot set %s: the %s controller is not available in %s",
                                 k, ctrl, dir);
            return brig_fail(ENOENT, "linux.resources.unified: %s/%s", dir, k);
        }
        if (brig_cg_write(dir, k, v) < 0)
            return brig_fail_ctx("linux.resources.unified");
    }
    return 0;
}

/* The value of KEY in DIR/cgroup.events, or -1. */
static int64_t events_get(const char *dir, const char *key)
{
    char s[128]; /* "populated N\nfrozen N\n" */
    uint64_t v;
    if (!brig_cg_peek(dir, "cgroup.events", s, sizeof s) || !brig_cg_kv_get(s, key, &v))
        return -1;
    return (int64_t)v;
}

int brig_cg_v2_freeze(const char *dir, bool frozen)
{
    if (brig_cg_write(dir, "cgroup.freeze", frozen ? "1" : "0") < 0)
        return -1;
    for (unsigned i = 0; i < 600; i++) {
        int64_t v = events_get(dir, "frozen");
        if (v < 0)
            return -1;
        if (v == (frozen ? 1 : 0))
            return 0;
        brig_cg_sleep_ms(i < 20 ? 1 : 10);
    }
    if (frozen)
        brig_cg_write(dir, "cgroup.freeze", "0");
    return brig_fail(ETIMEDOUT, "%s %s", frozen ? "freeze" : "thaw", dir);
}

bool brig_cg_v2_is_frozen(const char *dir)
{
    int64_t v = events_get(dir, "frozen");
    brig_clear_error();
    return v == 1;
}

int brig_cg_v2_kill(const char *dir)
{
    /* Usually empty by now (delete after the init is gone): a read of
     * cgroup.events takes no lock, a write to cgroup.kill takes the
     * kernel's global cgroup mutex, which every concurrent create's
     * mkdir, attach and rmdir holds in turn. */
    if (events_get(dir, "populated") == 0)
        return 2;
    brig_clear_error();
    if (!brig_cg_exists(dir, "cgroup.kill"))
        return 0;
    if (brig_cg_write(dir, "cgroup.kill", "1") < 0)
        return -1;
    return 1;
}

bool brig_cg_v2_wait_empty(const char *dir, unsigned timeout_ms)
{
    unsigned waited = 0;
    for (unsigned i = 0;; i++) {
        int64_t v = events_get(dir, "populated");
        brig_clear_error();
        if (v <= 0)
            return true; /* empty, or gone */
        if (waited >= timeout_ms)
            return false;
        unsigned step = i < 20 ? 1 : 10;
        brig_cg_sleep_ms(step);
        waited += step;
    }
}

/* ---- stats ---- */

static void io_entries(yajl_gen g, const char *key, const char *stat, const char *rkey, const char *wkey)
{
    brig_json_key(g, key);
    yajl_gen_array_open(g);
    cleanup_free char *s = stat ? brig_xstrdup(stat) : NULL;
    char *save = NULL;
    for (char *line = s ? strtok_r(s, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
        unsigned maj, min;
        if (sscanf(line, "%u:%u", &maj, &min) != 2)
            continue;
        const char *keys[2] = { rkey, wkey }, *ops[2] = { "Read", "Write" };
        for (int k = 0; k < 2; k++) {
            char pat[32];
            snprintf(pat, sizeof pat, " %s=", keys[k]);
            const char *p = strstr(line, pat);
            if (!p)
                continue;
            yajl_gen_map_open(g);
            brig_cg_json_u64(g, "major", maj);
            brig_cg_json_u64(g, "minor", min);
            brig_json_key_str(g, "op", ops[k]);
            brig_cg_json_u64(g, "value", strtoull(p + strlen(pat), NULL, 10));
            yajl_gen_map_close(g);
        }
    }
    yajl_gen_array_close(g);
}

void brig_cg_v2_stats(const struct brig_cg_layout *l, const char *path, unsigned mask, yajl_gen g)
{
    cleanup_free char *dir = brig_cg_v2_dir(l, path);
    uint64_t v;
    if (mask & BRIG_CG_BIT(BRIG_CG_CPU)) {
        cleanup_free char *st = brig_cg_read(dir, "cpu.stat");
        if (st) {
            brig_json_key(g, "cpu");
            yajl_gen_map_open(g);
            brig_json_key(g, "usage");
            yajl_gen_map_open(g);
            if (brig_cg_kv_get(st, "usage_usec", &v))
                brig_cg_json_u64(g, "total", v * 1000);
            if (brig_cg_kv_get(st, "system_usec", &v))
                brig_cg_json_u64(g, "kernel", v * 1000);
            if (brig_cg_kv_get(st, "user_usec", &v))
                brig_cg_json_u64(g, "user", v * 1000);
            yajl_gen_map_close(g);
            brig_json_key(g, "throttling");
            yajl_gen_map_open(g);
            if (brig_cg_kv_get(st, "nr_periods", &v))
                brig_cg_json_u64(g, "periods", v);
            if (brig_cg_kv_get(st, "nr_throttled", &v))
                brig_cg_json_u64(g, "throttled_periods", v);
            if (brig_cg_kv_get(st, "throttled_usec", &v))
                brig_cg_json_u64(g, "throttled_time", v * 1000);
            yajl_gen_map_close(g);
            yajl_gen_map_close(g);
        }
    }
    if ((mask & BRIG_CG_BIT(BRIG_CG_MEMORY)) && brig_cg_exists(dir, "memory.current")) {
        brig_json_key(g, "memory");
        yajl_gen_map_open(g);
        cleanup_free char *st = brig_cg_read(dir, "memory.stat");
        cleanup_free char *ev = brig_cg_read(dir, "memory.events");
        if (st && brig_cg_kv_get(st, "file", &v))
            brig_cg_json_u64(g, "cache", v);
        brig_json_key(g, "usage");
        yajl_gen_map_open(g);
        brig_cg_json_file_u64(g, "limit", dir, "memory.max");
        brig_cg_json_file_u64(g, "usage", dir, "memory.current");
        brig_cg_json_file_u64(g, "max", dir, "memory.peak");
        if (ev && brig_cg_kv_get(ev, "max", &v))
            brig_cg_json_u64(g, "failcnt", v);
        yajl_gen_map_close(g);
        brig_json_key(g, "swap");
        yajl_gen_map_open(g);
        brig_cg_json_file_u64(g, "limit", dir, "memory.swap.max");
        brig_cg_json_file_u64(g, "usage", dir, "memory.swap.current");
        brig_cg_json_file_u64(g, "max", dir, "memory.swap.peak");
        yajl_gen_map_close(g);
        if (st)
            brig_cg_json_kv_object(g, "raw", st);
        if (ev && brig_cg_kv_get(ev, "oom_kill", &v))
            brig_cg_json_u64(g, "oom_kill", v);
        yajl_gen_map_close(g);
        brig_clear_error();
    }
    if ((mask & BRIG_CG_BIT(BRIG_CG_PIDS)) && brig_cg_exists(dir, "pids.current")) {
        brig_json_key(g, "pids");
        yajl_gen_map_open(g);
        brig_cg_json_file_u64(g, "current", dir, "pids.current");
        if (brig_cg_read_u64(dir, "pids.max", &v))
            brig_cg_json_u64(g, "limit", v == UINT64_MAX ? 0 : v);
        brig_clear_error();
        yajl_gen_map_close(g);
    }
    if ((mask & BRIG_CG_BIT(BRIG_CG_BLKIO)) && brig_cg_exists(dir, "io.stat")) {
        cleanup_free char *st = brig_cg_read(dir, "io.stat");
        brig_clear_error();
        brig_json_key(g, "blkio");
        yajl_gen_map_open(g);
        io_entries(g, "ioServiceBytesRecursive", st, "rbytes", "wbytes");
        io_entries(g, "ioServicedRecursive", st, "rios", "wios");
        yajl_gen_map_close(g);
    }
    if (mask & BRIG_CG_BIT(BRIG_CG_HUGETLB)) {
        static const char *const sizes[] = { "64KB", "2MB", "32MB", "512MB", "1GB", "16GB" };
        bool open = false;
        for (size_t i = 0; i < BRIG_ARRAY_SIZE(sizes); i++) {
            char f[64];
            snprintf(f, sizeof f, "hugetlb.%s.current", sizes[i]);
            if (!brig_cg_exists(dir, f))
                continue;
            if (!open) {
                brig_json_key(g, "hugetlb");
                yajl_gen_map_open(g);
                open = true;
            }
            brig_json_key(g, sizes[i]);
            yajl_gen_map_open(g);
            brig_cg_json_file_u64(g, "usage", dir, f);
            snprintf(f, sizeof f, "hugetlb.%s.max", sizes[i]);
            brig_cg_json_file_u64(g, "max", dir, f);
            snprintf(f, sizeof f, "hugetlb.%s.events", sizes[i]);
            cleanup_free char *ev = brig_cg_read(dir, f);
            brig_clear_error();
            if (ev && brig_cg_kv_get(ev, "max", &v))
                brig_cg_json_u64(g, "failcnt", v);
            yajl_gen_map_close(g);
        }
        if (open)
            yajl_gen_map_close(g);
    }
    brig_clear_error();
}
