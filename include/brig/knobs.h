/* brig: switches for the test suite only.
 *
 * The installed brig is linked with runtime/util/knobs.c, where every knob is
 * off whatever the environment says: no environment variable, annotation
 * or file a container can reach may weaken a guard (SECURITY.md).  The
 * test binary tests/brig-test (built by `make`, never installed) is linked
 * with tests/knobs-test.c instead, which reads them from its environment:
 *
 *   BRIG_UNSAFE_SELF_EXE=1   no CVE-2019-5736 re-exec (exe_guard.c)
 *   BRIG_TEST_RESOLVE=byhand the by-hand resolver instead of openat2
 *   BRIG_TEST_MOUNT_API=legacy  mount(2) instead of open_tree/move_mount */
#ifndef BRIG_KNOBS_H
#define BRIG_KNOBS_H

/* The knob's value, or NULL when it is off (always, in brig proper). */
const char *brig_test_knob(const char *name);

#endif
