/* brig kill: send a signal to the container's process (or all of them). */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>

#include "brig/brig.h"
#include "brig/cmd.h"
#include "brig/commands.h"
#include "brig/container.h"
#include "brig/internal.h"
#include "brig/signals.h"

int cmd_kill(int argc, char **argv)
{
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool all = false;
    int c;
    while ((c = getopt_long(argc, argv, "+ah", opts, NULL)) != -1) {
        if (c == 'a') {
            all = true;
            continue;
        }
        if (c == 'h')
            return brig_cmd_help("[--all] ID [SIGNAL]",
                                 "Send SIGNAL (default SIGTERM) to the container's process.\n"
                                 "  -a, --all   send it to every process in the container\n");
        brig_fail(0, "unknown option %s", argv[optind - 1]);
        return brig_report_error();
    }
    int nargs = argc - optind;
    if (nargs < 1 || nargs > 2) {
        brig_fail(0, "expected a container ID and an optional signal");
        return brig_report_error();
    }
    const char *id = argv[optind];
    int sig = SIGTERM;
    if (nargs == 2 && (sig = brig_signal_parse(argv[optind + 1])) < 0) {
        brig_fail(0, "unknown signal \"%s\"", argv[optind + 1]);
        return brig_report_error();
    }
    struct brig_container *ct;
    if (brig_container_open(id, LOCK_SH, &ct) < 0)
        return brig_report_error();
    int r = brig_container_signal(ct, sig, all);
    brig_container_close(ct);
    return r < 0 ? brig_report_error() : 0;
}
