/* brig: saying so when a container's init was OOM-killed during set-up. */
#ifndef BRIG_OOM_H
#define BRIG_OOM_H

#include <stddef.h>
#include <sys/types.h>

/* After a failed create (the init PID, our child, not yet reaped): when the
 * memory cgroup at CGROUP_PATH hit its limit and PID died of SIGKILL, or
 * the error (ERR its errno) is ENOMEM, the error in MSG ("sync: receive:
 * Connection reset by peer", "mount proc on /proc: Cannot allocate
 * memory" and the like) becomes one that names the limit.  (An init on
 * the runtime's memory, clone_vm.c, is not charged for its pages, only
 * for what the kernel allocates for it: it is refused, not killed.)
 * Cheap when there is no limit; waits at most 1 s for PID to die only
 * when the limit was hit. */
void brig_explain_setup_oom(const char *cgroup_path, pid_t pid, int err, char *msg, size_t size);

#endif
