# shellcheck shell=bash
# brig's cgroup v2 code on a real cgroup2 hierarchy, whatever the host's
# mode: on a hybrid host the unified mount has no controllers, but create,
# attach, the eBPF device filter, freeze, kill and removal all work there.
# The probe (tests/integration/cgroup_v2_probe.c) drives the library API.

probe() {
    local bin=$BRIG_BUILDDIR/tests/integration/cgroup_v2_probe
    skip_if_runc "tests brig's library, not the CLI"
    [ -x "$bin" ] || skip "$bin not built (make check builds it)"
    local mnt
    if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
        mnt=/sys/fs/cgroup
    elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
        mnt=/sys/fs/cgroup/unified
    else
        skip "no cgroup2 hierarchy mounted"
    fi
    defer "rmdir $mnt/brig-v2probe-$TEST_UNIQ/* $mnt/brig-v2probe-$TEST_UNIQ 2>/dev/null"
    run "$bin" "$mnt" "$TEST_UNIQ"
}

test_v2_create_attach_devices_freeze_kill_remove() {
    probe
    assert_ok
    assert_contains "$output" "passed, 0 failed"
    assert_not_contains "$output" "not ok"
}
