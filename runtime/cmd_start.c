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
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h')
            return brig_cmd_help("ID", "Start the process of a created container.\n");
        brig_fail(0, "unknown option %s", argv[optind - 1]);
        return brig_report_error();
    }
    const char *id = brig_cmd_one_id(argc, argv, "ID");
    struct brig_container *ct;
    if (!id || brig_container_open(id, LOCK_EX, &ct) < 0)
        return brig_report_error();
    int r = brig_container_start(ct);
    brig_container_close(ct);
    return r < 0 ? brig_report_error() : 0;
}
