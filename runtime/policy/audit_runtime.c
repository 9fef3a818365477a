/* brig: the audit of the cgroup path, hooks, scheduling and rlimits (see
 * audit.c). */
#include "config.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "brig/brig.h"
#include "brig/cgroup_internal.h"
#include "audit_priv.h"

#define wanted audit_wanted
#define add audit_add

/* ---- cgroup, hooks, scheduling, personality ---- */

/* Whether DIR holds a sub-directory (a child cgroup). */
static bool has_children(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool any = false;
    struct dirent *e;
    while (!any && (e = readdir(d)))
        any = e->d_type == DT_DIR && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return any;
}

/* A cgroupsPath naming a cgroup that exists with processes or children:
 * limits would land on (and delete would kill) what brig did not create. */
void audit_check_cgroups_path(struct audit *a)
{
    const char *want = a->cfg->linux_ ? a->cfg->linux_->cgroups_path : NULL;
    if (!want || !*want)
        return;
    cleanup_free char *path = brig_cgroup_path_for(a->cfg, "check", brig_g.systemd_cgroup);
    if (!path) {
        add(a, "cgroup-path", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE, S("linux.cgroupsPath"),
            F("cgroupsPath cannot be resolved: %s", brig_last_error()), S("fix linux.cgroupsPath"),
            "brig hardening (cgroups)");
        brig_clear_error();
        return;
    }
    const struct brig_cg_layout *l = brig_cg_layout();
    if (!l) {
        brig_clear_error();
        return; /* no cgroups here: nothing to share */
    }
    cleanup_free char *cg = NULL;
    if (brig_cg_is_systemd_path(path)) {
        char *unit = NULL;
        if (brig_cg_systemd_expand(path, &cg, &unit) < 0) {
            brig_clear_error();
            return;
        }
        free(unit);
    } else {
        cg = brig_xstrdup(path);
    }
    bool children = false;
    cleanup_free char *v2 = l->unified ? brig_cg_v2_dir(l, cg) : NULL;
    if (v2)
        children |= has_children(v2);
    for (size_t i = 0; i < l->n_v1; i++) {
        cleanup_free char *d = brig_xasprintf("%s%s", l->v1[i].mnt, cg);
        children |= has_children(d);
    }
    pid_t *pids = NULL;
    int n = brig_cgroup_pids(path, &pids);
    free(pids);
    if (n < 0)
        brig_clear_error(); /* not there yet */
    if (n > 0 || children)
        add(a, "cgroup-populated", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE, S("linux.cgroupsPath"),
            F("cgroupsPath names %s, which already has %s: its limits and a delete would reach what the "
              "container does not own", cg, n > 0 && children ? "processes and child cgroups"
                                           : n > 0           ? "processes"
                                                             : "child cgroups"),
            S("name a cgroup of the container's own (a new leaf)"), "brig hardening (cgroups)");
}

/* Hooks that run as the runtime, in the host's namespaces, and
 * createContainer hooks, which run with the init's privileges before
 * pivot_root, where the host's file systems are still in view.
 * startContainer hooks run after the process's user and capabilities are
 * set, inside the container's root. */
void audit_check_hooks(struct audit *a)
{
    const struct brig_hooks *h = a->cfg->hooks;
    if (!h)
        return;
    const struct {
        const char *name;
        const struct brig_hook_list *l;
    } host[] = {
        {"prestart", &h->prestart},
        {"createRuntime", &h->create_runtime},
        {"createContainer", &h->create_container},
        {"poststart", &h->poststart},
        {"poststop", &h->poststop},
    };
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(host); i++)
        for (size_t j = 0; j < host[i].l->n; j++)
            add(a, "hook-host", BRIG_SEV_HIGH, BRIG_LEVEL_RESTRICTED, F("hooks.%s[%zu]", host[i].name, j),
                host[i].l == &h->create_container
                    ? F("createContainer hook %s runs with the runtime's privileges before pivot_root, where "
                        "the host's file systems are in view", host[i].l->v[j].path)
                    : F("%s hook %s runs with the runtime's privileges in the host's namespaces", host[i].name,
                        host[i].l->v[j].path),
                S("remove it, or do this work in the engine before create"), "brig hardening (hooks)");
}

void audit_check_scheduling(struct audit *a)
{
    const struct brig_process *p = a->cfg->process;
    const struct brig_scheduler *s = p->scheduler;
    if (s && s->policy &&
        (strcmp(s->policy, "SCHED_FIFO") == 0 || strcmp(s->policy, "SCHED_RR") == 0 ||
         strcmp(s->policy, "SCHED_DEADLINE") == 0))
        add(a, "scheduler-realtime", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE, S("process.scheduler.policy"),
            F("real-time scheduling (%s): the container can starve the host's CPUs", s->policy),
            S("use SCHED_OTHER, SCHED_BATCH or SCHED_IDLE"), "brig hardening (scheduling)");
    if (s && s->nice.set && s->nice.v < 0)
        add(a, "scheduler-nice", BRIG_SEV_LOW, BRIG_LEVEL_RESTRICTED, S("process.scheduler.nice"),
            F("nice %d: the container runs ahead of the host's own processes", (int)s->nice.v),
            S("use a nice value of 0 or more"), "brig hardening (scheduling)");
    /* RLIMIT_RTPRIO lets the process choose real-time scheduling itself;
     * RLIMIT_NICE above 20 lets it raise its priority. */
    for (size_t i = 0; i < p->n_rlimits; i++) {
        const struct brig_rlimit *rl = &p->rlimits[i];
        if (rl->resource == RLIMIT_RTPRIO && (rl->soft > 0 || rl->hard > 0))
            add(a, "scheduler-realtime", BRIG_SEV_HIGH, BRIG_LEVEL_BASELINE, F("process.rlimits[%zu]", i),
                F("RLIMIT_RTPRIO %llu: the process may make itself real-time and starve the host's CPUs",
                  (unsigned long long)(rl->hard > rl->soft ? rl->hard : rl->soft)),
                S("remove it (0 is the default)"), "brig hardening (scheduling)");
        else if (rl->resource == RLIMIT_NICE && (rl->soft > 20 || rl->hard > 20))
            add(a, "scheduler-nice", BRIG_SEV_LOW, BRIG_LEVEL_RESTRICTED, F("process.rlimits[%zu]", i),
                S("RLIMIT_NICE above 20: the process may raise its priority above the host's processes"),
                S("remove it"), "brig hardening (scheduling)");
    }
    if (p->oom_score_adj.set && p->oom_score_adj.v < 0)
        add(a, "oom-score-adj", BRIG_SEV_LOW, BRIG_LEVEL_RESTRICTED, S("process.oomScoreAdj"),
            F("oomScoreAdj %d: the host's OOM killer spares the container before host processes",
              (int)p->oom_score_adj.v),
            S("use 0 or more"), "brig hardening (scheduling)");
    const struct brig_io_priority *io = p->io_priority;
    if (io && io->class_value == 1)
        add(a, "io-priority-realtime", BRIG_SEV_MEDIUM, BRIG_LEVEL_BASELINE, S("process.ioPriority.class"),
            S("real-time I/O class: the container's I/O goes ahead of the host's"),
            S("use IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE"), "brig hardening (scheduling)");
    const struct brig_personality *pe = a->cfg->linux_ ? a->cfg->linux_->personality : NULL;
    if (pe && pe->flags.n)
        add(a, "personality", BRIG_SEV_MEDIUM, BRIG_LEVEL_BASELINE, S("linux.personality.flags"),
            F("personality flags (%s) change how the kernel lays out and protects memory", pe->flags.v[0]),
            S("remove linux.personality.flags"), "brig hardening (personality)");
    if (pe && pe->domain && strcmp(pe->domain, "LINUX") != 0)
        add(a, "personality", BRIG_SEV_LOW, BRIG_LEVEL_RESTRICTED, S("linux.personality.domain"),
            F("execution domain %s: the process runs under the kernel's 32-bit compatibility layer",
              pe->domain),
            S("remove linux.personality"), "brig hardening (personality)");
}

/* ---- limits ---- */

void audit_check_limits(struct audit *a)
{
    if (!wanted(a, BRIG_LEVEL_RESTRICTED))
        return;
    const struct brig_resources *r = a->cfg->linux_ ? a->cfg->linux_->resources : NULL;
    const struct brig_memory *mem = r ? r->memory : NULL;
    if (!mem || !mem->limit.set || mem->limit.v <= 0)
        add(a, "limit-memory", BRIG_SEV_MEDIUM, BRIG_LEVEL_RESTRICTED,
            S("linux.resources.memory.limit"), S("no memory limit"),
            S("set linux.resources.memory.limit (bytes)"), "CIS Docker 5.10");
    const struct brig_cpu *cpu = r ? r->cpu : NULL;
    if (!cpu || !((cpu->shares.set && cpu->shares.v > 0) || (cpu->quota.set && cpu->quota.v > 0) ||
                  (cpu->cpus && *cpu->cpus)))
        add(a, "limit-cpu", BRIG_SEV_LOW, BRIG_LEVEL_RESTRICTED, S("linux.resources.cpu"),
            S("no CPU limit or weight"), S("set linux.resources.cpu.quota and period, or shares"),
            "CIS Docker 5.11");
    if (!r || !r->pids_limit.set || r->pids_limit.v <= 0)
        add(a, "limit-pids", BRIG_SEV_MEDIUM, BRIG_LEVEL_RESTRICTED, S("linux.resources.pids.limit"),
            S("no pids limit: a fork bomb can exhaust the host's process table"),
            S("set linux.resources.pids.limit"), "CIS Docker 5.28");
}
