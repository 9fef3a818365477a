/* brig: exec, a new process in a running container.
 *
 *   brig (the caller's side)                the child (born in the container's pid ns)
 *   1. status, a pidfd on the init
 *   2. the namespaces that differ from ours
 *   3. seccomp filter (cached), the init's root
 *   4. non-dumpable; fork into the init's
 *      pid namespace                  ---->  host fds marked close-on-exec; wait
 *   5. GO                             ---->  6. into the cgroup (itself), then every
 *                                               other namespace at once
 *                                               (setns on the pidfd), root = the init's
 *                                            7. session, keyring, terminal (PTY back)
 *   (deliver the pty, hand on the     <----  8. personality, LSM labels, rlimits,
 *    seccomp listener)                          user, caps, no_new_privs, cwd, seccomp
 *                                            9. execve: the sync socket closes (EOF)
 *  10. pid file; detach, or relay/wait and return the process's status
 * The child is brig's own child: brig can wait for it, and once brig exits
 * it belongs to brig's caller (conmon, the shim), with nothing in between. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cgroup.h"
#include "brig/container.h"
#include "brig/exec.h"
#include "brig/internal.h"
#include "brig/mounts.h"
#include "brig/seccomp.h"
#include "brig/sync.h"
#include "brig/terminal.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* exec's plan, made by the caller's side before the fork and only read
 * after it (container.h): the process and its confinement, and where it
 * goes in.  The child's mutable state is a struct brig_proc. */
struct exec_plan {
    struct brig_proc_plan proc;  /* o->process, the config, the compiled filter */
    const struct brig_exec_opts *o;
    pid_t init_pid;
    int pidfd;            /* the init's pidfd, or -1 on kernels without */
    int rootfd;           /* the init's root directory */
    int ns_flags;         /* namespaces to join besides pid */
    int lock_fd;          /* the state lock: the child closes it first */
    int keep_fds;         /* fds below this stay open across execve */
    int n_listen;
    const char *cgroup;   /* joined by the child itself (see cgroup.h) */
};

/* --- small shared helpers ------------------------------------------------ */

void brig_env_set(struct brig_strv *env, const char *kv)
{
    const char *eq = strchr(kv, '=');
    size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
    for (size_t i = 0; i < env->n; i++) {
        if (strncmp(env->v[i], kv, klen) == 0 && env->v[i][klen] == '=') {
            free(env->v[i]);
            env->v[i] = brig_xstrdup(kv);
            return;
        }
    }
    env->v = brig_xrealloc(env->v, (env->n + 2) * sizeof *env->v);
    env->v[env->n++] = brig_xstrdup(kv);
    env->v[env->n] = NULL;
}

int brig_listen_fds(struct brig_strv *env)
{
    const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
    uint64_t n, p;
    /* Only fds meant for us: LISTEN_PID names the process they were given to. */
    if (!fds || !pid || !brig_parse_u64(fds, &n) || !brig_parse_u64(pid, &p) ||
        p != (uint64_t)getpid() || n == 0 || n > 4096)
        return 0;
    if (env) {
        char kv[64];
        snprintf(kv, sizeof kv, "LISTEN_FDS=%d", (int)n);
        brig_env_set(env, kv);
        brig_env_set(env, "LISTEN_PID=1");
    }
    return (int)n;
}

/* --- the child ----------------------------------------------------------- */

static void cloexec_from(int first)
{
    if (syscall(SYS_close_range, (unsigned)first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return;
    for (int fd = first; fd < 65536; fd++) {
        int fl = fcntl(fd, F_GETFD);
        if (fl >= 0 && !(fl & FD_CLOEXEC))
            fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
    }
}

static int join_one_by_one(pid_t pid, int flags)
{
    for (size_t i = 0; i < BRIG_NS_COUNT; i++) {
        if (!(flags & brig_ns_info[i].clone_flag))
            continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, brig_ns_info[i].proc_name);
        cleanup_fd int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return brig_fail(errno, "open %s", path);
        if (setns(fd, brig_ns_info[i].clone_flag) < 0)
            return brig_fail(errno, "join the container's %s namespace", brig_ns_info[i].proc_name);
    }
    return 0;
}

static int join_namespaces(const struct exec_plan *x)
{
    int flags = x->ns_flags & ~CLONE_NEWPID; /* we were born in it */
    if (!flags)
        return 0;
    /* One call for the whole set: the kernel orders it (user first) and it
     * is all or nothing. */
    if (x->pidfd >= 0 && setns(x->pidfd, flags) == 0)
        return 0;
    if (x->pidfd >= 0 && errno != EINVAL)
        return brig_fail(errno, "join the container's namespaces");
    return join_one_by_one(x->init_pid, flags);
}

/* exec by an unprivileged user into a container with a user namespace of
 * its own: this middle process joins the user namespace with the pid
 * namespace (as a member it may), forks the exec'd process there, reports
 * its pid and exits; the caller (a subreaper) adopts it.  The exec'd
 * process then joins the rest; the user namespace is already its own. */
__attribute__((noreturn)) static void exec_child(const struct exec_plan *x, int sock);

__attribute__((noreturn)) static void via_userns_child(const struct exec_plan *x, int pidfd, int sock)
{
    if (setns(pidfd, CLONE_NEWUSER | CLONE_NEWPID) < 0) {
        brig_fail(errno, "join the container's user and pid namespaces");
        brig_sync_die(sock);
    }
    struct exec_plan y = *x;
    y.ns_flags &= ~(CLONE_NEWUSER | CLONE_NEWPID);
    pid_t g = fork();
    if (g == 0)
        exec_child(&y, sock);
    if (g < 0) {
        brig_fail(errno, "fork the exec'd process");
        brig_sync_die(sock);
    }
    if (brig_sync_send(sock, BRIG_SYNC_PID, (int32_t)g, NULL, -1) < 0)
        _exit(1);
    _exit(0);
}

/* The root of the container's init: the mount namespace's root after
 * pivot_root, but not after --no-pivot's chroot. */
static int enter_root(const struct exec_plan *x)
{
    if (fchdir(x->rootfd) < 0)
        return brig_fail(errno, "enter the container's root");
    if (chroot(".") < 0)
        return brig_fail(errno, "chroot to the container's root");
    if (chdir("/") < 0)
        return brig_fail(errno, "chdir /");
    close(x->rootfd);
    return 0;
}

__attribute__((noreturn)) static void exec_child(const struct exec_plan *x, int sock)
{
    struct brig_process *p = x->proc.process;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* No host fd reaches the container's process (CVE-2024-21626 class):
     * the state lock now, the rest at execve. */
    close(x->lock_fd);
    cloexec_from(x->keep_fds);

    if (brig_sync_expect(sock, BRIG_SYNC_GO, NULL, NULL) < 0)
        _exit(1);
    /* Join the cgroup ourselves, still host root: a self-move of a
     * single-threaded process skips the kernel's migration lock on v1. */
    brig_cgroup_forget_dirs(BRIG_CG_DIRS_CLOSE); /* no host cgroup dir into the container */
    if (brig_cgroup_attach_self_sub(x->cgroup, x->o->cgroups, x->o->n_cgroups) < 0 || join_namespaces(x) < 0 ||
        enter_root(x) < 0)
        brig_sync_die(sock);
    if ((x->ns_flags & CLONE_NEWUSER) && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
        brig_fail(errno, "become root in the container's user namespace");
        brig_sync_die(sock);
    }
    if (setsid() < 0) {
        brig_fail(errno, "setsid");
        brig_sync_die(sock);
    }
    /* A keyring of its own, as the init has: no sharing keys with the host. */
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS &&
        errno != EPERM && errno != EACCES) {
        brig_fail(errno, "join a new session keyring");
        brig_sync_die(sock);
    }
    if (x->n_listen > 0) {
        char kv[32];
        snprintf(kv, sizeof kv, "LISTEN_PID=%d", (int)getpid());
        brig_env_set(&p->env, kv);
    }
    if (p->terminal && brig_terminal_setup(sock, p, false) < 0)
        brig_sync_die(sock);

    /* The init's own setup steps, on our process plan: personality, I/O
     * priority, scheduler, LSM labels; then rlimits, user, capabilities,
     * no_new_privs, cwd. */
    struct brig_proc proc = {.plan = &x->proc, .sync_fd = sock};
    if (brig_apply_identity(&x->proc) < 0 || brig_setup_process(&proc) < 0)
        brig_sync_die(sock);
    char *exe = brig_lookup_executable(p);
    if (!exe)
        brig_sync_die(sock);
    if (brig_load_seccomp(&proc) < 0)
        brig_sync_die(sock);
    execve(exe, p->args.v, p->env.v);
    brig_fail(errno, "exec %s", exe);
    brig_sync_die(sock);
}

/* --- the caller's side --------------------------------------------------- */

static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

/* The namespaces of PID that are not ours. */
static int differing_namespaces(pid_t pid, int *flags)
{
    *flags = 0;
    for (size_t i = 0; i < BRIG_NS_COUNT; i++) {
        char path[64];
        struct stat theirs, ours;
        snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, brig_ns_info[i].proc_name);
        if (stat(path, &theirs) < 0) {
            if (errno == ENOENT)
                continue; /* not in this kernel */
            return brig_fail(errno, "stat %s", path);
        }
        snprintf(path, sizeof path, "/proc/self/ns/%s", brig_ns_info[i].proc_name);
        if (stat(path, &ours) < 0)
            return brig_fail(errno, "stat %s", path);
        if (theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev)
            *flags |= brig_ns_info[i].clone_flag;
    }
    return 0;
}

/* --cgroup [CTRL,...:]SUB: SUB stays inside the container's cgroup (the
 * rest is checked where it is joined, cgroup.h). */
static int check_cgroup_specs(char *const *specs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *colon = strchr(specs[i], ':');
        const char *sub = colon ? colon + 1 : specs[i];
        for (const char *s = sub; *s;) {
            while (*s == '/')
                s++;
            size_t len = strcspn(s, "/");
            if ((len == 2 && strncmp(s, "..", 2) == 0) || (len == 1 && *s == '.'))
                return brig_fail(0, "--cgroup %s: must name a cgroup inside the container's", specs[i]);
            s += len;
        }
    }
    return 0;
}

static int check_status(const struct brig_container *c, const struct brig_exec_opts *o)
{
    switch (brig_container_status(c)) {
    case BRIG_STOPPED:
        return brig_fail(0, "cannot exec in a stopped container");
    case BRIG_CREATING:
        return brig_fail(0, "cannot exec in a container that is still being created");
    case BRIG_PAUSED:
        if (!o->ignore_paused)
            return brig_fail(0, "cannot exec in a paused container (resume it, or use --ignore-paused)");
        return 0;
    default:
        return 0;
    }
}

/* Serve the child until it execs (EOF on SOCK: it is close-on-exec). */
static int serve_child(const struct exec_plan *x, int sock, struct brig_container *c, int *master)
{
    const struct brig_config *cfg = x->proc.cfg;
    for (;;) {
        char peek;
        ssize_t n;
        do {
            n = recv(sock, &peek, 1, MSG_PEEK);
        } while (n < 0 && errno == EINTR);
        if (n == 0)
            return 0;
        struct brig_sync_msg m;
        int fd = -1;
        if (brig_sync_recv(sock, &m, &fd) < 0)
            return -1;
        switch (m.type) {
        case BRIG_SYNC_ERROR:
            brig_set_error(m.value, m.text);
            return -1;
        case BRIG_SYNC_PTY:
            if (brig_terminal_deliver(fd, x->o->console_socket, x->o->detach ? NULL : master) < 0 ||
                brig_sync_send(sock, BRIG_SYNC_HOOKS_DONE, 0, NULL, -1) < 0)
                return -1;
            break;
        case BRIG_SYNC_SECCOMP_FD: {
            cleanup_fd int nfd = fd;
            if (nfd < 0 || !cfg->linux_ || !cfg->linux_->seccomp)
                return brig_fail(0, "seccomp listener: no fd received");
            if (brig_seccomp_send_listener(cfg->linux_->seccomp, nfd, c, brig_container_status(c)) < 0 ||
                brig_sync_send(sock, BRIG_SYNC_HOOKS_DONE, 0, NULL, -1) < 0)
                return -1;
            break;
        }
        default:
            if (fd >= 0)
                close(fd);
            return brig_fail(0, "sync: unexpected message %u from the exec'd process", m.type);
        }
    }
}

static void kill_reap(pid_t pid)
{
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

int brig_exec(struct brig_container *c, const struct brig_config *cfg, const struct brig_exec_opts *o)
{
    struct brig_process *p = o->process;
    if (p->terminal && o->detach && !o->console_socket)
        return brig_fail(0, "a terminal with --detach needs --console-socket");
    if (!p->terminal && o->console_socket)
        return brig_fail(0, "--console-socket needs a terminal (--tty or process.terminal)");

    /* 1 */
    if (check_status(c, o) < 0)
        return -1;
    struct exec_plan x = {.proc = {.cfg = cfg, .process = p}, .o = o, .init_pid = c->state.pid,
                          .lock_fd = c->dirfd};
    cleanup_fd int pidfd = pidfd_open_(c->state.pid);
    x.pidfd = pidfd;
    if (pidfd < 0 && errno != ENOSYS)
        return brig_fail(0, "cannot exec in a stopped container");
    /* The pidfd pins the process: check that it is still the init. */
    if (brig_pid_start_time(c->state.pid) != c->state.pid_start_time)
        return brig_fail(0, "cannot exec in a stopped container");

    /* 2-3 */
    if (differing_namespaces(c->state.pid, &x.ns_flags) < 0)
        return -1;
    x.proc.other_userns = (x.ns_flags & CLONE_NEWUSER) != 0;
    if (check_cgroup_specs(o->cgroups, o->n_cgroups) < 0)
        return -1;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/root", (int)c->state.pid);
    cleanup_fd int rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return brig_fail(errno, "open the container's root %s", path);
    x.rootfd = rootfd;
    x.cgroup = c->state.cgroup_path;
    struct brig_bpf bpf = {0};
    if (cfg->linux_ && cfg->linux_->seccomp) {
        if (brig_seccomp_compile(cfg->linux_->seccomp, &bpf) < 0)
            return brig_fail_ctx("linux.seccomp");
        x.proc.seccomp = &bpf;
    }
    x.n_listen = brig_listen_fds(&p->env);
    x.keep_fds = 3 + x.n_listen + o->preserve_fds;

    /* 4 */
    sigset_t set, old;
    brig_forwarded_signals(&set);
    sigprocmask(SIG_BLOCK, &set, &old);
    int socks[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, socks) < 0) {
        brig_bpf_free(&bpf);
        return brig_fail(errno, "socketpair");
    }
    /* Born in the container's pid namespace, we are the host's brig binary
     * there until execve: no container process may open /proc/PID/exe. */
    int r = prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    bool via_userns = false;
    if (r == 0 && (x.ns_flags & CLONE_NEWPID)) {
        r = pidfd >= 0 ? setns(pidfd, CLONE_NEWPID) : -1;
        if (r < 0 && errno == EPERM && pidfd >= 0 && (x.ns_flags & CLONE_NEWUSER)) {
            /* Unprivileged, outside the container's user namespace: only a
             * member of it may join its pid namespace (see via_userns_child). */
            via_userns = true;
            r = prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
            if (r < 0)
                brig_fail(errno, "prctl PR_SET_CHILD_SUBREAPER");
        } else if (r < 0 && (pidfd < 0 || errno == EINVAL)) {
            r = join_one_by_one(c->state.pid, CLONE_NEWPID);
        } else if (r < 0) {
            brig_fail(errno, "join the container's pid namespace");
        }
    } else if (r < 0) {
        brig_fail(errno, "prctl PR_SET_DUMPABLE");
    }
    pid_t pid = r < 0 ? -1 : fork();
    if (pid == 0) {
        close(socks[0]);
        if (via_userns)
            via_userns_child(&x, pidfd, socks[1]);
        exec_child(&x, socks[1]);
    }
    int e = errno;
    close(socks[1]);
    int sock = socks[0];
    if (pid < 0) {
        if (r == 0)
            brig_fail(e, "fork the exec'd process");
        goto fail;
    }
    if (via_userns) {
        /* The middle process reports the exec'd process's pid and exits;
         * that process is ours now (subreaper). */
        struct brig_sync_msg m;
        int got = brig_sync_expect(sock, BRIG_SYNC_PID, &m, NULL);
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        if (got < 0)
            goto fail;
        pid = (pid_t)m.value;
    }

    /* 5 */
    int master = -1;
    if (brig_sync_send(sock, BRIG_SYNC_GO, 0, NULL, -1) < 0) {
        kill_reap(pid);
        goto fail;
    }
    /* The child may now wait on the container (frozen with
     * --ignore-paused until resume, which takes the lock). */
    flock(c->dirfd, LOCK_UN);
    if (serve_child(&x, sock, c, &master) < 0) {
        kill_reap(pid);
        if (master >= 0)
            close(master);
        goto fail;
    }
    close(sock);
    brig_bpf_free(&bpf);

    /* 10 */
    if (o->pid_file && brig_write_pid_file(o->pid_file, pid) < 0) {
        kill_reap(pid);
        if (master >= 0)
            close(master);
        return -1;
    }
    if (o->detach)
        return 0;
    int status = master >= 0 ? brig_terminal_relay(master, pid, &set) : brig_wait_forward(pid, &set);
    if (master >= 0)
        close(master);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return status;

fail:
    close(sock);
    brig_bpf_free(&bpf);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return -1;
}
