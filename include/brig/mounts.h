/* brig: mount options, in-rootfs path resolution and fd-based mount
 * primitives, shared by mounts.c, rootfs.c, devices.c and idmap.c. */
#ifndef BRIG_MOUNTS_H
#define BRIG_MOUNTS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "brig/oci.h"

struct brig_plan;
struct brig_proc_plan;

/* mount_setattr(2) attributes (linux/mount.h values; that header clashes
 * with glibc's sys/mount.h). */
#define BRIG_ATTR_RDONLY 0x00000001ULL
#define BRIG_ATTR_NOSUID 0x00000002ULL
#define BRIG_ATTR_NODEV 0x00000004ULL
#define BRIG_ATTR_NOEXEC 0x00000008ULL
#define BRIG_ATTR__ATIME 0x00000070ULL
#define BRIG_ATTR_RELATIME 0x00000000ULL
#define BRIG_ATTR_NOATIME 0x00000010ULL
#define BRIG_ATTR_STRICTATIME 0x00000020ULL
#define BRIG_ATTR_NODIRATIME 0x00000080ULL
#define BRIG_ATTR_IDMAP 0x00100000ULL
#define BRIG_ATTR_NOSYMFOLLOW 0x00200000ULL

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

#define BRIG_MAX_PROPAGATION 8

/* One mount's options, sorted out (mountopt.c). */
struct brig_mount_opts {
    unsigned long flags;      /* MS_* for mount(2) of a new filesystem */
    uint64_t attr_set;        /* per-mount attributes asked for, for a bind */
    uint64_t attr_clr;        /* ... and those explicitly cleared (rw, suid, dev...) */
    uint64_t rattr_set;       /* recursive ones (rro, rnosuid, ...) */
    uint64_t rattr_clr;
    unsigned long propagation[BRIG_MAX_PROPAGATION]; /* MS_SHARED... (| MS_REC), in order */
    size_t n_propagation;
    char *data;               /* options for the filesystem ("mode=755,size=1m"), or NULL */
    bool bind, recursive;     /* bind / rbind */
    bool tmpcopyup;
    bool idmap, idmap_recursive;
};

/* Parse OCI mount options: mount(2) flags, per-mount attributes, the
 * propagation, brig's own (tmpcopyup, idmap, ridmap) and, for anything
 * else, the filesystem's data string.  TYPE "bind" makes it a bind. */
int brig_parse_mount_options(const struct brig_strv *opts, const char *type, struct brig_mount_opts *out);
void brig_mount_opts_free(struct brig_mount_opts *o);

/* libmount's table of option names (libmount.c, generated at build time):
 * 1 and the MS_* flag(s) when NAME is a flag option, INVERT when it clears
 * them; 0 for a name libmount does not know. */
int brig_mount_option_lookup(const char *name, unsigned long *flags, bool *invert);

/* --- resolution inside the rootfs (resolve.c) --- */

/* An O_PATH fd for PATH below ROOTFD, symlinks and ".." kept inside it
 * (openat2 RESOLVE_IN_ROOT, or the by-hand walker).  -1 with errno. */
int brig_resolve_in_root(int rootfd, const char *path);
/* PATH below ROOTFD opened with FLAGS (O_RDONLY...), resolved as above: a
 * file read without a second open through /proc.  -1 with errno. */
int brig_open_file_in_root(int rootfd, const char *path, int flags);
/* An O_PATH fd for the directory PATH below ROOTFD when no component of
 * it is a symlink (openat2 RESOLVE_NO_SYMLINKS): -1 with errno ELOOP (a
 * symlink on the way), ENOTDIR, ENOENT, or ENOSYS when there is no openat2
 * (the caller walks by hand). */
int brig_open_plain_dir_in_root(int rootfd, const char *path);
/* The by-hand walker itself, optionally creating what is missing. */
int brig_resolve_walk(int rootfd, const char *path, bool create, bool last_is_dir);
bool brig_resolve_by_hand(void);
/* chdir to PATH resolved inside "/" (after pivot_root): a cwd such as
 * /proc/self/fd/N cannot lead out (CVE-2024-21626).  CREATE makes it. */
int brig_chdir_in_root(const char *path, bool create);
/* The last component of PATH (trailing slashes ignored) into NAME, and in
 * *DIR_LEN the length of what stands before the slash ahead of it (0 for
 * "/name" and "name"); false when it is no name: empty, ".", "..", or
 * longer than NAME_MAX. */
bool brig_path_last_name(const char *path, size_t *dir_len, char name[static NAME_MAX + 1]);
/* The parent directory of PATH (made when CREATE) and its last component. */
int brig_open_parent_in_root(int rootfd, const char *path, bool create, char name[static NAME_MAX + 1]);

/* --- fd-based mounting (mountfd.c) --- */

/* "/proc/self/fd/FD" */
void brig_fd_path(int fd, char buf[static 64]);
bool brig_have_mount_api(void);
/* mount(2) onto the directory FD stands for. */
int brig_mount_at(const char *source, int fd, const char *type, unsigned long flags, const char *data,
                  const char *dest);
/* Bind SOURCE (a host path, or SRCFD when >= 0) onto DSTFD, which is DEST
 * inside ROOTFD, with attributes SET/CLR applied to the new mount. */
int brig_bind_at(const char *source, int srcfd, int rootfd, const char *dest, int dstfd, bool recursive,
                 uint64_t set, uint64_t clr);
/* Change the mount at FD: attributes, then propagation (MS_SHARED...). */
int brig_setattr(int fd, uint64_t set, uint64_t clr, unsigned long propagation, bool recursive, const char *dest);
/* An empty read-only tmpfs on the directory FD stands for (masking).
 * *SHARED (-1 at first, closed by the caller) keeps the first one made, so
 * that every masked directory of a container shows the same instance. */
int brig_mount_empty_ro(int fd, const char *dest, int *shared);
/* Our own detached procfs (fd, or -1 where fsopen is missing), and a file
 * in it ("sys/net/ipv4/ip_forward") opened with no link or mount crossed;
 * without one, the container's /proc checked to be procfs. */
int brig_private_procfs(void);
int brig_open_proc_file(const char *path, int flags);
/* The raw system calls (-1 with errno). */
int brig_open_tree(int dirfd, const char *path, bool recursive);
int brig_move_tree(int tree, int dstfd);
int brig_setattr_raw(int fd, const char *path, unsigned flags, uint64_t set, uint64_t clr, uint64_t propagation,
                     int userns_fd);

/* --- copy-up for tmpcopyup (copyup.c) --- */
int brig_copy_tree(int srcdir, int dstdir, const char *dest);

/* --- binds made by the runtime: idmapped or shared (idmap.c) --- */
/* Whether mounts[] entry with options MO is made by the runtime. */
bool brig_bind_via_runtime(const struct brig_mount_opts *mo);
/* In the runtime: a detached clone of mounts[INDEX]'s source with its
 * attributes applied (idmapped with INIT_PID's user namespace, or one for
 * the mount's own mappings, when asked), for the init to attach. */
int brig_runtime_mount_fd(const struct brig_config *cfg, size_t index, const char *bundle, pid_t init_pid,
                          bool container_userns);

/* --- linux.sysctl (sysctl.c) --- */
int brig_sysctl_validate(const struct brig_config *cfg, const struct brig_plan *pl);
/* KEY ("net.ipv4.ip_forward", "net/ipv4/ip_forward", ...) as the runtime
 * reads it: 1 and its namespace when it is namespaced, 0 when it is the
 * host's only, -1 (with an error) for a key brig refuses.  *DOTTED (may be
 * NULL) gets its dotted spelling, caller frees. */
int brig_sysctl_classify(const char *key, char **dotted, enum brig_ns_type *ns);
int brig_sysctl_apply(const struct brig_config *cfg);

/* --- personality, I/O priority, scheduler (personality.c), LSM (lsm.c) --- */
int brig_identity_validate(const struct brig_config *cfg);
int brig_apply_identity(const struct brig_proc_plan *pp);
/* linux.memoryPolicy (mempolicy.c). */
int brig_apply_memory_policy(const struct brig_config *cfg);
int brig_lsm_validate(const struct brig_config *cfg);
/* Set the process's AppArmor profile / SELinux label for its execve. */
int brig_lsm_apply(const struct brig_process *p);

#endif
