/* brig: the recorded error (see include/brig/error.h). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "brig/error.h"

static char err_msg[BRIG_ERR_MAX];
static int err_errno;

/* Messages quote outside input (JSON strings, file names, what a peer
 * sent); a newline or escape sequence in one would forge a second log line
 * or drive the reader's terminal.  Every recorded message is one printable
 * line: control bytes become \n, \t, \r or \xHH, cut at the buffer's end. */
static void make_one_line(char *msg, size_t size)
{
    char out[BRIG_ERR_MAX];
    size_t o = 0;
    bool changed = false;
    for (const unsigned char *p = (const unsigned char *)msg; *p && o + 1 < sizeof out; p++) {
        if (*p >= 0x20 && *p != 0x7f) {
            out[o++] = (char)*p;
            continue;
        }
        changed = true;
        char esc[5];
        if (*p == '\n')
            snprintf(esc, sizeof esc, "\\n");
        else if (*p == '\t')
            snprintf(esc, sizeof esc, "\\t");
        else if (*p == '\r')
            snprintf(esc, sizeof esc, "\\r");
        else
            snprintf(esc, sizeof esc, "\\x%02x", *p);
        size_t n = strlen(esc);
        if (o + n + 1 > sizeof out)
            break;
        memcpy(out + o, esc, n);
        o += n;
    }
    if (!changed)
        return;
    out[o] = '\0';
    snprintf(msg, size, "%s", out);
}

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
    make_one_line(err_msg, sizeof err_msg);
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
    make_one_line(err_msg, sizeof err_msg);
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
    make_one_line(err_msg, sizeof err_msg);
    err_errno = errnum;
}
