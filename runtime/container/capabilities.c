/* brig: the five capability sets of the container's process, with libcap. */
#include "config.h"

#include <errno.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "brig/container.h"
#include "brig/internal.h"

int brig_drop_bounding(const struct brig_caps *caps)
{
    int last = brig_cap_kernel_last();
    for (int cap = 0; cap <= last; cap++) {
        if (caps->bounding & (1ULL << cap))
            continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            return brig_fail(errno, "drop capability %s from the bounding set", brig_cap_name(cap));
    }
    return 0;
}

static int fill(cap_t c, cap_flag_t flag, uint64_t mask)
{
    int last = brig_cap_kernel_last();
    for (int cap = 0; cap <= last && cap < 64; cap++) {
        if (!(mask & (1ULL << cap)))
            continue;
        cap_value_t v = cap;
        if (cap_set_flag(c, flag, 1, &v, CAP_SET) < 0)
            return brig_fail(errno, "set capability %s", brig_cap_name(cap));
    }
    return 0;
}

int brig_apply_capabilities(const struct brig_caps *caps)
{
    cap_t c = cap_init();
    if (!c)
        return brig_fail(errno, "cap_init");
    int r = 0;
    if (fill(c, CAP_EFFECTIVE, caps->effective) < 0 || fill(c, CAP_PERMITTED, caps->permitted) < 0 ||
        fill(c, CAP_INHERITABLE, caps->inheritable) < 0)
        r = -1;
    else if (cap_set_proc(c) < 0)
        r = brig_fail(errno, "set capabilities (effective, permitted, inheritable)");
    cap_free(c);
    if (r < 0)
        return r;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return brig_fail(errno, "clear ambient capabilities");
    int last = brig_cap_kernel_last();
    for (int cap = 0; cap <= last && cap < 64; cap++) {
        if (!(caps->ambient & (1ULL << cap)))
            continue;
        /* The kernel refuses an ambient cap not in permitted and
         * inheritable; runc ignores those, and so do we. */
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0 && errno != EPERM)
            return brig_fail(errno, "raise ambient capability %s", brig_cap_name(cap));
    }
    return 0;
}
