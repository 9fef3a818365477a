/* brig: the runtime side of the container lifecycle.
 *
 * create, read top to bottom:
 *   1. load the bundle's config, plan     5. compile the seccomp filter
 *      from it (container.h)               6. make the start socket (create)
 *   2. make the state directory (locked)   7. clone the init into its namespaces:
 *   3. record the state early (pid 0)         the plan is complete
 *   4. make the cgroup, apply limits       8. id maps, cgroup join, GO
 *   9. serve the init's requests (hooks, seccomp listener) until READY
 *  10. record pid and status, write the pid file; run: wait until the
 *      program is executed
 * Any failure undoes everything: the init is killed, the cgroup and the
 * state directory removed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cgroup.h"
#include "brig/cgroup_internal.h"
#include "brig/container.h"
#include "brig/fault.h"
#include "brig/hooks.h"
#include "brig/learn.h"
#include "brig/mounts.h"
#include "brig/internal.h"
#include "brig/oom.h"
#include "brig/rootless.h"
#include "brig/policy.h"
#include "brig/startsock.h"
#include "brig/sync.h"
#include "brig/exec.h"
#include "brig/exe_guard.h"
#include "brig/terminal.h"

static char *absolute_path(const char *p)
{
    char buf[PATH_MAX];
    if (!realpath(p, buf)) {
        brig_fail(errno, "resolve %s", p);
        return NULL;
    }
    return brig_xstrdup(buf);
}

static void copy_annotations(const struct brig_config *cfg, struct brig_state *s)
{
    s->annotations.n = cfg->annotations.n;
    s->annotations.v = brig_xcalloc(cfg->annotations.n, sizeof *s->annotations.v);
    for (size_t i = 0; i < cfg->annotations.n; i++) {
        s->annotations.v[i].key = brig_xstrdup(cfg->annotations.v[i].key);
        s->annotations.v[i].value = brig_xstrdup(cfg->annotations.v[i].value);
    }
}

static char *owner_name(void)
{
    uid_t uid = geteuid();
    if (uid == 0)
        return brig_xstrdup("");
    /* /etc/passwd read directly: no NSS modules in a static binary. */
    cleanup_file FILE *f = fopen("/etc/passwd", "re");
    struct passwd *pw;
    while (f && (pw = fgetpwent(f)))
        if (pw->pw_uid == uid)
            return brig_xstrdup(pw->pw_name);
    return brig_xasprintf("%u", (unsigned)uid);
}

/* The config as created, kept in the state so that start, exec and delete
 * see what create saw. */

int brig_container_config(const struct brig_container *c, struct brig_config **out)
{
    if (!c->state.config_json)
        return brig_fail(0, "container %s: no config recorded", c->state.id);
    if (brig_config_parse(c->state.config_json, strlen(c->state.config_json), out) < 0)
        return -1;
    /* What --policy default added at create applies to exec'd processes too. */
    if (brig_policy_reapply(*out, &c->state.annotations) < 0) {
        brig_config_free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

static pid_t clone_raw(unsigned long flags)
{
    /* fork() semantics (child continues on a copy of this stack) with
     * namespace flags: one system call for the whole new-namespace set. */
    return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

/* clone_raw, born in the v2 cgroup CGFD (CLONE_INTO_CGROUP): no migration,
 * so no wait on the kernel's global migration lock.  Sets *INTO when it
 * did; falls back to clone_raw on kernels without it (before 5.7). */
static pid_t clone_into_cgroup(unsigned long flags, int cgfd, bool *into)
{
    *into = false;
#ifdef SYS_clone3
    if (cgfd >= 0) {
        struct brig_clone_args a = {.flags = flags | BRIG_CLONE_INTO_CGROUP, .exit_signal = SIGCHLD,
                                    .cgroup = (uint64_t)cgfd};
        pid_t pid = (pid_t)syscall(SYS_clone3, &a, sizeof a);
        if (pid >= 0) {
            *into = true;
            return pid;
        }
        if (errno != ENOSYS && errno != E2BIG && errno != EINVAL)
            return -1;
    }
#else
    (void)cgfd;
#endif
    return clone_raw(flags);
}

/* No container process can reach a brig process (its /proc/PID/exe) before
 * the init execs the container's program when: brig runs in the host's pid
 * namespace (a container cannot see it; a brig run by a container's own
 * program, e.g. via /proc/self/exe, is never there); the init is born into
 * a new pid namespace; it goes straight on to exec (run: no waiting in the
 * created state for `exec` to join); and no startContainer hook (the
 * container's own binaries) runs before.  `run` waits for the init's
 * execve while holding the state lock, so no `exec` can come in between. */
static bool init_unseen(const struct brig_config *cfg, const struct brig_create_opts *o)
{
    const struct brig_namespace *pidns = brig_config_namespace(cfg, BRIG_NS_PID);
    return o->start_now && cfg->process && pidns && !pidns->path &&
           !(cfg->hooks && cfg->hooks->start_container.n) && brig_in_host_pid_ns() == 1;
}

static void kill_and_reap(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

/* The joiner: enters existing namespaces, makes the new ones, then clones
 * the init as a sibling (CLONE_PARENT) so the runtime can wait for it. */
__attribute__((noreturn)) static void joiner_main(struct brig_init *in)
{
    if (in->lock_fd >= 0) {
        close(in->lock_fd);
        in->lock_fd = -1;
    }
    /* Join the cgroup first, as host root: the init inherits it. */
    if (brig_cgroup_attach_self(in->plan->cgroup_path, in->in_unified) < 0)
        brig_sync_die(in->proc.sync_fd);
    brig_cgroup_forget_dirs(BRIG_CG_DIRS_CLOSE); /* no host cgroup dir into the namespaces */
    in->attach_self = false;
    if (brig_namespaces_join(in) < 0)
        brig_sync_die(in->proc.sync_fd);
    pid_t pid = clone_raw(CLONE_PARENT);
    if (pid < 0) {
        brig_fail(errno, "clone container process");
        brig_sync_die(in->proc.sync_fd);
    }
    if (pid == 0)
        brig_init_main(in);
    brig_sync_send(in->proc.sync_fd, BRIG_SYNC_PID, pid, NULL, -1);
    _exit(0);
}

/* --seccomp-learn: where to, and the learner once forked. */
struct learning {
    struct brig_learn_target t;
    pid_t pid;
};

/* Serve the init until it reports READY. */
static int serve_init(struct brig_container *c, const struct brig_config *cfg, int sock,
                      const struct brig_create_opts *o, struct learning *learn)
{
    for (;;) {
        struct brig_sync_msg m;
        int fd = -1;
        if (brig_sync_recv(sock, &m, &fd) < 0)
            return -1;
        switch (m.type) {
        case BRIG_SYNC_ERROR:
            brig_set_error(m.value, m.text);
            return -1;
        case BRIG_SYNC_HOOKS:
            if (brig_runtime_create_hooks(c, cfg) < 0 || brig_fault("hooks") < 0) {
                brig_sync_send(sock, BRIG_SYNC_ERROR, 0, "hook failed", -1);
                return -1;
            }
            if (brig_sync_send(sock, BRIG_SYNC_HOOKS_DONE, 0, NULL, -1) < 0)
                return -1;
            break;
        case BRIG_SYNC_MOUNT_TREE: {
            /* Idmapped and shared binds are made here (see idmap.c). */
            if (fd >= 0)
                close(fd);
            cleanup_fd int tree = brig_runtime_mount_fd(cfg, (size_t)m.value, c->state.bundle, c->state.pid,
                                                      c->state.has_user_ns);
            if (tree < 0) {
                brig_sync_send(sock, BRIG_SYNC_ERROR, brig_last_errno(), brig_last_error(), -1);
                return -1;
            }
            if (brig_sync_send(sock, BRIG_SYNC_MOUNT_TREE, 0, NULL, tree) < 0)
                return -1;
            break;
        }
        case BRIG_SYNC_SECCOMP_FD: {
            cleanup_fd int nfd = fd;
            if (learn && nfd >= 0 && learn->pid == 0) {
                /* ours to serve, at once: the init waits in its next call */
                learn->pid = brig_learn_spawn(&learn->t, nfd, c->state.id, o->learner_pid != NULL);
                if (learn->pid < 0 || brig_sync_send(sock, BRIG_SYNC_HOOKS_DONE, 0, NULL, -1) < 0)
                    return -1;
                break;
            }
            if (nfd < 0 || !cfg->linux_ || !cfg->linux_->seccomp)
                return brig_fail(0, "seccomp listener: no fd received");
            if (brig_seccomp_send_listener(cfg->linux_->seccomp, nfd, c, BRIG_CREATING) < 0)
                return -1;
            if (brig_sync_send(sock, BRIG_SYNC_HOOKS_DONE, 0, NULL, -1) < 0)
                return -1;
            break;
        }
        case BRIG_SYNC_PTY:
            if (brig_terminal_deliver(fd, o->console_socket, o->console_master) < 0 ||
                brig_sync_send(sock, BRIG_SYNC_HOOKS_DONE, 0, NULL, -1) < 0)
                return -1;
            break;
        case BRIG_SYNC_READY:
            if (fd >= 0)
                close(fd);
            return 0;
        default:
            if (fd >= 0)
                close(fd);
            return brig_fail(0, "sync: unexpected message %u from the container", m.type);
        }
    }
}

/* CGROUPS or GO; an init that failed before it (its setup before GO:
 * unsharing namespaces, joining cgroups, mount sources) has closed its end,
 * and its error waits in the socket: report that, not the broken pipe. */
static int send_to_init(int sock, enum brig_sync_type type)
{
    if (brig_sync_send(sock, type, 0, NULL, -1) == 0)
        return 0;
    int e = brig_last_errno();
    struct brig_sync_msg m;
    struct timeval tv = {.tv_sec = 1};
    /* ECONNRESET: it closed with a message of ours unread */
    if ((e == EPIPE || e == ECONNRESET) && setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0 &&
        brig_sync_recv(sock, &m, NULL) == 0 && m.type == BRIG_SYNC_ERROR)
        brig_set_error(m.value, m.text);
    return -1;
}

static int write_pid_file(const struct brig_create_opts *o, pid_t pid, bool *written)
{
    if (o->pid_file && brig_write_pid_file(o->pid_file, pid) < 0)
        return -1;
    *written = o->pid_file != NULL;
    return brig_fault("pid-file");
}

/* 1. The config: read once, parsed here and kept verbatim in the state
 * (*TEXT), with --policy applied. */
static int load_config(const struct brig_create_opts *o, const char *bundle, char **text,
                       struct brig_config **out)
{
    cleanup_free char *path = brig_xasprintf("%s/config.json", bundle);
    size_t len = 0;
    if (brig_read_input(path, text, &len) < 0 || brig_config_parse(*text, len, out) < 0)
        return -1;
    /* as runc: run starts at once, and without a process nothing would */
    if (o->start_now && !(*out)->process)
        return brig_fail(0, "process property must not be empty (run needs config.json's \"process\"; create accepts a bundle without one)");
    /* --policy: refuse the bundle, or fill in what it left unsaid (policy.c) */
    return brig_policy_apply(*out, bundle);
}

/* 1. The plan, as far as the config decides it: the rootfs (*ROOTFS, the
 * caller's to free), the namespaces to make and join, the fds that pass
 * in.  What would fail later is refused here, before anything exists. */
static int plan_from_config(struct brig_plan *pl, struct brig_config *cfg, const struct brig_create_opts *o,
                            const char *bundle, char **rootfs)
{
    if (!cfg->root)
        return brig_fail(0, "root: required to create a container");
    if (cfg->root->path[0] == '/') {
        *rootfs = absolute_path(cfg->root->path);
    } else {
        cleanup_free char *p = brig_xasprintf("%s/%s", bundle, cfg->root->path);
        *rootfs = absolute_path(p);
    }
    if (!*rootfs)
        return brig_fail_ctx("root.path");
    if (cfg->process && cfg->process->terminal && !o->console_socket && !o->console_master)
        return brig_fail(0, "process.terminal is true but no --console-socket was given");
    pl->cfg = cfg;
    pl->proc.cfg = cfg;
    pl->proc.process = cfg->process;
    pl->id = o->id;
    pl->bundle = bundle;
    pl->rootfs = *rootfs;
    pl->no_pivot = o->no_pivot;
    pl->no_new_keyring = o->no_new_keyring;
    /* Socket activation: LISTEN_FDS given to brig pass on, before --preserve-fds. */
    pl->preserve_fds = o->preserve_fds + (cfg->process ? brig_listen_fds(&cfg->process->env) : 0);
    if (brig_namespaces_prepare(cfg, pl) < 0)
        return -1;
    /* sysctl keys, scheduler, labels: refused before anything exists. */
    if (brig_sysctl_validate(cfg, pl) < 0 || brig_identity_validate(cfg) < 0)
        return -1;
    return 0;
}

static void close_ns_fds(struct brig_plan *pl)
{
    for (int i = 0; i < BRIG_NS_COUNT; i++)
        if (pl->ns_fds[i] >= 0) {
            close(pl->ns_fds[i]);
            pl->ns_fds[i] = -1;
        }
}

/* A joiner goes first when the init cannot be cloned straight into its
 * namespaces: some are joined, or made in a new user or time namespace. */
static bool needs_joiner(const struct brig_plan *pl)
{
    if ((pl->clone_flags & CLONE_NEWTIME) || pl->new_userns)
        return true;
    /* The user's systemd may have to move the first child into its scope
     * (brig_cg_systemd_attach): by its pid in the host's pid namespace,
     * so a joiner, not an init already in a new one. */
    if (pl->cgroup_path && brig_systemd_user() && brig_cg_is_systemd_path(pl->cgroup_path))
        return true;
    for (int i = 0; i < BRIG_NS_COUNT; i++)
        if (pl->ns_fds[i] >= 0)
            return true;
    return false;
}

int brig_container_create(const struct brig_create_opts *o, struct brig_container **out,
                          struct brig_config **cfg_out)
{
    struct brig_config *cfg = NULL;
    struct brig_container *c = NULL;
    struct brig_bpf bpf = {0};
    /* The plan, complete before clone() and only read after it; the init's
     * own state beside it (container.h). */
    struct brig_plan plan = {0};
    for (int i = 0; i < BRIG_NS_COUNT; i++)
        plan.ns_fds[i] = -1;
    struct brig_init in = {.plan = &plan, .proc = {.plan = &plan.proc, .sync_fd = -1}, .lock_fd = -1,
                           .start_fd = -1};
    cleanup_fd int cgfd = -1; /* the v2 cgroup to clone into */
    int socks[2] = {-1, -1};
    pid_t init_pid = -1, joiner_pid = -1;
    bool cgroup_made = false, init_started = false, pid_file_written = false;
    cleanup_free char *bundle = NULL;
    cleanup_free char *rootfs = NULL;
    cleanup_free char *config_text = NULL;
    struct learning learn = {.t = {.dirfd = -1}};
    bool learning = false;
    struct brig_vm_child vm = {.sock = -1, .peer = -1}; /* an init on our memory */
    if (o->learner_pid)
        *o->learner_pid = 0;

    /* create's init waits where exec can join: always guarded, before
     * the config is even read (the re-exec would read it again) */
    if (!o->start_now && brig_exe_guard(brig_g.argv) < 0)
        return -1;
    /* 1. the config, and the plan made from it */
    bundle = absolute_path(o->bundle ? o->bundle : ".");
    if (!bundle)
        return brig_fail_ctx("bundle");
    if (load_config(o, bundle, &config_text, &cfg) < 0)
        goto fail;
    /* The CVE-2019-5736 guard (exe_guard.h): the re-exec, ~0.4 ms, is not
     * needed when no container process can see a brig process before the
     * init has exec'd; nothing has been made yet that a re-exec would lose. */
    if (!init_unseen(cfg, o) && o->start_now && brig_exe_guard(brig_g.argv) < 0)
        goto fail;
    if (plan_from_config(&plan, cfg, o, bundle, &rootfs) < 0)
        goto fail;
    /* --seccomp-learn or its annotation: FILE checked before anything is made */
    if (o->seccomp_learn || cfg->annotations.n) {
        int lr = brig_learn_prepare(cfg, o->seccomp_learn, rootfs, &learn.t);
        if (lr < 0)
            goto fail;
        learning = lr == 1;
    }

    brig_trace("config loaded");
    /* 2-3. the state directory, recorded before anything that needs undoing */
    if (brig_container_new(o->id, &c) < 0)
        goto fail;
    in.lock_fd = c->dirfd;
    plan.state = &c->state;
    c->state.bundle = brig_xstrdup(bundle);
    c->state.rootfs = brig_xstrdup(rootfs);
    c->state.created = brig_now_rfc3339();
    c->state.owner = owner_name();
    c->state.has_user_ns = plan.in_userns;
    c->state.has_pid_ns = brig_config_namespace(cfg, BRIG_NS_PID) != NULL;
    c->state.systemd_cgroup = brig_g.systemd_cgroup;
    c->state.rootless = brig_is_rootless();
    copy_annotations(cfg, &c->state);
    c->state.cgroup_path = brig_cgroup_path_for(cfg, o->id, brig_g.systemd_cgroup);
    brig_trace("state new");
    /* refuses a cgroup that exists; records what create will make, so
     * that delete --force cleans up after a create killed half-way */
    if (!c->state.cgroup_path ||
        brig_cgroup_plan(c->state.cgroup_path, brig_g.systemd_cgroup, &c->state.cgroup_own) < 0)
        goto fail;
    brig_trace("planned");
    /* The config goes into the first record only when delete --force
     * would need it there: for the poststop hooks after a create killed
     * half-way.  Else the last save records it (a 2 KB escape and write
     * fewer). */
    if (cfg->hooks && cfg->hooks->poststop.n) {
        c->state.config_json = config_text;
        config_text = NULL;
    }
    if (brig_state_save(c) < 0 || brig_fault("state-saved") < 0)
        goto fail;
    if (config_text) {
        c->state.config_json = config_text;
        config_text = NULL;
    }

    brig_trace("state dir");
    /* 4. the cgroup.  With v1 hierarchies, split: only the v2 leaf now (to
     * clone into); the v1 leaves, limits and device rules at step 8, while
     * the init makes its namespaces (the network namespace alone takes
     * ~1 ms): two cores at work instead of one.  The init joins the v1
     * cgroups when told (CGROUPS) and gets GO only once their limits are
     * set: before anything it does in the container. */
    plan.cgroup_path = c->state.cgroup_path;
    const struct brig_resources *res = cfg->linux_ ? cfg->linux_->resources : NULL;
    const struct brig_device *devs = cfg->linux_ ? cfg->linux_->devices : NULL;
    size_t n_devs = cfg->linux_ ? cfg->linux_->n_devices : 0;
    bool joiner = needs_joiner(&plan);
    bool on_our_memory = brig_vm_init_wanted(&plan, cfg, o, joiner, learning);
    bool split = !joiner && brig_cgroup_can_split(plan.cgroup_path, brig_g.systemd_cgroup);
    /* The OOM killer kills every process that shares its victim's memory:
     * an init beside us (split) in a memory cgroup with a limit, its own or
     * an ancestor's, OOM-killed during its set-up, would take us with it
     * and leave the container half-made.  A vfork child is never a victim
     * (the cgroup's allocation fails instead): with a memory limit, or
     * below a cgroup the caller chose (a pod's, a slice's), the cgroups
     * first and a vfork. */
    if (on_our_memory && ((res && res->memory) || (cfg->linux_ && cfg->linux_->cgroups_path)))
        split = false;
    if (split ? brig_cgroup_create_first(plan.cgroup_path, res, &c->state.cgroup_own) < 0
              : brig_cgroup_create_with_devices(plan.cgroup_path, res, devs, n_devs, brig_g.systemd_cgroup,
                                                &c->state.cgroup_own) < 0)
        goto fail;
    cgroup_made = true;

    brig_trace("cgroup created");
    /* 5. the seccomp filter, compiled here once rather than in the child;
     * learning replaces the config's with one that enforces nothing */
    if (learning) {
        if (brig_learn_filter(&bpf) < 0)
            goto fail;
        plan.proc.seccomp = &bpf;
    } else if (cfg->process && cfg->linux_ && cfg->linux_->seccomp) {
        if (brig_seccomp_compile(cfg->linux_->seccomp, &bpf) < 0) {
            brig_fail_ctx("linux.seccomp");
            goto fail;
        }
        plan.proc.seccomp = &bpf;
    }
    if (brig_fault("seccomp-compiled") < 0)
        goto fail;

    brig_trace("seccomp compiled");
    /* 6. what start connects to (startsock.h); run goes straight on.
     * run records "started" now but holds the state lock (which `state`
     * and `list` take) until the program is executed; start records it
     * once the program is. */
    bool wait_exec = o->start_now && cfg->process;
    c->state.started = wait_exec;
    if (!wait_exec && (in.start_fd = brig_start_listen(c)) < 0)
        goto fail;

    /* 7. clone; the plan is complete */
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, socks) < 0) {
        brig_fail(errno, "socketpair");
        goto fail;
    }
    in.proc.sync_fd = socks[1];
    /* A process that moves itself into a cgroup skips the RCU grace period
     * the kernel waits for when another process moves it (~10 ms after an
     * idle moment): the first child joins the cgroup itself.  That child
     * must still be host root, so a new user namespace takes the joiner. */
    in.attach_self = true;
    cgfd = brig_cgroup_unified_fd(plan.cgroup_path);
    if (on_our_memory && !(plan.proc.seccomp && plan.proc.seccomp->needs_listener)) {
        /* split: beside us, making its namespaces while we make the v1
         * cgroups; else we are suspended until it is done */
        unsigned long flags = plan.clone_flags & ~(unsigned long)CLONE_NEWCGROUP;
        vm.in = &in;
        vm.c = c;
        vm.sock = socks[1];
        vm.peer = socks[0];
        if (split) {
            in.unshare_flags = flags & ~(unsigned long)CLONE_NEWPID;
            in.join_on_cgroups = true;
            flags &= CLONE_NEWPID;
        }
        init_pid = brig_vm_clone(&vm, flags, cgfd, split);
        if (init_pid < 0) {
            in.unshare_flags = 0;
            in.join_on_cgroups = false;
        }
    }
    on_our_memory = init_pid > 0;
    if (on_our_memory) {
        /* back once it has executed the program or failed, or beside us */
    } else if (joiner) {
        joiner_pid = clone_into_cgroup(0, cgfd, &in.in_unified);
        if (joiner_pid == 0) {
            close(socks[0]);
            joiner_main(&in);
        }
    } else {
        /* The cgroup namespace is made by the init once it is in its
         * cgroup.  Split: only the pid namespace (which unshare cannot
         * give the caller itself) at clone; the init unshares the rest
         * while we make the v1 cgroups. */
        unsigned long flags = plan.clone_flags & ~(unsigned long)CLONE_NEWCGROUP;
        if (split) {
            in.unshare_flags = flags & ~(unsigned long)CLONE_NEWPID;
            in.join_on_cgroups = true;
            flags &= CLONE_NEWPID;
        }
        init_pid = clone_into_cgroup(flags, cgfd, &in.in_unified);
        if (init_pid == 0) {
            close(socks[0]);
            brig_init_main(&in);
        }
    }
    if (joiner_pid < 0 && init_pid < 0) {
        brig_fail(errno, "clone container process");
        goto fail;
    }
    close(socks[1]);
    socks[1] = -1;
    if (!on_our_memory) /* else the init's to read, from memory we share */
        in.proc.sync_fd = -1;
    if (in.start_fd >= 0) {
        close(in.start_fd); /* the init's to hold */
        in.start_fd = -1;
    }

    brig_trace("cloned");
    if (brig_fault("cloned") < 0)
        goto fail;
    if (on_our_memory) {
        /* beside us: the v1 cgroups while it makes its namespaces, GO,
         * and wait; either way the init records the state, and has
         * executed the program or says why not */
        if (split) {
            c->state.pid = init_pid;
            if (brig_cgroup_create_v1(plan.cgroup_path, res, &c->state.cgroup_own) < 0 ||
                brig_cgroup_create_limits(plan.cgroup_path, res, devs, n_devs, &c->state.cgroup_own) < 0 ||
                brig_fault("cgroup-rest") < 0)
                goto fail;
            brig_trace("cgroup rest");
            init_started = true;
            if (brig_vm_go_and_wait(&vm, socks[0]) < 0)
                goto fail;
        } else {
            init_started = true;
            if (brig_sync_wait_exec(socks[0]) < 0)
                goto fail;
        }
        if (!in.exec_reached) { /* killed, as by the OOM killer */
            brig_fail(0, "container process exited during setup");
            goto fail;
        }
        if (write_pid_file(o, init_pid, &pid_file_written) < 0)
            goto fail;
        goto executed;
    }
    /* 8. id maps, cgroup, go */
    if (joiner_pid > 0) {
        struct brig_sync_msg m;
        if (plan.new_userns) {
            if (brig_sync_expect(socks[0], BRIG_SYNC_USERNS, &m, NULL) < 0 ||
                brig_write_id_maps(joiner_pid, cfg) < 0 ||
                brig_sync_send(socks[0], BRIG_SYNC_USERNS_DONE, 0, NULL, -1) < 0)
                goto fail;
        }
        if (brig_sync_expect(socks[0], BRIG_SYNC_PID, &m, NULL) < 0)
            goto fail;
        init_pid = m.value;
        while (waitpid(joiner_pid, NULL, 0) < 0 && errno == EINTR)
            ;
        joiner_pid = -1;
        /* in a user namespace the init could not reach every source */
        if (plan.in_userns && brig_send_mount_sources(cfg, bundle, init_pid, socks[0]) < 0)
            goto fail;
    } else if (plan.new_userns) {
        if (brig_write_id_maps(init_pid, cfg) < 0)
            goto fail;
    }
    c->state.pid = init_pid;
    c->state.pid_start_time = brig_pid_start_time(init_pid);
    /* split: the init joins the v1 cgroups while we set their limits */
    if (split && (brig_cgroup_create_v1(plan.cgroup_path, res, &c->state.cgroup_own) < 0 ||
                  send_to_init(socks[0], BRIG_SYNC_CGROUPS) < 0 ||
                  brig_cgroup_create_limits(plan.cgroup_path, res, devs, n_devs, &c->state.cgroup_own) < 0 ||
                  brig_fault("cgroup-rest") < 0))
        goto fail;
    brig_trace("cgroup rest");
    if (send_to_init(socks[0], BRIG_SYNC_GO) < 0)
        goto fail;
    init_started = true;
    if (brig_fault("go-sent") < 0)
        goto fail;

    brig_trace("GO sent");
    /* 9. the init sets everything up; we run the runtime-side hooks */
    if (serve_init(c, cfg, socks[0], o, learning ? &learn : NULL) < 0)
        goto fail;

    brig_trace("init READY");
    if (brig_fault("init-ready") < 0)
        goto fail;
    /* 10. record; run: wait until the program is executed (the init's end
     * of the socket closes on exec) before anyone can look, so that no
     * `state` says "running" before and poststart hooks come after.  We
     * hold the state lock meanwhile: no `exec` joins an init that is still
     * brig (init_unseen). */
    if (brig_state_save(c) < 0 || brig_fault("state-final") < 0)
        goto fail;
    brig_trace("saved 2");
    if (write_pid_file(o, init_pid, &pid_file_written) < 0)
        goto fail;
    if (brig_sync_send(socks[0], BRIG_SYNC_READY_ACK, 0, NULL, -1) < 0)
        goto fail;
    if (wait_exec && brig_sync_wait_exec(socks[0]) < 0)
        goto fail;
executed:
    brig_trace("exec seen");

    close(socks[0]);
    brig_bpf_free(&bpf);
    close_ns_fds(&plan);
    brig_learn_target_close(&learn.t);
    if (o->learner_pid)
        *o->learner_pid = learn.pid;
    if (cfg_out)
        *cfg_out = cfg;
    else
        brig_config_free(cfg);
    *out = c;
    return 0;

fail:
    {
        /* Keep the first error while undoing. */
        char msg[BRIG_ERR_MAX];
        int e = brig_last_errno();
        snprintf(msg, sizeof msg, "%s", brig_last_error());
        /* an init OOM-killed during set-up: say so (setup_oom.c) */
        if (cgroup_made)
            brig_explain_setup_oom(c->state.cgroup_path, init_pid > 0 ? init_pid : joiner_pid, e, msg, sizeof msg);
        kill_and_reap(joiner_pid);
        kill_and_reap(init_pid);
        brig_vm_release(&vm);
        /* The learner ends with the init it served and writes nothing (the
         * program never ran); run's own child is reaped here. */
        if (learn.pid > 0 && o->learner_pid)
            while (waitpid(learn.pid, NULL, 0) < 0 && errno == EINTR)
                ;
        brig_learn_target_close(&learn.t);
        /* The lifecycle goes on at "delete" (runtime.md): poststop hooks
         * undo what the create-time ones did.  Warnings only. */
        if (init_started && cfg->hooks && cfg->hooks->poststop.n) {
            cleanup_free char *st = brig_state_json(c, BRIG_STOPPED);
            if (st && brig_run_hooks(&cfg->hooks->poststop, "poststop", st) < 0)
                brig_warn("%s", brig_last_error());
        }
        if (socks[0] >= 0)
            close(socks[0]);
        if (socks[1] >= 0)
            close(socks[1]);
        if (in.start_fd >= 0)
            close(in.start_fd);
        close_ns_fds(&plan);
        if (pid_file_written && unlink(o->pid_file) < 0)
            brig_debug("remove %s: %s", o->pid_file, strerror(errno));
        if (cgroup_made)
            brig_cgroup_destroy(c->state.cgroup_path, &c->state.cgroup_own);
        if (c)
            brig_container_remove(c);
        brig_bpf_free(&bpf);
        brig_config_free(cfg);
        brig_set_error(e, msg);
    }
    return -1;
}

void brig_container_poststart(struct brig_container *c, const struct brig_config *cfg)
{
    if (!cfg->hooks || cfg->hooks->poststart.n == 0)
        return;
    /* run and start return only once the program is executed. */
    cleanup_free char *state = brig_state_json(c, BRIG_RUNNING);
    if (state && brig_run_hooks(&cfg->hooks->poststart, "poststart", state) < 0) {
        /* The spec makes a failed poststart hook a warning only. */
        brig_warn("%s", brig_last_error());
        brig_clear_error();
    }
}

int brig_container_start(struct brig_container *c)
{
    enum brig_status st = brig_container_status(c);
    if (st != BRIG_CREATED)
        return brig_fail(0, "cannot start a container that is %s (only a created container can start)",
                         brig_status_name(st));
    struct brig_config *cfg = NULL;
    if (brig_container_config(c, &cfg) < 0)
        return -1;
    if (!cfg->process) {
        brig_config_free(cfg);
        return brig_fail(0, "the container has no process to start (config.json has no \"process\")");
    }
    /* The init goes on once it has our connection; its end closes when it
     * executes the program, or it tells us why it could not first (a
     * startContainer hook, the seccomp filter, execve) and exits. */
    /* What cannot be undone comes last: the state must be writable (a full
     * disk, a file size limit) before the program is started. */
    if (brig_state_save(c) < 0) {
        brig_config_free(cfg);
        return -1;
    }
    cleanup_fd int fd = brig_start_connect(c);
    if (fd < 0 || brig_sync_wait_exec(fd) < 0) {
        brig_config_free(cfg);
        return -1;
    }
    brig_start_done(c);
    c->state.started = true;
    if (brig_state_save(c) < 0) {
        brig_config_free(cfg);
        return -1;
    }
    brig_container_poststart(c, cfg);
    brig_config_free(cfg);
    return 0;
}

static int pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    errno = ENOSYS;
    return -1;
#endif
}

/* Wait until PID is gone (it may not be our child). */
static void wait_gone(pid_t pid, uint64_t start_time)
{
    int pfd = pidfd_of(pid);
    if (pfd >= 0) {
        struct pollfd p = {.fd = pfd, .events = POLLIN};
        while (poll(&p, 1, 10000) < 0 && errno == EINTR)
            ;
        close(pfd);
    }
    /* Reap it when it is our child (run); otherwise wait for its parent to. */
    waitpid(pid, NULL, WNOHANG);
    for (int i = 0; i < 1000; i++) {
        uint64_t st = brig_pid_start_time(pid);
        if (st == 0 || st != start_time)
            return;
        usleep(1000);
    }
}

int brig_container_signal(struct brig_container *c, int sig, bool all)
{
    enum brig_status st = brig_container_status(c);
    if (st == BRIG_STOPPED && !all)
        return brig_fail(0, "container not running: %s", c->state.id);
    if (st == BRIG_CREATING)
        return brig_fail(0, "container %s is still being created", c->state.id);
    if (all && c->state.cgroup_path) {
        pid_t *pids = NULL;
        int n = brig_cgroup_pids(c->state.cgroup_path, &pids);
        if (n < 0)
            return -1;
        for (int i = 0; i < n; i++)
            if (kill(pids[i], sig) < 0 && errno != ESRCH) {
                int e = errno;
                free(pids);
                return brig_fail(e, "signal process %d", (int)pids[i]);
            }
        free(pids);
        /* The init was in the cgroup too, unless the cgroup was empty. */
        if (st == BRIG_STOPPED || n > 0)
            return 0;
    }
    /* A pidfd pins the process we checked: no signal to a recycled pid. */
    int pfd = pidfd_of(c->state.pid);
    if (pfd >= 0) {
        uint64_t start = brig_pid_start_time(c->state.pid);
        if (start == 0 || start != c->state.pid_start_time) {
            close(pfd);
            return brig_fail(0, "container not running: %s", c->state.id);
        }
        long r = syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0);
        int e = errno;
        close(pfd);
        if (r < 0 && e == ESRCH && !all)
            goto gone;
        if (r < 0 && !(all && e == ESRCH))
            return brig_fail(e, "signal container %s", c->state.id);
        return 0;
    }
    if (kill(c->state.pid, sig) < 0 && !(all && errno == ESRCH)) {
        if (errno == ESRCH)
            goto gone;
        return brig_fail(errno, "signal container %s", c->state.id);
    }
    return 0;
gone:
    /* it exited since the check: the text engines take for "gone"
     * (containerd's checkKillError, CRI-O's runtimeCmd) */
    return brig_fail(0, "container not running: %s", c->state.id);
}

int brig_container_destroy(struct brig_container *c, const struct brig_config *cfg_in)
{
    struct brig_config *cfg = NULL;
    if (!cfg_in && brig_container_config(c, &cfg) == 0)
        cfg_in = cfg;
    brig_clear_error();
    enum brig_status st = brig_container_status(c);
    if (st != BRIG_STOPPED && st != BRIG_CREATING && c->state.pid > 0) {
        if (st == BRIG_PAUSED && c->state.cgroup_path) {
            kill(c->state.pid, SIGKILL);
            brig_cgroup_freeze(c->state.cgroup_path, false);
        } else {
            kill(c->state.pid, SIGKILL);
        }
        wait_gone(c->state.pid, c->state.pid_start_time);
    }
    int r = 0;
    if (c->state.cgroup_path && brig_cgroup_destroy(c->state.cgroup_path, &c->state.cgroup_own) < 0) {
        brig_warn("%s", brig_last_error());
        r = -1;
    }
    if (cfg_in && cfg_in->hooks && cfg_in->hooks->poststop.n > 0 && c->state.pid > 0) {
        cleanup_free char *state = brig_state_json(c, BRIG_STOPPED);
        if (state && brig_run_hooks(&cfg_in->hooks->poststop, "poststop", state) < 0) {
            brig_warn("%s", brig_last_error()); /* poststop failures are warnings */
            brig_clear_error();
        }
    }
    char msg[BRIG_ERR_MAX];
    snprintf(msg, sizeof msg, "%s", brig_last_error());
    if (brig_container_remove(c) < 0)
        r = -1;
    else if (r < 0)
        brig_set_error(0, msg);
    brig_config_free(cfg);
    return r;
}
