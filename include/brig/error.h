/* brig: error reporting that carries context up the stack.
 *
 * Functions that fail return -1 (or NULL) after recording a message with
 * brig_fail(); callers may prepend context with brig_fail_ctx() and the
 * command's main prints "brig: COMMAND: message" once. */
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
