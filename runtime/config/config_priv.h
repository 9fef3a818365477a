/* brig: internals shared by the config.json parser (config_read.c,
 * config.c, config_linux.c).  Not for use outside the parser.
 *
 * Conventions: every parse function fills a zeroed structure in place and
 * returns 0 or -1.  On -1 the error names the JSON path and the caller frees
 * the whole (partly filled) structure, so array counts are always set to the
 * number of zeroed slots allocated, never to the number filled so far.
 *
 * Keyed getters (cfg_str(), cfg_u64(), ...) look up KEY in object O and
 * return 1 when the member was present and valid, 0 when absent (JSON null
 * counts as absent, as it does for Go's encoding/json), -1 on error. */
#ifndef BRIG_CONFIG_PRIV_H
#define BRIG_CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "brig/oci.h"

/* Where the parser is in the document, for error messages. */
struct cfg_ctx {
    const char *root_name; /* shown when the error is about the whole document */
    size_t len;
    char path[512];
};

void cfg_init(struct cfg_ctx *c, const char *root_name);
/* Extend the path; the result is a mark for cfg_pop(). */
size_t cfg_push_key(struct cfg_ctx *c, const char *key);
size_t cfg_push_index(struct cfg_ctx *c, size_t i);
size_t cfg_push_map_key(struct cfg_ctx *c, const char *key);
void cfg_pop(struct cfg_ctx *c, size_t mark);

/* Record "PATH: message" and return -1. */
int cfg_err(struct cfg_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for the member KEY of the current object. */
int cfg_err_key(struct cfg_ctx *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* S made safe to quote in a message: truncated, control bytes replaced. */
const char *cfg_quote(const char *s, char *buf, size_t size);
#define CFG_QUOTE_MAX 80

/* Parse JSON text (LEN bytes, need not be NUL-terminated) into a tree.
 * Rejects NUL bytes, "\u0000" escapes, comments and nesting deeper than
 * CFG_MAX_DEPTH (yajl_tree_free recurses).  Error: "WHAT: invalid JSON: ..." */
#define CFG_MAX_DEPTH 64
yajl_val cfg_parse_tree(const char *json, size_t len, const char *what);

/* The member KEY of object O (the last one when repeated), NULL when absent
 * or null. */
yajl_val cfg_member(yajl_val o, const char *key);

/* Values at the current path. */
int cfg_val_str(struct cfg_ctx *c, yajl_val v, char **out);
int cfg_val_u64(struct cfg_ctx *c, yajl_val v, uint64_t max, uint64_t *out);
int cfg_val_i64(struct cfg_ctx *c, yajl_val v, int64_t min, int64_t max, int64_t *out);
int cfg_val_strv(struct cfg_ctx *c, yajl_val v, struct brig_strv *out);

/* Keyed getters (see the conventions above). */
int cfg_object(struct cfg_ctx *c, yajl_val o, const char *key, bool required, yajl_val *out);
int cfg_array(struct cfg_ctx *c, yajl_val o, const char *key, bool required, yajl_val *out);
int cfg_str(struct cfg_ctx *c, yajl_val o, const char *key, bool required, char **out);
int cfg_bool(struct cfg_ctx *c, yajl_val o, const char *key, bool *out);
int cfg_u64(struct cfg_ctx *c, yajl_val o, const char *key, bool required, uint64_t max,
            uint64_t *out);
int cfg_i64(struct cfg_ctx *c, yajl_val o, const char *key, bool required, int64_t min,
            int64_t max, int64_t *out);
int cfg_u32(struct cfg_ctx *c, yajl_val o, const char *key, bool required, uint32_t *out);
int cfg_opt_bool(struct cfg_ctx *c, yajl_val o, const char *key, brig_opt_bool *out);
int cfg_opt_u64(struct cfg_ctx *c, yajl_val o, const char *key, brig_opt_u64 *out);
int cfg_opt_u32(struct cfg_ctx *c, yajl_val o, const char *key, uint32_t max, brig_opt_u32 *out);
int cfg_opt_i64(struct cfg_ctx *c, yajl_val o, const char *key, brig_opt_i64 *out);
int cfg_opt_i32(struct cfg_ctx *c, yajl_val o, const char *key, int32_t min, int32_t max,
                brig_opt_i32 *out);
int cfg_strv(struct cfg_ctx *c, yajl_val o, const char *key, struct brig_strv *out);
/* Like cfg_strv(), and every entry must be an absolute path. */
int cfg_abs_paths(struct cfg_ctx *c, yajl_val o, const char *key, struct brig_strv *out);
/* An object of strings; repeated keys: the last value wins. */
int cfg_map(struct cfg_ctx *c, yajl_val o, const char *key, struct brig_map *out);
/* An array of {containerID, hostID, size}. */
int cfg_idmaps(struct cfg_ctx *c, yajl_val o, const char *key, struct brig_idmap **v, size_t *n);

/* Name tables for enumerated strings. */
struct cfg_name {
    const char *name;
    int value;
};
/* A string member that must be one of TABLE (NULL-terminated); WHAT names
 * the kind in "unknown WHAT \"X\"".  *name_out (optional) gets a copy. */
int cfg_enum(struct cfg_ctx *c, yajl_val o, const char *key, bool required,
             const struct cfg_name *table, const char *what, int *value, char **name_out);
/* Every entry of a string array must be in TABLE. */
int cfg_enum_strv(struct cfg_ctx *c, yajl_val o, const char *key, const struct cfg_name *table,
                  const char *what, struct brig_strv *out);
const struct cfg_name *cfg_lookup(const struct cfg_name *table, const char *name);

/* Parse an optional object member KEY of O into a new zeroed *OUT with FN;
 * returns -1 from the calling function on error. */
#define SUB_OBJECT(c, o, key, out, fn)                                                            \
    do {                                                                                           \
        yajl_val sub_;                                                                             \
        int r_ = cfg_object(c, o, key, false, &sub_);                                              \
        if (r_ < 0)                                                                                \
            return -1;                                                                             \
        if (r_) {                                                                                  \
            *(out) = brig_xcalloc(1, sizeof **(out));                                              \
            size_t mark_ = cfg_push_key(c, key);                                                   \
            if (fn(c, sub_, *(out)) < 0)                                                           \
                return -1;                                                                         \
            cfg_pop(c, mark_);                                                                     \
        }                                                                                          \
    } while (0)

void cfg_strv_clear(struct brig_strv *s);
void cfg_map_clear(struct brig_map *m);

/* The linux section (config_linux.c). */
int cfg_parse_linux(struct cfg_ctx *c, yajl_val v, struct brig_linux *out);
void cfg_linux_clear(struct brig_linux *l);
int cfg_parse_resources(struct cfg_ctx *c, yajl_val v, struct brig_resources *out);
void cfg_resources_clear(struct brig_resources *r);
int cfg_parse_seccomp(struct cfg_ctx *c, yajl_val v, struct brig_seccomp *out);
void cfg_seccomp_clear(struct brig_seccomp *s);

#endif
