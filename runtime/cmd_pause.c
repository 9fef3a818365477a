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
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h')
            return brig_cmd_help("ID", "Suspend every process in the container.\n");
        brig_fail(0, "unknown option %s", argv[optind - 1]);
        return brig_report_error();
    }
    const char *id = brig_cmd_one_id(argc, argv, "ID");
    struct brig_container *ct;
    if (!id || brig_container_open(id, LOCK_EX, &ct) < 0)
        return brig_report_error();
    int r = -1;
    enum brig_status st = brig_container_status(ct);
    /* like runc, a created container may be paused too */
    if (st == BRIG_PAUSED)
        brig_fail(0, "container %s is already paused", id);
    else if (st != BRIG_RUNNING && st != BRIG_CREATED)
        brig_fail(0, "container %s is not running", id);
    else if (!ct->state.cgroup_path)
        brig_fail(0, "container %s has no cgroup", id);
    else
        r = brig_cgroup_freeze(ct->state.cgroup_path, true);
    brig_container_close(ct);
    return r < 0 ? brig_report_error() : 0;
}
