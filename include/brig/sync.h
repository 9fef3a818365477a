/* brig: messages between the runtime and the container's init over a
 * SOCK_SEQPACKET socketpair. */
#ifndef BRIG_SYNC_H
#define BRIG_SYNC_H

#include <stdint.h>

enum brig_sync_type {
    BRIG_SYNC_GO = 1,       /* runtime -> init: cgroup joined, id maps written */
    BRIG_SYNC_ERROR,        /* either way: value = errno, text = message */
    BRIG_SYNC_USERNS,       /* joiner -> runtime: write id maps for me */
    BRIG_SYNC_USERNS_DONE,
    BRIG_SYNC_PID,          /* joiner -> runtime: value = init pid */
    BRIG_SYNC_HOOKS,        /* init -> runtime: run prestart/createRuntime hooks */
    BRIG_SYNC_HOOKS_DONE,   /* runtime -> init: hooks run; also the ack of SECCOMP_FD and PTY */
    BRIG_SYNC_SECCOMP_FD,   /* init -> runtime: the seccomp listener fd */
    BRIG_SYNC_PTY,          /* init -> runtime: the pty master */
    BRIG_SYNC_READY,        /* init -> runtime: only execve is left */
    BRIG_SYNC_READY_ACK,    /* runtime -> init: the state is recorded */
    BRIG_SYNC_MOUNT_TREE,   /* init -> runtime: value = mounts[] index; the reply
                               carries the bind as a detached mount (idmap.c) */
    BRIG_SYNC_MOUNT_SOURCE, /* runtime -> init, before GO: value = mounts[] index,
                               the fd its source opened as host root (mountsrc.c) */
    BRIG_SYNC_CGROUPS,      /* runtime -> init, split create: the v1 cgroups exist,
                               join them; their limits follow before GO */
};

struct brig_sync_msg {
    uint32_t type;
    int32_t value;
    char text[2048];
};

/* Send a message (with FD passed by SCM_RIGHTS when fd >= 0). */
int brig_sync_send(int sock, enum brig_sync_type type, int32_t value, const char *text, int fd);

/* Receive one message; *fd gets a passed fd or -1 (fd may be NULL).
 * EOF is an error "container process exited". */
int brig_sync_recv(int sock, struct brig_sync_msg *m, int *fd);

/* Receive and require TYPE.  A BRIG_SYNC_ERROR becomes the recorded error. */
int brig_sync_expect(int sock, enum brig_sync_type type, struct brig_sync_msg *m, int *fd);

/* After READY (run) or on start's connection (startsock.h): wait until the
 * init has executed the user's program, which closes its end (close-on-
 * exec): 0 then; -1 with the init's error when it failed instead. */
int brig_sync_wait_exec(int sock);

/* In the init: send the recorded error to the runtime and _exit(1). */
__attribute__((noreturn)) void brig_sync_die(int sock);

#endif
