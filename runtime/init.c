/* brig: the container's init side, from clone() to execve().
 *
 * Steps, in order:
 *   1. no host fd survives: everything past the preserved fds gets CLOEXEC
 *   2. join the cgroup; wait for GO (id maps written)
 *   3. become root of a new user namespace; make the cgroup namespace
 *   4. session, keyring
 *   5. root filesystem: mounts, devices, prestart hooks, pivot_root
 *   6. hostname, sysctl, masked and read-only paths, read-only root
 *   7. process: rlimits, oom score, user, capabilities, no_new_privs, cwd
 *   8. READY: the runtime records the state and exits
 *   9. wait for start's signal
 *  10. seccomp, then execve
 * Errors before READY go back to the runtime, which reports them and
 * undoes everything. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cgroup.h"
#include "brig/container.h"
#include "brig/hooks.h"
#include "brig/internal.h"
#include "brig/sync.h"
#include "brig/terminal.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Mark every fd from FIRST up close-on-exec (CVE-2024-21626: no host fd may
 * reach the container's process). */
static int cloexec_from(int first)
{
    if (syscall(SYS_close_range, (unsigned)first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return 0;
    for (int fd = first; fd < 65536; fd++) {
        int fl = fcntl(fd, F_GETFD);
        if (fl >= 0 && !(fl & FD_CLOEXEC))
            fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
    }
    return 0;
}

static int become_ns_root(void)
{
    if (setresgid(0, 0, 0) < 0)
        return brig_fail(errno, "setresgid 0 in the user namespace");
    if (setresuid(0, 0, 0) < 0)
        return brig_fail(errno, "setresuid 0 in the user namespace");
    return 0;
}

static int new_session_keyring(const struct brig_init *in)
{
    if (in->opts->no_new_keyring)
        return 0;
    /* A private keyring so the container cannot read the host's keys. */
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "_ses.brig") < 0 && errno != ENOSYS &&
        errno != EPERM && errno != EACCES)
        return brig_fail(errno, "join a new session keyring");
    return 0;
}

/* Block until start queues BRIG_START_SIGNAL with our cookie; anything
 * else is dropped. */
static int wait_for_start(const struct brig_init *in)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, BRIG_START_SIGNAL);
    for (;;) {
        siginfo_t si;
        if (sigwaitinfo(&set, &si) < 0) {
            if (errno == EINTR)
                continue;
            return brig_fail(errno, "wait for start");
        }
        /* Only the cookie counts: a queued signal's sender ids are the
         * sender's to choose, and host root shows as the overflow uid in a
         * user namespace that does not map it. */
        if (si.si_code == SI_QUEUE && (uint64_t)(uintptr_t)si.si_value.sival_ptr == in->start_cookie)
            return 0;
    }
}

void brig_init_main(struct brig_init *in)
{
    int sock = in->sync_fd;
    const struct brig_config *cfg = in->cfg;

    /* 1 */
    if (in->lock_fd >= 0)
        close(in->lock_fd); /* else the state lock lives as long as we do */
    cloexec_from(3 + in->opts->preserve_fds);
    /* Only the start signal stays blocked (it must queue until we wait for
     * it); run blocked others to forward them. */
    sigset_t startsig;
    sigemptyset(&startsig);
    sigaddset(&startsig, BRIG_START_SIGNAL);
    sigprocmask(SIG_SETMASK, &startsig, NULL);

    if (in->attach_self && brig_cgroup_attach_self(in->cgroup_path, in->in_unified) < 0)
        brig_sync_die(sock);

    /* 2 */
    if (brig_sync_expect(sock, BRIG_SYNC_GO, NULL, NULL) < 0)
        _exit(1); /* the runtime went away or reported the error itself */
    /* Until execve we are the host's brig binary inside the container: no
     * container process may open our /proc/PID/exe (CVE-2019-5736).  After
     * GO: the runtime has written our id maps already. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
        brig_fail(errno, "prctl PR_SET_DUMPABLE");
        brig_sync_die(sock);
    }

    brig_trace("init: GO");
    /* 3 */
    if (in->new_userns && become_ns_root() < 0)
        brig_sync_die(sock);
    if ((in->clone_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) {
        brig_fail(errno, "unshare the cgroup namespace");
        brig_sync_die(sock);
    }

    /* 4 */
    if (setsid() < 0 && errno != EPERM) {
        brig_fail(errno, "setsid");
        brig_sync_die(sock);
    }
    if (new_session_keyring(in) < 0)
        brig_sync_die(sock);

    brig_trace("init: session");
    /* 5-6 */
    if (brig_setup_rootfs(in) < 0)
        brig_sync_die(sock);
    brig_trace("init: rootfs set up");
    if (brig_set_hostname(cfg) < 0)
        brig_sync_die(sock);
    if (brig_finish_rootfs(in) < 0)
        brig_sync_die(sock);
    /* The pty comes from the container's devpts, hence after pivot_root. */
    if (cfg->process && cfg->process->terminal && brig_terminal_setup(sock, cfg->process, true) < 0)
        brig_sync_die(sock);

    brig_trace("init: rootfs finished");
    /* 7 */
    char *exe = NULL;
    if (cfg->process) {
        if (brig_setup_process(in) < 0)
            brig_sync_die(sock);
        exe = brig_lookup_executable(cfg->process);
        if (!exe)
            brig_sync_die(sock);
        /* A filter with a listener goes in now: the runtime must hand the
         * listener fd on, and it is gone once we are READY. */
        if (in->seccomp && in->seccomp->needs_listener) {
            if (brig_seccomp_install(in->seccomp, &in->notify_fd) < 0)
                brig_sync_die(sock);
            in->seccomp = NULL;
        }
        if (in->notify_fd >= 0) {
            if (brig_sync_send(sock, BRIG_SYNC_SECCOMP_FD, 0, NULL, in->notify_fd) < 0 ||
                brig_sync_expect(sock, BRIG_SYNC_HOOKS_DONE, NULL, NULL) < 0)
                _exit(1);
            close(in->notify_fd);
            in->notify_fd = -1;
        }
    }

    brig_trace("init: process set up");
    /* 8 */
    if (brig_sync_send(sock, BRIG_SYNC_READY, 0, NULL, -1) < 0)
        _exit(1);
    /* The ack carries the state JSON for the startContainer hooks. */
    static struct brig_sync_msg ack;
    if (brig_sync_expect(sock, BRIG_SYNC_READY_ACK, &ack, NULL) < 0)
        _exit(1);
    /* Unguarded, execve closes it (close-on-exec): the runtime waits for that. */
    if (!in->unguarded)
        close(sock);

    /* 9 */
    /* Without a process we wait all the same: start refuses, delete kills. */
    if ((!in->opts->start_now || !cfg->process) && wait_for_start(in) < 0) {
        fprintf(stderr, "brig: init: %s\n", brig_last_error());
        _exit(1);
    }
    if (!cfg->process)
        _exit(1);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    /* 10 */
    /* A failure goes back to start too (hooks.h), which reports it. */
    if (brig_start_container_hooks(in) < 0) {
        fprintf(stderr, "brig: init: %s\n", brig_last_error());
        _exit(1);
    }
    if (in->seccomp) {
        int nfd = -1;
        if (brig_seccomp_install(in->seccomp, &nfd) < 0) {
            fprintf(stderr, "brig: init: %s\n", brig_last_error());
            _exit(1);
        }
    }
    brig_trace("init: execve");
    execve(exe, cfg->process->args.v, cfg->process->env.v);
    fprintf(stderr, "brig: init: exec %s: %s\n", exe, strerror(errno));
    _exit(127);
}
