/* brig: device access rules, and on cgroup v2 their eBPF form.
 *
 * Rules apply in order, later ones winning, and each access (read, write,
 * mknod) is decided on its own: for every access a request asks for, the
 * last rule naming that access and matching the device decides it.  The
 * request is allowed when every access it asks for is; nothing matching
 * means deny.  (So "allow all; deny c 1:* w; allow c 1:* w" allows "rw",
 * as the v1 devices files would.)  The eBPF program walks the rules from
 * last to first, clearing the accesses allow rules grant and failing on the
 * first deny rule that names one still pending. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "brig/brig.h"
#include "brig/cgroup_internal.h"
#include "brig/internal.h"

#ifndef BPF_JMP32
#define BPF_JMP32 0x06
#endif

/* What runc allows every container, minus tun/tap: mknod of anything (a
 * node still cannot be opened without an allow rule), the standard
 * character devices, the pty master and the pty slaves. */
static const struct {
    char type;
    int64_t major, minor; /* -1: any */
    const char *access;
} default_rules[] = {
    { 'c', -1, -1, "m" },   { 'b', -1, -1, "m" },
    { 'c', 1, 3, "rwm" },   /* null */
    { 'c', 1, 8, "rwm" },   /* random */
    { 'c', 1, 7, "rwm" },   /* full */
    { 'c', 5, 0, "rwm" },   /* tty */
    { 'c', 1, 5, "rwm" },   /* zero */
    { 'c', 1, 9, "rwm" },   /* urandom */
    { 'c', 136, -1, "rwm" }, /* pts/N */
    { 'c', 5, 2, "rwm" },   /* ptmx */
};

int brig_cg_access_mask(const char *access)
{
    if (!access)
        return BRIG_CG_ACC_ALL;
    int m = 0;
    for (const char *p = access; *p; p++) {
        switch (*p) {
        case 'r': m |= BRIG_CG_ACC_READ; break;
        case 'w': m |= BRIG_CG_ACC_WRITE; break;
        case 'm': m |= BRIG_CG_ACC_MKNOD; break;
        default: return -1;
        }
    }
    return m;
}

static void add_rule(struct brig_device_rule **v, size_t *n, bool allow, char type,
                     int64_t major, int64_t minor, const char *access)
{
    *v = brig_xrealloc(*v, (*n + 1) * sizeof **v);
    struct brig_device_rule *r = &(*v)[(*n)++];
    memset(r, 0, sizeof *r);
    r->allow = allow;
    r->type = type;
    if (major >= 0) {
        r->major.set = true;
        r->major.v = major;
    }
    if (minor >= 0) {
        r->minor.set = true;
        r->minor.v = minor;
    }
    r->access = brig_xstrdup(access);
}

struct brig_device_rule *brig_cg_device_rules(const struct brig_resources *res,
                                              const struct brig_device *devs, size_t n_devs,
                                              size_t *n_out)
{
    struct brig_device_rule *v = NULL;
    size_t n = 0;
    add_rule(&v, &n, false, 'a', -1, -1, "rwm");
    /* linux.devices first: resources.devices may still deny them. */
    for (size_t i = 0; i < n_devs; i++) {
        char t = devs[i].type == 'u' ? 'c' : devs[i].type;
        if (t != 'c' && t != 'b')
            continue; /* fifos need no permission */
        add_rule(&v, &n, true, t, devs[i].major, devs[i].minor, "rwm");
    }
    for (size_t i = 0; res && i < res->n_devices; i++) {
        const struct brig_device_rule *r = &res->devices[i];
        add_rule(&v, &n, r->allow, r->type ? r->type : 'a', r->major.set ? r->major.v : -1,
                 r->minor.set ? r->minor.v : -1, r->access ? r->access : "rwm");
    }
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(default_rules); i++)
        add_rule(&v, &n, true, default_rules[i].type, default_rules[i].major, default_rules[i].minor,
                 default_rules[i].access);
    *n_out = n;
    return v;
}

void brig_cg_device_rules_free(struct brig_device_rule *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(r[i].access);
    free(r);
}

char *brig_cg_device_rule_str(const struct brig_device_rule *r)
{
    char maj[24] = "*", min[24] = "*";
    if (r->major.set)
        snprintf(maj, sizeof maj, "%lld", (long long)r->major.v);
    if (r->minor.set)
        snprintf(min, sizeof min, "%lld", (long long)r->minor.v);
    return brig_xasprintf("%c %s:%s %s", r->type ? r->type : 'a', maj, min,
                          r->access && *r->access ? r->access : "rwm");
}

static bool dev_matches(const struct brig_device_rule *r, char type, int64_t major, int64_t minor)
{
    char rt = r->type ? r->type : 'a';
    return (rt == 'a' || rt == type) && (!r->major.set || r->major.v == major) &&
           (!r->minor.set || r->minor.v == minor);
}

int brig_cg_device_decide(const struct brig_device_rule *r, size_t n, char type,
                          int64_t major, int64_t minor, const char *access)
{
    int pending = brig_cg_access_mask(access);
    if (pending <= 0)
        return pending == 0 ? 1 : 0;
    for (size_t i = n; i-- > 0;) {
        int acc = brig_cg_access_mask(r[i].access);
        if (acc <= 0 || !dev_matches(&r[i], type, major, minor))
            continue;
        if (!r[i].allow && (pending & acc))
            return 0;
        if (r[i].allow && (pending &= ~acc) == 0)
            return 1;
    }
    return 0;
}

/* ---- the v1 form ---- */

static bool num_overlap(const brig_opt_i64 *a, const brig_opt_i64 *b)
{
    return !a->set || !b->set || a->v == b->v;
}

static bool num_covers(const brig_opt_i64 *outer, const brig_opt_i64 *inner)
{
    return !outer->set || (inner->set && inner->v == outer->v);
}

static bool overlap(const struct brig_device_rule *a, const struct brig_device_rule *b)
{
    return (a->type == 'a' || b->type == 'a' || a->type == b->type) &&
           num_overlap(&a->major, &b->major) && num_overlap(&a->minor, &b->minor);
}

/* Every device of INNER is one of OUTER's. */
static bool covers(const struct brig_device_rule *outer, const struct brig_device_rule *inner)
{
    return (outer->type == 'a' || outer->type == inner->type) &&
           num_covers(&outer->major, &inner->major) && num_covers(&outer->minor, &inner->minor);
}

static const char *acc_str(int m)
{
    static const char *const s[8] = { "", "m", "r", "rm", "w", "wm", "rw", "rwm" };
    return s[m & 7];
}

static bool same_set(const struct brig_device_rule *a, const struct brig_device_rule *b)
{
    return a->type == b->type && a->major.set == b->major.set && a->minor.set == b->minor.set &&
           (!a->major.set || a->major.v == b->major.v) && (!a->minor.set || a->minor.v == b->minor.v);
}

/* Add an exception the way the kernel does: the same device set merges
 * its access.  An allow exception overlapping another whose access is
 * neither more nor less cannot grant a request needing both (v1 checks
 * exceptions one at a time): not exact. */
static void add_exception(struct brig_device_rule **ex, size_t *nex, const struct brig_device_rule *r,
                          int acc, bool *exact)
{
    for (size_t j = 0; j < *nex; j++) {
        if (same_set(&(*ex)[j], r)) {
            int m = brig_cg_access_mask((*ex)[j].access) | acc;
            free((*ex)[j].access);
            (*ex)[j].access = brig_xstrdup(acc_str(m));
            return;
        }
    }
    for (size_t j = 0; r->allow && j < *nex; j++) {
        int e = brig_cg_access_mask((*ex)[j].access);
        if (overlap(&(*ex)[j], r) && (e | acc) != e && (e | acc) != acc)
            *exact = false;
    }
    add_rule(ex, nex, r->allow, r->type, r->major.set ? r->major.v : -1,
             r->minor.set ? r->minor.v : -1, acc_str(acc));
}

struct brig_device_rule *brig_cg_device_v1_list(const struct brig_device_rule *r, size_t n,
                                                bool *default_allow, bool *exact,
                                                size_t *n_out)
{
    struct brig_device_rule *ex = NULL;
    size_t nex = 0;
    bool allow_all = false; /* the kernel's own default for a new child is
                             * its parent's; brig always starts with deny-all */
    *exact = true;
    for (size_t i = 0; i < n; i++) {
        struct brig_device_rule rule = r[i];
        if (!rule.type)
            rule.type = 'a';
        int acc = brig_cg_access_mask(rule.access);
        if (acc <= 0)
            continue;
        if (rule.type == 'a' && !rule.major.set && !rule.minor.set && acc == BRIG_CG_ACC_ALL) {
            /* "a": a new default, the exceptions are gone */
            allow_all = rule.allow;
            brig_cg_device_rules_free(ex, nex);
            ex = NULL;
            nex = 0;
            continue;
        }
        if (rule.allow != allow_all) {
            /* against the default: a new exception (c and b for 'a') */
            for (int t = 0; t < 2; t++) {
                char ty = t ? 'b' : 'c';
                if (rule.type != 'a' && rule.type != ty)
                    continue;
                struct brig_device_rule one = rule;
                one.type = ty;
                add_exception(&ex, &nex, &one, acc, exact);
            }
            continue;
        }
        /* with the default: take its access away from the exceptions it
         * meets.  Exact when it covers them; otherwise, when it only
         * narrows an allow exception, drop that access (deny more); when
         * it would punch a hole in a deny exception, keep the deny. */
        for (size_t j = 0; j < nex;) {
            if (!overlap(&rule, &ex[j])) {
                j++;
                continue;
            }
            int eacc = brig_cg_access_mask(ex[j].access);
            bool full = covers(&rule, &ex[j]);
            if ((eacc & acc) && !full)
                *exact = false;
            if (full || !rule.allow)
                eacc &= ~acc;
            if (eacc == 0) {
                free(ex[j].access);
                memmove(&ex[j], &ex[j + 1], (nex - j - 1) * sizeof *ex);
                nex--;
                continue;
            }
            free(ex[j].access);
            ex[j].access = brig_xstrdup(acc_str(eacc));
            j++;
        }
    }
    *default_allow = allow_all;
    *n_out = nex;
    return ex;
}

int brig_cg_device_v1_decide(const struct brig_device_rule *ex, size_t n, bool default_allow,
                             char type, int64_t major, int64_t minor, const char *access)
{
    int req = brig_cg_access_mask(access);
    struct brig_device_rule dev = { .type = type };
    dev.major.set = dev.minor.set = true;
    dev.major.v = major;
    dev.minor.v = minor;
    for (size_t i = 0; i < n; i++) {
        if (!covers(&ex[i], &dev))
            continue;
        int acc = brig_cg_access_mask(ex[i].access);
        if (default_allow && (req & acc))
            return 0; /* any overlap with a deny exception */
        if (!default_allow && (req & ~acc) == 0)
            return 1; /* one allow exception must grant it all */
    }
    return default_allow ? 1 : 0;
}

/* ---- the program ---- */

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    struct bpf_insn i;
    memset(&i, 0, sizeof i);
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}

#define LDX_W(dst, src, off) insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define ALU_K(op, dst, imm) insn(BPF_ALU64 | (op) | BPF_K, dst, 0, 0, imm)
#define MOV_X(dst, src) insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define JMP32_K(op, dst, imm, off) insn(BPF_JMP32 | (op) | BPF_K, dst, 0, off, imm)
#define JMP_K(op, dst, imm, off) insn(BPF_JMP | (op) | BPF_K, dst, 0, off, imm)
#define EXIT() insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* registers after the prologue */
enum { R_CTX = 1, R_TYPE = 2, R_ACC = 3, R_MAJ = 4, R_MIN = 5, R_TMP = 1 };

struct bpf_insn *brig_cg_bpf_compile(const struct brig_device_rule *r, size_t n, size_t *n_insns)
{
    /* prologue + at most 8 instructions per rule + epilogue */
    size_t cap = 6 + n * 8 + 2, o = 0;
    struct bpf_insn *p = brig_xcalloc(cap, sizeof *p);
    /* struct bpf_cgroup_dev_ctx { u32 access_type (access << 16 | type); u32 major; u32 minor; } */
    p[o++] = LDX_W(R_TYPE, R_CTX, 0);
    p[o++] = ALU_K(BPF_AND, R_TYPE, 0xffff);
    p[o++] = LDX_W(R_ACC, R_CTX, 0);
    p[o++] = ALU_K(BPF_RSH, R_ACC, 16);
    p[o++] = LDX_W(R_MAJ, R_CTX, 4);
    p[o++] = LDX_W(R_MIN, R_CTX, 8);

    bool catch_all = false;
    for (size_t i = n; i-- > 0 && !catch_all;) {
        const struct brig_device_rule *rule = &r[i];
        char t = rule->type ? rule->type : 'a';
        int acc = brig_cg_access_mask(rule->access);
        if ((t != 'a' && t != 'c' && t != 'b') || acc < 0) {
            free(p);
            brig_fail(0, "invalid device rule \"%c %s\"", t, rule->access ? rule->access : "");
            return NULL;
        }
        if ((rule->major.set && (rule->major.v < 0 || rule->major.v > UINT32_MAX)) ||
            (rule->minor.set && (rule->minor.v < 0 || rule->minor.v > UINT32_MAX))) {
            free(p);
            brig_fail(0, "device rule number out of range");
            return NULL;
        }
        if (acc == 0)
            continue; /* grants or denies nothing */
        struct bpf_insn blk[8];
        size_t b = 0;
        /* "no match" jumps go to the end of the block, patched below */
        size_t jumps[8], nj = 0;
        if (t != 'a') {
            jumps[nj++] = b;
            blk[b++] = JMP32_K(BPF_JNE, R_TYPE, t == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, 0);
        }
        if (rule->major.set) {
            jumps[nj++] = b;
            blk[b++] = JMP32_K(BPF_JNE, R_MAJ, (int32_t)(uint32_t)rule->major.v, 0);
        }
        if (rule->minor.set) {
            jumps[nj++] = b;
            blk[b++] = JMP32_K(BPF_JNE, R_MIN, (int32_t)(uint32_t)rule->minor.v, 0);
        }
        bool whole = acc == BRIG_CG_ACC_ALL;
        if (rule->allow) {
            /* pending &= ~acc; all granted: allow */
            if (!whole) {
                blk[b++] = ALU_K(BPF_AND, R_ACC, ~acc & BRIG_CG_ACC_ALL);
                jumps[nj++] = b;
                blk[b++] = JMP_K(BPF_JNE, R_ACC, 0, 0);
            }
        } else if (!whole) {
            /* any pending access this rule denies: deny */
            blk[b++] = MOV_X(R_TMP, R_ACC);
            blk[b++] = ALU_K(BPF_AND, R_TMP, acc);
            jumps[nj++] = b;
            blk[b++] = JMP_K(BPF_JEQ, R_TMP, 0, 0);
        }
        blk[b++] = ALU_K(BPF_MOV, 0, rule->allow ? 1 : 0);
        blk[b++] = EXIT();
        for (size_t j = 0; j < nj; j++)
            blk[jumps[j]].off = (int16_t)(b - jumps[j] - 1);
        memcpy(p + o, blk, b * sizeof *blk);
        o += b;
        /* a rule for every device and access ends the walk: those before
         * it can never be reached */
        catch_all = nj == 0;
    }
    if (!catch_all) {
        p[o++] = ALU_K(BPF_MOV, 0, 0);
        p[o++] = EXIT();
    }
    *n_insns = o;
    return p;
}

/* ---- loading and attaching ---- */

static long sys_bpf(int cmd, union bpf_attr *attr)
{
    return syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

static int prog_load(const struct bpf_insn *p, size_t n)
{
    static char log[16384];
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    a.insns = (uint64_t)(uintptr_t)p;
    a.insn_cnt = (uint32_t)n;
    a.license = (uint64_t)(uintptr_t)"GPL";
    int fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
    if (fd >= 0)
        return fd;
    int e = errno;
    if (e == EINVAL || e == EACCES) {
        /* ask the verifier why */
        a.log_buf = (uint64_t)(uintptr_t)log;
        a.log_size = sizeof log;
        a.log_level = 1;
        log[0] = '\0';
        fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
        if (fd >= 0)
            return fd;
        brig_debug("bpf verifier: %s", log);
    }
    return brig_fail(e, "load the eBPF device filter");
}

/* The ids of device programs attached to the cgroup itself. */
static int query(int dirfd, uint32_t *ids, uint32_t *n, uint32_t *flags)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.query.target_fd = (uint32_t)dirfd;
    a.query.attach_type = BPF_CGROUP_DEVICE;
    a.query.prog_ids = (uint64_t)(uintptr_t)ids;
    a.query.prog_cnt = *n;
    if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
        return brig_fail(errno, "query the cgroup's device filters");
    *n = a.query.prog_cnt;
    *flags = a.query.attach_flags;
    return 0;
}

static int detach_id(int dirfd, uint32_t id)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.prog_id = id;
    cleanup_fd int pfd = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
    if (pfd < 0)
        return errno == ENOENT ? 0 : brig_fail(errno, "open device filter %u", id);
    memset(&a, 0, sizeof a);
    a.target_fd = (uint32_t)dirfd;
    a.attach_bpf_fd = (uint32_t)pfd;
    a.attach_type = BPF_CGROUP_DEVICE;
    if (sys_bpf(BPF_PROG_DETACH, &a) < 0 && errno != ENOENT)
        return brig_fail(errno, "detach device filter %u", id);
    return 0;
}

static int attach(int dirfd, int pfd)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.target_fd = (uint32_t)dirfd;
    a.attach_bpf_fd = (uint32_t)pfd;
    a.attach_type = BPF_CGROUP_DEVICE;
    a.attach_flags = BPF_F_ALLOW_MULTI;
    return sys_bpf(BPF_PROG_ATTACH, &a) < 0 ? -1 : 0;
}

int brig_cg_bpf_apply(int dirfd, const struct brig_device_rule *r, size_t n)
{
    size_t ni;
    cleanup_free struct bpf_insn *p = brig_cg_bpf_compile(r, n, &ni);
    if (!p)
        return -1;
    cleanup_fd int pfd = prog_load(p, ni);
    if (pfd < 0)
        return -1;
    uint32_t ids[64], nids = BRIG_ARRAY_SIZE(ids), flags = 0;
    if (query(dirfd, ids, &nids, &flags) < 0)
        return -1;
    if (nids > BRIG_ARRAY_SIZE(ids))
        nids = BRIG_ARRAY_SIZE(ids);
    /* New filter first, then drop the old ones, so the cgroup is never
     * unfiltered.  A program attached without ALLOW_MULTI (by another
     * manager) must go first; the cgroup is empty at this point. */
    if (attach(dirfd, pfd) < 0) {
        int e = errno;
        if (nids == 0 || flags == BPF_F_ALLOW_MULTI)
            return brig_fail(e, "attach the eBPF device filter");
        for (uint32_t i = 0; i < nids; i++)
            if (detach_id(dirfd, ids[i]) < 0)
                return -1;
        if (attach(dirfd, pfd) < 0)
            return brig_fail(errno, "attach the eBPF device filter");
        return 0;
    }
    for (uint32_t i = 0; i < nids; i++)
        if (detach_id(dirfd, ids[i]) < 0)
            return -1;
    return 0;
}
