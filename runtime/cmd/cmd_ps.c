/* brig ps: the processes of a container.  -f json prints the pid array;
 * the table is ps(1)'s own output (default "ps -ef", or the arguments given
 * after the ID) filtered to the container's pids. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "brig/brig.h"
#include "brig/cgroup.h"
#include "brig/cmd.h"
#include "brig/commands.h"
#include "brig/internal.h"
#include "brig/json.h"
#include "brig/state.h"

#define USAGE "[-f table|json] ID [PS_OPTION...]"

static bool has_pid(const pid_t *pids, int n, long pid)
{
    for (int i = 0; i < n; i++)
        if (pids[i] == pid)
            return true;
    return false;
}

/* Run ps with ARGS and print its header and the lines of PIDS. */
static int ps_table(char **args, int nargs, const pid_t *pids, int n)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return brig_fail(errno, "pipe");
    char **av = brig_xcalloc((size_t)nargs + 3, sizeof *av);
    av[0] = "ps";
    if (nargs == 0)
        av[1] = "-ef";
    for (int i = 0; i < nargs; i++)
        av[i + 1] = args[i];
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) {
        int e = errno;
        free(av);
        close(fds[0]);
        close(fds[1]);
        return brig_fail(e, "fork");
    }
    if (child == 0) {
        if (dup2(fds[1], STDOUT_FILENO) < 0)
            _exit(127);
        execvp("ps", av);
        fprintf(stderr, "brig: ps: exec ps: %s\n", strerror(errno));
        _exit(127);
    }
    free(av);
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    if (!f) {
        close(fds[0]);
        waitpid(child, NULL, 0);
        return brig_fail(errno, "read ps output");
    }
    char *line = NULL;
    size_t cap = 0;
    int pid_col = -1, r = 0;
    bool header = true;
    while (getline(&line, &cap, f) >= 0) {
        /* split a copy on blanks to find the PID column */
        char *copy = brig_xstrdup(line), *save = NULL;
        int col = 0;
        long pid = -1;
        for (char *t = strtok_r(copy, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save), col++) {
            if (header && strcmp(t, "PID") == 0 && pid_col < 0)
                pid_col = col;
            else if (!header && col == pid_col)
                pid = strtol(t, NULL, 10);
        }
        free(copy);
        if (header) {
            header = false;
            if (pid_col < 0) {
                r = brig_fail(0, "no PID column in the output of ps");
                break;
            }
            fputs(line, stdout);
        } else if (pid > 0 && has_pid(pids, n, pid)) {
            fputs(line, stdout);
        }
    }
    free(line);
    fclose(f);
    int status;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR)
            return brig_fail(errno, "wait for ps");
    }
    if (r == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
        r = brig_fail(0, "ps %s failed", nargs ? "with the given options" : "-ef");
    return r;
}

int cmd_ps(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    int c;
    /* "+": everything after the ID belongs to ps */
    while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "table") == 0)
                json = false;
            else {
                brig_fail(0, "invalid format \"%s\" (table or json)", optarg);
                return brig_report_error();
            }
            break;
        case 'h':
            return brig_cmd_help(USAGE, "Show the processes running in a container.\n"
                                        "  -f, --format table|json   ps(1) table (default) or a JSON array of pids\n");
        default:
            brig_fail(0, "unknown option %s", argv[optind - 1]);
            return brig_report_error();
        }
    }
    if (optind >= argc) {
        brig_fail(0, "expected a container ID (usage: brig ps %s)", USAGE);
        return brig_report_error();
    }
    const char *id = argv[optind];
    struct brig_container *ct;
    if (brig_container_open(id, LOCK_SH, &ct) < 0)
        return brig_report_error();
    pid_t *pids = NULL;
    int n = ct->state.cgroup_path ? brig_cgroup_pids(ct->state.cgroup_path, &pids)
                                  : brig_fail(0, "container %s has no cgroup", id);
    brig_container_close(ct);
    if (n < 0)
        return brig_report_error();
    int r = 0;
    if (json) {
        yajl_gen g = brig_json_gen_new(false);
        if (!g) {
            free(pids);
            brig_fail(ENOMEM, "ps");
            return brig_report_error();
        }
        yajl_gen_array_open(g);
        for (int i = 0; i < n; i++)
            yajl_gen_integer(g, pids[i]);
        yajl_gen_array_close(g);
        cleanup_free char *out = brig_json_gen_finish(g);
        if (out)
            printf("%s\n", out);
        else
            r = brig_fail(ENOMEM, "ps");
    } else {
        r = ps_table(argv + optind + 1, argc - optind - 1, pids, n);
    }
    free(pids);
    return r < 0 ? brig_report_error() : 0;
}
