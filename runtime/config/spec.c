/* brig: the config.json `brig spec` writes.
 *
 * The hardened profile (the default) is what `brig check --policy
 * restricted` passes without a finding: uid/gid 65534, every capability
 * dropped, no_new_privs, the RuntimeDefault seccomp profile, a read-only
 * root with a small tmpfs on /tmp, masked and read-only kernel paths, new
 * pid/network/ipc/uts/mount/cgroup namespaces, memory/pids/CPU limits and
 * a device cgroup that denies all but the runtime's standard nodes.
 *
 * --rootless maps root in a new user namespace to the caller and drops the
 * limits (an unprivileged user cannot set them without a delegated cgroup)
 * and the cgroup mount; uid 0 there is the caller, not root.
 *
 * The runc profile is what `runc spec` writes, for those who need it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/internal.h"
#include "brig/json.h"
#include "brig/policy.h"
#include "brig/seccomp.h"
#include "brig/agent.h"
#include "brig/spec.h"

#define NUL_TERMINATED(...) ((const char *const[]){__VA_ARGS__, NULL})

static void gen_strv(yajl_gen g, const char *key, const char *const *v)
{
    brig_json_key(g, key);
    yajl_gen_array_open(g);
    for (; *v; v++)
        brig_json_str(g, *v);
    yajl_gen_array_close(g);
}

static void gen_strs(yajl_gen g, const char *key, const char *const *v, size_t n)
{
    brig_json_key(g, key);
    yajl_gen_array_open(g);
    for (size_t i = 0; i < n; i++)
        brig_json_str(g, v[i]);
    yajl_gen_array_close(g);
}

/* A parsed JSON tree written back out (the embedded seccomp profile). */
static void gen_tree(yajl_gen g, yajl_val v)
{
    if (YAJL_IS_OBJECT(v)) {
        yajl_gen_map_open(g);
        for (size_t i = 0; i < v->u.object.len; i++) {
            brig_json_key(g, v->u.object.keys[i]);
            gen_tree(g, v->u.object.values[i]);
        }
        yajl_gen_map_close(g);
    } else if (YAJL_IS_ARRAY(v)) {
        yajl_gen_array_open(g);
        for (size_t i = 0; i < v->u.array.len; i++)
            gen_tree(g, v->u.array.values[i]);
        yajl_gen_array_close(g);
    } else if (YAJL_IS_STRING(v)) {
        brig_json_str(g, v->u.string);
    } else if (YAJL_IS_NUMBER(v)) {
        yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
    } else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
        yajl_gen_bool(g, YAJL_IS_TRUE(v));
    } else {
        yajl_gen_null(g);
    }
}

static bool strv_contains(char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

/* The RuntimeDefault profile with the seccomp agent's calls trapped: they
 * leave every rule of the profile and go to one SCMP_ACT_NOTIFY rule (a
 * call may have one action only); listenerPath is the agent's socket. */
static int gen_monitored(yajl_gen g, yajl_val profile, const char *socket)
{
    struct brig_agent_rules rules;
    if (brig_agent_rules_parse(brig_agent_rules_json, &rules) < 0)
        return -1;
    size_t n_trap = 0;
    for (size_t i = 0; i < rules.n_rules; i++)
        n_trap += rules.rules[i].n_names;
    char **trap = brig_xcalloc(n_trap + 1, sizeof *trap);
    n_trap = 0;
    for (size_t i = 0; i < rules.n_rules; i++)
        for (size_t k = 0; k < rules.rules[i].n_names; k++)
            if (!strv_contains(trap, n_trap, rules.rules[i].names[k]))
                trap[n_trap++] = rules.rules[i].names[k];
    yajl_gen_map_open(g);
    for (size_t i = 0; i < profile->u.object.len; i++) {
        const char *k = profile->u.object.keys[i];
        yajl_val v = profile->u.object.values[i];
        if (strcmp(k, "listenerPath") == 0 || strcmp(k, "listenerMetadata") == 0)
            continue;
        brig_json_key(g, k);
        if (strcmp(k, "syscalls") != 0 || !YAJL_IS_ARRAY(v)) {
            gen_tree(g, v);
            continue;
        }
        yajl_gen_array_open(g);
        for (size_t r = 0; r < v->u.array.len; r++) {
            yajl_val rule = v->u.array.values[r];
            yajl_val names = brig_json_get(rule, "names");
            size_t kept = 0;
            for (size_t j = 0; YAJL_IS_ARRAY(names) && j < names->u.array.len; j++) {
                yajl_val nm = names->u.array.values[j];
                if (!YAJL_IS_STRING(nm) || !strv_contains(trap, n_trap, YAJL_GET_STRING(nm)))
                    kept++;
            }
            if (!YAJL_IS_OBJECT(rule) || !YAJL_IS_ARRAY(names)) {
                gen_tree(g, rule);
                continue;
            }
            if (kept == 0)
                continue;
            yajl_gen_map_open(g);
            for (size_t j = 0; j < rule->u.object.len; j++) {
                brig_json_key(g, rule->u.object.keys[j]);
                if (rule->u.object.values[j] != names) {
                    gen_tree(g, rule->u.object.values[j]);
                    continue;
                }
                yajl_gen_array_open(g);
                for (size_t m = 0; m < names->u.array.len; m++) {
                    yajl_val nm = names->u.array.values[m];
                    if (!YAJL_IS_STRING(nm) || !strv_contains(trap, n_trap, YAJL_GET_STRING(nm)))
                        gen_tree(g, nm);
                }
                yajl_gen_array_close(g);
            }
            yajl_gen_map_close(g);
        }
        yajl_gen_map_open(g);
        brig_json_key(g, "names");
        yajl_gen_array_open(g);
        for (size_t t = 0; t < n_trap; t++)
            brig_json_str(g, trap[t]);
        yajl_gen_array_close(g);
        brig_json_key_str(g, "action", brig_seccomp_actions[BRIG_SECCOMP_NOTIFY].name);
        yajl_gen_map_close(g);
        yajl_gen_array_close(g);
    }
    brig_json_key_str(g, "listenerPath", socket);
    yajl_gen_map_close(g);
    free(trap);
    brig_agent_rules_free(&rules);
    return 0;
}

static void gen_mount(yajl_gen g, const char *dest, const char *type, const char *source,
                      const char *const *opts)
{
    yajl_gen_map_open(g);
    brig_json_key_str(g, "destination", dest);
    brig_json_key_str(g, "type", type);
    brig_json_key_str(g, "source", source);
    if (opts)
        gen_strv(g, "options", opts);
    yajl_gen_map_close(g);
}

static void gen_idmap(yajl_gen g, const char *key, unsigned host)
{
    brig_json_key(g, key);
    yajl_gen_array_open(g);
    yajl_gen_map_open(g);
    brig_json_key_int(g, "containerID", 0);
    brig_json_key_int(g, "hostID", host);
    brig_json_key_int(g, "size", 1);
    yajl_gen_map_close(g);
    yajl_gen_array_close(g);
}

static void gen_namespaces(yajl_gen g, const char *const *types)
{
    brig_json_key(g, "namespaces");
    yajl_gen_array_open(g);
    for (; *types; types++) {
        yajl_gen_map_open(g);
        brig_json_key_str(g, "type", *types);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
}

static void gen_deny_all_devices(yajl_gen g)
{
    brig_json_key(g, "devices");
    yajl_gen_array_open(g);
    yajl_gen_map_open(g);
    brig_json_key_bool(g, "allow", false);
    brig_json_key_str(g, "access", "rwm");
    yajl_gen_map_close(g);
    yajl_gen_array_close(g);
}

static void gen_process(yajl_gen g, const struct brig_spec_opts *o)
{
    bool hardened = o->profile == BRIG_SPEC_HARDENED;
    static const char *const runc_caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL};
    static const char *const no_caps[] = {NULL};
    brig_json_key(g, "process");
    yajl_gen_map_open(g);
    /* brig run has no terminal of its own: a hardened bundle runs as is. */
    brig_json_key_bool(g, "terminal", !hardened);
    brig_json_key(g, "user");
    yajl_gen_map_open(g);
    unsigned id = hardened && !o->rootless ? 65534 : 0;
    brig_json_key_int(g, "uid", id);
    brig_json_key_int(g, "gid", id);
    yajl_gen_map_close(g);
    gen_strv(g, "args", NUL_TERMINATED("sh"));
    gen_strv(g, "env", NUL_TERMINATED("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                      "TERM=xterm"));
    brig_json_key_str(g, "cwd", "/");
    brig_json_key(g, "capabilities");
    yajl_gen_map_open(g);
    const char *const *caps = hardened ? no_caps : runc_caps;
    gen_strv(g, "bounding", caps);
    gen_strv(g, "effective", caps);
    if (hardened)
        gen_strv(g, "inheritable", caps);
    gen_strv(g, "permitted", caps);
    gen_strv(g, "ambient", caps);
    yajl_gen_map_close(g);
    brig_json_key(g, "rlimits");
    yajl_gen_array_open(g);
    yajl_gen_map_open(g);
    brig_json_key_str(g, "type", "RLIMIT_NOFILE");
    brig_json_key_int(g, "hard", 1024);
    brig_json_key_int(g, "soft", 1024);
    yajl_gen_map_close(g);
    yajl_gen_array_close(g);
    brig_json_key_bool(g, "noNewPrivileges", true);
    yajl_gen_map_close(g);
}

static void gen_mounts(yajl_gen g, const struct brig_spec_opts *o)
{
    bool hardened = o->profile == BRIG_SPEC_HARDENED;
    brig_json_key(g, "mounts");
    yajl_gen_array_open(g);
    gen_mount(g, "/proc", "proc", "proc", hardened ? NUL_TERMINATED("nosuid", "noexec", "nodev") : NULL);
    gen_mount(g, "/dev", "tmpfs", "tmpfs",
              hardened ? NUL_TERMINATED("nosuid", "noexec", "strictatime", "mode=755", "size=65536k")
                       : NUL_TERMINATED("nosuid", "strictatime", "mode=755", "size=65536k"));
    /* gid 5 (tty) has no mapping in a rootless user namespace. */
    gen_mount(g, "/dev/pts", "devpts", "devpts",
              o->rootless ? NUL_TERMINATED("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620")
                          : NUL_TERMINATED("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
                                           "gid=5"));
    gen_mount(g, "/dev/shm", "tmpfs", "shm",
              NUL_TERMINATED("nosuid", "noexec", "nodev", "mode=1777", "size=65536k"));
    gen_mount(g, "/dev/mqueue", "mqueue", "mqueue", NUL_TERMINATED("nosuid", "noexec", "nodev"));
    /* runc's rootless spec keeps the host's network namespace, where sysfs
     * cannot be mounted: it binds the host's. */
    if (o->rootless && !hardened)
        gen_mount(g, "/sys", "none", "/sys", NUL_TERMINATED("rbind", "nosuid", "noexec", "nodev", "ro"));
    else
        gen_mount(g, "/sys", "sysfs", "sysfs", NUL_TERMINATED("nosuid", "noexec", "nodev", "ro"));
    /* cgroup v1 hierarchies cannot be mounted in a user namespace. */
    if (!(o->rootless && hardened))
        gen_mount(g, "/sys/fs/cgroup", "cgroup", "cgroup",
                  NUL_TERMINATED("nosuid", "noexec", "nodev", "relatime", "ro"));
    if (hardened)
        gen_mount(g, "/tmp", "tmpfs", "tmpfs",
                  NUL_TERMINATED("nosuid", "nodev", "noexec", "mode=1777", BRIG_SPEC_TMP_SIZE));
    yajl_gen_array_close(g);
}

static int gen_linux(yajl_gen g, const struct brig_spec_opts *o)
{
    bool hardened = o->profile == BRIG_SPEC_HARDENED;
    brig_json_key(g, "linux");
    yajl_gen_map_open(g);
    if (o->rootless) {
        gen_idmap(g, "uidMappings", (unsigned)o->uid);
        gen_idmap(g, "gidMappings", (unsigned)o->gid);
    } else {
        brig_json_key(g, "resources");
        yajl_gen_map_open(g);
        gen_deny_all_devices(g);
        if (hardened) {
            brig_json_key(g, "memory");
            yajl_gen_map_open(g);
            brig_json_key_int(g, "limit", BRIG_SPEC_MEMORY_LIMIT);
            yajl_gen_map_close(g);
            brig_json_key(g, "cpu");
            yajl_gen_map_open(g);
            brig_json_key_int(g, "shares", BRIG_SPEC_CPU_SHARES);
            brig_json_key_int(g, "quota", BRIG_SPEC_CPU_QUOTA);
            brig_json_key_int(g, "period", BRIG_SPEC_CPU_PERIOD);
            yajl_gen_map_close(g);
            brig_json_key(g, "pids");
            yajl_gen_map_open(g);
            brig_json_key_int(g, "limit", BRIG_SPEC_PIDS_LIMIT);
            yajl_gen_map_close(g);
        }
        yajl_gen_map_close(g);
    }
    if (hardened)
        gen_namespaces(g, o->rootless ? NUL_TERMINATED("pid", "network", "ipc", "uts", "mount", "cgroup", "user")
                                      : NUL_TERMINATED("pid", "network", "ipc", "uts", "mount", "cgroup"));
    else if (o->host_cgroup_v2) /* runc adds it after its list on v2 hosts */
        gen_namespaces(g, o->rootless ? NUL_TERMINATED("pid", "ipc", "uts", "mount", "cgroup", "user")
                                      : NUL_TERMINATED("pid", "network", "ipc", "uts", "mount", "cgroup"));
    else
        gen_namespaces(g, o->rootless ? NUL_TERMINATED("pid", "ipc", "uts", "mount", "user")
                                      : NUL_TERMINATED("pid", "network", "ipc", "uts", "mount"));
    if (hardened) {
        gen_strs(g, "maskedPaths", brig_default_masked_paths, brig_n_default_masked_paths);
    } else {
        /* runc's list, in runc's order. */
        gen_strv(g, "maskedPaths",
                 NUL_TERMINATED("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                                "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                                "/proc/sched_debug", "/sys/firmware", "/proc/scsi"));
    }
    gen_strs(g, "readonlyPaths", brig_default_readonly_paths, brig_n_default_readonly_paths);
    if (hardened || o->monitor) {
        yajl_val profile = brig_json_parse(brig_runtime_default_json, "built-in RuntimeDefault profile");
        if (!profile)
            return -1;
        brig_json_key(g, "seccomp");
        int r = o->monitor ? gen_monitored(g, profile, o->monitor) : (gen_tree(g, profile), 0);
        yajl_tree_free(profile);
        if (r < 0)
            return -1;
    }
    yajl_gen_map_close(g);
    return 0;
}

char *brig_spec_generate(const struct brig_spec_opts *o)
{
    bool hardened = o->profile == BRIG_SPEC_HARDENED;
    yajl_gen g = brig_json_gen_new(true);
    if (!g) {
        brig_fail(ENOMEM, "spec: JSON generator");
        return NULL;
    }
    yajl_gen_map_open(g);
    brig_json_key_str(g, "ociVersion", hardened ? BRIG_OCI_VERSION : "1.0.2-dev");
    gen_process(g, o);
    brig_json_key(g, "root");
    yajl_gen_map_open(g);
    brig_json_key_str(g, "path", "rootfs");
    brig_json_key_bool(g, "readonly", true);
    yajl_gen_map_close(g);
    brig_json_key_str(g, "hostname", hardened ? "brig" : "runc");
    gen_mounts(g, o);
    if (gen_linux(g, o) < 0) {
        yajl_gen_free(g);
        return NULL;
    }
    yajl_gen_map_close(g);
    char *text = brig_json_gen_finish(g);
    if (!text)
        brig_fail(ENOMEM, "spec: JSON generator");
    return text;
}

int brig_spec_write(const char *bundle, const char *text)
{
    cleanup_free char *path = brig_xasprintf("%s/config.json", bundle ? bundle : ".");
    /* O_EXCL: never overwrite, and no race between a check and the write. */
    cleanup_fd int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        if (errno == EEXIST)
            return brig_fail(0, "%s already exists: remove it first (brig spec never overwrites a config)",
                             path);
        return brig_fail(errno, "create %s", path);
    }
    size_t len = strlen(text);
    if (brig_write_all(fd, text, len) < 0 || brig_write_all(fd, "\n", 1) < 0) {
        int e = errno;
        unlink(path);
        return brig_fail(e, "write %s", path);
    }
    return 0;
}
