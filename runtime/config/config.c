/* brig: config.json into struct brig_config (include/brig/oci.h).
 *
 * This file holds the platform-neutral parts (ociVersion, root, mounts,
 * process, hooks, annotations) and the public entry points; the linux
 * section is in config_linux.c and the typed JSON access in config_read.c.
 * The parser validates types, required fields and enumerated values; what
 * depends on the host (does the path exist, does the kernel allow it) is
 * checked where it is used. */
#include "config.h"

#include <string.h>
#include <sys/resource.h>

#include "brig/oci.h"
#include "brig/internal.h"
#include "config_priv.h"

/* ---- ociVersion ---- */

/* A SemVer numeric field: "0" or digits without a leading zero. */
static bool semver_number(const char **p)
{
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return false;
    if (*s == '0' && s[1] >= '0' && s[1] <= '9')
        return false;
    while (*s >= '0' && *s <= '9')
        s++;
    *p = s;
    return true;
}

/* Dot-separated non-empty identifiers of [0-9A-Za-z-] (pre-release, build). */
static bool semver_idents(const char **p)
{
    const char *s = *p;
    for (;;) {
        const char *start = s;
        while ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
               *s == '-')
            s++;
        if (s == start)
            return false;
        if (*s != '.')
            break;
        s++;
    }
    *p = s;
    return true;
}

static int check_version(struct cfg_ctx *c, const char *v)
{
    char q[CFG_QUOTE_MAX];
    const char *p = v;
    bool ok = semver_number(&p) && *p++ == '.' && semver_number(&p) && *p++ == '.' &&
              semver_number(&p);
    if (ok && *p == '-') {
        p++;
        ok = semver_idents(&p);
    }
    if (ok && *p == '+') {
        p++;
        ok = semver_idents(&p);
    }
    if (!ok || *p != '\0')
        return cfg_err_key(c, "ociVersion", "malformed version \"%s\" (expected SemVer such as 1.0.2)",
                           cfg_quote(v, q, sizeof q));
    if (v[0] != '1' || v[1] != '.')
        return cfg_err_key(c, "ociVersion", "unsupported version \"%s\" (brig supports 1.x)",
                           cfg_quote(v, q, sizeof q));
    return 0;
}

/* ---- root, mounts, hooks ---- */

static int parse_root(struct cfg_ctx *c, yajl_val o, struct brig_root *root)
{
    if (cfg_str(c, o, "path", true, &root->path) < 0 || cfg_bool(c, o, "readonly", &root->readonly) < 0)
        return -1;
    if (root->path[0] == '\0')
        return cfg_err_key(c, "path", "must not be empty");
    return 0;
}

static int parse_mount(struct cfg_ctx *c, yajl_val o, struct brig_mount *m)
{
    if (!YAJL_IS_OBJECT(o))
        return cfg_err(c, "expected an object");
    if (cfg_str(c, o, "destination", true, &m->destination) < 0 ||
        cfg_str(c, o, "source", false, &m->source) < 0 ||
        cfg_str(c, o, "type", false, &m->type) < 0 ||
        cfg_strv(c, o, "options", &m->options) < 0 ||
        cfg_idmaps(c, o, "uidMappings", &m->uid_mappings, &m->n_uid_mappings) < 0 ||
        cfg_idmaps(c, o, "gidMappings", &m->gid_mappings, &m->n_gid_mappings) < 0)
        return -1;
    return 0;
}

static int parse_mounts(struct cfg_ctx *c, yajl_val o, struct brig_config *cfg)
{
    yajl_val a;
    int r = cfg_array(c, o, "mounts", false, &a);
    if (r <= 0)
        return r;
    size_t n = a->u.array.len;
    cfg->mounts = brig_xcalloc(n ? n : 1, sizeof *cfg->mounts);
    cfg->n_mounts = n;
    size_t mark = cfg_push_key(c, "mounts");
    for (size_t i = 0; i < n; i++) {
        size_t imark = cfg_push_index(c, i);
        if (parse_mount(c, a->u.array.values[i], &cfg->mounts[i]) < 0)
            return -1;
        cfg_pop(c, imark);
    }
    cfg_pop(c, mark);
    return 0;
}

static int parse_hook(struct cfg_ctx *c, yajl_val o, struct brig_hook *h)
{
    if (!YAJL_IS_OBJECT(o))
        return cfg_err(c, "expected an object");
    if (cfg_str(c, o, "path", true, &h->path) < 0)
        return -1;
    if (h->path[0] != '/') {
        char q[CFG_QUOTE_MAX];
        return cfg_err_key(c, "path", "must be an absolute path, got \"%s\"",
                           cfg_quote(h->path, q, sizeof q));
    }
    if (cfg_strv(c, o, "args", &h->args) < 0 || cfg_strv(c, o, "env", &h->env) < 0 ||
        cfg_opt_i32(c, o, "timeout", 1, INT32_MAX, &h->timeout) < 0)
        return -1;
    return 0;
}

static int parse_hook_list(struct cfg_ctx *c, yajl_val o, const char *key, struct brig_hook_list *l)
{
    yajl_val a;
    int r = cfg_array(c, o, key, false, &a);
    if (r <= 0)
        return r;
    size_t n = a->u.array.len;
    l->v = brig_xcalloc(n ? n : 1, sizeof *l->v);
    l->n = n;
    size_t mark = cfg_push_key(c, key);
    for (size_t i = 0; i < n; i++) {
        size_t imark = cfg_push_index(c, i);
        if (parse_hook(c, a->u.array.values[i], &l->v[i]) < 0)
            return -1;
        cfg_pop(c, imark);
    }
    cfg_pop(c, mark);
    return 0;
}

static int parse_hooks(struct cfg_ctx *c, yajl_val o, struct brig_hooks *h)
{
    if (parse_hook_list(c, o, "prestart", &h->prestart) < 0 ||
        parse_hook_list(c, o, "createRuntime", &h->create_runtime) < 0 ||
        parse_hook_list(c, o, "createContainer", &h->create_container) < 0 ||
        parse_hook_list(c, o, "startContainer", &h->start_container) < 0 ||
        parse_hook_list(c, o, "poststart", &h->poststart) < 0 ||
        parse_hook_list(c, o, "poststop", &h->poststop) < 0)
        return -1;
    return 0;
}

/* ---- process ---- */

static const struct cfg_name rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
    {NULL, 0},
};

static const struct cfg_name ioprio_classes[] = {
    {"IOPRIO_CLASS_RT", 1},
    {"IOPRIO_CLASS_BE", 2},
    {"IOPRIO_CLASS_IDLE", 3},
    {NULL, 0},
};

/* Values from the kernel's uapi (SCHED_ISO is reserved, never merged). */
static const struct cfg_name sched_policies[] = {
    {"SCHED_OTHER", 0},
    {"SCHED_FIFO", 1},
    {"SCHED_RR", 2},
    {"SCHED_BATCH", 3},
    {"SCHED_ISO", 4},
    {"SCHED_IDLE", 5},
    {"SCHED_DEADLINE", 6},
    {NULL, 0},
};

static const struct cfg_name sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},
    {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},
    {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},
    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
    {NULL, 0},
};

static int parse_user(struct cfg_ctx *c, yajl_val o, struct brig_user *u)
{
    if (cfg_u32(c, o, "uid", true, &u->uid) < 0 || cfg_u32(c, o, "gid", true, &u->gid) < 0 ||
        cfg_opt_u32(c, o, "umask", UINT32_MAX, &u->umask) < 0 ||
        cfg_str(c, o, "username", false, &u->username) < 0)
        return -1;
    yajl_val a;
    int r = cfg_array(c, o, "additionalGids", false, &a);
    if (r <= 0)
        return r;
    size_t n = a->u.array.len;
    u->additional_gids = brig_xcalloc(n ? n : 1, sizeof *u->additional_gids);
    u->n_additional_gids = n;
    size_t mark = cfg_push_key(c, "additionalGids");
    for (size_t i = 0; i < n; i++) {
        uint64_t gid;
        size_t imark = cfg_push_index(c, i);
        if (cfg_val_u64(c, a->u.array.values[i], UINT32_MAX, &gid) < 0)
            return -1;
        u->additional_gids[i] = (uint32_t)gid;
        cfg_pop(c, imark);
    }
    cfg_pop(c, mark);
    return 0;
}

void (*brig_config_warn)(const char *fmt, ...);

static int parse_cap_set(struct cfg_ctx *c, yajl_val o, const char *key, bool *has, uint64_t *mask)
{
    yajl_val a = cfg_member(o, key);
    if (!a)
        return 0;
    if (!YAJL_IS_ARRAY(a))
        return cfg_err_key(c, key, "expected an array of strings");
    size_t mark = cfg_push_key(c, key);
    for (size_t i = 0; i < a->u.array.len; i++) {
        yajl_val e = a->u.array.values[i];
        size_t imark = cfg_push_index(c, i);
        if (!YAJL_IS_STRING(e) || !e->u.string)
            return cfg_err(c, "expected a string");
        int cap = brig_cap_from_name(e->u.string);
        /* runtime-spec 1.3: unknown or unavailable capabilities are logged
         * as a warning and not an error (runc ignores them too).  Said once,
         * by the command that reads the bundle; the copy in the state is
         * parsed again by start, exec and delete. */
        if (cap < 0 || cap > 63 || cap > brig_cap_kernel_last()) {
            if (brig_config_warn) {
                char q[CFG_QUOTE_MAX];
                brig_config_warn("%s: ignoring %s capability \"%s\"", c->path,
                                 cap < 0 ? "unknown" : "unavailable", cfg_quote(e->u.string, q, sizeof q));
            }
            cfg_pop(c, imark);
            continue;
        }
        *mask |= UINT64_C(1) << cap;
        cfg_pop(c, imark);
    }
    cfg_pop(c, mark);
    *has = true;
    return 0;
}

static int parse_caps(struct cfg_ctx *c, yajl_val o, struct brig_caps *caps)
{
    if (parse_cap_set(c, o, "bounding", &caps->has_bounding, &caps->bounding) < 0 ||
        parse_cap_set(c, o, "effective", &caps->has_effective, &caps->effective) < 0 ||
        parse_cap_set(c, o, "inheritable", &caps->has_inheritable, &caps->inheritable) < 0 ||
        parse_cap_set(c, o, "permitted", &caps->has_permitted, &caps->permitted) < 0 ||
        parse_cap_set(c, o, "ambient", &caps->has_ambient, &caps->ambient) < 0)
        return -1;
    return 0;
}

static int parse_rlimits(struct cfg_ctx *c, yajl_val o, struct brig_process *p)
{
    yajl_val a;
    int r = cfg_array(c, o, "rlimits", false, &a);
    if (r <= 0)
        return r;
    size_t n = a->u.array.len;
    p->rlimits = brig_xcalloc(n ? n : 1, sizeof *p->rlimits);
    p->n_rlimits = n;
    uint64_t seen = 0;
    size_t mark = cfg_push_key(c, "rlimits");
    for (size_t i = 0; i < n; i++) {
        yajl_val e = a->u.array.values[i];
        struct brig_rlimit *rl = &p->rlimits[i];
        size_t imark = cfg_push_index(c, i);
        if (!YAJL_IS_OBJECT(e))
            return cfg_err(c, "expected an object");
        if (cfg_enum(c, e, "type", true, rlimit_names, "rlimit", &rl->resource, &rl->type) < 0 ||
            cfg_u64(c, e, "soft", true, UINT64_MAX, &rl->soft) < 0 ||
            cfg_u64(c, e, "hard", true, UINT64_MAX, &rl->hard) < 0)
            return -1;
        /* The spec makes a repeated type an error. */
        if (rl->resource >= 0 && rl->resource < 64) {
            if (seen & (UINT64_C(1) << rl->resource))
                return cfg_err_key(c, "type", "duplicate rlimit \"%s\"", rl->type);
            seen |= UINT64_C(1) << rl->resource;
        }
        cfg_pop(c, imark);
    }
    cfg_pop(c, mark);
    return 0;
}

static int parse_io_priority(struct cfg_ctx *c, yajl_val o, struct brig_io_priority *io)
{
    int64_t prio = 0;
    if (cfg_enum(c, o, "class", true, ioprio_classes, "I/O priority class", &io->class_value,
                 &io->class_name) < 0 ||
        cfg_i64(c, o, "priority", false, 0, 7, &prio) < 0)
        return -1;
    io->priority = (int)prio;
    return 0;
}

static int parse_scheduler(struct cfg_ctx *c, yajl_val o, struct brig_scheduler *s)
{
    if (cfg_enum(c, o, "policy", true, sched_policies, "scheduler policy", &s->policy_value,
                 &s->policy) < 0 ||
        cfg_opt_i32(c, o, "nice", INT32_MIN, INT32_MAX, &s->nice) < 0 ||
        cfg_opt_i32(c, o, "priority", INT32_MIN, INT32_MAX, &s->priority) < 0 ||
        cfg_enum_strv(c, o, "flags", sched_flags, "scheduler flag", &s->flags) < 0 ||
        cfg_opt_u64(c, o, "runtime", &s->runtime) < 0 ||
        cfg_opt_u64(c, o, "deadline", &s->deadline) < 0 ||
        cfg_opt_u64(c, o, "period", &s->period) < 0)
        return -1;
    return 0;
}

/* A CPU list such as "0-3,7" (the schema's ^[0-9, -]*$). */
static int cpu_list(struct cfg_ctx *c, yajl_val o, const char *key, char **out)
{
    if (cfg_str(c, o, key, false, out) < 0)
        return -1;
    if (*out && strspn(*out, "0123456789, -") != strlen(*out)) {
        char q[CFG_QUOTE_MAX];
        return cfg_err_key(c, key, "invalid CPU list \"%s\"", cfg_quote(*out, q, sizeof q));
    }
    return 0;
}

static int parse_process_obj(struct cfg_ctx *c, yajl_val o, struct brig_process *p)
{
    yajl_val v;
    int r;
    size_t mark;

    if (!YAJL_IS_OBJECT(o))
        return cfg_err(c, "expected an object");
    if (cfg_bool(c, o, "terminal", &p->terminal) < 0)
        return -1;
    if ((r = cfg_object(c, o, "consoleSize", false, &v)) < 0)
        return -1;
    if (r) {
        mark = cfg_push_key(c, "consoleSize");
        if (cfg_u32(c, v, "height", true, &p->console_height) < 0 ||
            cfg_u32(c, v, "width", true, &p->console_width) < 0)
            return -1;
        cfg_pop(c, mark);
        p->has_console_size = true;
    }

    /* config.json must say who runs; a process.json for exec -p without
     * "user" runs as uid 0, as with runc (the Go zero value). */
    bool process_doc = c->root_name && strcmp(c->root_name, "process") == 0;
    if ((r = cfg_object(c, o, "user", !process_doc, &v)) < 0)
        return -1;
    if (r) {
        mark = cfg_push_key(c, "user");
        if (parse_user(c, v, &p->user) < 0)
            return -1;
        cfg_pop(c, mark);
    }

    /* At least one argument is required on Linux: it names the program. */
    if (cfg_strv(c, o, "args", &p->args) < 0)
        return -1;
    if (!p->args.v)
        return cfg_err_key(c, "args", "required");
    if (p->args.n == 0)
        return cfg_err_key(c, "args", "must not be empty");

    if (cfg_str(c, o, "commandLine", false, &p->command_line) < 0 ||
        cfg_strv(c, o, "env", &p->env) < 0 || cfg_str(c, o, "cwd", true, &p->cwd) < 0)
        return -1;
    if (p->cwd[0] != '/') {
        char q[CFG_QUOTE_MAX];
        return cfg_err_key(c, "cwd", "must be an absolute path, got \"%s\"",
                           cfg_quote(p->cwd, q, sizeof q));
    }

    if ((r = cfg_object(c, o, "capabilities", false, &v)) < 0)
        return -1;
    if (r) {
        p->capabilities = brig_xcalloc(1, sizeof *p->capabilities);
        mark = cfg_push_key(c, "capabilities");
        if (parse_caps(c, v, p->capabilities) < 0)
            return -1;
        cfg_pop(c, mark);
    }

    if (parse_rlimits(c, o, p) < 0 || (r = cfg_bool(c, o, "noNewPrivileges", &p->no_new_privileges)) < 0)
        return -1;
    p->no_new_privileges_given = r > 0;
    if (cfg_str(c, o, "apparmorProfile", false, &p->apparmor_profile) < 0 ||
        cfg_opt_i32(c, o, "oomScoreAdj", -1000, 1000, &p->oom_score_adj) < 0 ||
        cfg_str(c, o, "selinuxLabel", false, &p->selinux_label) < 0)
        return -1;

    if ((r = cfg_object(c, o, "ioPriority", false, &v)) < 0)
        return -1;
    if (r) {
        p->io_priority = brig_xcalloc(1, sizeof *p->io_priority);
        mark = cfg_push_key(c, "ioPriority");
        if (parse_io_priority(c, v, p->io_priority) < 0)
            return -1;
        cfg_pop(c, mark);
    }

    if ((r = cfg_object(c, o, "scheduler", false, &v)) < 0)
        return -1;
    if (r) {
        p->scheduler = brig_xcalloc(1, sizeof *p->scheduler);
        mark = cfg_push_key(c, "scheduler");
        if (parse_scheduler(c, v, p->scheduler) < 0)
            return -1;
        cfg_pop(c, mark);
    }

    if ((r = cfg_object(c, o, "execCPUAffinity", false, &v)) < 0)
        return -1;
    if (r) {
        mark = cfg_push_key(c, "execCPUAffinity");
        if (cpu_list(c, v, "initial", &p->exec_cpu_affinity_initial) < 0 ||
            cpu_list(c, v, "final", &p->exec_cpu_affinity_final) < 0)
            return -1;
        cfg_pop(c, mark);
    }
    return 0;
}

static void process_clear(struct brig_process *p)
{
    free(p->user.additional_gids);
    free(p->user.username);
    cfg_strv_clear(&p->args);
    free(p->command_line);
    cfg_strv_clear(&p->env);
    free(p->cwd);
    free(p->capabilities);
    if (p->rlimits)
        for (size_t i = 0; i < p->n_rlimits; i++)
            free(p->rlimits[i].type);
    free(p->rlimits);
    free(p->apparmor_profile);
    free(p->selinux_label);
    if (p->io_priority)
        free(p->io_priority->class_name);
    free(p->io_priority);
    if (p->scheduler) {
        free(p->scheduler->policy);
        cfg_strv_clear(&p->scheduler->flags);
    }
    free(p->scheduler);
    free(p->exec_cpu_affinity_initial);
    free(p->exec_cpu_affinity_final);
}

/* ---- the whole document ---- */

static int parse_config(struct cfg_ctx *c, yajl_val o, struct brig_config *cfg)
{
    if (!YAJL_IS_OBJECT(o))
        return cfg_err(c, "expected an object");
    if (cfg_str(c, o, "ociVersion", true, &cfg->oci_version) < 0 ||
        check_version(c, cfg->oci_version) < 0)
        return -1;
    SUB_OBJECT(c, o, "root", &cfg->root, parse_root);
    if (parse_mounts(c, o, cfg) < 0)
        return -1;
    SUB_OBJECT(c, o, "process", &cfg->process, parse_process_obj);
    if (cfg_str(c, o, "hostname", false, &cfg->hostname) < 0 ||
        cfg_str(c, o, "domainname", false, &cfg->domainname) < 0)
        return -1;
    SUB_OBJECT(c, o, "hooks", &cfg->hooks, parse_hooks);
    if (cfg_map(c, o, "annotations", &cfg->annotations) < 0)
        return -1;
    SUB_OBJECT(c, o, "linux", &cfg->linux_, cfg_parse_linux);
    return 0;
}

static void hook_list_clear(struct brig_hook_list *l)
{
    if (l->v)
        for (size_t i = 0; i < l->n; i++) {
            free(l->v[i].path);
            cfg_strv_clear(&l->v[i].args);
            cfg_strv_clear(&l->v[i].env);
        }
    free(l->v);
}

void brig_config_free(struct brig_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->oci_version);
    if (cfg->root)
        free(cfg->root->path);
    free(cfg->root);
    if (cfg->mounts)
        for (size_t i = 0; i < cfg->n_mounts; i++) {
            struct brig_mount *m = &cfg->mounts[i];
            free(m->destination);
            free(m->source);
            free(m->type);
            cfg_strv_clear(&m->options);
            free(m->uid_mappings);
            free(m->gid_mappings);
        }
    free(cfg->mounts);
    brig_process_free(cfg->process);
    free(cfg->hostname);
    free(cfg->domainname);
    if (cfg->hooks) {
        hook_list_clear(&cfg->hooks->prestart);
        hook_list_clear(&cfg->hooks->create_runtime);
        hook_list_clear(&cfg->hooks->create_container);
        hook_list_clear(&cfg->hooks->start_container);
        hook_list_clear(&cfg->hooks->poststart);
        hook_list_clear(&cfg->hooks->poststop);
    }
    free(cfg->hooks);
    cfg_map_clear(&cfg->annotations);
    if (cfg->linux_)
        cfg_linux_clear(cfg->linux_);
    free(cfg->linux_);
    free(cfg);
}

void brig_process_free(struct brig_process *p)
{
    if (!p)
        return;
    process_clear(p);
    free(p);
}

void brig_resources_free(struct brig_resources *r)
{
    if (!r)
        return;
    cfg_resources_clear(r);
    free(r);
}

void brig_seccomp_free(struct brig_seccomp *s)
{
    if (!s || s->builtin) /* static data (brig_seccomp_runtime_default) */
        return;
    cfg_seccomp_clear(s);
    free(s);
}

/* The common shape of the public parsers: text -> tree -> structure. */
typedef int (*parse_fn)(struct cfg_ctx *c, yajl_val v, void *out);

static void *parse_document(const char *json, size_t len, const char *what, size_t size,
                            parse_fn fn, void (*free_fn)(void *))
{
    yajl_val tree = cfg_parse_tree(json, len, what);
    if (!tree)
        return NULL;
    struct cfg_ctx c;
    cfg_init(&c, what);
    void *out = brig_xcalloc(1, size);
    int r = fn(&c, tree, out);
    yajl_tree_free(tree);
    if (r < 0) {
        free_fn(out);
        return NULL;
    }
    return out;
}

static int parse_config_v(struct cfg_ctx *c, yajl_val v, void *out)
{
    return parse_config(c, v, out);
}
static void free_config_v(void *p)
{
    brig_config_free(p);
}

static int parse_process_v(struct cfg_ctx *c, yajl_val v, void *out)
{
    return parse_process_obj(c, v, out);
}
static void free_process_v(void *p)
{
    brig_process_free(p);
}

static int parse_resources_v(struct cfg_ctx *c, yajl_val v, void *out)
{
    if (!YAJL_IS_OBJECT(v))
        return cfg_err(c, "expected an object");
    return cfg_parse_resources(c, v, out);
}
static void free_resources_v(void *p)
{
    brig_resources_free(p);
}

static int parse_seccomp_v(struct cfg_ctx *c, yajl_val v, void *out)
{
    if (!YAJL_IS_OBJECT(v))
        return cfg_err(c, "expected an object");
    return cfg_parse_seccomp(c, v, out);
}
static void free_seccomp_v(void *p)
{
    brig_seccomp_free(p);
}

int brig_config_parse(const char *json, size_t len, struct brig_config **out)
{
    *out = parse_document(json, len, "config.json", sizeof **out, parse_config_v, free_config_v);
    return *out ? 0 : -1;
}

int brig_config_load(const char *bundle_dir, struct brig_config **out)
{
    size_t n = strlen(bundle_dir);
    bool slash = n > 0 && bundle_dir[n - 1] == '/';
    cleanup_free char *path = brig_xasprintf("%s%sconfig.json", bundle_dir, slash ? "" : "/");
    cleanup_free char *text = NULL;
    size_t len = 0;
    *out = NULL;
    if (brig_read_input(path, &text, &len) < 0)
        return -1;
    return brig_config_parse(text, len, out);
}

int brig_process_parse(const char *json, size_t len, struct brig_process **out)
{
    *out = parse_document(json, len, "process", sizeof **out, parse_process_v, free_process_v);
    return *out ? 0 : -1;
}

int brig_resources_parse(const char *json, size_t len, struct brig_resources **out)
{
    *out = parse_document(json, len, "resources", sizeof **out, parse_resources_v,
                          free_resources_v);
    return *out ? 0 : -1;
}

int brig_seccomp_parse(const char *json, size_t len, struct brig_seccomp **out)
{
    *out = parse_document(json, len, "seccomp", sizeof **out, parse_seccomp_v, free_seccomp_v);
    return *out ? 0 : -1;
}
