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

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "brig/rootless.h"
#include "audit_priv.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

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
        snprintf(ref, sizeof ref, "%s/ns/%s", refs[i], brig_ns_info[t].proc_name);
        struct stat r;
        if (stat(ref, &r) < 0) {
            *why = F("the host's namespace %s cannot be examined to compare (%s)", ref, strerror(errno));
            return NS_UNPROVEN;
        }
        if (r.st_dev == st.st_dev && r.st_ino == st.st_ino) {
            *why = F("%s is the host's %s namespace (the same as %s)", path, brig_ns_info[t].proc_name, ref);
            return NS_HOST;
        }
    }
    *why = NULL;
    return NS_OTHER;
}

/* Whether the container has the host's namespace of type T, or cannot be
 * shown not to: absent, or joined at a path that is (or may be) the host's.
 * *PATH gets the JSON path, *WHY (may be NULL) the reason. */
bool audit_shares_host_ns(const struct brig_config *cfg, enum brig_ns_type t, char **path, char **why)
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
        if (!audit_shares_host_ns(a->cfg, nss[i].type, &path, &why))
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
        audit_check_scheduling(&a);
    }
    check_namespaces(&a);
    check_idmaps(&a);
    audit_check_rootfs(&a);
    audit_check_mounts(&a);
    audit_check_kernel_paths(&a);
    audit_check_sysctls(&a);
    audit_check_devices(&a);
    audit_check_cgroups_path(&a);
    audit_check_hooks(&a);
    audit_check_limits(&a);
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

