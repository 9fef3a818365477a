/* brig: how brig itself runs, decided as runc decides it. */
#ifndef BRIG_ROOTLESS_H
#define BRIG_ROOTLESS_H

#include <stdbool.h>
#include <sys/types.h>

/* True when brig runs in a user namespace that does not map the whole id
 * range: podman rootless, rootlesskit, a nested container.  Its cgroups,
 * device nodes and host-wide files are then out of reach. */
bool brig_running_in_userns(void);

/* --rootless, or auto: not root, or root of such a user namespace.
 * Cgroups are then used only where they are delegated. */
bool brig_is_rootless(void);

/* The state root when --root is not given: /run/brig for root;
 * $XDG_RUNTIME_DIR/brig for a user (runc: $XDG_RUNTIME_DIR/runc), also
 * for root of a user namespace unless USER is root. */
const char *brig_default_root(void);

/* Our euid as the initial user namespace sees it (through one level of
 * uid_map: podman's and rootlesskit's user namespace). */
uid_t brig_host_uid(void);

/* --systemd-cgroup talks to the caller's own systemd (the user instance,
 * over $DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR) rather than the
 * system's: rootless, and not host root. */
bool brig_systemd_user(void);

#endif
