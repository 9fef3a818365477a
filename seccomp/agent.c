/* brig: the seccomp agent's loop.
 *
 * A unix socket at --socket takes one connection per container, as the
 * runtime spec's listenerPath describes: the "container process state"
 * JSON (its "fds" array names "seccompFd"; "state" is the OCI state, with
 * the container's id) with the listener fd as SCM_RIGHTS.  Each listener
 * then joins a poll() loop: every trapped call is received, answered by the
 * rules (errno, or continue), and written as one JSON line.
 *
 * The agent never blocks a container for long: answers are computed from
 * the notification alone (and, for connect, the address read through
 * /proc/PID/mem, re-validated with NOTIF_ID_VALID before use).  If the
 * agent dies, the kernel fails every trapped call with ENOSYS. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "brig/agent.h"
#include "brig/brig.h"
#include "brig/internal.h"
#include "brig/json.h"
#include "seccomp_internal.h"

#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0)
#endif

/* How much a runtime may send with its fd: the state JSON is small. */
#define MAX_MESSAGE (256 * 1024)
#define MAX_LISTENERS 4096

struct listener {
    int fd;
    char *id; /* the container's, from the state */
    long long pid;
};

static volatile sig_atomic_t stop;
static void on_stop(int sig)
{
    (void)sig;
    stop = 1;
}

/* ---- receiving a listener ---- */

/* Read the whole message (the runtime closes after sending) and the fds
 * that came with it. */
static int receive(int conn, char **msg, int *fds, size_t *n_fds, size_t max_fds)
{
    size_t cap = 4096, len = 0;
    char *buf = brig_xmalloc(cap);
    *n_fds = 0;
    for (;;) {
        if (len + 1 >= cap) {
            if (cap >= MAX_MESSAGE) {
                free(buf);
                return brig_fail(EMSGSIZE, "message over %d bytes", MAX_MESSAGE);
            }
            cap *= 2;
            buf = brig_xrealloc(buf, cap);
        }
        union {
            char b[CMSG_SPACE(sizeof(int) * 16)];
            struct cmsghdr align;
        } ctl;
        struct iovec iov = {.iov_base = buf + len, .iov_len = cap - len - 1};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof ctl.b};
        ssize_t r = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            return brig_fail(e, "receive");
        }
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
            if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
                continue;
            size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < k; i++) {
                int fd;
                memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
                if (*n_fds < max_fds)
                    fds[(*n_fds)++] = fd;
                else
                    close(fd);
            }
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    buf[len] = '\0';
    *msg = buf;
    return 0;
}

/* Accept one runtime's connection: the listener fd and who it is for. */
static int accept_listener(int sock, struct listener *out)
{
    cleanup_fd int conn = accept4(sock, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0)
        return brig_fail(errno, "accept");
    /* A runtime sends at once; a peer that does not is not waited for. */
    struct timeval tv = {.tv_sec = 5};
    if (setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
        return brig_fail(errno, "setsockopt");
    int fds[16];
    size_t n_fds = 0;
    cleanup_free char *msg = NULL;
    if (receive(conn, &msg, fds, &n_fds, BRIG_ARRAY_SIZE(fds)) < 0)
        return -1;
    int keep = -1;
    char *id = NULL;
    long long pid = 0;
    int r = brig_agent_parse_state(msg, n_fds, &keep, &id, &pid);
    if (r == 0) {
        out->fd = fds[keep];
        out->id = id;
        out->pid = pid;
    }
    for (size_t i = 0; i < n_fds; i++)
        if ((int)i != keep || r < 0)
            close(fds[i]);
    return r;
}

/* ---- answering a call ---- */

/* connect's address, read from the caller's memory; false when it cannot
 * be read (the caller is gone, or the pointer is bad). */
static bool read_sockaddr(int listener, const struct seccomp_notif *n, struct sockaddr_storage *sa, size_t *len)
{
    uint64_t ptr = n->data.args[1], want = n->data.args[2];
    if (want == 0)
        return false;
    if (want > sizeof *sa)
        want = sizeof *sa;
    char path[64];
    snprintf(path, sizeof path, "/proc/%u/mem", n->pid);
    cleanup_fd int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    /* The pid must still be the trapped thread: checked after the open. */
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &n->id) < 0)
        return false;
    ssize_t r = pread(fd, sa, (size_t)want, (off_t)ptr);
    if (r <= 0)
        return false;
    *len = (size_t)r;
    return true;
}

static void describe_dest(const struct sockaddr_storage *sa, size_t len, char *out, size_t size)
{
    char a[INET6_ADDRSTRLEN] = "";
    if (sa->ss_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *s4 = (const void *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
        snprintf(out, size, "%s:%u", a, ntohs(s4->sin_port));
    } else if (sa->ss_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *s6 = (const void *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
        snprintf(out, size, "[%s]:%u", a, ntohs(s6->sin6_port));
    } else if (sa->ss_family == AF_UNIX) {
        const struct sockaddr_un *su = (const void *)sa;
        size_t n = len > offsetof(struct sockaddr_un, sun_path) ? len - offsetof(struct sockaddr_un, sun_path) : 0;
        if (n && su->sun_path[0] == '\0')
            snprintf(out, size, "unix:@%.*s", (int)strnlen(su->sun_path + 1, n - 1), su->sun_path + 1);
        else
            snprintf(out, size, "unix:%.*s", (int)strnlen(su->sun_path, n), su->sun_path);
    } else {
        snprintf(out, size, "family %u", (unsigned)sa->ss_family);
    }
}

static void write_event(int out, const struct listener *l, const struct seccomp_notif *n, const char *name,
                        const char *verdict, int err, bool alert, const char *detail)
{
    yajl_gen g = brig_json_gen_new(false);
    if (!g)
        return;
    cleanup_free char *now = brig_now_rfc3339();
    yajl_gen_map_open(g);
    brig_json_key_str(g, "time", now);
    brig_json_key_str(g, "id", l->id);
    brig_json_key_int(g, "pid", (long long)n->pid);
    brig_json_key_str(g, "syscall", name);
    brig_json_key(g, "arch");
    char arch[16];
    snprintf(arch, sizeof arch, "0x%08x", n->data.arch);
    brig_json_str(g, arch);
    brig_json_key(g, "args");
    yajl_gen_array_open(g);
    for (int i = 0; i < 6; i++) {
        char a[24];
        snprintf(a, sizeof a, "0x%llx", (unsigned long long)n->data.args[i]);
        brig_json_str(g, a);
    }
    yajl_gen_array_close(g);
    brig_json_key_str(g, "verdict", verdict);
    if (err) {
        const char *en = strerrorname_np(err);
        brig_json_key_str(g, "errno", en ? en : "?");
    }
    brig_json_key_bool(g, "alert", alert);
    if (detail)
        brig_json_key_str(g, "detail", detail);
    yajl_gen_map_close(g);
    char *line = brig_json_gen_finish(g);
    if (!line)
        return;
    size_t len = strlen(line);
    line[len] = '\n';
    /* One write per line: concurrent agents appending to one file do not
     * interleave (O_APPEND). */
    if (brig_write_all(out, line, len + 1) < 0) {
        /* nowhere to say it */
    }
    free(line);
}

/* Receive and answer one trapped call; -1 when the listener is done. */
static int handle(int out, const struct brig_agent_rules *rules, const struct listener *l, struct seccomp_notif *n,
                  struct seccomp_notif_resp *resp, size_t n_size, size_t resp_size)
{
    memset(n, 0, n_size);
    if (ioctl(l->fd, SECCOMP_IOCTL_NOTIF_RECV, n) < 0)
        return errno == EINTR || errno == ENOENT ? 0 : -1;
    char *name = seccomp_syscall_resolve_num_arch(n->data.arch, n->data.nr);
    char numname[32];
    if (!name)
        snprintf(numname, sizeof numname, "syscall_%d", n->data.nr);
    const char *sname = name ? name : numname;
    const struct brig_agent_rule *rule = brig_agent_rule_for(rules, sname);
    enum brig_agent_action act = rule ? rule->action : rules->default_action;
    int err = rule ? rule->errno_ret : rules->default_errno;
    bool alert = true;
    char detail[160] = "";
    if (strcmp(sname, "connect") == 0) {
        struct sockaddr_storage sa;
        size_t len = 0;
        memset(&sa, 0, sizeof sa);
        if (read_sockaddr(l->fd, n, &sa, &len)) {
            describe_dest(&sa, len, detail, sizeof detail);
            if (brig_agent_dest_allowed(rule, (struct sockaddr *)&sa, len)) {
                act = BRIG_AGENT_CONTINUE;
                alert = false;
            }
        } else {
            snprintf(detail, sizeof detail, "address unreadable");
        }
    }
    memset(resp, 0, resp_size);
    resp->id = n->id;
    if (act == BRIG_AGENT_CONTINUE) {
        resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        err = 0;
    } else {
        resp->error = -err;
    }
    /* ENOENT: the caller went away (a signal); nothing to answer. */
    if (ioctl(l->fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
        brig_warn("seccomp-agent: answer %s of container %s: %s", sname, l->id, strerror(errno));
    write_event(out, l, n, sname, act == BRIG_AGENT_CONTINUE ? "continue" : "errno", err, alert,
                *detail ? detail : NULL);
    free(name);
    return 0;
}

/* ---- the loop ---- */

static int listen_at(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path)
        return brig_fail(ENAMETOOLONG, "--socket %s", path);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return brig_fail(errno, "socket");
    /* A stale socket from an agent that died is replaced; anything else
     * at the path is not. */
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) && unlink(path) < 0) {
        close(s);
        return brig_fail(errno, "remove stale socket %s", path);
    }
    /* Only the owner (the runtime runs as the same user) may connect. */
    mode_t old = umask(0077);
    int r = bind(s, (struct sockaddr *)&sa, sizeof sa);
    int e = errno;
    umask(old);
    if (r < 0 || listen(s, 64) < 0) {
        if (r == 0)
            e = errno;
        close(s);
        return brig_fail(e, "listen on %s", path);
    }
    return s;
}

int brig_agent_serve(const struct brig_agent_opts *o)
{
    cleanup_free struct seccomp_notif *n = NULL;
    cleanup_free struct seccomp_notif_resp *resp = NULL;
    size_t n_size, r_size;
    if (brig_seccomp_notif_alloc(&n, &n_size, &resp, &r_size) < 0)
        return -1;

    struct sigaction sa = {.sa_handler = on_stop};
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
        return brig_fail(errno, "sigaction");
    signal(SIGPIPE, SIG_IGN);

    int sock = listen_at(o->socket_path);
    if (sock < 0)
        return -1;
    size_t cap = 16, nl = 0;
    struct listener *ls = brig_xcalloc(cap, sizeof *ls);
    struct pollfd *pfd = brig_xcalloc(cap + 1, sizeof *pfd);
    int rc = 0;
    while (!stop) {
        pfd[0] = (struct pollfd){.fd = sock, .events = POLLIN};
        for (size_t i = 0; i < nl; i++)
            pfd[i + 1] = (struct pollfd){.fd = ls[i].fd, .events = POLLIN};
        int r = poll(pfd, nl + 1, -1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = brig_fail(errno, "poll");
            break;
        }
        if (pfd[0].revents & POLLIN) {
            struct listener l = {.fd = -1};
            if (accept_listener(sock, &l) < 0) {
                brig_warn("seccomp-agent: %s", brig_last_error());
                brig_clear_error();
            } else if (nl >= MAX_LISTENERS) {
                brig_warn("seccomp-agent: %d containers already: container %s is not watched", MAX_LISTENERS, l.id);
                close(l.fd);
                free(l.id);
            } else {
                if (nl == cap) {
                    cap *= 2;
                    ls = brig_xrealloc(ls, cap * sizeof *ls);
                    pfd = brig_xrealloc(pfd, (cap + 1) * sizeof *pfd);
                }
                brig_debug("seccomp-agent: watching container %s (pid %lld)", l.id, l.pid);
                ls[nl++] = l;
            }
            continue; /* pfd[] no longer matches ls[] */
        }
        for (size_t i = nl; i-- > 0;) {
            short ev = pfd[i + 1].revents;
            if (!ev)
                continue;
            bool done = false;
            if (ev & POLLIN)
                done = handle(o->out_fd, o->rules, &ls[i], n, resp, n_size, r_size) < 0;
            /* POLLHUP: every process of the filter is gone. */
            if (done || (ev & (POLLHUP | POLLERR | POLLNVAL) && !(ev & POLLIN))) {
                brig_debug("seccomp-agent: container %s: no process left in the filter", ls[i].id);
                close(ls[i].fd);
                free(ls[i].id);
                ls[i] = ls[--nl];
            }
        }
    }
    for (size_t i = 0; i < nl; i++) {
        close(ls[i].fd);
        free(ls[i].id);
    }
    free(ls);
    free(pfd);
    close(sock);
    if (unlink(o->socket_path) < 0 && errno != ENOENT && rc == 0)
        rc = brig_fail(errno, "remove %s", o->socket_path);
    return rc;
}
