/* brig kill: send a signal to the container's process (or all of them). */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>

#include "brig/brig.h"
#include "brig/cmd.h"
#include "brig/commands.h"
#include "brig/container.h"
#include "brig/internal.h"

/* "KILL", "SIGKILL", "9", "sigterm", "RTMIN+3"; "0" checks that the
 * container is alive and signals nothing (runc's kill ID 0). */
static int parse_signal(const char *s)
{
    uint64_t n;
    if (brig_parse_u64(s, &n))
        return n < (uint64_t)NSIG ? (int)n : -1;
    if (strncasecmp(s, "SIG", 3) == 0)
        s += 3;
    if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
        bool min = strncasecmp(s, "RTMIN", 5) == 0;
        int base = min ? SIGRTMIN : SIGRTMAX;
        const char *off = s + 5;
        if (!*off)
            return base;
        char *end;
        long d = strtol(off, &end, 10);
        if (*end || (min && d < 0) || (!min && d > 0))
            return -1;
        int sig = base + (int)d;
        return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : -1;
    }
    for (int sig = 1; sig < SIGRTMIN; sig++) {
        const char *name = sigabbrev_np(sig);
        if (name && strcasecmp(name, s) == 0)
            return sig;
    }
    return -1;
}

int cmd_kill(int argc, char **argv)
{
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool all = false;
    int c;
    while ((c = getopt_long(argc, argv, "+ah", opts, NULL)) != -1) {
        if (c == 'a') {
            all = true;
            continue;
        }
        if (c == 'h')
            return brig_cmd_help("[--all] ID [SIGNAL]",
                                 "Send SIGNAL (default SIGTERM) to the container's process.\n"
                                 "  -a, --all   send it to every process in the container\n");
        brig_fail(0, "unknown option %s", argv[optind - 1]);
        return brig_report_error();
    }
    int nargs = argc - optind;
    if (nargs < 1 || nargs > 2) {
        brig_fail(0, "expected a container ID and an optional signal");
        return brig_report_error();
    }
    const char *id = argv[optind];
    int sig = SIGTERM;
    if (nargs == 2 && (sig = parse_signal(argv[optind + 1])) < 0) {
        brig_fail(0, "unknown signal \"%s\"", argv[optind + 1]);
        return brig_report_error();
    }
    struct brig_container *ct;
    if (brig_container_open(id, LOCK_SH, &ct) < 0)
        return brig_report_error();
    int r = brig_container_signal(ct, sig, all);
    brig_container_close(ct);
    return r < 0 ? brig_report_error() : 0;
}
