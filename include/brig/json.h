/* brig: small helpers over yajl for reading and writing JSON. */
#ifndef BRIG_JSON_H
#define BRIG_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/* A yajl generator that fails hard on allocation errors (returns NULL). */
yajl_gen brig_json_gen_new(bool pretty);
/* Generator output as a malloc()ed NUL-terminated string; frees the generator. */
char *brig_json_gen_finish(yajl_gen g);

void brig_json_str(yajl_gen g, const char *s);           /* string or null */
void brig_json_key_str(yajl_gen g, const char *k, const char *v);
void brig_json_key_int(yajl_gen g, const char *k, long long v);
void brig_json_key_bool(yajl_gen g, const char *k, bool v);
void brig_json_key(yajl_gen g, const char *k);

/* Tree helpers: the member K of object V, or NULL. */
yajl_val brig_json_get(yajl_val v, const char *k);
const char *brig_json_get_str(yajl_val v, const char *k); /* NULL unless string */
bool brig_json_get_i64(yajl_val v, const char *k, int64_t *out);
bool brig_json_get_bool(yajl_val v, const char *k, bool def);

/* Parse text into a tree; on error records "what: <yajl message>". */
yajl_val brig_json_parse(const char *text, const char *what);

#endif
