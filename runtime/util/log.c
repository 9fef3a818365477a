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
    struct timespec now, cpu;
    clock_gettime(CLOCK_MONOTONIC, &now);
    /* CPU of this process since its fork, exec included: the runtime's
     * first line says what starting the binary cost; the init counts from
     * the clone (tests/bench/trace-steps sums the steps of many runs) */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    if (t0.tv_sec == 0 && t0.tv_nsec == 0)
        t0 = now;
    long us = (now.tv_sec - t0.tv_sec) * 1000000L + (now.tv_nsec - t0.tv_nsec) / 1000;
    long cpu_us = cpu.tv_sec * 1000000L + cpu.tv_nsec / 1000;
    fprintf(stderr, "brig-trace %d %7ld us %7ld cpu-us %s\n", (int)getpid(), us, cpu_us, step);
}

int brig_log_open(void)
{
    if (!brig_g.log_path || log_fd >= 0)
        return 0;
    /* runc fails when it cannot open its --log: an engine that reads the
     * file for errors would otherwise find nothing there. */
    log_fd = open(brig_g.log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (log_fd < 0)
        return brig_fail(errno, "open log %s", brig_g.log_path);
    return 0;
}

void brig_log_forget(void)
{
    log_fd = -1;
}

int brig_log_stash(void)
{
    return log_fd;
}

void brig_log_unstash(int fd)
{
    log_fd = fd;
}

/* S as logrus' text formatter writes a value: bare when it is made of
 * letters, digits and -._/@^+, else in double quotes with Go's escapes. */
static void text_value(char *out, size_t size, const char *s)
{
    bool bare = *s != '\0';
    for (const char *p = s; *p && bare; p++)
        bare = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
               strchr("-._/@^+", *p);
    if (bare) {
        snprintf(out, size, "%s", s);
        return;
    }
    size_t n = 0;
    out[n++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p && n + 6 < size; p++) {
        switch (*p) {
        case '"': n += (size_t)snprintf(out + n, size - n, "\\\""); break;
        case '\\': n += (size_t)snprintf(out + n, size - n, "\\\\"); break;
        case '\n': n += (size_t)snprintf(out + n, size - n, "\\n"); break;
        case '\r': n += (size_t)snprintf(out + n, size - n, "\\r"); break;
        case '\t': n += (size_t)snprintf(out + n, size - n, "\\t"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                n += (size_t)snprintf(out + n, size - n, "\\x%02x", *p);
            else
                out[n++] = (char)*p;
        }
    }
    out[n++] = '"';
    out[n] = '\0';
}

/* One line in the --log-format: runc's (logrus') JSON or text form. */
static char *format_line(const char *level, const char *msg)
{
    cleanup_free char *now = brig_now_rfc3339();
    if (brig_g.log_format == BRIG_LOG_JSON) {
        yajl_gen g = brig_json_gen_new(false);
        if (!g)
            return NULL;
        yajl_gen_map_open(g);
        brig_json_key_str(g, "level", level);
        brig_json_key_str(g, "msg", msg);
        brig_json_key_str(g, "time", now);
        yajl_gen_map_close(g);
        cleanup_free char *obj = brig_json_gen_finish(g);
        return obj ? brig_xasprintf("%s\n", obj) : NULL;
    }
    char t[96], m[BRIG_ERR_MAX * 2 + 8];
    text_value(t, sizeof t, now);
    text_value(m, sizeof m, msg);
    return brig_xasprintf("time=%s level=%s msg=%s\n", t, level, m);
}

/* LEVEL's line to the --log file; without one, to stderr when STDERR_TOO.
 * Errors and warnings reach stderr as "brig: COMMAND: MSG" in the text
 * format; with --log-format json and no --log, stderr gets the JSON lines
 * (runc writes its log to stderr then). */
static void emit(const char *level, const char *msg, bool human, bool stderr_too)
{
    if (human && (log_fd >= 0 || brig_g.log_format != BRIG_LOG_JSON))
        fprintf(stderr, "brig: %s%s%s\n", brig_g.command ? brig_g.command : "",
                brig_g.command ? ": " : "", msg);
    int fd = log_fd;
    if (fd < 0) {
        if (!stderr_too || (human && brig_g.log_format != BRIG_LOG_JSON))
            return;
        fflush(stderr);
        fd = STDERR_FILENO;
    }
    cleanup_free char *line = format_line(level, msg);
    if (line && brig_write_all(fd, line, strlen(line)) < 0) {
        /* the log is best effort; stderr already has the message */
    }
}

void brig_warn(const char *fmt, ...)
{
    char msg[BRIG_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    emit("warning", msg, true, true);
}

void brig_log_warning(const char *fmt, ...)
{
    if (log_fd < 0 && !brig_g.debug)
        return;
    char msg[BRIG_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    emit("warning", msg, false, true);
}

void brig_debug(const char *fmt, ...)
{
    if (!brig_g.debug)
        return;
    char msg[BRIG_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    emit("debug", msg, false, true);
}

void brig_log_error(const char *msg)
{
    emit("error", msg, true, true);
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
