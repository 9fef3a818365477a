/* brig: helpers shared by the command files. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "brig/brig.h"
#include "brig/cmd.h"
#include "brig/internal.h"
#include "brig/state.h"

int brig_cmd_usage_error(const char *usage)
{
    brig_fail(0, "usage: brig %s %s", brig_g.command, usage);
    return brig_report_error();
}

const char *brig_cmd_one_id(int argc, char **argv, const char *usage)
{
    if (argc - optind != 1) {
        brig_fail(0, "%s ID: expected exactly one container ID (usage: brig %s %s)", brig_g.command,
                  brig_g.command, usage);
        return NULL;
    }
    return argv[optind];
}

int brig_cmd_help(const char *usage, const char *text)
{
    printf("usage: brig %s %s\n\n%s", brig_g.command, usage, text);
    return 0;
}

int brig_cmd_open_id(int argc, char **argv, const char *help, int lock, struct brig_container **out)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            brig_cmd_help("ID", help);
            return 1;
        }
        return brig_fail(0, "unknown option %s", argv[optind - 1]);
    }
    const char *id = brig_cmd_one_id(argc, argv, "ID");
    if (!id)
        return -1;
    return brig_container_open(id, lock, out);
}
