/* brig: cgroups, v1, v2 and hybrid hosts (mode detected at run time).
 *
 * A container's cgroup is named by one path relative to the hierarchy roots
 * ("/brig/ID" by default, or linux.cgroupsPath), stored in the state.  On v1
 * the same relative path is used under every mounted controller; on v2 under
 * the unified mount; on a hybrid host both (v2 has no controllers there but
 * still tracks processes). */
#ifndef BRIG_CGROUP_H
#define BRIG_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "brig/oci.h"

enum brig_cgroup_mode {
    BRIG_CGROUP_V1,
    BRIG_CGROUP_HYBRID,
    BRIG_CGROUP_V2,
};

enum brig_cgroup_mode brig_cgroup_mode(void);

/* The relative cgroup path for a container: linux.cgroupsPath when given
 * (absolute; or relative: on v2 to the parent of brig's own cgroup, which
 * on a systemd host is a leaf with processes, on v1 and hybrid hosts to
 * brig's own cgroup, as runc does), else "/brig/ID".  With systemd,
 * "slice:prefix:name".  Caller frees. */
char *brig_cgroup_path_for(const struct brig_config *cfg, const char *id, bool systemd);

/* What brig made for one container, kept in its state: delete kills in
 * and removes only this.  The container's own cgroup (the leaf) is always
 * one brig made: a cgroupsPath that exists already is refused. */
struct brig_cgroup_own {
    bool known;       /* false: a state from a brig that did not record it */
    char **made;      /* directories brig created (every hierarchy), parents first */
    size_t n_made;
    char **enabled;   /* "DIR CTRL": a controller brig enabled in the
                       * cgroup.subtree_control of a cgroup it did not create */
    size_t n_enabled;
};
void brig_cgroup_own_clear(struct brig_cgroup_own *o);
/* As a state member KEY, and back (a missing member leaves O unknown). */
void brig_cgroup_own_gen(yajl_gen g, const char *key, const struct brig_cgroup_own *o);
void brig_cgroup_own_load(yajl_val v, struct brig_cgroup_own *o);

/* Before anything is made: refuse a PATH that exists already in any
 * hierarchy (with processes or not: brig uses only a cgroup it creates),
 * and fill OWN with the directories create is going to make, so that a
 * state saved now lets delete --force clean up after a killed create. */
int brig_cgroup_plan(const char *path, bool systemd, struct brig_cgroup_own *own);

/* Create the cgroup at PATH and apply RES (may be NULL).  Fails if limits
 * cannot be applied; then everything it made is removed again.  OWN (may
 * be NULL) is set to what was made. */
int brig_cgroup_create(const char *path, const struct brig_resources *res, bool systemd,
                       struct brig_cgroup_own *own);

/* brig_cgroup_create that also allows access to the device nodes of
 * linux.devices (runc allows every device it creates; runc's default set
 * is always allowed).  Device rules are set at create only. */
int brig_cgroup_create_with_devices(const char *path, const struct brig_resources *res,
                                    const struct brig_device *devs, size_t n_devs,
                                    bool systemd, struct brig_cgroup_own *own);

/* A split create, for a host with v1 hierarchies (v1-only or hybrid), the
 * cgroupfs driver and root: _first makes only the v2 leaf the init is
 * cloned into (none on a v1-only host); then, while the init makes its
 * namespaces, _v1 the v1 leaves (the init joins them), and _limits every
 * limit and the device rules.  A failed _v1 or _limits leaves OWN listing
 * what exists: the caller kills the init, then calls brig_cgroup_destroy.
 * brig_cgroup_can_split says when to use it. */
bool brig_cgroup_can_split(const char *path, bool systemd);
int brig_cgroup_create_first(const char *path, const struct brig_resources *res,
                             struct brig_cgroup_own *own);
int brig_cgroup_create_v1(const char *path, const struct brig_resources *res, struct brig_cgroup_own *own);
int brig_cgroup_create_limits(const char *path, const struct brig_resources *res,
                              const struct brig_device *devs, size_t n_devs, struct brig_cgroup_own *own);

/* Move PID into the cgroup at PATH (every hierarchy). */
int brig_cgroup_attach(const char *path, pid_t pid);

/* Move the calling process, which must be single-threaded, into the cgroup
 * at PATH without the kernel's global migration lock where it can (v1).
 * IN_UNIFIED: it was cloned into the v2 cgroup already. */
int brig_cgroup_attach_self(const char *path, bool in_unified);

/* brig_cgroup_attach_self for exec --cgroup: each of SPECS is
 * "[CONTROLLER[,CONTROLLER...]:]SUB" (controllers on v1 only, "name=X" for
 * a named hierarchy); in each hierarchy the process joins the existing SUB
 * below PATH that names that hierarchy's controller, else the SUB given
 * without controllers, else PATH itself.  SUBs are checked by the caller
 * (relative, no ".."). */
int brig_cgroup_attach_self_sub(const char *path, char *const *specs, size_t n);
/* Forget the host cgroup directories this process keeps open for its
 * lookups; none stay open after.  Call it before going on into a
 * container.  BRIG_CG_DIRS_CLOSE closes their fds; a process that has just
 * closed every fd above a number passes BRIG_CG_DIRS_ALREADY_CLOSED, so
 * that a number reused since is not closed again.  A child on the
 * runtime's memory (clone_vm.c) passes BRIG_CG_DIRS_SHARED: the table is
 * the runtime's, hidden from the child but neither freed nor closed. */
enum brig_cg_dirs_fds { BRIG_CG_DIRS_CLOSE, BRIG_CG_DIRS_ALREADY_CLOSED, BRIG_CG_DIRS_SHARED };
void brig_cgroup_forget_dirs(enum brig_cg_dirs_fds fds);
/* Around such a child: what the runtime had, to restore once it is back. */
struct brig_cg_dirs_stash {
    size_t n;
    bool dropped;
};
void brig_cgroup_stash_dirs(struct brig_cg_dirs_stash *s);
void brig_cgroup_unstash_dirs(const struct brig_cg_dirs_stash *s);

/* The v2 (or hybrid's unified) directory of PATH as an O_DIRECTORY fd for
 * clone3's CLONE_INTO_CGROUP, which joins without the migration lock; -1
 * when there is none (v1 only, systemd scopes, not created). */
int brig_cgroup_unified_fd(const char *path);


/* Kill whatever is left in the cgroup and remove it from every hierarchy,
 * then the parents brig made and the controllers it enabled (when no
 * container needs them any more).  Only what OWN lists is touched; OWN
 * NULL or unknown (an older state): the leaf and what is below it.
 * Missing directories are not an error. */
int brig_cgroup_destroy(const char *path, const struct brig_cgroup_own *own);

/* Every pid in the cgroup; *pids is malloc()ed.  Returns the count or -1. */
int brig_cgroup_pids(const char *path, pid_t **pids);

/* Freeze or thaw the cgroup (v1 freezer, v2 cgroup.freeze). */
int brig_cgroup_freeze(const char *path, bool frozen);
/* Whether the cgroup is frozen now. */
bool brig_cgroup_is_frozen(const char *path);

/* Apply new limits to an existing cgroup (update). */
int brig_cgroup_update(const char *path, const struct brig_resources *res);

/* The stats as one JSON object generated into G (events); nothing is
 * generated when it fails. */
int brig_cgroup_stats_gen(const char *path, yajl_gen g);
/* The same object as text; caller frees. */
char *brig_cgroup_stats_json(const char *path);

/* OOM notifications (events).  open: NULL with an error when the memory
 * controller offers none.  fd: poll it for POLLIN.  read: once readable,
 * the number of OOM kills since the last call (-1 when the cgroup is gone). */
struct brig_cgroup_oom;
struct brig_cgroup_oom *brig_cgroup_oom_open(const char *path);
int brig_cgroup_oom_fd(const struct brig_cgroup_oom *o);
int brig_cgroup_oom_read(struct brig_cgroup_oom *o);
void brig_cgroup_oom_close(struct brig_cgroup_oom *o);

#endif
