/* brig: the D-Bus wire format (see include/brig/dbus.h): validation,
 * marshalling, message headers and reading, written from the D-Bus
 * specification ("Message Protocol").  Messages go out in this machine's
 * byte order; both orders are read.  Everything here parses what the bus
 * sends: fuzz/fuzz_dbus.c drives it. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "brig/dbus.h"
#include "brig/internal.h"

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
