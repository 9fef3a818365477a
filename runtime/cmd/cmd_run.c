/* brig run: create and start a container, then wait for it (unless
 * --detach), forward signals to it, and exit with its status. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cmd.h"
#include "brig/commands.h"
#include "brig/container.h"
#include "brig/internal.h"
#include "brig/terminal.h"

#define RUN_USAGE "[options] ID"
/* create's options (cmd_create.c), then run's own. */
#define RUN_HELP                                                                                   \
    "Create and start a container; wait for it unless --detach.\n\n"                               \
    "Options:\n"                                                                                   \
    BRIG_CREATE_OPTIONS_HELP                                                                       \
    "  -d, --detach              do not wait for the container\n"                                  \
    "      --keep                do not delete the container after it exits\n"                     \
    "      --no-subreaper        accepted for runc compatibility; ignored\n"

/* As runc's signal handler (signal.Notify of every signal): all that can
 * be caught are forwarded, SIGCHLD excepted (ours: the container exited).
 * glibc's reserved real-time signals are refused by sigaddset: skipped. */
static void forwarded_set(sigset_t *set)
{
    sigemptyset(set);
    for (int sig = 1; sig <= SIGRTMAX; sig++)
        if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD)
            sigaddset(set, sig);
}

/* A signal brig run inherited as ignored (SIGINT and SIGQUIT in a
 * background job, SIGHUP under nohup) would be dropped on the way and
 * ignored by the container too, which inherits it: as runc, whose handler
 * takes every signal, reset it so that it is forwarded and the container
 * starts with the default action.  Blocked meanwhile: never run here. */
static void reset_ignored(const sigset_t *set)
{
    /* Which are ignored: one read of SigIgn in /proc/self/status rather
     * than a sigaction call per signal (a third of the time). */
    uint64_t ign = ~0ULL;
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char buf[4096];
        ssize_t len = brig_read_all(fd, buf, sizeof buf - 1);
        close(fd);
        buf[len > 0 ? len : 0] = '\0';
        const char *l = strstr(buf, "\nSigIgn:");
        char *end;
        if (l) {
            unsigned long long v = strtoull(l + 8, &end, 16);
            if (end != l + 8 && *end == '\n')
                ign = v;
        }
    }
    for (int sig = 1; sig <= SIGRTMAX && sig <= 64; sig++) {
        struct sigaction sa;
        if (!(ign & (1ULL << (sig - 1))) || sigismember(set, sig) != 1 || sigaction(sig, NULL, &sa) < 0 ||
            sa.sa_handler != SIG_IGN)
            continue;
        sa.sa_handler = SIG_DFL;
        sigaction(sig, &sa, NULL);
    }
}

static int wait_container(pid_t pid, const sigset_t *set)
{
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            if (WIFEXITED(status))
                return WEXITSTATUS(status);
            if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
            continue;
        }
        if (r < 0 && errno != EINTR)
            return brig_fail(errno, "wait for the container process"), 255;
        siginfo_t si;
        int sig = sigwaitinfo(set, &si);
        if (sig < 0 || sig == SIGCHLD)
            continue;
        kill(pid, sig);
    }
}

/* 0 when the learner wrote the profile; 1 when it failed (it said why);
 * -1 with an error recorded. */
static int wait_learner(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return brig_fail(errno, "seccomp-learn: wait for the learner");
    if (WIFSIGNALED(st))
        return brig_fail(0, "seccomp-learn: the learner was killed by signal %d: the profile was not written",
                         WTERMSIG(st));
    return WIFEXITED(st) && WEXITSTATUS(st) != 0 ? 1 : 0;
}

int cmd_run(int argc, char **argv)
{
    struct brig_create_opts o = {0};
    bool detach = false, keep = false;
    int r = brig_parse_create_opts(argc, argv, &o, &detach, &keep);
    if (r == 1)
        return brig_cmd_help(RUN_USAGE, RUN_HELP);
    if (r < 0)
        return brig_report_error();

    /* Block the signals we forward before the container exists, so none is
     * lost between its start and our wait. */
    sigset_t set, old;
    forwarded_set(&set);
    sigaddset(&set, SIGCHLD);
    if (!detach) {
        sigprocmask(SIG_BLOCK, &set, &old);
        reset_ignored(&set);
    }

    /* The init goes straight on to exec: no start round trip. */
    o.start_now = true;
    /* In the foreground a terminal without a console socket is ours to relay. */
    int master = -1;
    pid_t learner = 0;
    if (!detach) {
        o.console_master = &master;
        o.learner_pid = &learner;
    }
    struct brig_container *c;
    struct brig_config *cfg; /* parsed once, by create */
    if (brig_container_create(&o, &c, &cfg) < 0)
        return brig_report_error();
    pid_t pid = c->state.pid;
    brig_container_poststart(c, cfg);
    if (detach) {
        brig_container_close(c);
        brig_config_free(cfg);
        return 0;
    }
    flock(c->dirfd, LOCK_UN); /* others may look at it while it runs */
    int status = master >= 0 ? brig_terminal_relay(master, pid, &set) : wait_container(pid, &set);
    if (master >= 0)
        close(master);
    if (keep) {
        brig_container_close(c);
        brig_config_free(cfg);
    } else {
        while (flock(c->dirfd, LOCK_EX) < 0 && errno == EINTR)
            ;
        brig_trace("waited");
        if (brig_container_destroy(c, cfg) < 0)
            brig_report_error();
        brig_trace("destroyed");
        brig_config_free(cfg);
    }
    /* --seccomp-learn: FILE is written once no process of the container is
     * left (destroy killed any the init left behind). */
    if (learner > 0) {
        int lr = wait_learner(learner);
        if (lr != 0)
            return lr < 0 ? brig_report_error() : 1;
    }
    return status;
}
