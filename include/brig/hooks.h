/* brig: OCI hooks at each point of the lifecycle (hooks.c).
 *
 *   prestart, createRuntime   create, in the runtime, before pivot_root
 *   createContainer           create, in the init (container namespaces),
 *                             before pivot_root
 *   startContainer            start, in the init after pivot_root and
 *                             the seccomp filter, just before execve
 *   poststart                 start, in the runtime, once the program runs
 *   poststop                  delete, in the runtime
 *
 * A failing prestart, createRuntime or createContainer hook fails create; a
 * failing startContainer hook fails start and stops the container; failing
 * poststart and poststop hooks are warnings, and the rest still run. */
#ifndef BRIG_HOOKS_H
#define BRIG_HOOKS_H

#include "brig/oci.h"
#include "state.h"

struct brig_init;
struct brig_plan;

/* In the init: ask the runtime for prestart and createRuntime, then run
 * createContainer.  Before pivot_root. */
int brig_create_hooks(struct brig_init *in);

/* In the runtime, on the init's BRIG_SYNC_HOOKS: prestart then
 * createRuntime.  prestart sees status "created" (what the runtime-tools
 * suite checks; the hook predates "creating"), createRuntime "creating". */
int brig_runtime_create_hooks(struct brig_container *c, const struct brig_config *cfg);

/* In the init, once started and fully confined (seccomp included): the
 * startContainer hooks.  On failure the init reports to run or start and
 * exits. */
int brig_start_container_hooks(const struct brig_plan *pl);

/* The state JSON as the container sees it (its own pid). */
char *brig_hook_state_in_container(const struct brig_plan *pl, enum brig_status status);

#endif
