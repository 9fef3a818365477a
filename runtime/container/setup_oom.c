/* brig: an init OOM-killed during set-up only leaves a broken sync socket
 * behind ("sync: receive: Connection reset by peer"); the memory cgroup
 * and the init's wait status tell what happened (see include/brig/oom.h). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cgroup.h"
#include "brig/internal.h"
#include "brig/json.h"
#include "brig/oom.h"

/* The memory limit and whether it was hit (failcnt of memory or of
 * memory+swap, the peak usage at the limit, v2's oom_kill), from the
 * cgroup's stats. */
static bool limit_hit(const char *cgroup_path, int64_t *limit, int64_t *kills)
{
    cleanup_free char *text = brig_cgroup_stats_json(cgroup_path);
    if (!text)
        return false;
    yajl_val root = brig_json_parse(text, "cgroup stats");
    if (!root)
        return false;
    yajl_val mem = brig_json_get(root, "memory");
    yajl_val usage = brig_json_get(mem, "usage");
    yajl_val swap = brig_json_get(mem, "swap");
    int64_t failcnt = 0, swfail = 0, peak = 0, swlimit = 0, swpeak = 0;
    *kills = 0;
    brig_json_get_i64(usage, "failcnt", &failcnt);
    brig_json_get_i64(usage, "max", &peak);
    brig_json_get_i64(swap, "failcnt", &swfail); /* v1: memory+swap */
    brig_json_get_i64(swap, "limit", &swlimit);
    brig_json_get_i64(swap, "max", &swpeak);
    brig_json_get_i64(mem, "oom_kill", kills);
    /* failcnt is not kept by every kernel: a peak at the limit says the same */
    bool hit = brig_json_get_i64(usage, "limit", limit) && *limit > 0 && *limit < INT64_MAX / 2 &&
               (failcnt > 0 || swfail > 0 || *kills > 0 || peak >= *limit || (swlimit > 0 && swpeak >= swlimit));
    brig_debug("set-up failure: memory limit %lld, peak %lld, failcnt %lld (with swap %lld), oom_kill %lld",
               (long long)*limit, (long long)peak, (long long)failcnt, (long long)swfail, (long long)*kills);
    yajl_tree_free(root);
    return hit;
}

/* Whether PID (our child) died of SIGKILL, waiting up to 1 s; not reaped. */
static bool died_of_sigkill(pid_t pid)
{
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pfd >= 0) {
        struct pollfd p = {.fd = pfd, .events = POLLIN};
        while (poll(&p, 1, 1000) < 0 && errno == EINTR)
            ;
        close(pfd);
    }
    siginfo_t si = {0};
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid != pid)
        return false;
    brig_debug("set-up failure: the init %s %d", si.si_code == CLD_EXITED ? "exited with" : "was killed by signal",
               si.si_status);
    return si.si_code == CLD_KILLED && si.si_status == SIGKILL;
}

void brig_explain_setup_oom(const char *cgroup_path, pid_t pid, int err, char *msg, size_t size)
{
    int64_t limit = 0, kills = 0;
    bool killed = false;
    if (!cgroup_path || pid <= 0 || !limit_hit(cgroup_path, &limit, &kills) ||
        !((killed = died_of_sigkill(pid)) || err == ENOMEM)) {
        brig_clear_error();
        return;
    }
    brig_clear_error();
    char was[BRIG_ERR_MAX];
    snprintf(was, sizeof was, "%s", msg);
    snprintf(msg, size,
             "the container's memory limit, linux.resources.memory.limit = %lld bytes (%lld KiB), is too small: "
             "the kernel %s its init for want of memory during set-up (%.2000s)",
             (long long)limit, (long long)(limit >> 10), killed ? "killed" : "refused", was);
}
