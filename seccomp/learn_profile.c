/* brig: the learned seccomp profile: the set of calls a workload made, read
 * from and written as a linux.seccomp object.  Pure (no system calls): the
 * learner that fills it is seccomp/learn.c.
 *
 * What is written, stable and sorted so that files diff well:
 *   {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
 *    "architectures": [...seen...],
 *    "syscalls": [{"names": [...seen...], "action": "SCMP_ACT_ALLOW"},
 *                 clone without CLONE_NEW* flags (when that is all it did),
 *                 clone3 answered ENOSYS (when seen; libc falls back)]} */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "brig/internal.h"
#include "brig/json.h"
#include "brig/learn.h"
#include "brig/seccomp.h"

#define ENOSYS_NR 38

void brig_learned_init(struct brig_learned *l)
{
    memset(l, 0, sizeof *l);
    l->default_action = BRIG_SECCOMP_ERRNO;
    l->default_errno = (brig_opt_u32){true, EPERM};
}

void brig_learned_free(struct brig_learned *l)
{
    for (size_t i = 0; i < l->n_names; i++)
        free(l->names[i]);
    for (size_t i = 0; i < l->n_arches; i++)
        free(l->arches[i]);
    free(l->names);
    free(l->arches);
    brig_learned_init(l);
}

/* Insert S into the sorted set V (N entries) unless there. */
static void set_add(char ***v, size_t *n, const char *s)
{
    size_t lo = 0, hi = *n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp((*v)[mid], s);
        if (c == 0)
            return;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *v = brig_xrealloc(*v, (*n + 1) * sizeof **v);
    memmove(*v + lo + 1, *v + lo, (*n - lo) * sizeof **v);
    (*v)[lo] = brig_xstrdup(s);
    (*n)++;
}

static bool set_has(char *const *v, size_t n, const char *s)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(v[mid], s);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

void brig_learned_add(struct brig_learned *l, const char *arch, const char *name, uint64_t arg0)
{
    if (arch)
        set_add(&l->arches, &l->n_arches, arch);
    if (strcmp(name, "clone3") == 0)
        l->clone3 = true;
    else if (strcmp(name, "clone") == 0 && !(arg0 & BRIG_LEARN_CLONE_NS_MASK))
        l->clone_plain = true;
    else
        set_add(&l->names, &l->n_names, name);
}

void brig_learned_add_always(struct brig_learned *l)
{
    static const char *const always[] = BRIG_LEARN_ALWAYS;
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(always); i++)
        set_add(&l->names, &l->n_names, always[i]);
    if (set_has(l->arches, l->n_arches, "SCMP_ARCH_X86") || set_has(l->arches, l->n_arches, "SCMP_ARCH_ARM"))
        set_add(&l->names, &l->n_names, "sigreturn");
}

void brig_learned_merge(struct brig_learned *dst, const struct brig_learned *src)
{
    for (size_t i = 0; i < src->n_names; i++)
        set_add(&dst->names, &dst->n_names, src->names[i]);
    for (size_t i = 0; i < src->n_arches; i++)
        set_add(&dst->arches, &dst->n_arches, src->arches[i]);
    dst->clone_plain |= src->clone_plain;
    dst->clone3 |= src->clone3;
}

/* ---- reading a profile back ---- */

/* Syscall names are short identifiers: anything else was not written here. */
static bool syscall_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    return true;
}

static bool refusing(enum brig_seccomp_action a)
{
    return a == BRIG_SECCOMP_ERRNO || a == BRIG_SECCOMP_KILL || a == BRIG_SECCOMP_KILL_PROCESS ||
           a == BRIG_SECCOMP_KILL_THREAD || a == BRIG_SECCOMP_TRAP;
}

static bool is_clone_rule(const struct brig_seccomp_syscall *s)
{
    const struct brig_seccomp_arg *a = s->args;
    return s->action == BRIG_SECCOMP_ALLOW && !s->errno_ret.set && s->names.n == 1 &&
           strcmp(s->names.v[0], "clone") == 0 && s->n_args == 1 && a->index == 0 &&
           a->op == BRIG_SECCOMP_OP_MASKED_EQ && a->value == BRIG_LEARN_CLONE_NS_MASK && a->value_two == 0;
}

static bool is_clone3_rule(const struct brig_seccomp_syscall *s)
{
    return s->action == BRIG_SECCOMP_ERRNO && s->errno_ret.set && s->errno_ret.v == ENOSYS_NR &&
           s->names.n == 1 && strcmp(s->names.v[0], "clone3") == 0 && s->n_args == 0;
}

static int from_seccomp(const struct brig_seccomp *sc, struct brig_learned *l)
{
    if (!refusing(sc->default_action))
        return brig_fail(0, "defaultAction: a learned profile refuses what it does not list "
                            "(SCMP_ACT_ERRNO or a kill)");
    l->default_action = sc->default_action;
    l->default_errno = sc->default_errno_ret;
    if (sc->default_errno_ret.set && sc->default_action != BRIG_SECCOMP_ERRNO)
        return brig_fail(0, "defaultErrnoRet: only with SCMP_ACT_ERRNO");
    if (sc->flags.n || sc->listener_path || sc->listener_metadata)
        return brig_fail(0, "%s: not part of a learned profile",
                         sc->flags.n ? "flags" : sc->listener_path ? "listenerPath" : "listenerMetadata");
    for (size_t i = 0; i < sc->architectures.n; i++) {
        if (!brig_seccomp_arch_known(sc->architectures.v[i]))
            return brig_fail(0, "architectures[%zu]: unknown architecture", i);
        set_add(&l->arches, &l->n_arches, sc->architectures.v[i]);
    }
    for (size_t i = 0; i < sc->n_syscalls; i++) {
        const struct brig_seccomp_syscall *s = &sc->syscalls[i];
        if (is_clone_rule(s)) {
            l->clone_plain = true;
            continue;
        }
        if (is_clone3_rule(s)) {
            l->clone3 = true;
            continue;
        }
        if (s->action != BRIG_SECCOMP_ALLOW || s->errno_ret.set || s->n_args)
            return brig_fail(0, "syscalls[%zu]: not a rule a learned profile has (SCMP_ACT_ALLOW without "
                                "args, clone without CLONE_NEW* flags, clone3 answered ENOSYS)", i);
        for (size_t k = 0; k < s->names.n; k++) {
            if (!syscall_name_ok(s->names.v[k]))
                return brig_fail(0, "syscalls[%zu].names[%zu]: not a system call name", i, k);
            set_add(&l->names, &l->n_names, s->names.v[k]);
        }
    }
    return 0;
}

int brig_learned_parse(const char *text, size_t len, struct brig_learned *out)
{
    brig_learned_init(out);
    struct brig_seccomp *sc = NULL;
    if (brig_seccomp_parse(text, len, &sc) < 0)
        return -1;
    int r = from_seccomp(sc, out);
    brig_seccomp_free(sc);
    if (r < 0)
        brig_learned_free(out);
    return r;
}

/* ---- writing it ---- */

static const char *action_text(enum brig_seccomp_action a)
{
    switch (a) {
    case BRIG_SECCOMP_KILL: return "SCMP_ACT_KILL";
    case BRIG_SECCOMP_KILL_PROCESS: return "SCMP_ACT_KILL_PROCESS";
    case BRIG_SECCOMP_KILL_THREAD: return "SCMP_ACT_KILL_THREAD";
    case BRIG_SECCOMP_TRAP: return "SCMP_ACT_TRAP";
    default: return "SCMP_ACT_ERRNO";
    }
}

char *brig_learned_json(const struct brig_learned *l)
{
    yajl_gen g = brig_json_gen_new(true);
    if (!g)
        return NULL;
    bool clone_any = set_has(l->names, l->n_names, "clone");
    yajl_gen_map_open(g);
    brig_json_key_str(g, "defaultAction", action_text(l->default_action));
    if (l->default_action == BRIG_SECCOMP_ERRNO)
        brig_json_key_int(g, "defaultErrnoRet", l->default_errno.set ? l->default_errno.v : EPERM);
    brig_json_key(g, "architectures");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < l->n_arches; i++)
        brig_json_str(g, l->arches[i]);
    yajl_gen_array_close(g);
    brig_json_key(g, "syscalls");
    yajl_gen_array_open(g);
    if (l->n_names) {
        yajl_gen_map_open(g);
        brig_json_key(g, "names");
        yajl_gen_array_open(g);
        for (size_t i = 0; i < l->n_names; i++)
            brig_json_str(g, l->names[i]);
        yajl_gen_array_close(g);
        brig_json_key_str(g, "action", "SCMP_ACT_ALLOW");
        yajl_gen_map_close(g);
    }
    /* clone3 answered ENOSYS makes libc use clone: allow that too. */
    if ((l->clone_plain || l->clone3) && !clone_any) {
        yajl_gen_map_open(g);
        brig_json_key(g, "names");
        yajl_gen_array_open(g);
        brig_json_str(g, "clone");
        yajl_gen_array_close(g);
        brig_json_key_str(g, "action", "SCMP_ACT_ALLOW");
        brig_json_key(g, "args");
        yajl_gen_array_open(g);
        yajl_gen_map_open(g);
        brig_json_key_int(g, "index", 0);
        brig_json_key_int(g, "value", (long long)BRIG_LEARN_CLONE_NS_MASK);
        brig_json_key_int(g, "valueTwo", 0);
        brig_json_key_str(g, "op", "SCMP_CMP_MASKED_EQ");
        yajl_gen_map_close(g);
        yajl_gen_array_close(g);
        yajl_gen_map_close(g);
    }
    if (l->clone3) {
        yajl_gen_map_open(g);
        brig_json_key(g, "names");
        yajl_gen_array_open(g);
        brig_json_str(g, "clone3");
        yajl_gen_array_close(g);
        brig_json_key_str(g, "action", "SCMP_ACT_ERRNO");
        brig_json_key_int(g, "errnoRet", ENOSYS_NR);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    char *s = brig_json_gen_finish(g);
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *out = brig_xmalloc(n + 2);
    memcpy(out, s, n);
    out[n] = '\n';
    out[n + 1] = '\0';
    free(s);
    return out;
}
