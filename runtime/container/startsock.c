/* brig: the start socket (see include/brig/startsock.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "brig/internal.h"
#include "brig/startsock.h"
#include "brig/state.h"

#define START_SOCK "start.sock"

/* The socket's address: through the locked directory's fd, so that a long
 * --root still fits in sun_path and nothing is resolved twice. */
static socklen_t start_addr(const struct brig_container *c, struct sockaddr_un *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    int n = snprintf(sa->sun_path, sizeof sa->sun_path, "%s/" START_SOCK, c->dir);
    if (n < 0 || (size_t)n >= sizeof sa->sun_path)
        n = snprintf(sa->sun_path, sizeof sa->sun_path, "/proc/self/fd/%d/" START_SOCK, c->dirfd);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
}

int brig_start_listen(struct brig_container *c)
{
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return brig_fail(errno, "start socket");
    struct sockaddr_un sa;
    socklen_t len = start_addr(c, &sa);
    /* 0600 whatever the umask: the directory is the owner's already. */
    mode_t old = umask(0177);
    int r = bind(fd, (struct sockaddr *)&sa, len);
    int e = errno;
    umask(old);
    if (r < 0 || listen(fd, 1) < 0) {
        if (r == 0)
            e = errno;
        close(fd);
        return brig_fail(e, "make %s/" START_SOCK, c->dir);
    }
    return fd;
}

int brig_start_accept(int lfd)
{
    int fd;
    do {
        fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    } while (fd < 0 && (errno == EINTR || errno == ECONNABORTED));
    int e = errno;
    close(lfd);
    if (fd < 0)
        return brig_fail(e, "wait for start");
    return fd;
}

int brig_start_connect(struct brig_container *c)
{
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return brig_fail(errno, "start socket");
    struct sockaddr_un sa;
    socklen_t len = start_addr(c, &sa);
    int r;
    do {
        r = connect(fd, (struct sockaddr *)&sa, len);
    } while (r < 0 && errno == EINTR);
    if (r == 0)
        return fd;
    int e = errno;
    close(fd);
    if (e == ECONNREFUSED || e == ENOENT)
        return brig_fail(0, "the container process is not waiting for start");
    return brig_fail(e, "connect to the container process");
}

void brig_start_done(struct brig_container *c)
{
    unlinkat(c->dirfd, START_SOCK, 0);
}

bool brig_start_pending(const struct brig_container *c)
{
    struct stat st;
    if (c->dirfd < 0)
        return true;
    return fstatat(c->dirfd, START_SOCK, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}
