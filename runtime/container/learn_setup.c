/* brig: whether and where create learns the workload's seccomp profile
 * (--seccomp-learn FILE, or the org.brig.seccomp.learn annotation), and
 * what the policy says about it.  The learner itself is seccomp/learn.c. */
#include "config.h"

#include <string.h>

#include "brig/brig.h"
#include "brig/container.h"
#include "brig/internal.h"
#include "brig/learn.h"
#include "brig/policy.h"

#define ANN_PATH "annotations[\"" BRIG_LEARN_ANNOTATION "\"]"

static const char *annotation(const struct brig_map *m, const char *key)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->v[i].key, key) == 0)
            return m->v[i].value;
    return NULL;
}

int brig_learn_prepare(const struct brig_config *cfg, const char *cli_file, const char *rootfs,
                       struct brig_learn_target *t)
{
    const char *file = cli_file, *what = "--seccomp-learn";
    bool from_annotation = false;
    t->dirfd = -1;
    if (!file) {
        file = annotation(&cfg->annotations, BRIG_LEARN_ANNOTATION);
        if (!file)
            return 0;
        from_annotation = true;
        what = ANN_PATH;
    }
    if (!cfg->process)
        return brig_fail(0, "%s: the config has no process to learn from", what);
    /* Learning enforces nothing: the workload runs as without a filter. */
    enum brig_policy_mode mode;
    if (brig_policy_effective(cfg, &mode) < 0)
        return -1;
    if (mode == BRIG_POLICY_RESTRICTED)
        return brig_fail(0, "%s: policy restricted requires an enforced seccomp profile and learning "
                            "enforces none (learn under --policy baseline or off)", what);
    /* The config's author may not turn its filter off where the host
     * enforces a level; the caller of brig may (the command line). */
    if (from_annotation && mode == BRIG_POLICY_BASELINE)
        return brig_fail(0, "%s: under policy baseline only the caller of brig may ask to learn "
                            "(brig run --seccomp-learn FILE)", what);
    if (brig_learn_target_open(file, rootfs, what, from_annotation, t) < 0)
        return -1;
    /* the config's own profile, not one --policy default filled in */
    const char *added = annotation(&cfg->annotations, BRIG_POLICY_ADDED_ANNOTATION);
    if (cfg->linux_ && cfg->linux_->seccomp && !(added && strstr(added, "seccomp")))
        brig_log_warning("%s: linux.seccomp is not enforced while the container learns its profile", what);
    return 1;
}
