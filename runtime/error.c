/* brig: the recorded error (see include/brig/error.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "brig/error.h"

static char err_msg[BRIG_ERR_MAX];
static int err_errno;

int brig_fail(int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err_msg, sizeof err_msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if (errnum != 0 && (size_t)n < sizeof err_msg)
        snprintf(err_msg + n, sizeof err_msg - (size_t)n, ": %s", strerror(errnum));
    err_errno = errnum;
    return -1;
}

int brig_fail_ctx(const char *fmt, ...)
{
    char prefix[BRIG_ERR_MAX];
    char old[BRIG_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err_msg, sizeof old);
    snprintf(err_msg, sizeof err_msg, "%s: %s", prefix, old);
    return -1;
}

const char *brig_last_error(void)
{
    return err_msg;
}

int brig_last_errno(void)
{
    return err_errno;
}

void brig_clear_error(void)
{
    err_msg[0] = '\0';
    err_errno = 0;
}

void brig_set_error(int errnum, const char *msg)
{
    snprintf(err_msg, sizeof err_msg, "%s", msg);
    err_errno = errnum;
}
