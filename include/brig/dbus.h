/* brig: a minimal D-Bus client, written from the D-Bus specification.
 *
 * Enough to talk to systemd: a connection over a unix socket (SASL
 * EXTERNAL, Hello on a bus), method calls with their replies and errors,
 * and signals.  Values are marshalled by hand with the put/get functions
 * below; the caller knows the signature it writes or expects.  No file
 * descriptor passing, no introspection, no server side. */
#ifndef BRIG_DBUS_H
#define BRIG_DBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum brig_dbus_type {
    BRIG_DBUS_METHOD_CALL = 1,
    BRIG_DBUS_METHOD_RETURN = 2,
    BRIG_DBUS_ERROR = 3,
    BRIG_DBUS_SIGNAL = 4,
};

#define BRIG_DBUS_NO_REPLY_EXPECTED 0x1

/* The specification's limits. */
#define BRIG_DBUS_MAX_MESSAGE (128u * 1024 * 1024)
#define BRIG_DBUS_MAX_ARRAY (64u * 1024 * 1024)

/* --- writing ---
 *
 * A growing buffer of marshalled values.  Alignment counts from its start,
 * which is where a message body starts (bodies start 8-aligned, so that is
 * the same as counting from the message start).  Writes cannot fail; a
 * value that D-Bus cannot carry (a string that is not UTF-8 or holds a
 * NUL, a malformed object path or signature, an array over 64 MiB) marks
 * the buffer bad and brig_dbus_encode refuses it. */
struct brig_dbus_buf {
    uint8_t *data;
    size_t len, cap;
    const char *bad; /* why the buffer cannot be sent; NULL when fine */
};

void brig_dbus_buf_free(struct brig_dbus_buf *b);
void brig_dbus_pad(struct brig_dbus_buf *b, size_t align);
void brig_dbus_put_byte(struct brig_dbus_buf *b, uint8_t v);
void brig_dbus_put_bool(struct brig_dbus_buf *b, bool v);
void brig_dbus_put_i32(struct brig_dbus_buf *b, int32_t v);
void brig_dbus_put_u32(struct brig_dbus_buf *b, uint32_t v);
void brig_dbus_put_i64(struct brig_dbus_buf *b, int64_t v);
void brig_dbus_put_u64(struct brig_dbus_buf *b, uint64_t v);
void brig_dbus_put_str(struct brig_dbus_buf *b, const char *s);  /* s */
void brig_dbus_put_path(struct brig_dbus_buf *b, const char *s); /* o */
void brig_dbus_put_sig(struct brig_dbus_buf *b, const char *s);  /* g */
/* An array of elements whose type starts with ELEM ('(' for structs, 'y',
 * 's', ...): begin writes the length placeholder and the padding before
 * the first element (present even when the array is empty) and returns a
 * mark for end, which fills in the length. */
size_t brig_dbus_array_begin(struct brig_dbus_buf *b, char elem);
void brig_dbus_array_end(struct brig_dbus_buf *b, size_t mark);
/* Structs and dict entries start 8-aligned; their members follow. */
void brig_dbus_struct_begin(struct brig_dbus_buf *b);
/* A variant: the signature of one complete type, then its value. */
void brig_dbus_variant(struct brig_dbus_buf *b, const char *sig);

/* --- messages --- */

/* A message.  Decoded, the strings point into raw (owned). */
struct brig_dbus_msg {
    uint8_t type, flags;
    uint32_t serial, reply_serial;
    const char *path, *interface, *member, *error_name, *destination, *sender, *signature;
    const uint8_t *body;
    size_t body_len;
    bool big_endian;
    uint8_t *raw;
    size_t raw_len;
};

/* Marshal M (its type, flags, serial, reply_serial and header strings;
 * signature is "" or NULL for an empty body) with BODY into OUT, in this
 * machine's byte order.  -1 when M or BODY cannot be sent. */
int brig_dbus_encode(const struct brig_dbus_msg *m, const struct brig_dbus_buf *body,
                     struct brig_dbus_buf *out);
/* The length of the message whose first 16 bytes are P (N >= 16), or -1
 * (with an error) when they cannot start a message. */
int brig_dbus_msg_size(const uint8_t *p, size_t n, size_t *total);
/* Decode RAW, which must hold exactly one message: OUT takes ownership of
 * RAW (even on failure, when it is freed).  Header fields are checked for
 * their types and required presence; the body only for its length. */
int brig_dbus_decode(uint8_t *raw, size_t len, struct brig_dbus_msg *out);
void brig_dbus_msg_free(struct brig_dbus_msg *m);

/* --- reading --- */

struct brig_dbus_reader {
    const uint8_t *p;
    size_t len, pos;
    bool big_endian;
    int depth; /* containers entered by skip, for the nesting limit */
};

/* A reader over M's body. */
void brig_dbus_reader_init(struct brig_dbus_reader *r, const struct brig_dbus_msg *m);
/* Each returns -1 (with an error) on malformed or truncated data. */
int brig_dbus_get_byte(struct brig_dbus_reader *r, uint8_t *v);
int brig_dbus_get_bool(struct brig_dbus_reader *r, bool *v);
int brig_dbus_get_u32(struct brig_dbus_reader *r, uint32_t *v);
int brig_dbus_get_u64(struct brig_dbus_reader *r, uint64_t *v);
/* Strings point into the message. */
int brig_dbus_get_str(struct brig_dbus_reader *r, const char **s);
int brig_dbus_get_path(struct brig_dbus_reader *r, const char **s);
int brig_dbus_get_sig(struct brig_dbus_reader *r, const char **s);
/* Enter an array of ELEM-typed elements: *end is where it stops.  Read
 * elements while brig_dbus_array_more(r, end). */
int brig_dbus_get_array(struct brig_dbus_reader *r, char elem, size_t *end);
bool brig_dbus_array_more(const struct brig_dbus_reader *r, size_t end);
int brig_dbus_get_struct(struct brig_dbus_reader *r);
/* Enter a variant: *sig is the signature of its value, which follows. */
int brig_dbus_get_variant(struct brig_dbus_reader *r, const char **sig);
/* Skip one value of the single complete type SIG. */
int brig_dbus_skip(struct brig_dbus_reader *r, const char *sig);

/* Validation, as the specification defines it. */
bool brig_dbus_valid_signature(const char *s);
bool brig_dbus_valid_path(const char *s);
bool brig_dbus_valid_utf8(const char *s, size_t n);
/* The length of the single complete type at the start of SIG (0 when
 * there is none). */
size_t brig_dbus_type_len(const char *sig);

/* "Name: message" of an ERROR message (the message part when its body
 * starts with a string); caller frees. */
char *brig_dbus_error_text(const struct brig_dbus_msg *m);

/* --- connections --- */

struct brig_dbus;

/* Connect to ADDRESS, a D-Bus server address ("unix:path=/run/x",
 * "unix:abstract=x"; ';'-separated alternatives are tried in turn),
 * authenticate with SASL EXTERNAL as this euid, and on a message bus
 * (BUS true) register with Hello.  Errors name the address. */
int brig_dbus_connect(const char *address, bool bus, int timeout_ms, struct brig_dbus **out);
void brig_dbus_close(struct brig_dbus *c);
/* Our unique name on a bus (NULL on a direct connection). */
const char *brig_dbus_unique_name(const struct brig_dbus *c);

/* Signals are passed to FN as they arrive, while a call waits for its
 * reply or brig_dbus_wait waits. */
typedef void (*brig_dbus_signal_fn)(const struct brig_dbus_msg *m, void *arg);
void brig_dbus_on_signal(struct brig_dbus *c, brig_dbus_signal_fn fn, void *arg);

/* Call a method and wait up to TIMEOUT_MS for its reply, which goes to
 * REPLY (may be NULL; free it with brig_dbus_msg_free).  An error reply
 * fails with "Name: message"; its name stays available from
 * brig_dbus_last_error_name until the next call. */
int brig_dbus_call(struct brig_dbus *c, const char *destination, const char *path,
                   const char *interface, const char *member, const char *signature,
                   const struct brig_dbus_buf *body, struct brig_dbus_msg *reply, int timeout_ms);
const char *brig_dbus_last_error_name(const struct brig_dbus *c);

/* Read and dispatch messages until DONE(ARG) is true (1), TIMEOUT_MS has
 * passed (0) or the connection fails (-1). */
int brig_dbus_wait(struct brig_dbus *c, bool (*done)(void *arg), void *arg, int timeout_ms);

#endif
