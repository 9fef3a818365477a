/* brig: keeping the brig binary out of the container's reach (the
 * CVE-2019-5736 class; see SECURITY.md).
 *
 * A container process is a clone of brig until it execs the user's
 * program; if that program is a script whose interpreter is
 * /proc/self/exe (or an ELF whose PT_INTERP is), the kernel runs brig's
 * own executable inside the container, where a container process can take
 * a handle on it and, once no brig runs any more, write through it.  The
 * guard makes that handle useless: brig runs from a read-only view of its
 * binary (a detached read-only bind mount, or a sealed memfd copy), so
 * /proc/self/exe can never be opened for writing.  Who calls it: main, for
 * every command outside the host's pid namespace and for exec;
 * brig_container_create, for create and for run unless no container
 * process can see brig (SECURITY.md, "The runtime binary"). */
#ifndef BRIG_EXE_GUARD_H
#define BRIG_EXE_GUARD_H

#include <stdbool.h>

/* Whether /proc/self/exe is already unwritable (a read-only mount or a
 * write-sealed memfd). */
bool brig_exe_is_protected(void);

/* Re-exec brig (same argv and environment) from a read-only view of its
 * binary unless it already runs from one.  Returns 0 when protected; does
 * not return when it re-execs; -1 with an error when no protection could
 * be had.  Nothing at run time turns it off: only the test binary
 * tests/brig-test has a switch (BRIG_UNSAFE_SELF_EXE=1, knobs.h). */
int brig_exe_guard(char **argv);

/* Whether brig runs in the host's (initial) pid namespace, where no
 * container process can see it: 1 yes, 0 no, -1 cannot tell (no /proc). */
int brig_in_host_pid_ns(void);

#endif
