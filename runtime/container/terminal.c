/* brig: the container's terminal: a pty from the container's devpts, its
 * master handed to a console socket or relayed in the foreground (see
 * include/brig/terminal.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/internal.h"
#include "brig/mounts.h"
#include "brig/sync.h"
#include "brig/terminal.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* --- in the container ---------------------------------------------------- */

/* The peer of MASTER, opened through the master itself so that no path in
 * the container (which its owner controls) is looked up; ptsname for old
 * kernels. */
static int open_peer(int master)
{
    int fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd >= 0)
        return fd;
    if (errno != EINVAL && errno != ENOTTY)
        return brig_fail(errno, "terminal: open the pty peer");
    char name[64];
    if (ptsname_r(master, name, sizeof name) != 0)
        return brig_fail(errno, "terminal: ptsname");
    fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return brig_fail(errno, "terminal: open %s", name);
    return fd;
}

/* /dev/console is the container's pty (runtime-spec, default devices): a
 * bind mount of the pty we opened, taken from its fd and put on an fd of
 * the mount point opened without following links -- never a path the
 * container could have swapped for a symlink (CVE-2025-52565).  The mount
 * point is made in /dev when missing; an existing /dev/console that is a
 * symlink or anything but a file or device node is the image's own and is
 * left alone (nothing is mounted). */
static int bind_console(int pty)
{
    cleanup_fd int dev = open("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dev < 0)
        return brig_fail(errno, "terminal: open /dev");
    int fd = openat(dev, "console", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0)
        close(fd);
    else if (errno == EROFS) {
        brig_debug("terminal: no /dev/console: /dev is read-only");
        return 0;
    } else if (errno != EEXIST) {
        return brig_fail(errno, "terminal: create /dev/console");
    }
    cleanup_fd int target = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (target < 0 || fstat(target, &st) < 0)
        return brig_fail(errno, "terminal: open /dev/console");
    if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
        brig_debug("terminal: /dev/console in the image is not a file or device: left alone");
        return 0;
    }
    if (brig_bind_at("the pty", pty, -1, "/dev/console", target, false, 0, 0) < 0)
        return brig_fail_ctx("terminal");
    return 0;
}

int brig_terminal_setup(int sync_fd, const struct brig_process *p, bool console)
{
    /* /dev/ptmx is the container's (a link to pts/ptmx normally): the pty
     * belongs to the container's devpts instance, not the host's. */
    cleanup_fd int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 && errno == ENOENT)
        master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        return brig_fail(errno, "terminal: open /dev/ptmx in the container");
    if (unlockpt(master) < 0)
        return brig_fail(errno, "terminal: unlockpt");
    cleanup_fd int slave = open_peer(master);
    if (slave < 0)
        return -1;
    if (p->has_console_size) {
        struct winsize ws = {.ws_row = (unsigned short)p->console_height,
                             .ws_col = (unsigned short)p->console_width};
        if (ioctl(master, TIOCSWINSZ, &ws) < 0)
            return brig_fail(errno, "process.consoleSize: set the terminal size");
    }
    /* The process may open /dev/tty and change its modes: the terminal is
     * its user's, as on a login; the group stays devpts' (tty, gid=5 in
     * the usual mount options), as with runc. */
    if (fchown(slave, p->user.uid, (gid_t)-1) < 0 && errno != EINVAL)
        return brig_fail(errno, "terminal: chown the pty to uid %u", p->user.uid);

    if (console && bind_console(slave) < 0)
        return -1;
    char name[64] = "/dev/ptmx";
    if (ptsname_r(master, name, sizeof name) != 0)
        snprintf(name, sizeof name, "/dev/ptmx");
    /* Wait until the runtime has the master (and, relaying, has given it
     * the host terminal's size): the program may ask for its size at once. */
    if (brig_sync_send(sync_fd, BRIG_SYNC_PTY, 0, name, master) < 0 ||
        brig_sync_expect(sync_fd, BRIG_SYNC_HOOKS_DONE, NULL, NULL) < 0)
        return -1;
    for (int fd = 0; fd < 3; fd++)
        if (dup2(slave, fd) < 0)
            return brig_fail(errno, "terminal: make the pty fd %d", fd);
    if (ioctl(0, TIOCSCTTY, 0) < 0)
        return brig_fail(errno, "terminal: make the pty the controlling terminal");
    return 0;
}

/* --- in the runtime ------------------------------------------------------ */

int brig_console_socket_send(const char *path, int master)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path)
        return brig_fail(ENAMETOOLONG, "--console-socket %s", path);
    memcpy(addr.sun_path, path, strlen(path) + 1);
    cleanup_fd int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return brig_fail(errno, "--console-socket: socket");
    int r;
    do {
        r = connect(s, (struct sockaddr *)&addr, sizeof addr);
    } while (r < 0 && errno == EINTR);
    if (r < 0)
        return brig_fail(errno, "--console-socket: connect to %s", path);
    /* As runc: the payload is the file's name, the fd rides along. */
    static const char name[] = "/dev/ptmx";
    struct iovec iov = {.iov_base = (void *)name, .iov_len = sizeof name - 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                         .msg_controllen = sizeof u.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &master, sizeof master);
    ssize_t n;
    do {
        n = sendmsg(s, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return brig_fail(errno, "--console-socket: send the terminal to %s", path);
    return 0;
}

static void copy_winsize(int from, int to);

int brig_terminal_deliver(int master, const char *console_socket, int *keep)
{
    if (master < 0)
        return brig_fail(0, "terminal: no pty received from the container");
    if (console_socket) {
        int r = brig_console_socket_send(console_socket, master);
        close(master);
        return r;
    }
    if (keep) {
        /* Relayed by brig (run, exec in the foreground) into a file or a
         * pipe: clear ONLCR, so the container's "\n" is logged as "\n" and
         * not "\r\n".  Onto a terminal (put in raw mode by the relay) the
         * "\r" is needed for the display and stays.  A console socket's
         * receiver chooses for itself, as with runc. */
        struct termios tio;
        if (!isatty(STDOUT_FILENO) && tcgetattr(master, &tio) == 0 && (tio.c_oflag & ONLCR)) {
            tio.c_oflag &= ~(tcflag_t)ONLCR;
            if (tcsetattr(master, TCSANOW, &tio) < 0) {
                close(master);
                return brig_fail(errno, "terminal: clear ONLCR");
            }
        }
        if (*keep >= 0)
            close(*keep);
        *keep = master;
        int host_tty = isatty(STDIN_FILENO) ? STDIN_FILENO : (isatty(STDOUT_FILENO) ? STDOUT_FILENO : -1);
        if (host_tty >= 0)
            copy_winsize(host_tty, master);
        return 0;
    }
    close(master);
    return brig_fail(0, "process.terminal is true but no --console-socket was given");
}

void brig_forwarded_signals(sigset_t *set)
{
    static const int sigs[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
                               SIGWINCH, SIGCONT, SIGALRM, SIGPIPE, SIGTSTP};
    sigemptyset(set);
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(sigs); i++)
        sigaddset(set, sigs[i]);
    sigaddset(set, SIGCHLD);
}

/* 0 while PID runs; 1 with *status set once it has exited. */
static int reap(pid_t pid, int *status)
{
    int st;
    pid_t r;
    do {
        r = waitpid(pid, &st, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        brig_fail(errno, "wait for process %d", (int)pid);
        *status = 255;
        return 1;
    }
    if (r == 0)
        return 0;
    if (WIFEXITED(st))
        *status = WEXITSTATUS(st);
    else if (WIFSIGNALED(st))
        *status = 128 + WTERMSIG(st);
    else
        return 0;
    return 1;
}

int brig_wait_forward(pid_t pid, const sigset_t *set)
{
    for (;;) {
        int status;
        if (reap(pid, &status))
            return status;
        siginfo_t si;
        int sig = sigwaitinfo(set, &si);
        if (sig < 0 || sig == SIGCHLD)
            continue;
        kill(pid, sig);
    }
}

static void copy_winsize(int from, int to)
{
    struct winsize ws;
    if (ioctl(from, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
        ioctl(to, TIOCSWINSZ, &ws);
}

/* Copy what is readable from IN to OUT.  Returns -1 at EOF or error. */
static int pump(int in, int out)
{
    char buf[8192];
    ssize_t n;
    do {
        n = read(in, buf, sizeof buf);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN)
        return 0;
    if (n <= 0)
        return -1; /* EIO on the master: every slave fd is closed */
    if (brig_write_all(out, buf, (size_t)n) < 0)
        return -1;
    return 0;
}

static struct termios saved_tio;
static bool tio_saved;

static void restore_tty(void)
{
    if (tio_saved) {
        tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_tio);
        tio_saved = false;
    }
}

int brig_terminal_relay(int master, pid_t pid, const sigset_t *set)
{
    cleanup_fd int sfd = signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) {
        brig_fail(errno, "signalfd");
        kill(pid, SIGKILL);
        int st;
        while (!reap(pid, &st))
            usleep(1000);
        return 255;
    }
    int host_tty = isatty(STDIN_FILENO) ? STDIN_FILENO : (isatty(STDOUT_FILENO) ? STDOUT_FILENO : -1);
    if (host_tty >= 0)
        copy_winsize(host_tty, master);
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_tio) == 0) {
        /* Raw: keys (^C included) go to the container's terminal, which
         * does its own line discipline. */
        struct termios raw = saved_tio;
        cfmakeraw(&raw);
        if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0) {
            tio_saved = true;
            atexit(restore_tty);
        }
    }
    int fl = fcntl(master, F_GETFL);
    if (fl >= 0)
        fcntl(master, F_SETFL, fl | O_NONBLOCK);

    int status = 0;
    bool exited = false, stdin_open = true, master_open = true;
    while (!exited) {
        struct pollfd p[3] = {
            {.fd = sfd, .events = POLLIN},
            {.fd = master_open ? master : -1, .events = POLLIN},
            {.fd = stdin_open && master_open ? STDIN_FILENO : -1, .events = POLLIN},
        };
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            brig_fail(errno, "terminal: poll");
            break;
        }
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (pump(master, STDOUT_FILENO) < 0)
                master_open = false; /* wait for the exit alone */
        }
        if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (pump(STDIN_FILENO, master) < 0)
                stdin_open = false;
        }
        if (p[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
                int sig = (int)si.ssi_signo;
                if (sig == SIGCHLD)
                    continue;
                if (sig == SIGWINCH) {
                    /* The kernel signals the foreground group itself. */
                    if (host_tty >= 0)
                        copy_winsize(host_tty, master);
                    continue;
                }
                kill(pid, sig);
            }
            exited = reap(pid, &status);
        }
    }
    /* What the process wrote just before it exited. */
    while (master_open && pump(master, STDOUT_FILENO) == 0) {
        struct pollfd p = {.fd = master, .events = POLLIN};
        if (poll(&p, 1, 0) <= 0)
            break;
    }
    restore_tty();
    return status;
}
