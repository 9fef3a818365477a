/* brig: the container's terminal (process.terminal, exec --tty).
 *
 * The pty is made inside the container, from the container's own devpts,
 * after pivot_root: its slave becomes the process's stdio and controlling
 * terminal; its master goes back to the runtime, which either sends it to
 * the --console-socket (SCM_RIGHTS, as runc: containerd and conmon receive
 * it) or, in the foreground without a socket, relays it to its own stdio. */
#ifndef BRIG_TERMINAL_H
#define BRIG_TERMINAL_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "brig/oci.h"

/* In the container, after pivot_root and as session leader: make the pty,
 * size it (process.consoleSize), make the slave fds 0-2 and the controlling
 * terminal (owned by the process's user), and send the master over SYNC_FD
 * as BRIG_SYNC_PTY.  CONSOLE (the init, still privileged): bind the pty
 * onto /dev/console as well.  Errors are recorded. */
int brig_terminal_setup(int sync_fd, const struct brig_process *p, bool console);

/* In the runtime: connect to the unix socket PATH and send MASTER with
 * SCM_RIGHTS. */
int brig_console_socket_send(const char *path, int master);

/* Where a received pty master goes: the console socket when one was given,
 * else *keep (when not NULL: the foreground relay), else it is an error.
 * MASTER is consumed. */
int brig_terminal_deliver(int master, const char *console_socket, int *keep);

/* The foreground: copy stdin to MASTER and MASTER to stdout (the host tty
 * in raw mode meanwhile), resize MASTER on SIGWINCH, forward the other
 * signals of SET (blocked by the caller, SIGCHLD included) to PID, until
 * PID exits.  Returns PID's exit status (128+N when killed by signal N). */
int brig_terminal_relay(int master, pid_t pid, const sigset_t *set);

/* Without a terminal: forward the signals of SET (blocked by the caller,
 * SIGCHLD included) to PID until it exits; returns its status as above. */
int brig_wait_forward(pid_t pid, const sigset_t *set);

/* The signals a foreground run or exec forwards to its process. */
void brig_forwarded_signals(sigset_t *set);

#endif
