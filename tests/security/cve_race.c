/* cve_race: the racing side of the CVE regression tests
 * (tests/integration/cve-*.sh), run on the host against a bundle's rootfs,
 * as a second container sharing a volume would run against it.
 *
 *   cve_race exchange A B SECONDS
 *       swap A and B (renameat2 RENAME_EXCHANGE: never a moment where one
 *       is missing) as fast as possible for SECONDS, or until SIGTERM;
 *       prints the number of swaps.
 *
 * Built statically by the tests with gcc (like the isolation probe). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int exchange(const char *a, const char *b, double secs)
{
    unsigned long n = 0, fails = 0;
    double end = now() + secs;
    while (!stop) {
        if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0)
            n++;
        else if (++fails > 1000 && n == 0) {
            fprintf(stderr, "cve_race: renameat2 %s %s: %s\n", a, b, strerror(errno));
            return 1;
        }
        /* Checking the clock every swap would slow the race down. */
        if ((n & 1023) == 0 && now() > end)
            break;
    }
    printf("%lu swaps, %lu failed\n", n, fails);
    return 0;
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    if (argc == 5 && strcmp(argv[1], "exchange") == 0)
        return exchange(argv[2], argv[3], atof(argv[4]));
    fprintf(stderr, "usage: cve_race exchange A B SECONDS\n");
    return 2;
}
