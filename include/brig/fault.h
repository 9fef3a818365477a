/* brig: failure-injection points, for tests only.
 *
 * In the brig-faults test program (built by `make check` with
 * BRIG_FAULT_INJECTION, never installed) brig_fault(POINT) fails with
 * "fault injected at POINT" when the environment variable BRIG_FAULT names
 * POINT, so that a test can make create fail at each of its steps and check
 * that nothing is left behind; when BRIG_FAULT_KILL names it, the process
 * kills itself there (SIGKILL), as a crash would, for delete --force.  In brig itself both are constant 0: nothing
 * a container or its caller sets can reach them. */
#ifndef BRIG_FAULT_H
#define BRIG_FAULT_H

#ifdef BRIG_FAULT_INJECTION
int brig_fault(const char *point);
int brig_faultf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#else
#define brig_fault(point) 0
#define brig_faultf(...) 0
#endif

#endif
