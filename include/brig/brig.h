/* brig: definitions shared by every command. */
#ifndef BRIG_BRIG_H
#define BRIG_BRIG_H

#include <stdbool.h>
#include <sys/types.h>

#define BRIG_DEFAULT_ROOT "/run/brig"
#define BRIG_OCI_VERSION "1.3.0"

enum brig_log_format { BRIG_LOG_TEXT, BRIG_LOG_JSON };

/* Global flags given before the command name. */
struct brig_globals {
    const char *root;        /* --root, state directory */
    const char *log_path;    /* --log */
    enum brig_log_format log_format;
    bool debug;              /* --debug */
    bool systemd_cgroup;     /* --systemd-cgroup */
    int rootless;            /* --rootless: -1 auto, 0 false, 1 true */
    int policy;              /* --policy: enum brig_policy_mode, -1 when not given */
    const char *command;     /* the command being run, for messages */
    char **argv;             /* main's, for the exe guard's re-exec */
};

extern struct brig_globals brig_g;

/* A command: argv[0] is the command name; returns the process exit status. */
typedef int (*brig_command_fn)(int argc, char **argv);

/* Logging (log.c).  Messages go to stderr and, with --log, to the log file
 * in the chosen format.  brig_debug() prints only with --debug. */
int brig_log_open(void); /* -1 with an error when --log cannot be opened */
/* In a container's init: the log fd was closed with the rest; write to
 * stderr only from now on. */
void brig_log_forget(void);
/* Around a child on this process's memory (clone_vm.c), which forgets it:
 * the log fd, to give back after. */
int brig_log_stash(void);
void brig_log_unstash(int fd);
void brig_log_error(const char *msg);
void brig_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void brig_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A warning for the --log file only (stderr too with --debug and no --log):
 * things engines should record but users at a shell need not see. */
void brig_log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Start-up profiling: with BRIG_TRACE=1 in the environment, each call
 * prints the microseconds since brig started, the process's CPU time and
 * STEP to stderr ("brig-trace PID WALL us CPU cpu-us STEP"). */
extern bool brig_tracing;
void brig_trace_step(const char *step);
#define brig_trace(step) do { if (brig_tracing) brig_trace_step(step); } while (0)

/* Print "brig: COMMAND: <last error>" to stderr and the log; returns 1. */
int brig_report_error(void);

/* Container IDs: letters, digits and "_+-." only, not "." or "..", max 1024. */
int brig_validate_id(const char *id);

#endif
