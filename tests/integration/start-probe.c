/* tests/integration/lifecycle.sh's in-container probe (static: it runs in
 * a bare busybox rootfs).
 *
 *   start-probe usr1   install a SIGUSR1 handler as the very first act,
 *                      then wait for the signal: prints "got USR1" and
 *                      exits 0, or prints "no USR1" and exits 3 after 5 s
 *   start-probe fill   queue real-time signals to itself (blocked) until
 *                      the per-uid RLIMIT_SIGPENDING count is used up,
 *                      print "full N", then sleep until killed */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
    (void)sig;
    got = 1;
}

/* As pid 1 of a pid namespace a signal with no handler is dropped, even
 * the alarm's: say so and stop. */
static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "no USR1\n";
    (void)!write(STDOUT_FILENO, msg, sizeof msg - 1);
    _exit(3);
}

static int do_usr1(void)
{
    struct sigaction sa = {.sa_handler = on_usr1};
    if (sigaction(SIGUSR1, &sa, NULL) < 0)
        return 1;
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, &old);
    alarm(5);
    while (!got)
        sigsuspend(&old);
    printf("got USR1\n");
    return 0;
}

static int do_fill(void)
{
    sigset_t rt;
    sigemptyset(&rt);
    sigaddset(&rt, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &rt, NULL);
    long n = 0;
    union sigval v = {.sival_int = 0};
    while (sigqueue(getpid(), SIGRTMIN, v) == 0)
        n++;
    if (errno != EAGAIN) {
        printf("sigqueue: %s\n", strerror(errno));
        return 1;
    }
    printf("full %ld\n", n);
    fflush(stdout);
    for (;;)
        pause();
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "usr1") == 0)
        return do_usr1();
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 2 && strcmp(argv[1], "fill") == 0)
        return do_fill();
    fprintf(stderr, "usage: start-probe usr1|fill\n");
    return 2;
}
