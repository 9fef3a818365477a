/* brig: a minimal D-Bus client (see include/brig/dbus.h): connections,
 * authentication, method calls and signals.
 *
 * Written from the D-Bus specification ("Authentication Protocol"; the
 * wire format is dbus_wire.c): brig's dependencies are fixed, and systemd
 * is all it talks to, so a few hundred lines replace libdbus/sd-bus. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "brig/dbus.h"
#include "brig/internal.h"
#include "brig/rootless.h"

/* ---- connections ---- */

struct brig_dbus {
    int fd;
    bool bus;
    uint32_t serial;
    char *unique_name;
    uint8_t *rbuf;
    size_t rlen, rcap;
    brig_dbus_signal_fn on_signal;
    void *on_signal_arg;
    char err_name[256];
    char *address; /* for messages */
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int send_all(struct brig_dbus *c, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t w = send(c->fd, b, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return brig_fail(errno, "D-Bus %s: send", c->address);
        }
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Read more bytes into rbuf, waiting until DEADLINE (ms, monotonic).
 * 0: got some; 1: timed out; -1: error or EOF. */
static int fill(struct brig_dbus *c, long long deadline)
{
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return 1;
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        int n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return brig_fail(errno, "D-Bus %s: poll", c->address);
        }
        if (n == 0)
            continue;
        if (c->rcap - c->rlen < 4096) {
            c->rcap = c->rcap ? c->rcap * 2 : 8192;
            c->rbuf = brig_xrealloc(c->rbuf, c->rcap);
        }
        ssize_t r = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, 0);
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return brig_fail(errno, "D-Bus %s: receive", c->address);
        }
        if (r == 0)
            return brig_fail(ECONNRESET, "D-Bus %s: connection closed", c->address);
        c->rlen += (size_t)r;
        return 0;
    }
}

static void consume(struct brig_dbus *c, size_t n)
{
    memmove(c->rbuf, c->rbuf + n, c->rlen - n);
    c->rlen -= n;
}

/* One SASL line (without CRLF) into LINE. */
static int read_line(struct brig_dbus *c, char *line, size_t size, long long deadline)
{
    for (;;) {
        for (size_t i = 0; i + 1 < c->rlen; i++) {
            if (c->rbuf[i] == '\r' && c->rbuf[i + 1] == '\n') {
                size_t n = i < size - 1 ? i : size - 1;
                memcpy(line, c->rbuf, n);
                line[n] = '\0';
                consume(c, i + 2);
                return 0;
            }
        }
        if (c->rlen > 16384)
            return brig_fail(EPROTO, "D-Bus %s: authentication: overlong line", c->address);
        int r = fill(c, deadline);
        if (r < 0)
            return brig_fail_ctx("authentication");
        if (r > 0)
            return brig_fail(ETIMEDOUT, "D-Bus %s: authentication", c->address);
    }
}

/* The next message; 1 on timeout. */
static int next_message(struct brig_dbus *c, struct brig_dbus_msg *m, long long deadline)
{
    for (;;) {
        size_t total;
        if (c->rlen >= 16) {
            if (brig_dbus_msg_size(c->rbuf, c->rlen, &total) < 0)
                return brig_fail_ctx("D-Bus %s", c->address);
            if (c->rlen >= total) {
                uint8_t *raw = brig_xmalloc(total);
                memcpy(raw, c->rbuf, total);
                consume(c, total);
                if (brig_dbus_decode(raw, total, m) < 0)
                    return brig_fail_ctx("D-Bus %s", c->address);
                return 0;
            }
        }
        int r = fill(c, deadline);
        if (r != 0)
            return r;
    }
}

/* Someone called a method on us: we offer none. */
static void refuse_call(struct brig_dbus *c, const struct brig_dbus_msg *m)
{
    if (m->flags & BRIG_DBUS_NO_REPLY_EXPECTED)
        return;
    struct brig_dbus_buf body = {0}, out = {0};
    brig_dbus_put_str(&body, "brig offers no methods");
    struct brig_dbus_msg e = {
        .type = BRIG_DBUS_ERROR, .serial = ++c->serial, .reply_serial = m->serial,
        .error_name = "org.freedesktop.DBus.Error.UnknownMethod",
        .destination = m->sender, .signature = "s",
    };
    if (brig_dbus_encode(&e, &body, &out) == 0)
        send_all(c, out.data, out.len);
    brig_clear_error(); /* best effort */
    brig_dbus_buf_free(&body);
    brig_dbus_buf_free(&out);
}

/* Handle a message that is not the reply being waited for. */
static void dispatch(struct brig_dbus *c, const struct brig_dbus_msg *m)
{
    if (m->type == BRIG_DBUS_SIGNAL && c->on_signal)
        c->on_signal(m, c->on_signal_arg);
    else if (m->type == BRIG_DBUS_METHOD_CALL)
        refuse_call(c, m);
    /* replies to calls no longer waited for, unknown types: ignored */
}

int brig_dbus_call(struct brig_dbus *c, const char *destination, const char *path,
                   const char *interface, const char *member, const char *signature,
                   const struct brig_dbus_buf *body, struct brig_dbus_msg *reply, int timeout_ms)
{
    c->err_name[0] = '\0';
    if (reply)
        memset(reply, 0, sizeof *reply);
    struct brig_dbus_msg m = {
        .type = BRIG_DBUS_METHOD_CALL, .serial = ++c->serial, .path = path,
        .interface = interface, .member = member, .destination = destination,
        .signature = signature,
    };
    struct brig_dbus_buf out = {0};
    int r = brig_dbus_encode(&m, body, &out);
    if (r == 0)
        r = send_all(c, out.data, out.len);
    brig_dbus_buf_free(&out);
    if (r < 0)
        return -1;
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        struct brig_dbus_msg in;
        r = next_message(c, &in, deadline);
        if (r < 0)
            return -1;
        if (r > 0)
            return brig_fail(ETIMEDOUT, "%s: no reply from %s", member, destination ? destination : c->address);
        if ((in.type == BRIG_DBUS_METHOD_RETURN || in.type == BRIG_DBUS_ERROR) &&
            in.reply_serial == m.serial) {
            if (in.type == BRIG_DBUS_ERROR) {
                snprintf(c->err_name, sizeof c->err_name, "%s", in.error_name);
                cleanup_free char *text = brig_dbus_error_text(&in);
                brig_dbus_msg_free(&in);
                return brig_fail(0, "%s", text);
            }
            if (reply)
                *reply = in;
            else
                brig_dbus_msg_free(&in);
            return 0;
        }
        dispatch(c, &in);
        brig_dbus_msg_free(&in);
    }
}

const char *brig_dbus_last_error_name(const struct brig_dbus *c)
{
    return c->err_name;
}

int brig_dbus_wait(struct brig_dbus *c, bool (*done)(void *arg), void *arg, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    while (!done(arg)) {
        struct brig_dbus_msg in;
        int r = next_message(c, &in, deadline);
        if (r < 0)
            return -1;
        if (r > 0)
            return 0;
        dispatch(c, &in);
        brig_dbus_msg_free(&in);
    }
    return 1;
}

void brig_dbus_on_signal(struct brig_dbus *c, brig_dbus_signal_fn fn, void *arg)
{
    c->on_signal = fn;
    c->on_signal_arg = arg;
}

const char *brig_dbus_unique_name(const struct brig_dbus *c)
{
    return c->unique_name;
}

void brig_dbus_close(struct brig_dbus *c)
{
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    free(c->unique_name);
    free(c->rbuf);
    free(c->address);
    free(c);
}

/* Undo the %XX escapes of an address value. */
static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static char *unescape_value(const char *s, size_t n)
{
    char *out = brig_xmalloc(n + 1), *d = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            *d++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            *d++ = s[i];
        }
    }
    *d = '\0';
    return out;
}

/* Fill SA from one "unix:key=value,..." address; -1 when it is not one
 * this client can use. */
static int unix_sockaddr(const char *a, size_t n, struct sockaddr_un *sa, socklen_t *len)
{
    if (n < 5 || strncmp(a, "unix:", 5) != 0)
        return brig_fail(EAFNOSUPPORT, "only unix: addresses are supported");
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    const char *p = a + 5, *end = a + n;
    bool found = false;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma ? comma : end;
        const char *eq = memchr(p, '=', (size_t)(e - p));
        if (!eq)
            return brig_fail(EINVAL, "malformed address");
        size_t klen = (size_t)(eq - p);
        bool path = klen == 4 && strncmp(p, "path", 4) == 0;
        bool abstract = klen == 8 && strncmp(p, "abstract", 8) == 0;
        if (path || abstract) {
            cleanup_free char *v = unescape_value(eq + 1, (size_t)(e - eq - 1));
            size_t vl = strlen(v);
            if (!vl || vl + (abstract ? 1 : 0) >= sizeof sa->sun_path)
                return brig_fail(ENAMETOOLONG, "bad socket path in address");
            memset(sa->sun_path, 0, sizeof sa->sun_path);
            memcpy(sa->sun_path + (abstract ? 1 : 0), v, vl);
            /* a path counts its NUL; an abstract name its leading NUL */
            *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + vl + 1);
            found = true;
        }
        p = comma ? comma + 1 : end;
    }
    if (!found)
        return brig_fail(EINVAL, "address has no path= or abstract=");
    return 0;
}

static int authenticate(struct brig_dbus *c, long long deadline)
{
    char uid[16], hex[40] = "", msg[80], line[512];
    /* In a user namespace our uid is not the one the server sees on the
     * socket: send no identity and let it take the socket's (the server
     * answers DATA and waits for an empty one). */
    if (!brig_running_in_userns()) {
        snprintf(uid, sizeof uid, "%u", (unsigned)geteuid());
        for (size_t i = 0; uid[i]; i++)
            snprintf(hex + 2 * i, 3, "%02x", (unsigned char)uid[i]);
    }
    /* The NUL byte first: it could carry credentials on some systems. */
    int n = snprintf(msg, sizeof msg, "%cAUTH EXTERNAL%s%s\r\n", 0, *hex ? " " : "", hex);
    if (send_all(c, msg, (size_t)n) < 0 || read_line(c, line, sizeof line, deadline) < 0)
        return -1;
    if (strcmp(line, "DATA") == 0 &&
        (send_all(c, "DATA\r\n", 6) < 0 || read_line(c, line, sizeof line, deadline) < 0))
        return -1;
    if (strncmp(line, "OK ", 3) != 0)
        return brig_fail(EACCES, "D-Bus %s: authentication refused (%s)", c->address, line);
    return send_all(c, "BEGIN\r\n", 7);
}

static int connect_one(const char *a, size_t n, bool bus, int timeout_ms, struct brig_dbus **out)
{
    struct brig_dbus *c = brig_xcalloc(1, sizeof *c);
    c->fd = -1;
    c->bus = bus;
    c->address = brig_xasprintf("%.*s", (int)n, a);
    long long deadline = now_ms() + timeout_ms;
    struct sockaddr_un sa;
    socklen_t len = 0;
    if (unix_sockaddr(a, n, &sa, &len) < 0) {
        brig_fail_ctx("D-Bus address %s", c->address);
        goto fail;
    }
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        brig_fail(errno, "D-Bus %s: socket", c->address);
        goto fail;
    }
    int r;
    do
        r = connect(c->fd, (struct sockaddr *)&sa, len);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        brig_fail(errno, "D-Bus: connect to %s", c->address);
        goto fail;
    }
    if (authenticate(c, deadline) < 0)
        goto fail;
    if (bus) {
        struct brig_dbus_msg reply;
        const char *name;
        long long left = deadline - now_ms();
        if (brig_dbus_call(c, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                           "Hello", NULL, NULL, &reply, left > 0 ? (int)left : 1) < 0) {
            brig_fail_ctx("D-Bus %s: Hello", c->address);
            goto fail;
        }
        struct brig_dbus_reader rd;
        brig_dbus_reader_init(&rd, &reply);
        if (strcmp(reply.signature, "s") != 0 || brig_dbus_get_str(&rd, &name) < 0) {
            brig_dbus_msg_free(&reply);
            brig_fail(EPROTO, "D-Bus %s: Hello: unexpected reply", c->address);
            goto fail;
        }
        c->unique_name = brig_xstrdup(name);
        brig_dbus_msg_free(&reply);
    }
    *out = c;
    return 0;
fail:
    brig_dbus_close(c);
    return -1;
}

int brig_dbus_connect(const char *address, bool bus, int timeout_ms, struct brig_dbus **out)
{
    if (!address || !*address)
        return brig_fail(EINVAL, "D-Bus: empty address");
    const char *p = address;
    for (;;) {
        size_t n = strcspn(p, ";");
        if (n && connect_one(p, n, bus, timeout_ms, out) == 0)
            return 0;
        if (!p[n])
            break;
        p += n + 1;
    }
    if (!*brig_last_error())
        brig_fail(EINVAL, "D-Bus: no usable address in %s", address);
    return -1;
}
