/* Unit tests for the D-Bus client (runtime/cgroup/dbus.c) and the systemd unit
 * properties (runtime/cgroup/cgroup_systemd.c): the exact bytes of a
 * StartTransientUnit call, the alignment and padding rules, decoding of
 * replies, errors and signals in both byte orders, refusal of malformed
 * data.  The reply, error and signal messages below were produced by
 * GLib's GDBus (Gio.DBusMessage.to_blob), an independent implementation;
 * GDBus also decodes the StartTransientUnit bytes expected here to the
 * same call (its own encoding differs only in the order of the header
 * fields). */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cgroup_internal.h"
#include "brig/dbus.h"
#include "brig/error.h"
#include "brig/internal.h"
#include "unit.h"

/* main.c owns the globals; log.c (reached through brig_debug) needs them */
struct brig_globals brig_g;

static bool little_endian(void)
{
    return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
}

/* Compare a buffer with expected bytes, showing the first difference. */
#define CHECK_BYTES(got, got_len, want, want_len) check_bytes(__LINE__, got, got_len, want, want_len)
static void check_bytes(int line, const uint8_t *got, size_t got_len, const void *want_v,
                        size_t want_len)
{
    const uint8_t *want = want_v;
    unit_checks++;
    size_t n = got_len < want_len ? got_len : want_len;
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i]) {
            UNIT_FAIL("line %d: byte 0x%zx: got 0x%02x, expected 0x%02x", line, i, got[i], want[i]);
            return;
        }
    if (got_len != want_len)
        UNIT_FAIL("line %d: length %zu, expected %zu", line, got_len, want_len);
}

/* StartTransientUnit("brig-abc.scope", "replace", [Description "d",
 * Delegate true, PIDs [7], MemoryMax 1 MiB], []) with serial 5, as a
 * little-endian machine sends it.  Offsets are from the message start. */
static const char start_transient_unit[] =
    "l" "\x01" "\0" "\x01"        /* little endian, METHOD_CALL, no flags, version 1 */
    "\xa0\0\0\0"                  /* body: 160 bytes */
    "\x05\0\0\0"                  /* serial 5 */
    "\xb6\0\0\0"                  /* header fields a(yv): 182 bytes from 0x10 */
    /* 0x10 */ "\x01" "\x01" "o" "\0" "\x19\0\0\0" "/org/freedesktop/systemd1\0"
    "\0\0\0\0\0\0"                /* PATH; pad to 8 */
    /* 0x38 */ "\x02" "\x01" "s" "\0" "\x20\0\0\0" "org.freedesktop.systemd1.Manager\0"
    "\0\0\0\0\0\0\0"              /* INTERFACE */
    /* 0x68 */ "\x03" "\x01" "s" "\0" "\x12\0\0\0" "StartTransientUnit\0"
    "\0\0\0\0\0"                  /* MEMBER */
    /* 0x88 */ "\x06" "\x01" "s" "\0" "\x18\0\0\0" "org.freedesktop.systemd1\0"
    "\0\0\0\0\0\0\0"              /* DESTINATION */
    /* 0xb0 */ "\x08" "\x01" "g" "\0" "\x10" "ssa(sv)a(sa(sv))\0"
    /* 0xc6: the array ends; the body starts 8-aligned */
    "\0\0"
    /* body +0 */ "\x0e\0\0\0" "brig-abc.scope\0" "\0"  /* s, pad to 4 */
    /* +20 */ "\x07\0\0\0" "replace\0"                 /* s */
    /* +32 */ "\x70\0\0\0" "\0\0\0\0"                  /* a(sv): 112 bytes, from +40 (8-aligned) */
    /* +40 */ "\x0b\0\0\0" "Description\0" "\x01" "s" "\0" "\0" "\x01\0\0\0" "d\0"
    "\0\0\0\0\0\0"                                    /* next struct 8-aligned */
    /* +72 */ "\x08\0\0\0" "Delegate\0" "\x01" "b" "\0" "\x01\0\0\0" "\0\0\0\0"
    /* +96 */ "\x04\0\0\0" "PIDs\0" "\x02" "au" "\0" "\0\0\0" "\x04\0\0\0" "\x07\0\0\0"
    /* +120 */ "\x09\0\0\0" "MemoryMax\0" "\x01" "t" "\0" "\0\0\0\0\0\0\0"
    "\0\0\x10\0\0\0\0\0"                              /* t at +144 */
    /* +152 */ "\0\0\0\0" "\0\0\0\0";                 /* a(sa(sv)): empty, yet padded to 8 */

static void put_prop_header(struct brig_dbus_buf *b, const char *name, const char *sig)
{
    brig_dbus_struct_begin(b);
    brig_dbus_put_str(b, name);
    brig_dbus_variant(b, sig);
}

static void test_encode_start_transient_unit(void)
{
    if (!little_endian()) {
        unit_skip("the expected bytes are little-endian");
        return;
    }
    struct brig_dbus_buf body = {0}, out = {0};
    brig_dbus_put_str(&body, "brig-abc.scope");
    brig_dbus_put_str(&body, "replace");
    size_t a = brig_dbus_array_begin(&body, '(');
    put_prop_header(&body, "Description", "s");
    brig_dbus_put_str(&body, "d");
    put_prop_header(&body, "Delegate", "b");
    brig_dbus_put_bool(&body, true);
    put_prop_header(&body, "PIDs", "au");
    size_t p = brig_dbus_array_begin(&body, 'u');
    brig_dbus_put_u32(&body, 7);
    brig_dbus_array_end(&body, p);
    put_prop_header(&body, "MemoryMax", "t");
    brig_dbus_put_u64(&body, 1048576);
    brig_dbus_array_end(&body, a);
    size_t aux = brig_dbus_array_begin(&body, '(');
    brig_dbus_array_end(&body, aux);

    struct brig_dbus_msg m = {
        .type = BRIG_DBUS_METHOD_CALL, .serial = 5, .path = "/org/freedesktop/systemd1",
        .interface = "org.freedesktop.systemd1.Manager", .member = "StartTransientUnit",
        .destination = "org.freedesktop.systemd1", .signature = "ssa(sv)a(sa(sv))",
    };
    int r = brig_dbus_encode(&m, &body, &out);
    CHECK_MSG(r == 0, "encode: %s", brig_last_error());
    CHECK_BYTES(out.data, out.len, start_transient_unit, sizeof start_transient_unit - 1);

    /* and it decodes back to the same call */
    struct brig_dbus_msg d;
    uint8_t *raw = brig_xmalloc(out.len);
    memcpy(raw, out.data, out.len);
    CHECK(brig_dbus_decode(raw, out.len, &d) == 0);
    CHECK_INT(d.type, BRIG_DBUS_METHOD_CALL);
    CHECK_UINT(d.serial, 5);
    CHECK_STR(d.path, "/org/freedesktop/systemd1");
    CHECK_STR(d.interface, "org.freedesktop.systemd1.Manager");
    CHECK_STR(d.member, "StartTransientUnit");
    CHECK_STR(d.destination, "org.freedesktop.systemd1");
    CHECK_STR(d.signature, "ssa(sv)a(sa(sv))");
    CHECK_UINT(d.body_len, 160);
    struct brig_dbus_reader rd;
    const char *s, *sig;
    size_t end;
    brig_dbus_reader_init(&rd, &d);
    CHECK(brig_dbus_get_str(&rd, &s) == 0);
    CHECK_STR(s, "brig-abc.scope");
    CHECK(brig_dbus_get_str(&rd, &s) == 0);
    CHECK_STR(s, "replace");
    CHECK(brig_dbus_get_array(&rd, '(', &end) == 0);
    CHECK_UINT(end, 152);
    int n = 0;
    while (brig_dbus_array_more(&rd, end) && n < 10) {
        CHECK(brig_dbus_get_struct(&rd) == 0);
        CHECK(brig_dbus_get_str(&rd, &s) == 0);
        CHECK(brig_dbus_get_variant(&rd, &sig) == 0);
        if (strcmp(s, "MemoryMax") == 0) {
            uint64_t v = 0;
            CHECK_STR(sig, "t");
            CHECK(brig_dbus_get_u64(&rd, &v) == 0);
            CHECK_UINT(v, 1048576);
        } else {
            CHECK(brig_dbus_skip(&rd, sig) == 0);
        }
        n++;
    }
    CHECK_INT(n, 4);
    CHECK(brig_dbus_skip(&rd, "a(sa(sv))") == 0);
    CHECK_UINT(rd.pos, rd.len);
    brig_dbus_msg_free(&d);
    brig_dbus_buf_free(&body);
    brig_dbus_buf_free(&out);
}

static void test_alignment_and_padding(void)
{
    struct brig_dbus_buf b = {0};
    /* y then t: seven zero bytes between */
    brig_dbus_put_byte(&b, 0xaa);
    brig_dbus_put_u64(&b, 0x0102030405060708ull);
    CHECK_UINT(b.len, 16);
    for (size_t i = 1; i < 8; i++)
        CHECK_UINT(b.data[i], 0);
    /* y then u: three */
    brig_dbus_put_byte(&b, 1);
    brig_dbus_put_u32(&b, 2);
    CHECK_UINT(b.len, 24);
    /* a signature has no alignment; its value follows at its own */
    brig_dbus_put_byte(&b, 1);
    brig_dbus_variant(&b, "q");
    CHECK_UINT(b.len, 28);
    /* an empty array of t: length 0, then padding to 8 all the same */
    brig_dbus_put_byte(&b, 9);              /* 28 -> 29 */
    size_t a = brig_dbus_array_begin(&b, 't'); /* length at 32, elements at 40 */
    CHECK_UINT(a, 32);
    CHECK_UINT(b.len, 40);
    brig_dbus_array_end(&b, a);
    uint32_t len;
    memcpy(&len, b.data + 32, 4);
    CHECK_UINT(len, 0);
    /* the length counts from the first element, not the padding */
    a = brig_dbus_array_begin(&b, 't');     /* 40: length, 48: first t */
    brig_dbus_put_u64(&b, 1);
    brig_dbus_put_u64(&b, 2);
    brig_dbus_array_end(&b, a);
    memcpy(&len, b.data + 40, 4);
    CHECK_UINT(len, 16);
    CHECK_UINT(b.len, 64);
    /* arrays of bytes: no padding after the length */
    a = brig_dbus_array_begin(&b, 'y');
    brig_dbus_put_byte(&b, 5);
    brig_dbus_array_end(&b, a);
    CHECK_UINT(b.len, 69);
    memcpy(&len, b.data + 64, 4);
    CHECK_UINT(len, 1);
    /* a struct starts 8-aligned */
    brig_dbus_struct_begin(&b);
    CHECK_UINT(b.len, 72);
    /* a string: u32 length, bytes, NUL (not counted) */
    brig_dbus_put_str(&b, "ab");
    CHECK_UINT(b.len, 79);
    CHECK(memcmp(b.data + 72, "\x02\0\0\0" "ab\0", 7) == 0 || !little_endian());
    CHECK(b.bad == NULL);

    /* reading back the same rules */
    struct brig_dbus_msg m = {.body = b.data, .body_len = b.len, .big_endian = !little_endian()};
    struct brig_dbus_reader r;
    uint8_t y;
    uint64_t t;
    uint32_t u;
    const char *sig, *s;
    size_t end;
    brig_dbus_reader_init(&r, &m);
    CHECK(brig_dbus_get_byte(&r, &y) == 0 && y == 0xaa);
    CHECK(brig_dbus_get_u64(&r, &t) == 0 && t == 0x0102030405060708ull);
    CHECK(brig_dbus_get_byte(&r, &y) == 0 && brig_dbus_get_u32(&r, &u) == 0 && u == 2);
    CHECK(brig_dbus_get_byte(&r, &y) == 0);
    CHECK(brig_dbus_get_variant(&r, &sig) == 0);
    CHECK_STR(sig, "q");
    CHECK(brig_dbus_get_byte(&r, &y) == 0 && y == 9);
    CHECK(brig_dbus_get_array(&r, 't', &end) == 0);
    CHECK_UINT(end, 40);
    CHECK(!brig_dbus_array_more(&r, end));
    CHECK(brig_dbus_skip(&r, "at") == 0);
    CHECK_UINT(r.pos, 64);
    CHECK(brig_dbus_skip(&r, "ay") == 0);
    CHECK(brig_dbus_get_struct(&r) == 0);
    CHECK(brig_dbus_get_str(&r, &s) == 0);
    CHECK_STR(s, "ab");
    CHECK_UINT(r.pos, r.len);

    /* non-zero padding is refused */
    b.data[3] = 1;
    brig_dbus_reader_init(&r, &m);
    CHECK(brig_dbus_get_byte(&r, &y) == 0);
    CHECK(brig_dbus_get_u64(&r, &t) < 0);
    CHECK_STR_CONTAINS(brig_last_error(), "padding");
    brig_dbus_buf_free(&b);
}

static void test_refuses_what_dbus_cannot_carry(void)
{
    struct brig_dbus_buf b = {0}, out = {0};
    brig_dbus_put_str(&b, "caf\xc3\xa9"); /* UTF-8: fine */
    CHECK(b.bad == NULL);
    brig_dbus_put_str(&b, "\xff\xfe");
    CHECK(b.bad != NULL);
    struct brig_dbus_msg m = {.type = BRIG_DBUS_METHOD_CALL, .serial = 1, .path = "/", .member = "X",
                              .signature = "ss"};
    CHECK(brig_dbus_encode(&m, &b, &out) < 0);
    CHECK_STR_CONTAINS(brig_last_error(), "UTF-8");
    brig_dbus_buf_free(&b);

    brig_dbus_put_path(&b, "/a//b");
    CHECK(b.bad != NULL);
    brig_dbus_buf_free(&b);
    brig_dbus_variant(&b, "ss"); /* two types in a variant */
    CHECK(b.bad != NULL);
    brig_dbus_buf_free(&b);

    /* missing header fields */
    struct brig_dbus_msg no_member = {.type = BRIG_DBUS_METHOD_CALL, .serial = 1, .path = "/"};
    CHECK(brig_dbus_encode(&no_member, NULL, &out) < 0);
    struct brig_dbus_msg no_serial = {.type = BRIG_DBUS_METHOD_CALL, .path = "/", .member = "X"};
    CHECK(brig_dbus_encode(&no_serial, NULL, &out) < 0);
    struct brig_dbus_msg err = {.type = BRIG_DBUS_ERROR, .serial = 2, .error_name = "a.B"};
    CHECK(brig_dbus_encode(&err, NULL, &out) < 0); /* no reply serial */
    brig_dbus_buf_free(&out);
}

static void test_validation(void)
{
    CHECK(brig_dbus_valid_signature(""));
    CHECK(brig_dbus_valid_signature("ssa(sv)a(sa(sv))"));
    CHECK(brig_dbus_valid_signature("a{sv}"));
    CHECK(brig_dbus_valid_signature("a{oa{sa{sv}}}"));
    CHECK(!brig_dbus_valid_signature("a"));
    CHECK(!brig_dbus_valid_signature("()"));
    CHECK(!brig_dbus_valid_signature("(s"));
    CHECK(!brig_dbus_valid_signature("{sv}"));  /* dict entries only in arrays */
    CHECK(!brig_dbus_valid_signature("a{vs}")); /* keys are basic */
    CHECK(!brig_dbus_valid_signature("a{sss}"));
    CHECK(!brig_dbus_valid_signature("z"));
    char deep[40];
    memset(deep, 'a', 32);
    strcpy(deep + 32, "y");
    CHECK(brig_dbus_valid_signature(deep)); /* 32 arrays: the limit */
    memset(deep, 'a', 33);
    strcpy(deep + 33, "y");
    CHECK(!brig_dbus_valid_signature(deep));
    CHECK_UINT(brig_dbus_type_len("a(sv)s"), 5);
    CHECK_UINT(brig_dbus_type_len("a{sv}"), 5);

    CHECK(brig_dbus_valid_path("/"));
    CHECK(brig_dbus_valid_path("/org/freedesktop/systemd1/job/12"));
    CHECK(brig_dbus_valid_path("/org/freedesktop/systemd1/unit/brig_2dabc_2escope"));
    CHECK(!brig_dbus_valid_path(""));
    CHECK(!brig_dbus_valid_path("org"));
    CHECK(!brig_dbus_valid_path("/a/"));
    CHECK(!brig_dbus_valid_path("/a//b"));
    CHECK(!brig_dbus_valid_path("/a-b"));

    CHECK(brig_dbus_valid_utf8("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x90\xb3", 15));
    CHECK(!brig_dbus_valid_utf8("\xc0\xaf", 2));         /* overlong "/" */
    CHECK(!brig_dbus_valid_utf8("\xed\xa0\x80", 3));     /* a surrogate */
    CHECK(!brig_dbus_valid_utf8("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
    CHECK(!brig_dbus_valid_utf8("\xe2\x82", 2));         /* truncated */
    CHECK(!brig_dbus_valid_utf8("a\0b", 3));
}

/* Made by GDBus: the reply to call 5, little endian, job path. */
static const uint8_t reply_le[] = {
    0x6c, 0x02, 0x01, 0x01, 0x27, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00,
    0x30, 0x00, 0x00, 0x00, 0x07, 0x01, 0x73, 0x00, 0x04, 0x00, 0x00, 0x00,
    0x3a, 0x31, 0x2e, 0x31, 0x00, 0x00, 0x00, 0x00, 0x06, 0x01, 0x73, 0x00,
    0x05, 0x00, 0x00, 0x00, 0x3a, 0x31, 0x2e, 0x34, 0x32, 0x00, 0x00, 0x00,
    0x08, 0x01, 0x67, 0x00, 0x01, 0x6f, 0x00, 0x00, 0x05, 0x01, 0x75, 0x00,
    0x05, 0x00, 0x00, 0x00, 0x22, 0x00, 0x00, 0x00, 0x2f, 0x6f, 0x72, 0x67,
    0x2f, 0x66, 0x72, 0x65, 0x65, 0x64, 0x65, 0x73, 0x6b, 0x74, 0x6f, 0x70,
    0x2f, 0x73, 0x79, 0x73, 0x74, 0x65, 0x6d, 0x64, 0x31, 0x2f, 0x6a, 0x6f,
    0x62, 0x2f, 0x31, 0x32, 0x33, 0x34, 0x00,
};

/* Made by GDBus: an error reply to call 5, big endian. */
static const uint8_t error_be[] = {
    0x42, 0x03, 0x01, 0x01, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x0a,
    0x00, 0x00, 0x00, 0x50, 0x07, 0x01, 0x73, 0x00, 0x00, 0x00, 0x00, 0x04,
    0x3a, 0x31, 0x2e, 0x31, 0x00, 0x00, 0x00, 0x00, 0x04, 0x01, 0x73, 0x00,
    0x00, 0x00, 0x00, 0x23, 0x6f, 0x72, 0x67, 0x2e, 0x66, 0x72, 0x65, 0x65,
    0x64, 0x65, 0x73, 0x6b, 0x74, 0x6f, 0x70, 0x2e, 0x73, 0x79, 0x73, 0x74,
    0x65, 0x6d, 0x64, 0x31, 0x2e, 0x55, 0x6e, 0x69, 0x74, 0x45, 0x78, 0x69,
    0x73, 0x74, 0x73, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x01, 0x67, 0x00,
    0x01, 0x73, 0x00, 0x00, 0x05, 0x01, 0x75, 0x00, 0x00, 0x00, 0x00, 0x05,
    0x00, 0x00, 0x00, 0x23, 0x55, 0x6e, 0x69, 0x74, 0x20, 0x62, 0x72, 0x69,
    0x67, 0x2d, 0x61, 0x62, 0x63, 0x2e, 0x73, 0x63, 0x6f, 0x70, 0x65, 0x20,
    0x61, 0x6c, 0x72, 0x65, 0x61, 0x64, 0x79, 0x20, 0x65, 0x78, 0x69, 0x73,
    0x74, 0x73, 0x2e, 0x00,
};

/* Made by GDBus: JobRemoved(1234, job/1234, "brig-abc.scope", "done"), big endian. */
static const uint8_t signal_be[] = {
    0x42, 0x04, 0x01, 0x01, 0x00, 0x00, 0x00, 0x49, 0x00, 0x00, 0x00, 0x0b,
    0x00, 0x00, 0x00, 0x8b, 0x07, 0x01, 0x73, 0x00, 0x00, 0x00, 0x00, 0x04,
    0x3a, 0x31, 0x2e, 0x31, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x6f, 0x00,
    0x00, 0x00, 0x00, 0x19, 0x2f, 0x6f, 0x72, 0x67, 0x2f, 0x66, 0x72, 0x65,
    0x65, 0x64, 0x65, 0x73, 0x6b, 0x74, 0x6f, 0x70, 0x2f, 0x73, 0x79, 0x73,
    0x74, 0x65, 0x6d, 0x64, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x01, 0x73, 0x00, 0x00, 0x00, 0x00, 0x20, 0x6f, 0x72, 0x67, 0x2e,
    0x66, 0x72, 0x65, 0x65, 0x64, 0x65, 0x73, 0x6b, 0x74, 0x6f, 0x70, 0x2e,
    0x73, 0x79, 0x73, 0x74, 0x65, 0x6d, 0x64, 0x31, 0x2e, 0x4d, 0x61, 0x6e,
    0x61, 0x67, 0x65, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x08, 0x01, 0x67, 0x00, 0x04, 0x75, 0x6f, 0x73, 0x73, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x03, 0x01, 0x73, 0x00, 0x00, 0x00, 0x00, 0x0a,
    0x4a, 0x6f, 0x62, 0x52, 0x65, 0x6d, 0x6f, 0x76, 0x65, 0x64, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0xd2, 0x00, 0x00, 0x00, 0x22,
    0x2f, 0x6f, 0x72, 0x67, 0x2f, 0x66, 0x72, 0x65, 0x65, 0x64, 0x65, 0x73,
    0x6b, 0x74, 0x6f, 0x70, 0x2f, 0x73, 0x79, 0x73, 0x74, 0x65, 0x6d, 0x64,
    0x31, 0x2f, 0x6a, 0x6f, 0x62, 0x2f, 0x31, 0x32, 0x33, 0x34, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x0e, 0x62, 0x72, 0x69, 0x67, 0x2d, 0x61, 0x62, 0x63,
    0x2e, 0x73, 0x63, 0x6f, 0x70, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,
    0x64, 0x6f, 0x6e, 0x65, 0x00,
};

static int decode_copy(const uint8_t *p, size_t n, struct brig_dbus_msg *m)
{
    uint8_t *raw = brig_xmalloc(n ? n : 1);
    memcpy(raw, p, n);
    return brig_dbus_decode(raw, n, m);
}

static void test_decode_reply(void)
{
    size_t total = 0;
    CHECK(brig_dbus_msg_size(reply_le, 16, &total) == 0);
    CHECK_UINT(total, sizeof reply_le);
    struct brig_dbus_msg m;
    int r = decode_copy(reply_le, sizeof reply_le, &m);
    CHECK_MSG(r == 0, "decode: %s", brig_last_error());
    if (r < 0)
        return;
    CHECK_INT(m.type, BRIG_DBUS_METHOD_RETURN);
    CHECK(!m.big_endian);
    CHECK_UINT(m.serial, 9);
    CHECK_UINT(m.reply_serial, 5);
    CHECK_STR(m.sender, ":1.1");
    CHECK_STR(m.destination, ":1.42");
    CHECK_STR(m.signature, "o");
    struct brig_dbus_reader rd;
    const char *job = NULL;
    brig_dbus_reader_init(&rd, &m);
    CHECK(brig_dbus_get_path(&rd, &job) == 0);
    CHECK_STR(job, "/org/freedesktop/systemd1/job/1234");
    CHECK_UINT(rd.pos, rd.len);
    /* reading the wrong type fails cleanly */
    brig_dbus_reader_init(&rd, &m);
    bool b;
    CHECK(brig_dbus_get_bool(&rd, &b) < 0); /* 0x22 is no boolean */
    brig_dbus_msg_free(&m);
}

static void test_decode_error(void)
{
    struct brig_dbus_msg m;
    int r = decode_copy(error_be, sizeof error_be, &m);
    CHECK_MSG(r == 0, "decode: %s", brig_last_error());
    if (r < 0)
        return;
    CHECK_INT(m.type, BRIG_DBUS_ERROR);
    CHECK(m.big_endian);
    CHECK_UINT(m.serial, 10);
    CHECK_UINT(m.reply_serial, 5);
    CHECK_STR(m.error_name, "org.freedesktop.systemd1.UnitExists");
    char *text = brig_dbus_error_text(&m);
    CHECK_STR(text, "org.freedesktop.systemd1.UnitExists: Unit brig-abc.scope already exists.");
    free(text);
    brig_dbus_msg_free(&m);
}

static void test_decode_signal(void)
{
    struct brig_dbus_msg m;
    int r = decode_copy(signal_be, sizeof signal_be, &m);
    CHECK_MSG(r == 0, "decode: %s", brig_last_error());
    if (r < 0)
        return;
    CHECK_INT(m.type, BRIG_DBUS_SIGNAL);
    CHECK_STR(m.path, "/org/freedesktop/systemd1");
    CHECK_STR(m.interface, "org.freedesktop.systemd1.Manager");
    CHECK_STR(m.member, "JobRemoved");
    CHECK_STR(m.signature, "uoss");
    struct brig_dbus_reader rd;
    uint32_t id = 0;
    const char *job = NULL, *unit = NULL, *result = NULL;
    brig_dbus_reader_init(&rd, &m);
    CHECK(brig_dbus_get_u32(&rd, &id) == 0);
    CHECK_UINT(id, 1234);
    CHECK(brig_dbus_get_path(&rd, &job) == 0 && brig_dbus_get_str(&rd, &unit) == 0 &&
          brig_dbus_get_str(&rd, &result) == 0);
    CHECK_STR(job, "/org/freedesktop/systemd1/job/1234");
    CHECK_STR(unit, "brig-abc.scope");
    CHECK_STR(result, "done");
    brig_dbus_msg_free(&m);
}

static void test_decode_refuses_malformed(void)
{
    struct brig_dbus_msg m;
    uint8_t buf[sizeof reply_le];
    size_t total;
    /* truncated: the header promises more */
    CHECK(decode_copy(reply_le, sizeof reply_le - 1, &m) < 0);
    CHECK(brig_dbus_msg_size(reply_le, 8, &total) < 0);
    /* not D-Bus */
    memcpy(buf, reply_le, sizeof buf);
    buf[0] = 'x';
    CHECK(decode_copy(buf, sizeof buf, &m) < 0);
    /* protocol version 2 */
    memcpy(buf, reply_le, sizeof buf);
    buf[3] = 2;
    CHECK(decode_copy(buf, sizeof buf, &m) < 0);
    /* a body length beyond the limit */
    memcpy(buf, reply_le, sizeof buf);
    buf[7] = 0x10;
    CHECK(brig_dbus_msg_size(buf, sizeof buf, &total) < 0);
    CHECK_STR_CONTAINS(brig_last_error(), "too large");
    /* the SIGNATURE field typed as a string */
    memcpy(buf, reply_le, sizeof buf);
    buf[0x32] = 's';
    CHECK(decode_copy(buf, sizeof buf, &m) < 0);
    /* serial 0 */
    memcpy(buf, reply_le, sizeof buf);
    buf[8] = 0;
    CHECK(decode_copy(buf, sizeof buf, &m) < 0);
    /* a string whose NUL is missing (the job path's last byte) */
    memcpy(buf, reply_le, sizeof buf);
    buf[sizeof buf - 1] = 'x';
    CHECK(decode_copy(buf, sizeof buf, &m) == 0); /* the header is fine ... */
    struct brig_dbus_reader rd;
    const char *s;
    brig_dbus_reader_init(&rd, &m);
    CHECK(brig_dbus_get_str(&rd, &s) < 0);          /* ... the body is not */
    brig_dbus_msg_free(&m);
    /* an array longer than what is left */
    uint8_t arr[8] = {0xff, 0, 0, 0, 0, 0, 0, 0};
    struct brig_dbus_msg fake = {.body = arr, .body_len = sizeof arr};
    size_t end;
    brig_dbus_reader_init(&rd, &fake);
    CHECK(brig_dbus_get_array(&rd, 'y', &end) < 0);
    /* a boolean must be 0 or 1 */
    uint8_t two[4] = {2, 0, 0, 0};
    fake.body = two;
    fake.body_len = 4;
    bool b;
    brig_dbus_reader_init(&rd, &fake);
    CHECK(brig_dbus_get_bool(&rd, &b) < 0);
    /* variants nested past the limit */
    struct brig_dbus_buf deep = {0};
    for (int i = 0; i < 70; i++)
        brig_dbus_variant(&deep, "v");
    brig_dbus_variant(&deep, "y");
    brig_dbus_put_byte(&deep, 1);
    fake.body = deep.data;
    fake.body_len = deep.len;
    brig_dbus_reader_init(&rd, &fake);
    CHECK(brig_dbus_skip(&rd, "v") < 0);
    CHECK_STR_CONTAINS(brig_last_error(), "deep");
    brig_dbus_buf_free(&deep);
}

/* ---- the systemd properties ---- */

struct props {
    size_t n;
    struct {
        char name[32], sig[16];
        uint64_t u;
        bool b;
        char s[128];
        char list[256]; /* au, as, a(ss), ay: items joined by ',' */
    } p[40];
};

static void read_props(const struct brig_dbus_buf *b, struct props *out)
{
    memset(out, 0, sizeof *out);
    struct brig_dbus_msg m = {.body = b->data, .body_len = b->len, .big_endian = !little_endian()};
    struct brig_dbus_reader r;
    size_t end, e2;
    brig_dbus_reader_init(&r, &m);
    CHECK(brig_dbus_get_array(&r, '(', &end) == 0);
    while (brig_dbus_array_more(&r, end) && out->n < 40) {
        const char *name, *sig, *s;
        CHECK(brig_dbus_get_struct(&r) == 0 && brig_dbus_get_str(&r, &name) == 0 &&
              brig_dbus_get_variant(&r, &sig) == 0);
        typeof(out->p[0]) *p = &out->p[out->n++];
        snprintf(p->name, sizeof p->name, "%s", name);
        snprintf(p->sig, sizeof p->sig, "%s", sig);
        if (!strcmp(sig, "t"))
            CHECK(brig_dbus_get_u64(&r, &p->u) == 0);
        else if (!strcmp(sig, "b"))
            CHECK(brig_dbus_get_bool(&r, &p->b) == 0);
        else if (!strcmp(sig, "s")) {
            CHECK(brig_dbus_get_str(&r, &s) == 0);
            snprintf(p->s, sizeof p->s, "%s", s);
        } else if (sig[0] == 'a') {
            CHECK(brig_dbus_get_array(&r, sig[1], &e2) == 0);
            while (brig_dbus_array_more(&r, e2)) {
                char item[64] = "";
                uint32_t u;
                uint8_t y;
                const char *a, *acc;
                if (!strcmp(sig, "au") && brig_dbus_get_u32(&r, &u) == 0)
                    snprintf(item, sizeof item, "%u", u);
                else if (!strcmp(sig, "ay") && brig_dbus_get_byte(&r, &y) == 0)
                    snprintf(item, sizeof item, "%02x", y);
                else if (!strcmp(sig, "as") && brig_dbus_get_str(&r, &a) == 0)
                    snprintf(item, sizeof item, "%s", a);
                else if (!strcmp(sig, "a(ss)") && brig_dbus_get_struct(&r) == 0 &&
                         brig_dbus_get_str(&r, &a) == 0 && brig_dbus_get_str(&r, &acc) == 0)
                    snprintf(item, sizeof item, "%s %s", a, acc);
                else {
                    UNIT_FAIL("cannot read %s of %s", sig, name);
                    return;
                }
                size_t l = strlen(p->list);
                snprintf(p->list + l, sizeof p->list - l, "%s%s", l ? "," : "", item);
            }
        } else {
            UNIT_FAIL("unexpected type %s for %s", sig, name);
            return;
        }
    }
    CHECK_UINT(r.pos, r.len);
}

static const void *prop(const struct props *ps, const char *name)
{
    for (size_t i = 0; i < ps->n; i++)
        if (!strcmp(ps->p[i].name, name))
            return &ps->p[i];
    return NULL;
}
#define PROP(ps, name) ((const typeof((ps)->p[0]) *)prop(ps, name))

static void test_scope_properties_v1(void)
{
    struct brig_memory mem = {.limit = {true, 64 << 20}};
    struct brig_cpu cpu = {.shares = {true, 512}, .quota = {true, 25000}, .period = {true, 100000},
                           .cpus = "0-1"};
    struct brig_resources res = {.memory = &mem, .cpu = &cpu, .pids_limit = {true, 100}};
    struct brig_cg_sd_unit u = {.name = "abc", .slice = "system.slice", .transient = true,
                                .pid = 4242, .mode = BRIG_CGROUP_HYBRID};
    struct brig_dbus_buf b = {0};
    struct props ps;
    brig_cg_systemd_props(&b, &u, &res);
    CHECK(b.bad == NULL);
    read_props(&b, &ps);
    CHECK(PROP(&ps, "Description") && !strcmp(PROP(&ps, "Description")->s, "brig container abc"));
    CHECK(PROP(&ps, "Slice") && !strcmp(PROP(&ps, "Slice")->s, "system.slice"));
    CHECK(PROP(&ps, "Delegate") && PROP(&ps, "Delegate")->b);
    CHECK(PROP(&ps, "PIDs") && !strcmp(PROP(&ps, "PIDs")->list, "4242"));
    CHECK(PROP(&ps, "DefaultDependencies") && !PROP(&ps, "DefaultDependencies")->b);
    CHECK(PROP(&ps, "MemoryAccounting") && PROP(&ps, "MemoryAccounting")->b);
    CHECK(PROP(&ps, "CPUAccounting") && PROP(&ps, "TasksAccounting"));
    CHECK(PROP(&ps, "BlockIOAccounting") && !PROP(&ps, "IOAccounting"));
    /* v1 names */
    CHECK(PROP(&ps, "MemoryLimit") && PROP(&ps, "MemoryLimit")->u == 64 << 20);
    CHECK(!PROP(&ps, "MemoryMax"));
    CHECK(PROP(&ps, "CPUShares") && PROP(&ps, "CPUShares")->u == 512);
    CHECK(PROP(&ps, "CPUQuotaPerSecUSec") && PROP(&ps, "CPUQuotaPerSecUSec")->u == 250000);
    CHECK(PROP(&ps, "TasksMax") && PROP(&ps, "TasksMax")->u == 100);
    /* systemd's version unknown: nothing that needs a newer one */
    CHECK(!PROP(&ps, "CPUQuotaPeriodUSec") && !PROP(&ps, "AllowedCPUs"));
    /* no rules given: no device properties */
    CHECK(!PROP(&ps, "DevicePolicy"));
    brig_dbus_buf_free(&b);

    /* known to be new enough */
    u.version = 252;
    brig_cg_systemd_props(&b, &u, &res);
    read_props(&b, &ps);
    CHECK(PROP(&ps, "CPUQuotaPeriodUSec") && PROP(&ps, "CPUQuotaPeriodUSec")->u == 100000);
    CHECK(PROP(&ps, "AllowedCPUs") && !strcmp(PROP(&ps, "AllowedCPUs")->list, "03"));
    brig_dbus_buf_free(&b);
}

static void test_scope_properties_v2(void)
{
    struct brig_memory mem = {.limit = {true, 64 << 20}, .reservation = {true, 1 << 20},
                              .swap = {true, 96 << 20}};
    struct brig_cpu cpu = {.shares = {true, 1024}, .quota = {true, -1}};
    struct brig_kv kv[] = {{"memory.high", "max"}, {"pids.max", "7"}, {"cpu.max", "50000 100000"},
                           {"memory.min", "junk"}};
    struct brig_resources res = {.memory = &mem, .cpu = &cpu, .pids_limit = {true, -1},
                                 .unified = {kv, 4}};
    struct brig_cg_sd_unit u = {.name = "abc", .slice = "a-b.slice", .transient = true,
                                .pid = 9, .mode = BRIG_CGROUP_V2};
    struct brig_dbus_buf b = {0};
    struct props ps;
    brig_cg_systemd_props(&b, &u, &res);
    read_props(&b, &ps);
    CHECK(PROP(&ps, "IOAccounting") && !PROP(&ps, "BlockIOAccounting"));
    CHECK(PROP(&ps, "MemoryMax") && PROP(&ps, "MemoryMax")->u == 64 << 20);
    CHECK(!PROP(&ps, "MemoryLimit"));
    CHECK(PROP(&ps, "MemoryLow") && PROP(&ps, "MemoryLow")->u == 1 << 20);
    /* OCI's swap is memory+swap; v2's is swap alone */
    CHECK(PROP(&ps, "MemorySwapMax") && PROP(&ps, "MemorySwapMax")->u == 32 << 20);
    CHECK(PROP(&ps, "CPUWeight") && PROP(&ps, "CPUWeight")->u == brig_cg_shares_to_weight(1024));
    CHECK(PROP(&ps, "MemoryHigh") && PROP(&ps, "MemoryHigh")->u == UINT64_MAX);
    CHECK(!PROP(&ps, "MemoryMin")); /* unparsable: cgroupfs reports it */
    /* TasksMax: the OCI value (unlimited) first, the unified one after: systemd keeps the last */
    size_t last = 0;
    for (size_t i = 0; i < ps.n; i++)
        if (!strcmp(ps.p[i].name, "TasksMax"))
            last = i;
    CHECK(PROP(&ps, "TasksMax")->u == UINT64_MAX);
    CHECK_UINT(ps.p[last].u, 7);
    brig_dbus_buf_free(&b);

    /* SetUnitProperties (update): limits only */
    u.transient = false;
    brig_cg_systemd_props(&b, &u, &res);
    read_props(&b, &ps);
    CHECK(!PROP(&ps, "PIDs") && !PROP(&ps, "Slice") && !PROP(&ps, "Delegate") &&
          !PROP(&ps, "Description"));
    CHECK(PROP(&ps, "MemoryMax"));
    brig_dbus_buf_free(&b);

    /* -1 is infinity; swap without a limit cannot be said on v2 (left out) */
    mem.limit.v = -1;
    brig_cg_systemd_props(&b, &u, &res);
    read_props(&b, &ps);
    CHECK(PROP(&ps, "MemoryMax") && PROP(&ps, "MemoryMax")->u == UINT64_MAX);
    CHECK(!PROP(&ps, "MemorySwapMax"));
    CHECK_STR(brig_last_error(), "");
    brig_dbus_buf_free(&b);

    /* a slice: Wants its parent, holds no pids, delegates nothing */
    u.transient = true;
    u.is_slice = true;
    brig_cg_systemd_props(&b, &u, NULL);
    read_props(&b, &ps);
    CHECK(PROP(&ps, "Wants") && !strcmp(PROP(&ps, "Wants")->list, "a-b.slice"));
    CHECK(!PROP(&ps, "PIDs") && !PROP(&ps, "Slice") && !PROP(&ps, "Delegate"));
    brig_dbus_buf_free(&b);
}

static void test_quota_per_sec(void)
{
    CHECK_UINT(brig_cg_systemd_quota_per_sec(50000, 100000), 500000);
    CHECK_UINT(brig_cg_systemd_quota_per_sec(50000, 0), 500000);  /* default period */
    CHECK_UINT(brig_cg_systemd_quota_per_sec(1234, 100000), 20000); /* 12340: up to 10 ms steps */
    CHECK_UINT(brig_cg_systemd_quota_per_sec(300000, 100000), 3000000);
    CHECK_UINT(brig_cg_systemd_quota_per_sec(-1, 100000), UINT64_MAX);
    CHECK_UINT(brig_cg_systemd_quota_per_sec(0, 100000), UINT64_MAX);
}

static const char proc_devices[] = "Character devices:\n"
                                   "  1 mem\n"
                                   "  5 /dev/tty\n"
                                   "136 pts\n"
                                   "\n"
                                   "Block devices:\n"
                                   "  8 sd\n"
                                   "259 blkext\n";

static void test_device_properties(void)
{
    char *s;
    CHECK_STR(s = brig_cg_systemd_driver_name(proc_devices, 'c', 136), "pts"); free(s);
    CHECK_STR(s = brig_cg_systemd_driver_name(proc_devices, 'b', 8), "sd"); free(s);
    CHECK(brig_cg_systemd_driver_name(proc_devices, 'b', 136) == NULL);
    CHECK(brig_cg_systemd_driver_name(proc_devices, 'c', 8) == NULL);
    CHECK(brig_cg_systemd_driver_name(NULL, 'c', 1) == NULL);

    /* the default set plus a block device and every minor of 136 */
    struct brig_device_rule cfg[] = {
        {.allow = true, .type = 'b', .major = {true, 8}, .minor = {true, 0}, .access = "r"},
        {.allow = true, .type = 'c', .major = {true, 136}, .access = "rw"},
        {.allow = true, .type = 'c', .major = {true, 200}, .access = "rw"}, /* not in /proc/devices */
    };
    struct brig_resources res = {.devices = cfg, .n_devices = 3};
    size_t n;
    struct brig_device_rule *rules = brig_cg_device_rules(&res, NULL, 0, &n);
    struct brig_cg_sd_unit u = {.name = "x", .slice = "system.slice", .transient = true,
                                .mode = BRIG_CGROUP_HYBRID, .rules = rules, .n_rules = n,
                                .proc_devices = proc_devices};
    struct brig_dbus_buf b = {0};
    struct props ps;
    brig_cg_systemd_props(&b, &u, &res);
    read_props(&b, &ps);
    CHECK(PROP(&ps, "DevicePolicy") && !strcmp(PROP(&ps, "DevicePolicy")->s, "strict"));
    const char *allow = PROP(&ps, "DeviceAllow") ? PROP(&ps, "DeviceAllow")->list : "";
    CHECK_STR_CONTAINS(allow, "/dev/block/8:0 r");
    CHECK_STR_CONTAINS(allow, "char-pts rw");
    CHECK_STR_CONTAINS(allow, "/dev/char/1:3 rwm"); /* /dev/null, of the default set */
    CHECK(!strstr(allow, "char-200") && !strstr(allow, "/dev/char/200"));
    brig_dbus_buf_free(&b);
    brig_cg_device_rules_free(rules, n);

    /* every device allowed: systemd's default says as much */
    struct brig_device_rule all[] = {{.allow = true, .type = 'a', .access = "rwm"}};
    res.devices = all;
    res.n_devices = 1;
    rules = brig_cg_device_rules(&res, NULL, 0, &n);
    u.rules = rules;
    u.n_rules = n;
    brig_cg_systemd_props(&b, &u, &res);
    read_props(&b, &ps);
    CHECK(!PROP(&ps, "DevicePolicy") && !PROP(&ps, "DeviceAllow"));
    brig_dbus_buf_free(&b);
    brig_cg_device_rules_free(rules, n);
}

/* ---- a connection, against a scripted server ---- */

static int srv_read_msg(int fd, struct brig_dbus_msg *m)
{
    uint8_t head[16];
    size_t total;
    if (brig_read_all(fd, head, 16) != 16 || brig_dbus_msg_size(head, 16, &total) < 0)
        return -1;
    uint8_t *raw = brig_xmalloc(total);
    memcpy(raw, head, 16);
    if (brig_read_all(fd, raw + 16, total - 16) != (ssize_t)(total - 16)) {
        free(raw);
        return -1;
    }
    return brig_dbus_decode(raw, total, m);
}

static int srv_send(int fd, const struct brig_dbus_msg *m, const struct brig_dbus_buf *body, bool split)
{
    struct brig_dbus_buf out = {0};
    int r = brig_dbus_encode(m, body, &out);
    /* in pieces: the client must put a message together from several reads */
    for (size_t off = 0; r == 0 && off < out.len;) {
        size_t n = split ? (out.len - off > 7 ? 7 : out.len - off) : out.len;
        r = brig_write_all(fd, out.data + off, n);
        off += n;
        if (split)
            usleep(1000);
    }
    brig_dbus_buf_free(&out);
    return r;
}

/* The server side: SASL, Hello (answered after a signal, in pieces), a
 * method call to the client (which must refuse it), an error reply.
 * Exit status: the step that went wrong, 0 when all went as expected. */
static int scripted_server(int lfd)
{
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0)
        return 1;
    char line[128], want[64], uid[16];
    size_t n = 0;
    while (n < sizeof line - 1 && read(fd, line + n, 1) == 1 && !(n && line[n] == '\n'))
        n++;
    line[n + 1] = '\0';
    snprintf(uid, sizeof uid, "%u", (unsigned)geteuid());
    strcpy(want, "AUTH EXTERNAL ");
    for (size_t i = 0; uid[i]; i++)
        snprintf(want + strlen(want), 3, "%02x", (unsigned char)uid[i]);
    strcat(want, "\r\n");
    if (line[0] != '\0' || strcmp(line + 1, want) != 0)
        return 2;
    if (brig_write_all(fd, "OK 0123456789abcdef0123456789abcdef\r\n", 37) < 0)
        return 3;
    char begin[7];
    if (brig_read_all(fd, begin, 7) != 7 || memcmp(begin, "BEGIN\r\n", 7) != 0)
        return 4;
    struct brig_dbus_msg m;
    if (srv_read_msg(fd, &m) < 0 || strcmp(m.member, "Hello") != 0 ||
        strcmp(m.destination, "org.freedesktop.DBus") != 0)
        return 5;
    uint32_t hello = m.serial;
    brig_dbus_msg_free(&m);
    struct brig_dbus_buf body = {0};
    brig_dbus_put_str(&body, "early");
    struct brig_dbus_msg sig = {.type = BRIG_DBUS_SIGNAL, .serial = 1, .path = "/a",
                                .interface = "com.example.I", .member = "Sig", .signature = "s"};
    /* a signal before Hello's reply: skipped while waiting for it */
    if (srv_send(fd, &sig, &body, false) < 0)
        return 6;
    brig_dbus_buf_free(&body);
    brig_dbus_put_str(&body, ":1.5");
    struct brig_dbus_msg reply = {.type = BRIG_DBUS_METHOD_RETURN, .serial = 2,
                                  .reply_serial = hello, .signature = "s"};
    if (srv_send(fd, &reply, &body, true) < 0)
        return 7;
    brig_dbus_buf_free(&body);
    if (srv_read_msg(fd, &m) < 0 || strcmp(m.member, "Frob") != 0)
        return 8;
    sig.signature = NULL; /* then, with the call under way: a signal, a call to the client, the error */
    uint32_t frob = m.serial;
    brig_dbus_msg_free(&m);
    struct brig_dbus_msg call = {.type = BRIG_DBUS_METHOD_CALL, .serial = 3, .path = "/",
                                 .member = "AreYouThere"};
    brig_dbus_put_str(&body, "no such thing");
    struct brig_dbus_msg err = {.type = BRIG_DBUS_ERROR, .serial = 4, .reply_serial = frob,
                                .error_name = "com.example.Nope", .signature = "s"};
    sig.serial = 5;
    if (srv_send(fd, &sig, NULL, false) < 0 || srv_send(fd, &call, NULL, false) < 0 ||
        srv_send(fd, &err, &body, true) < 0)
        return 9;
    brig_dbus_buf_free(&body);
    if (srv_read_msg(fd, &m) < 0 || m.type != BRIG_DBUS_ERROR || m.reply_serial != 3 ||
        strcmp(m.error_name, "org.freedesktop.DBus.Error.UnknownMethod") != 0)
        return 10;
    brig_dbus_msg_free(&m);
    close(fd);
    return 0;
}

static void count_signal(const struct brig_dbus_msg *m, void *arg)
{
    if (m->member && strcmp(m->member, "Sig") == 0)
        (*(int *)arg)++;
}

/* SASL EXTERNAL, Hello, a reply put together from 7-byte pieces,
 * signals and a call to us while a call waits, error replies, alternative
 * addresses. */
static void test_connection(void)
{
    char addr[64], name[40];
    snprintf(name, sizeof name, "brig-test-dbus-%d", (int)getpid());
    snprintf(addr, sizeof addr, "unix:abstract=%s", name);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path + 1, name, strlen(name));
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, len) < 0 || listen(lfd, 1) < 0) {
        unit_skip("no abstract unix socket here");
        return;
    }
    pid_t pid = fork();
    if (pid == 0)
        _exit(scripted_server(lfd));
    close(lfd);

    struct brig_dbus *c = NULL;
    /* a first address that cannot work, then the right one */
    cleanup_free char *both = brig_xasprintf("unix:path=/nonexistent/x;%s", addr);
    int r = brig_dbus_connect(both, true, 5000, &c);
    CHECK_MSG(r == 0, "connect: %s", brig_last_error());
    int signals = 0;
    if (r == 0) {
        CHECK_STR(brig_dbus_unique_name(c), ":1.5");
        brig_dbus_on_signal(c, count_signal, &signals);
        r = brig_dbus_call(c, "com.example", "/x", "com.example.I", "Frob", NULL, NULL, NULL, 5000);
        CHECK(r < 0);
        CHECK_STR(brig_last_error(), "com.example.Nope: no such thing");
        CHECK_STR(brig_dbus_last_error_name(c), "com.example.Nope");
        CHECK_INT(signals, 1); /* the one that came while Frob waited */
        brig_dbus_close(c);
    }
    int st = -1;
    waitpid(pid, &st, 0);
    CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "scripted server: status 0x%x", st);

    /* nothing listens: the error names the address */
    CHECK(brig_dbus_connect("unix:path=/nonexistent/sock", true, 1000, &c) < 0);
    CHECK_STR(brig_last_error(), "D-Bus: connect to unix:path=/nonexistent/sock: No such file or directory");
    CHECK(brig_dbus_connect("tcp:host=localhost,port=1", true, 1000, &c) < 0);
    CHECK_STR_CONTAINS(brig_last_error(), "only unix: addresses");
}

int main(void)
{
    RUN(test_encode_start_transient_unit);
    RUN(test_alignment_and_padding);
    RUN(test_refuses_what_dbus_cannot_carry);
    RUN(test_validation);
    RUN(test_decode_reply);
    RUN(test_decode_error);
    RUN(test_decode_signal);
    RUN(test_decode_refuses_malformed);
    RUN(test_scope_properties_v1);
    RUN(test_scope_properties_v2);
    RUN(test_quota_per_sec);
    RUN(test_device_properties);
    RUN(test_connection);
    return unit_finish();
}
