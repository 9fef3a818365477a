/* brig: the systemd cgroup driver (--systemd-cgroup).
 *
 * Under systemd the container's cgroup is a transient scope that systemd
 * creates for the container's pid.  This host has no systemd, and brig does
 * not speak D-Bus yet: where systemd runs, the driver is refused with a
 * clear message rather than silently falling back to cgroupfs (which would
 * fight systemd for the same hierarchy). */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cgroup_internal.h"
#include "brig/internal.h"

int brig_cg_systemd_check(void)
{
    /* sd_booted(): systemd creates this directory early at boot */
    if (access("/run/systemd/system", F_OK) < 0)
        return brig_fail(0, "systemd cgroup driver: systemd is not running on this host "
                            "(no /run/systemd/system); run without --systemd-cgroup");
    return brig_fail(ENOTSUP, "systemd cgroup driver: talking to systemd over D-Bus is not "
                              "implemented; run without --systemd-cgroup");
}

int brig_cg_systemd_start(const char *spec, pid_t pid)
{
    (void)spec;
    (void)pid;
    return brig_cg_systemd_check();
}

int brig_cg_systemd_stop(const char *spec)
{
    (void)spec;
    return 0;
}
