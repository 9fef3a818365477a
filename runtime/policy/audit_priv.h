/* brig: what the audit's files (audit.c, audit_fs.c, audit_runtime.c,
 * audit_seccomp.c) share. */
#ifndef BRIG_AUDIT_PRIV_H
#define BRIG_AUDIT_PRIV_H

#include <stdbool.h>

#include "brig/internal.h"
#include "brig/policy.h"

struct audit {
    const struct brig_config *cfg;
    const char *bundle; /* may be NULL */
    enum brig_level level;
    struct brig_findings *out;
};

static inline bool audit_wanted(const struct audit *a, enum brig_level l)
{
    return l <= a->level;
}

/* Record a finding; PATH, MSG and FIX are taken over (heap strings). */
void audit_add(struct audit *a, const char *check, enum brig_severity sev, enum brig_level level,
               char *path, char *msg, char *fix, const char *refs);

/* linux.seccomp, judged on the compiled program (audit_seccomp.c). */
void audit_seccomp(struct audit *a);

/* The file system: rootfs, mounts, kernel paths, sysctls, devices (audit_fs.c). */
void audit_check_rootfs(struct audit *a);
void audit_check_mounts(struct audit *a);
void audit_check_kernel_paths(struct audit *a);
void audit_check_sysctls(struct audit *a);
void audit_check_devices(struct audit *a);

/* cgroupsPath, hooks, scheduling, rlimits (audit_runtime.c). */
void audit_check_cgroups_path(struct audit *a);
void audit_check_hooks(struct audit *a);
void audit_check_scheduling(struct audit *a);
void audit_check_limits(struct audit *a);

/* Whether CFG shares the host's namespace of type T (audit.c); *PATH and
 * *WHY (heap strings) say how, when it does or cannot be proven not to. */
bool audit_shares_host_ns(const struct brig_config *cfg, enum brig_ns_type t, char **path, char **why);

#define S(x) brig_xstrdup(x)
#define F(...) brig_xasprintf(__VA_ARGS__)

#endif
