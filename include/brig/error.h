/* brig: error reporting that carries context up the stack.
 *
 * The convention, everywhere in runtime/ and seccomp/:
 *
 * - A function that fails returns -1 (a pointer function: NULL) after
 *   recording the message and the errno with brig_fail(errnum, ...)
 *   (errnum 0 when no errno applies).  Never -errno, never a bare errno.
 * - Callers add context with brig_fail_ctx() and pass the -1 up; the
 *   command's main prints "brig: COMMAND: message" once.
 * - A caller that must tell failures apart branches on brig_last_errno()
 *   (or on a documented return code), never on the message text.
 *
 * Named exceptions, each documented where it is declared:
 * - thin syscall wrappers (brig_write_all, brig_read_all) act like the
 *   syscall: -1 with errno set and nothing recorded, so the caller words
 *   the message;
 * - lookups for which "not there" is an answer, not a failure
 *   (brig_cap_from_name, brig_signal_parse, brig_ns_from_name,
 *   brig_seccomp_arch_lookup...) return -1, NULL or the COUNT of their
 *   enum and record nothing;
 * - predicates return bool. */
#ifndef BRIG_ERROR_H
#define BRIG_ERROR_H

#include <stdarg.h>

#define BRIG_ERR_MAX 4096

/* Record an error. When errnum != 0, ": strerror(errnum)" is appended.
 * Always returns -1 so that "return brig_fail(...)" reads naturally. */
int brig_fail(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prepend "context: " to the recorded error. Returns -1. */
int brig_fail_ctx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The recorded message ("" when none). */
const char *brig_last_error(void);

/* errno value recorded by the last brig_fail() (0 when none). */
int brig_last_errno(void);

void brig_clear_error(void);

/* Replace the recorded error wholesale (used for messages relayed from a child). */
void brig_set_error(int errnum, const char *msg);

#endif
