# shellcheck shell=bash
# The static seccomp probe (tests/integration/seccomp-probe.c) that
# seccomp.sh and seccomp_agent.sh copy into their rootfs: `make check`
# builds it; otherwise it is built once into the test cache.
seccomp_probe_bin() {
    local src=$SRC_DIR/tests/integration/seccomp-probe.c b
    b=$BRIG_BUILDDIR/tests/integration/seccomp-probe
    if [ -x "$b" ] && [ ! "$b" -ot "$src" ]; then
        echo "$b"
        return 0
    fi
    b=$BRIG_TEST_CACHE/seccomp-probe
    if [ ! -x "$b" ] || [ "$b" -ot "$src" ]; then
        mkdir -p "$BRIG_TEST_CACHE"
        cc -static -O2 -o "$b.$$" "$src" >&2 && mv "$b.$$" "$b" || return 1
    fi
    echo "$b"
}
