/* brig: loading a compiled filter into the calling process.
 *
 * Runs in the container process as its last step before execve (after
 * PR_SET_NO_NEW_PRIVS, or while it still holds CAP_SYS_ADMIN), so it must
 * not depend on anything but the precompiled program. */
#include "config.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "brig/internal.h"
#include "brig/seccomp.h"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

int brig_seccomp_install(const struct brig_bpf *prog, int *notify_fd)
{
    struct sock_fprog fprog = { .len = prog->len, .filter = prog->insns };
    unsigned long flags = prog->flags;

    if (notify_fd)
        *notify_fd = -1;
    if (!prog->insns || prog->len == 0)
        return brig_fail(EINVAL, "seccomp: install an empty filter");
    if (prog->needs_listener) {
        if (!notify_fd)
            return brig_fail(EINVAL, "seccomp: the filter needs a listener but no fd can be returned");
        flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        /* TSYNC reports a failing thread's id, which collides with returning
         * the listener fd; TSYNC_ESRCH makes it report ESRCH instead. */
        if (flags & SECCOMP_FILTER_FLAG_TSYNC)
            flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }

    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fprog);
    if (r < 0 && errno == ENOSYS && flags == 0)
        r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0);
    if (r < 0)
        return brig_fail(errno, "seccomp: install filter (%u instructions, flags %#lx)",
                         (unsigned)prog->len, flags);
    if (r > 0 && (flags & SECCOMP_FILTER_FLAG_TSYNC) && !prog->needs_listener)
        return brig_fail(0, "seccomp: thread %ld could not be synchronized", r);
    if (prog->needs_listener)
        *notify_fd = (int)r;
    return 0;
}
