/* brig: a new process in a running container (exec).
 *
 * The process joins every namespace and the cgroup of the container's
 * init, gets the config's seccomp filter, and the capabilities, user and
 * no_new_privs of its own process object.  It is a direct child of the
 * calling brig (and so of its caller once brig exits: conmon, the shim). */
#ifndef BRIG_EXEC_H
#define BRIG_EXEC_H

#include <stdbool.h>
#include <sys/types.h>

#include "brig/oci.h"
#include "state.h"

struct brig_exec_opts {
    struct brig_process *process; /* the process to run, complete */
    const char *console_socket;   /* with process->terminal: where the pty goes */
    const char *pid_file;
    char **cgroups;               /* --cgroup: [CTRL,...:]SUB, sub-cgroups of the container's */
    size_t n_cgroups;
    bool detach;                  /* return once the process runs */
    bool ignore_paused;
    int preserve_fds;             /* fds 3 .. 3+N-1 (after LISTEN_FDS) pass in */
};

/* Run O->process in container C (locked LOCK_SH) whose config is CFG (its
 * linux section; its process is not read: O->process is the one run).
 * Returns the process's exit status (0 when detached), or -1 with an error
 * recorded when it could not be started. */
int brig_exec(struct brig_container *c, const struct brig_config *cfg, const struct brig_exec_opts *o);

/* Write PID to PATH atomically (a temporary file renamed over it: clients
 * poll for the file and must never read it half-written). */

/* systemd socket activation: when LISTEN_FDS is set and LISTEN_PID is this
 * process, the number of fds (from 3) to pass on, else 0.  With ENV, the
 * container's LISTEN_FDS=N and LISTEN_PID=1 are set in it. */
int brig_listen_fds(struct brig_strv *env);

/* Set NAME=VALUE ("NAME=VALUE" in KV) in ENV, replacing an existing NAME. */
void brig_env_set(struct brig_strv *env, const char *kv);

#endif
