/* brig: OCI hooks (see include/brig/hooks.h for when each kind runs).
 * Each hook runs with the state JSON on stdin, its args and env (when none
 * is given: the process's for the hooks run in the container, an empty one
 * for the others) and its timeout; a non-zero exit, a
 * signal or the timeout fails it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/container.h"
#include "brig/hooks.h"
#include "brig/internal.h"
#include "brig/sync.h"

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int child_exited(pid_t pid, int *status)
{
    pid_t r;
    do {
        r = waitpid(pid, status, WNOHANG);
    } while (r < 0 && errno == EINTR);
    return r == pid ? 1 : r < 0 ? -1 : 0;
}

/* Feed STATE to the hook's stdin and wait for it to exit, both within the
 * deadline (-1: none).  Returns 1 when it exited (*status set), 0 on
 * timeout, -1 on error. */
static int feed_and_wait(pid_t pid, int in, const char *state, long long deadline, int *status)
{
    size_t len = strlen(state), off = 0;
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    int r;
    for (;;) {
        if ((r = child_exited(pid, status)) != 0)
            break;
        long long left = deadline < 0 ? -1 : deadline - now_ms();
        if (deadline >= 0 && left <= 0) {
            r = 0;
            break;
        }
        struct pollfd p[2];
        int n = 0;
        if (pfd >= 0)
            p[n++] = (struct pollfd){.fd = pfd, .events = POLLIN};
        if (in >= 0)
            p[n++] = (struct pollfd){.fd = in, .events = POLLOUT};
        /* Without a pidfd, look again every 10 ms. */
        int wait = pfd >= 0 ? (left < 0 || left > 60000 ? 60000 : (int)left) : 10;
        if (n == 0) {
            usleep(10000);
            continue;
        }
        if (poll(p, (nfds_t)n, wait) < 0 && errno != EINTR) {
            r = -1;
            break;
        }
        if (in >= 0 && p[n - 1].revents) {
            ssize_t w = write(in, state + off, len - off);
            if (w > 0)
                off += (size_t)w;
            /* Done, or the hook closed its stdin (EPIPE): it has what it
             * wanted; EAGAIN: try again later. */
            if (off == len || (w < 0 && errno != EAGAIN && errno != EINTR)) {
                close(in);
                in = -1;
            }
        }
    }
    if (in >= 0)
        close(in);
    if (pfd >= 0)
        close(pfd);
    return r;
}

/* Hooks run in the container (createContainer, startContainer) that give
 * no env get the process's, as runc's do (its init has the process's
 * environment by then); the others get an empty one. */
static char *const *container_env;

static int run_hook(const struct brig_hook *h, const char *kind, size_t idx, const char *state)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return brig_fail(errno, "%s hook %zu: pipe", kind, idx);
    long long deadline = h->timeout.set ? now_ms() + (long long)h->timeout.v * 1000 : -1;
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(pipefd[0]);
        close(pipefd[1]);
        return brig_fail(e, "%s hook %zu: fork", kind, idx);
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        if (dup2(pipefd[0], STDIN_FILENO) < 0)
            _exit(127);
        char *const noargs[] = {(char *)h->path, NULL};
        static char *const noenv[] = {NULL};
        execve(h->path, h->args.v ? h->args.v : noargs,
               h->env.v ? h->env.v : container_env ? container_env : noenv);
        fprintf(stderr, "brig: %s hook %s: exec: %s\n", kind, h->path, strerror(errno));
        _exit(127);
    }
    close(pipefd[0]);
    /* A hook that does not read its stdin must neither kill us (SIGPIPE)
     * nor block us past its timeout. */
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigaction(SIGPIPE, &ign, &old);
    fcntl(pipefd[1], F_SETFL, O_NONBLOCK);
    int status = 0;
    int r = feed_and_wait(pid, pipefd[1], state, deadline, &status);
    sigaction(SIGPIPE, &old, NULL);
    if (r <= 0) {
        int e = errno;
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        if (r == 0)
            return brig_fail(0, "%s hook %s timed out after %d s", kind, h->path, h->timeout.v);
        return brig_fail(e, "%s hook %s: wait", kind, h->path);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFSIGNALED(status))
        return brig_fail(0, "%s hook %s killed by signal %d", kind, h->path, WTERMSIG(status));
    return brig_fail(0, "%s hook %s failed: exit status %d", kind, h->path, WEXITSTATUS(status));
}

/* A failed poststart or poststop hook is only a warning: the remaining
 * hooks still run (runtime.md, lifecycle steps 9 and 13).  Every failure
 * but the last is warned here; the last stays recorded for the caller. */
static bool failure_is_warning(const char *kind)
{
    return strcmp(kind, "poststart") == 0 || strcmp(kind, "poststop") == 0;
}

int brig_run_hooks(const struct brig_hook_list *hooks, const char *kind, const char *state_json)
{
    char pending[BRIG_ERR_MAX] = "";
    for (size_t i = 0; i < hooks->n; i++) {
        if (run_hook(&hooks->v[i], kind, i, state_json) == 0)
            continue;
        if (!failure_is_warning(kind))
            return -1;
        if (pending[0])
            brig_warn("%s", pending);
        snprintf(pending, sizeof pending, "%s", brig_last_error());
        brig_clear_error();
    }
    if (!pending[0])
        return 0;
    brig_set_error(0, pending);
    return -1;
}

char *brig_hook_state_in_container(const struct brig_plan *pl, enum brig_status status)
{
    struct brig_container tmp = {.dirfd = -1};
    if (pl->state)
        tmp.state = *pl->state;
    tmp.state.id = (char *)pl->id;
    tmp.state.bundle = (char *)pl->bundle;
    tmp.state.rootfs = (char *)pl->rootfs;
    if (!pl->state) {
        tmp.state.annotations = pl->cfg->annotations;
    }
    /* The pid as the container sees it (runtime.md, "State"). */
    tmp.state.pid = getpid();
    return brig_state_json(&tmp, status);
}

int brig_create_hooks(struct brig_init *in)
{
    const struct brig_plan *pl = in->plan;
    const struct brig_hooks *h = pl->cfg->hooks;
    if (!h)
        return 0;
    if (h->prestart.n || h->create_runtime.n) {
        if (brig_sync_send(in->proc.sync_fd, BRIG_SYNC_HOOKS, 0, NULL, -1) < 0 ||
            brig_sync_expect(in->proc.sync_fd, BRIG_SYNC_HOOKS_DONE, NULL, NULL) < 0)
            return -1;
    }
    if (h->create_container.n) {
        /* In the rootfs, as runc runs them (relative paths there). */
        if (chdir(pl->rootfs) < 0)
            return brig_fail(errno, "createContainer hooks: chdir %s", pl->rootfs);
        cleanup_free char *state = brig_hook_state_in_container(pl, BRIG_CREATING);
        container_env = pl->proc.process ? pl->proc.process->env.v : NULL;
        int r = state ? brig_run_hooks(&h->create_container, "createContainer", state) : -1;
        container_env = NULL;
        if (r < 0)
            return -1;
    }
    return 0;
}

int brig_runtime_create_hooks(struct brig_container *c, const struct brig_config *cfg)
{
    const struct brig_hooks *h = cfg->hooks;
    if (!h)
        return 0;
    if (h->prestart.n) {
        cleanup_free char *state = brig_state_json(c, BRIG_CREATED);
        if (!state || brig_run_hooks(&h->prestart, "prestart", state) < 0)
            return -1;
    }
    if (h->create_runtime.n) {
        cleanup_free char *state = brig_state_json(c, BRIG_CREATING);
        if (!state || brig_run_hooks(&h->create_runtime, "createRuntime", state) < 0)
            return -1;
    }
    return 0;
}

int brig_start_container_hooks(const struct brig_plan *pl)
{
    const struct brig_hooks *h = pl->cfg->hooks;
    if (!h || !h->start_container.n)
        return 0;
    /* Still "created": the program has not been executed yet. */
    cleanup_free char *state = brig_hook_state_in_container(pl, BRIG_CREATED);
    if (!state)
        return -1;
    /* The hooks get the process's environment, as runc gives it. */
    container_env = pl->proc.process ? pl->proc.process->env.v : NULL;
    int r = brig_run_hooks(&h->start_container, "startContainer", state);
    container_env = NULL;
    return r;
}
