/* brig: the seccomp name tables, made from the lists in
 * include/brig/seccomp_names.h with libseccomp's values. */
#include "config.h"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>

#include "brig/seccomp_names.h"

/* Names the spec lists that an older libseccomp or kernel header lacks. */
#ifndef SCMP_ARCH_LOONGARCH64
#define SCMP_ARCH_LOONGARCH64 0
#endif
#ifndef SCMP_ARCH_M68K
#define SCMP_ARCH_M68K 0
#endif
#ifndef SCMP_ARCH_SH
#define SCMP_ARCH_SH 0
#endif
#ifndef SCMP_ARCH_SHEB
#define SCMP_ARCH_SHEB 0
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

const struct brig_seccomp_action_info brig_seccomp_actions[BRIG_SECCOMP_ACTION_COUNT] = {
#define ROW(e, name, scmp, takes_ret, lets_run) [BRIG_SECCOMP_##e] = {name, scmp, takes_ret, lets_run},
    BRIG_SECCOMP_ACTIONS(ROW)
#undef ROW
};

const struct brig_seccomp_op_info brig_seccomp_ops[BRIG_SECCOMP_OP_COUNT] = {
#define ROW(e, name, scmp) [BRIG_SECCOMP_OP_##e] = {name, scmp},
    BRIG_SECCOMP_OPS(ROW)
#undef ROW
};

const struct brig_seccomp_arch_info brig_seccomp_arches[BRIG_SECCOMP_N_ARCHES] = {
#define ROW(name, token, family) {name, token, family},
    BRIG_SECCOMP_ARCHES(ROW)
#undef ROW
};

const struct brig_seccomp_flag_info brig_seccomp_flags[] = {
#define ROW(name, flag, needs) {name, flag, needs},
    BRIG_SECCOMP_FLAGS(ROW)
#undef ROW
};
const size_t brig_seccomp_n_flags = sizeof brig_seccomp_flags / sizeof brig_seccomp_flags[0];

const struct brig_seccomp_arch_info *brig_seccomp_arch_lookup(const char *name)
{
    for (size_t i = 0; i < BRIG_SECCOMP_N_ARCHES; i++)
        if (strcmp(brig_seccomp_arches[i].name, name) == 0)
            return &brig_seccomp_arches[i];
    return NULL;
}

const struct brig_seccomp_flag_info *brig_seccomp_flag_lookup(const char *name)
{
    for (size_t i = 0; i < brig_seccomp_n_flags; i++)
        if (strcmp(brig_seccomp_flags[i].name, name) == 0)
            return &brig_seccomp_flags[i];
    return NULL;
}
