/* brig: command-line entry point.  Global flags come before the command,
 * as with runc: brig [--root DIR] [--log FILE] [--log-format text|json]
 * [--debug] [--systemd-cgroup] [--rootless true|false|auto] COMMAND ... */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brig/brig.h"
#include "brig/commands.h"
#include "brig/exe_guard.h"
#include "brig/internal.h"
#include "brig/policy.h"
#include "brig/rootless.h"
#include "brig/seccomp.h"

struct brig_globals brig_g = {
    .root = NULL, /* brig_default_root() unless --root */
    .log_format = BRIG_LOG_TEXT,
    .rootless = -1,
    .policy = -1,
};

struct command {
    const char *name;
    brig_command_fn fn;
    const char *summary;
};

/* Keep sorted by how often clients call them; the first match wins. */
static const struct command commands[] = {
    {"create", cmd_create, "create a container"},
    {"start", cmd_start, "execute the user process in a created container"},
    {"state", cmd_state, "print the state of a container as JSON"},
    {"kill", cmd_kill, "send a signal to the container's init process"},
    {"delete", cmd_delete, "delete a container and everything it holds"},
    {"run", cmd_run, "create and start a container"},
    {"list", cmd_list, "list the containers under --root"},
    {"pause", cmd_pause, "suspend every process in a container"},
    {"resume", cmd_resume, "resume every process of a paused container"},
    {"update", cmd_update, "change the resource limits of a running container"},
    {"events", cmd_events, "print container stats and OOM events as JSON"},
    {"ps", cmd_ps, "show the processes running in a container"},
    {"exec", cmd_exec, "run a new process in a running container"},
    {"features", cmd_features, "print the features this build supports, as JSON"},
    {"spec", cmd_spec, "write a hardened config.json (--profile runc: runc's)"},
    {"check", cmd_check, "audit a bundle's config (Pod Security Standards, CIS)"},
    {"seccomp-agent", cmd_seccomp_agent, "answer and log system calls trapped by seccomp listeners"},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: brig [global options] COMMAND [options] [ARGS]\n\n"
            "brig is a minimal, hardened, runc-compatible OCI container runtime.\n\n"
            "Commands:\n");
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(commands); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\nGlobal options:\n"
            "  --root DIR            state directory (default " BRIG_DEFAULT_ROOT ";\n"
            "                        $XDG_RUNTIME_DIR/brig for a user)\n"
            "  --log FILE            also write messages to FILE\n"
            "  --log-format FORMAT   text (default) or json\n"
            "  --debug               print debug messages\n"
            "  --systemd-cgroup      use systemd to manage cgroups (slice:prefix:name paths)\n"
            "  --rootless VALUE      true, false or auto (default auto)\n"
            "  --policy MODE         off, default, baseline or restricted (default: \"policy\"\n"
            "                        in " BRIG_CONFIG_FILE ", else default)\n"
            "  --criu PATH           accepted for runc compatibility; ignored\n"
            "  -h, --help            print this help\n"
            "  -v, --version         print version information\n"
            "\nbrig help [COMMAND] prints this help, or a command's (as COMMAND --help).\n");
}

#ifndef BRIG_COMMIT
#define BRIG_COMMIT "unknown"
#endif

/* runc's layout: engines and scripts read the first line's last word and
 * the "commit:" and "spec:" lines. */
static void version(void)
{
    printf("brig version %s\ncommit: %s\nspec: %s\nlibseccomp: %s\n", PACKAGE_VERSION, BRIG_COMMIT,
           BRIG_OCI_VERSION, brig_seccomp_lib_version());
}

/* brig help [COMMAND]: runc's "help" command. */
static int help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(commands); i++) {
        if (strcmp(commands[i].name, argv[1]) == 0) {
            char *args[] = {argv[1], (char *)"--help", NULL};
            brig_g.command = argv[1];
            optind = 0;
            opterr = 0;
            return commands[i].fn(2, args);
        }
    }
    brig_fail(0, "No help topic for '%s'", argv[1]);
    brig_report_error();
    return 3;
}

bool brig_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return false;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return true;
    }
    return false;
}

int main(int argc, char **argv)
{
    enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_ROOTLESS, OPT_CRIU, OPT_POLICY };
    static const struct option opts[] = {
        {"root", required_argument, NULL, OPT_ROOT},
        {"log", required_argument, NULL, OPT_LOG},
        {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
        {"debug", no_argument, NULL, OPT_DEBUG},
        {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
        {"rootless", required_argument, NULL, OPT_ROOTLESS},
        {"criu", required_argument, NULL, OPT_CRIU},
        {"policy", required_argument, NULL, OPT_POLICY},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    /* A brig outside the host's pid namespace may be visible to container
     * processes (it may even be one, run through /proc/self/exe): it moves
     * to a read-only view of its binary before it does anything that could
     * block or start a process, whatever the command (exe_guard.h).
     * Without /proc there is no telling, and no guard to be had: create,
     * run and exec refuse then (brig_exe_guard), the rest go on.  Nothing
     * in the environment can turn this off (knobs.h). */
    if (brig_in_host_pid_ns() == 0 && brig_exe_guard(argv) < 0)
        return brig_report_error();
    if (getenv("BRIG_TRACE")) {
        brig_tracing = true;
        brig_trace("main");
    }
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
        switch (c) {
        case OPT_ROOT:
            brig_g.root = optarg;
            break;
        case OPT_LOG:
            brig_g.log_path = optarg;
            break;
        case OPT_LOG_FORMAT:
            if (strcmp(optarg, "json") == 0)
                brig_g.log_format = BRIG_LOG_JSON;
            else if (strcmp(optarg, "text") == 0)
                brig_g.log_format = BRIG_LOG_TEXT;
            else {
                (void)brig_log_open();
                brig_fail(0, "invalid --log-format %s: expected text or json", optarg);
                return brig_report_error();
            }
            break;
        case OPT_DEBUG:
            brig_g.debug = true;
            break;
        case OPT_SYSTEMD:
            brig_g.systemd_cgroup = true;
            break;
        case OPT_ROOTLESS:
            if (strcmp(optarg, "true") == 0)
                brig_g.rootless = 1;
            else if (strcmp(optarg, "false") == 0)
                brig_g.rootless = 0;
            else if (strcmp(optarg, "auto") == 0)
                brig_g.rootless = -1;
            else {
                brig_fail(0, "invalid --rootless %s: expected true, false or auto", optarg);
                return brig_report_error();
            }
            break;
        case OPT_CRIU:
            break; /* accepted for compatibility; checkpointing is not supported */
        case OPT_POLICY: {
            enum brig_policy_mode m;
            if (brig_policy_parse(optarg, &m) < 0) {
                brig_fail_ctx("--policy");
                return brig_report_error();
            }
            brig_g.policy = (int)m;
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        case 'v':
            version();
            return 0;
        default:
            (void)brig_log_open();
            brig_fail(0, "unknown global option %s (see brig --help)", argv[optind - 1]);
            return brig_report_error();
        }
    }
    if (!brig_g.root)
        brig_g.root = brig_default_root();
    if (brig_log_open() < 0)
        return brig_report_error();
    if (optind >= argc) {
        usage(stderr);
        return 1;
    }
    const char *name = argv[optind];
    if (strcmp(name, "help") == 0 || strcmp(name, "h") == 0)
        return help(argc - optind, argv + optind);
    for (size_t i = 0; i < BRIG_ARRAY_SIZE(commands); i++) {
        if (strcmp(commands[i].name, name) == 0) {
            int cmd_argc = argc - optind;
            char **cmd_argv = argv + optind;
            brig_g.command = name;
            brig_g.argv = argv;
            /* In the host's pid namespace, commands that start processes a
             * container can see run from a read-only view of brig's binary
             * too: exec always; create and run decide once the config is
             * read (brig_container_create). */
            if (commands[i].fn == cmd_exec && !brig_wants_help(cmd_argc, cmd_argv) && brig_exe_guard(argv) < 0)
                return brig_report_error();
            if (commands[i].fn == cmd_create || commands[i].fn == cmd_run)
                brig_config_warn = brig_warn;
            optind = 0; /* full re-initialisation of getopt for the command */
            opterr = 0;
            return commands[i].fn(cmd_argc, cmd_argv);
        }
    }
    brig_fail(0, "unknown command %s (see brig --help)", name);
    return brig_report_error();
}
