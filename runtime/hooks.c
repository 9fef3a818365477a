/* brig: OCI hooks: each runs with the state JSON on stdin, its args, env
 * and timeout; a non-zero exit fails it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/container.h"
#include "brig/internal.h"

static int run_hook(const struct brig_hook *h, const char *kind, size_t idx, const char *state)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return brig_fail(errno, "%s hook %zu: pipe", kind, idx);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(pipefd[0]);
        close(pipefd[1]);
        return brig_fail(e, "%s hook %zu: fork", kind, idx);
    }
    if (pid == 0) {
        if (dup2(pipefd[0], STDIN_FILENO) < 0)
            _exit(127);
        char *const noargs[] = {(char *)h->path, NULL};
        static char *const noenv[] = {NULL};
        execve(h->path, h->args.v ? h->args.v : noargs, h->env.v ? h->env.v : noenv);
        fprintf(stderr, "brig: %s hook %s: exec: %s\n", kind, h->path, strerror(errno));
        _exit(127);
    }
    close(pipefd[0]);
    /* A hook that does not read its stdin must not kill us. */
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigaction(SIGPIPE, &ign, &old);
    brig_write_all(pipefd[1], state, strlen(state));
    close(pipefd[1]);
    sigaction(SIGPIPE, &old, NULL);

    int status = 0;
    if (h->timeout.set) {
        int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pfd >= 0) {
            struct pollfd p = {.fd = pfd, .events = POLLIN};
            int r;
            do {
                r = poll(&p, 1, h->timeout.v * 1000);
            } while (r < 0 && errno == EINTR);
            close(pfd);
            if (r == 0) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                return brig_fail(0, "%s hook %s timed out after %d s", kind, h->path, h->timeout.v);
            }
        }
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return brig_fail(errno, "%s hook %s: wait", kind, h->path);
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
