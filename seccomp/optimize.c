/* brig: a smaller BPF program for the same filter, before it is cached.
 *
 * libseccomp dispatches on the syscall number with a tree of comparisons
 * whose leaves test one number each: the RuntimeDefault profile becomes
 * ~1,250 instructions, and the kernel's checks and JIT at install time cost
 * ~0.2 us per instruction, every container.  But the numbers fall into few
 * runs that share an outcome (~165 on x86_64 for ~750 dispatch
 * instructions).  For each dispatch region (the comparisons that follow a
 * load of the syscall number), this file works out where each number
 * lands, merges neighbouring numbers that land on the same instruction into
 * ranges, and puts a binary search over the ranges in its place.  Nothing
 * else changes: the instructions the dispatch lands on (returns, argument
 * checks) are kept as they are, only moved.
 *
 * Proof rather than trust: the dispatch's outcome is constant between its
 * constants, so comparing the old and the new program at every breakpoint
 * covers all 2^32 numbers; every kept instruction is checked to keep its
 * operation and successors.  A region that does not fit the pattern, or a
 * check that fails, leaves the program as libseccomp made it. */
#include "config.h"

#include <linux/filter.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "brig/brig.h"
#include "brig/internal.h"
#include "seccomp_internal.h"

#define OFF_NR 0 /* offsetof(struct seccomp_data, nr) */

static bool is_cond(const struct sock_filter *i)
{
    /* the K-operand comparisons: jeq, jgt, jge (jset breaks ranges: not ours) */
    return i->code == (BPF_JMP | BPF_JEQ | BPF_K) || i->code == (BPF_JMP | BPF_JGT | BPF_K) ||
           i->code == (BPF_JMP | BPF_JGE | BPF_K);
}

static bool is_ja(const struct sock_filter *i)
{
    return i->code == (BPF_JMP | BPF_JA);
}

static bool is_jump(const struct sock_filter *i)
{
    return BPF_CLASS(i->code) == BPF_JMP;
}

static bool is_ret(const struct sock_filter *i)
{
    return BPF_CLASS(i->code) == BPF_RET;
}

static bool cond_true(const struct sock_filter *i, uint32_t a)
{
    switch (BPF_OP(i->code)) {
    case BPF_JEQ: return a == i->k;
    case BPF_JGT: return a > i->k;
    default: return a >= i->k; /* BPF_JGE */
    }
}

/* Where a number A entering at PC leaves the comparisons and jumps; -1 when
 * it runs off the program (not a valid filter). */
static long land(const struct sock_filter *p, size_t n, size_t pc, uint32_t a)
{
    for (size_t steps = 0; pc < n && steps <= n; steps++) {
        const struct sock_filter *i = &p[pc];
        if (is_cond(i))
            pc += 1 + (cond_true(i, a) ? i->jt : i->jf);
        else if (is_ja(i))
            pc += 1 + (size_t)i->k;
        else
            return (long)pc;
    }
    return -1;
}

/* Successors of instruction I (at most 2); returns how many. */
static int successors(const struct sock_filter *p, size_t i, size_t succ[2])
{
    const struct sock_filter *in = &p[i];
    if (is_ret(in))
        return 0;
    if (is_ja(in)) {
        succ[0] = i + 1 + in->k;
        return 1;
    }
    if (is_jump(in)) {
        succ[0] = i + 1 + in->jt;
        succ[1] = i + 1 + in->jf;
        return 2;
    }
    succ[0] = i + 1;
    return 1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

struct range {
    uint64_t lo;  /* first number of the range (the last runs to 2^32-1) */
    size_t leaf;  /* old index it lands on */
    size_t slot;  /* its leaf's entry in the new block's table */
};

struct block {
    struct sock_filter *v;
    size_t n, cap;
};

static void emit(struct block *b, struct sock_filter f)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 64;
        b->v = brig_xrealloc(b->v, b->cap * sizeof *b->v);
    }
    b->v[b->n++] = f;
}

static size_t tree_size(size_t a, size_t b)
{
    if (a == b)
        return 0;
    size_t mid = (a + b + 1) / 2;
    return 1 + tree_size(a, mid - 1) + tree_size(mid, b);
}

/* A binary search over ranges a..b, its leaves jumping into the table that
 * starts at TABLE (block-relative). */
static void emit_tree(struct block *b, const struct range *r, size_t a, size_t z, size_t table)
{
    size_t mid = (a + z + 1) / 2;
    size_t at = b->n;
    size_t left_n = tree_size(a, mid - 1);
    struct sock_filter f = BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)r[mid].lo, 0, 0);
    /* right subtree after the left one; a single range: its table slot */
    size_t jt = mid == z ? table + r[mid].slot : at + 1 + left_n;
    size_t jf = a == mid - 1 ? table + r[a].slot : at + 1;
    f.jt = (uint8_t)(jt - at - 1);
    f.jf = (uint8_t)(jf - at - 1);
    emit(b, f);
    if (a != mid - 1)
        emit_tree(b, r, a, mid - 1, table);
    if (mid != z)
        emit_tree(b, r, mid, z, table);
}

/* Rewrite the dispatch that starts at R (just after the load of the number
 * at R-1).  Returns the new program (malloc()ed) or NULL to leave it. */
static struct sock_filter *rewrite_region(const struct sock_filter *p, size_t n, size_t r, size_t *new_n)
{
    bool *in = calloc(n, 1);
    size_t *stack = malloc((2 * n + 1) * sizeof *stack), *newidx = malloc(n * sizeof *newidx);
    uint64_t *pts = NULL;
    struct range *rg = NULL;
    size_t *leaves = NULL;
    struct block b = {0};
    struct sock_filter *out = NULL;
    if (!in || !stack || !newidx)
        goto done;

    /* the region: every comparison or jump reachable from R through them */
    size_t sp = 0, n_in = 0, n_pts = 0;
    stack[sp++] = r;
    while (sp) {
        size_t i = stack[--sp];
        if (i >= n)
            goto done;
        if (in[i] || !(is_cond(&p[i]) || is_ja(&p[i])))
            continue;
        in[i] = true;
        n_in++;
        size_t s[2];
        int k = successors(p, i, s);
        for (int j = 0; j < k; j++)
            stack[sp++] = s[j];
    }
    if (n_in < 8)
        goto done; /* nothing worth the trouble */
    /* entered only at R: no other instruction may jump into the region */
    for (size_t i = 0; i < n; i++) {
        if (in[i])
            continue;
        size_t s[2];
        int k = successors(p, i, s);
        for (int j = 0; j < k; j++)
            if (s[j] < n && in[s[j]] && !(s[j] == r && i == r - 1))
                goto done;
    }

    /* breakpoints: the outcome changes only at a constant or one past it */
    pts = malloc((2 * n_in + 1) * sizeof *pts);
    if (!pts)
        goto done;
    pts[n_pts++] = 0;
    for (size_t i = r; i < n; i++)
        if (in[i] && is_cond(&p[i])) {
            pts[n_pts++] = p[i].k;
            if (p[i].k < UINT32_MAX)
                pts[n_pts++] = (uint64_t)p[i].k + 1;
        }
    qsort(pts, n_pts, sizeof *pts, cmp_u64);
    rg = malloc(n_pts * sizeof *rg);
    leaves = malloc(n_pts * sizeof *leaves);
    if (!rg || !leaves)
        goto done;
    size_t n_rg = 0, n_leaves = 0;
    for (size_t i = 0; i < n_pts; i++) {
        if (i > 0 && pts[i] == pts[i - 1])
            continue;
        long l = land(p, n, r, (uint32_t)pts[i]);
        if (l < 0 || in[l] || (size_t)l <= r)
            goto done;
        if (n_rg && rg[n_rg - 1].leaf == (size_t)l)
            continue;
        size_t slot = 0;
        while (slot < n_leaves && leaves[slot] != (size_t)l)
            slot++;
        if (slot == n_leaves)
            leaves[n_leaves++] = (size_t)l;
        rg[n_rg++] = (struct range){.lo = pts[i], .leaf = (size_t)l, .slot = slot};
    }

    /* the new block: the search tree, then one table entry per leaf */
    size_t table = tree_size(0, n_rg - 1);
    size_t block_n = table + n_leaves;
    if (block_n >= n_in || block_n > 256)
        goto done; /* no gain, or jumps inside it would not fit 8 bits */
    if (n_rg > 1)
        emit_tree(&b, rg, 0, n_rg - 1, table);
    if (b.n != table)
        goto done;

    /* where every kept instruction goes */
    size_t kept_after = 0;
    for (size_t i = 0; i < n; i++) {
        if (i < r)
            newidx[i] = i;
        else if (!in[i])
            newidx[i] = r + block_n + kept_after++;
    }
    newidx[r] = r; /* the block replaces the region's entry */
    *new_n = r + block_n + kept_after;
    out = malloc(*new_n * sizeof *out);
    if (!out)
        goto done;
    for (size_t e = 0; e < n_leaves; e++) {
        struct sock_filter f = p[leaves[e]];
        if (!is_ret(&f)) {
            size_t at = r + table + e;
            f = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, (uint32_t)(newidx[leaves[e]] - at - 1), 0, 0);
        }
        emit(&b, f);
    }
    memcpy(out + r, b.v, block_n * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        if (i >= r && in[i])
            continue;
        size_t at = newidx[i];
        if (i == r)
            goto fail; /* R is in the region by construction */
        struct sock_filter f = p[i];
        if (is_ja(&f)) {
            f.k = (uint32_t)(newidx[i + 1 + f.k] - at - 1);
        } else if (is_jump(&f)) {
            size_t t = newidx[i + 1 + f.jt], e = newidx[i + 1 + f.jf];
            if (t <= at || e <= at || t - at - 1 > 255 || e - at - 1 > 255)
                goto fail;
            f.jt = (uint8_t)(t - at - 1);
            f.jf = (uint8_t)(e - at - 1);
        }
        out[at] = f;
    }

    /* Check: every breakpoint lands where it did (hence every number);
     * every kept instruction keeps its successors. */
    for (size_t i = 0; i < n_pts; i++) {
        long o = land(p, n, r, (uint32_t)pts[i]), m = land(out, *new_n, r, (uint32_t)pts[i]);
        if (o < 0 || m < 0)
            goto fail;
        /* the table's ret copies stand for their leaf */
        const struct sock_filter *mi = &out[m];
        if ((size_t)m >= r + table && (size_t)m < r + block_n) {
            if (!is_ret(mi) || memcmp(mi, &p[o], sizeof *mi) != 0)
                goto fail;
        } else if ((size_t)m != newidx[o]) {
            goto fail;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (i >= r && in[i])
            continue;
        size_t so[2], sn[2];
        int ko = successors(p, i, so), kn = successors(out, newidx[i], sn);
        if (ko != kn || out[newidx[i]].code != p[i].code || (out[newidx[i]].k != p[i].k && !is_ja(&p[i])))
            goto fail;
        for (int j = 0; j < ko; j++)
            if (so[j] >= n || (so[j] == r ? r : newidx[so[j]]) != sn[j])
                goto fail;
    }
    goto done;
fail:
    free(out);
    out = NULL;
done:
    free(in);
    free(stack);
    free(newidx);
    free(pts);
    free(rg);
    free(leaves);
    free(b.v);
    return out;
}

void brig_seccomp_optimize(struct brig_bpf *prog)
{
    size_t n = prog->len, before = n;
    struct sock_filter *p = prog->insns;
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i].code != (BPF_LD | BPF_W | BPF_ABS) || p[i].k != OFF_NR)
            continue;
        size_t new_n;
        struct sock_filter *q = rewrite_region(p, n, i + 1, &new_n);
        if (!q)
            continue;
        if (p != prog->insns)
            free(p);
        p = q;
        n = new_n;
    }
    if (p == prog->insns)
        return;
    free(prog->insns);
    prog->insns = p;
    prog->len = (unsigned short)n;
    brig_debug("seccomp: %zu BPF instructions instead of %zu", n, before);
}
