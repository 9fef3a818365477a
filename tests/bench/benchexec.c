/* benchexec: runs commands for tests/bench/bench and measures each one.
 *
 * A long-lived helper, so that the measuring process is small and the
 * orchestrating script's own fork costs stay out of the figures.  It reads
 * one request per line on stdin:
 *
 *     FLAGS \t TIMEOUT_MS \t CWD \t ARG0 \t ARG1 ...
 *
 * FLAGS is "-" or "t" (trace: also report the runtime process's own peak
 * RSS, read from /proc/PID/status at its PTRACE_EVENT_EXIT stop; a
 * process that re-executes itself is measured in its last image); CWD is "-"
 * for the helper's own.  For each request it prints one line:
 *
 *     RC WALL_US UTIME_US STIME_US MAXRSS_KB SELF_HWM_KB ORPHAN_CPU_US ANON_KB FILE_KB
 *
 * RC is the exit status, 128+N when killed by signal N, -1 on timeout (the
 * command's process group is then killed).  UTIME/STIME and MAXRSS come from
 * wait4(): the command plus every descendant it waited for.  SELF_HWM_KB is
 * -1 unless traced (or when the exit stop was not seen).  The helper is a
 * child subreaper: processes a command leaves behind (a created container's
 * init) are reparented to it and reaped between requests; ORPHAN_CPU_US is
 * the CPU time of those reaped since the previous answer.  ANON_KB and
 * FILE_KB split the traced process's resident memory at its exit (anonymous
 * vs file-backed: binary, libraries), -1 unless traced.
 *
 * The command's stdout goes to /dev/null, its stderr to the file named by
 * argv[1] (truncated per request) so the script can show why it failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 256

static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
    (void) sig;
    timed_out = 1;
}

static long long now_us(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0) {
        perror("benchexec: clock_gettime");
        exit(2);
    }
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static long long tv_us(const struct timeval *tv)
{
    return tv->tv_sec * 1000000LL + tv->tv_usec;
}

struct mem {
    long hwm, anon, file; /* kB, -1 when unknown */
};

/* VmHWM, RssAnon and RssFile of PID. */
static void read_mem(pid_t pid, struct mem *m)
{
    char path[64], line[256];
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
    f = fopen(path, "re");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        long kb;
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1 && kb > m->hwm)
            m->hwm = kb;
        else if (sscanf(line, "RssAnon: %ld kB", &kb) == 1)
            m->anon = kb;
        else if (sscanf(line, "RssFile: %ld kB", &kb) == 1)
            m->file = kb;
    }
    fclose(f);
}

/* Reaps whatever was left to us; returns their CPU time in us. */
static long long reap_orphans(void)
{
    long long cpu = 0;
    struct rusage ru;
    int st;
    pid_t p;

    while ((p = wait4(-1, &st, WNOHANG | __WALL, &ru)) > 0)
        cpu += tv_us(&ru.ru_utime) + tv_us(&ru.ru_stime);
    return cpu;
}

static void child(const char *cwd, char **argv, const char *errfile, int trace)
{
    int fd;

    if (setpgid(0, 0) < 0)
        _exit(126);
    fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0)
        _exit(126);
    fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || dup2(fd, 2) < 0)
        _exit(126);
    if (cwd && chdir(cwd) < 0) {
        dprintf(2, "benchexec: chdir %s: %s\n", cwd, strerror(errno));
        _exit(126);
    }
    if (trace && ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0) {
        dprintf(2, "benchexec: PTRACE_TRACEME: %s\n", strerror(errno));
        _exit(126);
    }
    signal(SIGPIPE, SIG_DFL);
    execvp(argv[0], argv);
    dprintf(2, "benchexec: exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* Waits for PID, following ptrace stops when traced. */
static int wait_cmd(pid_t pid, int trace, int *status, struct rusage *ru, struct mem *mem)
{
    int first = 1;

    for (;;) {
        pid_t r = wait4(pid, status, __WALL, ru);

        if (r < 0) {
            if (errno != EINTR)
                return -1;
            if (timed_out)
                kill(-pid, SIGKILL);
            continue;
        }
        if (WIFEXITED(*status) || WIFSIGNALED(*status))
            return 0;
        if (!trace || !WIFSTOPPED(*status))
            continue;
        int sig = WSTOPSIG(*status), deliver = 0;
        if (first && sig == SIGTRAP) {
            /* The stop after execve: from here on we want the exit event. */
            first = 0;
            if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
                       (void *) (long) (PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC |
                                        PTRACE_O_EXITKILL)) < 0)
                perror("benchexec: PTRACE_SETOPTIONS");
        } else if (sig == SIGTRAP && (*status >> 16) == PTRACE_EVENT_EXIT) {
            read_mem(pid, mem);
        } else if (sig == SIGTRAP && (*status >> 16) == PTRACE_EVENT_EXEC) {
            /* A re-exec (crun runs itself again from a sealed memfd): not
             * a signal.  VmHWM restarts with the new image. */
        } else {
            deliver = sig;
        }
        if (ptrace(PTRACE_CONT, pid, NULL, (void *) (long) deliver) < 0 && errno != ESRCH)
            perror("benchexec: PTRACE_CONT");
    }
}

int main(int argc, char **argv)
{
    static char line[65536];
    struct sigaction sa;

    if (argc != 2) {
        fprintf(stderr, "usage: benchexec STDERR-FILE < requests\n");
        return 2;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
        perror("benchexec: PR_SET_CHILD_SUBREAPER");
        return 2;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART: wait4 must return EINTR */
    if (sigaction(SIGALRM, &sa, NULL) < 0) {
        perror("benchexec: sigaction");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    long long orphan_cpu = 0;
    while (fgets(line, sizeof line, stdin)) {
        char *args[MAX_ARGS + 1], *save = NULL, *tok;
        int n = 0;

        line[strcspn(line, "\n")] = '\0';
        for (tok = strtok_r(line, "\t", &save); tok && n < MAX_ARGS;
             tok = strtok_r(NULL, "\t", &save))
            args[n++] = tok;
        args[n] = NULL;
        if (n < 4) {
            fprintf(stderr, "benchexec: bad request\n");
            return 2;
        }
        int trace = strchr(args[0], 't') != NULL;
        long timeout_ms = strtol(args[1], NULL, 10);
        const char *cwd = strcmp(args[2], "-") ? args[2] : NULL;

        orphan_cpu += reap_orphans();
        timed_out = 0;
        long long t0 = now_us();
        pid_t pid = fork();
        if (pid < 0) {
            perror("benchexec: fork");
            return 2;
        }
        if (pid == 0)
            child(cwd, args + 3, argv[1], trace);
        /* Also in the parent, so no signal can reach the command before it is in its group. */
        if (setpgid(pid, pid) < 0 && errno != EACCES && errno != ESRCH)
            perror("benchexec: setpgid");
        if (timeout_ms > 0) {
            struct itimerval it = { .it_value = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 } };
            setitimer(ITIMER_REAL, &it, NULL);
        }

        struct rusage ru;
        struct mem mem = { -1, -1, -1 };
        int status = 0;
        if (wait_cmd(pid, trace, &status, &ru, &mem) < 0) {
            perror("benchexec: wait4");
            return 2;
        }
        long long t1 = now_us();
        struct itimerval off = { { 0, 0 }, { 0, 0 } };
        setitimer(ITIMER_REAL, &off, NULL);
        /* Whatever the command left in its group after a timeout goes too. */
        if (timed_out)
            kill(-pid, SIGKILL);

        int rc = timed_out ? -1
                 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        orphan_cpu += reap_orphans();
        printf("%d %lld %lld %lld %ld %ld %lld %ld %ld\n", rc, t1 - t0, tv_us(&ru.ru_utime),
               tv_us(&ru.ru_stime), ru.ru_maxrss, mem.hwm, orphan_cpu, mem.anon, mem.file);
        orphan_cpu = 0;
    }
    /* Wait for stragglers so none is left a zombie of a dead subreaper. */
    orphan_cpu += reap_orphans();
    return 0;
}
