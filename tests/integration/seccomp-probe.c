/* A static probe for the seccomp integration tests (tests/integration/seccomp.sh).
 *
 * Inside a container:
 *   seccomp-probe sys NAME|NUMBER [ARG...]   raw syscall: prints "ret=N" or "errno=N"
 *   seccomp-probe clone FLAGS                raw clone(FLAGS|SIGCHLD), the child exits
 *                                            at once: prints "ret=ok" or "errno=N"
 *   seccomp-probe status                     the Seccomp lines of /proc/self/status
 *   seccomp-probe sys32 NUMBER               x86_64 only: system call NUMBER through the
 *                                            i386 entry (int $0x80), no arguments:
 *                                            "ret=N" or "errno=N"
 * On the host:
 *   seccomp-probe agent SOCKET OUT           a seccomp agent: takes one connection on
 *       SOCKET, writes the container process state it receives to OUT (and
 *       OUT.fd when an fd came with it), then answers every notification:
 *       getppid returns 4242, anything else continues.  Exits when the
 *       container's filter is gone, or after 60 seconds.
 *
 * Numbers (arguments, flags) may be decimal or 0x hex. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct {
    const char *name;
    long nr;
} calls[] = {
    { "getpid", SYS_getpid },
    { "getppid", SYS_getppid },
    { "personality", SYS_personality },
    { "unshare", SYS_unshare },
    { "mount", SYS_mount },
    { "keyctl", SYS_keyctl },
    { "socket", SYS_socket },
    { "uname", SYS_uname },
    { "chroot", SYS_chroot },
    { "setns", SYS_setns },
    { "ptrace", SYS_ptrace },
    { "getcpu", SYS_getcpu },
#ifdef SYS_clone3
    { "clone3", SYS_clone3 },
#endif
};

static unsigned long num(const char *s)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (errno || !*s || *end) {
        fprintf(stderr, "seccomp-probe: not a number: %s\n", s);
        exit(2);
    }
    return v;
}

static int do_sys(int argc, char **argv)
{
    long nr = -1;
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        if (strcmp(calls[i].name, argv[0]) == 0)
            nr = calls[i].nr;
    if (nr < 0)
        nr = (long)num(argv[0]);
    unsigned long a[6] = { 0 };
    for (int i = 1; i < argc && i <= 6; i++)
        a[i - 1] = num(argv[i]);
    errno = 0;
    long r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (r == -1 && errno)
        printf("errno=%d\n", errno);
    else
        printf("ret=%ld\n", r);
    return 0;
}

static int do_clone(const char *flags)
{
    long pid = syscall(SYS_clone, num(flags) | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        syscall(SYS_exit_group, 0);
    if (pid < 0) {
        printf("errno=%d\n", errno);
        return 0;
    }
    int st;
    if (waitpid((pid_t)pid, &st, 0) < 0 || !WIFEXITED(st)) {
        printf("wait failed\n");
        return 1;
    }
    printf("ret=ok\n");
    return 0;
}

static int do_status(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) {
        perror("seccomp-probe: /proc/self/status");
        return 1;
    }
    char line[256];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "Seccomp", 7) == 0 || strncmp(line, "NoNewPrivs", 10) == 0)
            fputs(line, stdout);
    fclose(f);
    return 0;
}

static void die(const char *what)
{
    fprintf(stderr, "seccomp-probe agent: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int do_agent(const char *path, const char *out)
{
    alarm(60);
    int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (ls < 0)
        die("socket");
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    unlink(path);
    if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 1) < 0)
        die("bind/listen");
    int cs = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
    if (cs < 0)
        die("accept");

    static char buf[65536];
    size_t len = 0;
    int fd = -1, nfds = 0;
    for (;;) {
        union {
            char b[CMSG_SPACE(4 * sizeof(int))];
            struct cmsghdr align;
        } u;
        struct iovec iov = { buf + len, sizeof buf - 1 - len };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b };
        ssize_t n = recvmsg(cs, &mh, MSG_CMSG_CLOEXEC);
        if (n < 0)
            die("recvmsg");
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
            if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
                int k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
                nfds += k;
                if (fd < 0 && k > 0)
                    memcpy(&fd, CMSG_DATA(cm), sizeof fd);
            }
        }
        if (n == 0 || len + (size_t)n >= sizeof buf - 1)
            break;
        len += (size_t)n;
    }
    close(cs);
    buf[len] = '\0';

    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    FILE *f = fopen(tmp, "w");
    if (!f)
        die("open output");
    fprintf(f, "%s\n", buf);
    fclose(f);
    snprintf(tmp, sizeof tmp, "%s.fd", out);
    f = fopen(tmp, "w");
    if (!f)
        die("open output");
    char link[64], target[256] = "";
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t tl = fd >= 0 ? readlink(link, target, sizeof target - 1) : -1;
    target[tl > 0 ? tl : 0] = '\0';
    fprintf(f, "fds=%d target=%s\n", nfds, target);
    fclose(f);
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    if (rename(tmp, out) < 0)
        die("rename output");
    if (fd < 0)
        return 1;

    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            die("poll");
        }
        if (!(p.revents & POLLIN) && (p.revents & (POLLHUP | POLLERR | POLLNVAL)))
            return 0; /* every process using the filter is gone */
        struct seccomp_notif req;
        memset(&req, 0, sizeof req);
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
            if (errno == EINTR || errno == ENOENT)
                continue;
            die("SECCOMP_IOCTL_NOTIF_RECV");
        }
        struct seccomp_notif_resp resp = { .id = req.id };
        if (req.data.nr == SYS_getppid)
            resp.val = 4242;
        else
            resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
            die("SECCOMP_IOCTL_NOTIF_SEND");
    }
}

/* A call of the i386 ABI from a 64-bit process: seccomp sees it with
 * AUDIT_ARCH_I386. */
static int do_sys32(const char *nr_s)
{
#if defined(__x86_64__)
    long nr = strtol(nr_s, NULL, 0), ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr) : "memory", "r8", "r9", "r10", "r11");
    if (ret < 0 && ret > -4096)
        printf("errno=%ld\n", -ret);
    else
        printf("ret=%ld\n", ret);
    return 0;
#else
    (void)nr_s;
    printf("unsupported\n");
    return 3;
#endif
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc >= 3 && strcmp(argv[1], "sys") == 0)
        return do_sys(argc - 2, argv + 2);
    if (argc == 3 && strcmp(argv[1], "clone") == 0)
        return do_clone(argv[2]);
    if (argc == 2 && strcmp(argv[1], "status") == 0)
        return do_status();
    if (argc == 3 && strcmp(argv[1], "sys32") == 0)
        return do_sys32(argv[2]);
    if (argc == 4 && strcmp(argv[1], "agent") == 0)
        return do_agent(argv[2], argv[3]);
    fprintf(stderr, "usage: seccomp-probe sys NAME|NR [ARG...] | sys32 NR | clone FLAGS | status | agent SOCKET OUT\n");
    return 2;
}
