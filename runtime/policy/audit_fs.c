/* brig: the audit of what a container sees of the host's file system:
 * the rootfs, mounts, masked and read-only kernel paths, sysctls and
 * devices (see audit.c). */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "brig/mounts.h"
#include "audit_priv.h"

#define wanted audit_wanted
#define add audit_add

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

/* ---- file system ---- */

static bool under(const char *p, const char *dir);

/* P is one of EXACT, or at or below one of TREES. */
static bool in_lists(const char *p, const char *const *exact, size_t n_exact, const char *const *trees,
                     size_t n_trees)
{
    for (size_t i = 0; i < n_exact; i++)
        if (strcmp(p, exact[i]) == 0)
            return true;
    for (size_t i = 0; i < n_trees; i++)
        if (under(p, trees[i]))
            return true;
    return false;
}

/* The host's own system directories (engines keep rootfs directories
 * under their state, /var/lib/... or /run/..., which are fine). */
static bool host_system_dir(const char *p)
{
    static const char *const exact[] = {"/", "/var", "/var/lib", "/run", "/var/run", "/home", "/root", "/opt",
                                        "/srv", "/mnt", "/tmp"};
    static const char *const trees[] = {"/proc", "/sys", "/dev", "/etc", "/usr", "/boot", "/lib", "/lib32",
                                        "/lib64", "/bin", "/sbin"};
    return in_lists(p, exact, BRIG_ARRAY_SIZE(exact), trees, BRIG_ARRAY_SIZE(trees));
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

void audit_check_rootfs(struct audit *a)
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
    if (in_lists(p, NULL, 0, benign, BRIG_ARRAY_SIZE(benign)))
        return false;
    return in_lists(p, exact, BRIG_ARRAY_SIZE(exact), trees, BRIG_ARRAY_SIZE(trees));
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

void audit_check_mounts(struct audit *a)
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

void audit_check_kernel_paths(struct audit *a)
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

void audit_check_sysctls(struct audit *a)
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
        bool host = c == 0 || audit_shares_host_ns(a->cfg, ns, &tmp, &why);
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

void audit_check_devices(struct audit *a)
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
