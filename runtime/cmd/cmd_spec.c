/* brig spec: write a starter config.json (hardened unless asked otherwise). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cgroup.h"
#include "brig/cmd.h"
#include "brig/commands.h"
#include "brig/internal.h"
#include "brig/spec.h"

#define SPEC_USAGE "[options]"
#define SPEC_HELP                                                                                  \
    "Write config.json in the bundle directory: never over an existing one.\n\n"                  \
    "The hardened profile (the default) runs the process as uid/gid 65534 with\n"                  \
    "every capability dropped, no_new_privs, the RuntimeDefault seccomp profile,\n"               \
    "a read-only root with a tmpfs on /tmp, masked and read-only kernel paths,\n"                  \
    "new pid/network/ipc/uts/mount/cgroup namespaces, memory, pids and CPU\n"                      \
    "limits and no device but the standard ones.  `brig check` finds nothing in it.\n\n"          \
    "Options:\n"                                                                                   \
    "  -b, --bundle DIR        where to write config.json (default: the current directory)\n"     \
    "      --rootless          for an unprivileged user: a user namespace mapping root\n"          \
    "                          to the caller, no cgroup limits\n"                                  \
    "      --profile PROFILE   hardened (default) or runc (what `runc spec` writes)\n"            \
    "      --monitor SOCKET    trap the calls `brig seccomp-agent` watches and hand\n"            \
    "                          them to the agent listening on SOCKET\n"

int cmd_spec(int argc, char **argv)
{
    enum { OPT_ROOTLESS = 256, OPT_PROFILE, OPT_MONITOR };
    static const struct option opts[] = {
        {"bundle", required_argument, NULL, 'b'},
        {"rootless", no_argument, NULL, OPT_ROOTLESS},
        {"profile", required_argument, NULL, OPT_PROFILE},
        {"monitor", required_argument, NULL, OPT_MONITOR},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct brig_spec_opts o = {.profile = BRIG_SPEC_HARDENED, .uid = geteuid(), .gid = getegid()};
    const char *bundle = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "b:h", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            bundle = optarg;
            break;
        case OPT_ROOTLESS:
            o.rootless = true;
            break;
        case OPT_MONITOR:
            if (optarg[0] != '/') {
                brig_fail(0, "--monitor %s: the agent's socket must be an absolute path", optarg);
                return brig_report_error();
            }
            o.monitor = optarg;
            break;
        case OPT_PROFILE:
            if (strcmp(optarg, "hardened") == 0 || strcmp(optarg, "default") == 0)
                o.profile = BRIG_SPEC_HARDENED;
            else if (strcmp(optarg, "runc") == 0)
                o.profile = BRIG_SPEC_RUNC;
            else {
                brig_fail(0, "unknown --profile \"%s\": expected hardened or runc", optarg);
                return brig_report_error();
            }
            break;
        case 'h':
            return brig_cmd_help(SPEC_USAGE, SPEC_HELP);
        default:
            brig_fail(0, "unknown option %s (see brig spec --help)", argv[optind - 1]);
            return brig_report_error();
        }
    }
    if (optind < argc) {
        brig_fail(0, "unexpected argument \"%s\" (see brig spec --help)", argv[optind]);
        return brig_report_error();
    }
    /* runc's profile follows the host as `runc spec` does. */
    if (o.profile == BRIG_SPEC_RUNC)
        o.host_cgroup_v2 = brig_cgroup_mode() == BRIG_CGROUP_V2;
    cleanup_free char *text = brig_spec_generate(&o);
    if (!text || brig_spec_write(bundle, text) < 0)
        return brig_report_error();
    return 0;
}
