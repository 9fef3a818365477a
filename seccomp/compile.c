/* brig: linux.seccomp turned into a BPF program with libseccomp.
 *
 * Checking (cheap, no libseccomp) and compiling are separate so that a cache
 * hit still reports a malformed profile: the checks run on every call. */
#include "config.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/internal.h"
#include "brig/seccomp.h"
#include "seccomp_internal.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#define P "linux.seccomp"
#define MAX_ARGS 6 /* syscall arguments a filter can look at */

/* Syscalls the container process makes between installing the filter and
 * handing the listener fd to the runtime: notifying on them would hang it. */
static const char *const notify_forbidden[] = { "write", "sendmsg" };

static const char *action_name(enum brig_seccomp_action a)
{
    return (unsigned)a < BRIG_SECCOMP_ACTION_COUNT ? brig_seccomp_actions[a].name : "?";
}

/* The libseccomp action for A; PATH and FIELD name the errno field in errors.
 * ERRNO and TRACE without a return code use EPERM, as the spec says. */
static int action_value(enum brig_seccomp_action a, const brig_opt_u32 *eret,
                        const char *path, const char *field, uint32_t *out)
{
    if ((unsigned)a >= BRIG_SECCOMP_ACTION_COUNT)
        return brig_fail(0, "%s: unknown action %d", path, (int)a);
    const struct brig_seccomp_action_info *info = &brig_seccomp_actions[a];
    uint32_t e = eret->set ? eret->v : EPERM;
    if (eret->set && !info->takes_ret)
        return brig_fail(0, "%s.%s: not supported with %s (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE)",
                         path, field, info->name);
    if (e > 0xffff)
        return brig_fail(0, "%s.%s: %u does not fit in a filter's return data (at most 65535)",
                         path, field, e);
    *out = info->scmp | (info->takes_ret ? e : 0);
    return 0;
}

static enum scmp_compare op_value(enum brig_seccomp_op op)
{
    if ((unsigned)op >= BRIG_SECCOMP_OP_COUNT)
        return _SCMP_CMP_MIN; /* rejected by brig_seccomp_check */
    return (enum scmp_compare)brig_seccomp_ops[op].scmp;
}

/* The family of the host's architecture, NULL when not in the table. */
static const char *native_family(void)
{
    uint32_t native = seccomp_arch_native();
    for (size_t i = 0; i < BRIG_SECCOMP_N_ARCHES; i++)
        if (brig_seccomp_arches[i].token == native)
            return brig_seccomp_arches[i].family;
    return NULL;
}

bool brig_seccomp_arch_known(const char *name)
{
    return brig_seccomp_arch_lookup(name) != NULL;
}

const char *brig_seccomp_arch_name(uint32_t token)
{
    for (size_t i = 0; i < BRIG_SECCOMP_N_ARCHES; i++)
        if (brig_seccomp_arches[i].token != 0 && brig_seccomp_arches[i].token == token)
            return brig_seccomp_arches[i].name;
    return NULL;
}

size_t brig_seccomp_host_arches(uint32_t *tokens, size_t max)
{
    const char *fam = native_family();
    size_t n = 0;
    if (max > 0)
        tokens[n++] = seccomp_arch_native();
    for (size_t i = 0; i < BRIG_SECCOMP_N_ARCHES && n < max; i++)
        if (fam && strcmp(brig_seccomp_arches[i].family, fam) == 0 && brig_seccomp_arches[i].token != 0 &&
            brig_seccomp_arches[i].token != tokens[0])
            tokens[n++] = brig_seccomp_arches[i].token;
    return n;
}

static bool same_arg_index_twice(const struct brig_seccomp_syscall *s)
{
    unsigned seen = 0;
    for (size_t i = 0; i < s->n_args; i++) {
        unsigned bit = 1U << s->args[i].index;
        if (seen & bit)
            return true;
        seen |= bit;
    }
    return false;
}

int brig_seccomp_check(const struct brig_seccomp *sc, unsigned int *flags_out, bool *listener_out)
{
    uint32_t act;
    unsigned int flags = 0;
    bool listener = false;

    if (sc->default_action == BRIG_SECCOMP_NOTIFY)
        return brig_fail(0, P ".defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
    if (action_value(sc->default_action, &sc->default_errno_ret, P, "defaultErrnoRet", &act) < 0)
        return -1;

    for (size_t i = 0; i < sc->architectures.n; i++) {
        if (!brig_seccomp_arch_lookup(sc->architectures.v[i]))
            return brig_fail(0, P ".architectures[%zu]: unknown architecture \"%s\"",
                             i, sc->architectures.v[i]);
    }

    for (size_t i = 0; i < sc->flags.n; i++) {
        const struct brig_seccomp_flag_info *f = brig_seccomp_flag_lookup(sc->flags.v[i]);
        if (!f)
            return brig_fail(0, P ".flags[%zu]: unknown flag \"%s\"", i, sc->flags.v[i]);
        flags |= f->flag;
    }

    for (size_t i = 0; i < sc->n_syscalls; i++) {
        const struct brig_seccomp_syscall *s = &sc->syscalls[i];
        char path[64];
        snprintf(path, sizeof path, P ".syscalls[%zu]", i);
        if (s->names.n == 0)
            return brig_fail(0, "%s.names: must name at least one syscall", path);
        for (size_t j = 0; j < s->names.n; j++)
            if (!s->names.v[j] || !s->names.v[j][0])
                return brig_fail(0, "%s.names[%zu]: empty syscall name", path, j);
        if (action_value(s->action, &s->errno_ret, path, "errnoRet", &act) < 0)
            return -1;
        for (size_t j = 0; j < s->n_args; j++) {
            if (s->args[j].index >= MAX_ARGS)
                return brig_fail(0, "%s.args[%zu].index: %u is out of range (0-%d)",
                                 path, j, s->args[j].index, MAX_ARGS - 1);
            if (op_value(s->args[j].op) == _SCMP_CMP_MIN)
                return brig_fail(0, "%s.args[%zu].op: unknown operator %d", path, j,
                                 (int)s->args[j].op);
        }
        if (s->action != BRIG_SECCOMP_NOTIFY)
            continue;
        listener = true;
        for (size_t j = 0; j < s->names.n; j++)
            for (size_t k = 0; k < BRIG_ARRAY_SIZE(notify_forbidden); k++)
                if (strcmp(s->names.v[j], notify_forbidden[k]) == 0)
                    return brig_fail(0, "%s.names[%zu]: SCMP_ACT_NOTIFY cannot be used for \"%s\" "
                                     "(the container needs it to hand over the listener)",
                                     path, j, s->names.v[j]);
    }

    if (sc->listener_metadata && !sc->listener_path)
        return brig_fail(0, P ".listenerMetadata: set without listenerPath");
    if (listener && !sc->listener_path)
        return brig_fail(0, P ".listenerPath: required when SCMP_ACT_NOTIFY is used");
    /* Waiting killably only means something for a listener. */
    if (!listener)
        flags &= ~(unsigned int)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;

    if (flags_out)
        *flags_out = flags;
    if (listener_out)
        *listener_out = listener;
    return 0;
}

/* The filter as BPF: libseccomp 2.5 only exports to a file descriptor. */
static int export_bpf(scmp_filter_ctx ctx, struct brig_bpf *out)
{
    cleanup_fd int fd = memfd_create("brig-seccomp", MFD_CLOEXEC);
    if (fd < 0)
        return brig_fail(errno, "seccomp: memfd_create");
    int r = seccomp_export_bpf(ctx, fd);
    if (r < 0)
        return brig_fail(-r, "seccomp: export BPF");
    struct stat st;
    if (fstat(fd, &st) < 0)
        return brig_fail(errno, "seccomp: fstat exported BPF");
    size_t size = (size_t)st.st_size;
    if (size == 0 || size % sizeof(struct sock_filter) != 0)
        return brig_fail(0, "seccomp: libseccomp exported %zu bytes, not a BPF program", size);
    size_t n = size / sizeof(struct sock_filter);
    if (n > BPF_MAXINSNS)
        return brig_fail(0, "seccomp: the filter has %zu instructions, more than the kernel's %d",
                         n, BPF_MAXINSNS);
    struct sock_filter *insns = brig_xmalloc(size);
    ssize_t got = pread(fd, insns, size, 0);
    if (got != (ssize_t)size) {
        int e = got < 0 ? errno : EIO;
        free(insns);
        return brig_fail(e, "seccomp: read back exported BPF");
    }
    out->insns = insns;
    out->len = (unsigned short)n;
    return 0;
}

static int add_rules(scmp_filter_ctx ctx, const struct brig_seccomp *sc, uint32_t default_act)
{
    for (size_t i = 0; i < sc->n_syscalls; i++) {
        const struct brig_seccomp_syscall *s = &sc->syscalls[i];
        uint32_t act;
        if (action_value(s->action, &s->errno_ret, "", "", &act) < 0)
            return -1;
        /* libseccomp refuses a rule that repeats the default action; it would
         * change nothing anyway. */
        if (act == default_act) {
            brig_debug("seccomp: syscalls[%zu] has the default action, skipped", i);
            continue;
        }
        size_t n = s->n_args;
        cleanup_free struct scmp_arg_cmp *conds = brig_xcalloc(n, sizeof *conds);
        for (size_t j = 0; j < n; j++) {
            const struct brig_seccomp_arg *a = &s->args[j];
            conds[j] = (struct scmp_arg_cmp){
                .arg = a->index, .op = op_value(a->op), .datum_a = a->value, .datum_b = a->value_two,
            };
        }
        bool split = same_arg_index_twice(s);

        for (size_t j = 0; j < s->names.n; j++) {
            const char *name = s->names.v[j];
            int nr = seccomp_syscall_resolve_name(name);
            if (nr == __NR_SCMP_ERROR) {
                brig_debug("seccomp: syscall \"%s\" unknown to libseccomp %s, skipped", name,
                           brig_seccomp_lib_version());
                continue;
            }
            int r = 0;
            if (!split) {
                r = seccomp_rule_add_array(ctx, act, nr, (unsigned)n, conds);
            } else {
                /* One rule per condition: the conditions are ORed. */
                for (size_t k = 0; k < n && r == 0; k++)
                    r = seccomp_rule_add_array(ctx, act, nr, 1, &conds[k]);
            }
            if (r < 0)
                return brig_fail(-r, P ".syscalls[%zu].names[%zu]: add rule for %s", i, j, name);
        }
    }
    return 0;
}

int brig_seccomp_compile_uncached(const struct brig_seccomp *sc, struct brig_bpf *out)
{
    if (brig_seccomp_compile_unoptimized(sc, out) < 0)
        return -1;
    brig_seccomp_optimize(out);
    return 0;
}

int brig_seccomp_compile_unoptimized(const struct brig_seccomp *sc, struct brig_bpf *out)
{
    unsigned int flags;
    bool listener;
    uint32_t default_act;

    memset(out, 0, sizeof *out);
    if (brig_seccomp_check(sc, &flags, &listener) < 0)
        return -1;
    if (action_value(sc->default_action, &sc->default_errno_ret, P, "defaultErrnoRet", &default_act) < 0)
        return -1;

    scmp_filter_ctx ctx = seccomp_init(default_act);
    if (!ctx)
        return brig_fail(0, P ".defaultAction: libseccomp rejects %s", action_name(sc->default_action));
    int r;
    const char *fam = native_family();
    uint32_t tokens[BRIG_SECCOMP_N_ARCHES + 1];
    size_t n_tokens = 0;
    tokens[n_tokens++] = seccomp_arch_native();
    /* x32 where the kernel runs none of it: the stub answers ENOSYS */
    bool stub = brig_seccomp_wants_enosys(sc->default_action);
    bool x32_enosys = false;
    for (size_t i = 0; i < sc->architectures.n; i++) {
        const struct brig_seccomp_arch_info *a = brig_seccomp_arch_lookup(sc->architectures.v[i]);
        if (!a || a->token == 0) {
            brig_debug("seccomp: architecture %s unknown to libseccomp %s, skipped",
                       sc->architectures.v[i], brig_seccomp_lib_version());
            continue;
        }
        if (fam && strcmp(a->family, fam) != 0) {
            brig_debug("seccomp: architecture %s cannot occur on this host, skipped",
                       sc->architectures.v[i]);
            continue;
        }
        if (a->token == SCMP_ARCH_X32 && stub && !brig_seccomp_x32_usable()) {
            brig_debug("seccomp: this kernel runs no x32 system call: %s answered ENOSYS", sc->architectures.v[i]);
            x32_enosys = true;
            continue;
        }
        r = seccomp_arch_add(ctx, a->token);
        if (r == -EDOM) {
            /* Other byte order than the host: no process here can use it. */
            brig_debug("seccomp: architecture %s cannot share a filter with the native one, skipped",
                       sc->architectures.v[i]);
            continue;
        }
        if (r < 0 && r != -EEXIST) {
            brig_fail(-r, P ".architectures[%zu]: add %s", i, sc->architectures.v[i]);
            goto fail;
        }
        if (r == 0)
            tokens[n_tokens++] = a->token;
    }
    /* A binary tree of syscall numbers: shorter paths make both each
     * syscall and the kernel's precomputation at install time cheaper. */
    r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    if (r < 0) {
        brig_fail(-r, "seccomp: set the filter optimization level");
        goto fail;
    }
    if (add_rules(ctx, sc, default_act) < 0)
        goto fail;
    if (export_bpf(ctx, out) < 0)
        goto fail;
    if (stub && brig_seccomp_add_enosys(sc, tokens, n_tokens, x32_enosys, out) < 0) {
        brig_bpf_free(out);
        goto fail;
    }
    seccomp_release(ctx);
    out->flags = flags;
    out->needs_listener = listener;
    return 0;
fail:
    seccomp_release(ctx);
    return -1;
}

static void debug_unknown_names(const struct brig_seccomp *sc)
{
    for (size_t i = 0; i < sc->n_syscalls; i++)
        for (size_t j = 0; j < sc->syscalls[i].names.n; j++)
            if (seccomp_syscall_resolve_name(sc->syscalls[i].names.v[j]) == __NR_SCMP_ERROR)
                brig_debug("seccomp: syscall \"%s\" unknown to libseccomp %s, skipped",
                           sc->syscalls[i].names.v[j], brig_seccomp_lib_version());
}

int brig_seccomp_compile(const struct brig_seccomp *sc, struct brig_bpf *out)
{
    unsigned int flags;
    bool listener;

    memset(out, 0, sizeof *out);
    if (brig_seccomp_check(sc, &flags, &listener) < 0)
        return -1;
    cleanup_free char *dir = brig_seccomp_cache_path();
    struct brig_seccomp_key key = { 0 };
    if (dir) {
        brig_seccomp_key_of(sc, &key);
        if (brig_seccomp_cache_load(dir, &key, out) == 1) {
            free(key.data);
            out->flags = flags;
            out->needs_listener = listener;
            out->from_cache = true;
            brig_debug("seccomp: filter of %u instructions loaded from %s", (unsigned)out->len, dir);
            if (brig_g.debug) /* the lines a compilation would have printed */
                debug_unknown_names(sc);
            return 0;
        }
    }
    if (brig_seccomp_compile_uncached(sc, out) < 0) {
        free(key.data);
        return -1;
    }
    if (dir)
        brig_seccomp_cache_store(dir, &key, out); /* best effort, logs why not */
    free(key.data);
    return 0;
}

void brig_bpf_free(struct brig_bpf *p)
{
    if (!p)
        return;
    free(p->insns);
    p->insns = NULL;
    p->len = 0;
}

const char *brig_seccomp_lib_version(void)
{
    static char buf[32];
    if (!buf[0]) {
        const struct scmp_version *v = seccomp_version();
        if (v)
            snprintf(buf, sizeof buf, "%u.%u.%u", v->major, v->minor, v->micro);
        else
            snprintf(buf, sizeof buf, "unknown");
    }
    return buf;
}
