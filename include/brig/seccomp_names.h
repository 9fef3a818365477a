/* brig: the names of linux.seccomp, one row each: actions, comparison
 * operators, architectures and filter flags.  The config parser, the
 * compiler (seccomp/compile.c), features, brig check and the ENOSYS stub
 * all read these lists (the tables are in seccomp/names.c); adding an
 * action, operator, architecture or flag is adding a row. */
#ifndef BRIG_SECCOMP_NAMES_H
#define BRIG_SECCOMP_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* X(ENUM, name, libseccomp action, takes errnoRet, lets the call run)
 * For an action that takes errnoRet the libseccomp value is the one for
 * data 0: the return code is or'ed into its low 16 bits. */
#define BRIG_SECCOMP_ACTIONS(X)                                                  \
    X(KILL, "SCMP_ACT_KILL", SCMP_ACT_KILL, false, false) /* kills the thread */ \
    X(KILL_PROCESS, "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false, false) \
    X(KILL_THREAD, "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false, false)   \
    X(TRAP, "SCMP_ACT_TRAP", SCMP_ACT_TRAP, false, false)                        \
    X(ERRNO, "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true, false)                   \
    X(TRACE, "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true, true)                    \
    X(ALLOW, "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false, true)                      \
    X(LOG, "SCMP_ACT_LOG", SCMP_ACT_LOG, false, true)                            \
    X(NOTIFY, "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false, true)

/* X(ENUM, name, libseccomp comparison) */
#define BRIG_SECCOMP_OPS(X)                          \
    X(NE, "SCMP_CMP_NE", SCMP_CMP_NE)                \
    X(LT, "SCMP_CMP_LT", SCMP_CMP_LT)                \
    X(LE, "SCMP_CMP_LE", SCMP_CMP_LE)                \
    X(EQ, "SCMP_CMP_EQ", SCMP_CMP_EQ)                \
    X(GE, "SCMP_CMP_GE", SCMP_CMP_GE)                \
    X(GT, "SCMP_CMP_GT", SCMP_CMP_GT)                \
    X(MASKED_EQ, "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ)

/* X(name, libseccomp token (0: unknown to this libseccomp), family)
 * The family: the architectures one kernel can report in seccomp_data.arch;
 * a filter only needs the host's family, the others could never run.
 * (Byte orders are families of their own: mipsel is not mips.) */
#define BRIG_SECCOMP_ARCHES(X)                                       \
    X("SCMP_ARCH_X86", SCMP_ARCH_X86, "x86")                           \
    X("SCMP_ARCH_X86_64", SCMP_ARCH_X86_64, "x86")                     \
    X("SCMP_ARCH_X32", SCMP_ARCH_X32, "x86")                           \
    X("SCMP_ARCH_ARM", SCMP_ARCH_ARM, "arm")                           \
    X("SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64, "arm")                   \
    X("SCMP_ARCH_MIPS", SCMP_ARCH_MIPS, "mips")                        \
    X("SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64, "mips")                    \
    X("SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32, "mips")              \
    X("SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL, "mipsel")                  \
    X("SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64, "mipsel")              \
    X("SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32, "mipsel")        \
    X("SCMP_ARCH_PPC", SCMP_ARCH_PPC, "ppc")                           \
    X("SCMP_ARCH_PPC64", SCMP_ARCH_PPC64, "ppc")                       \
    X("SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE, "ppc64le")               \
    X("SCMP_ARCH_S390", SCMP_ARCH_S390, "s390")                        \
    X("SCMP_ARCH_S390X", SCMP_ARCH_S390X, "s390")                      \
    X("SCMP_ARCH_PARISC", SCMP_ARCH_PARISC, "parisc")                  \
    X("SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64, "parisc")              \
    X("SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64, "riscv")                 \
    X("SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64, "loongarch")     \
    X("SCMP_ARCH_M68K", SCMP_ARCH_M68K, "m68k")                        \
    X("SCMP_ARCH_SH", SCMP_ARCH_SH, "sh")                              \
    X("SCMP_ARCH_SHEB", SCMP_ARCH_SHEB, "sheb")

/* X(name, seccomp(2) flag, flags the kernel wants with it) */
#define BRIG_SECCOMP_FLAGS(X)                                                       \
    X("SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC, 0)                    \
    X("SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG, 0)                        \
    X("SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW, 0)          \
    X("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, \
      SECCOMP_FILTER_FLAG_NEW_LISTENER) /* only valid with a listener */

/* linux.seccomp's defaultAction and syscalls[].action */
enum brig_seccomp_action {
#define BRIG_SC_ENUM_(e, ...) BRIG_SECCOMP_##e,
    BRIG_SECCOMP_ACTIONS(BRIG_SC_ENUM_)
#undef BRIG_SC_ENUM_
    BRIG_SECCOMP_ACTION_COUNT
};

/* linux.seccomp.syscalls[].args[].op */
enum brig_seccomp_op {
#define BRIG_SC_ENUM_(e, ...) BRIG_SECCOMP_OP_##e,
    BRIG_SECCOMP_OPS(BRIG_SC_ENUM_)
#undef BRIG_SC_ENUM_
    BRIG_SECCOMP_OP_COUNT
};

#define BRIG_SC_ONE_(...) +1
enum { BRIG_SECCOMP_N_ARCHES = 0 BRIG_SECCOMP_ARCHES(BRIG_SC_ONE_) };
#undef BRIG_SC_ONE_

struct brig_seccomp_action_info {
    const char *name;
    uint32_t scmp;   /* libseccomp's action (data 0) */
    bool takes_ret;  /* errnoRet goes into the data */
    bool lets_run;   /* the call goes ahead (maybe watched) */
};

struct brig_seccomp_op_info {
    const char *name;
    int scmp;        /* enum scmp_compare */
};

struct brig_seccomp_arch_info {
    const char *name;
    uint32_t token;  /* 0: this libseccomp does not know it */
    const char *family; /* "x86": architectures one kernel can run together */
};

struct brig_seccomp_flag_info {
    const char *name;
    unsigned int flag;
    unsigned int needs; /* other flags the kernel wants with it */
};

/* Indexed by the enums (seccomp/names.c). */
extern const struct brig_seccomp_action_info brig_seccomp_actions[BRIG_SECCOMP_ACTION_COUNT];
extern const struct brig_seccomp_op_info brig_seccomp_ops[BRIG_SECCOMP_OP_COUNT];
extern const struct brig_seccomp_arch_info brig_seccomp_arches[BRIG_SECCOMP_N_ARCHES];
extern const struct brig_seccomp_flag_info brig_seccomp_flags[];
extern const size_t brig_seccomp_n_flags;

/* The row called NAME, or NULL. */
const struct brig_seccomp_arch_info *brig_seccomp_arch_lookup(const char *name);
const struct brig_seccomp_flag_info *brig_seccomp_flag_lookup(const char *name);

#endif
