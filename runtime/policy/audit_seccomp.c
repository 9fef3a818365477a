/* brig: linux.seccomp judged on the program, not on the rule list.
 *
 * The config's filter is compiled with brig's own compiler (what create
 * would install) and run, in seccomp/bpf_run.c's interpreter, on the calls
 * that open a way out of a container: on every architecture the kernel can
 * report on this host (x86_64, x32 and i386 on an x86_64 host), with
 * argument values taken from the profile's own conditions, their
 * neighbours, 0, all-ones and the flags that make each call dangerous
 * (CLONE_NEW* for clone and unshare, READ_IMPLIES_EXEC and friends for
 * personality).  Any input that comes back ALLOW, LOG, TRACE (a tracer
 * decides) or USER_NOTIF (a listener can let it continue) is an allow.
 *
 * Enumerating each argument's candidates is enough for libseccomp's rules:
 * every condition compares one argument with constants, so the outcome only
 * changes at those constants; a value on each side of each of them reaches
 * every outcome a rule can have. */
#include "config.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

#include "brig/seccomp.h"
#include "audit_priv.h"

#ifndef SECCOMP_RET_ACTION_FULL
#define SECCOMP_RET_ACTION_FULL 0xffff0000U
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif

#define NS_FLAGS ((uint64_t)BRIG_NS_ALL_FLAGS) /* every CLONE_NEW* (brig/nstypes.h) */
/* personality(2) bits that weaken the address space (the RuntimeDefault
 * profile allows only PER_LINUX, PER_LINUX32, UNAME26 and the query). */
#define RISKY_PERSONA ((uint64_t)(READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE | MMAP_PAGE_ZERO | ADDR_COMPAT_LAYOUT))

enum danger {
    ANY,      /* whatever the arguments */
    NS_ARG0,  /* arg0 holds a CLONE_NEW* flag (unshare) */
    NS_CLONE, /* the same for clone, where 0x80 is part of the exit signal, not CLONE_NEWTIME */
    PERSONA,  /* arg0 sets a risky personality bit */
    HOST_PID, /* only without a PID namespace of its own: ptrace and the calls that,
               * like it, reach into another process (process_vm_*, pidfd_getfd) */
};

static const struct {
    const char *name;
    enum danger d;
} dangerous[] = {
    {"clone", NS_CLONE},        {"clone3", ANY},          {"unshare", NS_ARG0},
    {"setns", ANY},            {"mount", ANY},           {"umount", ANY},
    {"umount2", ANY},          {"fsopen", ANY},          {"fsmount", ANY},
    {"fsconfig", ANY},         {"fspick", ANY},          {"move_mount", ANY},
    {"open_tree", ANY},        {"mount_setattr", ANY},   {"pivot_root", ANY},
    {"bpf", ANY},              {"keyctl", ANY},          {"add_key", ANY},
    {"request_key", ANY},      {"ptrace", HOST_PID},     {"process_vm_writev", HOST_PID},
    {"process_vm_readv", HOST_PID}, {"pidfd_getfd", HOST_PID},
    {"userfaultfd", ANY},      {"io_uring_setup", ANY},  {"io_uring_enter", ANY},
    {"io_uring_register", ANY}, {"kexec_load", ANY},     {"kexec_file_load", ANY},
    {"init_module", ANY},      {"finit_module", ANY},    {"delete_module", ANY},
    {"perf_event_open", ANY},  {"personality", PERSONA}, {"open_by_handle_at", ANY},
    {"reboot", ANY},           {"swapon", ANY},          {"swapoff", ANY},
    {"iopl", ANY},             {"ioperm", ANY},          {"acct", ANY},
    {"settimeofday", ANY},     {"clock_settime", ANY},   {"syslog", ANY},
    {"quotactl", ANY},         {"lookup_dcookie", ANY},  {"vm86", ANY},
    {"vm86old", ANY},
};

/* The ABIs a process on this host can enter the kernel through. */
struct abi {
    const char *name;     /* for messages */
    const char *scmp;     /* its name in linux.seccomp.architectures */
    uint32_t token;       /* libseccomp's, to resolve syscall numbers */
    uint32_t audit;       /* what the kernel puts in seccomp_data.arch */
    bool bits32;          /* arguments are 32 bits wide (the upper half is 0) */
};

static size_t host_abis(struct abi *out)
{
    uint32_t native = seccomp_arch_native();
    size_t n = 0;
    if (native == SCMP_ARCH_X86_64) {
        out[n++] = (struct abi){"x86_64", "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64, false};
        out[n++] = (struct abi){"x32", "SCMP_ARCH_X32", SCMP_ARCH_X32, AUDIT_ARCH_X86_64, false};
        out[n++] = (struct abi){"i386", "SCMP_ARCH_X86", SCMP_ARCH_X86, AUDIT_ARCH_I386, true};
    } else if (native == SCMP_ARCH_AARCH64) {
        out[n++] = (struct abi){"aarch64", "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64, AUDIT_ARCH_AARCH64, false};
        out[n++] = (struct abi){"arm", "SCMP_ARCH_ARM", SCMP_ARCH_ARM, AUDIT_ARCH_ARM, true};
    } else {
        out[n++] = (struct abi){"native", "", native, native, false};
    }
    return n;
}

#define MAX_CANDS 64
struct cands {
    uint64_t v[MAX_CANDS];
    size_t n;
};

static void cand(struct cands *c, uint64_t v)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i] == v)
            return;
    if (c->n < MAX_CANDS)
        c->v[c->n++] = v;
}

/* The constants of CONDITION and their neighbours: every outcome of it. */
static void cands_of(struct cands *c, const struct brig_seccomp_arg *x)
{
    cand(c, x->value);
    cand(c, x->value + 1);
    cand(c, x->value - 1);
    if (x->op == BRIG_SECCOMP_OP_MASKED_EQ) {
        cand(c, x->value_two);
        cand(c, x->value_two | ~x->value); /* matches, with every bit outside the mask set */
        cand(c, x->value_two ^ x->value);  /* differs inside the mask */
        cand(c, x->value);
    }
}

static bool names_has(const struct brig_seccomp_syscall *r, const char *name)
{
    for (size_t i = 0; i < r->names.n; i++)
        if (strcmp(r->names.v[i], name) == 0)
            return true;
    return false;
}

/* Whether a filter's return value RET lets the call go ahead. */
static bool lets_through(uint32_t ret)
{
    uint32_t act = ret & SECCOMP_RET_ACTION_FULL;
    for (size_t i = 0; i < BRIG_SECCOMP_ACTION_COUNT; i++)
        if (brig_seccomp_actions[i].scmp == act)
            return brig_seccomp_actions[i].lets_run;
    return false;
}

static bool allowish(enum brig_seccomp_action act)
{
    return brig_seccomp_actions[act].lets_run;
}

static uint64_t ns_mask(enum danger d)
{
    return d == NS_CLONE ? NS_FLAGS & ~(uint64_t)CLONE_NEWTIME : NS_FLAGS;
}

static bool cond_holds(const struct brig_seccomp_arg *x, const uint64_t *args)
{
    uint64_t v = x->index < 6 ? args[x->index] : 0;
    switch (x->op) {
    case BRIG_SECCOMP_OP_NE: return v != x->value;
    case BRIG_SECCOMP_OP_LT: return v < x->value;
    case BRIG_SECCOMP_OP_LE: return v <= x->value;
    case BRIG_SECCOMP_OP_EQ: return v == x->value;
    case BRIG_SECCOMP_OP_GE: return v >= x->value;
    case BRIG_SECCOMP_OP_GT: return v > x->value;
    case BRIG_SECCOMP_OP_MASKED_EQ: return (v & x->value) == x->value_two;
    case BRIG_SECCOMP_OP_COUNT: break;
    }
    return false;
}

/* The rule (or setting) of SC that let NAME(ARGS) through on ABI. */
static char *blame(const struct brig_seccomp *sc, const char *name, const uint64_t *args, const struct abi *abi,
                   bool native)
{
    for (size_t i = 0; i < sc->n_syscalls; i++) {
        const struct brig_seccomp_syscall *r = &sc->syscalls[i];
        if (!allowish(r->action) || !names_has(r, name))
            continue;
        if (r->n_args == 0)
            return F("linux.seccomp.syscalls[%zu]", i);
        /* Conditions on the same index are ORed (compile.c splits them). */
        bool twice = false, all = true, any = false;
        for (size_t j = 0; j < r->n_args; j++) {
            for (size_t k = j + 1; k < r->n_args; k++)
                twice |= r->args[j].index == r->args[k].index;
            bool h = cond_holds(&r->args[j], args);
            all &= h;
            any |= h;
        }
        if (twice ? !any : !all)
            continue;
        for (size_t j = 0; j < r->n_args; j++)
            if (cond_holds(&r->args[j], args))
                return F("linux.seccomp.syscalls[%zu].args[%zu]", i, j);
    }
    if (!native)
        for (size_t k = 0; k < sc->architectures.n; k++)
            if (strcmp(sc->architectures.v[k], abi->scmp) == 0)
                return F("linux.seccomp.architectures[%zu]", k);
    return S("linux.seccomp.defaultAction");
}

struct hit {
    char *path;
    char *what;
};

/* Whether any input lets NAME through PROG; fills *H (first one found). */
static int probe(const struct brig_seccomp *sc, const struct brig_bpf *prog, const char *name, enum danger d,
                 const struct abi *abis, size_t n_abis, struct hit *h)
{
    struct cands c[6];
    memset(c, 0, sizeof c);
    bool rel[6] = {false};
    for (size_t i = 0; i < sc->n_syscalls; i++) {
        const struct brig_seccomp_syscall *r = &sc->syscalls[i];
        if (!names_has(r, name))
            continue;
        for (size_t j = 0; j < r->n_args; j++) {
            uint32_t x = r->args[j].index;
            if (x >= 6)
                continue;
            rel[x] = true;
            cands_of(&c[x], &r->args[j]);
        }
    }
    if (d == NS_ARG0 || d == NS_CLONE) {
        uint64_t ns = ns_mask(d);
        rel[0] = true;
        cand(&c[0], ns);
        cand(&c[0], ns | 17 /* SIGCHLD */);
        for (int b = 0; b < 32; b++)
            if (ns & (1ULL << b))
                cand(&c[0], 1ULL << b);
    } else if (d == PERSONA) {
        rel[0] = true;
        for (int b = 0; b < 32; b++)
            if (RISKY_PERSONA & (1ULL << b)) {
                cand(&c[0], 1ULL << b);
                cand(&c[0], (1ULL << b) | PER_LINUX32);
            }
        cand(&c[0], RISKY_PERSONA);
    }
    size_t total = 1;
    for (int x = 0; x < 6; x++) {
        if (!rel[x])
            continue;
        cand(&c[x], 0);
        cand(&c[x], 1);
        cand(&c[x], UINT32_MAX);
        cand(&c[x], UINT64_MAX);
        cand(&c[x], 0x80000000u);
        cand(&c[x], 0xffffffff00000000ULL);
        total *= c[x].n;
    }
    if (total > 100000) {
        h->path = S("linux.seccomp.syscalls");
        h->what = F("%s (its argument conditions are too many to judge)", name);
        return 1;
    }
    for (size_t ai = 0; ai < n_abis; ai++) {
        int nr = seccomp_syscall_resolve_name_arch(abis[ai].token, name);
        if (nr < 0)
            continue; /* not a call of this ABI */
        size_t idx[6] = {0};
        for (size_t it = 0; it < total; it++) {
            uint64_t args[6] = {0};
            size_t rem = it;
            for (int x = 0; x < 6; x++) {
                if (!rel[x])
                    continue;
                idx[x] = rem % c[x].n;
                rem /= c[x].n;
                args[x] = c[x].v[idx[x]];
                if (abis[ai].bits32)
                    args[x] &= UINT32_MAX;
            }
            if (((d == NS_ARG0 || d == NS_CLONE) && !(args[0] & ns_mask(d))) ||
                (d == PERSONA && (!(args[0] & RISKY_PERSONA) || (uint32_t)args[0] == UINT32_MAX)))
                continue;
            uint32_t ret = brig_bpf_run_call(prog, nr, abis[ai].audit, args);
            if (ret == BRIG_BPF_BAD || !lets_through(ret))
                continue;
            h->path = blame(sc, name, args, &abis[ai], ai == 0);
            const char *how = (ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_USER_NOTIF ? " (to the listener)"
                              : (ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_TRACE    ? " (to a tracer)"
                                                                                         : "";
            if (d == ANY || d == HOST_PID)
                h->what = F("%s on %s%s", name, abis[ai].name, how);
            else
                h->what = F("%s(%#llx) on %s%s", name, (unsigned long long)args[0], abis[ai].name, how);
            return 1;
        }
    }
    return 0;
}

static bool own_pid_ns(const struct brig_config *cfg)
{
    const struct brig_namespace *ns = brig_config_namespace(cfg, BRIG_NS_PID);
    return ns && !ns->path; /* a joined one is judged by audit.c's namespace check */
}

void audit_seccomp(struct audit *a)
{
    const struct brig_seccomp *sc = a->cfg->linux_ ? a->cfg->linux_->seccomp : NULL;
    if (!sc) {
        audit_add(a, "seccomp-missing", BRIG_SEV_HIGH, BRIG_LEVEL_RESTRICTED, S("linux.seccomp"),
                  S("no seccomp filter: every system call reaches the kernel"),
                  S("add linux.seccomp with the RuntimeDefault profile (brig spec writes it; "
                    "--policy default adds it)"),
                  "PSS restricted: Seccomp; CIS Docker 5.21");
        return;
    }
    struct brig_bpf prog;
    if (brig_seccomp_compile_uncached(sc, &prog) < 0) {
        audit_add(a, "seccomp-invalid", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE, S("linux.seccomp"),
                  F("the filter cannot be judged: %s", brig_last_error()),
                  S("fix linux.seccomp (brig create would refuse it too)"),
                  "PSS baseline: Seccomp; CIS Docker 5.21");
        brig_clear_error();
        return;
    }
    struct abi abis[4];
    size_t n_abis = host_abis(abis);
    struct hit hits[BRIG_ARRAY_SIZE(dangerous)];
    size_t n_hits = 0, n_native = 0;
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(dangerous); i++) {
        if (dangerous[i].d == HOST_PID && own_pid_ns(a->cfg))
            continue;
        if (seccomp_syscall_resolve_name_arch(abis[0].token, dangerous[i].name) >= 0)
            n_native++;
        if (probe(sc, &prog, dangerous[i].name, dangerous[i].d, abis, n_abis, &hits[n_hits]))
            n_hits++;
    }
    brig_bpf_free(&prog);
    bool default_allows = allowish(sc->default_action);
    if (default_allows && n_hits >= n_native)
        audit_add(a, "seccomp-unconfined", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE,
                  S("linux.seccomp.defaultAction"),
                  S("the seccomp filter is as good as none: it lets every escape-relevant call through"),
                  S("use the RuntimeDefault profile (brig spec writes it)"),
                  "PSS baseline: Seccomp (Unconfined); CIS Docker 5.21");
    /* One finding per rule (or setting) to blame, listing what it lets through. */
    for (size_t i = 0; i < n_hits; i++) {
        if (!hits[i].path)
            continue;
        char *list = hits[i].what;
        for (size_t j = i + 1; j < n_hits; j++) {
            if (!hits[j].path || strcmp(hits[j].path, hits[i].path) != 0)
                continue;
            char *next = F("%s, %s", list, hits[j].what);
            free(list);
            free(hits[j].what);
            free(hits[j].path);
            hits[j].path = NULL;
            list = next;
        }
        audit_add(a, "seccomp-allows", BRIG_SEV_HIGH, BRIG_LEVEL_RESTRICTED, hits[i].path,
                  F("the seccomp filter lets through %s", list),
                  S("deny these calls (as the RuntimeDefault profile does): make the rule's conditions "
                    "exclude them, or remove the rule or architecture"),
                  "PSS restricted: Seccomp; CIS Docker 5.21");
        free(list);
    }
    if (default_allows)
        audit_add(a, "seccomp-denylist", BRIG_SEV_LOW, BRIG_LEVEL_RESTRICTED, S("linux.seccomp.defaultAction"),
                  S("the default action lets through every system call the profile does not name (new "
                    "ones too)"),
                  S("make the default SCMP_ACT_ERRNO and list what is allowed"),
                  "PSS restricted: Seccomp; CIS Docker 5.21");
}
