/* brig: the OCI runtime config (config.json) as C structures.
 *
 * brig_config_parse() turns the JSON text into these structures and
 * validates types as it goes: any error names the JSON path of the bad
 * field, e.g. "process.rlimits[1].hard: expected a number".  Unknown fields
 * are ignored, as the spec asks.  Every string is owned by the structure and
 * released by the matching *_free() function.
 *
 * Optional scalars use brig_opt_*: .set tells whether the field was present.
 * Optional objects are pointers that stay NULL when the field is absent.
 */
#ifndef BRIG_CONFIG_H
#define BRIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "brig/nstypes.h"        /* enum brig_ns_type */
#include "brig/seccomp_names.h" /* enum brig_seccomp_action, _op */

typedef struct { bool set; bool v; } brig_opt_bool;
typedef struct { bool set; int64_t v; } brig_opt_i64;
typedef struct { bool set; uint64_t v; } brig_opt_u64;
typedef struct { bool set; uint32_t v; } brig_opt_u32;
typedef struct { bool set; int32_t v; } brig_opt_i32;

/* A NULL-terminated string vector with its length. */
struct brig_strv {
    char **v;   /* v[n] == NULL; v itself NULL when absent */
    size_t n;
};

/* A string map (annotations, sysctl, unified, ...), in document order. */
struct brig_kv {
    char *key;
    char *value;
};
struct brig_map {
    struct brig_kv *v;
    size_t n;
};

struct brig_idmap {
    uint32_t container_id;
    uint32_t host_id;
    uint32_t size;
};

struct brig_mount {
    char *destination; /* required */
    char *source;      /* may be NULL */
    char *type;        /* may be NULL */
    struct brig_strv options;
    struct brig_idmap *uid_mappings;
    size_t n_uid_mappings;
    struct brig_idmap *gid_mappings;
    size_t n_gid_mappings;
};

struct brig_rlimit {
    char *type;   /* e.g. "RLIMIT_NOFILE" */
    int resource; /* RLIMIT_* value, resolved by the parser */
    uint64_t soft;
    uint64_t hard;
};

struct brig_user {
    uint32_t uid;
    uint32_t gid;
    brig_opt_u32 umask;
    uint32_t *additional_gids;
    size_t n_additional_gids;
    char *username;
};

/* Capability sets as bit masks (bit N == capability number N).  The parser
 * rejects unknown names: "process.capabilities.bounding[3]: unknown
 * capability \"CAP_FOO\"". */
struct brig_caps {
    bool has_bounding, has_effective, has_inheritable, has_permitted, has_ambient;
    uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct brig_io_priority {
    char *class_name; /* IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE */
    int class_value;  /* 1, 2, 3 */
    int priority;
};

struct brig_scheduler {
    char *policy; /* SCHED_OTHER, SCHED_FIFO, ... */
    int policy_value;
    brig_opt_i32 nice;
    brig_opt_i32 priority;
    struct brig_strv flags;
    brig_opt_u64 runtime;
    brig_opt_u64 deadline;
    brig_opt_u64 period;
};

struct brig_process {
    bool terminal;
    bool has_console_size;
    uint32_t console_height, console_width;
    struct brig_user user;
    struct brig_strv args;
    char *command_line; /* Windows only; kept for completeness */
    struct brig_strv env;
    char *cwd; /* required */
    struct brig_caps *capabilities;
    struct brig_rlimit *rlimits;
    size_t n_rlimits;
    bool no_new_privileges;
    bool no_new_privileges_given; /* the key is in the JSON: Go engines omit a false one */
    char *apparmor_profile;
    brig_opt_i32 oom_score_adj;
    char *selinux_label;
    struct brig_io_priority *io_priority;
    struct brig_scheduler *scheduler;
    char *exec_cpu_affinity_initial;
    char *exec_cpu_affinity_final;
};

struct brig_root {
    char *path; /* required */
    bool readonly;
};

struct brig_hook {
    char *path; /* required */
    struct brig_strv args;
    struct brig_strv env;
    brig_opt_i32 timeout; /* seconds, > 0 */
};

struct brig_hook_list {
    struct brig_hook *v;
    size_t n;
};

struct brig_hooks {
    struct brig_hook_list prestart;
    struct brig_hook_list create_runtime;
    struct brig_hook_list create_container;
    struct brig_hook_list start_container;
    struct brig_hook_list poststart;
    struct brig_hook_list poststop;
};

struct brig_namespace {
    enum brig_ns_type type;
    int clone_flag; /* CLONE_NEWPID, ... */
    char *path;     /* NULL: create a new one; otherwise join it */
};

struct brig_device {
    char *path; /* required */
    char type;  /* 'c', 'b', 'u' or 'p' */
    int64_t major, minor; /* required for c/b/u */
    brig_opt_u32 file_mode;
    brig_opt_u32 uid;
    brig_opt_u32 gid;
};

struct brig_device_rule {
    bool allow;
    char type;              /* 'a', 'c' or 'b' ('a' when absent) */
    brig_opt_i64 major;     /* unset: wildcard */
    brig_opt_i64 minor;
    char *access;           /* "rwm" subset; NULL: all */
};

struct brig_memory {
    brig_opt_i64 limit;
    brig_opt_i64 reservation;
    brig_opt_i64 swap;
    brig_opt_i64 kernel;
    brig_opt_i64 kernel_tcp;
    brig_opt_u64 swappiness;
    brig_opt_bool disable_oom_killer;
    brig_opt_bool use_hierarchy;
    brig_opt_bool check_before_update;
};

struct brig_cpu {
    brig_opt_u64 shares;
    brig_opt_i64 quota;
    brig_opt_u64 burst;
    brig_opt_u64 period;
    brig_opt_i64 realtime_runtime;
    brig_opt_u64 realtime_period;
    char *cpus;
    char *mems;
    brig_opt_i64 idle;
};

struct brig_blkio_weight_device {
    int64_t major, minor;
    brig_opt_u32 weight; /* uint16 in the spec */
    brig_opt_u32 leaf_weight;
};

struct brig_blkio_throttle_device {
    int64_t major, minor;
    uint64_t rate;
};

struct brig_blkio {
    brig_opt_u32 weight;
    brig_opt_u32 leaf_weight;
    struct brig_blkio_weight_device *weight_device;
    size_t n_weight_device;
    struct brig_blkio_throttle_device *throttle_read_bps;
    size_t n_throttle_read_bps;
    struct brig_blkio_throttle_device *throttle_write_bps;
    size_t n_throttle_write_bps;
    struct brig_blkio_throttle_device *throttle_read_iops;
    size_t n_throttle_read_iops;
    struct brig_blkio_throttle_device *throttle_write_iops;
    size_t n_throttle_write_iops;
};

struct brig_hugepage_limit {
    char *page_size; /* "2MB" */
    uint64_t limit;
};

struct brig_net_priority {
    char *name;
    uint32_t priority;
};

struct brig_rdma_limit {
    char *device; /* the map key */
    brig_opt_u32 hca_handles;
    brig_opt_u32 hca_objects;
};

struct brig_resources {
    struct brig_device_rule *devices;
    size_t n_devices;
    struct brig_memory *memory;
    struct brig_cpu *cpu;
    brig_opt_i64 pids_limit; /* pids.limit; <= 0 means unlimited */
    struct brig_blkio *block_io;
    struct brig_hugepage_limit *hugepage_limits;
    size_t n_hugepage_limits;
    brig_opt_u32 net_class_id;
    struct brig_net_priority *net_priorities;
    size_t n_net_priorities;
    struct brig_rdma_limit *rdma;
    size_t n_rdma;
    struct brig_map unified;
};

struct brig_seccomp_arg {
    uint32_t index;
    uint64_t value;
    uint64_t value_two;
    enum brig_seccomp_op op;
};

struct brig_seccomp_syscall {
    struct brig_strv names;
    enum brig_seccomp_action action;
    brig_opt_u32 errno_ret;
    struct brig_seccomp_arg *args;
    size_t n_args;
};

struct brig_seccomp {
    enum brig_seccomp_action default_action;
    brig_opt_u32 default_errno_ret;
    struct brig_strv architectures; /* as written: "SCMP_ARCH_X86_64" */
    struct brig_strv flags;         /* as written: "SECCOMP_FILTER_FLAG_LOG" */
    char *listener_path;
    char *listener_metadata;
    struct brig_seccomp_syscall *syscalls;
    size_t n_syscalls;
    /* The static built-in profile (brig_seccomp_runtime_default): not
     * freed, not changed. */
    bool builtin;
};

struct brig_personality {
    char *domain; /* "LINUX" or "LINUX32" */
    struct brig_strv flags;
};

/* linux.memoryPolicy: set_mempolicy(2) for the container's processes. */
#define BRIG_MAX_NUMA_NODES 1024
struct brig_memory_policy {
    int mode;          /* MPOL_DEFAULT ... MPOL_WEIGHTED_INTERLEAVE */
    unsigned flags;    /* MPOL_F_* */
    unsigned long nodes[BRIG_MAX_NUMA_NODES / (8 * sizeof(unsigned long))];
    bool has_nodes;    /* at least one node given */
};

/* The I-th mode or flag name linux.memoryPolicy accepts; NULL past the
 * last (for `brig features`). */
const char *brig_memory_policy_mode(size_t i);
const char *brig_memory_policy_flag(size_t i);

struct brig_time_offset {
    bool set;
    int64_t secs;
    uint32_t nanosecs;
};

struct brig_linux {
    struct brig_idmap *uid_mappings;
    size_t n_uid_mappings;
    struct brig_idmap *gid_mappings;
    size_t n_gid_mappings;
    struct brig_map sysctl;
    struct brig_resources *resources;
    char *cgroups_path;
    struct brig_namespace *namespaces;
    size_t n_namespaces;
    struct brig_device *devices;
    size_t n_devices;
    struct brig_seccomp *seccomp;
    char *rootfs_propagation;
    struct brig_strv masked_paths;
    struct brig_strv readonly_paths;
    char *mount_label;
    struct brig_personality *personality;
    struct brig_memory_policy *memory_policy;
    struct brig_time_offset time_monotonic;
    struct brig_time_offset time_boottime;
    /* linux.netDevices: key = host interface, value = name in the container
     * (the key again when "name" is absent). */
    struct brig_map net_devices;
};

struct brig_config {
    char *oci_version; /* required; 1.0.0 .. 1.3.x accepted */
    struct brig_root *root;
    struct brig_mount *mounts;
    size_t n_mounts;
    struct brig_process *process;
    char *hostname;
    char *domainname;
    struct brig_hooks *hooks;
    struct brig_map annotations;
    struct brig_linux *linux_;
};

/* Parse a whole config.json.  On success *out owns a new config and 0 is
 * returned.  On failure -1 is returned and the error (see error.h) names the
 * JSON path: "process.args: expected an array of strings". */
int brig_config_parse(const char *json, size_t len, struct brig_config **out);

/* Read and parse BUNDLE/config.json. */
int brig_config_load(const char *bundle_dir, struct brig_config **out);

/* Parse a process object alone (exec --process FILE). Paths in errors are
 * relative to the process object. */
int brig_process_parse(const char *json, size_t len, struct brig_process **out);

/* Parse a linux.resources object alone (update -r FILE). */
int brig_resources_parse(const char *json, size_t len, struct brig_resources **out);

/* Parse a linux.seccomp object alone (a profile file). */
int brig_seccomp_parse(const char *json, size_t len, struct brig_seccomp **out);

void brig_config_free(struct brig_config *c);
void brig_process_free(struct brig_process *p);
void brig_resources_free(struct brig_resources *r);
void brig_seccomp_free(struct brig_seccomp *s);

/* Lookups used across the runtime. */
const struct brig_namespace *brig_config_namespace(const struct brig_config *c, enum brig_ns_type t);
const char *brig_ns_type_name(enum brig_ns_type t); /* "pid", "network", ... */

/* Capability name <-> number ("CAP_CHOWN" <-> 0); -1 when unknown. */
int brig_cap_from_name(const char *name);
const char *brig_cap_name(int cap);
int brig_cap_last(void); /* highest capability this build knows */
/* Where the parser says what it ignores (unknown capabilities); NULL: say
 * nothing.  Set by the commands that read a bundle (create, run), not by
 * those that re-read the copy kept in the state. */
extern void (*brig_config_warn)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int brig_cap_kernel_last(void); /* highest capability the running kernel has (capnames.c) */

#endif
