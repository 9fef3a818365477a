/* brig: runtime <-> init messages (see include/brig/sync.h). */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "brig/internal.h"
#include "brig/sync.h"

int brig_sync_send(int sock, enum brig_sync_type type, int32_t value, const char *text, int fd)
{
    struct brig_sync_msg m = {.type = type, .value = value};
    size_t tlen = 0;
    if (text) {
        tlen = strnlen(text, sizeof m.text - 1);
        memcpy(m.text, text, tlen);
    }
    m.text[tlen] = '\0';
    struct iovec iov = {.iov_base = &m, .iov_len = offsetof(struct brig_sync_msg, text) + tlen + 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fd >= 0) {
        memset(&u, 0, sizeof u);
        msg.msg_control = u.buf;
        msg.msg_controllen = sizeof u.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    for (;;) {
        if (sendmsg(sock, &msg, MSG_NOSIGNAL) >= 0)
            return 0;
        if (errno != EINTR)
            return brig_fail(errno, "sync: send");
    }
}

int brig_sync_recv(int sock, struct brig_sync_msg *m, int *fd)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = {.iov_base = m, .iov_len = sizeof *m};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                         .msg_controllen = sizeof u.buf};
    if (fd)
        *fd = -1;
    ssize_t n;
    bool reset = false;
    /* A peer that closed with one of our messages unread leaves
     * ECONNRESET, which the kernel reports once, before what the peer
     * sent: its error message, typically. */
    do {
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && (errno == EINTR || (errno == ECONNRESET && !reset && (reset = true))));
    if (n < 0)
        return brig_fail(errno, "sync: receive");
    if (n == 0)
        return brig_fail(0, "container process exited during setup");
    if ((size_t)n < offsetof(struct brig_sync_msg, text) + 1)
        return brig_fail(0, "sync: short message");
    m->text[sizeof m->text - 1] = '\0';
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int got;
            memcpy(&got, CMSG_DATA(c), sizeof got);
            if (fd && *fd < 0)
                *fd = got;
            else
                close(got);
        }
    }
    return 0;
}

int brig_sync_expect(int sock, enum brig_sync_type type, struct brig_sync_msg *m, int *fd)
{
    struct brig_sync_msg local;
    if (!m)
        m = &local;
    if (brig_sync_recv(sock, m, fd) < 0)
        return -1;
    if (m->type == BRIG_SYNC_ERROR) {
        brig_set_error(m->value, m->text);
        return -1;
    }
    if (m->type != type)
        return brig_fail(0, "sync: expected message %u, got %u", (unsigned)type, (unsigned)m->type);
    return 0;
}

int brig_sync_wait_exec(int sock)
{
    struct brig_sync_msg m;
    ssize_t n;
    struct iovec iov = {.iov_base = &m, .iov_len = sizeof m};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    do {
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n == 0)
        return 0; /* execve closed the init's end */
    if (n < 0)
        return brig_fail(errno, "wait for the container's program to be executed");
    m.text[sizeof m.text - 1] = '\0';
    if ((size_t)n > offsetof(struct brig_sync_msg, text) && m.type == BRIG_SYNC_ERROR) {
        brig_set_error(m.value, m.text);
        return -1;
    }
    return brig_fail(0, "sync: unexpected message %u while waiting for the program to be executed", m.type);
}

void brig_sync_die(int sock)
{
    brig_sync_send(sock, BRIG_SYNC_ERROR, brig_last_errno(), brig_last_error(), -1);
    _exit(1);
}
