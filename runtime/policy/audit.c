/* brig: the security audit of a config (brig check, --policy baseline and
 * restricted).
 *
 * The audit judges what a config grants, not how it is spelled: mount
 * options are read by the parser create uses, a namespace path is compared
 * by inode with the host's namespaces, a bind's source and a device's host
 * file are examined where they are, the seccomp filter is compiled and run
 * (audit_seccomp.c).  Where a field can reach the host, only what is known
 * to be safe passes; what cannot be proven at check time is a finding.
 * Each finding names the JSON path to change and how; the level is the
 * lowest Pod Security Standards level that forbids it (CIS-only items sit
 * under restricted, except the host-escape ones, which baseline also
 * refuses). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cgroup.h"
#include "brig/cgroup_internal.h"
#include "brig/oci.h"
#include "brig/internal.h"
#include "brig/mounts.h"
#include "brig/policy.h"
#include "brig/rootless.h"
#include "audit_priv.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif
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

#define wanted audit_wanted
#define add audit_add

void audit_add(struct audit *a, const char *check, enum brig_severity sev, enum brig_level level,
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

/* ---- namespaces ---- */

static const char *const ns_proc_names[] = {
    [BRIG_NS_PID] = "pid", [BRIG_NS_NETWORK] = "net",   [BRIG_NS_MOUNT] = "mnt",
    [BRIG_NS_IPC] = "ipc", [BRIG_NS_UTS] = "uts",       [BRIG_NS_USER] = "user",
    [BRIG_NS_CGROUP] = "cgroup", [BRIG_NS_TIME] = "time",
};

enum ns_verdict { NS_OTHER, NS_HOST, NS_UNPROVEN };

/* What joining the namespace at PATH gives: the host's (init's, or the
 * runtime's own) namespace of type T, another one, or unknown (*WHY says
 * why).  By inode, so that any spelling (/proc/2/ns/net, a symlink, a bind
 * of an nsfs file) is the same namespace as what it names. */
static enum ns_verdict judge_ns_path(const char *path, enum brig_ns_type t, char **why)
{
    struct stat st;
    struct statfs fs;
    if (stat(path, &st) < 0) {
        *why = F("%s cannot be examined (%s)", path, strerror(errno));
        return NS_UNPROVEN;
    }
    if (statfs(path, &fs) < 0 || fs.f_type != NSFS_MAGIC) {
        *why = F("%s is not a namespace file", path);
        return NS_UNPROVEN;
    }
    static const char *const refs[] = {"/proc/1", "/proc/self"};
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(refs); i++) {
        char ref[64];
        snprintf(ref, sizeof ref, "%s/ns/%s", refs[i], ns_proc_names[t]);
        struct stat r;
        if (stat(ref, &r) < 0) {
            *why = F("the host's namespace %s cannot be examined to compare (%s)", ref, strerror(errno));
            return NS_UNPROVEN;
        }
        if (r.st_dev == st.st_dev && r.st_ino == st.st_ino) {
            *why = F("%s is the host's %s namespace (the same as %s)", path, ns_proc_names[t], ref);
            return NS_HOST;
        }
    }
    *why = NULL;
    return NS_OTHER;
}

/* Whether the container has the host's namespace of type T, or cannot be
 * shown not to: absent, or joined at a path that is (or may be) the host's.
 * *PATH gets the JSON path, *WHY (may be NULL) the reason. */
static bool shares_host_ns(const struct brig_config *cfg, enum brig_ns_type t, char **path, char **why)
{
    const struct brig_linux *l = cfg->linux_;
    if (why)
        *why = NULL;
    for (size_t i = 0; l && i < l->n_namespaces; i++) {
        if (l->namespaces[i].type != t)
            continue;
        if (!l->namespaces[i].path)
            return false;
        char *reason = NULL;
        if (judge_ns_path(l->namespaces[i].path, t, &reason) == NS_OTHER)
            return false;
        *path = F("linux.namespaces[%zu].path", i);
        if (why)
            *why = reason;
        else
            free(reason);
        return true;
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
        char *path, *why;
        if (!shares_host_ns(a->cfg, nss[i].type, &path, &why))
            continue;
        const char *name = brig_ns_type_name(nss[i].type);
        char *msg = why ? F("the container may share %s: %s; a path passes only when it is provably not "
                            "the host's", nss[i].what, why)
                        : F("the container shares %s", nss[i].what);
        add(a, nss[i].check, nss[i].sev, nss[i].level, path, msg,
            why ? F("join a namespace of another container, or use {\"type\": \"%s\"} without a path", name)
                : F("add {\"type\": \"%s\"} to linux.namespaces", name),
            nss[i].refs);
        free(why);
    }
}

/* ---- user ---- */

/* The host uid a container uid runs as; false when it cannot be told (no
 * mapping for it).  A user namespace joined by path counts as the host's
 * unless it provably is not, and then its mapping is unknown. */
static bool host_uid(const struct brig_config *cfg, uint32_t uid, uint32_t *host)
{
    const struct brig_namespace *ns = brig_config_namespace(cfg, BRIG_NS_USER);
    if (!ns) {
        *host = uid;
        return true;
    }
    if (ns->path) {
        char *why = NULL;
        enum ns_verdict v = judge_ns_path(ns->path, BRIG_NS_USER, &why);
        free(why);
        if (v == NS_OTHER)
            return false;
        *host = uid;
        return true;
    }
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

/* A user namespace whose mapping contains host uid or gid 0: whoever is
 * (or becomes, with CAP_SETUID in the namespace) that id inside owns every
 * host-root file the container can reach, and files the container creates
 * are host root's.  The process's own uid is judged above; this is the map. */
static void check_idmaps(struct audit *a)
{
    const struct brig_namespace *ns = brig_config_namespace(a->cfg, BRIG_NS_USER);
    const struct brig_linux *l = a->cfg->linux_;
    /* In brig's own user namespace (rootless podman) hostIDs are that
     * namespace's ids: its 0 is the unprivileged user who made it. */
    if (!ns || ns->path || !l || brig_running_in_userns())
        return;
    for (int gid = 0; gid < 2; gid++) {
        const struct brig_idmap *v = gid ? l->gid_mappings : l->uid_mappings;
        size_t n = gid ? l->n_gid_mappings : l->n_uid_mappings;
        for (size_t i = 0; i < n; i++) {
            if (v[i].host_id != 0 || v[i].size == 0)
                continue;
            add(a, "idmap-host-root", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE,
                F("linux.%sMappings[%zu]", gid ? "gid" : "uid", i),
                F("container %s %u is the host's root %s (0)", gid ? "gid" : "uid", v[i].container_id,
                  gid ? "group" : "user"),
                S("map the container's ids to an unprivileged host range (e.g. hostID 100000)"),
                "PSS baseline: Host Namespaces; CIS Docker 2.8");
        }
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

/* ---- file system ---- */

/* ---- file system ---- */

static bool under(const char *p, const char *dir);

/* The host's own system directories (engines keep rootfs directories
 * under their state, /var/lib/... or /run/..., which are fine). */
static bool host_system_dir(const char *p)
{
    static const char *const exact[] = {"/", "/var", "/var/lib", "/run", "/var/run", "/home", "/root", "/opt",
                                        "/srv", "/mnt", "/tmp"};
    static const char *const trees[] = {"/proc", "/sys", "/dev", "/etc", "/usr", "/boot", "/lib", "/lib32",
                                        "/lib64", "/bin", "/sbin"};
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(exact); i++)
        if (strcmp(p, exact[i]) == 0)
            return true;
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(trees); i++)
        if (under(p, trees[i]))
            return true;
    return false;
}

/* The rootfs is a host directory: it must not be one of the host's own. */
static void check_rootfs_path(struct audit *a)
{
    const struct brig_root *r = a->cfg->root;
    if (!r || !r->path)
        return;
    if (r->path[0] != '/' && !a->bundle)
        return; /* relative to a bundle we were not told */
    cleanup_free char *p = r->path[0] == '/' ? brig_xstrdup(r->path) : F("%s/%s", a->bundle, r->path);
    char real[PATH_MAX];
    if (!realpath(p, real))
        return; /* create fails: nothing to run in */
    if (host_system_dir(real))
        add(a, "rootfs-host", BRIG_SEV_CRITICAL, BRIG_LEVEL_BASELINE, S("root.path"),
            F("the root file system is the host's %s%s", real,
              r->readonly ? " (read-only)" : ": the container writes to it"),
            S("use a directory made for the container (an image's rootfs)"),
            "PSS baseline: HostPath Volumes; CIS Docker 5.5");
}

static void check_rootfs(struct audit *a)
{
    check_rootfs_path(a);
    if (!a->cfg->root || a->cfg->root->readonly)
        return;
    add(a, "rootfs-writable", BRIG_SEV_MEDIUM, BRIG_LEVEL_RESTRICTED, S("root.readonly"),
        S("the root file system is writable"),
        S("set root.readonly to true and mount a tmpfs where the process writes (e.g. /tmp)"),
        "CIS Docker 5.12");
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

/* Host paths whose exposure CIS 5.5 names, plus the runtimes' state.  The
 * system's trees are sensitive at every depth (/etc/shadow, /usr/bin,
 * /root/.ssh; /var/log is how a container reads host files through the
 * node's log readers), except a few files images commonly take read-only
 * from the host: the time zone and the CA certificates. */
static bool sensitive_host_path(const char *p)
{
    static const char *const exact[] = {"/", "/var", "/var/lib", "/run", "/var/run", "/home"};
    static const char *const trees[] = {"/proc", "/sys", "/dev", "/boot", "/etc", "/usr", "/bin",
                                        "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/root",
                                        "/var/log", "/var/lib/kubelet", "/var/lib/docker",
                                        "/var/lib/containerd", "/run/containerd", "/var/run/containerd",
                                        "/var/lib/containers", "/run/brig", "/etc/brig"};
    static const char *const benign[] = {"/etc/localtime", "/etc/timezone", "/usr/share/zoneinfo",
                                         "/etc/ssl/certs", "/etc/pki/tls/certs", "/etc/ca-certificates",
                                         "/usr/share/ca-certificates"};
    if (strcmp(p, "/dev/null") == 0)
        return false;
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(benign); i++)
        if (under(p, benign[i]))
            return false;
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(exact); i++)
        if (strcmp(p, exact[i]) == 0)
            return true;
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(trees); i++)
        if (under(p, trees[i]))
            return true;
    return false;
}

/* "/a/./b/../c//" -> "/a/c", never above "/" (as the kernel resolves it,
 * symlinks aside). */
static void norm_path(const char *in, char *out, size_t size)
{
    size_t j = 0;
    out[j++] = '/';
    for (const char *p = in; *p;) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if (n == 0)
            break;
        if (n == 1 && p[0] == '.') {
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (j > 1 && out[j - 1] != '/')
                j--;
            if (j > 1)
                j--;
        } else if (j + n + 2 < size) {
            if (j > 1)
                out[j++] = '/';
            memcpy(out + j, p, n);
            j += n;
        }
        p += n;
    }
    out[j] = '\0';
}

/* Character devices a container may have: null, zero, full, random,
 * urandom, tty, ptmx and the pts; fuse at baseline only (it lets the
 * container serve a file system the host's kernel then parses). */
static bool safe_char_device(int64_t major, int64_t minor)
{
    if (major == 1)
        return minor == 3 || minor == 5 || minor == 7 || minor == 8 || minor == 9;
    if (major == 5)
        return minor == 0 || minor == 2;
    return major == 136; /* pts */
}

static bool fuse_device(int64_t major, int64_t minor)
{
    return major == 10 && minor == 229;
}

/* mem, kmem, port: the host's memory and I/O ports. */
static bool memory_device(int64_t major, int64_t minor)
{
    return major == 1 && (minor == 1 || minor == 2 || minor == 4);
}

/* File systems whose files are the host kernel's controls. */
static const char *kernel_fs_name(long type)
{
    switch (type) {
    case PROC_SUPER_MAGIC: return "procfs";
    case SYSFS_MAGIC: return "sysfs";
    case DEBUGFS_MAGIC: return "debugfs";
    case TRACEFS_MAGIC: return "tracefs";
    case SECURITYFS_MAGIC: return "securityfs";
    case BPF_FS_MAGIC: return "bpffs";
    case CGROUP_SUPER_MAGIC: return "cgroupfs";
    case CGROUP2_SUPER_MAGIC: return "cgroup2";
    case NSFS_MAGIC: return "nsfs (a namespace file: setns(2) can join it)";
    case 0x62656570: return "configfs";
    case 0x65735543: return "fusectl";
    case 0x42494e4d: return "binfmt_misc";
    case 0xf97cff8c: return "selinuxfs";
    default: return NULL;
    }
}

static void check_bind(struct audit *a, size_t i, const struct brig_mount *m, bool ro)
{
    if (!m->source)
        return; /* create refuses it */
    /* Judge it as spelled, with "." and ".." taken lexically, and where it
     * leads today (symlinks followed): each must pass. */
    char raw[PATH_MAX], src[PATH_MAX], real[PATH_MAX];
    clean_path(m->source, raw, sizeof raw);
    norm_path(m->source, src, sizeof src);
    bool exists = realpath(m->source, real) != NULL;
    const char *where = exists ? real : src;
    if (engine_managed(raw) && engine_managed(src) && engine_managed(where))
        return;
    struct stat st;
    struct statfs fs;
    const char *kfs = NULL;
    if (exists && statfs(real, &fs) == 0)
        kfs = kernel_fs_name((long)fs.f_type);
    if (exists && stat(real, &st) == 0 && (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)) &&
        !(S_ISCHR(st.st_mode) && safe_char_device(major(st.st_rdev), minor(st.st_rdev)))) {
        add(a, "mount-host-device", BRIG_SEV_CRITICAL, BRIG_LEVEL_BASELINE, F("mounts[%zu].source", i),
            F("host device %s (%c %u:%u) is bound at %s", where, S_ISBLK(st.st_mode) ? 'b' : 'c',
              major(st.st_rdev), minor(st.st_rdev), m->destination),
            S("remove this mount"), "PSS baseline: HostPath Volumes; CIS Docker 5.17");
    } else if (runtime_socket(raw) || runtime_socket(where)) {
        add(a, "mount-runtime-socket", BRIG_SEV_CRITICAL, BRIG_LEVEL_BASELINE, F("mounts[%zu].source", i),
            F("the container runtime socket %s is mounted at %s: it controls the host", where, m->destination),
            S("remove this mount"), "PSS baseline: HostPath Volumes; CIS Docker 5.31");
    } else if (sensitive_host_path(raw) || sensitive_host_path(src) || sensitive_host_path(where) || kfs) {
        char *msg = kfs && !sensitive_host_path(raw) && !sensitive_host_path(src) && !sensitive_host_path(where)
                        ? F("host path %s lies on the host's %s and is mounted %s at %s", where, kfs,
                            ro ? "read-only" : "writable", m->destination)
                        : F("sensitive host path %s is mounted %s at %s", where, ro ? "read-only" : "writable",
                            m->destination);
        add(a, "mount-host-sensitive", ro && !kfs ? BRIG_SEV_HIGH : BRIG_SEV_CRITICAL, BRIG_LEVEL_BASELINE,
            F("mounts[%zu].source", i), msg,
            S("remove this mount, or mount only what the process needs, read-only"),
            "PSS baseline: HostPath Volumes; CIS Docker 5.5");
    } else {
        add(a, "mount-host-path", ro ? BRIG_SEV_LOW : BRIG_SEV_MEDIUM, BRIG_LEVEL_BASELINE,
            F("mounts[%zu].source", i),
            F("host path %s is mounted %s at %s", where, ro ? "read-only" : "writable", m->destination),
            S(ro ? "use a volume the runtime owns instead of a host path"
                 : "add \"ro\" to mounts[].options, or use a volume instead of a host path"),
            "PSS baseline: HostPath Volumes");
    }
}

/* A new file system (not a bind): only the kinds a container needs, each
 * where it belongs. */
static void check_new_fs(struct audit *a, size_t i, const struct brig_mount *m, const char *dest, bool ro,
                         int *procs, int *sysfs)
{
    const char *t = m->type ? m->type : "";
    const char *refs = "PSS baseline: Privileged Containers, /proc Mount Type; CIS Docker 5.4";
    if (strcmp(t, "proc") == 0) {
        if (strcmp(dest, "/proc") != 0 || (*procs)++)
            add(a, "mount-proc", BRIG_SEV_CRITICAL, BRIG_LEVEL_BASELINE, F("mounts[%zu].destination", i),
                F("a%s proc file system at %s: linux.maskedPaths and readonlyPaths cover /proc only, so "
                  "this one exposes the kernel's controls unmasked", *procs > 1 ? " second" : "",
                  m->destination),
                S("mount proc once, at /proc"), refs);
        return;
    }
    if (strcmp(t, "sysfs") == 0) {
        if (strcmp(dest, "/sys") != 0 || (*sysfs)++)
            add(a, "mount-sysfs", BRIG_SEV_CRITICAL, BRIG_LEVEL_BASELINE, F("mounts[%zu].destination", i),
                F("a%s sysfs at %s: masked paths cover /sys only", *sysfs > 1 ? " second" : "", m->destination),
                S("mount sysfs once, read-only, at /sys"), refs);
        else if (!ro)
            add(a, "mount-sysfs-writable", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE, F("mounts[%zu].options", i),
                F("%s (sysfs) is writable", m->destination), S("add \"ro\" to its options"),
                "PSS baseline: Privileged Containers; CIS Docker 5.4");
        return;
    }
    if (strcmp(t, "cgroup") == 0 || strcmp(t, "cgroup2") == 0) {
        if (!ro)
            add(a, "mount-cgroup-writable", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE, F("mounts[%zu].options", i),
                F("%s (cgroup) is writable: release_agent and limits can be changed", m->destination),
                S("add \"ro\" to its options"), "CIS Docker 5.4 (CVE-2022-0492)");
        return;
    }
    if (strcmp(t, "tmpfs") == 0 || strcmp(t, "devpts") == 0 || strcmp(t, "mqueue") == 0)
        return;
    char *msg;
    if (m->source && strncmp(m->source, "/dev/", 5) == 0)
        msg = F("file system type \"%s\" from host device %s at %s: the host's disk, and its image parsed by "
                "the host's kernel", t, m->source, m->destination);
    else if (strcmp(t, "overlay") == 0)
        msg = F("an overlay at %s: its layers are host paths (lowerdir, upperdir) outside the policy's view",
                m->destination);
    else
        msg = F("file system type \"%s\" at %s is not one a container needs", *t ? t : "(none)", m->destination);
    add(a, "mount-type", BRIG_SEV_CRITICAL, BRIG_LEVEL_BASELINE, F("mounts[%zu].type", i), msg,
        S("remove this mount: containers get proc, sysfs (read-only), tmpfs, devpts, mqueue, cgroup "
          "(read-only) and binds of non-sensitive host paths"),
        refs);
}

static void check_mounts(struct audit *a)
{
    const struct brig_config *cfg = a->cfg;
    int procs = 0, sysfs = 0;
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        const struct brig_mount *m = &cfg->mounts[i];
        /* The same reading of the options as create's (mountopt.c): "bind"
         * or "rbind" make any type a bind, "remount" a remount. */
        struct brig_mount_opts mo;
        if (brig_parse_mount_options(&m->options, m->type, &mo) < 0) {
            add(a, "mount-options", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE, F("mounts[%zu].options", i),
                F("the options cannot be judged: %s", brig_last_error()), S("fix the options"),
                "PSS baseline: HostPath Volumes");
            brig_clear_error();
            continue;
        }
        /* Read-only as mounted, unless a recursive "rrw" clears it afterwards. */
        bool ro = ((mo.flags & MS_RDONLY) || (mo.attr_set & BRIG_ATTR_RDONLY) || (mo.rattr_set & BRIG_ATTR_RDONLY)) &&
                  !(mo.rattr_clr & BRIG_ATTR_RDONLY);
        char dest[PATH_MAX];
        norm_path(m->destination, dest, sizeof dest);
        if (mo.flags & MS_REMOUNT)
            add(a, "mount-remount", BRIG_SEV_CRITICAL, BRIG_LEVEL_BASELINE, F("mounts[%zu].options", i),
                F("\"remount\" at %s changes the file system already there (the rootfs's is the host's) "
                  "instead of mounting a new one", m->destination),
                S("remove \"remount\": brig applies ro and the other flags itself"),
                "PSS baseline: HostPath Volumes; CIS Docker 5.4");
        else if (mo.bind)
            check_bind(a, i, m, ro);
        else
            check_new_fs(a, i, m, dest, ro, &procs, &sysfs);
        for (size_t k = 0; k < mo.n_propagation; k++)
            if (mo.propagation[k] & MS_SHARED) {
                add(a, "mount-propagation-shared", BRIG_SEV_MEDIUM, BRIG_LEVEL_BASELINE,
                    F("mounts[%zu].options", i),
                    F("%s uses shared propagation: mounts made in the container reach the host",
                      m->destination),
                    S("use private or slave propagation (rprivate, rslave)"), "CIS Docker 5.19");
                break;
            }
        brig_mount_opts_free(&mo);
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
        if (cfg->mounts[i].type && strcmp(cfg->mounts[i].type, type) == 0)
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
        /* Read as create reads it (sysctl.c): "kernel/core_pattern" is
         * kernel.core_pattern. */
        const char *raw = l->sysctl.v[i].key;
        cleanup_free char *key = NULL;
        enum brig_ns_type ns = BRIG_NS_COUNT;
        int c = brig_sysctl_classify(raw, &key, &ns);
        if (c < 0) {
            add(a, "sysctl-invalid", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE, F("linux.sysctl[\"%s\"]", raw),
                F("%s", brig_last_error()), S("remove it"), "PSS baseline: Sysctls");
            brig_clear_error();
            continue;
        }
        char *tmp = NULL, *why = NULL;
        bool host = c == 0 || shares_host_ns(a->cfg, ns, &tmp, &why);
        free(tmp);
        free(why);
        bool is_safe = false;
        for (size_t j = 0; j < BRIG_ARRAY_SIZE(safe); j++)
            is_safe |= strcmp(key, safe[j]) == 0;
        if (host)
            add(a, "sysctl-host", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE, F("linux.sysctl[\"%s\"]", raw),
                F("sysctl %s changes the host's kernel setting%s", key,
                  c == 0 ? " (it is not namespaced)" : " (its namespace is, or may be, the host's)"),
                S("remove it"), "PSS baseline: Sysctls");
        else if (!is_safe)
            add(a, "sysctl-unsafe", BRIG_SEV_MEDIUM, BRIG_LEVEL_BASELINE, F("linux.sysctl[\"%s\"]", raw),
                F("sysctl %s is not in the Pod Security Standards' safe set", key),
                S("remove it, or keep to the safe set"), "PSS baseline: Sysctls");
    }
}

/* ---- devices ---- */

static bool has_user_ns(const struct brig_config *cfg)
{
    return brig_config_namespace(cfg, BRIG_NS_USER) != NULL;
}

static void check_devices(struct audit *a)
{
    const struct brig_linux *l = a->cfg->linux_;
    for (size_t i = 0; l && i < l->n_devices; i++) {
        const struct brig_device *d = &l->devices[i];
        char path[PATH_MAX];
        norm_path(d->path, path, sizeof path);
        if (strncmp(path, "/dev/", 5) != 0 || strcmp(path, d->path) != 0) {
            add(a, "device-path", BRIG_SEV_CRITICAL, BRIG_LEVEL_BASELINE, F("linux.devices[%zu].path", i),
                F("device path %s is not a plain path below /dev%s", d->path,
                  has_user_ns(a->cfg) ? ": in a user namespace brig binds the host's file of that path" : ""),
                S("use a /dev/NAME path"), "CIS Docker 5.17");
            continue;
        }
        if (d->type == 'p')
            continue;
        bool chr = d->type == 'c' || d->type == 'u';
        if (chr && safe_char_device(d->major, d->minor)) {
        } else if (chr && fuse_device(d->major, d->minor)) {
            add(a, "device-host", BRIG_SEV_LOW, BRIG_LEVEL_RESTRICTED, F("linux.devices[%zu]", i),
                F("%s (c 10:229, fuse) lets the container serve file systems the host's kernel parses", d->path),
                S("remove it from linux.devices"), "CIS Docker 5.17");
        } else {
            enum brig_severity sev = d->type == 'b'                       ? BRIG_SEV_HIGH
                                     : memory_device(d->major, d->minor) ? BRIG_SEV_CRITICAL
                                                                           : BRIG_SEV_MEDIUM;
            add(a, "device-host", sev, BRIG_LEVEL_BASELINE, F("linux.devices[%zu]", i),
                F("host device %s (%c %lld:%lld) is created in the container", d->path, d->type,
                  (long long)d->major, (long long)d->minor),
                S("remove it from linux.devices"), "CIS Docker 5.17");
            continue;
        }
        /* In a user namespace mknod is refused and brig binds the host's
         * file of the same path instead (devices.c): it must be the node
         * the config describes. */
        if (!has_user_ns(a->cfg))
            continue;
        struct stat st;
        if (lstat(path, &st) < 0)
            continue; /* create fails: nothing to bind */
        if (!S_ISCHR(st.st_mode) || (int64_t)major(st.st_rdev) != d->major ||
            (int64_t)minor(st.st_rdev) != d->minor)
            add(a, "device-bind", BRIG_SEV_CRITICAL, BRIG_LEVEL_BASELINE, F("linux.devices[%zu].path", i),
                F("in a user namespace brig binds the host's %s, which is not the device c %lld:%lld",
                  path, (long long)d->major, (long long)d->minor),
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

/* ---- cgroup, hooks, scheduling, personality ---- */

/* Whether DIR holds a sub-directory (a child cgroup). */
static bool has_children(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool any = false;
    struct dirent *e;
    while (!any && (e = readdir(d)))
        any = e->d_type == DT_DIR && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return any;
}

/* A cgroupsPath naming a cgroup that exists with processes or children:
 * limits would land on (and delete would kill) what brig did not create. */
static void check_cgroups_path(struct audit *a)
{
    const char *want = a->cfg->linux_ ? a->cfg->linux_->cgroups_path : NULL;
    if (!want || !*want)
        return;
    cleanup_free char *path = brig_cgroup_path_for(a->cfg, "check", brig_g.systemd_cgroup);
    if (!path) {
        add(a, "cgroup-path", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE, S("linux.cgroupsPath"),
            F("cgroupsPath cannot be resolved: %s", brig_last_error()), S("fix linux.cgroupsPath"),
            "brig hardening (cgroups)");
        brig_clear_error();
        return;
    }
    const struct brig_cg_layout *l = brig_cg_layout();
    if (!l) {
        brig_clear_error();
        return; /* no cgroups here: nothing to share */
    }
    cleanup_free char *cg = NULL;
    if (brig_cg_is_systemd_path(path)) {
        char *unit = NULL;
        if (brig_cg_systemd_expand(path, &cg, &unit) < 0) {
            brig_clear_error();
            return;
        }
        free(unit);
    } else {
        cg = brig_xstrdup(path);
    }
    bool children = false;
    cleanup_free char *v2 = l->unified ? brig_cg_v2_dir(l, cg) : NULL;
    if (v2)
        children |= has_children(v2);
    for (size_t i = 0; i < l->n_v1; i++) {
        cleanup_free char *d = brig_xasprintf("%s%s", l->v1[i].mnt, cg);
        children |= has_children(d);
    }
    pid_t *pids = NULL;
    int n = brig_cgroup_pids(path, &pids);
    free(pids);
    if (n < 0)
        brig_clear_error(); /* not there yet */
    if (n > 0 || children)
        add(a, "cgroup-populated", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE, S("linux.cgroupsPath"),
            F("cgroupsPath names %s, which already has %s: its limits and a delete would reach what the "
              "container does not own", cg, n > 0 && children ? "processes and child cgroups"
                                           : n > 0           ? "processes"
                                                             : "child cgroups"),
            S("name a cgroup of the container's own (a new leaf)"), "brig hardening (cgroups)");
}

/* Hooks that run as the runtime, in the host's namespaces, and
 * createContainer hooks, which run with the init's privileges before
 * pivot_root, where the host's file systems are still in view.
 * startContainer hooks run after the process's user and capabilities are
 * set, inside the container's root. */
static void check_hooks(struct audit *a)
{
    const struct brig_hooks *h = a->cfg->hooks;
    if (!h)
        return;
    const struct {
        const char *name;
        const struct brig_hook_list *l;
    } host[] = {
        {"prestart", &h->prestart},
        {"createRuntime", &h->create_runtime},
        {"createContainer", &h->create_container},
        {"poststart", &h->poststart},
        {"poststop", &h->poststop},
    };
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(host); i++)
        for (size_t j = 0; j < host[i].l->n; j++)
            add(a, "hook-host", BRIG_SEV_HIGH, BRIG_LEVEL_RESTRICTED, F("hooks.%s[%zu]", host[i].name, j),
                host[i].l == &h->create_container
                    ? F("createContainer hook %s runs with the runtime's privileges before pivot_root, where "
                        "the host's file systems are in view", host[i].l->v[j].path)
                    : F("%s hook %s runs with the runtime's privileges in the host's namespaces", host[i].name,
                        host[i].l->v[j].path),
                S("remove it, or do this work in the engine before create"), "brig hardening (hooks)");
}

static void check_scheduling(struct audit *a)
{
    const struct brig_process *p = a->cfg->process;
    const struct brig_scheduler *s = p->scheduler;
    if (s && s->policy &&
        (strcmp(s->policy, "SCHED_FIFO") == 0 || strcmp(s->policy, "SCHED_RR") == 0 ||
         strcmp(s->policy, "SCHED_DEADLINE") == 0))
        add(a, "scheduler-realtime", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE, S("process.scheduler.policy"),
            F("real-time scheduling (%s): the container can starve the host's CPUs", s->policy),
            S("use SCHED_OTHER, SCHED_BATCH or SCHED_IDLE"), "brig hardening (scheduling)");
    if (s && s->nice.set && s->nice.v < 0)
        add(a, "scheduler-nice", BRIG_SEV_LOW, BRIG_LEVEL_RESTRICTED, S("process.scheduler.nice"),
            F("nice %d: the container runs ahead of the host's own processes", (int)s->nice.v),
            S("use a nice value of 0 or more"), "brig hardening (scheduling)");
    /* RLIMIT_RTPRIO lets the process choose real-time scheduling itself;
     * RLIMIT_NICE above 20 lets it raise its priority. */
    for (size_t i = 0; i < p->n_rlimits; i++) {
        const struct brig_rlimit *rl = &p->rlimits[i];
        if (rl->resource == RLIMIT_RTPRIO && (rl->soft > 0 || rl->hard > 0))
            add(a, "scheduler-realtime", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE, F("process.rlimits[%zu]", i),
                F("RLIMIT_RTPRIO %llu: the process may make itself real-time and starve the host's CPUs",
                  (unsigned long long)(rl->hard > rl->soft ? rl->hard : rl->soft)),
                S("remove it (0 is the default)"), "brig hardening (scheduling)");
        else if (rl->resource == RLIMIT_NICE && (rl->soft > 20 || rl->hard > 20))
            add(a, "scheduler-nice", BRIG_SEV_LOW, BRIG_LEVEL_RESTRICTED, F("process.rlimits[%zu]", i),
                S("RLIMIT_NICE above 20: the process may raise its priority above the host's processes"),
                S("remove it"), "brig hardening (scheduling)");
    }
    if (p->oom_score_adj.set && p->oom_score_adj.v < 0)
        add(a, "oom-score-adj", BRIG_SEV_LOW, BRIG_LEVEL_RESTRICTED, S("process.oomScoreAdj"),
            F("oomScoreAdj %d: the host's OOM killer spares the container before host processes",
              (int)p->oom_score_adj.v),
            S("use 0 or more"), "brig hardening (scheduling)");
    const struct brig_io_priority *io = p->io_priority;
    if (io && io->class_value == 1)
        add(a, "io-priority-realtime", BRIG_SEV_MEDIUM, BRIG_LEVEL_BASELINE, S("process.ioPriority.class"),
            S("real-time I/O class: the container's I/O goes ahead of the host's"),
            S("use IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE"), "brig hardening (scheduling)");
    const struct brig_personality *pe = a->cfg->linux_ ? a->cfg->linux_->personality : NULL;
    if (pe && pe->flags.n)
        add(a, "personality", BRIG_SEV_MEDIUM, BRIG_LEVEL_BASELINE, S("linux.personality.flags"),
            F("personality flags (%s) change how the kernel lays out and protects memory", pe->flags.v[0]),
            S("remove linux.personality.flags"), "brig hardening (personality)");
    if (pe && pe->domain && strcmp(pe->domain, "LINUX") != 0)
        add(a, "personality", BRIG_SEV_LOW, BRIG_LEVEL_RESTRICTED, S("linux.personality.domain"),
            F("execution domain %s: the process runs under the kernel's 32-bit compatibility layer",
              pe->domain),
            S("remove linux.personality"), "brig hardening (personality)");
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

void brig_audit(const struct brig_config *cfg, const char *bundle, enum brig_level level,
                struct brig_findings *out)
{
    struct audit a = {.cfg = cfg, .bundle = bundle, .level = level, .out = out};
    out->v = NULL;
    out->n = 0;
    if (cfg->process) {
        check_user(&a);
        check_capabilities(&a);
        check_no_new_privs(&a);
        check_lsm(&a);
        audit_seccomp(&a);
        check_scheduling(&a);
    }
    check_namespaces(&a);
    check_idmaps(&a);
    check_rootfs(&a);
    check_mounts(&a);
    check_kernel_paths(&a);
    check_sysctls(&a);
    check_devices(&a);
    check_cgroups_path(&a);
    check_hooks(&a);
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

