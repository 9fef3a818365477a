/* brig seccomp-agent: watch containers through their seccomp listeners.
 * The work is in seccomp/agent.c (the loop) and seccomp/agent_rules.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brig/agent.h"
#include "brig/brig.h"
#include "brig/cmd.h"
#include "brig/commands.h"
#include "brig/internal.h"

#define AGENT_USAGE "--socket PATH [--rules FILE] [--events FILE]"
#define AGENT_HELP                                                                                 \
    "Receive seccomp listener fds from runtimes (linux.seccomp.listenerPath),\n"                  \
    "answer every trapped system call by rule and write one JSON line per event.\n\n"             \
    "Options:\n"                                                                                   \
    "  -s, --socket PATH    the unix socket to listen on (listenerPath)\n"                         \
    "  -r, --rules FILE     the rules (default: the built-in set, profiles/seccomp-agent.json)\n" \
    "  -e, --events FILE    append events to FILE (default: standard output)\n"                   \
    "      --print-rules    print the built-in rules and exit\n"

int cmd_seccomp_agent(int argc, char **argv)
{
    enum { OPT_PRINT_RULES = 256 };
    static const struct option opts[] = {
        {"socket", required_argument, NULL, 's'},
        {"rules", required_argument, NULL, 'r'},
        {"events", required_argument, NULL, 'e'},
        {"print-rules", no_argument, NULL, OPT_PRINT_RULES},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *socket_path = NULL, *rules_path = NULL, *events = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "s:r:e:h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            socket_path = optarg;
            break;
        case 'r':
            rules_path = optarg;
            break;
        case 'e':
            events = optarg;
            break;
        case OPT_PRINT_RULES:
            fwrite(brig_agent_rules_json, 1, brig_agent_rules_json_len, stdout);
            return 0;
        case 'h':
            return brig_cmd_help(AGENT_USAGE, AGENT_HELP);
        default:
            brig_fail(0, "unknown option %s (see brig seccomp-agent --help)", argv[optind - 1]);
            return brig_report_error();
        }
    }
    if (!socket_path || optind < argc)
        return brig_cmd_usage_error(AGENT_USAGE);

    cleanup_free char *text = NULL;
    if (rules_path && brig_read_input(rules_path, &text, NULL) < 0) {
        brig_fail_ctx("--rules");
        return brig_report_error();
    }
    struct brig_agent_rules rules;
    if (brig_agent_rules_parse(text ? text : brig_agent_rules_json, &rules) < 0) {
        brig_fail_ctx("%s", rules_path ? rules_path : "built-in rules");
        return brig_report_error();
    }
    int out = STDOUT_FILENO;
    if (events) {
        out = open(events, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
        if (out < 0) {
            brig_fail(errno, "--events %s", events);
            brig_agent_rules_free(&rules);
            return brig_report_error();
        }
    }
    struct brig_agent_opts o = {.socket_path = socket_path, .rules = &rules, .out_fd = out};
    int r = brig_agent_serve(&o);
    brig_agent_rules_free(&rules);
    if (out != STDOUT_FILENO)
        close(out);
    return r < 0 ? brig_report_error() : 0;
}
