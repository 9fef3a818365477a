/* brig: linux.memoryPolicy, the NUMA memory policy of the container's
 * processes: set_mempolicy(2) in the init and in exec'd processes, before
 * they drop privileges.  The policy is inherited across fork and kept
 * across execve. */
#include "config.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/oci.h"
#include "brig/internal.h"
#include "brig/mounts.h"

int brig_apply_memory_policy(const struct brig_config *cfg)
{
    const struct brig_memory_policy *mp = cfg->linux_ ? cfg->linux_->memory_policy : NULL;
    if (!mp)
        return 0;
#ifdef SYS_set_mempolicy
    /* maxnode counts one more than the bits the kernel reads */
    unsigned long maxnode = mp->has_nodes ? 8 * sizeof mp->nodes + 1 : 0;
    if (syscall(SYS_set_mempolicy, mp->mode | (int)mp->flags, mp->has_nodes ? mp->nodes : NULL, maxnode) < 0)
        return brig_fail(errno, "linux.memoryPolicy: set_mempolicy");
    return 0;
#else
    return brig_fail(ENOSYS, "linux.memoryPolicy: set_mempolicy");
#endif
}
