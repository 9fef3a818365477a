/* brig: handing the seccomp listener fd to the agent at listenerPath.
 *
 * One connection per container: the "container process state" JSON
 * (ociVersion, fds ["seccompFd"], pid, metadata, state) goes in one
 * sendmsg() together with the fd as SCM_RIGHTS, then the socket is closed. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/internal.h"
#include "brig/json.h"
#include "brig/seccomp.h"

/* The message, with the state object the hooks are given. */
static char *process_state_json(const struct brig_seccomp *sc, const struct brig_container *c,
                                enum brig_status status)
{
    yajl_gen g = brig_json_gen_new(false);
    if (!g)
        return NULL;
    yajl_gen_map_open(g);
    brig_json_key_str(g, "ociVersion", BRIG_OCI_VERSION);
    brig_json_key(g, "fds");
    yajl_gen_array_open(g);
    brig_json_str(g, "seccompFd");
    yajl_gen_array_close(g);
    brig_json_key_int(g, "pid", c->state.pid);
    if (sc->listener_metadata)
        brig_json_key_str(g, "metadata", sc->listener_metadata);
    brig_json_key(g, "state");
    brig_state_gen(g, c, status);
    yajl_gen_map_close(g);
    return brig_json_gen_finish(g);
}

static int send_with_fd(int sock, const char *msg, size_t len, int fd)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
    struct msghdr mh = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = ctl.buf,
        .msg_controllen = sizeof ctl.buf,
    };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));

    ssize_t w;
    do
        w = sendmsg(sock, &mh, MSG_NOSIGNAL);
    while (w < 0 && errno == EINTR);
    if (w < 0)
        return -1;
    /* The fd went with the first byte; the rest is plain payload. */
    size_t off = (size_t)w;
    while (off < len) {
        w = send(sock, msg + off, len - off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        off += (size_t)w;
    }
    return 0;
}

int brig_seccomp_send_listener(const struct brig_seccomp *sc, int notify_fd, const struct brig_container *c,
                               enum brig_status status)
{
    const char *path = sc->listener_path;
    if (!path || !path[0])
        return brig_fail(0, "linux.seccomp.listenerPath: not set, nowhere to send the seccomp fd");
    if (notify_fd < 0)
        return brig_fail(EBADF, "seccomp: send listener fd to %s", path);

    if (c->state.pid <= 0)
        return brig_fail(0, "seccomp: the container has no pid");

    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sa.sun_path)
        return brig_fail(ENAMETOOLONG, "linux.seccomp.listenerPath: %s", path);
    memcpy(sa.sun_path, path, strlen(path) + 1);

    cleanup_free char *msg = process_state_json(sc, c, status);
    if (!msg)
        return brig_fail(ENOMEM, "seccomp: build the container process state");

    cleanup_fd int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        return brig_fail(errno, "seccomp: socket");
    int r;
    do
        r = connect(sock, (struct sockaddr *)&sa, sizeof sa);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return brig_fail(errno, "seccomp: connect to listenerPath %s", path);
    if (send_with_fd(sock, msg, strlen(msg), notify_fd) < 0)
        return brig_fail(errno, "seccomp: send the seccomp fd to %s", path);
    brig_debug("seccomp: sent listener fd to %s", path);
    return 0;
}
