/* brig: syscalls newer than the profile fail with ENOSYS.
 *
 * An allow-list profile sends every syscall it does not name to the default
 * action, typically EPERM.  For a syscall the profile (or libseccomp) is too
 * old to know, libcs expect ENOSYS and fall back to an older call (clone3 ->
 * clone, fchmodat2 -> fchmodat, ...); EPERM breaks them.  So, as runc does, a
 * short program runs before libseccomp's: for each architecture of the
 * filter, a syscall number above the highest one the profile names returns
 * ENOSYS.  Numbers up to that one go to libseccomp's filter unchanged, so
 * nothing the profile says is overridden. */
#include "config.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/internal.h"
#include "seccomp_internal.h"

#define X32_BIT 0x40000000U
#define X32_COMPAT_FIRST (X32_BIT + 512) /* x32's own variants of old calls */

struct arch_max {
    uint32_t audit;    /* what the kernel puts in seccomp_data.arch */
    bool has_native;   /* syscall numbers without the x32 bit */
    uint32_t max;
    bool has_x32;      /* x86_64 only: numbers with the x32 bit */
    uint32_t max_x32;
};

/* The kernel's seccomp_data.arch for a libseccomp token: x32 calls arrive
 * as AUDIT_ARCH_X86_64 with X32_BIT set in the number. */
static uint32_t audit_arch(uint32_t token)
{
    return token == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : token;
}

static struct arch_max *slot(struct arch_max *m, size_t *n, uint32_t audit)
{
    for (size_t i = 0; i < *n; i++)
        if (m[i].audit == audit)
            return &m[i];
    m[*n] = (struct arch_max){ .audit = audit };
    return &m[(*n)++];
}

static void emit(struct sock_filter *p, size_t *n, struct sock_filter insn)
{
    p[(*n)++] = insn;
}

bool brig_seccomp_wants_enosys(enum brig_seccomp_action def)
{
    /* a default that lets unknown calls through needs no stub */
    return (unsigned)def < BRIG_SECCOMP_ACTION_COUNT && !brig_seccomp_actions[def].lets_run;
}

bool brig_seccomp_x32_usable(void)
{
#if defined(__x86_64__) && defined(SYS_getpid)
    static int usable = -1;
    if (usable < 0)
        usable = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0 || syscall(X32_BIT | SYS_getpid) >= 0 || errno != ENOSYS;
    return usable;
#else
    return true;
#endif
}

int brig_seccomp_add_enosys(const struct brig_seccomp *sc, const uint32_t *tokens, size_t n_tokens,
                            bool x32_enosys, struct brig_bpf *prog)
{
    struct arch_max m[32];
    size_t nm = 0;
    if (n_tokens > BRIG_ARRAY_SIZE(m))
        n_tokens = BRIG_ARRAY_SIZE(m);

    for (size_t t = 0; t < n_tokens; t++) {
        bool x32 = tokens[t] == SCMP_ARCH_X32;
        struct arch_max *a = slot(m, &nm, audit_arch(tokens[t]));
        for (size_t i = 0; i < sc->n_syscalls; i++) {
            const struct brig_strv *names = &sc->syscalls[i].names;
            for (size_t j = 0; j < names->n; j++) {
                int nr = seccomp_syscall_resolve_name_arch(tokens[t], names->v[j]);
                if (nr < 0) /* unknown, or not a real syscall on this arch */
                    continue;
                uint32_t u = (uint32_t)nr;
                if (x32) {
                    if (u < X32_BIT || u >= X32_COMPAT_FIRST)
                        continue;
                    if (!a->has_x32 || u > a->max_x32)
                        a->max_x32 = u;
                    a->has_x32 = true;
                } else {
                    if (!a->has_native || u > a->max)
                        a->max = u;
                    a->has_native = true;
                }
            }
        }
    }

    /* At most 1 + 2 per arch + 1 + 6 per arch + 1 instructions. */
    struct sock_filter stub[2 + 1 + BRIG_ARRAY_SIZE(m) * 8];
    size_t n = 0;
    size_t sections = 0;
    if (x32_enosys) /* the x86_64 section answers every x32 number */
        slot(m, &nm, AUDIT_ARCH_X86_64)->has_x32 = true;
    for (size_t i = 0; i < nm; i++)
        sections += m[i].has_native || m[i].has_x32;
    if (sections == 0)
        return 0;

    /* Layout: dispatch on arch, one section per arch, "ret ENOSYS", then
     * libseccomp's program ("main").  Jumps are fixed up once sizes are known. */
    size_t sec_len[BRIG_ARRAY_SIZE(m)];
    for (size_t i = 0; i < nm; i++) {
        if (!m[i].has_native && !m[i].has_x32)
            sec_len[i] = 0;
        else if (m[i].audit == AUDIT_ARCH_X86_64)
            sec_len[i] = x32_enosys ? 3 : 5; /* ld nr; jset x32; native jgt[; x32 jge compat; x32 jgt] */
        else
            sec_len[i] = 2; /* ld nr; jgt */
    }
    size_t dispatch = 1 + sections + 1; /* ld arch; jeq per arch; ja main */
    size_t total = dispatch + 1;        /* + ret ENOSYS */
    for (size_t i = 0; i < nm; i++)
        total += sec_len[i];
    size_t enosys_at = total - 1, main_at = total;

    emit(stub, &n, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
    size_t sec_at = dispatch;
    for (size_t i = 0; i < nm; i++) {
        if (!sec_len[i])
            continue;
        emit(stub, &n, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, m[i].audit,
                                                    (uint8_t)(sec_at - n - 1), 0));
        sec_at += sec_len[i];
    }
    emit(stub, &n, (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, (uint32_t)(main_at - n - 1)));

    for (size_t i = 0; i < nm; i++) {
        if (!sec_len[i])
            continue;
        struct arch_max *a = &m[i];
        emit(stub, &n, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
        if (a->audit == AUDIT_ARCH_X86_64) {
            /* x32 numbers: ENOSYS outright where the kernel runs none */
            size_t x32_at = x32_enosys ? enosys_at : n + 2;
            emit(stub, &n, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, X32_BIT,
                                                        (uint8_t)(x32_at - n - 1), 0));
            /* native numbers */
            if (a->has_native)
                emit(stub, &n, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, a->max,
                                                            (uint8_t)(enosys_at - n - 1),
                                                            (uint8_t)(main_at - n - 1)));
            else
                emit(stub, &n, (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, (uint32_t)(main_at - n - 1)));
            if (x32_enosys)
                continue;
            /* x32 numbers: x32's compat range and anything when x32 is not
             * in the filter go to libseccomp's program */
            uint32_t max32 = a->has_x32 ? a->max_x32 : UINT32_MAX;
            emit(stub, &n, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_COMPAT_FIRST,
                                                        (uint8_t)(main_at - n - 1), 0));
            emit(stub, &n, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, max32,
                                                        (uint8_t)(enosys_at - n - 1),
                                                        (uint8_t)(main_at - n - 1)));
        } else {
            emit(stub, &n, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, a->max,
                                                        (uint8_t)(enosys_at - n - 1),
                                                        (uint8_t)(main_at - n - 1)));
        }
    }
    emit(stub, &n, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS));
    if (n != main_at || main_at > 255)
        return brig_fail(0, "seccomp: internal error laying out the ENOSYS stub (%zu/%zu)", n, main_at);

    size_t len = n + prog->len;
    if (len > BPF_MAXINSNS)
        return brig_fail(0, "seccomp: the filter has %zu instructions, more than the kernel's %d",
                         len, BPF_MAXINSNS);
    struct sock_filter *all = brig_xmalloc(len * sizeof *all);
    memcpy(all, stub, n * sizeof *all);
    memcpy(all + n, prog->insns, prog->len * sizeof *all);
    free(prog->insns);
    prog->insns = all;
    prog->len = (unsigned short)len;
    return 0;
}
