/* brig delete: remove a stopped container (--force: any container, and one
 * whose state is unreadable, from what its directory records). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cgroup.h"
#include "brig/cmd.h"
#include "brig/commands.h"
#include "brig/container.h"
#include "brig/internal.h"
#include "brig/state.h"

/* SIGKILL the recorded init if it is still the same process, and wait (up
 * to 10 s) until it is gone.  Returns whether it was killed. */
static bool kill_recorded_init(pid_t pid, uint64_t start_time)
{
    if (pid <= 0 || start_time == 0)
        return false;
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    /* checked after the pidfd pins it: no signal to a recycled pid */
    if (brig_pid_start_time(pid) != start_time) {
        if (pfd >= 0)
            close(pfd);
        return false;
    }
    long r = pfd >= 0 ? syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0) : kill(pid, SIGKILL);
    if (r == 0 && pfd >= 0) {
        struct pollfd p = {.fd = pfd, .events = POLLIN};
        while (poll(&p, 1, 10000) < 0 && errno == EINTR)
            ;
    }
    if (pfd >= 0)
        close(pfd);
    return r == 0;
}

/* Append to BUF (N used so far, cut at SIZE); returns the new length. */
static size_t add(char *buf, size_t size, size_t n, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static size_t add(char *buf, size_t size, size_t n, const char *fmt, ...)
{
    if (n + 1 >= size)
        return n;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + n, size - n, fmt, ap);
    va_end(ap);
    if (w < 0)
        return n;
    return n + (size_t)w >= size ? size - 1 : n + (size_t)w;
}

/* delete --force of a container whose state.json is unreadable or gone:
 * kill the recorded init, empty and remove the recorded cgroup (the default
 * /brig/ID when nothing was recorded), remove the directory, and say so. */
static int salvage(struct brig_container *ct, struct brig_salvage *sv)
{
    const char *id = ct->state.id;
    char did[BRIG_ERR_MAX];
    size_t n = 0;
    n = add(did, sizeof did, n, "container %s: state unreadable (%s):", id, sv->reason);
    cleanup_free char *cg = sv->cgroup_path ? brig_xstrdup(sv->cgroup_path)
                                            : brig_cgroup_path_for(NULL, id, brig_g.systemd_cgroup);
    pid_t *pids = NULL;
    int np = cg ? brig_cgroup_pids(cg, &pids) : -1;
    free(pids);
    brig_clear_error();
    if (kill_recorded_init(sv->pid, sv->pid_start_time))
        n = add(did, sizeof did, n, " killed init %d,", (int)sv->pid);
    /* destroyed even when no pid list could be read: missing parts are
     * fine.  The cgroup is recorded only once create found it absent (its
     * plan refuses one that exists), so the leaf is this container's;
     * without state.json the parents brig made are not known: left. */
    if (cg && brig_cgroup_destroy(cg, NULL) < 0) {
        brig_fail_ctx("%s cgroup %s not removed (state directory %s kept)", did, cg, ct->dir);
        brig_container_close(ct);
        return -1;
    }
    if (np >= 0)
        n = add(did, sizeof did, n, " removed cgroup %s%s with %d process%s killed,", cg,
                sv->cgroup_path ? "" : " (not recorded: the default path)", np, np == 1 ? "" : "es");
    else if (cg)
        n = add(did, sizeof did, n, " found no cgroup %s,", cg);
    brig_clear_error();
    if (brig_container_remove(ct) < 0)
        return brig_fail_ctx("%s", did);
    add(did, sizeof did, n, " removed its state directory");
    brig_warn("%s", did);
    return 0;
}

int cmd_delete(int argc, char **argv)
{
    static const struct option opts[] = {
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool force = false;
    int c;
    while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
        if (c == 'f') {
            force = true;
            continue;
        }
        if (c == 'h')
            return brig_cmd_help("[--force] ID",
                                 "Delete a stopped container: its cgroup, state and poststop hooks.\n"
                                 "  -f, --force   kill the container first if it is still running; also\n"
                                 "                removes a container whose state is unreadable\n");
        brig_fail(0, "unknown option %s", argv[optind - 1]);
        return brig_report_error();
    }
    const char *id = brig_cmd_one_id(argc, argv, "[--force] ID");
    if (!id)
        return brig_report_error();
    struct brig_container *ct;
    int r;
    if (force) {
        struct brig_salvage sv;
        r = brig_container_open_salvage(id, &ct, &sv);
        if (r == BRIG_OPEN_BROKEN) {
            r = salvage(ct, &sv);
            brig_salvage_clear(&sv);
            return r < 0 ? brig_report_error() : 0;
        }
    } else {
        r = brig_container_open(id, LOCK_EX, &ct);
    }
    if (r == BRIG_OPEN_MISSING && force)
        return 0; /* as runc: --force on a container that is gone is not an error */
    if (r == BRIG_OPEN_BROKEN) {
        char msg[BRIG_ERR_MAX];
        snprintf(msg, sizeof msg, "%s", brig_last_error());
        brig_fail(0, "%.3800s (delete --force removes what is left of it)", msg);
        return brig_report_error();
    }
    if (r < 0)
        return brig_report_error();
    enum brig_status st = brig_container_status(ct);
    if (!force && st != BRIG_STOPPED && st != BRIG_CREATING) {
        brig_fail(0, "cannot delete container %s that is %s: stop it first or use --force", id,
                  brig_status_name(st));
        brig_container_close(ct);
        return brig_report_error();
    }
    return brig_container_destroy(ct, NULL) < 0 ? brig_report_error() : 0;
}
