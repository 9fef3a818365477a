/* brig: creating, starting and destroying containers (the lifecycle shared
 * by create, start, run and delete).
 *
 * Plan, then act: the runtime decides, the container's init (and exec's
 * child) acts.  The plan (struct brig_plan) is what was decided from the
 * parsed config: the config itself, bundle and rootfs, the namespaces to
 * make and the fds of those to join, the fds that pass in, the cgroup, the
 * compiled seccomp filter and the process to run.  Who writes what:
 *   - the plan: only create's runtime side (container.c, steps 1-5), before
 *     clone(); from then on both processes only read it;
 *   - struct brig_init, struct brig_proc: the small mutable state of a
 *     process (sync and start sockets, the lock fd, whether its filter is
 *     in), written only by the process it belongs to;
 *   - the process object's env: each process's own copy gets HOME.
 * exec plans only the process part (struct brig_proc_plan, exec.c), never
 * a whole init. */
#ifndef BRIG_CONTAINER_H
#define BRIG_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "brig/oci.h"
#include "seccomp.h"
#include "state.h"

struct brig_create_opts {
    const char *id;
    const char *bundle;         /* default: cwd */
    const char *pid_file;
    const char *console_socket;
    bool no_pivot;
    bool no_new_keyring;
    int preserve_fds;           /* fds 3 .. 3+N-1 pass into the container */
    bool start_now;             /* run: no wait for a start signal */
    int *console_master;        /* run in the foreground: receives the pty master
                                   when process.terminal and no console_socket */
    const char *seccomp_learn;  /* --seccomp-learn FILE (learn.h), or NULL */
    pid_t *learner_pid;         /* run in the foreground: receives the learner's
                                   pid (0: none), which then keeps stderr */
};

/* The process to run and how it is confined: part of the init's plan, and
 * what exec plans for its process. */
struct brig_proc_plan {
    const struct brig_config *cfg;  /* the container's config (linux.personality,
                                       memoryPolicy); its process is not read */
    struct brig_process *process;   /* NULL: none (create without a process).  Each
                                       process's own copy: it adds HOME to the env */
    const struct brig_bpf *seccomp; /* compiled once by the runtime; NULL: no filter */
    bool other_userns;              /* runs in a user namespace the runtime is not in
                                       (made or joined): its setgroups may be "deny" */
};

/* The init's plan (container.c fills it, the init reads it). */
struct brig_plan {
    const struct brig_config *cfg;  /* parsed once, --policy applied */
    struct brig_proc_plan proc;     /* cfg->process and the compiled filter */
    const char *id;
    const char *bundle;             /* absolute */
    const char *rootfs;             /* absolute, resolved */
    const char *cgroup_path;        /* the container's cgroup (cgroup.h) */
    const struct brig_state *state; /* as recorded at create, for the hooks' state JSON */
    unsigned long clone_flags;      /* namespaces to create (CLONE_NEW*) */
    bool new_userns;
    bool in_userns;                 /* new or joined: no mknod, ids are mapped */
    int ns_fds[BRIG_NS_COUNT];      /* namespaces to join, -1 otherwise; the runtime
                                       closes them, a joining process its copies */
    int preserve_fds;               /* fds 3 .. 3+N-1 pass in: --preserve-fds and LISTEN_FDS */
    bool no_pivot;
    bool no_new_keyring;
};

/* A process being set up (the init, exec's child): what changes. */
struct brig_proc {
    const struct brig_proc_plan *plan;
    int sync_fd;                    /* to the runtime: the seccomp listener fd goes there */
    bool seccomp_loaded;            /* plan->seccomp is in (it goes in once) */
};

/* The init's own state, beside its plan. */
struct brig_init {
    const struct brig_plan *plan;
    struct brig_proc proc;          /* proc.sync_fd: the sync socket; after start,
                                       start's connection (startsock.h) */
    int start_fd;                   /* create: the listening start socket, or -1 */
    int lock_fd;                    /* the state directory's flock()ed fd: the child closes it */
    bool attach_self;               /* the init joins the cgroup itself (see container.c) */
    bool in_unified;                /* ...and was cloned into the v2 one already */
    bool join_on_cgroups;           /* ...once CGROUPS says the v1 ones exist (split create) */
    unsigned long unshare_flags;    /* namespaces the init makes itself, first thing */
    int *mount_src_fds;             /* bind sources the runtime opened, received before
                                       GO, by mounts[] index, -1 where none (mountsrc.c) */
    bool on_runtime_memory;         /* cloned with CLONE_VM|CLONE_VFORK (clone_vm.c): the
                                       runtime is suspended, no GO, READY or ack */
    bool exec_reached;              /* set just before execve: on the runtime's memory,
                                       what tells it an exec from an exit */
};

/* struct clone_args of linux/sched.h (5.7), spelled out: that header's
 * CLONE_* clash with glibc's.  clone3's, for container.c and clone_vm.c. */
struct brig_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
        cgroup;
};
#define BRIG_CLONE_INTO_CGROUP 0x200000000ULL

/* clone_vm.c: clone3 with CLONE_VM (and CLONE_INTO_CGROUP CGFD when >= 0):
 * FN(ARG) runs in the child and must exec or _exit; *TID is the child's
 * pid, written before it runs.  Without STACK, CLONE_VFORK too: the child
 * runs on the stack below ours, and this returns once it has exec'd or
 * exited; with STACK (STACK_SIZE bytes) it returns at once.  -1 with errno
 * ENOSYS where this build or kernel cannot. */
pid_t brig_clone_vm(unsigned long flags, int cgfd, pid_t *tid, int (*fn)(void *), void *arg, void *stack,
                    size_t stack_size);
/* A system call that touches no memory but what its arguments name (no
 * errno): -errno on failure.  -ENOSYS where brig_clone_vm cannot. */
long brig_raw_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

/* vm_init.c: run's init on the runtime's memory.  Wanted when nothing has
 * to serve the init before execve; brig_vm_clone clones it (BESIDE: on a
 * stack of its own, making its namespaces while the runtime makes the v1
 * cgroups) or returns -1, and create forks it as before;
 * brig_vm_go_and_wait: GO to an init beside us, and wait until it has
 * executed the program or exited (its error, if it said one, recorded);
 * brig_vm_release frees what is left of it after a failure. */
struct brig_vm_child {
    struct brig_init *in;
    struct brig_container *c;
    int sock;      /* the init's end of the sync socket */
    int peer;      /* the runtime's end: the init closes its copy first */
    pid_t pid;     /* the init's, as the runtime sees it, written by the kernel before it runs */
    void *stack;   /* beside: its own */
};
bool brig_vm_init_wanted(const struct brig_plan *pl, const struct brig_config *cfg, const struct brig_create_opts *o,
                         bool joiner, bool learning);
pid_t brig_vm_clone(struct brig_vm_child *v, unsigned long flags, int cgfd, bool beside);
int brig_vm_go_and_wait(struct brig_vm_child *v, int sock);
void brig_vm_release(struct brig_vm_child *v);

/* create: make the container up to the point where only execve is left.
 * On success *out is the locked container (status created) and the caller
 * owns it, and so *cfg (when CFG is not NULL): the config as parsed and
 * applied, for run's poststart and poststop hooks; on failure nothing is
 * left behind. */
int brig_container_create(const struct brig_create_opts *o, struct brig_container **out,
                          struct brig_config **cfg);

/* start: let a created container exec its process. */
int brig_container_start(struct brig_container *c);

/* The config as created (kept in the state), for the commands after
 * create: parsed once per command, then handed down. */
int brig_container_config(const struct brig_container *c, struct brig_config **out);

/* poststart hooks (warnings only), for start and run. */
void brig_container_poststart(struct brig_container *c, const struct brig_config *cfg);

/* Stop (SIGKILL when force) and remove everything: processes, cgroup,
 * poststop hooks, state directory.  Closes C. */
int brig_container_destroy(struct brig_container *c, const struct brig_config *cfg);

/* Send SIG to the container's init (or every process with ALL). */
int brig_container_signal(struct brig_container *c, int sig, bool all);

/* The container's init side (runs in the clone()d child; never returns). */
__attribute__((noreturn)) void brig_init_main(struct brig_init *in);

/* Steps of the init side, one file each. */
int brig_setup_rootfs(struct brig_init *in);      /* rootfs.c: mounts, devices, pivot */
int brig_finish_rootfs(const struct brig_plan *pl); /* rootfs.c: masked/ro paths, ro root */
int brig_move_root(const char *rootfs);           /* nopivot.c: --no-pivot */
int brig_apply_mounts(struct brig_init *in, int rootfd); /* mounts.c */
int brig_finish_dev(int rootfd); /* mounts.c: a read-only /dev tmpfs made so, once filled */
int brig_create_devices(const struct brig_plan *pl, int rootfd); /* devices.c */
int brig_loopback_up(const struct brig_plan *pl); /* namespaces.c: lo of a new net ns up */
int brig_make_cwd(const char *cwd);              /* process.c: create a missing process.cwd */
int brig_setup_process(struct brig_proc *p);      /* process.c: rlimits, user, caps, nnp */
/* process.c: load p->plan->seccomp (once); a listener fd goes to the
 * runtime over p->sync_fd at once, before any other system call the
 * filter could trap. */
int brig_load_seccomp(struct brig_proc *p);
int brig_apply_capabilities(const struct brig_caps *caps); /* capabilities.c */
int brig_drop_bounding(const struct brig_caps *caps);
char *brig_lookup_executable(const struct brig_process *p); /* NULL with error */

/* learn_setup.c: 1 when the container learns its seccomp profile (T open:
 * CLI_FILE, else the BRIG_LEARN_ANNOTATION of CFG, checked against the
 * policy), 0 when not asked, -1 on error. */
struct brig_learn_target;
int brig_learn_prepare(const struct brig_config *cfg, const char *cli_file, const char *rootfs,
                       struct brig_learn_target *t);

/* Bind mount sources opened as host root for an init in a user namespace
 * (mountsrc.c).  The runtime, before GO: open them in INIT_PID's mount
 * namespace and send them on INIT_SOCK (nothing to do without a user and a
 * mount namespace, binds, or root).  The init: receive them until GO (the
 * GO wait itself); take one by index (-1: none, open the path); close the
 * rest. */
int brig_send_mount_sources(const struct brig_config *cfg, const char *bundle, pid_t init_pid, int init_sock);
int brig_recv_mount_sources(struct brig_init *in);
int brig_take_mount_source(struct brig_init *in, size_t index);
void brig_drop_mount_sources(struct brig_init *in);

/* Namespaces (namespaces.c). */
int brig_namespaces_prepare(const struct brig_config *cfg, struct brig_plan *pl);
int brig_namespaces_join(struct brig_init *in);
int brig_write_id_maps(pid_t pid, const struct brig_config *cfg);
/* Write one map ("uid_map" or "gid_map") of PID in a single write. */
int brig_write_id_map(pid_t pid, const char *file, const struct brig_idmap *m, size_t n);
int brig_set_hostname(const struct brig_config *cfg);

/* Hooks (hooks.c).  STATE_JSON goes to each hook's stdin. */
int brig_run_hooks(const struct brig_hook_list *hooks, const char *kind, const char *state_json);

/* Resolve PATH (absolute, inside the rootfs) below ROOTFD without leaving
 * it, creating missing directories when MKDIRS; the last component is made
 * as a directory or an empty file per LAST_IS_DIR when absent.  Returns an
 * O_PATH fd (mounts.c). */
int brig_open_in_root(int rootfd, const char *path, bool create, bool last_is_dir);

#endif
