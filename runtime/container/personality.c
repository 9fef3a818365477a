/* brig: the container process's execution domain (linux.personality), I/O
 * priority (process.ioPriority) and scheduling (process.scheduler), set in
 * the init before it drops its privileges: a real-time class or policy
 * needs them. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "brig/container.h"
#include "brig/internal.h"
#include "brig/mounts.h"

#ifndef SYS_ioprio_set
#define SYS_ioprio_set 251
#endif
#ifndef SYS_sched_setattr
#define SYS_sched_setattr 314
#endif

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13

/* struct sched_attr, SCHED_ATTR_SIZE_VER0 */
struct brig_sched_attr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
};

static const struct {
    const char *name;
    uint64_t flag;
} sched_flag_names[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

enum { POL_FIFO = 1, POL_RR = 2, POL_DEADLINE = 6 };

static int check_scheduler(const struct brig_scheduler *s)
{
    bool rt = s->policy_value == POL_FIFO || s->policy_value == POL_RR;
    if (s->nice.set && (s->nice.v < -20 || s->nice.v > 19))
        return brig_fail(0, "process.scheduler.nice: %d is not in -20..19", s->nice.v);
    if (rt && (!s->priority.set || s->priority.v < 1 || s->priority.v > 99))
        return brig_fail(0, "process.scheduler.priority: %s needs a priority in 1..99", s->policy);
    if (!rt && s->priority.set && s->priority.v != 0)
        return brig_fail(0, "process.scheduler.priority: only SCHED_FIFO and SCHED_RR take a priority");
    bool dl = s->policy_value == POL_DEADLINE;
    if (!dl && (s->runtime.set || s->deadline.set || s->period.set))
        return brig_fail(0, "process.scheduler: runtime, deadline and period are for SCHED_DEADLINE only");
    if (dl && (!s->runtime.set || !s->deadline.set))
        return brig_fail(0, "process.scheduler: SCHED_DEADLINE needs runtime and deadline");
    return 0;
}

int brig_identity_validate(const struct brig_config *cfg)
{
    const struct brig_personality *pe = cfg->linux_ ? cfg->linux_->personality : NULL;
    if (pe && pe->flags.n > 0)
        return brig_fail(0, "linux.personality.flags: no flags are supported (got \"%s\")", pe->flags.v[0]);
    if (cfg->process && cfg->process->scheduler && check_scheduler(cfg->process->scheduler) < 0)
        return -1;
    return brig_lsm_validate(cfg);
}

static int set_scheduler(const struct brig_scheduler *s)
{
    struct brig_sched_attr a = {.size = sizeof a, .sched_policy = (uint32_t)s->policy_value};
    if (s->nice.set)
        a.sched_nice = s->nice.v;
    if (s->priority.set)
        a.sched_priority = (uint32_t)s->priority.v;
    a.sched_runtime = s->runtime.set ? s->runtime.v : 0;
    a.sched_deadline = s->deadline.set ? s->deadline.v : 0;
    a.sched_period = s->period.set ? s->period.v : 0;
    for (size_t i = 0; i < s->flags.n; i++)
        for (size_t j = 0; j < BRIG_ARRAY_SIZE(sched_flag_names); j++)
            if (strcmp(s->flags.v[i], sched_flag_names[j].name) == 0)
                a.sched_flags |= sched_flag_names[j].flag;
    if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
        return brig_fail(errno, "process.scheduler: sched_setattr %s", s->policy);
    return 0;
}

int brig_apply_identity(const struct brig_proc_plan *pp)
{
    const struct brig_config *cfg = pp->cfg;
    const struct brig_personality *pe = cfg->linux_ ? cfg->linux_->personality : NULL;
    if (pe) {
        unsigned long dom = strcmp(pe->domain, "LINUX32") == 0 ? PER_LINUX32 : PER_LINUX;
        if (personality(dom) < 0)
            return brig_fail(errno, "linux.personality: set %s", pe->domain);
    }
    if (brig_apply_memory_policy(cfg) < 0)
        return -1;
    const struct brig_process *p = pp->process;
    if (!p)
        return 0;
    if (p->io_priority) {
        int v = (p->io_priority->class_value << IOPRIO_CLASS_SHIFT) | p->io_priority->priority;
        if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, v) < 0)
            return brig_fail(errno, "process.ioPriority: set %s %d", p->io_priority->class_name,
                             p->io_priority->priority);
    }
    if (p->scheduler && set_scheduler(p->scheduler) < 0)
        return -1;
    return brig_lsm_apply(p);
}
