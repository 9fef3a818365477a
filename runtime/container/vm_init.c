/* brig: when run's init starts on the runtime's memory, and the runtime's
 * side of it (the clone itself: clone_vm.c; why it holds: SECURITY.md, "An
 * init on the runtime's memory"). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cgroup.h"
#include "brig/cgroup_internal.h"
#include "brig/container.h"
#include "brig/fault.h"
#include "brig/internal.h"
#include "brig/mounts.h"
#include "brig/state.h"
#include "brig/sync.h"

/* Whether mount M may be a bind (its options parsed only then). */
static bool maybe_bind(const struct brig_mount *m)
{
    if (m->type && strcmp(m->type, "bind") == 0)
        return true;
    for (size_t i = 0; i < m->options.n; i++)
        if (strstr(m->options.v[i], "bind")) /* bind, rbind: what makes one */
            return true;
    return false;
}

static bool runtime_binds(const struct brig_config *cfg)
{
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        if (!maybe_bind(&cfg->mounts[i]))
            continue;
        struct brig_mount_opts mo;
        if (brig_parse_mount_options(&cfg->mounts[i].options, cfg->mounts[i].type, &mo) < 0) {
            brig_clear_error(); /* the init reports it, naming the mount */
            return true;
        }
        bool r = mo.bind && brig_bind_via_runtime(&mo);
        brig_mount_opts_free(&mo);
        if (r)
            return true;
    }
    return false;
}

/* run's init can start on our memory when nothing has to serve it
 * between clone and execve: no hook, terminal, learning, user namespace,
 * joined namespace or bind the runtime makes (each is a request or an id
 * map the runtime answers), with the cgroupfs driver.  A filter with a
 * listener is checked once compiled (container.c). */
bool brig_vm_init_wanted(const struct brig_plan *pl, const struct brig_config *cfg, const struct brig_create_opts *o,
                         bool joiner, bool learning)
{
    const struct brig_hooks *h = cfg->hooks;
    return o->start_now && cfg->process && !cfg->process->terminal && !joiner && !learning &&
           !pl->in_userns && !pl->new_userns && !brig_g.systemd_cgroup &&
           !brig_cg_is_systemd_path(pl->cgroup_path) &&
           !(h && (h->prestart.n || h->create_runtime.n || h->create_container.n || h->start_container.n)) &&
           !runtime_binds(cfg);
}

/* The init on our memory (clone_vm.c).  We do nothing more until it has
 * executed the program or exited, so it records the state we record after
 * READY otherwise, then goes on as any init.  Beside us (split: we make the
 * v1 cgroups meanwhile) it first makes its namespaces and waits for GO in
 * raw system calls only, touching nothing we use. */
static long unshare_and_wait_go(struct brig_vm_child *v)
{
    long unshared = brig_raw_syscall(SYS_unshare, (long)v->in->unshare_flags, 0, 0, 0, 0, 0);
    for (;;) {
        struct brig_sync_msg m;
        long n = brig_raw_syscall(SYS_recvfrom, v->sock, (long)&m, sizeof m, 0, 0, 0);
        if (n == -EINTR)
            continue;
        if (n >= (long)sizeof m.type && m.type == BRIG_SYNC_GO)
            return unshared; /* its error waits for GO: no library before */
        /* the runtime failed or went away: it undoes everything */
        brig_raw_syscall(SYS_exit_group, 1, 0, 0, 0, 0, 0);
    }
}

static int child_main(void *arg)
{
    struct brig_vm_child *v = arg;
    /* Our copy of the runtime's end, closed, so that its death is our end
     * of file (and we exit, holding its lock no longer). */
    brig_raw_syscall(SYS_close, v->peer, 0, 0, 0, 0, 0);
    if (v->in->unshare_flags) {
        long unshared = unshare_and_wait_go(v);
        /* the runtime waits in raw system calls from GO on: all ours now */
        v->in->unshare_flags = 0;
        v->in->join_on_cgroups = false;
        if (unshared < 0) {
            brig_fail((int)-unshared, "unshare the container's namespaces");
            brig_sync_die(v->sock);
        }
        if (brig_fault("init-unshared") < 0)
            brig_sync_die(v->sock);
    }
    v->c->state.pid = v->pid;
    v->c->state.pid_start_time = brig_pid_start_time(v->pid);
    if (brig_state_save(v->c) < 0 || brig_fault("state-final") < 0)
        brig_sync_die(v->sock);
    brig_init_main(v->in);
}

/* Beside us the init has a stack of its own (it uses ~8 KB), with a page
 * below it that faults: an overflow stops it rather than write into
 * whatever mapping lies below. */
#define VM_GUARD 4096
#define VM_STACK (256 * 1024 + VM_GUARD)

void brig_vm_release(struct brig_vm_child *v)
{
    if (v->stack)
        munmap(v->stack, VM_STACK);
    v->stack = NULL;
}

/* Clone the init on our memory: suspended until it is done, or (BESIDE)
 * on a stack of its own, running beside us until GO.  -1 when this build
 * or kernel cannot, and create forks it as before. */
pid_t brig_vm_clone(struct brig_vm_child *v, unsigned long flags, int cgfd, bool beside)
{
    struct brig_cg_dirs_stash dirs;
    int log = -1;
    if (beside) {
        v->stack = mmap(NULL, VM_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE,
                        -1, 0);
        if (v->stack == MAP_FAILED)
            v->stack = NULL;
        if (!v->stack || mprotect(v->stack, VM_GUARD, PROT_NONE) < 0) {
            int e = errno;
            brig_vm_release(v);
            brig_debug("clone the init on the runtime's memory: its stack: %s; forking it", strerror(e));
            return -1;
        }
    } else {
        brig_cgroup_stash_dirs(&dirs);
        log = brig_log_stash();
    }
    v->in->on_runtime_memory = true;
    v->in->in_unified = cgfd >= 0;
    pid_t pid = brig_clone_vm(flags, cgfd, &v->pid, child_main, v, v->stack ? (char *)v->stack + VM_GUARD : NULL,
                              VM_STACK - VM_GUARD);
    int e = errno;
    if (!beside || pid < 0)
        v->in->on_runtime_memory = false;
    if (!beside) {
        brig_log_unstash(log);
        brig_cgroup_unstash_dirs(&dirs);
    }
    if (pid < 0) {
        brig_vm_release(v);
        brig_debug("clone the init on the runtime's memory: %s; forking it", strerror(e));
    } else if (!beside) {
        brig_clear_error(); /* what the init set is not ours */
    }
    return pid;
}

/* Beside us, from GO until the init's end of the socket closes (it has
 * executed the program or exited): raw system calls only, the library is
 * the init's.  What it said first (its error) goes to *M.  0, or -errno. */
static long wait_beside(int sock, struct brig_sync_msg *m, bool *said)
{
    *said = false;
    for (;;) {
        struct brig_sync_msg got;
        long n = brig_raw_syscall(SYS_recvfrom, sock, (long)&got, sizeof got, 0, 0, 0);
        if (n == 0)
            return 0;
        if (n == -EINTR || n == -ECONNRESET) /* see brig_sync_recv */
            continue;
        if (n < 0)
            return n;
        if (!*said && (size_t)n > offsetof(struct brig_sync_msg, text)) {
            *m = got;
            m->text[sizeof m->text - 1] = '\0';
            *said = true;
        }
    }
}

/* GO to an init beside us, then wait until it is done. */
int brig_vm_go_and_wait(struct brig_vm_child *v, int sock)
{
    struct brig_cg_dirs_stash dirs;
    brig_cgroup_stash_dirs(&dirs);
    int log = brig_log_stash();
    int r = brig_sync_send(sock, BRIG_SYNC_GO, 0, NULL, -1);
    struct brig_sync_msg m;
    bool said = false;
    long w = r < 0 ? 0 : wait_beside(sock, &m, &said);
    if (w < 0) { /* it may still run: end it before we touch anything */
        brig_raw_syscall(SYS_kill, v->pid, SIGKILL, 0, 0, 0, 0);
        brig_raw_syscall(SYS_wait4, v->pid, 0, 0, 0, 0, 0);
    }
    brig_log_unstash(log);
    brig_cgroup_unstash_dirs(&dirs);
    if (r < 0) /* it never got GO (raw system calls only): killed in undoing */
        return brig_fail(0, "container process exited during setup");
    v->in->on_runtime_memory = false;
    brig_vm_release(v);
    brig_clear_error(); /* what the init set is not ours */
    if (w < 0)
        return brig_fail((int)-w, "wait for the container's program to be executed");
    if (said && m.type == BRIG_SYNC_ERROR) {
        brig_set_error(m.value, m.text);
        return -1;
    }
    if (said)
        return brig_fail(0, "sync: unexpected message %u while waiting for the program to be executed", m.type);
    return 0;
}
