/* libFuzzer target: the D-Bus client's decoder (runtime/cgroup/dbus_wire.c), which
 * reads what the bus or systemd sends (--systemd-cgroup).
 *
 * The input is the bytes of one or more messages as they would arrive on
 * the socket.  Each is framed with brig_dbus_msg_size, decoded, and its
 * body walked twice: value by value with the typed getters (arrays,
 * structs, dict entries, variants, the way cgroup_systemd.c reads
 * replies), and whole with brig_dbus_skip.  Promises checked: a decoded
 * message has the header fields its type needs and a valid signature;
 * no getter reads past the body; errors are one printable line. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brig/brig.h"
#include "brig/dbus.h"
#include "brig/error.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Normally defined by runtime/cmd/main.c: defaults (no --debug, no --log). */
struct brig_globals brig_g;

/* Read one value of the single complete type at SIG with the getters. */
static int walk(struct brig_dbus_reader *r, const char *sig, int depth)
{
    REQUIRE(r->pos <= r->len);
    if (depth > 64)
        return brig_dbus_skip(r, sig);
    const char *s;
    uint8_t b;
    bool v;
    uint32_t u;
    uint64_t q;
    switch (sig[0]) {
    case 'y':
        return brig_dbus_get_byte(r, &b);
    case 'b':
        return brig_dbus_get_bool(r, &v);
    case 'n': case 'q': case 'h': case 'i': case 'u':
        if (sig[0] == 'u')
            return brig_dbus_get_u32(r, &u);
        return brig_dbus_skip(r, (char[]){sig[0], 0});
    case 'x': case 't': case 'd':
        if (sig[0] == 't')
            return brig_dbus_get_u64(r, &q);
        return brig_dbus_skip(r, (char[]){sig[0], 0});
    case 's':
        if (brig_dbus_get_str(r, &s) < 0)
            return -1;
        REQUIRE(s && r->pos <= r->len);
        return 0;
    case 'o':
        if (brig_dbus_get_path(r, &s) < 0)
            return -1;
        REQUIRE(brig_dbus_valid_path(s));
        return 0;
    case 'g':
        if (brig_dbus_get_sig(r, &s) < 0)
            return -1;
        REQUIRE(brig_dbus_valid_signature(s));
        return 0;
    case 'v': {
        if (brig_dbus_get_variant(r, &s) < 0)
            return -1;
        REQUIRE(brig_dbus_type_len(s) == strlen(s));
        return walk(r, s, depth + 1);
    }
    case 'a': {
        size_t end;
        const char *elem = sig + 1;
        if (brig_dbus_get_array(r, elem[0], &end) < 0)
            return -1;
        REQUIRE(end <= r->len);
        size_t n = brig_dbus_type_len(elem);
        char *one = strndup(elem, n);
        if (!one)
            abort();
        int rc = 0;
        while (rc == 0 && brig_dbus_array_more(r, end))
            rc = walk(r, one, depth + 1);
        free(one);
        return rc;
    }
    case '(':
    case '{': {
        if (brig_dbus_get_struct(r) < 0)
            return -1;
        size_t all = brig_dbus_type_len(sig);
        REQUIRE(all >= 2);
        for (const char *m = sig + 1; m < sig + all - 1;) {
            size_t n = brig_dbus_type_len(m);
            REQUIRE(n > 0);
            char *one = strndup(m, n);
            if (!one)
                abort();
            int rc = walk(r, one, depth + 1);
            free(one);
            if (rc < 0)
                return -1;
            m += n;
        }
        return 0;
    }
    default:
        return brig_dbus_skip(r, sig);
    }
}

static void body(const struct brig_dbus_msg *m)
{
    const char *sig = m->signature ? m->signature : "";
    REQUIRE(brig_dbus_valid_signature(sig));
    for (int pass = 0; pass < 2; pass++) {
        struct brig_dbus_reader r;
        brig_dbus_reader_init(&r, m);
        for (const char *t = sig; *t;) {
            size_t n = brig_dbus_type_len(t);
            REQUIRE(n > 0);
            char *one = strndup(t, n);
            if (!one)
                abort();
            int rc = pass == 0 ? walk(&r, one, 0) : brig_dbus_skip(&r, one);
            free(one);
            REQUIRE(r.pos <= r.len);
            if (rc < 0) {
                fuzz_error_is_one_line();
                break;
            }
            t += n;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Messages one after another, as on the wire. */
    while (size >= 16) {
        size_t total = 0;
        if (brig_dbus_msg_size(data, size, &total) < 0) {
            fuzz_error_is_one_line();
            return 0;
        }
        REQUIRE(total >= 16);
        if (total > size)
            return 0;
        uint8_t *raw = malloc(total);
        if (!raw)
            abort();
        memcpy(raw, data, total);
        struct brig_dbus_msg m;
        if (brig_dbus_decode(raw, total, &m) == 0) {
            /* Unknown types decode (the specification says to ignore
             * them); the known ones carry what they must. */
            REQUIRE(m.body_len <= total);
            if (m.type == 1 || m.type == 4)
                REQUIRE(m.path && m.member);
            if (m.type == 3)
                REQUIRE(m.error_name);
            body(&m);
            brig_dbus_msg_free(&m);
        } else {
            fuzz_error_is_one_line();
        }
        data += total;
        size -= total;
    }
    return 0;
}
