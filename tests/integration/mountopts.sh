# shellcheck shell=bash disable=SC2153,SC2154,SC2164
# (ROOT, BUNDLE, output, status... come from tests/lib/helpers.sh)
# Mount option names come from libmount's table, which brig caches in the
# state root (runtime/libmount.c): the cache must be written, used, and
# thrown away when it is damaged or stale.

CACHE=.mountopts@cache

test_mount_option_cache_is_written_from_libmount() {
    inside 'true'
    assert_exists "$ROOT/$CACHE" "no mount option cache after a run"
    local lib
    lib=$(sed -n 's/^lib \([^ ]*\) .*/\1/p' "$ROOT/$CACHE")
    [ -f "$lib" ] || fail "the cache names no libmount file: $(head -2 "$ROOT/$CACHE")"
    grep -qx 'ro 1 0' "$ROOT/$CACHE" || fail "ro is not MS_RDONLY in the cache"
    grep -qx 'rw 1 2' "$ROOT/$CACHE" || fail "rw is not an inverted MS_RDONLY in the cache"
}

test_mount_options_from_a_damaged_cache_still_apply() {
    inside 'true'
    # A cache that says "ro" means nothing must be refused, not obeyed.
    printf 'brig-mountopts 1\nlib /nonexistent 1 2 3 4\nro 0 0\n' >"$ROOT/$CACHE"
    add_mount /mnt/ro-test tmpfs tmpfs ro nosuid
    inside 'grep " /mnt/ro-test " /proc/self/mountinfo'
    assert_contains "$output" " ro," "ro from a stale cache was not applied"
    grep -q '^lib /nonexistent' "$ROOT/$CACHE" && fail "the stale cache was kept"
    return 0
}

test_mount_options_garbage_cache_is_replaced() {
    printf 'garbage\n' >"$ROOT/$CACHE"
    add_mount /mnt/noexec-test tmpfs tmpfs noexec
    inside 'grep " /mnt/noexec-test " /proc/self/mountinfo'
    assert_contains "$output" "noexec" "noexec was not applied"
    head -1 "$ROOT/$CACHE" | grep -qx 'brig-mountopts 1' || fail "the garbage cache was not replaced"
}
