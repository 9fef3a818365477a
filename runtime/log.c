/* brig: messages to stderr and to the --log file (text or runc-style JSON
 * lines, which containerd-shim and conmon parse). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/internal.h"
#include "brig/json.h"

static int log_fd = -1;

bool brig_tracing;

void brig_trace_step(const char *step)
{
    static struct timespec t0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (t0.tv_sec == 0 && t0.tv_nsec == 0)
        t0 = now;
    long us = (now.tv_sec - t0.tv_sec) * 1000000L + (now.tv_nsec - t0.tv_nsec) / 1000;
    fprintf(stderr, "brig-trace %d %7ld us %s\n", (int)getpid(), us, step);
}

void brig_log_open(void)
{
    if (!brig_g.log_path || log_fd >= 0)
        return;
    log_fd = open(brig_g.log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (log_fd < 0)
        fprintf(stderr, "brig: open log %s: %s\n", brig_g.log_path, strerror(errno));
}

void brig_log_forget(void)
{
    log_fd = -1;
}

static void log_line(const char *level, const char *msg)
{
    if (log_fd < 0)
        return;
    char *line;
    if (brig_g.log_format == BRIG_LOG_JSON) {
        yajl_gen g = brig_json_gen_new(false);
        if (!g)
            return;
        char *now = brig_now_rfc3339();
        yajl_gen_map_open(g);
        brig_json_key_str(g, "level", level);
        brig_json_key_str(g, "msg", msg);
        brig_json_key_str(g, "time", now);
        yajl_gen_map_close(g);
        free(now);
        char *obj = brig_json_gen_finish(g);
        if (!obj)
            return;
        line = brig_xasprintf("%s\n", obj);
        free(obj);
    } else {
        char *now = brig_now_rfc3339();
        line = brig_xasprintf("%s %s: %s\n", now, level, msg);
        free(now);
    }
    if (brig_write_all(log_fd, line, strlen(line)) < 0) {
        /* the log is best effort; stderr already has the message */
    }
    free(line);
}

static void vlog(const char *level, bool to_stderr, const char *fmt, va_list ap)
{
    char msg[BRIG_ERR_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (to_stderr)
        fprintf(stderr, "brig: %s%s%s\n", brig_g.command ? brig_g.command : "",
                brig_g.command ? ": " : "", msg);
    log_line(level, msg);
}

void brig_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("warning", true, fmt, ap);
    va_end(ap);
}

void brig_debug(const char *fmt, ...)
{
    if (!brig_g.debug)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog("debug", log_fd < 0, fmt, ap);
    va_end(ap);
}

void brig_log_error(const char *msg)
{
    fprintf(stderr, "brig: %s%s%s\n", brig_g.command ? brig_g.command : "",
            brig_g.command ? ": " : "", msg);
    log_line("error", msg);
}

int brig_report_error(void)
{
    const char *e = brig_last_error();
    brig_log_error(e[0] ? e : "unknown error");
    return 1;
}

int brig_validate_id(const char *id)
{
    size_t n = strlen(id);
    if (n == 0)
        return brig_fail(0, "container ID must not be empty");
    if (n > 1024)
        return brig_fail(0, "container ID is too long (at most 1024 characters)");
    if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
        return brig_fail(0, "invalid container ID %s", id);
    for (const char *p = id; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '+' || c == '-' || c == '.'))
            return brig_fail(0, "invalid container ID %s: only letters, digits and _+-. are allowed", id);
    }
    return 0;
}
