/* brig: what the audit's files (audit.c, audit_seccomp.c) share. */
#ifndef BRIG_AUDIT_PRIV_H
#define BRIG_AUDIT_PRIV_H

#include <stdbool.h>

#include "brig/internal.h"
#include "brig/policy.h"

struct audit {
    const struct brig_config *cfg;
    const char *bundle; /* may be NULL */
    enum brig_level level;
    struct brig_findings *out;
};

static inline bool audit_wanted(const struct audit *a, enum brig_level l)
{
    return l <= a->level;
}

/* Record a finding; PATH, MSG and FIX are taken over (heap strings). */
void audit_add(struct audit *a, const char *check, enum brig_severity sev, enum brig_level level,
               char *path, char *msg, char *fix, const char *refs);

/* linux.seccomp, judged on the compiled program (audit_seccomp.c). */
void audit_seccomp(struct audit *a);

#define S(x) brig_xstrdup(x)
#define F(...) brig_xasprintf(__VA_ARGS__)

#endif
