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
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h')
            return brig_cmd_help("ID", "Print the state of a container as JSON.\n");
        brig_fail(0, "unknown option %s", argv[optind - 1]);
        return brig_report_error();
    }
    const char *id = brig_cmd_one_id(argc, argv, "ID");
    struct brig_container *ct;
    if (!id || brig_container_open(id, LOCK_SH, &ct) < 0)
        return brig_report_error();
    char *json = brig_state_json_full(ct, brig_container_status(ct));
    brig_container_close(ct);
    if (!json)
        return brig_report_error();
    printf("%s\n", json);
    free(json);
    return 0;
}
