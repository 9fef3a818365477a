/* Unit tests for seccomp/: compiling profiles, errors naming JSON paths, the
 * compiled-filter cache, and real filters installed in forked children.
 *
 * Run as root or not: installing a filter only needs no_new_privs.  The last
 * line printed is "N passed, N failed". */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "brig/brig.h"
#include "brig/oci.h"
#include "brig/internal.h"
#include "brig/policy.h"
#include "brig/seccomp.h"
#include "unit.h"
#include "../../seccomp/seccomp_internal.h"

struct brig_globals brig_g;

/* Failure messages carry the last recorded error. */
#define ERR brig_last_error()

/* ---- building profiles by hand (independent of the config parser) ---- */

static struct brig_seccomp *prof_new(enum brig_seccomp_action def)
{
    struct brig_seccomp *sc = brig_xcalloc(1, sizeof *sc);
    sc->default_action = def;
    return sc;
}

static void strv_add(struct brig_strv *v, const char *s)
{
    v->v = brig_xrealloc(v->v, (v->n + 2) * sizeof *v->v);
    v->v[v->n++] = brig_xstrdup(s);
    v->v[v->n] = NULL;
}

/* A rule for the comma-separated NAMES. */
static struct brig_seccomp_syscall *rule(struct brig_seccomp *sc, enum brig_seccomp_action a, const char *names)
{
    sc->syscalls = brig_xrealloc(sc->syscalls, (sc->n_syscalls + 1) * sizeof *sc->syscalls);
    struct brig_seccomp_syscall *r = &sc->syscalls[sc->n_syscalls++];
    memset(r, 0, sizeof *r);
    r->action = a;
    char *copy = brig_xstrdup(names), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        strv_add(&r->names, t);
    free(copy);
    return r;
}

static struct brig_seccomp_syscall *rule_errno(struct brig_seccomp *sc, const char *names, uint32_t e)
{
    struct brig_seccomp_syscall *r = rule(sc, BRIG_SECCOMP_ERRNO, names);
    r->errno_ret = (brig_opt_u32){ true, e };
    return r;
}

static void arg(struct brig_seccomp_syscall *r, uint32_t index, enum brig_seccomp_op op, uint64_t v, uint64_t v2)
{
    r->args = brig_xrealloc(r->args, (r->n_args + 1) * sizeof *r->args);
    r->args[r->n_args++] = (struct brig_seccomp_arg){ .index = index, .value = v, .value_two = v2, .op = op };
}

static void strv_clear(struct brig_strv *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->v[i]);
    free(v->v);
}

static void prof_free(struct brig_seccomp *sc)
{
    if (!sc)
        return;
    strv_clear(&sc->architectures);
    strv_clear(&sc->flags);
    free(sc->listener_path);
    free(sc->listener_metadata);
    for (size_t i = 0; i < sc->n_syscalls; i++) {
        strv_clear(&sc->syscalls[i].names);
        free(sc->syscalls[i].args);
    }
    free(sc->syscalls);
    free(sc);
}

/* Compile expecting an error containing WANT. */
static void expect_error(struct brig_seccomp *sc, const char *want)
{
    struct brig_bpf b;
    brig_clear_error();
    int r = brig_seccomp_compile_uncached(sc, &b);
    CHECK_MSG(r == -1, "expected an error containing \"%s\"", want);
    if (r == 0)
        brig_bpf_free(&b);
    CHECK_MSG(strstr(brig_last_error(), want) != NULL, "error \"%s\" lacks \"%s\"", brig_last_error(), want);
    prof_free(sc);
}

/* ---- running a filter in a child ---- */

/* Fork; the child sets no_new_privs, installs PROG and runs FN, whose return
 * value is its exit status.  Returns the child's wait status. */
static int in_child(const struct brig_bpf *prog, int (*fn)(void *), void *data)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int nfd;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
            _exit(200);
        if (brig_seccomp_install(prog, &nfd) < 0) {
            fprintf(stderr, "install: %s\n", brig_last_error());
            _exit(201);
        }
        /* exit_group directly: a sanitizer's _exit() hook (LeakSanitizer's
         * check) would make calls the filter under test refuses. */
        syscall(SYS_exit_group, fn(data));
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return st;
}

static int exit_code(int st)
{
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int kill_sig(int st)
{
    return WIFSIGNALED(st) ? WTERMSIG(st) : 0;
}

/* Compile SC (uncached) and run FN under it; frees SC. */
static int run_profile(struct brig_seccomp *sc, int (*fn)(void *), void *data)
{
    struct brig_bpf b;
    int r = brig_seccomp_compile_uncached(sc, &b);
    CHECK_MSG(r == 0, "compile");
    prof_free(sc);
    if (r < 0)
        return -1;
    int st = in_child(&b, fn, data);
    brig_bpf_free(&b);
    return st;
}

/* errno of syscall NR with first argument A0 (0 when it succeeded). */
static int sys_errno(long nr, unsigned long a0, unsigned long a1)
{
    errno = 0;
    long r = syscall(nr, a0, a1, 0, 0, 0, 0);
    return r < 0 ? errno : 0;
}

static int call_getppid7(void *data)
{
    (void)data;
    return sys_errno(SYS_getppid, 7, 0);
}

static int call_getppid1000(void *data)
{
    (void)data;
    return sys_errno(1000, 0, 0);
}

static int call_getppid0(void *data)
{
    (void)data;
    return sys_errno(SYS_getppid, 0, 0);
}

/* ---- tests: compiling ---- */

static void test_lib_version(void)
{
    const char *v = brig_seccomp_lib_version();
    unsigned a, b, c;
    CHECK_MSG(sscanf(v, "%u.%u.%u", &a, &b, &c) == 3, "version \"%s\"", v);
    CHECK_MSG(a == 2 && b >= 5, "libseccomp %s", v);
}

static void test_every_action_compiles(void)
{
    static const enum brig_seccomp_action acts[] = {
        BRIG_SECCOMP_KILL, BRIG_SECCOMP_KILL_PROCESS, BRIG_SECCOMP_KILL_THREAD, BRIG_SECCOMP_TRAP,
        BRIG_SECCOMP_ERRNO, BRIG_SECCOMP_TRACE, BRIG_SECCOMP_ALLOW, BRIG_SECCOMP_LOG, BRIG_SECCOMP_NOTIFY,
    };
    static const char *const names[] = { "getpid", "getppid", "getuid", "getgid", "geteuid",
                                         "getegid", "gettid", "sched_yield", "uname" };
    for (size_t d = 0; d < BRIG_ARRAY_SIZE(acts); d++) {
        if (acts[d] == BRIG_SECCOMP_NOTIFY)
            continue; /* cannot be the default */
        struct brig_seccomp *sc = prof_new(acts[d]);
        sc->listener_path = brig_xstrdup("/tmp/x.sock");
        for (size_t i = 0; i < BRIG_ARRAY_SIZE(acts); i++)
            rule(sc, acts[i], names[i]);
        struct brig_bpf b;
        int r = brig_seccomp_compile_uncached(sc, &b);
        CHECK_MSG(r == 0, "default action %zu", d);
        if (r == 0) {
            CHECK(b.len > 0 && b.insns);
            CHECK(b.needs_listener);
            brig_bpf_free(&b);
        }
        prof_free(sc);
    }
}

static void test_every_operator_compiles(void)
{
    struct brig_seccomp *sc = prof_new(BRIG_SECCOMP_ALLOW);
    for (int op = BRIG_SECCOMP_OP_NE; op <= BRIG_SECCOMP_OP_MASKED_EQ; op++)
        arg(rule_errno(sc, "getppid", 42), (uint32_t)op % 6, op, 5, 1);
    struct brig_bpf b;
    CHECK_MSG(brig_seccomp_compile_uncached(sc, &b) == 0, "%s", ERR);
    CHECK(!b.needs_listener);
    brig_bpf_free(&b);
    prof_free(sc);
}

static void test_errors_name_the_path(void)
{
    struct brig_seccomp *sc;
    struct brig_seccomp_syscall *r;

    sc = prof_new(BRIG_SECCOMP_ALLOW);
    strv_add(&sc->architectures, "SCMP_ARCH_X86_64");
    strv_add(&sc->architectures, "SCMP_ARCH_VAX");
    expect_error(sc, "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_VAX\"");

    sc = prof_new(BRIG_SECCOMP_ALLOW);
    strv_add(&sc->flags, "SECCOMP_FILTER_FLAG_LOG");
    strv_add(&sc->flags, "SECCOMP_FILTER_FLAG_BOGUS");
    expect_error(sc, "linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_BOGUS\"");

    sc = prof_new(BRIG_SECCOMP_KILL);
    sc->default_errno_ret = (brig_opt_u32){ true, 5 };
    expect_error(sc, "linux.seccomp.defaultErrnoRet: not supported with SCMP_ACT_KILL");

    sc = prof_new(BRIG_SECCOMP_ERRNO);
    rule(sc, BRIG_SECCOMP_ALLOW, "getpid");
    r = rule(sc, BRIG_SECCOMP_ALLOW, "getppid");
    r->errno_ret = (brig_opt_u32){ true, 1 };
    expect_error(sc, "linux.seccomp.syscalls[1].errnoRet: not supported with SCMP_ACT_ALLOW");

    sc = prof_new(BRIG_SECCOMP_ALLOW);
    rule_errno(sc, "getpid", 70000);
    expect_error(sc, "linux.seccomp.syscalls[0].errnoRet: 70000");

    sc = prof_new(BRIG_SECCOMP_ALLOW);
    r = rule_errno(sc, "getpid", 1);
    arg(r, 0, BRIG_SECCOMP_OP_EQ, 1, 0);
    arg(r, 6, BRIG_SECCOMP_OP_EQ, 1, 0);
    expect_error(sc, "linux.seccomp.syscalls[0].args[1].index: 6 is out of range");

    sc = prof_new(BRIG_SECCOMP_ALLOW);
    r = rule_errno(sc, "getpid", 1);
    arg(r, 0, (enum brig_seccomp_op)99, 1, 0);
    expect_error(sc, "linux.seccomp.syscalls[0].args[0].op");

    sc = prof_new(BRIG_SECCOMP_ALLOW);
    rule_errno(sc, "getpid", 1);
    rule(sc, BRIG_SECCOMP_KILL, "");
    expect_error(sc, "linux.seccomp.syscalls[1].names: must name at least one syscall");

    sc = prof_new(BRIG_SECCOMP_NOTIFY);
    expect_error(sc, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default");

    sc = prof_new(BRIG_SECCOMP_ALLOW);
    rule(sc, BRIG_SECCOMP_NOTIFY, "getpid");
    expect_error(sc, "linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY");

    sc = prof_new(BRIG_SECCOMP_ALLOW);
    sc->listener_metadata = brig_xstrdup("x");
    expect_error(sc, "linux.seccomp.listenerMetadata: set without listenerPath");

    sc = prof_new(BRIG_SECCOMP_ALLOW);
    sc->listener_path = brig_xstrdup("/tmp/x.sock");
    rule(sc, BRIG_SECCOMP_NOTIFY, "getpid,write");
    expect_error(sc, "linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for \"write\"");

    /* The checks also run on the cached path. */
    sc = prof_new(BRIG_SECCOMP_ALLOW);
    strv_add(&sc->flags, "SECCOMP_FILTER_FLAG_NOPE");
    struct brig_bpf b;
    CHECK_MSG(brig_seccomp_compile(sc, &b) == -1, "%s", ERR);
    CHECK(strstr(brig_last_error(), "linux.seccomp.flags[0]") != NULL);
    prof_free(sc);
}

static void test_flags(void)
{
    struct brig_seccomp *sc = prof_new(BRIG_SECCOMP_ALLOW);
    strv_add(&sc->flags, "SECCOMP_FILTER_FLAG_TSYNC");
    strv_add(&sc->flags, "SECCOMP_FILTER_FLAG_LOG");
    strv_add(&sc->flags, "SECCOMP_FILTER_FLAG_SPEC_ALLOW");
    strv_add(&sc->flags, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
    rule_errno(sc, "getppid", 42);
    unsigned flags = 0;
    bool listener = true;
    CHECK(brig_seccomp_check(sc, &flags, &listener) == 0);
    /* Waiting killably is dropped without a listener. */
    CHECK_MSG(flags == (SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW),
          "flags %#x", flags);
    CHECK(!listener);

    /* The kernel accepts them and the filter works. */
    struct brig_bpf b;
    CHECK_MSG(brig_seccomp_compile_uncached(sc, &b) == 0, "%s", ERR);
    CHECK(b.flags == flags);
    int st = in_child(&b, call_getppid0, NULL);
    CHECK_MSG(exit_code(st) == 42, "status %#x", st);
    brig_bpf_free(&b);

    sc->listener_path = brig_xstrdup("/tmp/x.sock");
    rule(sc, BRIG_SECCOMP_NOTIFY, "getuid");
    CHECK(brig_seccomp_check(sc, &flags, &listener) == 0);
    CHECK_MSG(flags & (1U << 5), "WAIT_KILLABLE_RECV kept with a listener");
    CHECK(listener);
    prof_free(sc);
}

static void test_unknown_syscalls_skipped(void)
{
    struct brig_seccomp *a = prof_new(BRIG_SECCOMP_ALLOW);
    rule_errno(a, "no_such_syscall_at_all,getppid,another_made_up_one", 42);
    struct brig_seccomp *b = prof_new(BRIG_SECCOMP_ALLOW);
    rule_errno(b, "getppid", 42);
    struct brig_bpf pa, pb;
    CHECK_MSG(brig_seccomp_compile_uncached(a, &pa) == 0, "%s", ERR);
    CHECK_MSG(brig_seccomp_compile_uncached(b, &pb) == 0, "%s", ERR);
    CHECK_MSG(pa.len == pb.len && memcmp(pa.insns, pb.insns, pa.len * sizeof *pa.insns) == 0,
          "unknown names change nothing");
    brig_bpf_free(&pa);
    brig_bpf_free(&pb);
    prof_free(a);
    prof_free(b);

    /* An architecture this libseccomp lacks is skipped the same way. */
    struct brig_seccomp *c = prof_new(BRIG_SECCOMP_ALLOW);
    strv_add(&c->architectures, "SCMP_ARCH_X86_64");
    strv_add(&c->architectures, "SCMP_ARCH_RISCV64");
    strv_add(&c->architectures, "SCMP_ARCH_LOONGARCH64");
    rule_errno(c, "getppid", 42);
    struct brig_bpf pc;
    CHECK_MSG(brig_seccomp_compile_uncached(c, &pc) == 0, "%s", ERR);
    brig_bpf_free(&pc);
    prof_free(c);
}

/* Every architecture name of the spec is accepted. */
static void test_all_architectures(void)
{
    static const char *const arches[] = {
        "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
        "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
        "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
        "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
        "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
        "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
    };
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(arches); i++) {
        struct brig_seccomp *sc = prof_new(BRIG_SECCOMP_ALLOW);
        strv_add(&sc->architectures, arches[i]);
        rule_errno(sc, "getppid", 42);
        struct brig_bpf b;
        CHECK_MSG(brig_seccomp_compile_uncached(sc, &b) == 0, "%s", arches[i]);
        brig_bpf_free(&b);
        prof_free(sc);
    }
}

/* ---- tests: filters at work ---- */

static void test_errno_and_default_errno(void)
{
    struct brig_seccomp *sc = prof_new(BRIG_SECCOMP_ALLOW);
    arg(rule_errno(sc, "getppid", 42), 0, BRIG_SECCOMP_OP_EQ, 7, 0);
    int st = run_profile(sc, call_getppid7, NULL);
    CHECK_MSG(exit_code(st) == 42, "blocked call gets errnoRet, status %#x", st);

    sc = prof_new(BRIG_SECCOMP_ALLOW);
    arg(rule_errno(sc, "getppid", 42), 0, BRIG_SECCOMP_OP_EQ, 7, 0);
    st = run_profile(sc, call_getppid0, NULL);
    CHECK_MSG(exit_code(st) == 0, "allowed call works, status %#x", st);

    /* SCMP_ACT_ERRNO without errnoRet is EPERM. */
    sc = prof_new(BRIG_SECCOMP_ALLOW);
    rule(sc, BRIG_SECCOMP_ERRNO, "getppid");
    st = run_profile(sc, call_getppid0, NULL);
    CHECK_MSG(exit_code(st) == EPERM, "status %#x", st);

    /* Deny by default with defaultErrnoRet; only what the child needs. */
    sc = prof_new(BRIG_SECCOMP_ERRNO);
    sc->default_errno_ret = (brig_opt_u32){ true, ENOTUNIQ };
    rule(sc, BRIG_SECCOMP_ALLOW, "exit_group,exit");
    st = run_profile(sc, call_getppid0, NULL);
    CHECK_MSG(exit_code(st) == ENOTUNIQ, "status %#x", st);
}

static void sigsys_exit(int sig)
{
    (void)sig;
    syscall(SYS_exit_group, 77); /* not _exit: see in_child */
}

static int call_getppid_with_trap_handler(void *data)
{
    (void)data;
    signal(SIGSYS, sigsys_exit);
    syscall(SYS_getppid, 0);
    return 0;
}

static void test_kill_and_trap(void)
{
    static const enum brig_seccomp_action kills[] = {
        BRIG_SECCOMP_KILL, BRIG_SECCOMP_KILL_THREAD, BRIG_SECCOMP_KILL_PROCESS,
    };
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(kills); i++) {
        struct brig_seccomp *sc = prof_new(BRIG_SECCOMP_ALLOW);
        rule(sc, kills[i], "getppid");
        int st = run_profile(sc, call_getppid0, NULL);
        CHECK_MSG(kill_sig(st) == SIGSYS, "action %d: status %#x", (int)kills[i], st);
    }
    struct brig_seccomp *sc = prof_new(BRIG_SECCOMP_ALLOW);
    rule(sc, BRIG_SECCOMP_TRAP, "getppid");
    int st = run_profile(sc, call_getppid_with_trap_handler, NULL);
    CHECK_MSG(exit_code(st) == 77, "SIGSYS delivered to a handler, status %#x", st);

    /* LOG and TRACE without a tracer: LOG allows, TRACE fails with ENOSYS. */
    sc = prof_new(BRIG_SECCOMP_ALLOW);
    rule(sc, BRIG_SECCOMP_LOG, "getppid");
    st = run_profile(sc, call_getppid0, NULL);
    CHECK_MSG(exit_code(st) == 0, "LOG allows, status %#x", st);
    sc = prof_new(BRIG_SECCOMP_ALLOW);
    rule(sc, BRIG_SECCOMP_TRACE, "getppid");
    st = run_profile(sc, call_getppid0, NULL);
    CHECK_MSG(exit_code(st) == ENOSYS, "TRACE untraced, status %#x", st);
}

struct op_case {
    unsigned long a0;
    int want; /* exit code: 42 blocked, 0 allowed */
};

static int call_op_cases(void *data)
{
    const struct op_case *c = data;
    for (int i = 0; c[i].want >= 0; i++)
        if (sys_errno(SYS_getppid, c[i].a0, 0) != c[i].want)
            return 100 + i;
    return 0;
}

/* Each operator blocks exactly the values it should, 64-bit values included. */
static void test_operators_match_exactly(void)
{
    const uint64_t big = 0x100000000ULL;
    struct {
        enum brig_seccomp_op op;
        uint64_t v, v2;
        struct op_case cases[8];
    } t[] = {
        { BRIG_SECCOMP_OP_EQ, 5, 0, { { 5, 42 }, { 4, 0 }, { 6, 0 }, { 5 + big, 0 }, { 0, -1 } } },
        { BRIG_SECCOMP_OP_NE, 5, 0, { { 5, 0 }, { 4, 42 }, { 6, 42 }, { 5 + big, 42 }, { 0, -1 } } },
        { BRIG_SECCOMP_OP_LT, 5, 0, { { 4, 42 }, { 5, 0 }, { 6, 0 }, { 0, 42 }, { big, 0 }, { 0, -1 } } },
        { BRIG_SECCOMP_OP_LE, 5, 0, { { 4, 42 }, { 5, 42 }, { 6, 0 }, { big + 1, 0 }, { 0, -1 } } },
        { BRIG_SECCOMP_OP_GT, 5, 0, { { 4, 0 }, { 5, 0 }, { 6, 42 }, { big, 42 }, { 0, -1 } } },
        { BRIG_SECCOMP_OP_GE, 5, 0, { { 4, 0 }, { 5, 42 }, { 6, 42 }, { 0, -1 } } },
        { BRIG_SECCOMP_OP_GT, big, 0, { { big, 0 }, { big + 1, 42 }, { 0xffffffffUL, 0 }, { 0, -1 } } },
        /* value is the mask, valueTwo what the masked argument must equal */
        { BRIG_SECCOMP_OP_MASKED_EQ, 0xf0, 0x20, { { 0x20, 42 }, { 0x2f, 42 }, { 0x120, 42 },
                                                     { 0x30, 0 }, { 0x0, 0 }, { 0, -1 } } },
        { BRIG_SECCOMP_OP_MASKED_EQ, 0xf0, 0, { { 0x0f, 42 }, { 0x10, 0 }, { 0, -1 } } },
    };
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(t); i++) {
        struct brig_seccomp *sc = prof_new(BRIG_SECCOMP_ALLOW);
        arg(rule_errno(sc, "getppid", 42), 0, t[i].op, t[i].v, t[i].v2);
        int st = run_profile(sc, call_op_cases, t[i].cases);
        CHECK_MSG(exit_code(st) == 0, "operator case %zu: failing value #%d (status %#x)", i,
              exit_code(st) - 100, st);
    }
}

/* Several args on one index: split into ORed rules, as runc does. */
static int call_split(void *data)
{
    (void)data;
    if (sys_errno(SYS_getppid, 1, 0) != 42)
        return 1;
    if (sys_errno(SYS_getppid, 2, 0) != 42)
        return 2;
    if (sys_errno(SYS_getppid, 3, 0) != 0)
        return 3;
    if (sys_errno(SYS_getppid, 3, 9) != 42) /* the arg-1 condition alone matches */
        return 4;
    return 0;
}

static void test_same_index_split(void)
{
    struct brig_seccomp *sc = prof_new(BRIG_SECCOMP_ALLOW);
    struct brig_seccomp_syscall *r = rule_errno(sc, "getppid", 42);
    arg(r, 0, BRIG_SECCOMP_OP_EQ, 1, 0);
    arg(r, 0, BRIG_SECCOMP_OP_EQ, 2, 0);
    arg(r, 1, BRIG_SECCOMP_OP_EQ, 9, 0);
    int st = run_profile(sc, call_split, NULL);
    CHECK_MSG(exit_code(st) == 0, "status %#x", st);

    /* Different indexes in one rule are ANDed. */
    sc = prof_new(BRIG_SECCOMP_ALLOW);
    r = rule_errno(sc, "getppid", 42);
    arg(r, 0, BRIG_SECCOMP_OP_EQ, 1, 0);
    arg(r, 1, BRIG_SECCOMP_OP_EQ, 9, 0);
    st = run_profile(sc, call_op_cases, (struct op_case[]){ { 1, 0 }, { 0, -1 } });
    CHECK_MSG(exit_code(st) == 0, "arg0 alone does not match, status %#x", st);
}

static int call_personality(void *data)
{
    (void)data;
    if (sys_errno(SYS_personality, PER_LINUX, 0) != 0)
        return 1;
    if (sys_errno(SYS_personality, PER_LINUX32, 0) != 0)
        return 2;
    if (sys_errno(SYS_personality, 0xffffffffUL, 0) != 0)
        return 3;
    if (sys_errno(SYS_personality, ADDR_NO_RANDOMIZE, 0) != EPERM)
        return 4;
    if (sys_errno(SYS_personality, PER_BSD, 0) != EPERM)
        return 5;
    return 0;
}

static void test_personality_allowlist(void)
{
    struct brig_seccomp *sc = prof_new(BRIG_SECCOMP_ERRNO);
    rule(sc, BRIG_SECCOMP_ALLOW, "exit_group,exit");
    arg(rule(sc, BRIG_SECCOMP_ALLOW, "personality"), 0, BRIG_SECCOMP_OP_EQ, PER_LINUX, 0);
    arg(rule(sc, BRIG_SECCOMP_ALLOW, "personality"), 0, BRIG_SECCOMP_OP_EQ, PER_LINUX32, 0);
    arg(rule(sc, BRIG_SECCOMP_ALLOW, "personality"), 0, BRIG_SECCOMP_OP_EQ, 0xffffffffUL, 0);
    int st = run_profile(sc, call_personality, NULL);
    CHECK_MSG(exit_code(st) == 0, "failing step %d", exit_code(st));
}

#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | \
                  CLONE_NEWNET | CLONE_NEWCGROUP)

static int raw_clone(unsigned long flags)
{
    errno = 0;
    long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        syscall(SYS_exit_group, 0);
    if (pid < 0)
        return errno;
    int st;
    if (syscall(SYS_wait4, pid, &st, 0, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    return 0;
}

static int call_clones(void *data)
{
    (void)data;
    if (raw_clone(0) != 0)
        return 1;
    if (raw_clone(CLONE_NEWUTS) != ENOTUNIQ)
        return 2;
    if (raw_clone(CLONE_NEWNS | CLONE_NEWPID) != ENOTUNIQ)
        return 3;
    if (raw_clone(CLONE_NEWUSER) != ENOTUNIQ)
        return 4;
    return 0;
}

static void test_clone_namespace_flags(void)
{
    struct brig_seccomp *sc = prof_new(BRIG_SECCOMP_ERRNO);
    sc->default_errno_ret = (brig_opt_u32){ true, ENOTUNIQ };
    rule(sc, BRIG_SECCOMP_ALLOW, "exit_group,exit,wait4");
    arg(rule(sc, BRIG_SECCOMP_ALLOW, "clone"), 0, BRIG_SECCOMP_OP_MASKED_EQ, NS_FLAGS, 0);
    int st = run_profile(sc, call_clones, NULL);
    CHECK_MSG(exit_code(st) == 0, "failing step %d (status %#x)", exit_code(st), st);
}

/* The filter survives execve: the child execs this binary in probe mode. */
static int exec_probe(void *data)
{
    (void)data;
    char *argv[] = { "test_seccomp", "--probe-getppid7", NULL };
    execv("/proc/self/exe", argv);
    return 99;
}

static void test_filter_applies_after_exec(void)
{
    struct brig_seccomp *sc = prof_new(BRIG_SECCOMP_ALLOW);
    arg(rule_errno(sc, "getppid", 42), 0, BRIG_SECCOMP_OP_EQ, 7, 0);
    int st = run_profile(sc, exec_probe, NULL);
    CHECK_MSG(exit_code(st) == 42, "status %#x", st);
}

static int call_unknown_numbers(void *data)
{
    (void)data;
    if (sys_errno(SYS_getppid, 0, 0) != 0)
        return 1;
    if (sys_errno(SYS_getuid, 0, 0) != ENOTUNIQ) /* below the highest named: default */
        return 2;
    if (sys_errno(SYS_exit_group - 1, 0, 0) != ENOTUNIQ || sys_errno(SYS_exit_group + 1, 0, 0) != ENOSYS)
        return 3;
    if (sys_errno(1000, 0, 0) != ENOSYS || sys_errno(0x3fffffffUL, 0, 0) != ENOSYS)
        return 4;
    return 0;
}

/* Syscalls above the highest one a deny-by-default profile names get ENOSYS
 * (libcs fall back on ENOSYS only); the rest follow the profile. */
static void test_enosys_for_newer_syscalls(void)
{
    struct brig_seccomp *sc = prof_new(BRIG_SECCOMP_ERRNO);
    sc->default_errno_ret = (brig_opt_u32){ true, ENOTUNIQ };
    /* exit_group is the highest number named (231 on x86_64) */
    rule(sc, BRIG_SECCOMP_ALLOW, "exit_group,exit,getppid");
    int st = run_profile(sc, call_unknown_numbers, NULL);
    CHECK_MSG(exit_code(st) == 0, "failing step %d (status %#x)", exit_code(st), st);

    /* Default KILL: an unknown number is not a kill. */
    sc = prof_new(BRIG_SECCOMP_KILL_PROCESS);
    rule(sc, BRIG_SECCOMP_ALLOW, "exit_group,exit,getppid");
    struct brig_bpf b;
    CHECK(brig_seccomp_compile_uncached(sc, &b) == 0);
    prof_free(sc);
    st = in_child(&b, call_getppid1000, NULL);
    CHECK_MSG(exit_code(st) == ENOSYS, "status %#x", st);
    brig_bpf_free(&b);

    /* Default ALLOW: no stub, unknown numbers reach the kernel (ENOSYS
     * from the kernel itself), and the program is libseccomp's alone. */
    sc = prof_new(BRIG_SECCOMP_ALLOW);
    rule_errno(sc, "getppid", 42);
    CHECK(brig_seccomp_compile_uncached(sc, &b) == 0);
    prof_free(sc);
    CHECK(b.insns[0].code == (BPF_LD | BPF_W | BPF_ABS) && b.insns[0].k == 4);
    CHECK(b.insns[1].code != (BPF_JMP | BPF_JEQ | BPF_K) || b.insns[2].code != (BPF_JMP | BPF_JA));
    brig_bpf_free(&b);
}

/* ---- notify ---- */

static int send_fd(int sock, int fd)
{
    char c = 'x';
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct iovec iov = { &c, 1 };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

/* Reads up to LEN bytes of payload and one fd; returns bytes read. */
static ssize_t recv_fd(int sock, char *buf, size_t len, int *fd)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = { buf, len };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    *fd = -1;
    ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    if (n < 0)
        return -1;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
        memcpy(fd, CMSG_DATA(cm), sizeof *fd);
    return n;
}

static void test_notify_listener(void)
{
    struct brig_seccomp *sc = prof_new(BRIG_SECCOMP_ALLOW);
    sc->listener_path = brig_xstrdup("/unused.sock");
    strv_add(&sc->flags, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
    rule(sc, BRIG_SECCOMP_NOTIFY, "getppid");
    struct brig_bpf b;
    int r = brig_seccomp_compile_uncached(sc, &b);
    prof_free(sc);
    CHECK(r == 0);
    if (r < 0)
        return;
    CHECK(b.needs_listener);

    int sp[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int nfd = -1;
        close(sp[0]);
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || brig_seccomp_install(&b, &nfd) < 0)
            _exit(1);
        if (nfd < 0 || send_fd(sp[1], nfd) < 0)
            _exit(2);
        close(nfd);
        /* Blocks until the supervisor answers for us. */
        long v = syscall(SYS_getppid);
        _exit(v == 4242 ? 0 : 3);
    }
    close(sp[1]);
    char c;
    int nfd = -1;
    CHECK_MSG(recv_fd(sp[0], &c, 1, &nfd) == 1 && nfd >= 0, "listener fd received");
    close(sp[0]);
    if (nfd >= 0) {
        struct seccomp_notif req;
        memset(&req, 0, sizeof req);
        int rr = ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req);
        CHECK_MSG(rr == 0, "NOTIF_RECV: %s", strerror(errno));
        CHECK_MSG(req.data.nr == SYS_getppid, "nr %d", req.data.nr);
        CHECK(req.pid == (uint32_t)pid);
        struct seccomp_notif_resp resp = { .id = req.id, .val = 4242, .error = 0 };
        CHECK_MSG(ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0, "NOTIF_SEND: %s", strerror(errno));
        close(nfd);
    } else {
        kill(pid, SIGKILL);
    }
    int st;
    waitpid(pid, &st, 0);
    CHECK_MSG(exit_code(st) == 0, "child status %#x", st);
    brig_bpf_free(&b);
}

static bool str_is(yajl_val v, const char *want)
{
    const char *s = YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
    return s && strcmp(s, want) == 0;
}

static void test_send_listener(void)
{
    char dir[] = "/tmp/brig-sc-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    cleanup_free char *path = brig_xasprintf("%s/agent.sock", dir);
    int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    CHECK(bind(ls, (struct sockaddr *)&sa, sizeof sa) == 0);
    CHECK(listen(ls, 4) == 0);

    struct brig_seccomp *sc = prof_new(BRIG_SECCOMP_ALLOW);
    sc->listener_path = brig_xstrdup(path);
    sc->listener_metadata = brig_xstrdup("MKNOD=/dev/null;\"quoted\"");
    int pfd[2];
    CHECK(pipe2(pfd, O_CLOEXEC) == 0);
    struct brig_kv ann = {.key = "k", .value = "v"};
    struct brig_container ct = {.dirfd = -1,
                                .state = {.id = "c1", .pid = 4422, .bundle = "/b",
                                          .annotations = {.v = &ann, .n = 1}}};
    CHECK_MSG(brig_seccomp_send_listener(sc, pfd[0], &ct, BRIG_CREATING) == 0, "%s", ERR);

    int cs = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
    CHECK(cs >= 0);
    char buf[8192];
    int fd = -1;
    ssize_t n = recv_fd(cs, buf, sizeof buf - 1, &fd);
    CHECK_MSG(n > 0 && fd >= 0, "payload and fd");
    /* The rest, if any, until the runtime closes the connection. */
    while (n > 0 && (size_t)n < sizeof buf - 1) {
        ssize_t m = read(cs, buf + n, sizeof buf - 1 - (size_t)n);
        if (m <= 0)
            break;
        n += m;
    }
    buf[n > 0 ? n : 0] = '\0';
    struct stat a, bst;
    CHECK_MSG(fd >= 0 && fstat(fd, &a) == 0 && fstat(pfd[0], &bst) == 0 && a.st_ino == bst.st_ino,
          "the fd is the one sent");

    char err[256];
    yajl_val v = yajl_tree_parse(buf, err, sizeof err);
    CHECK_MSG(v != NULL, "JSON: %s", buf);
    if (v) {
        const char *p_ver[] = { "ociVersion", NULL }, *p_fds[] = { "fds", NULL }, *p_pid[] = { "pid", NULL };
        const char *p_meta[] = { "metadata", NULL }, *p_id[] = { "state", "id", NULL };
        const char *p_spid[] = { "state", "pid", NULL }, *p_ann[] = { "state", "annotations", "k", NULL };
        const char *p_status[] = { "state", "status", NULL };
        yajl_val x = yajl_tree_get(v, p_ver, yajl_t_string);
        CHECK(str_is(x, BRIG_OCI_VERSION));
        x = yajl_tree_get(v, p_fds, yajl_t_array);
        CHECK(x && YAJL_GET_ARRAY(x)->len == 1 && str_is(YAJL_GET_ARRAY(x)->values[0], "seccompFd"));
        x = yajl_tree_get(v, p_pid, yajl_t_number);
        CHECK(x && YAJL_GET_INTEGER(x) == 4422);
        x = yajl_tree_get(v, p_meta, yajl_t_string);
        CHECK(str_is(x, "MKNOD=/dev/null;\"quoted\""));
        x = yajl_tree_get(v, p_id, yajl_t_string);
        CHECK(str_is(x, "c1"));
        x = yajl_tree_get(v, p_spid, yajl_t_number);
        CHECK(x && YAJL_GET_INTEGER(x) == 4422);
        x = yajl_tree_get(v, p_ann, yajl_t_string);
        CHECK(str_is(x, "v"));
        x = yajl_tree_get(v, p_status, yajl_t_string);
        CHECK(str_is(x, "creating"));
        yajl_tree_free(v);
    }
    if (fd >= 0)
        close(fd);
    close(cs);

    /* Nobody listening: an error naming the path. */
    close(ls);
    unlink(path);
    CHECK_MSG(brig_seccomp_send_listener(sc, pfd[0], &ct, BRIG_CREATING) == -1, "%s", ERR);
    CHECK_MSG(strstr(brig_last_error(), path) != NULL, "%s", brig_last_error());
    close(pfd[0]);
    close(pfd[1]);
    prof_free(sc);
    rmdir(dir);
}

/* ---- cache ---- */

static struct brig_seccomp *cache_profile(uint32_t e)
{
    struct brig_seccomp *sc = prof_new(BRIG_SECCOMP_ALLOW);
    strv_add(&sc->architectures, "SCMP_ARCH_X86_64");
    strv_add(&sc->architectures, "SCMP_ARCH_X86");
    arg(rule_errno(sc, "getppid", e), 0, BRIG_SECCOMP_OP_EQ, 7, 0);
    rule_errno(sc, "uname,getuid", 5);
    return sc;
}

/* The single entry file in DIR (path in BUF); false when not exactly one. */
static bool only_entry(const char *dir, char *buf, size_t size)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls %s/*.bpf 2>/dev/null", dir);
    FILE *f = popen(cmd, "r");
    if (!f)
        return false;
    int lines = 0;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        lines++;
        line[strcspn(line, "\n")] = '\0';
        snprintf(buf, size, "%s", line);
    }
    pclose(f);
    return lines == 1;
}

static bool same_prog(const struct brig_bpf *a, const struct brig_bpf *b)
{
    return a->len == b->len && memcmp(a->insns, b->insns, a->len * sizeof *a->insns) == 0;
}

static void test_cache_round_trip(void)
{
    char dir[] = "/tmp/brig-sc-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    cleanup_free char *cdir = brig_xasprintf("%s/cache", dir);
    brig_seccomp_set_cache_dir(cdir);

    struct brig_seccomp *sc = cache_profile(42);
    struct brig_bpf ref, b1, b2;
    CHECK_MSG(brig_seccomp_compile_uncached(sc, &ref) == 0, "%s", ERR);
    CHECK_MSG(brig_seccomp_compile(sc, &b1) == 0, "%s", ERR);
    CHECK_MSG(!b1.from_cache, "first compile is a miss");
    struct stat st;
    CHECK_MSG(stat(cdir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700,
          "cache dir created 0700");
    CHECK_MSG(brig_seccomp_compile(sc, &b2) == 0, "%s", ERR);
    CHECK_MSG(b2.from_cache, "second compile is a hit");
    CHECK_MSG(same_prog(&ref, &b1) && same_prog(&ref, &b2), "same program");
    CHECK(b2.flags == ref.flags && b2.needs_listener == ref.needs_listener);
    brig_bpf_free(&b1);
    brig_bpf_free(&b2);

    /* The cached filter works. */
    CHECK_MSG(brig_seccomp_compile(sc, &b1) == 0 && b1.from_cache, "%s", ERR);
    int cst = in_child(&b1, call_getppid7, NULL);
    CHECK_MSG(exit_code(cst) == 42, "status %#x", cst);
    brig_bpf_free(&b1);

    /* Another errno is another profile: a miss, not the cached program. */
    struct brig_seccomp *other = cache_profile(43);
    CHECK_MSG(brig_seccomp_compile(other, &b1) == 0, "%s", ERR);
    CHECK(!b1.from_cache);
    CHECK(!same_prog(&ref, &b1));
    brig_bpf_free(&b1);
    prof_free(other);

    /* Flags are not part of the BPF: a hit, with the new flags. */
    strv_add(&sc->flags, "SECCOMP_FILTER_FLAG_LOG");
    CHECK_MSG(brig_seccomp_compile(sc, &b1) == 0, "%s", ERR);
    CHECK(b1.from_cache && b1.flags == SECCOMP_FILTER_FLAG_LOG);
    brig_bpf_free(&b1);

    brig_bpf_free(&ref);
    prof_free(sc);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    brig_seccomp_set_cache_dir(NULL);
}

static void flip_byte(const char *path, off_t from_end)
{
    int fd = open(path, O_RDWR);
    CHECK(fd >= 0);
    off_t size = lseek(fd, 0, SEEK_END);
    unsigned char c;
    CHECK(pread(fd, &c, 1, size - from_end) == 1);
    c ^= 0x01;
    CHECK(pwrite(fd, &c, 1, size - from_end) == 1);
    close(fd);
}

static void test_cache_rejects_damage(void)
{
    char dir[] = "/tmp/brig-sc-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    cleanup_free char *cdir = brig_xasprintf("%s/cache", dir);
    brig_seccomp_set_cache_dir(cdir);
    struct brig_seccomp *sc = cache_profile(42);
    struct brig_bpf ref, b;
    char entry[512];
    CHECK_MSG(brig_seccomp_compile_uncached(sc, &ref) == 0, "%s", ERR);
    CHECK_MSG(brig_seccomp_compile(sc, &b) == 0 && !b.from_cache, "%s", ERR);
    brig_bpf_free(&b);
    CHECK(only_entry(cdir, entry, sizeof entry));

    /* One flipped bit in the instructions. */
    flip_byte(entry, 3);
    CHECK_MSG(brig_seccomp_compile(sc, &b) == 0, "%s", ERR);
    CHECK_MSG(!b.from_cache, "a damaged entry is not used");
    CHECK(same_prog(&ref, &b));
    brig_bpf_free(&b);
    CHECK_MSG(brig_seccomp_compile(sc, &b) == 0 && b.from_cache, "and it was rewritten");
    brig_bpf_free(&b);

    /* Flipped bit in the stored key. */
    flip_byte(entry, (off_t)ref.len * 8 + 3);
    CHECK_MSG(brig_seccomp_compile(sc, &b) == 0 && !b.from_cache && same_prog(&ref, &b), "%s", ERR);
    brig_bpf_free(&b);

    /* Truncated. */
    CHECK(truncate(entry, 40) == 0);
    CHECK_MSG(brig_seccomp_compile(sc, &b) == 0 && !b.from_cache && same_prog(&ref, &b), "%s", ERR);
    brig_bpf_free(&b);

    /* Another profile's entry stored under this profile's name. */
    struct brig_seccomp *other = cache_profile(43);
    char entry2[512];
    cleanup_free char *odir = brig_xasprintf("%s/other", dir);
    brig_seccomp_set_cache_dir(odir);
    CHECK_MSG(brig_seccomp_compile(other, &b) == 0, "%s", ERR);
    brig_bpf_free(&b);
    CHECK(only_entry(odir, entry2, sizeof entry2));
    CHECK(rename(entry2, entry) == 0);
    brig_seccomp_set_cache_dir(cdir);
    CHECK_MSG(brig_seccomp_compile(sc, &b) == 0 && !b.from_cache && same_prog(&ref, &b),
          "a foreign entry is a miss");
    brig_bpf_free(&b);
    prof_free(other);

    /* A directory others can write to is not trusted. */
    CHECK_MSG(brig_seccomp_compile(sc, &b) == 0 && b.from_cache, "%s", ERR);
    brig_bpf_free(&b);
    CHECK(chmod(cdir, 0777) == 0);
    CHECK_MSG(brig_seccomp_compile(sc, &b) == 0 && !b.from_cache && same_prog(&ref, &b),
          "world-writable cache dir ignored");
    brig_bpf_free(&b);

    /* Disabled. */
    brig_seccomp_set_cache_dir(NULL);
    CHECK(chmod(cdir, 0700) == 0);
    CHECK_MSG(brig_seccomp_compile(sc, &b) == 0 && !b.from_cache, "%s", ERR);
    brig_bpf_free(&b);

    brig_bpf_free(&ref);
    prof_free(sc);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

/* ---- through the config parser, and the built-in profile ---- */

static struct brig_seccomp *parse(const char *json)
{
    struct brig_seccomp *sc = NULL;
    brig_clear_error();
    if (brig_seccomp_parse(json, strlen(json), &sc) < 0)
        return NULL;
    return sc;
}

static void test_parsed_profile(void)
{
    struct brig_seccomp *sc = parse(
        "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\","
        "\"SCMP_ARCH_X32\",\"SCMP_ARCH_AARCH64\",\"SCMP_ARCH_ARM\"],"
        "\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],"
        "\"syscalls\":["
        "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":42,"
        " \"args\":[{\"index\":0,\"value\":240,\"valueTwo\":32,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
        "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":43,"
        " \"args\":[{\"index\":0,\"value\":4096,\"op\":\"SCMP_CMP_GE\"}]},"
        "{\"names\":[\"no_such_call\",\"uname\"],\"action\":\"SCMP_ACT_ERRNO\"}]}");
    CHECK_MSG(sc != NULL, "parse: %s", ERR);
    if (!sc)
        return;
    struct brig_bpf b;
    CHECK_MSG(brig_seccomp_compile_uncached(sc, &b) == 0, "%s", ERR);
    brig_seccomp_free(sc);
    CHECK(b.flags == SECCOMP_FILTER_FLAG_LOG);
    int st = in_child(&b, call_op_cases,
                      (struct op_case[]){ { 0x20, 42 }, { 0x2f, 42 }, { 0x30, 0 }, { 4096, 43 }, { 4095, 0 },
                                          { 0, -1 } });
    CHECK_MSG(exit_code(st) == 0, "failing value #%d", exit_code(st) - 100);
    brig_bpf_free(&b);

    /* The parser's own checks name the path too. */
    sc = parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_NOPE\"]}");
    CHECK(sc == NULL);
    CHECK_STR_CONTAINS(brig_last_error(), "flags[0]");
    brig_seccomp_free(sc);
}

/* Raw syscall through the 32-bit entry point (seccomp sees AUDIT_ARCH_I386). */
#ifdef __x86_64__
static long int80(long nr, long a, long b)
{
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b) : "memory", "r8", "r9", "r10", "r11");
    return r;
}
#endif

static int call_runtime_default(void *data)
{
    (void)data;
    if (sys_errno(SYS_getpid, 0, 0) != 0)
        return 1;
    if (sys_errno(SYS_unshare, CLONE_NEWNS, 0) != EPERM)
        return 2;
    if (sys_errno(SYS_mount, 0, 0) != EPERM)
        return 3;
    if (raw_clone(0) != 0)
        return 4;
    if (raw_clone(CLONE_NEWNS) != EPERM)
        return 5;
    if (raw_clone(CLONE_NEWUSER) != EPERM)
        return 6;
    if (sys_errno(SYS_clone3, 0, 0) != ENOSYS)
        return 7;
    if (sys_errno(SYS_personality, PER_LINUX32, 0) != 0 || sys_errno(SYS_personality, PER_LINUX, 0) != 0)
        return 8;
    if (sys_errno(SYS_personality, ADDR_NO_RANDOMIZE, 0) != EPERM)
        return 9;
    if (sys_errno(SYS_socket, AF_UNIX, SOCK_STREAM) != 0)
        return 10;
    if (sys_errno(SYS_socket, 40 /* AF_VSOCK */, SOCK_STREAM) != EPERM)
        return 11;
    if (sys_errno(SYS_keyctl, 0, 0) != EPERM)
        return 12;
    /* Newer than the profile (or than libseccomp): ENOSYS, not EPERM. */
    if (sys_errno(462 /* mseal */, 0, 0) != ENOSYS || sys_errno(1000, 0, 0) != ENOSYS)
        return 13;
#ifdef __x86_64__
    if (int80(1000, 0, 0) != -ENOSYS)
        return 19;
    if (int80(20 /* i386 getpid */, 0, 0) != (long)getpid())
        return 20;
    if (int80(21 /* i386 mount */, 0, 0) != -EPERM)
        return 21;
    if (int80(310 /* i386 unshare */, CLONE_NEWNS, 0) != -EPERM)
        return 22;
#endif
    return 0;
}

static void test_runtime_default(void)
{
    struct brig_seccomp *sc = NULL;
    CHECK_MSG(brig_seccomp_runtime_default(&sc) == 0, "%s", ERR);
    if (!sc)
        return;
    CHECK(sc->default_action == BRIG_SECCOMP_ERRNO);
    CHECK(sc->default_errno_ret.set && sc->default_errno_ret.v == EPERM);
    CHECK(sc->n_syscalls > 5);
    CHECK_INT(strlen(brig_runtime_default_json), brig_runtime_default_json_len);
    struct brig_bpf b;
    CHECK_MSG(brig_seccomp_compile_uncached(sc, &b) == 0, "%s", ERR);
    brig_seccomp_free(sc);
    CHECK(!b.needs_listener && b.flags == 0);
    int st = in_child(&b, call_runtime_default, NULL);
    CHECK_MSG(exit_code(st) == 0, "failing step %d (status %#x)", exit_code(st), st);
    brig_bpf_free(&b);
}

/* brig shrinks libseccomp's dispatch on the syscall number (optimize.c):
 * the RuntimeDefault program gets much shorter and decides every call
 * exactly as libseccomp's does -- every number near one the profile names,
 * a sample of the rest, each architecture, and arguments that take both
 * ways through the argument checks. */
static void test_optimized_filter_is_equivalent(void)
{
    struct brig_seccomp *sc = NULL;
    CHECK_MSG(brig_seccomp_runtime_default(&sc) == 0, "%s", ERR);
    if (!sc)
        return;
    struct brig_bpf raw, opt;
    CHECK_MSG(brig_seccomp_compile_unoptimized(sc, &raw) == 0, "%s", ERR);
    CHECK_MSG(brig_seccomp_compile_uncached(sc, &opt) == 0, "%s", ERR);
    brig_seccomp_free(sc);
    CHECK_MSG(opt.len * 2 < raw.len, "%u instructions from %u", opt.len, raw.len);
    static const uint32_t arches[] = {0xc000003eu /* x86_64, x32 */, 0x40000003u /* i386 */,
                                      0xc00000b7u /* aarch64 */, 0x12345678u, 0};
    unsigned long checked = 0, differ = 0;
    unsigned seed = 1;
    for (size_t ai = 0; ai < BRIG_ARRAY_SIZE(arches); ai++) {
        for (uint64_t nr = 0; nr <= UINT32_MAX;) {
            for (int pat = 0; pat < 4; pat++) {
                uint32_t d[16] = {(uint32_t)nr, arches[ai]};
                for (int k = 4; k < 16; k++)
                    d[k] = pat == 0 ? 0 : pat == 1 ? ~0u : (uint32_t)rand_r(&seed);
                checked++;
                uint32_t r1 = brig_bpf_run(&raw, d), r2 = brig_bpf_run(&opt, d);
                if (r1 != r2 || r1 == BRIG_BPF_BAD) {
                    if (differ++ < 5)
                        UNIT_FAIL("arch %#x nr %#llx: %#x unoptimized, %#x optimized", arches[ai],
                                  (unsigned long long)nr, r1, r2);
                }
            }
            /* every number up to 1100 and just above the x32 bit, then strides */
            if (nr < 1100 || (nr >= 0x40000000 && nr < 0x40000000 + 1100))
                nr++;
            else if (nr < 0x40000000)
                nr = nr + 7919 > 0x40000000 ? 0x40000000 : nr + 7919;
            else
                nr += 104729;
        }
    }
    CHECK_MSG(differ == 0, "%lu of %lu inputs decided differently", differ, checked);
    /* installed, it is a working filter */
    int st = in_child(&opt, call_runtime_default, NULL);
    CHECK_MSG(exit_code(st) == 0, "failing step %d (status %#x)", exit_code(st), st);
    brig_bpf_free(&raw);
    brig_bpf_free(&opt);
}

/* On a kernel that runs no x32 system call (this x86_64 host's, probed by
 * brig_seccomp_x32_usable), RuntimeDefault's x32 part is left out and
 * every x32 number is answered ENOSYS, as the kernel would; the native and
 * i386 numbers are decided as before (test_optimized_filter_is_equivalent
 * compares the whole program with libseccomp's). */
static void test_x32_is_enosys_where_the_kernel_runs_none(void)
{
#if defined(__x86_64__)
    if (brig_seccomp_x32_usable()) {
        unit_skip("this kernel runs x32 system calls");
        return;
    }
    long r = syscall(0x40000000 | SYS_getpid);
    CHECK_MSG(r < 0 && errno == ENOSYS, "x32 getpid: %ld (%s)", r, strerror(errno));
    struct brig_seccomp *sc = NULL;
    CHECK_MSG(brig_seccomp_runtime_default(&sc) == 0, "%s", ERR);
    if (!sc)
        return;
    struct brig_bpf opt;
    CHECK_MSG(brig_seccomp_compile_uncached(sc, &opt) == 0, "%s", ERR);
    brig_seccomp_free(sc);
    CHECK_MSG(opt.len < 300, "%u instructions: x32's dispatch is still there", opt.len);
    unsigned long wrong = 0;
    for (uint64_t nr = 0x40000000; nr <= UINT32_MAX; nr += nr < 0x40000000 + 1100 ? 1 : 104729) {
        uint32_t d[16] = {(uint32_t)nr, 0xc000003eu};
        uint32_t v = brig_bpf_run(&opt, d);
        if (v != (SECCOMP_RET_ERRNO | ENOSYS) && wrong++ < 3)
            UNIT_FAIL("x32 nr %#llx: %#x, not ENOSYS", (unsigned long long)nr, v);
    }
    CHECK_MSG(wrong == 0, "%lu x32 numbers not answered ENOSYS", wrong);
    /* native numbers still reach the profile: read is allowed */
    uint32_t d[16] = {SYS_read, 0xc000003eu};
    CHECK_INT(brig_bpf_run(&opt, d), SECCOMP_RET_ALLOW);
    brig_bpf_free(&opt);
#else
    unit_skip("x32 is an x86_64 ABI");
#endif
}

/* The compiled-in profile is the shipped file (rebuilt when it changes). */
static void test_embedded_profile_is_the_file(void)
{
    const char *src = getenv("BRIG_SRCDIR");
    if (!src) {
        unit_skip("BRIG_SRCDIR not set (tests/run-tests.sh sets it)");
        return;
    }
    cleanup_free char *path = brig_xasprintf("%s/profiles/runtime-default.json", src);
    cleanup_free char *text = NULL;
    size_t len = 0;
    CHECK_MSG(brig_read_file(path, &text, &len) == 0, "%s", ERR);
    if (!text)
        return;
    CHECK_INT(len, brig_runtime_default_json_len);
    CHECK(len == brig_runtime_default_json_len && memcmp(text, brig_runtime_default_json, len) == 0);
}

/* ---- the built-in profile's fast path (seccomp/gen-default.c) ---- */

static bool same_strv(const struct brig_strv *a, const struct brig_strv *b)
{
    if (a->n != b->n || !a->v != !b->v)
        return false;
    for (size_t i = 0; a->v && i <= a->n; i++)
        if (!a->v[i] != !b->v[i] || (a->v[i] && strcmp(a->v[i], b->v[i]) != 0))
            return false;
    return true;
}

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Every field the parser fills, absent (NULL) and empty kept apart. */
static bool same_profile(const struct brig_seccomp *a, const struct brig_seccomp *b)
{
    if (a->default_action != b->default_action || a->default_errno_ret.set != b->default_errno_ret.set ||
        a->default_errno_ret.v != b->default_errno_ret.v || !same_strv(&a->architectures, &b->architectures) ||
        !same_strv(&a->flags, &b->flags) || !same_str(a->listener_path, b->listener_path) ||
        !same_str(a->listener_metadata, b->listener_metadata) || a->n_syscalls != b->n_syscalls ||
        !a->syscalls != !b->syscalls)
        return false;
    for (size_t i = 0; i < a->n_syscalls; i++) {
        const struct brig_seccomp_syscall *x = &a->syscalls[i], *y = &b->syscalls[i];
        if (!same_strv(&x->names, &y->names) || x->action != y->action ||
            x->errno_ret.set != y->errno_ret.set || x->errno_ret.v != y->errno_ret.v ||
            x->n_args != y->n_args || !x->args != !y->args)
            return false;
        for (size_t j = 0; j < x->n_args; j++)
            if (x->args[j].index != y->args[j].index || x->args[j].value != y->args[j].value ||
                x->args[j].value_two != y->args[j].value_two || x->args[j].op != y->args[j].op)
                return false;
    }
    return true;
}

static bool same_key(const struct brig_seccomp_key *a, const struct brig_seccomp_key *b)
{
    return a->len == b->len && a->hash == b->hash && memcmp(a->data, b->data, a->len) == 0;
}

/* The struct built at build time is what parsing the embedded text gives,
 * and the run-time checks judge it the same way. */
static void test_builtin_is_the_parsed_text(void)
{
    struct brig_seccomp *fast = brig_seccomp_runtime_default_shared(), *parsed = NULL;
    CHECK_MSG(brig_seccomp_runtime_default(&parsed) == 0, "%s", ERR);
    if (!parsed)
        return;
    CHECK(fast == &brig_runtime_default_profile && fast->builtin && !parsed->builtin);
    CHECK_MSG(same_profile(fast, parsed), "the generated profile differs from a parse of the text");
    uint64_t d[3];
    brig_seccomp_profile_digest(parsed, d);
    CHECK(memcmp(d, brig_runtime_default_digest, sizeof d) == 0);
    unsigned f1 = 1, f2 = 2;
    bool l1 = true, l2 = false;
    CHECK(brig_seccomp_check(fast, &f1, &l1) == 0 && brig_seccomp_check(parsed, &f2, &l2) == 0);
    CHECK(f1 == f2 && l1 == l2);
    /* the filter does not depend on the API level: only level-1 actions */
    bool api_free = parsed->flags.n == 0 && parsed->default_action == BRIG_SECCOMP_ERRNO;
    for (size_t i = 0; i < parsed->n_syscalls; i++)
        api_free = api_free && (parsed->syscalls[i].action == BRIG_SECCOMP_ALLOW ||
                                parsed->syscalls[i].action == BRIG_SECCOMP_ERRNO);
    CHECK(api_free == brig_runtime_default_api_free);
    /* freeing the built-in one leaves it as it was */
    brig_seccomp_free(fast);
    CHECK(same_profile(&brig_runtime_default_profile, parsed));
    /* the default policy fills it into a bundle without linux.seccomp, and
     * freeing that config leaves it as it was too */
    static const char bundle[] = "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, "
                                 "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 1, \"gid\": 1}}}";
    struct brig_config *cfg = NULL;
    CHECK_MSG(brig_config_parse(bundle, strlen(bundle), &cfg) == 0, "%s", ERR);
    brig_g.policy = BRIG_POLICY_DEFAULT;
    CHECK_MSG(cfg && brig_policy_apply(cfg, "/nonexistent") == 0, "%s", ERR);
    CHECK(cfg && cfg->linux_ && cfg->linux_->seccomp == fast);
    brig_config_free(cfg);
    CHECK(same_profile(&brig_runtime_default_profile, parsed));
    struct brig_bpf a, b;
    CHECK_MSG(brig_seccomp_compile_uncached(fast, &a) == 0, "%s", ERR);
    CHECK_MSG(brig_seccomp_compile_uncached(parsed, &b) == 0, "%s", ERR);
    CHECK_MSG(same_prog(&a, &b), "same filter");
    brig_bpf_free(&a);
    brig_bpf_free(&b);
    brig_seccomp_free(parsed);
}

/* The built-in key is stable, names the kernel instead of the API level,
 * and is not the key of the same profile given by a user, whose key stays
 * the full serialization (so caches written for user profiles still hit). */
static void test_builtin_key(void)
{
    struct brig_seccomp *fast = brig_seccomp_runtime_default_shared(), *parsed = NULL;
    CHECK(brig_seccomp_runtime_default(&parsed) == 0);
    if (!parsed)
        return;
    struct brig_seccomp_key k1, k2, u1, u2;
    brig_seccomp_key_of(fast, &k1);
    brig_seccomp_key_of(fast, &k2);
    brig_seccomp_key_of(parsed, &u1);
    brig_seccomp_cache_key(parsed, &u2);
    CHECK_MSG(same_key(&k1, &k2), "the built-in key is stable");
    CHECK_MSG(same_key(&u1, &u2), "a user profile keeps the full key");
    CHECK_MSG(!same_key(&k1, &u1) && k1.hash != u1.hash, "built-in and user keys differ");
    CHECK_MSG(k1.len < 256 && u1.len > 4096, "built-in key %zu bytes, user key %zu", k1.len, u1.len);
    struct utsname u;
    CHECK(uname(&u) == 0);
    CHECK_MSG(memmem(k1.data, k1.len, u.release, strlen(u.release)) != NULL, "the key names the kernel");
    free(k1.data);
    free(k2.data);
    free(u1.data);
    free(u2.data);

    /* Through the cache: the built-in profile misses once, then hits with
     * the program a parse of the text compiles to; the user's copy has an
     * entry of its own. */
    char dir[] = "/tmp/brig-sc-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    cleanup_free char *cdir = brig_xasprintf("%s/cache", dir);
    brig_seccomp_set_cache_dir(cdir);
    struct brig_bpf ref, b;
    CHECK_MSG(brig_seccomp_compile_uncached(parsed, &ref) == 0, "%s", ERR);
    CHECK_MSG(brig_seccomp_compile(fast, &b) == 0 && !b.from_cache && same_prog(&ref, &b), "%s", ERR);
    brig_bpf_free(&b);
    CHECK_MSG(brig_seccomp_compile(fast, &b) == 0 && b.from_cache && same_prog(&ref, &b), "%s", ERR);
    CHECK(b.flags == ref.flags && b.needs_listener == ref.needs_listener);
    brig_bpf_free(&b);
    CHECK_MSG(brig_seccomp_compile(parsed, &b) == 0 && !b.from_cache && same_prog(&ref, &b), "%s", ERR);
    brig_bpf_free(&b);
    CHECK_MSG(brig_seccomp_compile(parsed, &b) == 0 && b.from_cache && same_prog(&ref, &b), "%s", ERR);
    brig_bpf_free(&b);
    brig_bpf_free(&ref);
    brig_seccomp_set_cache_dir(NULL);
    cleanup_free char *rm = brig_xasprintf("rm -rf %s", dir);
    CHECK(system(rm) == 0);
    brig_seccomp_free(parsed);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--probe-getppid7") == 0)
        return sys_errno(SYS_getppid, 7, 0);

    RUN(test_lib_version);
    RUN(test_every_action_compiles);
    RUN(test_every_operator_compiles);
    RUN(test_errors_name_the_path);
    RUN(test_flags);
    RUN(test_unknown_syscalls_skipped);
    RUN(test_all_architectures);
    RUN(test_errno_and_default_errno);
    RUN(test_kill_and_trap);
    RUN(test_operators_match_exactly);
    RUN(test_same_index_split);
    RUN(test_personality_allowlist);
    RUN(test_clone_namespace_flags);
    RUN(test_filter_applies_after_exec);
    RUN(test_enosys_for_newer_syscalls);
    RUN(test_notify_listener);
    RUN(test_send_listener);
    RUN(test_optimized_filter_is_equivalent);
    RUN(test_x32_is_enosys_where_the_kernel_runs_none);
    RUN(test_cache_round_trip);
    RUN(test_cache_rejects_damage);
    RUN(test_parsed_profile);
    RUN(test_runtime_default);
    RUN(test_embedded_profile_is_the_file);
    RUN(test_builtin_is_the_parsed_text);
    RUN(test_builtin_key);

    return unit_finish();
}
