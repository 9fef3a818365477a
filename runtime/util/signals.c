/* brig: the signal table.  Names as runc takes them (moby's signal map):
 * several names may share a number (IOT is ABRT). */
#include "config.h"

#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "brig/internal.h"
#include "brig/signals.h"

static const struct {
    const char *name;
    int sig;
} signals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP}, {"ABRT", SIGABRT},     {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},   {"KILL", SIGKILL},     {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2}, {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CLD", SIGCHLD},      {"CONT", SIGCONT},
    {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},
    {"URG", SIGURG},   {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF}, {"WINCH", SIGWINCH},   {"IO", SIGIO},         {"POLL", SIGPOLL},
    {"PWR", SIGPWR},   {"SYS", SIGSYS},
};

/* RTMIN, RTMIN+N, RTMAX, RTMAX-N (S without "SIG"); -1 when out of range. */
static int parse_realtime(const char *s)
{
    bool min = strncasecmp(s, "RTMIN", 5) == 0;
    int base = min ? SIGRTMIN : SIGRTMAX;
    const char *off = s + 5;
    if (!*off)
        return base;
    char *end;
    long d = strtol(off, &end, 10);
    if (*end || (min && d < 0) || (!min && d > 0))
        return -1;
    long sig = base + d;
    return sig >= SIGRTMIN && sig <= SIGRTMAX ? (int)sig : -1;
}

int brig_signal_parse(const char *s)
{
    uint64_t n;
    if (brig_parse_u64(s, &n))
        return n < (uint64_t)NSIG ? (int)n : -1;
    if (strncasecmp(s, "SIG", 3) == 0)
        s += 3;
    if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0)
        return parse_realtime(s);
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(signals); i++)
        if (strcasecmp(signals[i].name, s) == 0)
            return signals[i].sig;
    return -1;
}
