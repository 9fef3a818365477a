/* brig isolation probe: run inside a container, try each known way out.
 *
 * Every probe runs in a child process of its own (so a probe that seccomp
 * kills, or that hangs, cannot take the others down) and the parent prints
 * one JSON line per probe:
 *
 *   {"probe":"mount","tried":"...","result":"blocked","blocked":true,
 *    "errno":1,"errname":"EPERM","detail":"..."}
 *
 * "result" is "blocked", "escaped" or "error"; with "error" (the probe could
 * not run, so it proves nothing) "blocked" is null.  A first line
 * {"start":...} and a last line {"done":...} let a reader notice a probe
 * binary that died half way.
 *
 * No probe may damage the host, even run there as root by mistake:
 * privileged calls get arguments that the kernel rejects only after its
 * permission check (EPERM = blocked, EINVAL = the call was let through),
 * files are opened for writing but never written, namespaces and mounts are
 * made in the probe's own short-lived child, and the fork bomb and the memory
 * hog are bounded.  tests/security/README.md documents every probe.
 *
 * Linked statically: it has to run in a bare busybox rootfs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "probe.h"

struct options opt = { 512, 256, 30, "/probe-suid-root", "/probe-suid-other" };
struct boot_state boot;

/* ---- helpers shared by the probes ---- */

void say(struct result *r, int verdict, int err, const char *fmt, ...)
{
    va_list ap;

    r->verdict = verdict;
    r->err = err;
    va_start(ap, fmt);
    vsnprintf(r->detail, sizeof r->detail, fmt, ap);
    va_end(ap);
}

/* Append to r->detail. */
void add(struct result *r, const char *fmt, ...)
{
    size_t n = strlen(r->detail);
    va_list ap;

    if (n + 1 >= sizeof r->detail)
        return;
    va_start(ap, fmt);
    vsnprintf(r->detail + n, sizeof r->detail - n, fmt, ap);
    va_end(ap);
}

void tried(struct result *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->tried, sizeof r->tried, fmt, ap);
    va_end(ap);
}

bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Errors that mean "not allowed" or "not there": seccomp's default errno,
 * a missing capability, a permission bit, a syscall the kernel lacks. */
bool refused(int e)
{
    return e == EPERM || e == EACCES || e == ENOSYS;
}

/* The usual verdict for a privileged call made with arguments the kernel
 * rejects only after checking permission: refused = blocked; success or a
 * later error (EINVAL, ENOENT, EBADF...) = the call got through. */
void judge_call(struct result *r, long ret, int e, const char *meaning)
{
    if (ret >= 0)
        say(r, V_ESCAPED, 0, "the call succeeded: %s", meaning);
    else if (refused(e))
        say(r, V_BLOCKED, e, "refused: %s", strerror(e));
    else
        say(r, V_ESCAPED, e, "passed the permission check, then failed harmlessly with %s: %s",
            strerrorname_np(e) ? strerrorname_np(e) : "?", meaning);
}

ssize_t write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(fd, p + done, len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        done += (size_t)n;
    }
    return (ssize_t)done;
}

ssize_t read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t done = 0;

    while (done < len) {
        ssize_t n = read(fd, p + done, len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

/* Read up to SIZE-1 bytes of PATH, NUL-terminated; -1 with errno. */
ssize_t slurp(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    ssize_t n;
    int e;

    if (fd < 0)
        return -1;
    n = read_all(fd, buf, size - 1);
    e = errno;
    close(fd);
    if (n < 0) {
        errno = e;
        return -1;
    }
    buf[n] = '\0';
    return n;
}

/* The value of "KEY:" in /proc/self/status, trimmed. */
bool status_field(const char *key, char *out, size_t outsz)
{
    static char buf[8192];
    size_t klen = strlen(key);
    char *line;

    if (slurp("/proc/self/status", buf, sizeof buf) < 0)
        return false;
    for (line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            const char *v = line + klen + 1;
            size_t n = 0;
            while (*v == ' ' || *v == '\t')
                v++;
            while (v[n] && v[n] != '\n' && n + 1 < outsz) {
                out[n] = v[n];
                n++;
            }
            out[n] = '\0';
            return true;
        }
    }
    errno = ENOENT;
    return false;
}

void appendf(char *buf, size_t size, const char *fmt, ...)
{
    size_t n = strlen(buf);
    va_list ap;

    if (n + 1 >= size)
        return;
    va_start(ap, fmt);
    vsnprintf(buf + n, size - n, fmt, ap);
    va_end(ap);
}


/* ---- start-up snapshot: inherited fds and cwd ---- */

/* Follow ".." from DIRFD until it stops moving.  Inside the container the
 * walk ends at our root (".." of the root is the root); a directory outside
 * ends at some other top.  Returns 1 outside, 0 inside, -1 on error. */
static int dir_outside(int dirfd)
{
    struct stat cur, up;
    int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);

    if (fd < 0)
        return -1;
    for (int i = 0; i < 4096; i++) {
        int parent;
        if (fstat(fd, &cur) < 0)
            break;
        if (same_file(&cur, &boot.root)) {
            close(fd);
            return 0;
        }
        parent = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (parent < 0)
            break;
        close(fd);
        fd = parent;
        if (fstat(fd, &up) < 0)
            break;
        if (same_file(&up, &cur)) {
            close(fd);
            return 1;
        }
    }
    close(fd);
    return -1;
}

/* Classify one inherited fd into boot.fds. */
static void check_fd(int fd, int *bad)
{
    struct result *r = &boot.fds;
    char path[64], link[256];
    const char *why = NULL;
    struct stat st;
    ssize_t n;

    if (fstat(fd, &st) < 0)
        return;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    n = readlink(path, link, sizeof link - 1);
    if (n < 0)
        snprintf(link, sizeof link, "?");
    else
        link[n] = '\0';
    if (S_ISDIR(st.st_mode) && dir_outside(fd) == 1)
        why = "directory outside the container";
    else if (fd > 2)
        why = "inherited beyond stdio";
    if (why && !(*bad)++)
        say(r, V_ESCAPED, 0, "leaked:");
    if (why || !*bad)
        add(r, " %d->%s%s%s%s", fd, link, why ? " (" : "", why ? why : "", why ? ")" : "");
}

static void snapshot_fds(void)
{
    struct result *r = &boot.fds;
    int fds[256], nfds = 0, bad = 0;
    DIR *d;
    struct dirent *de;

    tried(r, "inherited fds: only stdio, and no directory outside the container (CVE-2024-21626)");
    d = opendir("/proc/self/fd");
    if (d) {
        while ((de = readdir(d)) && nfds < (int)ARRAY_SIZE(fds)) {
            int fd = atoi(de->d_name);
            if (de->d_name[0] != '.' && fd != dirfd(d))
                fds[nfds++] = fd;
        }
        closedir(d);
    } else {
        /* No /proc (a bare chroot): ask each low fd number instead. */
        for (int fd = 0; fd < 1024 && nfds < (int)ARRAY_SIZE(fds); fd++)
            if (fcntl(fd, F_GETFD) >= 0)
                fds[nfds++] = fd;
    }
    say(r, V_BLOCKED, 0, "fds:");
    for (int i = 0; i < nfds; i++)
        check_fd(fds[i], &bad);
    if (!nfds)
        add(r, " none");
}

static void snapshot_cwd(void)
{
    struct result *r = &boot.cwd;
    char buf[PATH_MAX];
    long n;
    int fd, out;

    tried(r, "the starting cwd is inside the container (CVE-2024-21626)");
    n = syscall(SYS_getcwd, buf, sizeof buf);
    if (n < 0) {
        say(r, V_ESCAPED, errno, "getcwd fails (%s): the cwd is not reachable from /", strerror(errno));
        return;
    }
    if (buf[0] != '/') {
        say(r, V_ESCAPED, 0, "cwd is %s", buf);
        return;
    }
    fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        say(r, V_ERROR, errno, "open cwd %s: %s", buf, strerror(errno));
        return;
    }
    out = dir_outside(fd);
    close(fd);
    if (out == 1)
        say(r, V_ESCAPED, 0, "cwd %s lies outside the container root", buf);
    else if (out == 0)
        say(r, V_BLOCKED, 0, "cwd %s", buf);
    else
        say(r, V_ERROR, errno, "cannot walk up from cwd %s", buf);
}

/* ---- the driver ---- */

static const struct probe *const modules[] = { probes_kernel, probes_files };

#define FOR_EACH_PROBE(p) \
    for (size_t m_ = 0; m_ < ARRAY_SIZE(modules); m_++) \
        for (const struct probe *p = modules[m_]; p->name; p++)

static void json_str(char *out, size_t outsz, size_t *pos, const char *s)
{
    size_t n = *pos;

    if (n + 2 >= outsz)
        return;
    out[n++] = '"';
    for (; *s && n + 8 < outsz; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            n += (size_t)snprintf(out + n, outsz - n, "\\u%04x", c);
        } else {
            out[n++] = (char)c;
        }
    }
    out[n++] = '"';
    *pos = n;
}

static void emit(const char *name, const struct result *r)
{
    static const char *const words[] = { "error", "escaped", "blocked" };
    char line[8192];
    size_t n = 0;
    const char *en = r->err ? strerrorname_np(r->err) : NULL;

    n += (size_t)snprintf(line + n, sizeof line - n, "{\"probe\":");
    json_str(line, sizeof line, &n, name);
    n += (size_t)snprintf(line + n, sizeof line - n, ",\"tried\":");
    json_str(line, sizeof line, &n, r->tried);
    n += (size_t)snprintf(line + n, sizeof line - n, ",\"result\":\"%s\",\"blocked\":%s,\"errno\":%d,\"errname\":",
                          words[r->verdict + 1],
                          r->verdict == V_ERROR ? "null" : r->verdict == V_BLOCKED ? "true" : "false", r->err);
    json_str(line, sizeof line, &n, en ? en : "");
    n += (size_t)snprintf(line + n, sizeof line - n, ",\"detail\":");
    json_str(line, sizeof line, &n, r->detail);
    n += (size_t)snprintf(line + n, sizeof line - n, "}\n");
    if (write_all(1, line, n) < 0)
        _exit(3);
}

/* Reap whatever a probe left behind (we are a subreaper), for up to ~2 s. */
static void reap_all(void)
{
    for (int i = 0; i < 100; i++) {
        pid_t p = waitpid(-1, NULL, WNOHANG);
        if (p > 0) {
            i = 0;
            continue;
        }
        if (p < 0 && errno == ECHILD)
            return;
        usleep(20000);
    }
}

static void run_probe(const struct probe *p)
{
    struct result r;
    siginfo_t si;
    int fds[2], status;
    ssize_t got;
    pid_t pid;

    memset(&r, 0, sizeof r);
    if (pipe2(fds, O_CLOEXEC) < 0) {
        say(&r, V_ERROR, errno, "pipe2: %s", strerror(errno));
        emit(p->name, &r);
        return;
    }
    pid = fork();
    if (pid < 0) {
        say(&r, V_ERROR, errno, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        emit(p->name, &r);
        return;
    }
    if (pid == 0) {
        struct result cr;
        close(fds[0]);
        /* Own process group, so leftovers can be killed as one. */
        if (setpgid(0, 0) < 0) {
            /* then only the child itself is killed on timeout */
        }
        alarm(opt.timeout);
        memset(&cr, 0, sizeof cr);
        say(&cr, V_ERROR, 0, "the probe gave no verdict");
        p->fn(&cr);
        _exit(write_all(fds[1], &cr, sizeof cr) < 0 ? 2 : 0);
    }
    close(fds[1]);
    got = read_all(fds[0], &r, sizeof r);
    close(fds[0]);
    /* Wait without reaping: the group id cannot be reused before we kill it. */
    memset(&si, 0, sizeof si);
    while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
        ;
    if (kill(-pid, SIGKILL) < 0 && errno != ESRCH) {
        /* the group is already gone */
    }
    status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    reap_all();
    if (got != (ssize_t)sizeof r) {
        memset(&r, 0, sizeof r);
        snprintf(r.tried, sizeof r.tried, "(probe %s)", p->name);
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
            say(&r, V_BLOCKED, 0, "the probe was killed by SIGSYS: seccomp refused a call");
        else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
            say(&r, V_ERROR, ETIMEDOUT, "timed out after %u s", opt.timeout);
        else if (WIFSIGNALED(status))
            say(&r, V_ERROR, 0, "the probe was killed by signal %d", WTERMSIG(status));
        else
            say(&r, V_ERROR, 0, "the probe exited with status %d without a verdict", WEXITSTATUS(status));
    }
    emit(p->name, &r);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: probe [--list] [--only NAME[,NAME...]] [--fork-max N] [--mem-max-mb N]\n"
            "             [--timeout S] [--suid-root PATH] [--suid-other PATH] [--chroot DIR]\n"
            "Run inside a container: tries each known way out, one JSON line per probe.\n"
            "--chroot DIR (self-test only) chroots without changing the cwd or closing\n"
            "fds first, the way a leaky runtime would start a container.\n");
}

static bool selected(const char *only, const char *name)
{
    size_t len = strlen(name);
    const char *p = only;

    if (!only)
        return true;
    while ((p = strstr(p, name))) {
        if ((p == only || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
            return true;
        p += len;
    }
    return false;
}

static long num_arg(const char *s, long min, long max)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max) {
        fprintf(stderr, "probe: bad number \"%s\" (%ld..%ld)\n", s, min, max);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "list", no_argument, NULL, 'l' },
        { "only", required_argument, NULL, 'o' },
        { "fork-max", required_argument, NULL, 'f' },
        { "mem-max-mb", required_argument, NULL, 'm' },
        { "timeout", required_argument, NULL, 't' },
        { "suid-root", required_argument, NULL, 'r' },
        { "suid-other", required_argument, NULL, 'u' },
        { "chroot", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *only = NULL, *newroot = NULL;
    bool list = false;
    int c, count = 0;
    char head[256];

    /* The setuid helper mode: report the ids the exec gave us, nothing else. */
    if (argc == 2 && strcmp(argv[1], "--print-ids") == 0) {
        printf("%u %u\n", (unsigned)geteuid(), (unsigned)getegid());
        return fflush(stdout) == 0 ? 0 : 1;
    }
    /* The bench's scenario helpers (probe_helpers.c). */
    if (argc == 3 && strncmp(argv[1], "--", 2) == 0 && (c = helper_main(argc, argv)) >= 0)
        return c;
    /* Option parsing opens no file, so the snapshot below still sees only
     * what the runtime left us. */
    while ((c = getopt_long(argc, argv, "lo:f:m:t:r:u:c:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'l': list = true; break;
        case 'o': only = optarg; break;
        case 'f': opt.fork_max = num_arg(optarg, 1, MAX_FORK); break;
        case 'm': opt.mem_max_mb = num_arg(optarg, 1, 65536); break;
        case 't': opt.timeout = (unsigned)num_arg(optarg, 1, 3600); break;
        case 'r': opt.suid_root = optarg; break;
        case 'u': opt.suid_other = optarg; break;
        case 'c': newroot = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (newroot && chroot(newroot) < 0) {
        fprintf(stderr, "probe: chroot %s: %s\n", newroot, strerror(errno));
        return 2;
    }
    boot.pid = getpid();
    boot.root_err = stat("/", &boot.root) < 0 ? errno : 0;
    snapshot_cwd();
    snapshot_fds();

    if (list) {
        FOR_EACH_PROBE(p)
            if (selected(only, p->name))
                printf("%s\n", p->name);
        return fflush(stdout) == 0 ? 0 : 1;
    }

    /* Orphans of a probe come back to us, to be reaped. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
        /* not fatal: orphans then go to the real init */
    }
    FOR_EACH_PROBE(p)
        count += selected(only, p->name);
    c = snprintf(head, sizeof head, "{\"start\":true,\"probes\":%d,\"pid\":%d,\"uid\":%u,\"gid\":%u}\n",
                 count, (int)boot.pid, (unsigned)getuid(), (unsigned)getgid());
    if (write_all(1, head, (size_t)c) < 0)
        return 3;
    FOR_EACH_PROBE(p)
        if (selected(only, p->name))
            run_probe(p);
    c = snprintf(head, sizeof head, "{\"done\":true,\"probes\":%d}\n", count);
    if (write_all(1, head, (size_t)c) < 0)
        return 3;
    return 0;
}
