/* brig pause: freeze every process of a container (v1 freezer or v2
 * cgroup.freeze), returning once the kernel reports it frozen. */
#include "config.h"

#include <stdlib.h>
#include <sys/file.h>

#include "brig/brig.h"
#include "brig/cgroup.h"
#include "brig/cmd.h"
#include "brig/commands.h"
#include "brig/internal.h"
#include "brig/state.h"

int cmd_pause(int argc, char **argv)
{
    struct brig_container *ct;
    int opened = brig_cmd_open_id(argc, argv, "Suspend every process in the container.\n", LOCK_EX, &ct);
    if (opened != 0)
        return opened > 0 ? 0 : brig_report_error();
    int r = -1;
    enum brig_status st = brig_container_status(ct);
    /* like runc, a created container may be paused too */
    if (st == BRIG_PAUSED)
        brig_fail(0, "container %s is already paused", ct->state.id);
    else if (st != BRIG_RUNNING && st != BRIG_CREATED)
        brig_fail(0, "container not running: %s", ct->state.id);
    else if (!ct->state.cgroup_path)
        brig_fail(0, "container %s has no cgroup", ct->state.id);
    else
        r = brig_cgroup_freeze(ct->state.cgroup_path, true);
    brig_container_close(ct);
    return r < 0 ? brig_report_error() : 0;
}
