/* brig features: what this build implements, as the runtime-spec's
 * Features structure (features.md, features-linux.md).
 *
 * The lists come from the code that does the work wherever it can: mount
 * options and seccomp names are those the parsers accept, capabilities
 * those brig knows by name; only the seccomp flags the kernel takes are
 * "supported". */
#include "config.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cmd.h"
#include "brig/commands.h"
#include "brig/oci.h"
#include "brig/internal.h"
#include "brig/json.h"
#include "brig/mounts.h"
#include "brig/seccomp.h"

#define FEATURES_USAGE ""

static const char *const hooks[] = {"prestart",       "createRuntime", "createContainer",
                                    "startContainer", "poststart",     "poststop"};

/* Every option of the spec's list and brig's own: listed when the parser
 * takes it as an option of its own (not passed to the filesystem). */
static const char *const mount_option_candidates[] = {
    "acl",         "async",      "atime",         "bind",       "defaults",     "dev",
    "diratime",    "dirsync",    "exec",          "iversion",   "lazytime",     "loud",
    "mand",        "noacl",      "noatime",       "nodev",      "nodiratime",   "noexec",
    "noiversion",  "nolazytime", "nomand",        "norelatime", "nostrictatime", "nosuid",
    "nosymfollow", "private",    "ratime",        "rbind",      "rdev",         "rdiratime",
    "relatime",    "remount",    "rexec",         "rnoatime",   "rnodev",       "rnodiratime",
    "rnoexec",     "rnorelatime", "rnostrictatime", "rnosuid",  "rnosymfollow", "ro",
    "rprivate",    "rrelatime",  "rro",           "rrw",        "rshared",      "rslave",
    "rstrictatime", "rsuid",     "rsymfollow",    "runbindable", "rw",          "shared",
    "silent",      "slave",      "strictatime",   "suid",       "symfollow",    "sync",
    "tmpcopyup",   "unbindable", "idmap",         "ridmap",
};

static bool mount_option_known(const char *opt)
{
    char *v[] = {(char *)opt, NULL};
    struct brig_strv sv = {.v = v, .n = 1};
    struct brig_mount_opts mo;
    bool ok;
    /* idmap needs a bind mount; the others are judged alone. */
    const char *type = strstr(opt, "idmap") ? "bind" : NULL;
    if (brig_parse_mount_options(&sv, type, &mo) < 0) {
        ok = false;
    } else {
        ok = mo.data == NULL;
        brig_mount_opts_free(&mo);
    }
    brig_clear_error();
    return ok;
}

/* Whether the seccomp parser takes the profile BEFORE NAME AFTER. */
static bool seccomp_accepts(const char *before, const char *name, const char *after)
{
    cleanup_free char *json = brig_xasprintf("%s%s%s", before, name, after);
    struct brig_seccomp *sc = NULL;
    int r = brig_seccomp_parse(json, strlen(json), &sc);
    brig_seccomp_free(sc);
    brig_clear_error();
    return r == 0;
}

/* The kernel checks the flags before it reads the (absent) filter: EFAULT
 * means the flags are fine. */
static bool kernel_takes_seccomp_flag(unsigned int flag)
{
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

static void str_array(yajl_gen g, const char *key, const char *const *v, size_t n)
{
    brig_json_key(g, key);
    yajl_gen_array_open(g);
    for (size_t i = 0; i < n; i++)
        brig_json_str(g, v[i]);
    yajl_gen_array_close(g);
}

static void enabled(yajl_gen g, const char *key, bool on)
{
    brig_json_key(g, key);
    yajl_gen_map_open(g);
    brig_json_key_bool(g, "enabled", on);
    yajl_gen_map_close(g);
}

static void gen_seccomp(yajl_gen g)
{
    brig_json_key(g, "seccomp");
    yajl_gen_map_open(g);
    brig_json_key_bool(g, "enabled", true);
    brig_json_key(g, "actions");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < BRIG_SECCOMP_ACTION_COUNT; i++)
        if (seccomp_accepts("{\"defaultAction\": \"", brig_seccomp_actions[i].name, "\"}"))
            brig_json_str(g, brig_seccomp_actions[i].name);
    yajl_gen_array_close(g);
    brig_json_key(g, "operators");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < BRIG_SECCOMP_OP_COUNT; i++)
        if (seccomp_accepts("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"],"
                            " \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"",
                            brig_seccomp_ops[i].name, "\"}]}]}"))
            brig_json_str(g, brig_seccomp_ops[i].name);
    yajl_gen_array_close(g);
    brig_json_key(g, "archs");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < BRIG_SECCOMP_N_ARCHES; i++)
        if (seccomp_accepts("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"", brig_seccomp_arches[i].name, "\"]}"))
            brig_json_str(g, brig_seccomp_arches[i].name);
    yajl_gen_array_close(g);
    brig_json_key(g, "knownFlags");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < brig_seccomp_n_flags; i++)
        if (seccomp_accepts("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"", brig_seccomp_flags[i].name, "\"]}"))
            brig_json_str(g, brig_seccomp_flags[i].name);
    yajl_gen_array_close(g);
    brig_json_key(g, "supportedFlags");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < brig_seccomp_n_flags; i++)
        if (seccomp_accepts("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"", brig_seccomp_flags[i].name, "\"]}") &&
            kernel_takes_seccomp_flag(brig_seccomp_flags[i].flag | brig_seccomp_flags[i].needs))
            brig_json_str(g, brig_seccomp_flags[i].name);
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
}

static void gen_linux(yajl_gen g)
{
    brig_json_key(g, "linux");
    yajl_gen_map_open(g);
    brig_json_key(g, "namespaces");
    yajl_gen_array_open(g);
    for (int t = 0; t < BRIG_NS_COUNT; t++)
        brig_json_str(g, brig_ns_type_name((enum brig_ns_type)t));
    yajl_gen_array_close(g);
    brig_json_key(g, "capabilities");
    yajl_gen_array_open(g);
    for (int cap = 0; cap <= brig_cap_last(); cap++)
        if (brig_cap_name(cap))
            brig_json_str(g, brig_cap_name(cap));
    yajl_gen_array_close(g);
    brig_json_key(g, "cgroup");
    yajl_gen_map_open(g);
    brig_json_key_bool(g, "v1", true);
    brig_json_key_bool(g, "v2", true);
    /* --systemd-cgroup talks to the system instance, and rootless to the
     * user's (runtime/cgroup/cgroup_systemd.c; tests/integration/
     * rootless_cgroup.sh in the guest of tests/vm/run). */
    brig_json_key_bool(g, "systemd", true);
    brig_json_key_bool(g, "systemdUser", true);
    brig_json_key_bool(g, "rdma", true);
    yajl_gen_map_close(g);
    gen_seccomp(g);
    enabled(g, "apparmor", true);
    enabled(g, "selinux", true);
    enabled(g, "intelRdt", false);
    brig_json_key(g, "mountExtensions");
    yajl_gen_map_open(g);
    enabled(g, "idmap", true);
    yajl_gen_map_close(g);
    enabled(g, "netDevices", false);
    /* linux.memoryPolicy (mempolicy.c): what the config parser accepts */
    brig_json_key(g, "memoryPolicy");
    yajl_gen_map_open(g);
    brig_json_key(g, "modes");
    yajl_gen_array_open(g);
    for (size_t i = 0; brig_memory_policy_mode(i); i++)
        brig_json_str(g, brig_memory_policy_mode(i));
    yajl_gen_array_close(g);
    brig_json_key(g, "flags");
    yajl_gen_array_open(g);
    for (size_t i = 0; brig_memory_policy_flag(i); i++)
        brig_json_str(g, brig_memory_policy_flag(i));
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
}

int cmd_features(int argc, char **argv)
{
    if (brig_wants_help(argc, argv))
        return brig_cmd_help(FEATURES_USAGE, "Print the features this build of brig implements, as the JSON\n"
                                             "Features structure of the OCI runtime spec.\n");
    if (argc > 1) {
        brig_fail(0, "unexpected argument %s (usage: brig features)", argv[1]);
        return brig_report_error();
    }
    yajl_gen g = brig_json_gen_new(true);
    if (!g) {
        brig_fail(ENOMEM, "features");
        return brig_report_error();
    }
    yajl_gen_map_open(g);
    brig_json_key_str(g, "ociVersionMin", "1.0.0");
    brig_json_key_str(g, "ociVersionMax", BRIG_OCI_VERSION);
    str_array(g, "hooks", hooks, BRIG_ARRAY_SIZE(hooks));
    brig_json_key(g, "mountOptions");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(mount_option_candidates); i++)
        if (mount_option_known(mount_option_candidates[i]))
            brig_json_str(g, mount_option_candidates[i]);
    yajl_gen_array_close(g);
    gen_linux(g);
    brig_json_key(g, "annotations");
    yajl_gen_map_open(g);
    brig_json_key_str(g, "dev.brig.version", PACKAGE_VERSION);
    brig_json_key_str(g, "dev.brig.libseccomp.version", brig_seccomp_lib_version());
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
    char *out = brig_json_gen_finish(g);
    if (!out) {
        brig_fail(ENOMEM, "features");
        return brig_report_error();
    }
    printf("%s\n", out);
    free(out);
    return 0;
}
