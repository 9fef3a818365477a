# shellcheck shell=bash
# Paths and settings shared by tests/run-tests.sh and every test process.
#
#   BRIG            runtime under test (default: $BRIG_BUILDDIR/brig); a bare
#                   name such as "runc" is looked up in PATH
#   BRIG_BUILDDIR   where brig and tests/unit/test_* were built (default: the
#                   source tree)
#   BRIG_TEST_CACHE where the busybox rootfs is cached (default: tests/.work)
#   BRIG_TEST_TMP   per-run scratch dir for bundles and --root dirs

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TESTS_LIB=$TESTS_DIR/lib
SRC_DIR=$(dirname "$TESTS_DIR")
: "${BRIG_BUILDDIR:=$SRC_DIR}"
: "${BRIG_TEST_CACHE:=$TESTS_DIR/.work}"
: "${BRIG:=$BRIG_BUILDDIR/brig}"

# Tests cd around, so make $BRIG absolute.
case $BRIG in
    */*) BRIG=$(cd "$(dirname "$BRIG")" 2>/dev/null && pwd)/$(basename "$BRIG") ;;
    *) BRIG=$(command -v "$BRIG" || echo "$BRIG") ;;
esac
BRIG_NAME=$(basename "$BRIG")
export BRIG BRIG_BUILDDIR BRIG_TEST_CACHE BRIG_NAME

# brig's test build (include/brig/knobs.h): the same program, but it reads
# the test knobs (BRIG_UNSAFE_SELF_EXE, BRIG_TEST_RESOLVE,
# BRIG_TEST_MOUNT_API) from its environment; brig proper ignores them.
: "${BRIG_TESTBIN:=$BRIG_BUILDDIR/tests/brig-test}"
export BRIG_TESTBIN

# True when the tests are being validated against runc rather than brig.
is_runc() { [ "$BRIG_NAME" = runc ]; }
is_crun() { [ "$BRIG_NAME" = crun ]; }
# brig clones run's init on its own memory (runtime/container/clone_vm.c)
# where its build can: on x86_64, and not under AddressSanitizer (whose
# runs set ASAN_OPTIONS: scripts/ci-sanitizers.sh).
init_on_runtime_memory() { ! is_runc && ! is_crun && [ "$(uname -m)" = x86_64 ] && [ -z "${ASAN_OPTIONS:-}" ]; }
