/* Helper modes of the probe for the bench's multi-step scenarios
 * (tests/security/isolation-bench, "environment" and "multi" suites).
 * Each prints one JSON line and never harms what it finds:
 *
 *   probe --watch-exe SECONDS   watch the container's /proc for a process
 *       whose executable is neither the probe nor busybox (a runtime
 *       re-entered through "#!/proc/self/exe --log=FIFO", waiting for the
 *       FIFO's reader, or the runtime's own exec helper), keep that file
 *       open read-only, let the runtime go and, once nothing executes
 *       it any more, try to open it again FOR WRITING through
 *       /proc/self/fd (CVE-2019-5736).  Nothing is ever written.
 *   probe --watch-init SECONDS   the same for the container's init only
 *       (a runtime re-entered by the init's own execve).
 *   probe --fill-sigqueue SECONDS   block every signal and queue real-time
 *       signals to itself until the kernel refuses (the per-uid
 *       RLIMIT_SIGPENDING budget is spent), then wait SECONDS.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "probe.h"

/* The re-entered runtime's --log (see isolation-bench's /evil): opening it
 * for writing waits for a reader, which holds the runtime still. */
#define WATCH_FIFO "/ibench-log"

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* JSON-safe copy of a path (links can hold anything). */
static void json_str(char *out, size_t size, const char *in)
{
    size_t o = 0;

    for (; *in && o + 7 < size; in++) {
        unsigned char ch = (unsigned char)*in;
        if (ch == '"' || ch == '\\')
            o += (size_t)snprintf(out + o, size - o, "\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f)
            o += (size_t)snprintf(out + o, size - o, "\\u%04x", ch);
        else
            out[o++] = (char)ch;
    }
    out[o] = '\0';
}

/* Let a runtime blocked opening its --log FIFO go on: open the reading
 * end without waiting and drain what it wrote. */
static void release_fifo(void)
{
    char buf[4096];
    int f = open(WATCH_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

    if (f < 0)
        return;
    nap_ms(5);
    while (read(f, buf, sizeof buf) > 0)
        ;
    close(f);
}

/* How writable the file behind fd is: a read-only mount, write seals. */
static void fd_guards(int fd, char *out, size_t size)
{
    struct statvfs sv;
    int seals = fcntl(fd, F_GET_SEALS);

    snprintf(out, size, "\"ro_mount\":%s,\"seals\":%d",
             fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY) ? "true" : "false", seals < 0 ? 0 : seals);
}

static int watch_exe(unsigned seconds, bool init_only)
{
    char guards[64];
    struct stat self, bb, st;
    char path[64], link[512], jlink[1024];
    double end = now() + seconds, next_release = now() + 2;
    unsigned long denied = 0;
    int fd = -1, e = 0, wfd;
    long pid = 0;
    ssize_t n;

    if (stat("/proc/self/exe", &self) < 0 || stat("/bin/busybox", &bb) < 0) {
        printf("{\"caught\":false,\"error\":\"stat of the probe or busybox: %s\"}\n", strerror(errno));
        return 1;
    }
    printf("{\"watching\":true,\"pid\":%d}\n", (int)getpid());
    /* Catch it: a loop over the (few) pids of our namespace.  A runtime
     * that went on to open its log waits in open() for us. */
    while (fd < 0 && now() < end) {
        DIR *d = opendir("/proc");
        struct dirent *de;

        if (!d) {
            printf("{\"caught\":false,\"error\":\"opendir /proc: %s\"}\n", strerror(errno));
            return 1;
        }
        while (fd < 0 && (de = readdir(d))) {
            char *endp;
            long p = strtol(de->d_name, &endp, 10);

            if (*endp || p <= 0 || p == (long)getpid() || (init_only && p != 1))
                continue;
            snprintf(path, sizeof path, "/proc/%ld/exe", p);
            int f = open(path, O_RDONLY | O_CLOEXEC);
            if (f < 0) {
                if (errno == EACCES || errno == EPERM)
                    denied++;
                continue;
            }
            if (fstat(f, &st) == 0 && !same_file(&st, &self) && !same_file(&st, &bb)) {
                fd = f;
                pid = p;
                n = readlink(path, link, sizeof link - 1);
                link[n > 0 ? n : 0] = '\0';
            } else {
                close(f);
            }
        }
        closedir(d);
        if (fd < 0 && now() > next_release) {
            /* Nothing we may open: let whatever waits go, and try again. */
            release_fifo();
            printf("{\"released\":true,\"denied\":%lu}\n", denied);
            next_release = now() + 2;
        }
    }
    if (fd < 0) {
        printf("{\"caught\":false,\"denied\":%lu}\n", denied);
        return 0;
    }
    json_str(jlink, sizeof jlink, link);
    fd_guards(fd, guards, sizeof guards);
    /* Said before the runtime is let go: when it is the container's init,
     * its exit ends us too. */
    printf("{\"got\":true,\"pid\":%ld,\"link\":\"%s\",\"dev\":%llu,\"ino\":%llu,%s}\n", pid, jlink,
           (unsigned long long)st.st_dev, (unsigned long long)st.st_ino, guards);
    /* Reopen it for writing once nothing runs it any more (ETXTBSY until
     * then): the moment CVE-2019-5736 overwrote runc.  Never written. */
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    do {
        release_fifo();
        wfd = open(path, O_WRONLY | O_CLOEXEC);
        e = wfd < 0 ? errno : 0;
        if (wfd >= 0)
            close(wfd);
        if (e == ETXTBSY)
            nap_ms(20);
    } while (e == ETXTBSY && now() < end);
    printf("{\"caught\":true,\"pid\":%ld,\"link\":\"%s\",\"dev\":%llu,\"ino\":%llu,%s,"
           "\"write_open\":%s,\"errno\":%d,\"errname\":\"%s\"}\n",
           pid, jlink, (unsigned long long)st.st_dev, (unsigned long long)st.st_ino, guards,
           e == 0 ? "true" : "false", e, e ? strerrorname_np(e) : "");
    return 0;
}

static int fill_sigqueue(unsigned seconds)
{
    sigset_t all;
    union sigval v = { .sival_int = 0 };
    unsigned long queued = 0;
    int e = 0;

    sigfillset(&all);
    if (sigprocmask(SIG_BLOCK, &all, NULL) < 0) {
        printf("{\"queued\":0,\"error\":\"sigprocmask: %s\"}\n", strerror(errno));
        return 1;
    }
    /* Bounded: far above any default RLIMIT_SIGPENDING. */
    while (queued < 10000000UL) {
        if (sigqueue(getpid(), SIGRTMIN + (int)(queued % 8), v) < 0) {
            e = errno;
            break;
        }
        queued++;
    }
    printf("{\"queued\":%lu,\"errno\":%d,\"errname\":\"%s\"}\n", queued, e, e ? strerrorname_np(e) : "");
    fflush(stdout);
    nap_ms((long)seconds * 1000);
    return 0;
}

/* Returns -1 when argv names no helper mode. */
int helper_main(int argc, char **argv)
{
    if (argc != 3)
        return -1;
    char *end;
    long s = strtol(argv[2], &end, 10);
    if (*end || s < 1 || s > 3600)
        return -1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(argv[1], "--watch-exe") == 0)
        return watch_exe((unsigned)s, false);
    if (strcmp(argv[1], "--watch-init") == 0)
        return watch_exe((unsigned)s, true);
    if (strcmp(argv[1], "--fill-sigqueue") == 0)
        return fill_sigqueue((unsigned)s);
    return -1;
}
