/* brig: yajl helpers (see include/brig/json.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "brig/error.h"
#include "brig/json.h"

yajl_gen brig_json_gen_new(bool pretty)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return NULL;
    if (pretty) {
        yajl_gen_config(g, yajl_gen_beautify, 1);
        yajl_gen_config(g, yajl_gen_indent_string, "  ");
    }
    return g;
}

char *brig_json_gen_finish(yajl_gen g)
{
    const unsigned char *buf;
    size_t len;
    char *out = NULL;
    if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
        out = malloc(len + 1);
        if (out) {
            memcpy(out, buf, len);
            out[len] = '\0';
        }
    }
    yajl_gen_free(g);
    return out;
}

void brig_json_str(yajl_gen g, const char *s)
{
    if (s)
        yajl_gen_string(g, (const unsigned char *)s, strlen(s));
    else
        yajl_gen_null(g);
}

void brig_json_key(yajl_gen g, const char *k)
{
    yajl_gen_string(g, (const unsigned char *)k, strlen(k));
}

void brig_json_key_str(yajl_gen g, const char *k, const char *v)
{
    brig_json_key(g, k);
    brig_json_str(g, v);
}

void brig_json_key_int(yajl_gen g, const char *k, long long v)
{
    brig_json_key(g, k);
    yajl_gen_integer(g, v);
}

void brig_json_key_bool(yajl_gen g, const char *k, bool v)
{
    brig_json_key(g, k);
    yajl_gen_bool(g, v);
}

yajl_val brig_json_get(yajl_val v, const char *k)
{
    if (!YAJL_IS_OBJECT(v))
        return NULL;
    for (size_t i = 0; i < v->u.object.len; i++)
        if (strcmp(v->u.object.keys[i], k) == 0)
            return v->u.object.values[i];
    return NULL;
}

const char *brig_json_get_str(yajl_val v, const char *k)
{
    yajl_val s = brig_json_get(v, k);
    return YAJL_IS_STRING(s) ? s->u.string : NULL;
}

bool brig_json_get_i64(yajl_val v, const char *k, int64_t *out)
{
    yajl_val n = brig_json_get(v, k);
    if (!YAJL_IS_INTEGER(n))
        return false;
    *out = YAJL_GET_INTEGER(n);
    return true;
}

bool brig_json_get_bool(yajl_val v, const char *k, bool def)
{
    yajl_val b = brig_json_get(v, k);
    if (YAJL_IS_TRUE(b))
        return true;
    if (YAJL_IS_FALSE(b))
        return false;
    return def;
}

yajl_val brig_json_parse(const char *text, const char *what)
{
    char errbuf[512];
    errbuf[0] = '\0';
    yajl_val v = yajl_tree_parse(text, errbuf, sizeof errbuf);
    if (!v) {
        /* yajl's message spans lines; keep the first one. */
        char *nl = strchr(errbuf, '\n');
        if (nl)
            *nl = '\0';
        brig_fail(0, "%s: invalid JSON: %s", what, errbuf[0] ? errbuf : "parse error");
    }
    return v;
}
