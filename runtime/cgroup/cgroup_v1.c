/* brig: cgroup v1 — one directory per mounted hierarchy, resources written
 * to each controller's files, the devices allow/deny lists, the freezer. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cgroup_internal.h"
#include "brig/internal.h"
#include "brig/json.h"

/* A cpuset with CPUs and sched_load_balance set (the kernel's default for
 * a new one) makes the kernel rebuild the scheduler domains when its CPUs
 * are set and again when it is removed: a walk of every cpuset on the host
 * under the global cpuset lock (0.5 ms of CPU each with 1,000 containers,
 * and concurrent creates queue behind it).  The flag means nothing below a
 * cpuset that has it (the kernel builds domains from the topmost balanced
 * cpusets and skips what is below them), so where the parent has it, the
 * new cgroup drops it while its CPUs are still empty: no rebuild, now or
 * at rmdir.  Scheduling is unchanged. */
static int cpuset_no_rebuild(const char *dir, const char *parent)
{
    cleanup_free char *lb = brig_cg_read(parent, "cpuset.sched_load_balance");
    if (!lb || lb[0] != '1') {
        brig_clear_error();
        return 0;
    }
    return brig_cg_write(dir, "cpuset.sched_load_balance", "0");
}

/* A new cpuset cgroup starts with empty cpus and mems, and nothing can join
 * it until they are filled: copy them from the parent.  Only in a cgroup
 * brig made (one it did not make is not brig's to change). */
static int cpuset_inherit(const char *dir, bool made, void *arg)
{
    (void)arg;
    if (!made)
        return 0;
    cleanup_free char *parent = brig_xstrdup(dir);
    char *slash = strrchr(parent, '/');
    if (!slash || slash == parent)
        return 0;
    *slash = '\0';
    static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(files); i++) {
        cleanup_free char *cur = brig_cg_read(dir, files[i]);
        if (!cur)
            return -1;
        if (cur[strspn(cur, " \n")] != '\0')
            continue; /* already set (cgroup.clone_children) */
        if (i == 0 && cpuset_no_rebuild(dir, parent) < 0)
            return -1;
        cleanup_free char *val = brig_cg_read(parent, files[i]);
        if (!val)
            return -1;
        val[strcspn(val, "\n")] = '\0';
        if (brig_cg_write(dir, files[i], val) < 0)
            return -1;
    }
    return 0;
}

int brig_cg_v1_mkdir(const struct brig_cg_layout *l, size_t i, const char *path,
                     struct brig_cgroup_own *own)
{
    bool cpuset = l->v1[i].ctrls & BRIG_CG_BIT(BRIG_CG_CPUSET);
    return brig_cg_mkdir_p(l->v1[i].mnt, path, own, NULL, cpuset ? cpuset_inherit : NULL, NULL);
}

/* ---- memory ---- */

/* v1 takes -1 for "unlimited"; compare limits with -1 as infinity. */
static bool above(int64_t a, int64_t b)
{
    if (a == -1)
        return b != -1;
    if (b == -1)
        return false;
    return a > b;
}

/* v1 refuses a limit below what the cgroup uses and cannot reclaim
 * (EBUSY): the init joins while the limits are written (split create), and
 * `update` lowers a running container's.  Say which limit, as an OOM-killed
 * set-up does (setup_oom.c). */
static int below_usage(const char *which, int64_t v)
{
    if (brig_last_errno() != EBUSY)
        return -1;
    return brig_fail_ctx("the container's memory %s, linux.resources.memory.%s = %lld bytes (%lld KiB), "
                         "is too small: the container already uses more and the kernel cannot reclaim it",
                         which, which, (long long)v, (long long)(v >> 10));
}

static int memory_apply(const char *dir, const struct brig_memory *m)
{
    /* runc treats 0 as "not set" for these; so do we. */
    bool lim = m->limit.set && m->limit.v != 0;
    bool swp = m->swap.set && m->swap.v != 0;
    /* An unlimited memory limit without a swap limit lifts memory+swap
     * too, as runc does (else the old memsw limit still binds). */
    struct brig_memory lifted;
    if (lim && m->limit.v == -1 && !swp && brig_cg_exists(dir, "memory.memsw.limit_in_bytes")) {
        lifted = *m;
        lifted.swap.set = true;
        lifted.swap.v = -1;
        m = &lifted;
        swp = true;
    }
    if (lim && m->limit.v < -1)
        return brig_fail(0, "invalid memory limit %lld", (long long)m->limit.v);
    if (swp) {
        if (!brig_cg_exists(dir, "memory.memsw.limit_in_bytes"))
            return brig_fail(0, "cannot set memory.swap: swap accounting is off in this kernel");
        if (lim && above(m->limit.v, m->swap.v))
            return brig_fail(0, "memory.swap (%lld) must not be smaller than memory.limit (%lld)",
                             (long long)m->swap.v, (long long)m->limit.v);
    }
    if (lim || swp) {
        /* The kernel keeps memsw >= limit at every step: raising the limit
         * above the current memsw needs memsw first. */
        int64_t cur_sw = -1;
        uint64_t v;
        if (brig_cg_read_u64(dir, "memory.memsw.limit_in_bytes", &v) && v < (uint64_t)INT64_MAX / 2)
            cur_sw = (int64_t)v;
        brig_clear_error();
        bool swap_first = swp && (!lim || above(m->limit.v, cur_sw));
        if (swap_first &&
            brig_cg_writef(dir, "memory.memsw.limit_in_bytes", "%lld", (long long)m->swap.v) < 0)
            return below_usage("swap", m->swap.v);
        if (lim && brig_cg_writef(dir, "memory.limit_in_bytes", "%lld", (long long)m->limit.v) < 0) {
            if (brig_last_errno() == EINVAL && !swp && above(m->limit.v, cur_sw))
                brig_fail_ctx("memory limit above the memory+swap limit (%lld); set --memory-swap too",
                              (long long)cur_sw);
            return below_usage("limit", m->limit.v);
        }
        if (swp && !swap_first &&
            brig_cg_writef(dir, "memory.memsw.limit_in_bytes", "%lld", (long long)m->swap.v) < 0)
            return below_usage("swap", m->swap.v);
    }
    if (m->reservation.set && m->reservation.v != 0 &&
        brig_cg_writef(dir, "memory.soft_limit_in_bytes", "%lld", (long long)m->reservation.v) < 0)
        return -1;
    /* Kernel memory limits are gone from recent kernels (the files may
     * stay but ignore writes); they are NOT RECOMMENDED by the spec. */
    if (m->kernel.set && m->kernel.v != 0) {
        if (!brig_cg_exists(dir, "memory.kmem.limit_in_bytes") ||
            brig_cg_writef(dir, "memory.kmem.limit_in_bytes", "%lld", (long long)m->kernel.v) < 0)
            brig_debug("kernel memory limit not applied: %s", brig_last_error());
    }
    if (m->kernel_tcp.set && m->kernel_tcp.v != 0 &&
        brig_cg_writef(dir, "memory.kmem.tcp.limit_in_bytes", "%lld", (long long)m->kernel_tcp.v) < 0)
        return -1;
    if (m->swappiness.set) {
        if (m->swappiness.v > 100)
            return brig_fail(0, "invalid memory swappiness %llu (must be 0..100)",
                             (unsigned long long)m->swappiness.v);
        if (brig_cg_writef(dir, "memory.swappiness", "%llu", (unsigned long long)m->swappiness.v) < 0)
            return -1;
    }
    if (m->disable_oom_killer.set &&
        brig_cg_write(dir, "memory.oom_control", m->disable_oom_killer.v ? "1" : "0") < 0)
        return -1;
    if (m->use_hierarchy.set) {
        uint64_t cur;
        if (!brig_cg_read_u64(dir, "memory.use_hierarchy", &cur) || cur != (m->use_hierarchy.v ? 1 : 0)) {
            if (brig_cg_write(dir, "memory.use_hierarchy", m->use_hierarchy.v ? "1" : "0") < 0)
                return -1;
        }
    }
    return 0;
}

/* ---- cpu ---- */

/* Write two related files in order, retrying in the other order when the
 * kernel rejects an intermediate state (quota/period, rt runtime/period). */
static int write_pair(const char *dir, const char *f1, const char *v1, const char *f2, const char *v2)
{
    if (!v1)
        return v2 ? brig_cg_write(dir, f2, v2) : 0;
    if (!v2)
        return brig_cg_write(dir, f1, v1);
    if (brig_cg_write(dir, f1, v1) == 0)
        return brig_cg_write(dir, f2, v2);
    if (brig_last_errno() != EINVAL)
        return -1;
    if (brig_cg_write(dir, f2, v2) < 0)
        return -1;
    return brig_cg_write(dir, f1, v1);
}

static int cpu_apply(const char *dir, const struct brig_cpu *c)
{
    if (c->shares.set && c->shares.v != 0) {
        if (brig_cg_writef(dir, "cpu.shares", "%llu", (unsigned long long)c->shares.v) < 0)
            return -1;
        uint64_t got;
        if (brig_cg_read_u64(dir, "cpu.shares", &got) && got != c->shares.v)
            return brig_fail(0, "cpu.shares %llu is out of range (the kernel set %llu)",
                             (unsigned long long)c->shares.v, (unsigned long long)got);
    }
    cleanup_free char *period = c->period.set && c->period.v != 0
                                    ? brig_xasprintf("%llu", (unsigned long long)c->period.v) : NULL;
    cleanup_free char *quota = c->quota.set && c->quota.v != 0
                                   ? brig_xasprintf("%lld", c->quota.v < 0 ? -1LL : (long long)c->quota.v)
                                   : NULL;
    if (write_pair(dir, "cpu.cfs_period_us", period, "cpu.cfs_quota_us", quota) < 0)
        return -1;
    if (c->burst.set && brig_cg_writef(dir, "cpu.cfs_burst_us", "%llu", (unsigned long long)c->burst.v) < 0)
        return -1;
    cleanup_free char *rtp = c->realtime_period.set && c->realtime_period.v != 0
                                 ? brig_xasprintf("%llu", (unsigned long long)c->realtime_period.v) : NULL;
    cleanup_free char *rtr = c->realtime_runtime.set
                                 ? brig_xasprintf("%lld", (long long)c->realtime_runtime.v) : NULL;
    if (write_pair(dir, "cpu.rt_period_us", rtp, "cpu.rt_runtime_us", rtr) < 0)
        return -1;
    if (c->idle.set && brig_cg_writef(dir, "cpu.idle", "%lld", (long long)c->idle.v) < 0)
        return -1;
    return 0;
}

static int cpuset_apply(const char *dir, const struct brig_cpu *c)
{
    /* mems first: a cpu list is checked against the memory nodes too */
    if (c->mems && *c->mems && brig_cg_write(dir, "cpuset.mems", c->mems) < 0)
        return -1;
    if (c->cpus && *c->cpus && brig_cg_write(dir, "cpuset.cpus", c->cpus) < 0)
        return -1;
    return 0;
}

/* ---- blkio ---- */

static int throttle(const char *dir, const char *file, const struct brig_blkio_throttle_device *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (brig_cg_writef(dir, file, "%lld:%lld %llu", (long long)d[i].major, (long long)d[i].minor,
                           (unsigned long long)d[i].rate) < 0)
            return -1;
    return 0;
}

static int blkio_apply(const char *dir, const struct brig_blkio *b)
{
    /* CFQ had blkio.weight; with BFQ the files are blkio.bfq.* */
    bool cfq = brig_cg_exists(dir, "blkio.weight");
    if (b->weight.set && b->weight.v != 0 &&
        brig_cg_writef(dir, cfq ? "blkio.weight" : "blkio.bfq.weight", "%u", b->weight.v) < 0)
        return -1;
    if (b->leaf_weight.set && b->leaf_weight.v != 0 &&
        brig_cg_writef(dir, "blkio.leaf_weight", "%u", b->leaf_weight.v) < 0)
        return -1;
    for (size_t i = 0; i < b->n_weight_device; i++) {
        const struct brig_blkio_weight_device *w = &b->weight_device[i];
        if (w->weight.set &&
            brig_cg_writef(dir, cfq ? "blkio.weight_device" : "blkio.bfq.weight_device",
                           "%lld:%lld %u", (long long)w->major, (long long)w->minor, w->weight.v) < 0)
            return -1;
        if (w->leaf_weight.set &&
            brig_cg_writef(dir, "blkio.leaf_weight_device", "%lld:%lld %u", (long long)w->major,
                           (long long)w->minor, w->leaf_weight.v) < 0)
            return -1;
    }
    if (throttle(dir, "blkio.throttle.read_bps_device", b->throttle_read_bps, b->n_throttle_read_bps) < 0 ||
        throttle(dir, "blkio.throttle.write_bps_device", b->throttle_write_bps, b->n_throttle_write_bps) < 0 ||
        throttle(dir, "blkio.throttle.read_iops_device", b->throttle_read_iops, b->n_throttle_read_iops) < 0 ||
        throttle(dir, "blkio.throttle.write_iops_device", b->throttle_write_iops, b->n_throttle_write_iops) < 0)
        return -1;
    return 0;
}

/* ---- the rest ---- */

int brig_cg_hugetlb_apply(const char *dir, const struct brig_resources *res, bool v2)
{
    for (size_t i = 0; i < res->n_hugepage_limits; i++) {
        const struct brig_hugepage_limit *h = &res->hugepage_limits[i];
        uint64_t bytes;
        if (!brig_cg_hugepage_size(h->page_size, &bytes))
            return brig_fail(0, "invalid hugepage size \"%s\"", h->page_size);
        cleanup_free char *file = brig_xasprintf(v2 ? "hugetlb.%s.max" : "hugetlb.%s.limit_in_bytes",
                                                 h->page_size);
        if (!brig_cg_exists(dir, file))
            return brig_fail(0, "hugepage size %s is not supported by this kernel", h->page_size);
        if (brig_cg_writef(dir, file, "%llu", (unsigned long long)h->limit) < 0)
            return -1;
    }
    return 0;
}

int brig_cg_rdma_apply(const char *dir, const struct brig_resources *res)
{
    for (size_t i = 0; i < res->n_rdma; i++) {
        const struct brig_rdma_limit *r = &res->rdma[i];
        if (strpbrk(r->device, " \n"))
            return brig_fail(0, "invalid rdma device name \"%s\"", r->device);
        char h[32] = "", o[32] = "";
        if (r->hca_handles.set)
            snprintf(h, sizeof h, " hca_handle=%u", r->hca_handles.v);
        if (r->hca_objects.set)
            snprintf(o, sizeof o, " hca_object=%u", r->hca_objects.v);
        if (!*h && !*o)
            continue;
        if (brig_cg_writef(dir, "rdma.max", "%s%s%s", r->device, h, o) < 0)
            return -1;
    }
    return 0;
}

/* The directory of controller C when it is on v1 and RES uses it. */
static char *dir_for(const struct brig_cg_layout *l, enum brig_cg_ctrl c, const char *path)
{
    if (!(l->v1_ctrls & BRIG_CG_BIT(c)))
        return NULL;
    return brig_cg_v1_dir(l, c, path);
}

int brig_cg_v1_apply(const struct brig_cg_layout *l, const char *path,
                     const struct brig_resources *res, bool update)
{
    (void)update;
    if (!res)
        return 0;
    cleanup_free char *mem = res->memory ? dir_for(l, BRIG_CG_MEMORY, path) : NULL;
    if (mem && memory_apply(mem, res->memory) < 0)
        return -1;
    if (res->cpu) {
        cleanup_free char *cpu = dir_for(l, BRIG_CG_CPU, path);
        if (cpu && cpu_apply(cpu, res->cpu) < 0)
            return -1;
        cleanup_free char *cs = dir_for(l, BRIG_CG_CPUSET, path);
        if (cs && cpuset_apply(cs, res->cpu) < 0)
            return -1;
    }
    if (res->pids_limit.set) {
        cleanup_free char *d = dir_for(l, BRIG_CG_PIDS, path);
        cleanup_free char *v = brig_cg_limit_str(res->pids_limit.v);
        if (d && brig_cg_write(d, "pids.max", v) < 0)
            return -1;
    }
    if (res->block_io) {
        cleanup_free char *d = dir_for(l, BRIG_CG_BLKIO, path);
        if (d && blkio_apply(d, res->block_io) < 0)
            return -1;
    }
    if (res->n_hugepage_limits) {
        cleanup_free char *d = dir_for(l, BRIG_CG_HUGETLB, path);
        if (d && brig_cg_hugetlb_apply(d, res, false) < 0)
            return -1;
    }
    if (res->net_class_id.set) {
        cleanup_free char *d = dir_for(l, BRIG_CG_NET_CLS, path);
        if (d && brig_cg_writef(d, "net_cls.classid", "%u", res->net_class_id.v) < 0)
            return -1;
    }
    if (res->n_net_priorities) {
        cleanup_free char *d = dir_for(l, BRIG_CG_NET_PRIO, path);
        for (size_t i = 0; d && i < res->n_net_priorities; i++) {
            const struct brig_net_priority *p = &res->net_priorities[i];
            if (strpbrk(p->name, " \n"))
                return brig_fail(0, "invalid interface name \"%s\"", p->name);
            if (brig_cg_writef(d, "net_prio.ifpriomap", "%s %u", p->name, p->priority) < 0)
                return -1;
        }
    }
    if (res->n_rdma) {
        cleanup_free char *d = dir_for(l, BRIG_CG_RDMA, path);
        if (d && brig_cg_rdma_apply(d, res) < 0)
            return -1;
    }
    return 0;
}

/* ---- devices ---- */

int brig_cg_v1_devices(const struct brig_cg_layout *l, const char *path,
                       const struct brig_device_rule *r, size_t n)
{
    cleanup_free char *d = brig_cg_v1_dir(l, BRIG_CG_DEVICES, path);
    if (!d)
        return brig_fail(0, "the devices controller is not mounted");
    bool allow_all, exact;
    size_t nex;
    struct brig_device_rule *ex = brig_cg_device_v1_list(r, n, &allow_all, &exact, &nex);
    if (!exact)
        brig_debug("device rules: cgroup v1 cannot express a rule that narrows an earlier one; denying more");
    /* "a" sets the default and clears every exception; then the exceptions.
     * Each write is one rule: one open of each file serves them all. */
    cleanup_fd int allow = -1, deny = -1;
    cleanup_free char *pa = brig_xasprintf("%s/devices.allow", d);
    cleanup_free char *pd = brig_xasprintf("%s/devices.deny", d);
    int ret = 0;
    for (size_t i = 0; ret == 0 && i <= nex; i++) {
        bool al = i == 0 ? allow_all : ex[i - 1].allow;
        cleanup_free char *s = i == 0 ? brig_xstrdup("a") : brig_cg_device_rule_str(&ex[i - 1]);
        int *fd = al ? &allow : &deny;
        const char *p = al ? pa : pd;
        if (*fd < 0 && (*fd = brig_cg_open(p, O_WRONLY | O_CLOEXEC)) < 0)
            ret = brig_fail(errno, "open %s", p);
        else
            ret = brig_cg_write_fd(*fd, p, s);
    }
    brig_cg_device_rules_free(ex, nex);
    return ret < 0 ? brig_fail_ctx("devices") : 0;
}

/* ---- freezer ---- */

int brig_cg_v1_freeze(const char *dir, bool frozen)
{
    const char *want = frozen ? "FROZEN" : "THAWED";
    /* Freezing may stall on tasks in uninterruptible sleep: keep asking
     * for a while, then give up and thaw rather than leave it half done. */
    for (unsigned i = 0; i < 1000; i++) {
        if (i % 50 == 0 && brig_cg_write(dir, "freezer.state", want) < 0)
            return -1;
        cleanup_free char *s = brig_cg_read(dir, "freezer.state");
        if (!s)
            return -1;
        if (strncmp(s, want, strlen(want)) == 0)
            return 0;
        brig_cg_sleep_ms(i < 20 ? 1 : 10);
    }
    if (frozen)
        brig_cg_write(dir, "freezer.state", "THAWED");
    return brig_fail(ETIMEDOUT, "%s %s", frozen ? "freeze" : "thaw", dir);
}

/* ---- stats ---- */

static void entry(yajl_gen g, const char *key, const char *dir, const char *prefix)
{
    char f[128];
    brig_json_key(g, key);
    yajl_gen_map_open(g);
    snprintf(f, sizeof f, "%s.limit_in_bytes", prefix);
    brig_cg_json_file_u64(g, "limit", dir, f);
    snprintf(f, sizeof f, "%s.usage_in_bytes", prefix);
    brig_cg_json_file_u64(g, "usage", dir, f);
    snprintf(f, sizeof f, "%s.max_usage_in_bytes", prefix);
    brig_cg_json_file_u64(g, "max", dir, f);
    snprintf(f, sizeof f, "%s.failcnt", prefix);
    brig_cg_json_file_u64(g, "failcnt", dir, f);
    yajl_gen_map_close(g);
}

static void u64_list(yajl_gen g, const char *key, const char *text)
{
    brig_json_key(g, key);
    yajl_gen_array_open(g);
    char *dup = brig_xstrdup(text), *save = NULL;
    for (char *t = strtok_r(dup, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
        uint64_t v;
        if (brig_parse_u64(t, &v)) {
            char num[24];
            int n = snprintf(num, sizeof num, "%llu", (unsigned long long)v);
            yajl_gen_number(g, num, (size_t)n);
        }
    }
    free(dup);
    yajl_gen_array_close(g);
}

/* "8:0 Read 4096" lines -> [{"major":8,"minor":0,"op":"Read","value":4096}] */
static void blkio_entries(yajl_gen g, const char *key, const char *dir, const char *file)
{
    cleanup_free char *s = brig_cg_read(dir, file);
    brig_clear_error();
    brig_json_key(g, key);
    yajl_gen_array_open(g);
    char *save = NULL;
    for (char *line = s ? strtok_r(s, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
        unsigned maj, min;
        char op[32];
        unsigned long long v;
        if (sscanf(line, "%u:%u %31s %llu", &maj, &min, op, &v) != 4)
            continue;
        yajl_gen_map_open(g);
        brig_cg_json_u64(g, "major", maj);
        brig_cg_json_u64(g, "minor", min);
        brig_json_key_str(g, "op", op);
        brig_cg_json_u64(g, "value", v);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
}

void brig_cg_v1_stats(const struct brig_cg_layout *l, const char *path, yajl_gen g)
{
    cleanup_free char *acct = dir_for(l, BRIG_CG_CPUACCT, path);
    cleanup_free char *cpu = dir_for(l, BRIG_CG_CPU, path);
    if (acct || cpu) {
        brig_json_key(g, "cpu");
        yajl_gen_map_open(g);
        if (acct) {
            brig_json_key(g, "usage");
            yajl_gen_map_open(g);
            brig_cg_json_file_u64(g, "total", acct, "cpuacct.usage");
            cleanup_free char *pc = brig_cg_read(acct, "cpuacct.usage_percpu");
            if (pc)
                u64_list(g, "percpu", pc);
            cleanup_free char *pk = brig_cg_read(acct, "cpuacct.usage_percpu_sys");
            if (pk)
                u64_list(g, "percpu_kernel", pk);
            cleanup_free char *pu = brig_cg_read(acct, "cpuacct.usage_percpu_user");
            if (pu)
                u64_list(g, "percpu_user", pu);
            cleanup_free char *st = brig_cg_read(acct, "cpuacct.stat");
            uint64_t v;
            long hz = sysconf(_SC_CLK_TCK);
            if (hz <= 0)
                hz = 100;
            if (st && brig_cg_kv_get(st, "system", &v))
                brig_cg_json_u64(g, "kernel", v * (1000000000ULL / (uint64_t)hz));
            if (st && brig_cg_kv_get(st, "user", &v))
                brig_cg_json_u64(g, "user", v * (1000000000ULL / (uint64_t)hz));
            brig_clear_error();
            yajl_gen_map_close(g);
        }
        cleanup_free char *cs = cpu ? brig_cg_read(cpu, "cpu.stat") : NULL;
        brig_clear_error();
        if (cs) {
            uint64_t v;
            brig_json_key(g, "throttling");
            yajl_gen_map_open(g);
            if (brig_cg_kv_get(cs, "nr_periods", &v))
                brig_cg_json_u64(g, "periods", v);
            if (brig_cg_kv_get(cs, "nr_throttled", &v))
                brig_cg_json_u64(g, "throttled_periods", v);
            if (brig_cg_kv_get(cs, "throttled_time", &v))
                brig_cg_json_u64(g, "throttled_time", v);
            yajl_gen_map_close(g);
        }
        yajl_gen_map_close(g);
    }
    cleanup_free char *mem = dir_for(l, BRIG_CG_MEMORY, path);
    if (mem) {
        brig_json_key(g, "memory");
        yajl_gen_map_open(g);
        cleanup_free char *st = brig_cg_read(mem, "memory.stat");
        brig_clear_error();
        uint64_t v;
        if (st && brig_cg_kv_get(st, "total_cache", &v))
            brig_cg_json_u64(g, "cache", v);
        entry(g, "usage", mem, "memory");
        entry(g, "swap", mem, "memory.memsw");
        entry(g, "kernel", mem, "memory.kmem");
        entry(g, "kernelTCP", mem, "memory.kmem.tcp");
        if (st)
            brig_cg_json_kv_object(g, "raw", st);
        cleanup_free char *oc = brig_cg_read(mem, "memory.oom_control");
        brig_clear_error();
        if (oc && brig_cg_kv_get(oc, "under_oom", &v))
            brig_json_key_bool(g, "under_oom", v != 0);
        yajl_gen_map_close(g);
    }
    cleanup_free char *pids = dir_for(l, BRIG_CG_PIDS, path);
    if (pids) {
        brig_json_key(g, "pids");
        yajl_gen_map_open(g);
        brig_cg_json_file_u64(g, "current", pids, "pids.current");
        uint64_t v;
        if (brig_cg_read_u64(pids, "pids.max", &v))
            brig_cg_json_u64(g, "limit", v == UINT64_MAX ? 0 : v);
        brig_clear_error();
        yajl_gen_map_close(g);
    }
    cleanup_free char *blk = dir_for(l, BRIG_CG_BLKIO, path);
    if (blk) {
        brig_json_key(g, "blkio");
        yajl_gen_map_open(g);
        blkio_entries(g, "ioServiceBytesRecursive", blk, "blkio.throttle.io_service_bytes_recursive");
        blkio_entries(g, "ioServicedRecursive", blk, "blkio.throttle.io_serviced_recursive");
        yajl_gen_map_close(g);
    }
    cleanup_free char *huge = dir_for(l, BRIG_CG_HUGETLB, path);
    if (huge) {
        brig_json_key(g, "hugetlb");
        yajl_gen_map_open(g);
        static const char *const sizes[] = { "64KB", "2MB", "32MB", "512MB", "1GB", "16GB" };
        for (size_t i = 0; i < BRIG_ARRAY_SIZE(sizes); i++) {
            char f[64];
            snprintf(f, sizeof f, "hugetlb.%s.usage_in_bytes", sizes[i]);
            if (!brig_cg_exists(huge, f))
                continue;
            brig_json_key(g, sizes[i]);
            yajl_gen_map_open(g);
            brig_cg_json_file_u64(g, "usage", huge, f);
            snprintf(f, sizeof f, "hugetlb.%s.max_usage_in_bytes", sizes[i]);
            brig_cg_json_file_u64(g, "max", huge, f);
            snprintf(f, sizeof f, "hugetlb.%s.failcnt", sizes[i]);
            brig_cg_json_file_u64(g, "failcnt", huge, f);
            yajl_gen_map_close(g);
        }
        yajl_gen_map_close(g);
    }
}
