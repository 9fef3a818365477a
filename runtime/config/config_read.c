/* brig: typed access to a yajl tree with JSON-path error messages, for the
 * config.json parser (see config_priv.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brig/internal.h"
#include "config_priv.h"

void cfg_init(struct cfg_ctx *c, const char *root_name)
{
    c->root_name = root_name;
    c->len = 0;
    c->path[0] = '\0';
}

/* Append to the path; on overflow the path is cut (messages stay usable). */
static size_t cfg_append(struct cfg_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t cfg_append(struct cfg_ctx *c, const char *fmt, ...)
{
    size_t mark = c->len;
    size_t room = sizeof c->path - c->len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(c->path + c->len, room, fmt, ap);
    va_end(ap);
    if (n < 0)
        c->path[c->len] = '\0';
    else if ((size_t)n >= room)
        c->len = sizeof c->path - 1;
    else
        c->len += (size_t)n;
    return mark;
}

/* The two pushed for every member and element, by hand: a parse makes
 * ~100 of them, and printf's machinery was a tenth of its time. */
static void cfg_put(struct cfg_ctx *c, const char *s)
{
    for (; *s && c->len < sizeof c->path - 1; s++)
        c->path[c->len++] = *s;
    c->path[c->len] = '\0';
}

static size_t cfg_append_str(struct cfg_ctx *c, const char *a, const char *b)
{
    size_t mark = c->len;
    cfg_put(c, a);
    cfg_put(c, b);
    return mark;
}

size_t cfg_push_key(struct cfg_ctx *c, const char *key)
{
    return cfg_append_str(c, c->len ? "." : "", key);
}

size_t cfg_push_index(struct cfg_ctx *c, size_t i)
{
    char d[24];
    size_t n = sizeof d;
    d[--n] = '\0';
    d[--n] = ']';
    do
        d[--n] = (char)('0' + i % 10);
    while ((i /= 10) && n > 1);
    d[--n] = '[';
    return cfg_append_str(c, d + n, "");
}

size_t cfg_push_map_key(struct cfg_ctx *c, const char *key)
{
    char q[CFG_QUOTE_MAX + 8];
    return cfg_append(c, "[\"%s\"]", cfg_quote(key, q, sizeof q));
}

void cfg_pop(struct cfg_ctx *c, size_t mark)
{
    if (mark < sizeof c->path) {
        c->len = mark;
        c->path[mark] = '\0';
    }
}

static int cfg_verr(struct cfg_ctx *c, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    return brig_fail(0, "%s: %s", c->len ? c->path : c->root_name, msg);
}

int cfg_err(struct cfg_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cfg_verr(c, fmt, ap);
    va_end(ap);
    return -1;
}

int cfg_err_key(struct cfg_ctx *c, const char *key, const char *fmt, ...)
{
    size_t mark = cfg_push_key(c, key);
    va_list ap;
    va_start(ap, fmt);
    cfg_verr(c, fmt, ap);
    va_end(ap);
    cfg_pop(c, mark);
    return -1;
}

const char *cfg_quote(const char *s, char *buf, size_t size)
{
    size_t max = size > 4 ? size - 4 : 0; /* room for "..." and NUL */
    size_t i = 0, o = 0;
    if (size == 0)
        return "";
    for (; s[i] && o < max; i++) {
        unsigned char ch = (unsigned char)s[i];
        buf[o++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    if (s[i]) {
        /* Do not leave half a UTF-8 sequence before the ellipsis. */
        while (o > 0 && ((unsigned char)buf[o - 1] & 0xc0) == 0x80)
            o--;
        if (o > 0 && ((unsigned char)buf[o - 1] & 0xc0) == 0xc0)
            o--;
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

/* Checks yajl cannot be asked to do, before handing it the text. */
static int prescan(const char *s, size_t len, const char *what)
{
    if (memchr(s, '\0', len))
        return brig_fail(0, "%s: invalid JSON: NUL byte in the text", what);
    size_t depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (in_str) {
            if (ch == '\\') {
                /* "\u0000" would silently cut the C string yajl returns. */
                if (len - i >= 6 && memcmp(s + i + 1, "u0000", 5) == 0)
                    return brig_fail(0, "%s: invalid JSON: \\u0000 in a string", what);
                i++;
            } else if (ch == '"') {
                in_str = false;
            }
            continue;
        }
        switch (ch) {
        case '"':
            in_str = true;
            break;
        case '[':
        case '{':
            if (++depth > CFG_MAX_DEPTH)
                return brig_fail(0, "%s: invalid JSON: nested deeper than %d levels", what,
                                 CFG_MAX_DEPTH);
            break;
        case ']':
        case '}':
            if (depth > 0)
                depth--;
            break;
        case '/':
            /* yajl_tree_parse enables comments; JSON (and runc) has none. */
            return brig_fail(0, "%s: invalid JSON: comments are not allowed", what);
        default:
            break;
        }
    }
    return 0;
}

yajl_val cfg_parse_tree(const char *json, size_t len, const char *what)
{
    if (!json)
        len = 0;
    if (prescan(json ? json : "", len, what) < 0)
        return NULL;
    /* yajl_tree_parse wants a NUL-terminated string. */
    cleanup_free char *text = brig_xmalloc(len + 1);
    if (len)
        memcpy(text, json, len);
    text[len] = '\0';

    char errbuf[1024];
    errbuf[0] = '\0';
    yajl_val v = yajl_tree_parse(text, errbuf, sizeof errbuf);
    if (!v) {
        /* The message goes on with a picture of the text; keep line one. */
        errbuf[sizeof errbuf - 1] = '\0';
        char *nl = strchr(errbuf, '\n');
        if (nl)
            *nl = '\0';
        size_t n = strlen(errbuf);
        while (n > 0 && (errbuf[n - 1] == ' ' || errbuf[n - 1] == '\r' || errbuf[n - 1] == '\t'))
            errbuf[--n] = '\0';
        brig_fail(0, "%s: invalid JSON: %s", what, n ? errbuf : "parse error");
        return NULL;
    }
    return v;
}

yajl_val cfg_member(yajl_val o, const char *key)
{
    if (!YAJL_IS_OBJECT(o) || !o->u.object.keys || !o->u.object.values)
        return NULL;
    /* Go's encoding/json (runc) keeps the last of repeated keys. */
    for (size_t i = o->u.object.len; i-- > 0;) {
        const char *k = o->u.object.keys[i];
        if (k && strcmp(k, key) == 0) {
            yajl_val v = o->u.object.values[i];
            return YAJL_IS_NULL(v) ? NULL : v;
        }
    }
    return NULL;
}

/* ---- values at the current path ---- */

int cfg_val_str(struct cfg_ctx *c, yajl_val v, char **out)
{
    if (!YAJL_IS_STRING(v) || !v->u.string)
        return cfg_err(c, "expected a string");
    free(*out);
    *out = brig_xstrdup(v->u.string);
    return 0;
}

/* Split a JSON number into sign and magnitude.  0: integer; -1: has a
 * fraction or exponent; -2: magnitude beyond uint64. */
static int raw_integer(const char *r, bool *neg, uint64_t *mag)
{
    const char *p = r;
    uint64_t m = 0;
    bool over = false;
    *neg = false;
    if (*p == '-') {
        *neg = true;
        p++;
    }
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (m > (UINT64_MAX - d) / 10)
            over = true;
        else
            m = m * 10 + d;
    }
    if (*p != '\0')
        return -1;
    if (over)
        return -2;
    if (m == 0)
        *neg = false; /* -0 is 0 */
    *mag = m;
    return 0;
}

static int number_of(struct cfg_ctx *c, yajl_val v, bool *neg, uint64_t *mag, const char *range)
{
    char q[CFG_QUOTE_MAX];
    if (!YAJL_IS_NUMBER(v) || !v->u.number.r)
        return cfg_err(c, "expected a number");
    /* The raw text, not u.number.i: yajl has no uint64 and no INT64_MIN. */
    int r = raw_integer(v->u.number.r, neg, mag);
    if (r == -1)
        return cfg_err(c, "expected an integer, got %s", cfg_quote(v->u.number.r, q, sizeof q));
    if (r == -2)
        return cfg_err(c, "%s out of range (%s)", cfg_quote(v->u.number.r, q, sizeof q), range);
    return 0;
}

int cfg_val_u64(struct cfg_ctx *c, yajl_val v, uint64_t max, uint64_t *out)
{
    char range[64], q[CFG_QUOTE_MAX];
    bool neg;
    uint64_t mag;
    snprintf(range, sizeof range, "0..%ju", (uintmax_t)max);
    if (number_of(c, v, &neg, &mag, range) < 0)
        return -1;
    if (neg || mag > max)
        return cfg_err(c, "%s out of range (%s)", cfg_quote(v->u.number.r, q, sizeof q), range);
    *out = mag;
    return 0;
}

int cfg_val_i64(struct cfg_ctx *c, yajl_val v, int64_t min, int64_t max, int64_t *out)
{
    char range[64], q[CFG_QUOTE_MAX];
    bool neg;
    uint64_t mag;
    int64_t x;
    snprintf(range, sizeof range, "%jd..%jd", (intmax_t)min, (intmax_t)max);
    if (number_of(c, v, &neg, &mag, range) < 0)
        return -1;
    if (!neg) {
        if (mag > (uint64_t)INT64_MAX)
            goto out_of_range;
        x = (int64_t)mag;
    } else {
        if (mag > (uint64_t)INT64_MAX + 1)
            goto out_of_range;
        x = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    }
    if (x < min || x > max)
        goto out_of_range;
    *out = x;
    return 0;
out_of_range:
    return cfg_err(c, "%s out of range (%s)", cfg_quote(v->u.number.r, q, sizeof q), range);
}

int cfg_val_strv(struct cfg_ctx *c, yajl_val v, struct brig_strv *out)
{
    if (!YAJL_IS_ARRAY(v))
        return cfg_err(c, "expected an array of strings");
    size_t n = v->u.array.len;
    cfg_strv_clear(out);
    out->v = brig_xcalloc(n + 1, sizeof *out->v);
    out->n = n;
    for (size_t i = 0; i < n; i++) {
        yajl_val e = v->u.array.values[i];
        if (!YAJL_IS_STRING(e) || !e->u.string) {
            size_t mark = cfg_push_index(c, i);
            cfg_err(c, "expected a string");
            cfg_pop(c, mark);
            return -1;
        }
        out->v[i] = brig_xstrdup(e->u.string);
    }
    return 0;
}

/* ---- keyed getters ---- */

/* Shared head of every keyed getter: 0 absent, 1 present, -1 required. */
static int lookup(struct cfg_ctx *c, yajl_val o, const char *key, bool required, yajl_val *v)
{
    *v = cfg_member(o, key);
    if (*v)
        return 1;
    if (required)
        return cfg_err_key(c, key, "required");
    return 0;
}

int cfg_object(struct cfg_ctx *c, yajl_val o, const char *key, bool required, yajl_val *out)
{
    int r = lookup(c, o, key, required, out);
    if (r <= 0)
        return r;
    if (!YAJL_IS_OBJECT(*out))
        return cfg_err_key(c, key, "expected an object");
    return 1;
}

int cfg_array(struct cfg_ctx *c, yajl_val o, const char *key, bool required, yajl_val *out)
{
    int r = lookup(c, o, key, required, out);
    if (r <= 0)
        return r;
    if (!YAJL_IS_ARRAY(*out))
        return cfg_err_key(c, key, "expected an array");
    return 1;
}

int cfg_str(struct cfg_ctx *c, yajl_val o, const char *key, bool required, char **out)
{
    yajl_val v;
    int r = lookup(c, o, key, required, &v);
    if (r <= 0)
        return r;
    size_t mark = cfg_push_key(c, key);
    r = cfg_val_str(c, v, out);
    cfg_pop(c, mark);
    return r < 0 ? -1 : 1;
}

int cfg_bool(struct cfg_ctx *c, yajl_val o, const char *key, bool *out)
{
    yajl_val v;
    int r = lookup(c, o, key, false, &v);
    if (r <= 0)
        return r;
    if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
        return cfg_err_key(c, key, "expected a boolean");
    *out = YAJL_IS_TRUE(v);
    return 1;
}

int cfg_u64(struct cfg_ctx *c, yajl_val o, const char *key, bool required, uint64_t max,
            uint64_t *out)
{
    yajl_val v;
    int r = lookup(c, o, key, required, &v);
    if (r <= 0)
        return r;
    size_t mark = cfg_push_key(c, key);
    r = cfg_val_u64(c, v, max, out);
    cfg_pop(c, mark);
    return r < 0 ? -1 : 1;
}

int cfg_i64(struct cfg_ctx *c, yajl_val o, const char *key, bool required, int64_t min,
            int64_t max, int64_t *out)
{
    yajl_val v;
    int r = lookup(c, o, key, required, &v);
    if (r <= 0)
        return r;
    size_t mark = cfg_push_key(c, key);
    r = cfg_val_i64(c, v, min, max, out);
    cfg_pop(c, mark);
    return r < 0 ? -1 : 1;
}

int cfg_u32(struct cfg_ctx *c, yajl_val o, const char *key, bool required, uint32_t *out)
{
    uint64_t x;
    int r = cfg_u64(c, o, key, required, UINT32_MAX, &x);
    if (r == 1)
        *out = (uint32_t)x;
    return r;
}

int cfg_opt_bool(struct cfg_ctx *c, yajl_val o, const char *key, brig_opt_bool *out)
{
    bool b = false;
    int r = cfg_bool(c, o, key, &b);
    if (r == 1) {
        out->set = true;
        out->v = b;
    }
    return r;
}

int cfg_opt_u64(struct cfg_ctx *c, yajl_val o, const char *key, brig_opt_u64 *out)
{
    uint64_t x;
    int r = cfg_u64(c, o, key, false, UINT64_MAX, &x);
    if (r == 1) {
        out->set = true;
        out->v = x;
    }
    return r;
}

int cfg_opt_u32(struct cfg_ctx *c, yajl_val o, const char *key, uint32_t max, brig_opt_u32 *out)
{
    uint64_t x;
    int r = cfg_u64(c, o, key, false, max, &x);
    if (r == 1) {
        out->set = true;
        out->v = (uint32_t)x;
    }
    return r;
}

int cfg_opt_i64(struct cfg_ctx *c, yajl_val o, const char *key, brig_opt_i64 *out)
{
    int64_t x;
    int r = cfg_i64(c, o, key, false, INT64_MIN, INT64_MAX, &x);
    if (r == 1) {
        out->set = true;
        out->v = x;
    }
    return r;
}

int cfg_opt_i32(struct cfg_ctx *c, yajl_val o, const char *key, int32_t min, int32_t max,
                brig_opt_i32 *out)
{
    int64_t x;
    int r = cfg_i64(c, o, key, false, min, max, &x);
    if (r == 1) {
        out->set = true;
        out->v = (int32_t)x;
    }
    return r;
}

int cfg_strv(struct cfg_ctx *c, yajl_val o, const char *key, struct brig_strv *out)
{
    yajl_val v;
    int r = lookup(c, o, key, false, &v);
    if (r <= 0)
        return r;
    size_t mark = cfg_push_key(c, key);
    r = cfg_val_strv(c, v, out);
    cfg_pop(c, mark);
    return r < 0 ? -1 : 1;
}

int cfg_abs_paths(struct cfg_ctx *c, yajl_val o, const char *key, struct brig_strv *out)
{
    int r = cfg_strv(c, o, key, out);
    if (r <= 0)
        return r;
    for (size_t i = 0; i < out->n; i++) {
        if (out->v[i][0] != '/') {
            char q[CFG_QUOTE_MAX];
            size_t mark = cfg_push_key(c, key);
            cfg_push_index(c, i);
            cfg_err(c, "must be an absolute path, got \"%s\"", cfg_quote(out->v[i], q, sizeof q));
            cfg_pop(c, mark);
            return -1;
        }
    }
    return 1;
}

struct map_slot {
    const char *key;
    size_t index;
};

static int slot_cmp(const void *a, const void *b)
{
    const struct map_slot *x = a, *y = b;
    int r = strcmp(x->key, y->key);
    if (r)
        return r;
    return x->index < y->index ? -1 : x->index > y->index;
}

int cfg_map(struct cfg_ctx *c, yajl_val o, const char *key, struct brig_map *out)
{
    yajl_val v;
    int r = lookup(c, o, key, false, &v);
    if (r <= 0)
        return r;
    if (!YAJL_IS_OBJECT(v))
        return cfg_err_key(c, key, "expected an object of strings");
    size_t n = v->u.object.len;
    size_t mark = cfg_push_key(c, key);
    for (size_t i = 0; i < n; i++) {
        yajl_val e = v->u.object.values[i];
        if (!YAJL_IS_STRING(e) || !e->u.string) {
            cfg_push_map_key(c, v->u.object.keys[i]);
            cfg_err(c, "expected a string");
            cfg_pop(c, mark);
            return -1;
        }
    }
    cfg_pop(c, mark);

    /* Repeated keys: keep the last value, at the first key's place.  Sort
     * (not a nested loop) so that a hostile document stays cheap. */
    cleanup_free struct map_slot *slots = brig_xcalloc(n ? n : 1, sizeof *slots);
    cleanup_free bool *drop = brig_xcalloc(n ? n : 1, sizeof *drop);
    cleanup_free size_t *value_of = brig_xcalloc(n ? n : 1, sizeof *value_of);
    for (size_t i = 0; i < n; i++) {
        slots[i].key = v->u.object.keys[i];
        slots[i].index = i;
        value_of[i] = i;
    }
    qsort(slots, n, sizeof *slots, slot_cmp);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && strcmp(slots[j + 1].key, slots[i].key) == 0)
            j++;
        value_of[slots[i].index] = slots[j].index;
        for (size_t k = i + 1; k <= j; k++)
            drop[slots[k].index] = true;
        i = j + 1;
    }

    cfg_map_clear(out);
    out->v = brig_xcalloc(n ? n : 1, sizeof *out->v);
    for (size_t i = 0; i < n; i++) {
        if (drop[i])
            continue;
        out->v[out->n].key = brig_xstrdup(v->u.object.keys[i]);
        out->v[out->n].value = brig_xstrdup(v->u.object.values[value_of[i]]->u.string);
        out->n++;
    }
    return 1;
}

int cfg_idmaps(struct cfg_ctx *c, yajl_val o, const char *key, struct brig_idmap **v, size_t *n)
{
    yajl_val a;
    int r = cfg_array(c, o, key, false, &a);
    if (r <= 0)
        return r;
    size_t len = a->u.array.len;
    free(*v);
    *v = brig_xcalloc(len ? len : 1, sizeof **v);
    *n = len;
    size_t mark = cfg_push_key(c, key);
    for (size_t i = 0; i < len; i++) {
        yajl_val e = a->u.array.values[i];
        size_t imark = cfg_push_index(c, i);
        if (!YAJL_IS_OBJECT(e)) {
            cfg_err(c, "expected an object");
            goto fail;
        }
        if (cfg_u32(c, e, "containerID", true, &(*v)[i].container_id) < 0 ||
            cfg_u32(c, e, "hostID", true, &(*v)[i].host_id) < 0 ||
            cfg_u32(c, e, "size", true, &(*v)[i].size) < 0)
            goto fail;
        cfg_pop(c, imark);
    }
    cfg_pop(c, mark);
    return 1;
fail:
    cfg_pop(c, mark);
    return -1;
}

const struct cfg_name *cfg_lookup(const struct cfg_name *table, const char *name)
{
    for (; table->name; table++)
        if (strcmp(table->name, name) == 0)
            return table;
    return NULL;
}

int cfg_enum(struct cfg_ctx *c, yajl_val o, const char *key, bool required,
             const struct cfg_name *table, const char *what, int *value, char **name_out)
{
    yajl_val v;
    int r = lookup(c, o, key, required, &v);
    if (r <= 0)
        return r;
    if (!YAJL_IS_STRING(v) || !v->u.string)
        return cfg_err_key(c, key, "expected a string");
    const struct cfg_name *e = cfg_lookup(table, v->u.string);
    if (!e) {
        char q[CFG_QUOTE_MAX];
        return cfg_err_key(c, key, "unknown %s \"%s\"", what, cfg_quote(v->u.string, q, sizeof q));
    }
    if (value)
        *value = e->value;
    if (name_out) {
        free(*name_out);
        *name_out = brig_xstrdup(e->name);
    }
    return 1;
}

int cfg_enum_strv(struct cfg_ctx *c, yajl_val o, const char *key, const struct cfg_name *table,
                  const char *what, struct brig_strv *out)
{
    int r = cfg_strv(c, o, key, out);
    if (r <= 0)
        return r;
    for (size_t i = 0; i < out->n; i++) {
        if (!cfg_lookup(table, out->v[i])) {
            char q[CFG_QUOTE_MAX];
            size_t mark = cfg_push_key(c, key);
            cfg_push_index(c, i);
            cfg_err(c, "unknown %s \"%s\"", what, cfg_quote(out->v[i], q, sizeof q));
            cfg_pop(c, mark);
            return -1;
        }
    }
    return 1;
}

void cfg_strv_clear(struct brig_strv *s)
{
    if (!s)
        return;
    if (s->v)
        for (size_t i = 0; i < s->n; i++)
            free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

void cfg_map_clear(struct brig_map *m)
{
    if (!m)
        return;
    if (m->v)
        for (size_t i = 0; i < m->n; i++) {
            free(m->v[i].key);
            free(m->v[i].value);
        }
    free(m->v);
    m->v = NULL;
    m->n = 0;
}
