/* brig: failure-injection points (include/brig/fault.h).  Compiled into
 * the brig-faults test program only. */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/error.h"
#include "brig/fault.h"

#ifndef BRIG_FAULT_INJECTION
#error "fault.c belongs to the brig-faults test program only"
#endif

int brig_fault(const char *point)
{
    const char *want = getenv("BRIG_FAULT");
    const char *kill_at = getenv("BRIG_FAULT_KILL");
    if (getenv("BRIG_FAULT_TRACE"))
        fprintf(stderr, "brig-faults: at %s\n", point);
    /* a runtime killed there (node crash, OOM): delete --force cleans up */
    if (kill_at && strcmp(kill_at, point) == 0) {
        raise(SIGKILL);
        _exit(128 + SIGKILL); /* a namespace's pid 1 ignores its own SIGKILL */
    }
    if (!want || strcmp(want, point) != 0)
        return 0;
    return brig_fail(0, "fault injected at %s", point);
}

int brig_faultf(const char *fmt, ...)
{
    char point[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(point, sizeof point, fmt, ap);
    va_end(ap);
    return brig_fault(point);
}
