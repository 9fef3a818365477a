# shellcheck shell=bash
# The static probes tests copy into their busybox rootfs
# (tests/integration/NAME.c: seccomp-probe, start-probe, mount-probe):
# `make check` builds them; otherwise each is built once into the test cache.

# probe_bin NAME: the path of the probe NAME, built when needed.
probe_bin() {
    local src=$SRC_DIR/tests/integration/$1.c b
    b=$BRIG_BUILDDIR/tests/integration/$1
    if [ -x "$b" ] && [ ! "$b" -ot "$src" ]; then
        echo "$b"
        return 0
    fi
    b=$BRIG_TEST_CACHE/$1
    if [ ! -x "$b" ] || [ "$b" -ot "$src" ]; then
        mkdir -p "$BRIG_TEST_CACHE"
        cc -static -O2 -o "$b.$$" "$src" >&2 && mv "$b.$$" "$b" || return 1
    fi
    echo "$b"
}

seccomp_probe_bin() { probe_bin seccomp-probe; }
