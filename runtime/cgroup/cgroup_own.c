/* brig: what brig made (the cgroups and the enabled controllers it must
 * undo) and mkdir -p that records it. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "brig/cgroup_internal.h"
#include "brig/internal.h"
#include "brig/json.h"

/* ---- what brig made ---- */

static void strv_free_n(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void brig_cgroup_own_clear(struct brig_cgroup_own *o)
{
    if (!o)
        return;
    strv_free_n(o->made, o->n_made);
    strv_free_n(o->enabled, o->n_enabled);
    memset(o, 0, sizeof *o);
}

static bool strv_has(char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

static void strv_add(char ***v, size_t *n, const char *s)
{
    if (strv_has(*v, *n, s))
        return;
    *v = brig_xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = brig_xstrdup(s);
}

bool brig_cg_own_has(const struct brig_cgroup_own *o, const char *dir)
{
    return o && strv_has(o->made, o->n_made, dir);
}

void brig_cg_own_add_made(struct brig_cgroup_own *o, const char *dir)
{
    strv_add(&o->made, &o->n_made, dir);
}

static void own_drop(struct brig_cgroup_own *o, const char *dir)
{
    for (size_t i = 0; o && i < o->n_made; i++)
        if (strcmp(o->made[i], dir) == 0) {
            free(o->made[i]);
            memmove(&o->made[i], &o->made[i + 1], (o->n_made - i - 1) * sizeof *o->made);
            o->n_made--;
            return;
        }
}

void brig_cg_own_add_enabled(struct brig_cgroup_own *o, const char *dir, const char *ctrl)
{
    cleanup_free char *e = brig_xasprintf("%s %s", dir, ctrl);
    strv_add(&o->enabled, &o->n_enabled, e);
}

static void gen_strv(yajl_gen g, const char *key, char *const *v, size_t n)
{
    brig_json_key(g, key);
    yajl_gen_array_open(g);
    for (size_t i = 0; i < n; i++)
        brig_json_str(g, v[i]);
    yajl_gen_array_close(g);
}

void brig_cgroup_own_gen(yajl_gen g, const char *key, const struct brig_cgroup_own *o)
{
    if (!o->known)
        return;
    brig_json_key(g, key);
    yajl_gen_map_open(g);
    gen_strv(g, "made", o->made, o->n_made);
    gen_strv(g, "enabled", o->enabled, o->n_enabled);
    yajl_gen_map_close(g);
}

static void load_strv(yajl_val v, char ***out, size_t *n)
{
    if (!YAJL_IS_ARRAY(v))
        return;
    for (size_t i = 0; i < v->u.array.len; i++)
        if (YAJL_IS_STRING(v->u.array.values[i]))
            strv_add(out, n, YAJL_GET_STRING(v->u.array.values[i]));
}

void brig_cgroup_own_load(yajl_val v, struct brig_cgroup_own *o)
{
    brig_cgroup_own_clear(o);
    if (!YAJL_IS_OBJECT(v))
        return;
    o->known = true;
    load_strv(brig_json_get(v, "made"), &o->made, &o->n_made);
    load_strv(brig_json_get(v, "enabled"), &o->enabled, &o->n_enabled);
}

/* One level of brig_cg_mkdir_p is there: on the made list if this mkdir
 * made it, off it if it was there already (the plan may have listed it:
 * another container made it meanwhile), then AFTER run in it. */
static int level_done(struct brig_cgroup_own *own, const char *dir, bool made,
                      int (*after)(const char *dir, bool made, void *arg), void *arg)
{
    if (made)
        strv_add(&own->made, &own->n_made, dir);
    else
        own_drop(own, dir);
    return after ? after(dir, made, arg) : 0;
}

int brig_cg_mkdir_p(const char *root, const char *path, struct brig_cgroup_own *own,
                    int (*before)(const char *parent, bool made, void *arg),
                    int (*after)(const char *dir, bool made, void *arg), void *arg)
{
    cleanup_free char *full = brig_xasprintf("%s%s", root, path);
    size_t base = strlen(root);
    /* The parents are usually there already (a container's siblings share
     * them): without a BEFORE to run in each, try the leaf alone, and walk
     * the levels only when a parent is missing.  A mkdir that finds its
     * directory still locks the parent, which every sibling's mkdir and
     * rmdir contends for. */
    if (!before) {
        bool made = brig_cg_mkdir(full) == 0;
        if (made || errno == EEXIST)
            return level_done(own, full, made, after, arg) < 0 ? -1 : made;
        if (errno != ENOENT)
            return brig_fail(errno, "create cgroup %s", full);
    }
    for (unsigned attempt = 0;; attempt++) {
        int made = 0;
        bool again = false;
        for (char *p = full + base + 1;; p++) {
            if (*p != '/' && *p != '\0')
                continue;
            char c = *p;
            *p = '\0';
            if (before) {
                /* the directory the next level is made in */
                char *slash = strrchr(full, '/');
                *slash = '\0';
                const char *parent = slash == full + base ? root : full;
                bool pmade = parent != root && brig_cg_own_has(own, parent);
                int r = before(parent, pmade, arg);
                int e = brig_last_errno();
                *slash = '/';
                if (r < 0) {
                    *p = c;
                    if (e != ENOENT || attempt >= 8)
                        return -1;
                    again = true;
                    break;
                }
            }
            made = brig_cg_mkdir(full) == 0;
            if (!made && errno != EEXIST) {
                int e = errno;
                *p = c;
                if (e != ENOENT || attempt >= 8)
                    return brig_fail(e, "create cgroup %s", full);
                again = true; /* a racing delete removed a parent */
                break;
            }
            if (level_done(own, full, made, after, arg) < 0) {
                *p = c;
                return -1;
            }
            *p = c;
            if (c == '\0')
                break;
        }
        if (!again)
            return made;
        brig_clear_error();
    }
}
