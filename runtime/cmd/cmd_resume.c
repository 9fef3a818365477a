/* brig resume: thaw a paused container. */
#include "config.h"

#include <stdlib.h>
#include <sys/file.h>

#include "brig/brig.h"
#include "brig/cgroup.h"
#include "brig/cmd.h"
#include "brig/commands.h"
#include "brig/internal.h"
#include "brig/state.h"

int cmd_resume(int argc, char **argv)
{
    struct brig_container *ct;
    int opened = brig_cmd_open_id(argc, argv, "Resume every process of a paused container.\n", LOCK_EX, &ct);
    if (opened != 0)
        return opened > 0 ? 0 : brig_report_error();
    int r = -1;
    enum brig_status st = brig_container_status(ct);
    /* ask the freezer itself: a paused "created" container reports created */
    if (st == BRIG_STOPPED || st == BRIG_CREATING)
        brig_fail(0, "container not running: %s", ct->state.id);
    else if (!ct->state.cgroup_path || !brig_cgroup_is_frozen(ct->state.cgroup_path))
        brig_fail(0, "container %s is not paused", ct->state.id);
    else
        r = brig_cgroup_freeze(ct->state.cgroup_path, false);
    brig_container_close(ct);
    return r < 0 ? brig_report_error() : 0;
}
