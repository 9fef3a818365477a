/* brig state: the OCI state of a container as JSON. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>

#include "brig/brig.h"
#include "brig/cmd.h"
#include "brig/commands.h"
#include "brig/internal.h"
#include "brig/state.h"

int cmd_state(int argc, char **argv)
{
    struct brig_container *ct;
    int opened = brig_cmd_open_id(argc, argv, "Print the state of a container as JSON.\n",
                                  LOCK_SH | BRIG_OPEN_NO_CONFIG, &ct);
    if (opened != 0)
        return opened > 0 ? 0 : brig_report_error();
    char *json = brig_state_json_full(ct, brig_container_status(ct));
    brig_container_close(ct);
    if (!json)
        return brig_report_error();
    printf("%s\n", json);
    free(json);
    return 0;
}
