/* brig: how `start` wakes a created container's init (startsock.c).
 *
 * create binds a listening unix socket at --root/ID/start.sock (the state
 * directory: only the container's owner can connect) and the init holds
 * it, blocked in accept(), until start connects.  Nothing a container can
 * do uses it up: no per-uid signal queue (RLIMIT_SIGPENDING), no path
 * inside the container, and a socket is not a way into the host's
 * filesystem.  The init closes the listener once it has the connection;
 * the connection is close-on-exec, so start reads until end of file: the
 * program has been executed, or the init reports why it was not (a
 * startContainer hook, the seccomp filter, execve) and exits.  Works the
 * same rootless and on any filesystem that holds a socket (tmpfs too). */
#ifndef BRIG_STARTSOCK_H
#define BRIG_STARTSOCK_H

#include <stdbool.h>

struct brig_container;

/* create: the listening socket (close-on-exec), or -1 with an error. */
int brig_start_listen(struct brig_container *c);

/* In the init: wait for start; returns the connection and closes LFD. */
int brig_start_accept(int lfd);

/* start: connect to the init (-1 with an error when it is not waiting). */
int brig_start_connect(struct brig_container *c);

/* start, once the program runs: the socket is no longer needed. */
void brig_start_done(struct brig_container *c);

/* Whether the init still waits for start (its socket is there).  A
 * created container without one was started even if its state could not
 * be saved afterwards. */
bool brig_start_pending(const struct brig_container *c);

#endif
