/* brig start: run the user's process in a created container. */
#include "config.h"

#include <sys/file.h>

#include "brig/brig.h"
#include "brig/cmd.h"
#include "brig/commands.h"
#include "brig/container.h"
#include "brig/internal.h"

int cmd_start(int argc, char **argv)
{
    struct brig_container *ct;
    int opened = brig_cmd_open_id(argc, argv, "Start the process of a created container.\n", LOCK_EX, &ct);
    if (opened != 0)
        return opened > 0 ? 0 : brig_report_error();
    int r = brig_container_start(ct);
    brig_container_close(ct);
    return r < 0 ? brig_report_error() : 0;
}
