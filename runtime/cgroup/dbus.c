/* brig: a minimal D-Bus client (see include/brig/dbus.h).
 *
 * Written from the D-Bus specification ("Message Protocol" and
 * "Authentication Protocol"): brig's dependencies are fixed, and systemd
 * is all it talks to, so a few hundred lines replace libdbus/sd-bus.
 * Messages go out in this machine's byte order; both orders are read. */
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

#define FIELD_PATH 1
#define FIELD_INTERFACE 2
#define FIELD_MEMBER 3
#define FIELD_ERROR_NAME 4
#define FIELD_REPLY_SERIAL 5
#define FIELD_DESTINATION 6
#define FIELD_SENDER 7
#define FIELD_SIGNATURE 8
#define FIELD_UNIX_FDS 9

/* Containers nest at most 32 arrays and 32 structs deep. */
#define MAX_DEPTH 64

static bool host_big_endian(void)
{
    return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
}

/* Alignment of the type whose signature starts with T. */
static size_t align_of(char t)
{
    switch (t) {
    case 'n': case 'q':
        return 2;
    case 'b': case 'i': case 'u': case 'h': case 's': case 'o': case 'a':
        return 4;
    case 'x': case 't': case 'd': case '(': case '{':
        return 8;
    default: /* y g v */
        return 1;
    }
}

static size_t align_up(size_t n, size_t a)
{
    return (n + a - 1) & ~(a - 1);
}

/* ---- validation ---- */

bool brig_dbus_valid_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        unsigned c = *p;
        size_t k;
        unsigned cp, min;
        if (c < 0x80) {
            if (c == 0)
                return false;
            p++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            k = 1, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            k = 2, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            k = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if ((size_t)(e - p) <= k)
            return false;
        for (size_t i = 1; i <= k; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        p += k + 1;
    }
    return true;
}

static bool is_basic(char t)
{
    return t && strchr("ybnqiuxtdsogh", t) != NULL;
}

static size_t type_len(const char *s, int arrays, int structs)
{
    if (is_basic(*s) || *s == 'v')
        return 1;
    if (*s == 'a') {
        if (arrays >= 32)
            return 0;
        if (s[1] == '{') {
            /* dict entry: a basic key, one complete value type */
            if (structs >= 32 || !is_basic(s[2]))
                return 0;
            size_t v = type_len(s + 3, arrays + 1, structs + 1);
            if (!v || s[3 + v] != '}')
                return 0;
            return 3 + v + 1;
        }
        size_t n = type_len(s + 1, arrays + 1, structs);
        return n ? n + 1 : 0;
    }
    if (*s == '(') {
        if (structs >= 32 || s[1] == ')')
            return 0;
        size_t i = 1;
        while (s[i] != ')') {
            size_t n = type_len(s + i, arrays, structs + 1);
            if (!n)
                return 0;
            i += n;
        }
        return i + 1;
    }
    return 0;
}

size_t brig_dbus_type_len(const char *sig)
{
    return sig ? type_len(sig, 0, 0) : 0;
}

bool brig_dbus_valid_signature(const char *s)
{
    if (!s || strlen(s) > 255)
        return false;
    while (*s) {
        size_t n = type_len(s, 0, 0);
        if (!n)
            return false;
        s += n;
    }
    return true;
}

bool brig_dbus_valid_path(const char *s)
{
    if (!s || s[0] != '/')
        return false;
    if (s[1] == '\0')
        return true;
    for (const char *p = s + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            if (p[-1] == '/')
                return false; /* empty element or trailing slash */
            if (*p == '\0')
                return true;
            continue;
        }
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
}

/* ---- writing ---- */

void brig_dbus_buf_free(struct brig_dbus_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->bad = NULL;
}

static void put_raw(struct brig_dbus_buf *b, const void *p, size_t n)
{
    if (!n)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n)
            cap *= 2;
        b->data = brig_xrealloc(b->data, cap);
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void brig_dbus_pad(struct brig_dbus_buf *b, size_t align)
{
    static const uint8_t zeros[8];
    size_t n = align_up(b->len, align) - b->len;
    put_raw(b, zeros, n);
}

void brig_dbus_put_byte(struct brig_dbus_buf *b, uint8_t v)
{
    put_raw(b, &v, 1);
}

void brig_dbus_put_u32(struct brig_dbus_buf *b, uint32_t v)
{
    brig_dbus_pad(b, 4);
    put_raw(b, &v, 4);
}

void brig_dbus_put_i32(struct brig_dbus_buf *b, int32_t v)
{
    brig_dbus_put_u32(b, (uint32_t)v);
}

void brig_dbus_put_bool(struct brig_dbus_buf *b, bool v)
{
    brig_dbus_put_u32(b, v ? 1 : 0);
}

void brig_dbus_put_u64(struct brig_dbus_buf *b, uint64_t v)
{
    brig_dbus_pad(b, 8);
    put_raw(b, &v, 8);
}

void brig_dbus_put_i64(struct brig_dbus_buf *b, int64_t v)
{
    brig_dbus_put_u64(b, (uint64_t)v);
}

static void put_string(struct brig_dbus_buf *b, const char *s, size_t n)
{
    brig_dbus_put_u32(b, (uint32_t)n);
    put_raw(b, s, n + 1);
}

void brig_dbus_put_str(struct brig_dbus_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (!brig_dbus_valid_utf8(s, n) || n > BRIG_DBUS_MAX_ARRAY) {
        b->bad = "a string that is not UTF-8";
        s = "", n = 0;
    }
    put_string(b, s, n);
}

void brig_dbus_put_path(struct brig_dbus_buf *b, const char *s)
{
    if (!brig_dbus_valid_path(s)) {
        b->bad = "a malformed object path";
        s = "/";
    }
    put_string(b, s, strlen(s));
}

void brig_dbus_put_sig(struct brig_dbus_buf *b, const char *s)
{
    if (!brig_dbus_valid_signature(s)) {
        b->bad = "a malformed signature";
        s = "";
    }
    brig_dbus_put_byte(b, (uint8_t)strlen(s));
    put_raw(b, s, strlen(s) + 1);
}

size_t brig_dbus_array_begin(struct brig_dbus_buf *b, char elem)
{
    brig_dbus_pad(b, 4);
    size_t mark = b->len;
    /* The placeholder holds the element alignment until array_end. */
    uint32_t a = (uint32_t)align_of(elem);
    put_raw(b, &a, 4);
    brig_dbus_pad(b, a);
    return mark;
}

void brig_dbus_array_end(struct brig_dbus_buf *b, size_t mark)
{
    uint32_t a;
    memcpy(&a, b->data + mark, 4);
    size_t start = align_up(mark + 4, a);
    size_t n = b->len - start;
    if (n > BRIG_DBUS_MAX_ARRAY)
        b->bad = "an array over 64 MiB";
    uint32_t v = (uint32_t)n;
    memcpy(b->data + mark, &v, 4);
}

void brig_dbus_struct_begin(struct brig_dbus_buf *b)
{
    brig_dbus_pad(b, 8);
}

void brig_dbus_variant(struct brig_dbus_buf *b, const char *sig)
{
    if (!sig || !*sig || brig_dbus_type_len(sig) != strlen(sig)) {
        b->bad = "a variant that is not one complete type";
        sig = "y";
    }
    brig_dbus_put_sig(b, sig);
}

/* ---- messages ---- */

static bool valid_name(const char *s)
{
    return s && *s && strlen(s) <= 255 && brig_dbus_valid_utf8(s, strlen(s));
}

static void put_field(struct brig_dbus_buf *b, uint8_t code, const char *sig, const char *s,
                      uint32_t u)
{
    brig_dbus_struct_begin(b);
    brig_dbus_put_byte(b, code);
    brig_dbus_variant(b, sig);
    if (sig[0] == 'o')
        brig_dbus_put_path(b, s);
    else if (sig[0] == 's')
        brig_dbus_put_str(b, s);
    else if (sig[0] == 'g')
        brig_dbus_put_sig(b, s);
    else
        brig_dbus_put_u32(b, u);
}

int brig_dbus_encode(const struct brig_dbus_msg *m, const struct brig_dbus_buf *body,
                     struct brig_dbus_buf *out)
{
    const char *sig = m->signature ? m->signature : "";
    size_t blen = body ? body->len : 0;
    if (body && body->bad)
        return brig_fail(0, "D-Bus message %s: cannot send %s", m->member ? m->member : "", body->bad);
    if (m->type < BRIG_DBUS_METHOD_CALL || m->type > BRIG_DBUS_SIGNAL || m->serial == 0)
        return brig_fail(EINVAL, "D-Bus message: bad type or serial");
    bool need_path = m->type == BRIG_DBUS_METHOD_CALL || m->type == BRIG_DBUS_SIGNAL;
    if ((need_path && (!m->path || !valid_name(m->member))) ||
        (m->type == BRIG_DBUS_SIGNAL && !valid_name(m->interface)) ||
        (m->type == BRIG_DBUS_ERROR && !valid_name(m->error_name)) ||
        ((m->type == BRIG_DBUS_ERROR || m->type == BRIG_DBUS_METHOD_RETURN) && !m->reply_serial))
        return brig_fail(EINVAL, "D-Bus message: a required header field is missing");
    if (blen && !*sig)
        return brig_fail(EINVAL, "D-Bus message: a body without a signature");
    if (blen > BRIG_DBUS_MAX_MESSAGE)
        return brig_fail(EMSGSIZE, "D-Bus message %s", m->member ? m->member : "");

    out->len = 0;
    out->bad = NULL;
    brig_dbus_put_byte(out, host_big_endian() ? 'B' : 'l');
    brig_dbus_put_byte(out, m->type);
    brig_dbus_put_byte(out, m->flags);
    brig_dbus_put_byte(out, 1); /* protocol version */
    brig_dbus_put_u32(out, (uint32_t)blen);
    brig_dbus_put_u32(out, m->serial);
    size_t a = brig_dbus_array_begin(out, '(');
    if (m->path)
        put_field(out, FIELD_PATH, "o", m->path, 0);
    if (m->interface)
        put_field(out, FIELD_INTERFACE, "s", m->interface, 0);
    if (m->member)
        put_field(out, FIELD_MEMBER, "s", m->member, 0);
    if (m->error_name)
        put_field(out, FIELD_ERROR_NAME, "s", m->error_name, 0);
    if (m->reply_serial)
        put_field(out, FIELD_REPLY_SERIAL, "u", NULL, m->reply_serial);
    if (m->destination)
        put_field(out, FIELD_DESTINATION, "s", m->destination, 0);
    if (m->sender)
        put_field(out, FIELD_SENDER, "s", m->sender, 0);
    if (*sig)
        put_field(out, FIELD_SIGNATURE, "g", sig, 0);
    brig_dbus_array_end(out, a);
    brig_dbus_pad(out, 8);
    if (blen)
        put_raw(out, body->data, blen);
    if (out->bad)
        return brig_fail(0, "D-Bus message %s: cannot send %s", m->member ? m->member : "", out->bad);
    if (out->len > BRIG_DBUS_MAX_MESSAGE)
        return brig_fail(EMSGSIZE, "D-Bus message %s", m->member ? m->member : "");
    return 0;
}

static uint32_t load_u32(const uint8_t *p, bool be)
{
    if (be)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

int brig_dbus_msg_size(const uint8_t *p, size_t n, size_t *total)
{
    if (n < 16)
        return brig_fail(EPROTO, "D-Bus: short message header");
    if ((p[0] != 'l' && p[0] != 'B') || p[3] != 1)
        return brig_fail(EPROTO, "D-Bus: not a version 1 message");
    bool be = p[0] == 'B';
    uint32_t body = load_u32(p + 4, be), fields = load_u32(p + 12, be);
    if (fields > BRIG_DBUS_MAX_ARRAY || body > BRIG_DBUS_MAX_MESSAGE)
        return brig_fail(EMSGSIZE, "D-Bus: message too large");
    size_t t = align_up(16 + (size_t)fields, 8) + body;
    if (t > BRIG_DBUS_MAX_MESSAGE)
        return brig_fail(EMSGSIZE, "D-Bus: message too large");
    *total = t;
    return 0;
}

void brig_dbus_msg_free(struct brig_dbus_msg *m)
{
    free(m->raw);
    memset(m, 0, sizeof *m);
}

static int bad(const char *what)
{
    return brig_fail(EPROTO, "D-Bus: malformed message: %s", what);
}

int brig_dbus_decode(uint8_t *raw, size_t len, struct brig_dbus_msg *out)
{
    memset(out, 0, sizeof *out);
    out->raw = raw;
    out->raw_len = len;
    size_t total;
    if (brig_dbus_msg_size(raw, len, &total) < 0)
        goto fail;
    if (total != len) {
        bad("length");
        goto fail;
    }
    out->big_endian = raw[0] == 'B';
    out->type = raw[1];
    out->flags = raw[2];
    out->serial = load_u32(raw + 8, out->big_endian);
    struct brig_dbus_reader r = {.p = raw, .len = len, .pos = 12, .big_endian = out->big_endian};
    size_t end;
    if (brig_dbus_get_array(&r, '(', &end) < 0)
        goto fail;
    while (brig_dbus_array_more(&r, end)) {
        uint8_t code;
        const char *sig, *s = NULL;
        uint32_t u = 0;
        if (brig_dbus_get_struct(&r) < 0 || brig_dbus_get_byte(&r, &code) < 0 ||
            brig_dbus_get_variant(&r, &sig) < 0)
            goto fail;
        static const char want[] = {0, 'o', 's', 's', 's', 'u', 's', 's', 'g', 'u'};
        if (code >= 1 && code <= 9 && (sig[0] != want[code] || sig[1])) {
            bad("header field type");
            goto fail;
        }
        int rr;
        switch (code) {
        case FIELD_PATH: rr = brig_dbus_get_path(&r, &s); break;
        case FIELD_SIGNATURE: rr = brig_dbus_get_sig(&r, &s); break;
        case FIELD_REPLY_SERIAL: case FIELD_UNIX_FDS: rr = brig_dbus_get_u32(&r, &u); break;
        case FIELD_INTERFACE: case FIELD_MEMBER: case FIELD_ERROR_NAME:
        case FIELD_DESTINATION: case FIELD_SENDER: rr = brig_dbus_get_str(&r, &s); break;
        default: rr = brig_dbus_skip(&r, sig); break; /* unknown fields are ignored */
        }
        if (rr < 0)
            goto fail;
        switch (code) {
        case FIELD_PATH: out->path = s; break;
        case FIELD_INTERFACE: out->interface = s; break;
        case FIELD_MEMBER: out->member = s; break;
        case FIELD_ERROR_NAME: out->error_name = s; break;
        case FIELD_REPLY_SERIAL: out->reply_serial = u; break;
        case FIELD_DESTINATION: out->destination = s; break;
        case FIELD_SENDER: out->sender = s; break;
        case FIELD_SIGNATURE: out->signature = s; break;
        case FIELD_UNIX_FDS:
            if (u) {
                bad("file descriptors were not negotiated");
                goto fail;
            }
            break;
        }
    }
    if (r.pos != end) {
        bad("header fields");
        goto fail;
    }
    size_t body = align_up(end, 8);
    out->body = raw + body;
    out->body_len = len - body;
    if (out->serial == 0 ||
        ((out->type == BRIG_DBUS_METHOD_CALL || out->type == BRIG_DBUS_SIGNAL) &&
         (!out->path || !out->member)) ||
        (out->type == BRIG_DBUS_SIGNAL && !out->interface) ||
        (out->type == BRIG_DBUS_ERROR && !out->error_name) ||
        ((out->type == BRIG_DBUS_ERROR || out->type == BRIG_DBUS_METHOD_RETURN) &&
         !out->reply_serial)) {
        bad("a required header field is missing");
        goto fail;
    }
    if (!out->signature)
        out->signature = "";
    if (out->body_len && !*out->signature) {
        bad("a body without a signature");
        goto fail;
    }
    return 0;
fail:
    brig_dbus_msg_free(out);
    return -1;
}

/* ---- reading ---- */

void brig_dbus_reader_init(struct brig_dbus_reader *r, const struct brig_dbus_msg *m)
{
    memset(r, 0, sizeof *r);
    r->p = m->body;
    r->len = m->body_len;
    r->big_endian = m->big_endian;
}

static int r_align(struct brig_dbus_reader *r, size_t a)
{
    size_t p = align_up(r->pos, a);
    if (p > r->len)
        return bad("truncated");
    for (size_t i = r->pos; i < p; i++)
        if (r->p[i])
            return bad("non-zero padding");
    r->pos = p;
    return 0;
}

static int r_need(struct brig_dbus_reader *r, size_t n)
{
    if (r->len - r->pos < n)
        return bad("truncated");
    return 0;
}

int brig_dbus_get_byte(struct brig_dbus_reader *r, uint8_t *v)
{
    if (r_need(r, 1) < 0)
        return -1;
    *v = r->p[r->pos++];
    return 0;
}

int brig_dbus_get_u32(struct brig_dbus_reader *r, uint32_t *v)
{
    if (r_align(r, 4) < 0 || r_need(r, 4) < 0)
        return -1;
    *v = load_u32(r->p + r->pos, r->big_endian);
    r->pos += 4;
    return 0;
}

int brig_dbus_get_bool(struct brig_dbus_reader *r, bool *v)
{
    uint32_t u;
    if (brig_dbus_get_u32(r, &u) < 0)
        return -1;
    if (u > 1)
        return bad("boolean other than 0 or 1");
    *v = u;
    return 0;
}

int brig_dbus_get_u64(struct brig_dbus_reader *r, uint64_t *v)
{
    if (r_align(r, 8) < 0 || r_need(r, 8) < 0)
        return -1;
    uint64_t lo = load_u32(r->p + r->pos, r->big_endian);
    uint64_t hi = load_u32(r->p + r->pos + 4, r->big_endian);
    *v = r->big_endian ? (lo << 32 | hi) : (hi << 32 | lo);
    r->pos += 8;
    return 0;
}

/* N bytes then a NUL at the reader's position, with no NUL inside. */
static int r_chars(struct brig_dbus_reader *r, size_t n, const char **s)
{
    if (n >= r->len - r->pos || r->p[r->pos + n] != 0)
        return bad("unterminated string");
    const char *p = (const char *)r->p + r->pos;
    if (memchr(p, 0, n))
        return bad("NUL in a string");
    *s = p;
    r->pos += n + 1;
    return 0;
}

int brig_dbus_get_str(struct brig_dbus_reader *r, const char **s)
{
    uint32_t n;
    if (brig_dbus_get_u32(r, &n) < 0 || r_chars(r, n, s) < 0)
        return -1;
    if (!brig_dbus_valid_utf8(*s, n))
        return bad("string not UTF-8");
    return 0;
}

int brig_dbus_get_path(struct brig_dbus_reader *r, const char **s)
{
    if (brig_dbus_get_str(r, s) < 0)
        return -1;
    if (!brig_dbus_valid_path(*s))
        return bad("object path");
    return 0;
}

int brig_dbus_get_sig(struct brig_dbus_reader *r, const char **s)
{
    uint8_t n;
    if (brig_dbus_get_byte(r, &n) < 0 || r_chars(r, n, s) < 0)
        return -1;
    if (!brig_dbus_valid_signature(*s))
        return bad("signature");
    return 0;
}

int brig_dbus_get_array(struct brig_dbus_reader *r, char elem, size_t *end)
{
    uint32_t n;
    if (brig_dbus_get_u32(r, &n) < 0)
        return -1;
    if (n > BRIG_DBUS_MAX_ARRAY)
        return bad("array too long");
    if (r_align(r, align_of(elem)) < 0)
        return -1;
    if (n > r->len - r->pos)
        return bad("truncated array");
    *end = r->pos + n;
    return 0;
}

bool brig_dbus_array_more(const struct brig_dbus_reader *r, size_t end)
{
    return r->pos < end;
}

int brig_dbus_get_struct(struct brig_dbus_reader *r)
{
    return r_align(r, 8);
}

int brig_dbus_get_variant(struct brig_dbus_reader *r, const char **sig)
{
    if (brig_dbus_get_sig(r, sig) < 0)
        return -1;
    if (!**sig || brig_dbus_type_len(*sig) != strlen(*sig))
        return bad("variant signature");
    return 0;
}

int brig_dbus_skip(struct brig_dbus_reader *r, const char *sig)
{
    const char *s;
    uint8_t y;
    uint32_t u;
    uint64_t t;
    bool b;
    if (r->depth >= MAX_DEPTH)
        return bad("nested too deep");
    switch (sig[0]) {
    case 'y': return brig_dbus_get_byte(r, &y);
    case 'b': return brig_dbus_get_bool(r, &b);
    case 'n': case 'q':
        if (r_align(r, 2) < 0 || r_need(r, 2) < 0)
            return -1;
        r->pos += 2;
        return 0;
    case 'i': case 'u': case 'h': return brig_dbus_get_u32(r, &u);
    case 'x': case 't': case 'd': return brig_dbus_get_u64(r, &t);
    case 's': return brig_dbus_get_str(r, &s);
    case 'o': return brig_dbus_get_path(r, &s);
    case 'g': return brig_dbus_get_sig(r, &s);
    case 'v': {
        if (brig_dbus_get_variant(r, &s) < 0)
            return -1;
        r->depth++;
        int rr = brig_dbus_skip(r, s);
        r->depth--;
        return rr;
    }
    case 'a': {
        size_t end;
        if (brig_dbus_get_array(r, sig[1], &end) < 0)
            return -1;
        r->depth++;
        while (brig_dbus_array_more(r, end))
            if (brig_dbus_skip(r, sig + 1) < 0)
                return -1;
        r->depth--;
        if (r->pos != end)
            return bad("array length");
        return 0;
    }
    case '(': case '{': {
        if (r_align(r, 8) < 0)
            return -1;
        r->depth++;
        size_t i = 1;
        while (sig[i] != ')' && sig[i] != '}') {
            size_t n = brig_dbus_type_len(sig + i);
            if (!n)
                return bad("signature");
            if (brig_dbus_skip(r, sig + i) < 0)
                return -1;
            i += n;
        }
        r->depth--;
        return 0;
    }
    default:
        return bad("signature");
    }
}

char *brig_dbus_error_text(const struct brig_dbus_msg *m)
{
    const char *text = NULL;
    if (m->signature && m->signature[0] == 's') {
        struct brig_dbus_reader r;
        brig_dbus_reader_init(&r, m);
        if (brig_dbus_get_str(&r, &text) < 0)
            text = NULL;
    }
    const char *name = m->error_name ? m->error_name : "(unnamed error)";
    return text && *text ? brig_xasprintf("%s: %s", name, text) : brig_xstrdup(name);
}

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
