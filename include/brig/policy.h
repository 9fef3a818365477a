/* brig: the security audit of a config (audit.c, `brig check`) and the
 * policy create and run apply to a bundle (policy.c).
 *
 * The audit maps a config onto the Kubernetes Pod Security Standards levels
 * (baseline, restricted) and the container items of the CIS Docker
 * Benchmark.  Each check belongs to the lowest level that requires it;
 * auditing at restricted includes the baseline checks. */
#ifndef BRIG_POLICY_H
#define BRIG_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "brig/oci.h"

/* --policy: what create and run do with a bundle's config. */
enum brig_policy_mode {
    BRIG_POLICY_OFF,        /* runc's behaviour: the config as written */
    BRIG_POLICY_DEFAULT,    /* fill in what the bundle left unsaid */
    BRIG_POLICY_BASELINE,   /* refuse what `brig check --policy baseline` reports */
    BRIG_POLICY_RESTRICTED, /* refuse what `brig check --policy restricted` reports */
};

#define BRIG_POLICY_BUILTIN BRIG_POLICY_DEFAULT
/* Where the host's choice lives: {"policy": "restricted"}.  $BRIG_CONFIG
 * names another file (tests, wrappers). */
#define BRIG_CONFIG_FILE "/etc/brig/brig.json"
/* A bundle's own request: may tighten the host's policy, and may turn the
 * "default" mode off; it never loosens baseline or restricted. */
#define BRIG_POLICY_ANNOTATION "org.brig.policy"
/* Recorded in the state: what the "default" mode added, comma-separated. */
#define BRIG_POLICY_ADDED_ANNOTATION "org.brig.policy.added"

/* "off", "default", "baseline", "restricted"; -1 with an error otherwise. */
int brig_policy_parse(const char *s, enum brig_policy_mode *out);
const char *brig_policy_name(enum brig_policy_mode m);

/* The policy in force: --policy, else the config file, else the built-in
 * default.  A missing file costs one failed open; an unreadable or invalid
 * one is an error (never a silent fallback to a weaker policy). */
int brig_policy_mode(enum brig_policy_mode *out);

/* The mode for CFG: brig_policy_mode, tightened (or, from "default", turned
 * off) by CFG's BRIG_POLICY_ANNOTATION. */
int brig_policy_effective(const struct brig_config *cfg, enum brig_policy_mode *out);

/* The policy step of create, run right after BUNDLE's config is loaded:
 * refuses a bundle that breaks baseline/restricted (naming every
 * violation), or fills in the "default" mode's settings and records them
 * in CFG's annotations (which the state copies). */
int brig_policy_apply(struct brig_config *cfg, const char *bundle);

/* Re-apply what a container's state says the "default" mode added (for a
 * process started later in the same container, e.g. exec). */
int brig_policy_reapply(struct brig_config *cfg, const struct brig_map *state_annotations);

/* The policy step of exec: P (the process to add to the container whose
 * config, as created, is CFG) is refused when it breaks baseline or
 * restricted; under "default" it gets what create filled in for the
 * container's process (STATE_ANNOTATIONS record it). */
int brig_policy_exec(const struct brig_config *cfg, const struct brig_map *state_annotations,
                     struct brig_process *p, const char *bundle);

/* ---- the audit (audit.c) ---- */

enum brig_severity { BRIG_SEV_LOW, BRIG_SEV_MEDIUM, BRIG_SEV_HIGH, BRIG_SEV_CRITICAL };
enum brig_level { BRIG_LEVEL_BASELINE, BRIG_LEVEL_RESTRICTED };

struct brig_finding {
    const char *check;     /* stable id: "root-user", "capability-added", ... */
    enum brig_severity severity;
    enum brig_level level; /* lowest level that forbids it */
    char *path;            /* JSON path in config.json */
    char *message;         /* what is wrong */
    char *fix;             /* what to change */
    const char *refs;      /* "PSS restricted: Running as Non-root; CIS 4.1" */
};

struct brig_findings {
    struct brig_finding *v;
    size_t n;
};

/* Audit CFG at LEVEL (baseline: the baseline checks only; restricted: all).
 * BUNDLE (may be NULL) is where a relative root.path lies.  The audit also
 * examines what the config names on this host (namespace files, bind
 * sources, device files, the cgroup, the rootfs), as it is now.  Findings
 * are sorted by severity, most severe first, then by path. */
void brig_audit(const struct brig_config *cfg, const char *bundle, enum brig_level level,
                struct brig_findings *out);
void brig_findings_free(struct brig_findings *f);

const char *brig_severity_name(enum brig_severity s); /* "low" ... "critical" */
int brig_severity_parse(const char *s, enum brig_severity *out);
const char *brig_level_name(enum brig_level l);

/* True when the process holds CAP_SYS_ADMIN in its bounding set: the caller
 * asked for a privileged container. */
bool brig_config_privileged(const struct brig_config *cfg);

/* The paths runc, Docker and containerd mask and make read-only. */
extern const char *const brig_default_masked_paths[];
extern const size_t brig_n_default_masked_paths;
extern const char *const brig_default_readonly_paths[];
extern const size_t brig_n_default_readonly_paths;

#endif
