/* brig: helpers shared by the command files. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "brig/brig.h"
#include "brig/cmd.h"
#include "brig/internal.h"

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
