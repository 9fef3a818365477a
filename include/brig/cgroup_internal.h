/* brig: cgroup internals shared by runtime/cgroup/ and the unit tests.
 *
 * Nothing here is for the rest of the runtime: use cgroup.h.  The only
 * internal header of the subsystem: cgroup.c (the API) calls the drivers
 * (cgroup_v1.c, cgroup_v2.c, cgroup_systemd.c, cgroup_devices_bpf.c), and
 * they and it use the leaves (cgroup_layout.c, cgroup_path.c,
 * cgroup_convert.c, cgroup_files.c, cgroup_own.c); no driver calls the API. */
#ifndef BRIG_CGROUP_INTERNAL_H
#define BRIG_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <yajl/yajl_gen.h>

#include "brig/cgroup.h"
#include "brig/oci.h"

/* Controllers brig knows, by their v1 names (BLKIO is "io" on v2). */
enum brig_cg_ctrl {
    BRIG_CG_CPU,
    BRIG_CG_CPUACCT,
    BRIG_CG_CPUSET,
    BRIG_CG_MEMORY,
    BRIG_CG_DEVICES,
    BRIG_CG_FREEZER,
    BRIG_CG_BLKIO,
    BRIG_CG_PIDS,
    BRIG_CG_HUGETLB,
    BRIG_CG_NET_CLS,
    BRIG_CG_NET_PRIO,
    BRIG_CG_PERF_EVENT,
    BRIG_CG_RDMA,
    BRIG_CG_MISC,
    BRIG_CG_NCTRL
};
#define BRIG_CG_BIT(c) (1u << (c))

const char *brig_cg_ctrl_name(enum brig_cg_ctrl c, bool v2);
/* The controller named NAME (v1 or v2 spelling), or -1. */
int brig_cg_ctrl_from_name(const char *name);
/* The controllers named in TEXT ("cpu io memory\n", a cgroup.controllers
 * or cgroup.subtree_control), as BRIG_CG_BIT()s; 0 for NULL. */
unsigned brig_cg_ctrl_mask(const char *text);

/* One mounted v1 hierarchy (combined mounts carry several controllers). */
struct brig_cg_hier {
    char *mnt;     /* /sys/fs/cgroup/cpu,cpuacct */
    unsigned ctrls; /* BRIG_CG_BIT()s */
    char *name;    /* "systemd" for name=systemd, else NULL */
};

/* Where the host's cgroups live, worked out once per process. */
struct brig_cg_layout {
    enum brig_cgroup_mode mode;
    struct brig_cg_hier *v1;
    size_t n_v1;
    unsigned v1_ctrls;  /* controllers mounted on v1 */
    char *unified;      /* cgroup2 mount point, NULL when none */
    unsigned v2_ctrls;  /* controllers in the v2 root's cgroup.controllers */
};

/* The layout of this host (cached; NULL with an error when no cgroups). */
const struct brig_cg_layout *brig_cg_layout(void);
/* The controllers used through the unified hierarchy (BRIG_CG_BIT mask):
 * all of v2's on a v2 host, those v1 does not mount on a hybrid one. */
unsigned brig_cg_v2_mask(const struct brig_cg_layout *l);

/* Use L instead of the host's layout from now on (tests: run the v2 code
 * on a hybrid host's unified mount).  L's strings must outlive its use. */
void brig_cg_layout_override(const struct brig_cg_layout *l);

/* Build a layout from a /proc/self/mountinfo text (pure; for tests too).
 * MODE is what statfs said; the v2 controllers are not filled in. */
int brig_cg_layout_parse(const char *mountinfo, enum brig_cgroup_mode mode,
                         struct brig_cg_layout *out);
void brig_cg_layout_free(struct brig_cg_layout *l);
/* The layout a /proc/self/cgroup TEXT implies where hierarchies are mounted
 * as systemd mounts them: /sys/fs/cgroup/<controllers> or <name>, and the
 * unified one at /sys/fs/cgroup/unified (hybrid) or /sys/fs/cgroup (v2).
 * Pure, for tests too; the host's layout confirms each mount before use.
 * -1 (nothing recorded) for a line not of that form or no v1 hierarchy
 * where MODE needs one. */
int brig_cg_layout_guess(const char *proc_cgroup, enum brig_cgroup_mode mode,
                         struct brig_cg_layout *out);

/* The v1 directory of controller C for cgroup PATH, or NULL when C is not
 * mounted on v1.  The v2 directory (NULL on pure v1).  Caller frees. */
char *brig_cg_v1_dir(const struct brig_cg_layout *l, enum brig_cg_ctrl c, const char *path);
char *brig_cg_v2_dir(const struct brig_cg_layout *l, const char *path);

/* --- pure helpers, unit tested (paths: cgroup_path.c, conversions:
 * cgroup_convert.c, layout: cgroup_layout.c) --- */

/* Normalise a cgroup path: "/a/b", no "." or "..", never above "/".
 * Returns NULL (with an error) on an empty path. */
char *brig_cg_clean_path(const char *p);
/* The filesystem path of a stored cgroup path (systemd form expanded); NULL
 * with an error for the root cgroup. */
char *brig_cg_fs_path(const char *path);
/* What an operation on the cgroup PATH starts with: the host's layout, and
 * in *P (caller frees) the filesystem path.  NULL with an error. */
const struct brig_cg_layout *brig_cg_target(const char *path, char **p);

/* One line of /proc/PID/cgroup, "ID:CONTROLLERS:PATH", cut in place into
 * its fields (PATH may hold ':'); false when it has fewer. */
bool brig_cg_proc_line(char *line, char **id, char **ctrls, char **path);
/* The cgroup of CTRL (v1 name, "name=systemd", or "" for the v2 line) in a
 * /proc/PID/cgroup text; NULL when absent.  Caller frees. */
char *brig_cg_own_path(const char *proc_cgroup, const char *ctrl);

/* "slice:prefix:name" -> the cgroup path under the hierarchy root and the
 * unit name.  An empty slice means system.slice. */
int brig_cg_systemd_expand(const char *spec, char **cgpath, char **unit);
/* Whether PATH is in the systemd "slice:prefix:name" form. */
bool brig_cg_is_systemd_path(const char *path);

/* cpu.shares (2..262144) -> cpu.weight (1..10000), as runc and crun do. */
uint64_t brig_cg_shares_to_weight(uint64_t shares);
/* blkio weight (10..1000) -> io.weight (1..10000). */
uint64_t brig_cg_blkio_to_io_weight(uint64_t weight);
/* OCI memory.swap is memory+swap; v2's memory.swap.max is swap alone.
 * *out is -1 for "max"; returns -1 with an error when impossible. */
int brig_cg_swap_to_v2(const struct brig_memory *m, int64_t *out);
/* The cpu.max line for quota/period (either may be unset); NULL when
 * neither is set.  A quota <= 0 means "max". */
char *brig_cg_cpu_max(const struct brig_cpu *c);
/* "max" for negative values, else the decimal number. */
char *brig_cg_limit_str(int64_t v);
/* "2MB" -> 2097152 (units KB, MB, GB); false when malformed. */
bool brig_cg_hugepage_size(const char *s, uint64_t *bytes);

/* Command-line values: a byte size with an optional k/m/g/t suffix
 * (binary units, "64m", "1GiB", "-1"), and a Go-style duration ("5s",
 * "250ms", "1m30s") in milliseconds.  False when malformed. */
bool brig_cg_parse_size(const char *s, int64_t *out);
bool brig_cg_parse_duration_ms(const char *s, uint64_t *out);

/* Find "KEY VALUE" in a flat keyed file (memory.stat, cpu.stat, ...). */
bool brig_cg_kv_get(const char *text, const char *key, uint64_t *out);

/* Device rules as they are enforced: a leading deny-all, one allow rule
 * per device node in linux.devices, the config's rules in order (so a
 * config that denies a listed node keeps it denied, as runc 1.1.5 and crun
 * do), then runc's default device set.  Later rules win. */
struct brig_device_rule *brig_cg_device_rules(const struct brig_resources *res,
                                              const struct brig_device *devs, size_t n_devs,
                                              size_t *n_out);
void brig_cg_device_rules_free(struct brig_device_rule *r, size_t n);
/* Access letters as bits: r=2, w=4, m=1, like BPF_DEVCG_ACC_*; NULL is
 * all three; -1 for anything but "rwm" letters. */
#define BRIG_CG_ACC_MKNOD 1
#define BRIG_CG_ACC_READ 2
#define BRIG_CG_ACC_WRITE 4
#define BRIG_CG_ACC_ALL 7
int brig_cg_access_mask(const char *access);
/* "c 1:3 rwm" as the v1 devices.allow/deny files want it. */
char *brig_cg_device_rule_str(const struct brig_device_rule *r);
/* Decide like the eBPF program does (for tests): 1 allow, 0 deny.  TYPE is
 * 'c' or 'b', ACCESS a subset of "rwm". */
int brig_cg_device_decide(const struct brig_device_rule *r, size_t n, char type,
                          int64_t major, int64_t minor, const char *access);

/* The same rules as cgroup v1 can hold them: a default (allow or deny
 * all) and exceptions, each a whole-device-set rule the kernel checks on
 * its own.  v1 removes exceptions only by exact match, so brig computes
 * the final list itself and writes that.  Where a later rule cuts a hole
 * in an earlier, broader one (deny c 10:229 after allow c 10:*), v1 cannot
 * say it: the result then errs on the side of denying, and *exact is
 * false.  Exceptions never have type 'a' with numbers (split into c and b). */
struct brig_device_rule *brig_cg_device_v1_list(const struct brig_device_rule *r, size_t n,
                                                bool *default_allow, bool *exact,
                                                size_t *n_out);
/* How the v1 kernel decides with such a list (for tests). */
int brig_cg_device_v1_decide(const struct brig_device_rule *ex, size_t n, bool default_allow,
                             char type, int64_t major, int64_t minor, const char *access);

/* --- eBPF device filter (cgroup_devices_bpf.c) --- */

struct bpf_insn;
/* Compile RULES to a BPF_PROG_TYPE_CGROUP_DEVICE program; caller frees. */
struct bpf_insn *brig_cg_bpf_compile(const struct brig_device_rule *r, size_t n, size_t *n_insns);
/* Load the program and attach it to the cgroup directory DIRFD, replacing
 * any device programs brig attached there before. */
int brig_cg_bpf_apply(int dirfd, const struct brig_device_rule *r, size_t n);

/* --- file helpers (cgroup_files.c) --- */

/* Lookups of cgroup paths from their hierarchy's mount directory (opened
 * once per process) instead of from "/".  The layout registers each mount.
 * brig_cg_at: the directory fd and the path below it for PATH (AT_FDCWD
 * and PATH itself outside every mount).  A process that goes on into a
 * container calls brig_cg_dirs_drop() first (FDS as for
 * brig_cgroup_forget_dirs); lookups are from "/" after it. */
struct stat;
/* FD: MNT opened already (O_PATH), or -1 to open it when first used;
 * taken over either way. */
void brig_cg_dirs_register(const char *mnt, int fd);
void brig_cg_dirs_drop(enum brig_cg_dirs_fds fds);
int brig_cg_at(const char *path, const char **rel);
int brig_cg_open(const char *path, int flags);
int brig_cg_mkdir(const char *path);
int brig_cg_rmdir(const char *path);
int brig_cg_lstat(const char *path, struct stat *st);

/* Write S to DIR/FILE; errors read "write memory.max in /sys/...: ...". */
int brig_cg_write(const char *dir, const char *file, const char *s);
/* One write of S to the open interface file FD (PATH for messages). */
int brig_cg_write_fd(int fd, const char *path, const char *s);
int brig_cg_writef(const char *dir, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Read DIR/FILE (trailing newline kept); NULL with an error. */
char *brig_cg_read(const char *dir, const char *file);
/* The start of DIR/FILE into BUF (NUL-terminated): one open and one read,
 * for files of a few short lines (freezer.state, cgroup.events), which
 * the kernel hands over whole in one read.  false with an error. */
bool brig_cg_peek(const char *dir, const char *file, char *buf, size_t size);
bool brig_cg_read_u64(const char *dir, const char *file, uint64_t *out);
bool brig_cg_exists(const char *dir, const char *file);
/* Pids listed in DIR/cgroup.procs, appended to the array (no duplicates). */
int brig_cg_read_procs(const char *dir, pid_t **pids, size_t *n);
/* JSON helpers for the stats: an unsigned number member; a member read
 * from DIR/FILE as a number (skipped when unreadable). */
void brig_cg_json_u64(yajl_gen g, const char *key, uint64_t v);
void brig_cg_json_file_u64(yajl_gen g, const char *key, const char *dir, const char *file);
/* Every "KEY VALUE" line of a flat keyed file as members of an object. */
void brig_cg_json_kv_object(yajl_gen g, const char *key, const char *text);
/* Sleep for MS milliseconds. */
void brig_cg_sleep_ms(unsigned ms);

/* --- v1 (cgroup_v1.c) --- */

/* Shared with v2: hugetlb limits (file names differ) and rdma.max. */
int brig_cg_hugetlb_apply(const char *dir, const struct brig_resources *res, bool v2);
int brig_cg_rdma_apply(const char *dir, const struct brig_resources *res);

/* mkdir -p of PATH in v1 hierarchy I, noting what it made in OWN; a new
 * cpuset cgroup gets its parent's cpus and mems.  1: the leaf was made,
 * 0: it existed, -1: error. */
int brig_cg_v1_mkdir(const struct brig_cg_layout *l, size_t i, const char *path,
                     struct brig_cgroup_own *own);
int brig_cg_v1_apply(const struct brig_cg_layout *l, const char *path,
                     const struct brig_resources *res, bool update);
int brig_cg_v1_devices(const struct brig_cg_layout *l, const char *path,
                       const struct brig_device_rule *r, size_t n);
int brig_cg_v1_freeze(const char *dir, bool frozen);
void brig_cg_v1_stats(const struct brig_cg_layout *l, const char *path, yajl_gen g);

/* --- v2 (cgroup_v2.c) --- */

/* mkdir -p of PATH in the unified hierarchy, noting what it made in OWN,
 * and enable controllers for each level below: in a cgroup brig made, the
 * controllers of ALL; in one it did not, only those of NEEDED, listed
 * (brig_cg_v2_release) so that the last container to go turns them off
 * again.  Never in a cgroup (other than the root) that has processes of
 * its own: needing it there is an error.  1/0/-1 as brig_cg_v1_mkdir. */
int brig_cg_v2_mkdir(const struct brig_cg_layout *l, const char *path, unsigned all,
                     unsigned needed, struct brig_cgroup_own *own);
/* After the container's cgroup PATH is gone: in every unified cgroup
 * above it, forget the containers whose cgroup is gone and turn off the
 * controllers brig turned on that no container needs any more. */
void brig_cg_v2_release(const struct brig_cg_layout *l, const char *path);
/* Undo one "DIR CTRL" of brig_cgroup_own.enabled (a cgroup that keeps no
 * list: no xattrs): turn CTRL off when DIR has no child cgroup left. */
void brig_cg_v2_disable(const char *entry);
/* The trusted.brig.enabled list of a cgroup: "CTRL LEAF" lines, a
 * container (its cgroup LEAF) that needs controller CTRL brig turned on
 * there.  Pure, for tests too; the caller frees. */
bool brig_cg_refs_has(const char *refs, const char *ctrl, const char *leaf); /* LEAF NULL: any */
char *brig_cg_refs_add(const char *refs, const char *ctrl, const char *leaf);
/* Keep the lines whose LEAF is ALIVE; *EMPTIED: the controllers that had
 * lines and have none left. */
char *brig_cg_refs_prune(const char *refs, bool (*alive)(const char *leaf, void *arg), void *arg,
                         unsigned *emptied);

/* The cgroup relative cgroupsPaths are placed under, from brig's own
 * cgroup OWN in MODE: its parent on v2 (a leaf with processes cannot pass
 * controllers down), itself elsewhere.  Caller frees. */
char *brig_cg_relative_base(const char *own, enum brig_cgroup_mode mode);

/* --- what brig made (cgroup_own.c) --- */

/* mkdir -p of ROOT+PATH (PATH clean, not "/").  BEFORE(parent, made, arg)
 * runs before each mkdir with the directory it is made in (ROOT first);
 * AFTER(dir, made, arg) after each level.  Directories made are added to
 * OWN, ones found existing dropped from it.  A parent removed meanwhile (a
 * racing delete) makes it start again.  1: leaf made, 0: existed, -1. */
int brig_cg_mkdir_p(const char *root, const char *path, struct brig_cgroup_own *own,
                    int (*before)(const char *parent, bool made, void *arg),
                    int (*after)(const char *dir, bool made, void *arg), void *arg);
bool brig_cg_own_has(const struct brig_cgroup_own *o, const char *dir);
void brig_cg_own_add_made(struct brig_cgroup_own *o, const char *dir); /* once */
void brig_cg_own_add_enabled(struct brig_cgroup_own *o, const char *dir, const char *ctrl);
/* Apply the resources whose controllers are in MASK. */
int brig_cg_v2_apply(const struct brig_cg_layout *l, const char *path,
                     const struct brig_resources *res, unsigned mask);
int brig_cg_v2_unified(const char *dir, const struct brig_map *unified);
int brig_cg_v2_freeze(const char *dir, bool frozen);
bool brig_cg_v2_is_frozen(const char *dir);
/* cgroup.kill where the kernel has it; 1 when done, 2 when the cgroup was
 * empty already, 0 when unsupported. */
int brig_cg_v2_kill(const char *dir);
/* Wait until cgroup.events says "populated 0" (up to TIMEOUT_MS). */
bool brig_cg_v2_wait_empty(const char *dir, unsigned timeout_ms);
void brig_cg_v2_stats(const struct brig_cg_layout *l, const char *path, unsigned mask, yajl_gen g);

/* --- systemd (cgroup_systemd.c) --- */

/* Whether the systemd driver can be used: a clear error where systemd
 * does not run (no /run/systemd/system and no DBUS_SYSTEM_BUS_ADDRESS). */
int brig_cg_systemd_check(void);
/* Start the transient unit of SPEC ("slice:prefix:name") over D-Bus with
 * the properties RES (and the device rules) translate to, and wait for
 * systemd's job.  A scope's first member is a holder process, which stays
 * until brig_cg_systemd_release: call it once the container's process is
 * in the cgroup (brig_cgroup_attach does), or on failure. */
int brig_cg_systemd_start(const char *spec, const struct brig_resources *res,
                          const struct brig_device *devs, size_t n_devs);
/* The holder's pid while it is in the scope, else -1. */
pid_t brig_cg_systemd_holder(void);
void brig_cg_systemd_release(void);
/* SetUnitProperties for new limits (update). */
int brig_cg_systemd_update(const char *spec, const struct brig_resources *res);
/* AttachProcessesToUnit: the unit's manager moves PID (in the host's pid
 * namespace) into the unit's cgroup.  For the user's instance, where brig
 * runs outside the subtree delegated to the user (a login session's scope,
 * a service) and may not write the common parent's cgroup.procs: systemd
 * does it (asking PID 1 when it cannot itself), as for runc's container. */
int brig_cg_systemd_attach(const char *spec, pid_t pid);
/* StopUnit; a unit systemd no longer has is not an error. */
int brig_cg_systemd_stop(const char *spec);

/* What the properties of a unit are made from (pure; for tests too). */
struct brig_cg_sd_unit {
    const char *name;         /* for the Description */
    const char *slice;        /* Slice= of a scope, Wants= of a slice */
    bool is_slice;            /* the unit is a slice, not a scope */
    bool transient;           /* StartTransientUnit (else SetUnitProperties) */
    pid_t pid;                /* PIDs=[pid] of a scope when > 0 */
    enum brig_cgroup_mode mode;
    unsigned version;         /* systemd's version; 0 when unknown */
    const struct brig_device_rule *rules; /* brig_cg_device_rules() */
    size_t n_rules;
    const char *proc_devices; /* /proc/devices, to name drivers */
};
struct brig_dbus_buf;
/* Append the a(sv) properties of U with RES to B. */
void brig_cg_systemd_props(struct brig_dbus_buf *b, const struct brig_cg_sd_unit *u,
                           const struct brig_resources *res);
/* CPUQuotaPerSecUSec for a CFS quota and period (10 ms steps, rounded
 * up; UINT64_MAX for no quota). */
uint64_t brig_cg_systemd_quota_per_sec(int64_t quota, uint64_t period);
/* The driver name /proc/devices gives MAJOR of TYPE ('c'/'b'); NULL when
 * it lists none.  Caller frees. */
char *brig_cg_systemd_driver_name(const char *proc_devices, char type, int64_t major);

#endif
