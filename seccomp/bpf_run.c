/* brig: a classic-BPF interpreter for seccomp programs, run as the kernel
 * runs them on one struct seccomp_data.  The audit (runtime/policy/audit_seccomp.c)
 * judges a config's filter by what it returns for adversarial inputs; the
 * unit tests compare programs with it. */
#include "config.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>

#include "brig/seccomp.h"

#define MAX_STEPS 100000 /* seccomp programs only jump forward; a guard anyway */

uint32_t brig_bpf_run(const struct brig_bpf *b, const uint32_t d[16])
{
    uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
    for (size_t pc = 0, steps = 0; pc < b->len && steps < MAX_STEPS; steps++) {
        const struct sock_filter *i = &b->insns[pc++];
        uint32_t src = BPF_SRC(i->code) == BPF_X ? x : i->k;
        switch (BPF_CLASS(i->code)) {
        case BPF_LD:
            if (i->code == (BPF_LD | BPF_W | BPF_ABS) && i->k < 64 && i->k % 4 == 0)
                a = d[i->k / 4];
            else if (i->code == (BPF_LD | BPF_IMM))
                a = i->k;
            else if (i->code == (BPF_LD | BPF_MEM) && i->k < BPF_MEMWORDS)
                a = mem[i->k];
            else if (i->code == (BPF_LD | BPF_W | BPF_LEN))
                a = 64; /* sizeof(struct seccomp_data) */
            else
                return BRIG_BPF_BAD;
            break;
        case BPF_LDX:
            if (i->code == (BPF_LDX | BPF_IMM))
                x = i->k;
            else if (i->code == (BPF_LDX | BPF_MEM) && i->k < BPF_MEMWORDS)
                x = mem[i->k];
            else if (i->code == (BPF_LDX | BPF_W | BPF_LEN))
                x = 64;
            else
                return BRIG_BPF_BAD;
            break;
        case BPF_ST:
            if (i->k >= BPF_MEMWORDS)
                return BRIG_BPF_BAD;
            mem[i->k] = a;
            break;
        case BPF_STX:
            if (i->k >= BPF_MEMWORDS)
                return BRIG_BPF_BAD;
            mem[i->k] = x;
            break;
        case BPF_ALU:
            switch (BPF_OP(i->code)) {
            case BPF_ADD: a += src; break;
            case BPF_SUB: a -= src; break;
            case BPF_MUL: a *= src; break;
            case BPF_DIV:
                if (!src)
                    return BRIG_BPF_BAD;
                a /= src;
                break;
            case BPF_MOD:
                if (!src)
                    return BRIG_BPF_BAD;
                a %= src;
                break;
            case BPF_AND: a &= src; break;
            case BPF_OR: a |= src; break;
            case BPF_XOR: a ^= src; break;
            case BPF_LSH: a = src < 32 ? a << src : 0; break;
            case BPF_RSH: a = src < 32 ? a >> src : 0; break;
            case BPF_NEG: a = -a; break;
            default: return BRIG_BPF_BAD;
            }
            break;
        case BPF_JMP:
            switch (BPF_OP(i->code)) {
            case BPF_JA: pc += i->k; break;
            case BPF_JEQ: pc += a == src ? i->jt : i->jf; break;
            case BPF_JGT: pc += a > src ? i->jt : i->jf; break;
            case BPF_JGE: pc += a >= src ? i->jt : i->jf; break;
            case BPF_JSET: pc += (a & src) ? i->jt : i->jf; break;
            default: return BRIG_BPF_BAD;
            }
            break;
        case BPF_RET:
            if (BPF_RVAL(i->code) == BPF_A)
                return a;
            if (BPF_RVAL(i->code) == BPF_K)
                return i->k;
            return BRIG_BPF_BAD;
        case BPF_MISC:
            if (i->code == (BPF_MISC | BPF_TAX))
                x = a;
            else if (i->code == (BPF_MISC | BPF_TXA))
                a = x;
            else
                return BRIG_BPF_BAD;
            break;
        default:
            return BRIG_BPF_BAD;
        }
    }
    return BRIG_BPF_BAD;
}

uint32_t brig_bpf_run_call(const struct brig_bpf *b, int nr, uint32_t arch, const uint64_t args[6])
{
    uint32_t d[16] = {(uint32_t)nr, arch};
    memcpy(&d[4], args, 6 * sizeof args[0]);
    return brig_bpf_run(b, d);
}

bool brig_bpf_allows(const struct brig_bpf *b, int nr, const uint64_t args[6])
{
    /* libseccomp's token for an architecture is its AUDIT_ARCH value */
    return brig_bpf_run_call(b, nr, seccomp_arch_native(), args) == SECCOMP_RET_ALLOW;
}
