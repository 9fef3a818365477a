/* brig delete: remove a stopped container (--force: any container). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>

#include "brig/brig.h"
#include "brig/cmd.h"
#include "brig/commands.h"
#include "brig/container.h"
#include "brig/internal.h"

int cmd_delete(int argc, char **argv)
{
    static const struct option opts[] = {
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool force = false;
    int c;
    while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
        if (c == 'f') {
            force = true;
            continue;
        }
        if (c == 'h')
            return brig_cmd_help("[--force] ID",
                                 "Delete a stopped container: its cgroup, state and poststop hooks.\n"
                                 "  -f, --force   kill the container first if it is still running\n");
        brig_fail(0, "unknown option %s", argv[optind - 1]);
        return brig_report_error();
    }
    const char *id = brig_cmd_one_id(argc, argv, "[--force] ID");
    if (!id)
        return brig_report_error();
    struct brig_container *ct;
    if (brig_container_open(id, LOCK_EX, &ct) < 0) {
        /* As runc: --force on a container that is gone is not an error. */
        if (force && strstr(brig_last_error(), "does not exist"))
            return 0;
        return brig_report_error();
    }
    enum brig_status st = brig_container_status(ct);
    if (!force && st != BRIG_STOPPED && st != BRIG_CREATING) {
        brig_fail(0, "cannot delete container %s that is %s: stop it first or use --force", id,
                  brig_status_name(st));
        brig_container_close(ct);
        return brig_report_error();
    }
    return brig_container_destroy(ct, NULL) < 0 ? brig_report_error() : 0;
}
