/* brig: the security audit of a config (brig check, --policy baseline and
 * restricted).
 *
 * Every check reads the parsed config only: no file system, no kernel, so
 * the same answer comes out on any host and in unit tests.  Each finding
 * names the JSON path to change and how; the level is the lowest Pod
 * Security Standards level that forbids it (CIS-only items sit under
 * restricted, except the host-escape ones, which baseline also refuses). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brig/config.h"
#include "brig/internal.h"
#include "brig/policy.h"

/* What runc and every engine mask: their absence is a baseline finding. */
static const char *const core_masked[] = {
    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
};
/* Added by Docker and containerd later (interrupt counts, CVE-2020-8694
 * energy counters): missing them is a restricted, low finding. */
static const char *const extra_masked[] = {"/proc/interrupts", "/sys/devices/virtual/powercap"};

const char *const brig_default_masked_paths[] = {
    "/proc/acpi",  "/proc/asound",      "/proc/interrupts", "/proc/kcore",   "/proc/keys",
    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
    "/proc/scsi",  "/sys/firmware",     "/sys/devices/virtual/powercap",
};
const size_t brig_n_default_masked_paths = BRIG_ARRAY_SIZE(brig_default_masked_paths);

const char *const brig_default_readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};
const size_t brig_n_default_readonly_paths = BRIG_ARRAY_SIZE(brig_default_readonly_paths);

static const char *const severity_names[] = {"low", "medium", "high", "critical"};

const char *brig_severity_name(enum brig_severity s)
{
    return severity_names[s];
}

int brig_severity_parse(const char *s, enum brig_severity *out)
{
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(severity_names); i++) {
        if (strcmp(s, severity_names[i]) == 0) {
            *out = (enum brig_severity)i;
            return 0;
        }
    }
    return brig_fail(0, "unknown severity \"%s\": expected low, medium, high or critical", s);
}

const char *brig_level_name(enum brig_level l)
{
    return l == BRIG_LEVEL_BASELINE ? "baseline" : "restricted";
}

struct audit {
    const struct brig_config *cfg;
    enum brig_level level;
    struct brig_findings *out;
};

static bool wanted(const struct audit *a, enum brig_level l)
{
    return l <= a->level;
}

/* Record a finding; PATH, MSG and FIX are taken over (heap strings). */
static void add(struct audit *a, const char *check, enum brig_severity sev, enum brig_level level,
                char *path, char *msg, char *fix, const char *refs)
{
    if (!wanted(a, level)) {
        free(path);
        free(msg);
        free(fix);
        return;
    }
    struct brig_findings *f = a->out;
    f->v = brig_xrealloc(f->v, (f->n + 1) * sizeof *f->v);
    f->v[f->n++] = (struct brig_finding){
        .check = check, .severity = sev, .level = level, .path = path,
        .message = msg, .fix = fix, .refs = refs,
    };
}

#define S(x) brig_xstrdup(x)
#define F(...) brig_xasprintf(__VA_ARGS__)

static bool strv_has(const struct brig_strv *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0)
            return true;
    return false;
}

/* ---- user ---- */

/* The host uid a container uid runs as; false when it cannot be told (a
 * user namespace joined by path, or no mapping for it). */
static bool host_uid(const struct brig_config *cfg, uint32_t uid, uint32_t *host)
{
    const struct brig_namespace *ns = brig_config_namespace(cfg, BRIG_NS_USER);
    if (!ns) {
        *host = uid;
        return true;
    }
    if (ns->path)
        return false;
    const struct brig_linux *l = cfg->linux_;
    for (size_t i = 0; i < l->n_uid_mappings; i++) {
        const struct brig_idmap *m = &l->uid_mappings[i];
        if (uid >= m->container_id && uid - m->container_id < m->size) {
            *host = m->host_id + (uid - m->container_id);
            return true;
        }
    }
    return false;
}

static void check_user(struct audit *a)
{
    const struct brig_process *p = a->cfg->process;
    uint32_t host;
    bool known = host_uid(a->cfg, p->user.uid, &host);
    if (known && host == 0) {
        char *msg = p->user.uid == 0
                        ? S("the process runs as root (uid 0)")
                        : F("uid %u maps to root (uid 0) on the host", p->user.uid);
        add(a, "root-user", BRIG_SEV_HIGH, BRIG_LEVEL_RESTRICTED, S("process.user.uid"), msg,
            S("set process.user.uid and gid to a non-zero id such as 65534, or map root "
              "to an unprivileged host id with a user namespace"),
            "PSS restricted: Running as Non-root; CIS Docker 4.1");
    } else if (!known && p->user.uid == 0) {
        add(a, "root-user", BRIG_SEV_LOW, BRIG_LEVEL_RESTRICTED, S("process.user.uid"),
            S("the process runs as uid 0 in a user namespace whose mapping for it is not in the config"),
            S("set process.user.uid to a non-zero id, or give linux.uidMappings"),
            "PSS restricted: Running as Non-root; CIS Docker 4.1");
    }
}

/* ---- capabilities ---- */

/* PSS baseline's allowed list (Docker's default set without CAP_NET_RAW). */
static const char *const baseline_caps[] = {
    "CAP_AUDIT_WRITE", "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FOWNER",  "CAP_FSETID",
    "CAP_KILL",        "CAP_MKNOD",  "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID",
    "CAP_SETPCAP",     "CAP_SETUID", "CAP_SYS_CHROOT",
};
/* Each of these is a known way out of a container on its own. */
static const char *const escape_caps[] = {
    "CAP_SYS_ADMIN",  "CAP_SYS_MODULE", "CAP_SYS_RAWIO",  "CAP_SYS_PTRACE", "CAP_DAC_READ_SEARCH",
    "CAP_BPF",        "CAP_PERFMON",    "CAP_NET_ADMIN",  "CAP_MAC_ADMIN",  "CAP_MAC_OVERRIDE",
    "CAP_SYS_BOOT",   "CAP_SYSLOG",     "CAP_SYS_TIME",   "CAP_CHECKPOINT_RESTORE",
};

static uint64_t cap_mask(const char *const *names, size_t n)
{
    uint64_t m = 0;
    for (size_t i = 0; i < n; i++) {
        int c = brig_cap_from_name(names[i]);
        if (c >= 0 && c < 64)
            m |= 1ULL << c;
    }
    return m;
}

bool brig_config_privileged(const struct brig_config *cfg)
{
    const struct brig_caps *c = cfg->process ? cfg->process->capabilities : NULL;
    int admin = brig_cap_from_name("CAP_SYS_ADMIN");
    return c && admin >= 0 && (c->bounding & (1ULL << admin));
}

static void check_capabilities(struct audit *a)
{
    const struct brig_process *p = a->cfg->process;
    const struct brig_caps *c = p->capabilities;
    uint32_t host;
    bool root = host_uid(a->cfg, p->user.uid, &host) && host == 0;
    if (!c) {
        add(a, "capabilities-unset", root ? BRIG_SEV_CRITICAL : BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE,
            S("process.capabilities"),
            S(root ? "no process.capabilities: the process keeps every capability"
                   : "no process.capabilities: the bounding set stays full, so setuid programs "
                     "regain every capability"),
            S("give process.capabilities with the sets the process needs (empty arrays for none)"),
            "PSS baseline: Capabilities; CIS Docker 5.3");
        return;
    }
    const struct { const char *name; uint64_t mask; } sets[] = {
        {"bounding", c->bounding},   {"effective", c->effective}, {"permitted", c->permitted},
        {"inheritable", c->inheritable}, {"ambient", c->ambient},
    };
    uint64_t all = 0;
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(sets); i++)
        all |= sets[i].mask;
    uint64_t allowed = cap_mask(baseline_caps, BRIG_ARRAY_SIZE(baseline_caps));
    uint64_t escape = cap_mask(escape_caps, BRIG_ARRAY_SIZE(escape_caps));
    int nbs = brig_cap_from_name("CAP_NET_BIND_SERVICE");
    int raw = brig_cap_from_name("CAP_NET_RAW");
    for (int cap = 0; cap < 64; cap++) {
        uint64_t bit = 1ULL << cap;
        if (!(all & bit) || cap == nbs)
            continue;
        char in[96] = "";
        const char *first = NULL;
        for (size_t i = 0; i < BRIG_ARRAY_SIZE(sets); i++) {
            if (!(sets[i].mask & bit))
                continue;
            if (!first)
                first = sets[i].name;
            size_t len = strlen(in);
            snprintf(in + len, sizeof in - len, "%s%s", len ? ", " : "", sets[i].name);
        }
        const char *name = brig_cap_name(cap);
        char unknown[24];
        if (!name) {
            snprintf(unknown, sizeof unknown, "capability %d", cap);
            name = unknown;
        }
        if (allowed & bit) {
            add(a, "capability-kept", BRIG_SEV_LOW, BRIG_LEVEL_RESTRICTED,
                F("process.capabilities.%s", first), F("%s is kept (%s)", name, in),
                F("remove %s from every set: restricted allows only CAP_NET_BIND_SERVICE", name),
                "PSS restricted: Capabilities (drop ALL); CIS Docker 5.3");
        } else {
            enum brig_severity sev = (escape & bit) ? BRIG_SEV_CRITICAL
                                     : cap == raw   ? BRIG_SEV_MEDIUM
                                                    : BRIG_SEV_HIGH;
            add(a, "capability-added", sev, BRIG_LEVEL_BASELINE, F("process.capabilities.%s", first),
                F("%s is granted (%s)", name, in),
                F("remove %s from process.capabilities", name),
                "PSS baseline: Capabilities; CIS Docker 5.3, 5.4");
        }
    }
}

static void check_no_new_privs(struct audit *a)
{
    if (a->cfg->process->no_new_privileges)
        return;
    add(a, "no-new-privileges", BRIG_SEV_MEDIUM, BRIG_LEVEL_RESTRICTED, S("process.noNewPrivileges"),
        S("noNewPrivileges is off: setuid and file-capability programs can raise privileges"),
        S("set process.noNewPrivileges to true"),
        "PSS restricted: Privilege Escalation; CIS Docker 5.25");
}

static void check_lsm(struct audit *a)
{
    const struct brig_process *p = a->cfg->process;
    if (p->apparmor_profile && strcmp(p->apparmor_profile, "unconfined") == 0)
        add(a, "apparmor-unconfined", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE,
            S("process.apparmorProfile"), S("the AppArmor profile is \"unconfined\""),
            S("remove process.apparmorProfile or name a confining profile"),
            "PSS baseline: AppArmor; CIS Docker 5.1");
    if (p->selinux_label && *p->selinux_label) {
        /* user:role:type[:level] */
        char type[128] = "";
        const char *s = strchr(p->selinux_label, ':');
        s = s ? strchr(s + 1, ':') : NULL;
        if (s) {
            s++;
            size_t n = strcspn(s, ":");
            snprintf(type, sizeof type, "%.*s", (int)(n < sizeof type ? n : sizeof type - 1), s);
        }
        static const char *const ok[] = {"container_t", "container_init_t", "container_kvm_t",
                                         "container_engine_t"};
        bool fine = false;
        for (size_t i = 0; i < BRIG_ARRAY_SIZE(ok); i++)
            fine |= strcmp(type, ok[i]) == 0;
        if (!fine) {
            bool unconfined = strcmp(type, "spc_t") == 0 || strcmp(type, "unconfined_t") == 0;
            add(a, "selinux-type", unconfined ? BRIG_SEV_HIGH : BRIG_SEV_MEDIUM, BRIG_LEVEL_BASELINE,
                S("process.selinuxLabel"),
                F("SELinux type \"%s\" is not a container type", type[0] ? type : p->selinux_label),
                S("use container_t, container_init_t or container_kvm_t"),
                "PSS baseline: SELinux; CIS Docker 5.2");
        }
    }
}

/* ---- namespaces ---- */

static bool host_ns_path(const char *p)
{
    return strncmp(p, "/proc/1/ns/", 11) == 0 || strncmp(p, "/proc/self/ns/", 14) == 0 ||
           strncmp(p, "/proc/thread-self/ns/", 21) == 0;
}

/* The host's namespace of type T (absent, or joined at a host path). */
static bool shares_host_ns(const struct brig_config *cfg, enum brig_ns_type t, char **path)
{
    const struct brig_linux *l = cfg->linux_;
    for (size_t i = 0; l && i < l->n_namespaces; i++) {
        if (l->namespaces[i].type != t)
            continue;
        if (l->namespaces[i].path && host_ns_path(l->namespaces[i].path)) {
            *path = F("linux.namespaces[%zu].path", i);
            return true;
        }
        return false;
    }
    *path = S("linux.namespaces");
    return true;
}

static void check_namespaces(struct audit *a)
{
    static const struct {
        enum brig_ns_type type;
        const char *check;
        enum brig_severity sev;
        enum brig_level level;
        const char *what;
        const char *refs;
    } nss[] = {
        {BRIG_NS_MOUNT, "host-mount-namespace", BRIG_SEV_CRITICAL, BRIG_LEVEL_BASELINE,
         "the host's mount namespace: mounts land on the host", "CIS Docker 5.4"},
        {BRIG_NS_PID, "host-pid-namespace", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE,
         "the host's PID namespace: host processes are visible and can be signalled",
         "PSS baseline: Host Namespaces (hostPID); CIS Docker 5.15"},
        {BRIG_NS_NETWORK, "host-network-namespace", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE,
         "the host's network namespace: host interfaces and local services are reachable",
         "PSS baseline: Host Namespaces (hostNetwork); CIS Docker 5.9"},
        {BRIG_NS_IPC, "host-ipc-namespace", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE,
         "the host's IPC namespace: host shared memory and semaphores are reachable",
         "PSS baseline: Host Namespaces (hostIPC); CIS Docker 5.16"},
        {BRIG_NS_UTS, "host-uts-namespace", BRIG_SEV_MEDIUM, BRIG_LEVEL_RESTRICTED,
         "the host's UTS namespace: the host name is shared", "CIS Docker 5.20"},
        {BRIG_NS_CGROUP, "host-cgroup-namespace", BRIG_SEV_LOW, BRIG_LEVEL_RESTRICTED,
         "the host's cgroup namespace: host cgroup paths are visible", "brig hardening (cgroup namespace)"},
    };
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(nss); i++) {
        if (!wanted(a, nss[i].level))
            continue;
        char *path;
        if (!shares_host_ns(a->cfg, nss[i].type, &path))
            continue;
        const char *name = brig_ns_type_name(nss[i].type);
        add(a, nss[i].check, nss[i].sev, nss[i].level, path, F("the container shares %s", nss[i].what),
            F("add {\"type\": \"%s\"} to linux.namespaces", name), nss[i].refs);
    }
}

/* ---- seccomp ---- */

/* Escape-relevant calls that the RuntimeDefault profile denies to a
 * container without CAP_SYS_ADMIN and friends. */
static const char *const dangerous_syscalls[] = {
    "mount", "umount2", "pivot_root", "unshare", "setns", "fsopen", "fsmount", "fspick",
    "move_mount", "open_tree", "mount_setattr", "keyctl", "add_key", "request_key", "bpf",
    "perf_event_open", "userfaultfd", "open_by_handle_at", "kexec_load", "kexec_file_load",
    "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff", "iopl",
    "ioperm", "acct", "settimeofday", "clock_settime", "syslog", "quotactl", "io_uring_setup",
};

static bool allows(enum brig_seccomp_action act)
{
    return act == BRIG_SECCOMP_ALLOW || act == BRIG_SECCOMP_LOG;
}

static const char *action_name(enum brig_seccomp_action act)
{
    static const char *const names[] = {
        [BRIG_SECCOMP_KILL] = "SCMP_ACT_KILL", [BRIG_SECCOMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
        [BRIG_SECCOMP_KILL_THREAD] = "SCMP_ACT_KILL_THREAD", [BRIG_SECCOMP_TRAP] = "SCMP_ACT_TRAP",
        [BRIG_SECCOMP_ERRNO] = "SCMP_ACT_ERRNO", [BRIG_SECCOMP_TRACE] = "SCMP_ACT_TRACE",
        [BRIG_SECCOMP_ALLOW] = "SCMP_ACT_ALLOW", [BRIG_SECCOMP_LOG] = "SCMP_ACT_LOG",
        [BRIG_SECCOMP_NOTIFY] = "SCMP_ACT_NOTIFY",
    };
    return names[act];
}

/* Whether NAME passes the filter whatever its arguments: an unconditional
 * allowing rule, or no rule and an allowing default. */
static bool syscall_allowed(const struct brig_seccomp *sc, const char *name)
{
    bool named = false;
    for (size_t i = 0; i < sc->n_syscalls; i++) {
        const struct brig_seccomp_syscall *r = &sc->syscalls[i];
        if (!strv_has(&r->names, name))
            continue;
        if (allows(r->action) && r->n_args == 0)
            return true;
        named = true;
    }
    return !named && allows(sc->default_action);
}

static void check_seccomp(struct audit *a)
{
    const struct brig_seccomp *sc = a->cfg->linux_ ? a->cfg->linux_->seccomp : NULL;
    if (!sc) {
        add(a, "seccomp-missing", BRIG_SEV_HIGH, BRIG_LEVEL_RESTRICTED, S("linux.seccomp"),
            S("no seccomp filter: every system call reaches the kernel"),
            S("add linux.seccomp with the RuntimeDefault profile (brig spec writes it; "
              "--policy default adds it)"),
            "PSS restricted: Seccomp; CIS Docker 5.21");
        return;
    }
    size_t n = BRIG_ARRAY_SIZE(dangerous_syscalls), n_allowed = 0;
    char list[512] = "";
    for (size_t i = 0; i < n; i++) {
        if (!syscall_allowed(sc, dangerous_syscalls[i]))
            continue;
        n_allowed++;
        size_t len = strlen(list);
        if (len < sizeof list - 1)
            snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "", dangerous_syscalls[i]);
    }
    bool deny_list = allows(sc->default_action);
    if (deny_list && n_allowed == n) {
        add(a, "seccomp-unconfined", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE,
            S("linux.seccomp.defaultAction"),
            F("the seccomp profile is unconfined: defaultAction %s and nothing dangerous denied",
              action_name(sc->default_action)),
            S("use the RuntimeDefault profile (brig spec writes it)"),
            "PSS baseline: Seccomp (Unconfined); CIS Docker 5.21");
    } else if (n_allowed) {
        add(a, "seccomp-permissive", BRIG_SEV_MEDIUM, BRIG_LEVEL_RESTRICTED, S("linux.seccomp"),
            F("the seccomp profile allows %s", list),
            S("deny them, as the RuntimeDefault profile does"),
            "PSS restricted: Seccomp; CIS Docker 5.21");
    } else if (deny_list) {
        add(a, "seccomp-denylist", BRIG_SEV_LOW, BRIG_LEVEL_RESTRICTED,
            S("linux.seccomp.defaultAction"),
            F("defaultAction %s: system calls the profile does not name (new ones too) are allowed",
              action_name(sc->default_action)),
            S("make the default SCMP_ACT_ERRNO and list what is allowed"),
            "PSS restricted: Seccomp; CIS Docker 5.21");
    }
}

/* ---- file system ---- */

static void check_rootfs(struct audit *a)
{
    if (!a->cfg->root || a->cfg->root->readonly)
        return;
    add(a, "rootfs-writable", BRIG_SEV_MEDIUM, BRIG_LEVEL_RESTRICTED, S("root.readonly"),
        S("the root file system is writable"),
        S("set root.readonly to true and mount a tmpfs where the process writes (e.g. /tmp)"),
        "CIS Docker 5.12");
}

static bool opt_has(const struct brig_mount *m, const char *o)
{
    return strv_has(&m->options, o);
}

static bool type_is(const struct brig_mount *m, const char *t)
{
    return m->type && strcmp(m->type, t) == 0;
}

static bool is_bind(const struct brig_mount *m)
{
    return type_is(m, "bind") || type_is(m, "rbind") || opt_has(m, "bind") || opt_has(m, "rbind");
}

/* "/a/b/" -> "/a/b"; "//a" -> "/a". */
static void clean_path(const char *in, char *out, size_t size)
{
    size_t j = 0;
    for (size_t i = 0; in[i] && j + 1 < size; i++) {
        if (in[i] == '/' && j > 0 && out[j - 1] == '/')
            continue;
        out[j++] = in[i];
    }
    while (j > 1 && out[j - 1] == '/')
        j--;
    out[j] = '\0';
}

static bool under(const char *p, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool runtime_socket(const char *p)
{
    static const char *const socks[] = {"/docker.sock", "/containerd.sock", "/crio.sock",
                                        "/podman.sock", "/dockershim.sock"};
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(socks); i++)
        if (ends_with(p, socks[i]))
            return true;
    return false;
}

/* Files and volumes an engine made for this container (its /etc/hosts,
 * resolv.conf, shm, Kubernetes emptyDir/secret/configMap volumes, named
 * volumes): the engine's per-container data, not a host path handed in.
 * Only paths below a container's own directory count, never the
 * directories themselves. */
static bool engine_managed(const char *p)
{
    static const char *const dirs[] = {
        "/var/lib/kubelet/pods/",
        "/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/",
        "/run/containerd/io.containerd.grpc.v1.cri/sandboxes/",
        "/var/run/containerd/io.containerd.grpc.v1.cri/sandboxes/",
        "/var/lib/docker/containers/",
        "/var/lib/docker/volumes/",
        "/var/lib/containers/storage/volumes/",
    };
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(dirs); i++) {
        size_t n = strlen(dirs[i]);
        /* DIR/ID/something: the container's ID and a file below it. */
        if (strncmp(p, dirs[i], n) == 0 && strchr(p + n, '/') && !strstr(p + n, "/.."))
            return true;
    }
    /* Podman and CRI-O, rootful or rootless: .../overlay-containers/ID/userdata/... */
    const char *o = strstr(p, "/overlay-containers/");
    if (o && !strstr(p, "/..")) {
        const char *u = strchr(o + 20, '/');
        return u && strncmp(u, "/userdata/", 10) == 0 && u[10];
    }
    return false;
}

/* Host paths whose exposure CIS 5.5 names, plus the runtimes' state. */
static bool sensitive_host_path(const char *p)
{
    static const char *const exact[] = {"/", "/etc", "/usr", "/lib", "/lib64", "/bin", "/sbin",
                                        "/var", "/var/lib", "/run", "/var/run", "/root", "/home"};
    static const char *const trees[] = {"/proc", "/sys", "/dev", "/boot", "/lib/modules",
                                        "/etc/kubernetes", "/var/lib/kubelet", "/var/lib/docker",
                                        "/var/lib/containerd", "/run/containerd", "/var/run/containerd",
                                        "/var/lib/containers", "/run/brig", "/etc/brig"};
    if (strcmp(p, "/dev/null") == 0)
        return false;
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(exact); i++)
        if (strcmp(p, exact[i]) == 0)
            return true;
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(trees); i++)
        if (under(p, trees[i]))
            return true;
    return false;
}

static void check_mounts(struct audit *a)
{
    const struct brig_config *cfg = a->cfg;
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        const struct brig_mount *m = &cfg->mounts[i];
        bool ro = opt_has(m, "ro");
        char src[4096];
        if (is_bind(m) && m->source)
            clean_path(m->source, src, sizeof src);
        if (is_bind(m) && m->source && !engine_managed(src)) {
            if (runtime_socket(src)) {
                add(a, "mount-runtime-socket", BRIG_SEV_CRITICAL, BRIG_LEVEL_BASELINE,
                    F("mounts[%zu].source", i),
                    F("the container runtime socket %s is mounted at %s: it controls the host", src,
                      m->destination),
                    S("remove this mount"), "PSS baseline: HostPath Volumes; CIS Docker 5.31");
            } else if (sensitive_host_path(src)) {
                add(a, "mount-host-sensitive", ro ? BRIG_SEV_HIGH : BRIG_SEV_CRITICAL,
                    BRIG_LEVEL_BASELINE, F("mounts[%zu].source", i),
                    F("sensitive host path %s is mounted %s at %s", src, ro ? "read-only" : "writable",
                      m->destination),
                    S("remove this mount, or mount only what the process needs, read-only"),
                    "PSS baseline: HostPath Volumes; CIS Docker 5.5");
            } else {
                add(a, "mount-host-path", ro ? BRIG_SEV_LOW : BRIG_SEV_MEDIUM, BRIG_LEVEL_BASELINE,
                    F("mounts[%zu].source", i),
                    F("host path %s is mounted %s at %s", src, ro ? "read-only" : "writable",
                      m->destination),
                    S(ro ? "use a volume the runtime owns instead of a host path"
                         : "add \"ro\" to mounts[].options, or use a volume instead of a host path"),
                    "PSS baseline: HostPath Volumes");
            }
        }
        if (opt_has(m, "shared") || opt_has(m, "rshared"))
            add(a, "mount-propagation-shared", BRIG_SEV_MEDIUM, BRIG_LEVEL_BASELINE,
                F("mounts[%zu].options", i),
                F("%s uses shared propagation: mounts made in the container reach the host",
                  m->destination),
                S("use private or slave propagation (rprivate, rslave)"), "CIS Docker 5.19");
        if ((type_is(m, "sysfs") || (is_bind(m) && m->source && under(m->source, "/sys"))) && !ro)
            add(a, "mount-sysfs-writable", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE,
                F("mounts[%zu].options", i), F("%s (sysfs) is writable", m->destination),
                S("add \"ro\" to its options"), "PSS baseline: Privileged Containers; CIS Docker 5.4");
        if ((type_is(m, "cgroup") || type_is(m, "cgroup2")) && !ro)
            add(a, "mount-cgroup-writable", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE,
                F("mounts[%zu].options", i),
                F("%s (cgroup) is writable: release_agent and limits can be changed", m->destination),
                S("add \"ro\" to its options"), "CIS Docker 5.4 (CVE-2022-0492)");
    }
    const char *prop = cfg->linux_ ? cfg->linux_->rootfs_propagation : NULL;
    if (prop && (strcmp(prop, "shared") == 0 || strcmp(prop, "rshared") == 0))
        add(a, "mount-propagation-shared", BRIG_SEV_MEDIUM, BRIG_LEVEL_BASELINE,
            S("linux.rootfsPropagation"),
            F("rootfsPropagation is %s: mounts made in the container reach the host", prop),
            S("use rprivate or rslave"), "CIS Docker 5.19");
}

static bool has_mount_type(const struct brig_config *cfg, const char *type)
{
    for (size_t i = 0; i < cfg->n_mounts; i++)
        if (type_is(&cfg->mounts[i], type))
            return true;
    return false;
}

/* P is covered when it or a directory above it is listed. */
static bool covered(const struct brig_strv *list, const char *p)
{
    for (size_t i = 0; i < list->n; i++) {
        char c[4096];
        clean_path(list->v[i], c, sizeof c);
        if (under(p, c))
            return true;
    }
    return false;
}

/* Paths from WANT not covered by LIST (or ALSO), comma-separated; NULL when
 * all are.  /proc paths count only with a proc mount, /sys ones with sysfs. */
static char *uncovered(const struct brig_config *cfg, const char *const *want, size_t n,
                       const struct brig_strv *list, const struct brig_strv *also)
{
    bool proc = has_mount_type(cfg, "proc"), sys = has_mount_type(cfg, "sysfs");
    char *out = NULL;
    for (size_t i = 0; i < n; i++) {
        if ((under(want[i], "/proc") && !proc) || (under(want[i], "/sys") && !sys))
            continue;
        if (covered(list, want[i]) || (also && covered(also, want[i])))
            continue;
        char *next = out ? F("%s, %s", out, want[i]) : S(want[i]);
        free(out);
        out = next;
    }
    return out;
}

static void check_kernel_paths(struct audit *a)
{
    static const struct brig_strv none = {0};
    const struct brig_linux *l = a->cfg->linux_;
    const struct brig_strv *masked = l ? &l->masked_paths : &none;
    const struct brig_strv *ro = l ? &l->readonly_paths : &none;
    char *miss = uncovered(a->cfg, core_masked, BRIG_ARRAY_SIZE(core_masked), masked, NULL);
    if (miss)
        add(a, "masked-paths", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE, S("linux.maskedPaths"),
            F("kernel paths are not masked: %s", miss), S("add them to linux.maskedPaths"),
            "PSS baseline: /proc Mount Type; CIS Docker 5.4");
    free(miss);
    miss = uncovered(a->cfg, extra_masked, BRIG_ARRAY_SIZE(extra_masked), masked, NULL);
    if (miss)
        add(a, "masked-paths-extra", BRIG_SEV_LOW, BRIG_LEVEL_RESTRICTED, S("linux.maskedPaths"),
            F("kernel paths that leak host activity are not masked: %s", miss),
            S("add them to linux.maskedPaths"), "CIS Docker 5.4 (CVE-2020-8694)");
    free(miss);
    miss = uncovered(a->cfg, brig_default_readonly_paths, brig_n_default_readonly_paths, ro, masked);
    if (miss)
        add(a, "readonly-paths", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE, S("linux.readonlyPaths"),
            F("kernel paths are writable: %s", miss), S("add them to linux.readonlyPaths"),
            "PSS baseline: /proc Mount Type; CIS Docker 5.4");
    free(miss);
}

/* ---- sysctls ---- */

/* The namespace a sysctl belongs to, or -1 when it is the host's only. */
static int sysctl_ns(const char *k)
{
    if (strncmp(k, "net.", 4) == 0)
        return BRIG_NS_NETWORK;
    if (strncmp(k, "kernel.shm", 10) == 0 || strncmp(k, "kernel.msg", 10) == 0 ||
        strcmp(k, "kernel.sem") == 0 || strncmp(k, "fs.mqueue.", 10) == 0)
        return BRIG_NS_IPC;
    if (strcmp(k, "kernel.hostname") == 0 || strcmp(k, "kernel.domainname") == 0)
        return BRIG_NS_UTS;
    return -1;
}

static void check_sysctls(struct audit *a)
{
    static const char *const safe[] = {
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    };
    const struct brig_linux *l = a->cfg->linux_;
    for (size_t i = 0; l && i < l->sysctl.n; i++) {
        /* "net/ipv4/ip_forward" is the same key as "net.ipv4.ip_forward". */
        char key[256];
        snprintf(key, sizeof key, "%s", l->sysctl.v[i].key);
        for (char *c = key; *c; c++)
            if (*c == '/')
                *c = '.';
        int ns = sysctl_ns(key);
        char *tmp = NULL;
        bool host = ns < 0 || shares_host_ns(a->cfg, (enum brig_ns_type)ns, &tmp);
        free(tmp);
        bool is_safe = false;
        for (size_t j = 0; j < BRIG_ARRAY_SIZE(safe); j++)
            is_safe |= strcmp(key, safe[j]) == 0;
        if (host)
            add(a, "sysctl-host", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE,
                F("linux.sysctl[\"%s\"]", l->sysctl.v[i].key),
                F("sysctl %s changes the host's kernel setting%s", key,
                  ns < 0 ? " (it is not namespaced)" : " (its namespace is the host's)"),
                S("remove it"), "PSS baseline: Sysctls");
        else if (!is_safe)
            add(a, "sysctl-unsafe", BRIG_SEV_MEDIUM, BRIG_LEVEL_BASELINE,
                F("linux.sysctl[\"%s\"]", l->sysctl.v[i].key),
                F("sysctl %s is not in the Pod Security Standards' safe set", key),
                S("remove it, or keep to the safe set"), "PSS baseline: Sysctls");
    }
}

/* ---- devices ---- */

/* Character devices every container gets. */
static bool safe_char_device(int64_t major, int64_t minor)
{
    if (major == 1)
        return minor == 3 || minor == 5 || minor == 7 || minor == 8 || minor == 9;
    if (major == 5)
        return minor >= 0 && minor <= 2;
    return major == 136; /* pts */
}

/* mem, kmem, port: the host's memory and I/O ports. */
static bool memory_device(int64_t major, int64_t minor)
{
    return major == 1 && (minor == 1 || minor == 2 || minor == 4);
}

static void check_devices(struct audit *a)
{
    const struct brig_linux *l = a->cfg->linux_;
    for (size_t i = 0; l && i < l->n_devices; i++) {
        const struct brig_device *d = &l->devices[i];
        if (d->type == 'p' || ((d->type == 'c' || d->type == 'u') && safe_char_device(d->major, d->minor)))
            continue;
        enum brig_severity sev = d->type == 'b'                         ? BRIG_SEV_HIGH
                                 : memory_device(d->major, d->minor) ? BRIG_SEV_CRITICAL
                                                                       : BRIG_SEV_MEDIUM;
        add(a, "device-host", sev, BRIG_LEVEL_BASELINE, F("linux.devices[%zu]", i),
            F("host device %s (%c %lld:%lld) is created in the container", d->path, d->type,
              (long long)d->major, (long long)d->minor),
            S("remove it from linux.devices"), "CIS Docker 5.17");
    }
    const struct brig_resources *r = l ? l->resources : NULL;
    for (size_t i = 0; r && i < r->n_devices; i++) {
        const struct brig_device_rule *d = &r->devices[i];
        const char *acc = d->access ? d->access : "rwm";
        if (!d->allow || (!strchr(acc, 'r') && !strchr(acc, 'w')))
            continue; /* mknod alone opens nothing */
        char type = d->type ? d->type : 'a';
        bool any_major = !d->major.set, any_minor = !d->minor.set;
        const char *msg;
        enum brig_severity sev;
        if (type == 'a' && any_major && any_minor) {
            msg = "every device";
            sev = BRIG_SEV_CRITICAL;
        } else if (type == 'a') {
            msg = "block and character devices";
            sev = BRIG_SEV_HIGH;
        } else if (type == 'b') {
            msg = "block devices";
            sev = BRIG_SEV_HIGH;
        } else if (any_major) {
            msg = "every character device";
            sev = BRIG_SEV_HIGH;
        } else if (!any_minor && memory_device(d->major.v, d->minor.v)) {
            msg = "the host's memory or I/O ports";
            sev = BRIG_SEV_CRITICAL;
        } else if (!any_minor && safe_char_device(d->major.v, d->minor.v)) {
            continue;
        } else if (any_minor && d->major.v == 136) {
            continue;
        } else {
            msg = "a host character device";
            sev = BRIG_SEV_MEDIUM;
        }
        char maj[24] = "*", min[24] = "*";
        if (d->major.set)
            snprintf(maj, sizeof maj, "%lld", (long long)d->major.v);
        if (d->minor.set)
            snprintf(min, sizeof min, "%lld", (long long)d->minor.v);
        add(a, "device-cgroup", sev, BRIG_LEVEL_BASELINE, F("linux.resources.devices[%zu]", i),
            F("the device cgroup allows %s (%c %s:%s %s)", msg, type, maj, min, acc),
            S("allow only the devices the process needs"), "CIS Docker 5.17");
    }
}

/* ---- limits ---- */

static void check_limits(struct audit *a)
{
    if (!wanted(a, BRIG_LEVEL_RESTRICTED))
        return;
    const struct brig_resources *r = a->cfg->linux_ ? a->cfg->linux_->resources : NULL;
    const struct brig_memory *mem = r ? r->memory : NULL;
    if (!mem || !mem->limit.set || mem->limit.v <= 0)
        add(a, "limit-memory", BRIG_SEV_MEDIUM, BRIG_LEVEL_RESTRICTED,
            S("linux.resources.memory.limit"), S("no memory limit"),
            S("set linux.resources.memory.limit (bytes)"), "CIS Docker 5.10");
    const struct brig_cpu *cpu = r ? r->cpu : NULL;
    if (!cpu || !((cpu->shares.set && cpu->shares.v > 0) || (cpu->quota.set && cpu->quota.v > 0) ||
                  (cpu->cpus && *cpu->cpus)))
        add(a, "limit-cpu", BRIG_SEV_LOW, BRIG_LEVEL_RESTRICTED, S("linux.resources.cpu"),
            S("no CPU limit or weight"), S("set linux.resources.cpu.quota and period, or shares"),
            "CIS Docker 5.11");
    if (!r || !r->pids_limit.set || r->pids_limit.v <= 0)
        add(a, "limit-pids", BRIG_SEV_MEDIUM, BRIG_LEVEL_RESTRICTED, S("linux.resources.pids.limit"),
            S("no pids limit: a fork bomb can exhaust the host's process table"),
            S("set linux.resources.pids.limit"), "CIS Docker 5.28");
}

/* ---- the whole audit ---- */

static int cmp_findings(const void *x, const void *y)
{
    const struct brig_finding *a = x, *b = y;
    if (a->severity != b->severity)
        return a->severity > b->severity ? -1 : 1;
    int c = strcmp(a->path, b->path);
    return c ? c : strcmp(a->message, b->message);
}

void brig_audit(const struct brig_config *cfg, enum brig_level level, struct brig_findings *out)
{
    struct audit a = {.cfg = cfg, .level = level, .out = out};
    out->v = NULL;
    out->n = 0;
    if (cfg->process) {
        check_user(&a);
        check_capabilities(&a);
        check_no_new_privs(&a);
        check_lsm(&a);
        check_seccomp(&a);
    }
    check_namespaces(&a);
    check_rootfs(&a);
    check_mounts(&a);
    check_kernel_paths(&a);
    check_sysctls(&a);
    check_devices(&a);
    check_limits(&a);
    if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, cmp_findings);
}

void brig_findings_free(struct brig_findings *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].path);
        free(f->v[i].message);
        free(f->v[i].fix);
    }
    free(f->v);
    f->v = NULL;
    f->n = 0;
}
