/* brig: capability names <-> numbers.
 *
 * Our own table rather than libcap's cap_from_name(): that one also takes
 * bare numbers ("21") and names without the CAP_ prefix, and it only knows
 * the capabilities of the libcap it was built with.  Indexing by the kernel
 * header's constants keeps the numbering honest. */
#include "config.h"

#include <linux/capability.h>
#include <sys/capability.h>
#include <stddef.h>
#include <strings.h>

#include "brig/oci.h"
#include "brig/internal.h"

#define CAP(name) [CAP_##name] = "CAP_" #name

static const char *const cap_names[] = {
    CAP(CHOWN),
    CAP(DAC_OVERRIDE),
    CAP(DAC_READ_SEARCH),
    CAP(FOWNER),
    CAP(FSETID),
    CAP(KILL),
    CAP(SETGID),
    CAP(SETUID),
    CAP(SETPCAP),
    CAP(LINUX_IMMUTABLE),
    CAP(NET_BIND_SERVICE),
    CAP(NET_BROADCAST),
    CAP(NET_ADMIN),
    CAP(NET_RAW),
    CAP(IPC_LOCK),
    CAP(IPC_OWNER),
    CAP(SYS_MODULE),
    CAP(SYS_RAWIO),
    CAP(SYS_CHROOT),
    CAP(SYS_PTRACE),
    CAP(SYS_PACCT),
    CAP(SYS_ADMIN),
    CAP(SYS_BOOT),
    CAP(SYS_NICE),
    CAP(SYS_RESOURCE),
    CAP(SYS_TIME),
    CAP(SYS_TTY_CONFIG),
    CAP(MKNOD),
    CAP(LEASE),
    CAP(AUDIT_WRITE),
    CAP(AUDIT_CONTROL),
    CAP(SETFCAP),
    CAP(MAC_OVERRIDE),
    CAP(MAC_ADMIN),
    CAP(SYSLOG),
    CAP(WAKE_ALARM),
    CAP(BLOCK_SUSPEND),
    CAP(AUDIT_READ),
    CAP(PERFMON),
    CAP(BPF),
    CAP(CHECKPOINT_RESTORE),
};

/* Bit masks are uint64_t: every known capability must fit. */
_Static_assert(BRIG_ARRAY_SIZE(cap_names) <= 64, "capability table exceeds 64 bits");

int brig_cap_from_name(const char *name)
{
    if (!name)
        return -1;
    /* runc and crun accept "cap_chown" as well as "CAP_CHOWN". */
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(cap_names); i++)
        if (cap_names[i] && strcasecmp(cap_names[i], name) == 0)
            return (int)i;
    return -1;
}

const char *brig_cap_name(int cap)
{
    if (cap < 0 || (size_t)cap >= BRIG_ARRAY_SIZE(cap_names))
        return NULL;
    return cap_names[cap];
}

int brig_cap_last(void)
{
    return (int)BRIG_ARRAY_SIZE(cap_names) - 1;
}

/* Here, with the names, rather than in capabilities.c: the config parser
 * (and its fuzz target) needs it to tell ungrantable capabilities. */
int brig_cap_kernel_last(void)
{
    static int last = -1;
    if (last < 0) {
        last = cap_max_bits() - 1;
        if (last < 0)
            last = 40;
    }
    return last;
}
