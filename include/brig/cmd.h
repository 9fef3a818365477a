/* brig: helpers for the command files (runtime/cmd/cmd_*.c). */
#ifndef BRIG_CMD_H
#define BRIG_CMD_H

#include <getopt.h>

/* The single positional ID, or NULL with an error recorded. */
const char *brig_cmd_one_id(int argc, char **argv, const char *usage);
/* Print "usage: brig CMD USAGE" and TEXT; returns 0. */
int brig_cmd_help(const char *usage, const char *text);
/* Report a usage error; returns 1. */
int brig_cmd_usage_error(const char *usage);

struct brig_container;
/* For commands that take nothing but an ID: handle --help (printing HELP),
 * take the ID, open the container with LOCK.  Returns 0 with *out set, 1
 * when help was printed, -1 with an error recorded. */
int brig_cmd_open_id(int argc, char **argv, const char *help, int lock, struct brig_container **out);

struct brig_create_opts;
/* --help lines of the options create and run share. */
#define BRIG_CREATE_OPTIONS_HELP                                                                   \
    "  -b, --bundle DIR          the bundle (default: the current directory)\n"                    \
    "      --pid-file FILE       write the container process's pid to FILE\n"                      \
    "      --console-socket PATH unix socket that receives the terminal's master fd\n"             \
    "      --no-pivot            use MS_MOVE and chroot instead of pivot_root\n"                   \
    "      --no-new-keyring      keep the caller's session keyring\n"                              \
    "      --preserve-fds N      pass N more fds (from fd 3) into the container\n"                 \
    "      --seccomp-learn FILE  record the system calls the workload makes (nothing is\n"         \
    "                            denied) and merge them into FILE as a linux.seccomp profile\n"

/* Options create and run share (cmd_create.c).  Returns 1 for --help. */
#include <stdbool.h>
int brig_parse_create_opts(int argc, char **argv, struct brig_create_opts *o, bool *detach, bool *keep);

#endif
