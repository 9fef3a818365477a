/* brig: one function per command (runtime/cmd/cmd_NAME.c).  argv[0] is the
 * command name; the return value is brig's exit status. */
#ifndef BRIG_COMMANDS_H
#define BRIG_COMMANDS_H

int cmd_create(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_state(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_update(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_seccomp_agent(int argc, char **argv);
int cmd_spec(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_features(int argc, char **argv);

/* Shared by commands: parse "--opt" help flags etc. */
#include <stdbool.h>
#include <getopt.h>

/* Print USAGE to stdout and return 0 when argv asks for help (-h/--help);
 * used by every command before parsing its own options. */
bool brig_wants_help(int argc, char **argv);

#endif
