/* brig create: set up a container; its process waits for `start`. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brig/brig.h"
#include "brig/cmd.h"
#include "brig/commands.h"
#include "brig/container.h"
#include "brig/internal.h"

#define CREATE_USAGE "[options] ID"
#define CREATE_HELP                                                                                \
    "Options:\n"                                                                                   \
    BRIG_CREATE_OPTIONS_HELP                                                                       \
    "      --no-subreaper        accepted for runc compatibility; ignored\n"

enum { OPT_PID_FILE = 256, OPT_CONSOLE, OPT_NO_PIVOT, OPT_NO_KEYRING, OPT_PRESERVE, OPT_DETACH, OPT_KEEP, OPT_NO_SUBREAPER, OPT_LEARN };

static const struct option create_opts[] = {
    {"bundle", required_argument, NULL, 'b'},
    {"pid-file", required_argument, NULL, OPT_PID_FILE},
    {"console-socket", required_argument, NULL, OPT_CONSOLE},
    {"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
    {"no-new-keyring", no_argument, NULL, OPT_NO_KEYRING},
    {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
    {"detach", no_argument, NULL, 'd'},
    {"keep", no_argument, NULL, OPT_KEEP},
    {"no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER},
    {"seccomp-learn", required_argument, NULL, OPT_LEARN},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int brig_parse_create_opts(int argc, char **argv, struct brig_create_opts *o, bool *detach, bool *keep)
{
    int c;
    while ((c = getopt_long(argc, argv, "b:dh", create_opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            o->bundle = optarg;
            break;
        case OPT_PID_FILE:
            o->pid_file = optarg;
            break;
        case OPT_CONSOLE:
            o->console_socket = optarg;
            break;
        case OPT_NO_PIVOT:
            o->no_pivot = true;
            break;
        case OPT_NO_KEYRING:
            o->no_new_keyring = true;
            break;
        case OPT_PRESERVE: {
            uint64_t n;
            if (!brig_parse_u64(optarg, &n) || n > 65536)
                return brig_fail(0, "--preserve-fds: expected a number, got \"%s\"", optarg);
            o->preserve_fds = (int)n;
            break;
        }
        case 'd':
            if (!detach)
                return brig_fail(0, "unknown option --detach");
            *detach = true;
            break;
        case OPT_KEEP:
            if (!keep)
                return brig_fail(0, "unknown option --keep");
            *keep = true;
            break;
        case OPT_NO_SUBREAPER:
            break; /* brig never interposes a reaper: accepted for runc compatibility */
        case OPT_LEARN:
            o->seccomp_learn = optarg;
            break;
        case 'h':
            return 1;
        default:
            return brig_fail(0, "unknown option %s", argv[optind - 1]);
        }
    }
    o->id = brig_cmd_one_id(argc, argv, CREATE_USAGE);
    return o->id ? 0 : -1;
}

int cmd_create(int argc, char **argv)
{
    struct brig_create_opts o = {0};
    int r = brig_parse_create_opts(argc, argv, &o, NULL, NULL);
    if (r == 1)
        return brig_cmd_help(CREATE_USAGE, CREATE_HELP);
    if (r < 0)
        return brig_report_error();
    struct brig_container *c;
    if (brig_container_create(&o, &c, NULL) < 0)
        return brig_report_error();
    brig_container_close(c);
    return 0;
}
