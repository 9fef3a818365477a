/* brig: the linux section of config.json (namespaces, id mappings, devices,
 * resources, seccomp, ...).  See config_priv.h for the conventions. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "brig/oci.h"
#include "brig/internal.h"
#include "config_priv.h"

/* ---- namespaces ---- */

const char *brig_ns_type_name(enum brig_ns_type t)
{
    if ((unsigned)t >= BRIG_NS_COUNT)
        return NULL;
    return brig_ns_info[t].name;
}

const struct brig_namespace *brig_config_namespace(const struct brig_config *c, enum brig_ns_type t)
{
    if (!c || !c->linux_ || !c->linux_->namespaces)
        return NULL;
    for (size_t i = 0; i < c->linux_->n_namespaces; i++)
        if (c->linux_->namespaces[i].type == t)
            return &c->linux_->namespaces[i];
    return NULL;
}

static int parse_namespace(struct cfg_ctx *c, yajl_val o, struct brig_namespace *ns, unsigned *seen)
{
    char q[CFG_QUOTE_MAX];
    cleanup_free char *type = NULL;
    if (!YAJL_IS_OBJECT(o))
        return cfg_err(c, "expected an object");
    if (cfg_str(c, o, "type", true, &type) < 0)
        return -1;
    enum brig_ns_type t = brig_ns_from_name(type);
    if (t == BRIG_NS_COUNT)
        return cfg_err_key(c, "type", "unknown namespace type \"%s\"", cfg_quote(type, q, sizeof q));
    /* The spec makes a repeated type an error. */
    if (*seen & (1u << t))
        return cfg_err_key(c, "type", "duplicate namespace type \"%s\"", type);
    *seen |= 1u << t;
    ns->type = t;
    ns->clone_flag = brig_ns_info[t].clone_flag;
    if (cfg_str(c, o, "path", false, &ns->path) < 0)
        return -1;
    if (ns->path && ns->path[0] == '\0') {
        /* As with runc, an empty path means "create a new one". */
        free(ns->path);
        ns->path = NULL;
    }
    if (ns->path && ns->path[0] != '/')
        return cfg_err_key(c, "path", "must be an absolute path, got \"%s\"",
                           cfg_quote(ns->path, q, sizeof q));
    return 0;
}

/* ---- devices ---- */

static int parse_device(struct cfg_ctx *c, yajl_val o, void *elem)
{
    struct brig_device *d = elem;
    cleanup_free char *type = NULL;
    if (!YAJL_IS_OBJECT(o))
        return cfg_err(c, "expected an object");
    if (cfg_str(c, o, "path", true, &d->path) < 0 || cfg_str(c, o, "type", true, &type) < 0)
        return -1;
    if (strlen(type) != 1 || !strchr("cbup", type[0])) {
        char q[CFG_QUOTE_MAX];
        return cfg_err_key(c, "type", "unknown device type \"%s\" (expected c, b, u or p)",
                           cfg_quote(type, q, sizeof q));
    }
    d->type = type[0];
    /* A FIFO has no numbers; every other kind needs both. */
    bool need = d->type != 'p';
    if (cfg_i64(c, o, "major", need, INT64_MIN, INT64_MAX, &d->major) < 0 ||
        cfg_i64(c, o, "minor", need, INT64_MIN, INT64_MAX, &d->minor) < 0 ||
        cfg_opt_u32(c, o, "fileMode", UINT32_MAX, &d->file_mode) < 0 ||
        cfg_opt_u32(c, o, "uid", UINT32_MAX, &d->uid) < 0 ||
        cfg_opt_u32(c, o, "gid", UINT32_MAX, &d->gid) < 0)
        return -1;
    return 0;
}

/* ---- resources ---- */

static int parse_device_rule(struct cfg_ctx *c, yajl_val o, void *elem)
{
    struct brig_device_rule *d = elem;
    char q[CFG_QUOTE_MAX];
    cleanup_free char *type = NULL;
    if (!YAJL_IS_OBJECT(o))
        return cfg_err(c, "expected an object");
    int r = cfg_bool(c, o, "allow", &d->allow);
    if (r < 0)
        return -1;
    if (r == 0)
        return cfg_err_key(c, "allow", "required");
    if (cfg_str(c, o, "type", false, &type) < 0)
        return -1;
    d->type = 'a';
    if (type) {
        if (strlen(type) != 1 || !strchr("acb", type[0]))
            return cfg_err_key(c, "type", "unknown device type \"%s\" (expected a, c or b)",
                               cfg_quote(type, q, sizeof q));
        d->type = type[0];
    }
    if (cfg_opt_i64(c, o, "major", &d->major) < 0 || cfg_opt_i64(c, o, "minor", &d->minor) < 0 ||
        cfg_str(c, o, "access", false, &d->access) < 0)
        return -1;
    if (d->access && strspn(d->access, "rwm") != strlen(d->access))
        return cfg_err_key(c, "access", "invalid access \"%s\" (expected letters from rwm)",
                           cfg_quote(d->access, q, sizeof q));
    return 0;
}

static int parse_memory(struct cfg_ctx *c, yajl_val o, struct brig_memory *m)
{
    if (cfg_opt_i64(c, o, "limit", &m->limit) < 0 ||
        cfg_opt_i64(c, o, "reservation", &m->reservation) < 0 ||
        cfg_opt_i64(c, o, "swap", &m->swap) < 0 || cfg_opt_i64(c, o, "kernel", &m->kernel) < 0 ||
        cfg_opt_i64(c, o, "kernelTCP", &m->kernel_tcp) < 0 ||
        cfg_opt_u64(c, o, "swappiness", &m->swappiness) < 0 ||
        cfg_opt_bool(c, o, "disableOOMKiller", &m->disable_oom_killer) < 0 ||
        cfg_opt_bool(c, o, "useHierarchy", &m->use_hierarchy) < 0 ||
        cfg_opt_bool(c, o, "checkBeforeUpdate", &m->check_before_update) < 0)
        return -1;
    return 0;
}

static int parse_cpu(struct cfg_ctx *c, yajl_val o, struct brig_cpu *cpu)
{
    if (cfg_opt_u64(c, o, "shares", &cpu->shares) < 0 ||
        cfg_opt_i64(c, o, "quota", &cpu->quota) < 0 ||
        cfg_opt_u64(c, o, "burst", &cpu->burst) < 0 ||
        cfg_opt_u64(c, o, "period", &cpu->period) < 0 ||
        cfg_opt_i64(c, o, "realtimeRuntime", &cpu->realtime_runtime) < 0 ||
        cfg_opt_u64(c, o, "realtimePeriod", &cpu->realtime_period) < 0 ||
        cfg_str(c, o, "cpus", false, &cpu->cpus) < 0 || cfg_str(c, o, "mems", false, &cpu->mems) < 0 ||
        cfg_opt_i64(c, o, "idle", &cpu->idle) < 0)
        return -1;
    return 0;
}

/* An array member KEY of O whose entries are objects parsed by FN into a
 * new array of N elements of SIZE bytes. */
typedef int (*elem_fn)(struct cfg_ctx *c, yajl_val o, void *elem);

static int parse_array(struct cfg_ctx *c, yajl_val o, const char *key, size_t size, elem_fn fn,
                       void **v, size_t *n)
{
    yajl_val a;
    int r = cfg_array(c, o, key, false, &a);
    if (r <= 0)
        return r;
    size_t len = a->u.array.len;
    *v = brig_xcalloc(len ? len : 1, size);
    *n = len;
    size_t mark = cfg_push_key(c, key);
    for (size_t i = 0; i < len; i++) {
        yajl_val e = a->u.array.values[i];
        size_t imark = cfg_push_index(c, i);
        if (!YAJL_IS_OBJECT(e))
            return cfg_err(c, "expected an object");
        if (fn(c, e, (char *)*v + i * size) < 0)
            return -1;
        cfg_pop(c, imark);
    }
    cfg_pop(c, mark);
    return 1;
}

#define PARSE_ARRAY(c, o, key, fn, vec, count)                                                    \
    ({                                                                                             \
        void *v_ = NULL;                                                                           \
        int r_ = parse_array(c, o, key, sizeof **(vec), fn, &v_, count);                           \
        if (v_)                                                                                    \
            *(vec) = v_;                                                                           \
        r_;                                                                                        \
    })

static int parse_weight_device(struct cfg_ctx *c, yajl_val o, void *elem)
{
    struct brig_blkio_weight_device *d = elem;
    if (cfg_i64(c, o, "major", true, INT64_MIN, INT64_MAX, &d->major) < 0 ||
        cfg_i64(c, o, "minor", true, INT64_MIN, INT64_MAX, &d->minor) < 0 ||
        cfg_opt_u32(c, o, "weight", UINT16_MAX, &d->weight) < 0 ||
        cfg_opt_u32(c, o, "leafWeight", UINT16_MAX, &d->leaf_weight) < 0)
        return -1;
    return 0;
}

static int parse_throttle(struct cfg_ctx *c, yajl_val o, void *elem)
{
    struct brig_blkio_throttle_device *d = elem;
    if (cfg_i64(c, o, "major", true, INT64_MIN, INT64_MAX, &d->major) < 0 ||
        cfg_i64(c, o, "minor", true, INT64_MIN, INT64_MAX, &d->minor) < 0 ||
        cfg_u64(c, o, "rate", false, UINT64_MAX, &d->rate) < 0)
        return -1;
    return 0;
}

static int parse_blkio(struct cfg_ctx *c, yajl_val o, struct brig_blkio *b)
{
    if (cfg_opt_u32(c, o, "weight", UINT16_MAX, &b->weight) < 0 ||
        cfg_opt_u32(c, o, "leafWeight", UINT16_MAX, &b->leaf_weight) < 0 ||
        PARSE_ARRAY(c, o, "weightDevice", parse_weight_device, &b->weight_device,
                    &b->n_weight_device) < 0 ||
        PARSE_ARRAY(c, o, "throttleReadBpsDevice", parse_throttle, &b->throttle_read_bps,
                    &b->n_throttle_read_bps) < 0 ||
        PARSE_ARRAY(c, o, "throttleWriteBpsDevice", parse_throttle, &b->throttle_write_bps,
                    &b->n_throttle_write_bps) < 0 ||
        PARSE_ARRAY(c, o, "throttleReadIOPSDevice", parse_throttle, &b->throttle_read_iops,
                    &b->n_throttle_read_iops) < 0 ||
        PARSE_ARRAY(c, o, "throttleWriteIOPSDevice", parse_throttle, &b->throttle_write_iops,
                    &b->n_throttle_write_iops) < 0)
        return -1;
    return 0;
}

/* "2MB": it ends up in a cgroup file name, so hold it to the schema. */
static bool valid_page_size(const char *s)
{
    if (*s < '1' || *s > '9')
        return false;
    while (*s >= '0' && *s <= '9')
        s++;
    return (s[0] == 'K' || s[0] == 'M' || s[0] == 'G') && s[1] == 'B' && s[2] == '\0';
}

static int parse_hugepage(struct cfg_ctx *c, yajl_val o, void *elem)
{
    struct brig_hugepage_limit *h = elem;
    if (cfg_str(c, o, "pageSize", true, &h->page_size) < 0)
        return -1;
    if (!valid_page_size(h->page_size)) {
        char q[CFG_QUOTE_MAX];
        return cfg_err_key(c, "pageSize", "invalid page size \"%s\" (expected such as 2MB, 64KB, 1GB)",
                           cfg_quote(h->page_size, q, sizeof q));
    }
    return cfg_u64(c, o, "limit", true, UINT64_MAX, &h->limit) < 0 ? -1 : 0;
}

static int parse_net_priority(struct cfg_ctx *c, yajl_val o, void *elem)
{
    struct brig_net_priority *p = elem;
    if (cfg_str(c, o, "name", true, &p->name) < 0 ||
        cfg_u32(c, o, "priority", true, &p->priority) < 0)
        return -1;
    return 0;
}

static int parse_rdma(struct cfg_ctx *c, yajl_val o, struct brig_resources *r)
{
    yajl_val v;
    int res = cfg_object(c, o, "rdma", false, &v);
    if (res <= 0)
        return res;
    size_t n = v->u.object.len;
    r->rdma = brig_xcalloc(n ? n : 1, sizeof *r->rdma);
    r->n_rdma = n;
    size_t mark = cfg_push_key(c, "rdma");
    for (size_t i = 0; i < n; i++) {
        yajl_val e = v->u.object.values[i];
        struct brig_rdma_limit *l = &r->rdma[i];
        size_t kmark = cfg_push_map_key(c, v->u.object.keys[i]);
        l->device = brig_xstrdup(v->u.object.keys[i]);
        if (!YAJL_IS_OBJECT(e))
            return cfg_err(c, "expected an object");
        if (cfg_opt_u32(c, e, "hcaHandles", UINT32_MAX, &l->hca_handles) < 0 ||
            cfg_opt_u32(c, e, "hcaObjects", UINT32_MAX, &l->hca_objects) < 0)
            return -1;
        cfg_pop(c, kmark);
    }
    cfg_pop(c, mark);
    return 0;
}

/* unified keys name files of the container's own cgroup; the cgroup's
 * core interface files are not resources: cgroup.procs and cgroup.threads
 * would move any host process into the container's cgroup (under its
 * limits, its freezer, and delete's kill), cgroup.type, subtree_control,
 * freeze and kill change what the runtime manages.  Only the two core
 * files that are limits are kept. */
static bool core_limit(const char *k)
{
    return strcmp(k, "cgroup.max.descendants") == 0 || strcmp(k, "cgroup.max.depth") == 0;
}

static int check_unified(struct cfg_ctx *c, const struct brig_map *u)
{
    for (size_t i = 0; i < u->n; i++) {
        const char *k = u->v[i].key;
        bool not_a_file = !*k || k[0] == '.' || strchr(k, '/') || !strchr(k, '.');
        bool core = !not_a_file && strncmp(k, "cgroup.", 7) == 0 && !core_limit(k);
        if (!not_a_file && !core)
            continue;
        char q[CFG_QUOTE_MAX];
        cfg_quote(k, q, sizeof q);
        size_t mark = cfg_push_map_key(c, k);
        if (core)
            cfg_err(c, "%s is the cgroup's own interface, not a resource limit: refused", q);
        else
            cfg_err(c, "\"%s\" is not a file of a cgroup controller (CONTROLLER.FILE)", q);
        cfg_pop(c, mark);
        return -1;
    }
    return 0;
}

int cfg_parse_resources(struct cfg_ctx *c, yajl_val o, struct brig_resources *r)
{
    yajl_val v;
    int res;
    if (PARSE_ARRAY(c, o, "devices", parse_device_rule, &r->devices, &r->n_devices) < 0)
        return -1;
    SUB_OBJECT(c, o, "memory", &r->memory, parse_memory);
    SUB_OBJECT(c, o, "cpu", &r->cpu, parse_cpu);
    if ((res = cfg_object(c, o, "pids", false, &v)) < 0)
        return -1;
    if (res) {
        size_t mark = cfg_push_key(c, "pids");
        if (cfg_i64(c, v, "limit", true, INT64_MIN, INT64_MAX, &r->pids_limit.v) < 0)
            return -1;
        r->pids_limit.set = true;
        cfg_pop(c, mark);
    }
    SUB_OBJECT(c, o, "blockIO", &r->block_io, parse_blkio);
    if (PARSE_ARRAY(c, o, "hugepageLimits", parse_hugepage, &r->hugepage_limits,
                    &r->n_hugepage_limits) < 0)
        return -1;
    if ((res = cfg_object(c, o, "network", false, &v)) < 0)
        return -1;
    if (res) {
        size_t mark = cfg_push_key(c, "network");
        if (cfg_opt_u32(c, v, "classID", UINT32_MAX, &r->net_class_id) < 0 ||
            PARSE_ARRAY(c, v, "priorities", parse_net_priority, &r->net_priorities,
                        &r->n_net_priorities) < 0)
            return -1;
        cfg_pop(c, mark);
    }
    if (parse_rdma(c, o, r) < 0 || cfg_map(c, o, "unified", &r->unified) < 0)
        return -1;
    if (r->unified.n) {
        size_t mark = cfg_push_key(c, "unified");
        if (check_unified(c, &r->unified) < 0)
            return -1;
        cfg_pop(c, mark);
    }
    return 0;
}

void cfg_resources_clear(struct brig_resources *r)
{
    if (r->devices)
        for (size_t i = 0; i < r->n_devices; i++)
            free(r->devices[i].access);
    free(r->devices);
    free(r->memory);
    if (r->cpu) {
        free(r->cpu->cpus);
        free(r->cpu->mems);
    }
    free(r->cpu);
    if (r->block_io) {
        free(r->block_io->weight_device);
        free(r->block_io->throttle_read_bps);
        free(r->block_io->throttle_write_bps);
        free(r->block_io->throttle_read_iops);
        free(r->block_io->throttle_write_iops);
    }
    free(r->block_io);
    if (r->hugepage_limits)
        for (size_t i = 0; i < r->n_hugepage_limits; i++)
            free(r->hugepage_limits[i].page_size);
    free(r->hugepage_limits);
    if (r->net_priorities)
        for (size_t i = 0; i < r->n_net_priorities; i++)
            free(r->net_priorities[i].name);
    free(r->net_priorities);
    if (r->rdma)
        for (size_t i = 0; i < r->n_rdma; i++)
            free(r->rdma[i].device);
    free(r->rdma);
    cfg_map_clear(&r->unified);
    memset(r, 0, sizeof *r);
}

/* ---- seccomp ---- */

/* The names, from include/brig/seccomp_names.h. */
static const struct cfg_name seccomp_actions[] = {
#define ROW(e, name, ...) {name, BRIG_SECCOMP_##e},
    BRIG_SECCOMP_ACTIONS(ROW)
#undef ROW
    {NULL, 0},
};

static const struct cfg_name seccomp_ops[] = {
#define ROW(e, name, ...) {name, BRIG_SECCOMP_OP_##e},
    BRIG_SECCOMP_OPS(ROW)
#undef ROW
    {NULL, 0},
};

static const struct cfg_name seccomp_arches[] = {
#define ROW(name, ...) {name, 0},
    BRIG_SECCOMP_ARCHES(ROW)
#undef ROW
    {NULL, 0},
};

static const struct cfg_name seccomp_flags[] = {
#define ROW(name, ...) {name, 0},
    BRIG_SECCOMP_FLAGS(ROW)
#undef ROW
    {NULL, 0},
};

/* The spec: an errno with an action that cannot return one is an error. */
static int check_errno_action(struct cfg_ctx *c, const char *key, int action)
{
    if (brig_seccomp_actions[action].takes_ret)
        return 0;
    return cfg_err_key(c, key, "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
}

static int parse_seccomp_arg(struct cfg_ctx *c, yajl_val o, void *elem)
{
    struct brig_seccomp_arg *a = elem;
    int op = 0;
    uint64_t index = 0;
    /* Syscalls have six arguments, numbered 0 to 5. */
    if (cfg_u64(c, o, "index", true, 5, &index) < 0 ||
        cfg_u64(c, o, "value", true, UINT64_MAX, &a->value) < 0 ||
        cfg_u64(c, o, "valueTwo", false, UINT64_MAX, &a->value_two) < 0 ||
        cfg_enum(c, o, "op", true, seccomp_ops, "operator", &op, NULL) < 0)
        return -1;
    a->index = (uint32_t)index;
    a->op = (enum brig_seccomp_op)op;
    return 0;
}

static int parse_syscall(struct cfg_ctx *c, yajl_val o, void *elem)
{
    struct brig_seccomp_syscall *s = elem;
    int action = 0;
    if (cfg_strv(c, o, "names", &s->names) < 0)
        return -1;
    if (!s->names.v)
        return cfg_err_key(c, "names", "required");
    if (s->names.n == 0)
        return cfg_err_key(c, "names", "must not be empty");
    if (cfg_enum(c, o, "action", true, seccomp_actions, "action", &action, NULL) < 0)
        return -1;
    s->action = (enum brig_seccomp_action)action;
    if (cfg_opt_u32(c, o, "errnoRet", UINT32_MAX, &s->errno_ret) < 0)
        return -1;
    if (s->errno_ret.set && check_errno_action(c, "errnoRet", action) < 0)
        return -1;
    return PARSE_ARRAY(c, o, "args", parse_seccomp_arg, &s->args, &s->n_args) < 0 ? -1 : 0;
}

int cfg_parse_seccomp(struct cfg_ctx *c, yajl_val o, struct brig_seccomp *s)
{
    int action = 0;
    if (cfg_enum(c, o, "defaultAction", true, seccomp_actions, "action", &action, NULL) < 0)
        return -1;
    s->default_action = (enum brig_seccomp_action)action;
    if (cfg_opt_u32(c, o, "defaultErrnoRet", UINT32_MAX, &s->default_errno_ret) < 0)
        return -1;
    if (s->default_errno_ret.set && check_errno_action(c, "defaultErrnoRet", action) < 0)
        return -1;
    if (cfg_enum_strv(c, o, "architectures", seccomp_arches, "architecture", &s->architectures) < 0 ||
        cfg_enum_strv(c, o, "flags", seccomp_flags, "flag", &s->flags) < 0 ||
        cfg_str(c, o, "listenerPath", false, &s->listener_path) < 0 ||
        cfg_str(c, o, "listenerMetadata", false, &s->listener_metadata) < 0)
        return -1;
    if (s->listener_metadata && !s->listener_path)
        return cfg_err_key(c, "listenerMetadata", "not allowed without listenerPath");
    return PARSE_ARRAY(c, o, "syscalls", parse_syscall, &s->syscalls, &s->n_syscalls) < 0 ? -1 : 0;
}

void cfg_seccomp_clear(struct brig_seccomp *s)
{
    cfg_strv_clear(&s->architectures);
    cfg_strv_clear(&s->flags);
    free(s->listener_path);
    free(s->listener_metadata);
    if (s->syscalls)
        for (size_t i = 0; i < s->n_syscalls; i++) {
            cfg_strv_clear(&s->syscalls[i].names);
            free(s->syscalls[i].args);
        }
    free(s->syscalls);
    memset(s, 0, sizeof *s);
}

/* ---- the rest of linux ---- */

static const struct cfg_name propagations[] = {
    {"private", 0}, {"rprivate", 0}, {"shared", 0},     {"rshared", 0},
    {"slave", 0},   {"rslave", 0},   {"unbindable", 0}, {"runbindable", 0},
    {NULL, 0},
};

static const struct cfg_name personality_domains[] = {
    {"LINUX", 0},
    {"LINUX32", 0},
    {NULL, 0},
};

static int parse_personality(struct cfg_ctx *c, yajl_val o, struct brig_personality *p)
{
    if (cfg_enum(c, o, "domain", true, personality_domains, "personality domain", NULL,
                 &p->domain) < 0 ||
        cfg_strv(c, o, "flags", &p->flags) < 0)
        return -1;
    return 0;
}

/* set_mempolicy(2)'s modes and flags (linux/mempolicy.h values). */
static const struct cfg_name mempolicy_modes[] = {
    {"MPOL_DEFAULT", 0},        {"MPOL_PREFERRED", 1},       {"MPOL_BIND", 2},
    {"MPOL_INTERLEAVE", 3},     {"MPOL_LOCAL", 4},           {"MPOL_PREFERRED_MANY", 5},
    {"MPOL_WEIGHTED_INTERLEAVE", 6}, {NULL, 0},
};
static const struct cfg_name mempolicy_flags[] = {
    {"MPOL_F_STATIC_NODES", 1 << 15},
    {"MPOL_F_RELATIVE_NODES", 1 << 14},
    {"MPOL_F_NUMA_BALANCING", 1 << 13},
    {NULL, 0},
};

const char *brig_memory_policy_mode(size_t i)
{
    return i < BRIG_ARRAY_SIZE(mempolicy_modes) ? mempolicy_modes[i].name : NULL;
}

const char *brig_memory_policy_flag(size_t i)
{
    return i < BRIG_ARRAY_SIZE(mempolicy_flags) ? mempolicy_flags[i].name : NULL;
}

/* "0-3,7": node numbers and ranges into MASK. */
static int parse_nodes(struct cfg_ctx *c, const char *s, struct brig_memory_policy *mp)
{
    const char *p = s;
    while (*p) {
        char *end;
        errno = 0;
        unsigned long a = strtoul(p, &end, 10), b = a;
        if (end == p || *p < '0' || *p > '9' || errno)
            goto bad;
        p = end;
        if (*p == '-') {
            p++;
            if (*p < '0' || *p > '9')
                goto bad;
            b = strtoul(p, &end, 10);
            if (errno || b < a)
                goto bad;
            p = end;
        }
        if (b >= BRIG_MAX_NUMA_NODES)
            return cfg_err_key(c, "nodes", "node %lu is beyond the %d brig supports", b, BRIG_MAX_NUMA_NODES - 1);
        for (unsigned long n = a; n <= b; n++)
            mp->nodes[n / (8 * sizeof(unsigned long))] |= 1UL << (n % (8 * sizeof(unsigned long)));
        mp->has_nodes = true;
        if (*p == ',' && p[1])
            p++;
        else if (*p)
            goto bad;
    }
    return 0;
bad:;
    char q[CFG_QUOTE_MAX];
    return cfg_err_key(c, "nodes", "\"%s\" is not a list of nodes such as \"0-3,7\"", cfg_quote(s, q, sizeof q));
}

static int parse_memory_policy(struct cfg_ctx *c, yajl_val o, struct brig_memory_policy *mp)
{
    char *mode = NULL, *nodes = NULL;
    struct brig_strv flags = {0};
    int r = -1;
    if (cfg_enum(c, o, "mode", true, mempolicy_modes, "memory policy mode", &mp->mode, &mode) < 0 ||
        cfg_str(c, o, "nodes", false, &nodes) < 0 ||
        cfg_enum_strv(c, o, "flags", mempolicy_flags, "memory policy flag", &flags) < 0)
        goto out;
    for (size_t i = 0; i < flags.n; i++)
        mp->flags |= (unsigned)cfg_lookup(mempolicy_flags, flags.v[i])->value;
    if (nodes && parse_nodes(c, nodes, mp) < 0)
        goto out;
    /* set_mempolicy(2): these take no nodes, those at least one */
    bool none = mp->mode == 0 || mp->mode == 4;
    bool some = mp->mode == 2 || mp->mode == 3 || mp->mode == 5 || mp->mode == 6;
    if (none && mp->has_nodes)
        cfg_err_key(c, "nodes", "%s takes no nodes", mode);
    else if (some && !mp->has_nodes)
        cfg_err_key(c, "nodes", "%s needs at least one node", mode);
    else
        r = 0;
out:
    free(mode);
    free(nodes);
    cfg_strv_clear(&flags);
    return r;
}

static int parse_time_offset(struct cfg_ctx *c, yajl_val o, const char *key, struct brig_time_offset *t)
{
    yajl_val v;
    int r = cfg_object(c, o, key, false, &v);
    if (r <= 0)
        return r;
    size_t mark = cfg_push_key(c, key);
    if (cfg_i64(c, v, "secs", false, INT64_MIN, INT64_MAX, &t->secs) < 0 ||
        cfg_u32(c, v, "nanosecs", false, &t->nanosecs) < 0)
        return -1;
    cfg_pop(c, mark);
    t->set = true;
    return 0;
}

static int parse_net_devices(struct cfg_ctx *c, yajl_val o, struct brig_map *m)
{
    yajl_val v;
    int r = cfg_object(c, o, "netDevices", false, &v);
    if (r <= 0)
        return r;
    size_t n = v->u.object.len;
    m->v = brig_xcalloc(n ? n : 1, sizeof *m->v);
    m->n = n;
    size_t mark = cfg_push_key(c, "netDevices");
    for (size_t i = 0; i < n; i++) {
        yajl_val e = v->u.object.values[i];
        size_t kmark = cfg_push_map_key(c, v->u.object.keys[i]);
        m->v[i].key = brig_xstrdup(v->u.object.keys[i]);
        if (!YAJL_IS_OBJECT(e))
            return cfg_err(c, "expected an object");
        if (cfg_str(c, e, "name", false, &m->v[i].value) < 0)
            return -1;
        if (!m->v[i].value)
            m->v[i].value = brig_xstrdup(m->v[i].key);
        cfg_pop(c, kmark);
    }
    cfg_pop(c, mark);
    return 0;
}

static int parse_namespaces(struct cfg_ctx *c, yajl_val o, struct brig_linux *l)
{
    yajl_val a;
    int r = cfg_array(c, o, "namespaces", false, &a);
    if (r <= 0)
        return r;
    size_t n = a->u.array.len;
    unsigned seen = 0;
    l->namespaces = brig_xcalloc(n ? n : 1, sizeof *l->namespaces);
    l->n_namespaces = n;
    size_t mark = cfg_push_key(c, "namespaces");
    for (size_t i = 0; i < n; i++) {
        size_t imark = cfg_push_index(c, i);
        if (parse_namespace(c, a->u.array.values[i], &l->namespaces[i], &seen) < 0)
            return -1;
        cfg_pop(c, imark);
    }
    cfg_pop(c, mark);
    return 0;
}

static int parse_resources_obj(struct cfg_ctx *c, yajl_val o, struct brig_resources *r)
{
    return cfg_parse_resources(c, o, r);
}

static int parse_seccomp_obj(struct cfg_ctx *c, yajl_val o, struct brig_seccomp *s)
{
    return cfg_parse_seccomp(c, o, s);
}

int cfg_parse_linux(struct cfg_ctx *c, yajl_val o, struct brig_linux *l)
{
    if (cfg_idmaps(c, o, "uidMappings", &l->uid_mappings, &l->n_uid_mappings) < 0 ||
        cfg_idmaps(c, o, "gidMappings", &l->gid_mappings, &l->n_gid_mappings) < 0 ||
        cfg_map(c, o, "sysctl", &l->sysctl) < 0)
        return -1;
    SUB_OBJECT(c, o, "resources", &l->resources, parse_resources_obj);
    if (cfg_str(c, o, "cgroupsPath", false, &l->cgroups_path) < 0 || parse_namespaces(c, o, l) < 0 ||
        PARSE_ARRAY(c, o, "devices", parse_device, &l->devices, &l->n_devices) < 0)
        return -1;
    SUB_OBJECT(c, o, "seccomp", &l->seccomp, parse_seccomp_obj);
    if (cfg_str(c, o, "rootfsPropagation", false, &l->rootfs_propagation) < 0)
        return -1;
    /* "" is what Go's zero value writes: the same as absent. */
    if (l->rootfs_propagation && l->rootfs_propagation[0] &&
        !cfg_lookup(propagations, l->rootfs_propagation)) {
        char q[CFG_QUOTE_MAX];
        return cfg_err_key(c, "rootfsPropagation", "unknown propagation \"%s\"",
                           cfg_quote(l->rootfs_propagation, q, sizeof q));
    }
    if (cfg_abs_paths(c, o, "maskedPaths", &l->masked_paths) < 0 ||
        cfg_abs_paths(c, o, "readonlyPaths", &l->readonly_paths) < 0 ||
        cfg_str(c, o, "mountLabel", false, &l->mount_label) < 0)
        return -1;
    SUB_OBJECT(c, o, "personality", &l->personality, parse_personality);
    SUB_OBJECT(c, o, "memoryPolicy", &l->memory_policy, parse_memory_policy);

    yajl_val t;
    int r = cfg_object(c, o, "timeOffsets", false, &t);
    if (r < 0)
        return -1;
    if (r) {
        size_t mark = cfg_push_key(c, "timeOffsets");
        if (parse_time_offset(c, t, "monotonic", &l->time_monotonic) < 0 ||
            parse_time_offset(c, t, "boottime", &l->time_boottime) < 0)
            return -1;
        cfg_pop(c, mark);
    }
    return parse_net_devices(c, o, &l->net_devices);
}

void cfg_linux_clear(struct brig_linux *l)
{
    free(l->uid_mappings);
    free(l->gid_mappings);
    cfg_map_clear(&l->sysctl);
    brig_resources_free(l->resources);
    free(l->cgroups_path);
    if (l->namespaces)
        for (size_t i = 0; i < l->n_namespaces; i++)
            free(l->namespaces[i].path);
    free(l->namespaces);
    if (l->devices)
        for (size_t i = 0; i < l->n_devices; i++)
            free(l->devices[i].path);
    free(l->devices);
    brig_seccomp_free(l->seccomp);
    free(l->rootfs_propagation);
    cfg_strv_clear(&l->masked_paths);
    cfg_strv_clear(&l->readonly_paths);
    free(l->mount_label);
    if (l->personality) {
        free(l->personality->domain);
        cfg_strv_clear(&l->personality->flags);
    }
    free(l->personality);
    free(l->memory_policy);
    cfg_map_clear(&l->net_devices);
    memset(l, 0, sizeof *l);
}
