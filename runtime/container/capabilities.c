/* brig: the five capability sets of the container's process.  capset
 * itself rather than libcap: one call, and no libcap start-up (it probes
 * the kernel's capabilities in every process that links it). */
#include "config.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

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

/* The kernel's own interface: three 64-bit sets in two 32-bit halves.
 * Capabilities the kernel lacks are left out, as libcap did. */
int brig_apply_capabilities(const struct brig_caps *caps)
{
    int last = brig_cap_kernel_last();
    uint64_t known = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
    uint64_t e = caps->effective & known, p = caps->permitted & known, i = caps->inheritable & known;
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2] = {
        {.effective = (uint32_t)e, .permitted = (uint32_t)p, .inheritable = (uint32_t)i},
        {.effective = (uint32_t)(e >> 32), .permitted = (uint32_t)(p >> 32), .inheritable = (uint32_t)(i >> 32)},
    };
    if (syscall(SYS_capset, &hdr, data) < 0)
        return brig_fail(errno, "set capabilities (effective, permitted, inheritable)");
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return brig_fail(errno, "clear ambient capabilities");
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
