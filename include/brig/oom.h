/* brig: saying so when a container's init was OOM-killed during set-up. */
#ifndef BRIG_OOM_H
#define BRIG_OOM_H

#include <stddef.h>
#include <sys/types.h>

/* After a failed create (the init PID, our child, not yet reaped): when the
 * memory cgroup at CGROUP_PATH hit its limit and PID died of SIGKILL, the
 * error in MSG ("sync: receive: Connection reset by peer" and the like)
 * becomes one that names the limit.  Cheap when there is no limit; waits
 * at most 1 s for PID to die only when the limit was hit. */
void brig_explain_setup_oom(const char *cgroup_path, pid_t pid, char *msg, size_t size);

#endif
