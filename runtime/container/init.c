/* brig: the container's init side, from clone() to execve().
 *
 * Steps, in order:
 *   1. no host fd survives: everything past the preserved fds is closed
 *   2. join the cgroup; wait for GO (id maps written, limits set).  Split
 *      create (container.c): first make the namespaces, then wait until
 *      the v1 cgroups exist (CGROUPS) to join them
 *   3. become root of a new user namespace; make the cgroup namespace
 *   4. session, keyring
 *   5. root filesystem: mounts, devices, prestart hooks, pivot_root
 *   6. hostname, sysctl, masked and read-only paths, read-only root
 *   7. process: rlimits, oom score, user, capabilities, no_new_privs, cwd
 *   8. READY: the runtime records the state (create exits); run's filter
 *      goes in meanwhile where it lets the ack through
 *   9. create: wait for start's connection (startsock.h)
 *  10. seccomp, startContainer hooks (under the filter), execve
 * Errors before READY go back to the runtime, which reports them and
 * undoes everything; later ones go to run or start, which wait until the
 * program is executed (the socket closes on exec) or has failed to be.
 * run's init on the runtime's memory (vm_init.c) has recorded the state
 * before step 1 and joined its cgroups first; it gets no GO (nothing is
 * left for the runtime to do) and sends no READY. */
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
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cgroup.h"
#include "brig/container.h"
#include "brig/fault.h"
#include "brig/hooks.h"
#include "brig/internal.h"
#include "brig/seccomp.h"
#include "brig/startsock.h"
#include "brig/sync.h"
#include "brig/terminal.h"

static int become_ns_root(void)
{
    if (setresgid(0, 0, 0) < 0)
        return brig_fail(errno, "setresgid 0 in the user namespace");
    if (setresuid(0, 0, 0) < 0)
        return brig_fail(errno, "setresuid 0 in the user namespace");
    return 0;
}

static int new_session_keyring(const struct brig_plan *pl)
{
    if (pl->no_new_keyring)
        return 0;
    /* A private keyring so the container cannot read the host's keys.
     * Anonymous: joining by name makes the kernel search every named
     * keyring of the user namespace (one per running container: O(n) per
     * start), and would join an existing one of that name that grants
     * search, e.g. one another container opened up. */
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS &&
        errno != EPERM && errno != EACCES)
        return brig_fail(errno, "join a new session keyring");
    return 0;
}

/* Close every fd from FIRST up but KEEP1 and KEEP2 (-1: none): the init
 * waits for start holding nothing of the host's that a container process
 * could take over (inherited fds, the cgroup directory, the log). */
static void close_others(int first, int keep1, int keep2)
{
    int k[2] = {keep1 < keep2 ? keep1 : keep2, keep1 < keep2 ? keep2 : keep1};
    unsigned lo = (unsigned)first;
    for (int i = 0; i <= 2; i++) {
        unsigned hi = i < 2 ? (unsigned)k[i] : ~0U;
        if (i < 2 && (k[i] < 0 || hi < lo))
            continue;
        if (i < 2 && hi == lo) {
            lo = hi + 1;
            continue;
        }
        unsigned last = i < 2 ? hi - 1 : hi;
        if (syscall(SYS_close_range, lo, last, 0) < 0) {
            /* before Linux 5.9 */
            for (unsigned fd = lo; fd <= last && fd < 65536; fd++)
                close((int)fd);
        }
        if (i < 2)
            lo = hi + 1;
    }
}

/* run's filter can go in between READY and its ack, while the runtime
 * records the state: installing it (~0.3 ms: the kernel converts, JITs
 * and caches it) then no longer adds to the start's critical path.  Only
 * where the filter lets the ack through, as brig_sync_recv asks for it
 * (the buffer's address tried both ways), and not for create, whose init
 * waits for start's connection after the ack. */
static bool seccomp_before_ack(const struct brig_init *in, int sock)
{
    const struct brig_bpf *prog = in->proc.plan->seccomp;
    if (in->start_fd >= 0 || !prog || prog->needs_listener || in->proc.seccomp_loaded)
        return false;
    for (int i = 0; i < 2; i++) {
        const uint64_t args[6] = {(uint64_t)sock, i ? UINT64_MAX : 0, MSG_CMSG_CLOEXEC};
        if (!brig_bpf_allows(prog, SYS_recvmsg, args))
            return false;
    }
    return true;
}

void brig_init_main(struct brig_init *in)
{
    const struct brig_plan *pl = in->plan;
    const struct brig_config *cfg = pl->cfg;
    const struct brig_process *process = pl->proc.process;
    int sock = in->proc.sync_fd;

    /* On the runtime's memory the cgroups are complete by now: joined
     * first, from the runtime's directory fds (the table is its: vm_init.c),
     * before those are closed with the rest. */
    bool joined = false;
    if (in->on_runtime_memory && in->attach_self) {
        if (brig_cgroup_attach_self(pl->cgroup_path, in->in_unified) < 0)
            brig_sync_die(sock);
        joined = true;
    }

    /* 1 */
    if (in->lock_fd >= 0)
        close(in->lock_fd); /* else the state lock lives as long as we do */
    in->lock_fd = -1;
    close_others(3 + pl->preserve_fds, sock, in->start_fd);
    brig_cgroup_forget_dirs(in->on_runtime_memory ? BRIG_CG_DIRS_SHARED : BRIG_CG_DIRS_ALREADY_CLOSED);
    brig_log_forget();
    /* run blocked the signals it forwards: ours take their defaults */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    /* split create: our namespaces but the pid one, made while the
     * runtime makes the v1 cgroups (container.c) */
    if (in->unshare_flags && (unshare((int)in->unshare_flags) < 0 ? brig_fail(errno, "unshare the container's namespaces")
                                                                    : brig_fault("init-unshared")) < 0)
        brig_sync_die(sock);
    if (in->attach_self && in->join_on_cgroups && brig_sync_expect(sock, BRIG_SYNC_CGROUPS, NULL, NULL) < 0)
        _exit(1); /* the runtime went away or reported the error itself */
    if (in->attach_self && !joined && brig_cgroup_attach_self(pl->cgroup_path, in->in_unified) < 0)
        brig_sync_die(sock);

    /* 2 (bind sources the runtime opened for us come first: mountsrc.c).
     * On the runtime's memory there is no GO: it made everything first. */
    if (!in->on_runtime_memory && brig_recv_mount_sources(in) < 0)
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
    if (pl->new_userns && become_ns_root() < 0)
        brig_sync_die(sock);
    if ((pl->clone_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) {
        brig_fail(errno, "unshare the cgroup namespace");
        brig_sync_die(sock);
    }

    /* 4 */
    if (setsid() < 0 && errno != EPERM) {
        brig_fail(errno, "setsid");
        brig_sync_die(sock);
    }
    if (new_session_keyring(pl) < 0)
        brig_sync_die(sock);

    brig_trace("init: session");
    /* 5-6 */
    if (brig_setup_rootfs(in) < 0)
        brig_sync_die(sock);
    brig_trace("init: rootfs set up");
    if (brig_set_hostname(cfg) < 0)
        brig_sync_die(sock);
    if (brig_finish_rootfs(pl) < 0)
        brig_sync_die(sock);
    /* The pty comes from the container's devpts, hence after pivot_root. */
    if (process && process->terminal && brig_terminal_setup(sock, process, true) < 0)
        brig_sync_die(sock);

    brig_trace("init: rootfs finished");
    /* 7 (without no_new_privs the filter goes in here, while we still
     * hold CAP_SYS_ADMIN; its listener fd goes to the runtime at once) */
    char *exe = NULL;
    if (process) {
        if (brig_setup_process(&in->proc) < 0)
            brig_sync_die(sock);
        exe = brig_lookup_executable(process);
        if (!exe)
            brig_sync_die(sock);
        /* A filter with a listener goes in now: create's runtime must hand
         * the listener fd on, and it is gone once we are READY. */
        if (pl->proc.seccomp && pl->proc.seccomp->needs_listener && brig_load_seccomp(&in->proc) < 0)
            brig_sync_die(sock);
    }

    brig_trace("init: process set up");
    /* 8 (on the runtime's memory: it waits for nothing but our exec, and
     * we have recorded the state ourselves: vm_init.c) */
    if (in->on_runtime_memory) {
        if (brig_fault("init-ready") < 0)
            brig_sync_die(sock);
        goto confine;
    }
    bool early = seccomp_before_ack(in, sock);
    if (brig_sync_send(sock, BRIG_SYNC_READY, 0, NULL, -1) < 0)
        _exit(1);
    int early_r = 0;
    if (early)
        early_r = brig_fault("seccomp-before-ack") < 0 ? -1 : brig_load_seccomp(&in->proc);
    /* The ack: the state is recorded (the startContainer hooks' state
     * comes from the plan).  A failed filter is reported after it, when
     * run waits for the program as after any later failure. */
    if (brig_sync_expect(sock, BRIG_SYNC_READY_ACK, NULL, NULL) < 0)
        _exit(1);
    if (early_r < 0)
        brig_sync_die(sock);

    /* 9: run goes on; create waits for start's connection (startsock.h).
     * Either way the socket we report on is close-on-exec: its end of file
     * tells the runtime the program has been executed. */
    if (in->start_fd >= 0) {
        close(sock); /* create's runtime has exited */
        sock = in->proc.sync_fd = brig_start_accept(in->start_fd);
        in->start_fd = -1;
        if (sock < 0) {
            fprintf(stderr, "brig: init: %s\n", brig_last_error());
            _exit(1);
        }
        /* Without a process start refuses before it connects. */
        if (!process)
            _exit(1);
    }

    /* 10: the rest of the confinement, then whatever runs before the
     * program, under all of it (startContainer hooks are the container's
     * own binaries), then execve.  A failure goes to run or start. */
confine:
    if (brig_load_seccomp(&in->proc) < 0 || brig_start_container_hooks(pl) < 0)
        brig_sync_die(sock);
    brig_trace("init: execve");
    in->exec_reached = true;
    execve(exe, process->args.v, process->env.v);
    brig_fail(errno, "exec %s", exe);
    brig_sync_die(sock);
}
