# shellcheck shell=bash disable=SC2153,SC2154,SC2164
# (ROOT, BUNDLE, output, status... come from tests/lib/helpers.sh)
# A create that fails during set-up says what happened.

test_init_oom_killed_during_setup_names_the_memory_limit() {
    local id
    [ -e /sys/fs/cgroup/memory/memory.limit_in_bytes ] || [ -e /sys/fs/cgroup/cgroup.controllers ] ||
        skip "no memory controller"
    skip_if_runc "brig's own message"
    # 16 KiB: the init cannot even finish setting up (no swap to escape to)
    cfg '.linux.resources.memory = {"limit": 16384, "swap": 16384}'
    set_args true
    for cmd in create run; do
        id=$(new_id)
        run timeout -k 5 30 "$BRIG" --root "$ROOT" $cmd --bundle "$BUNDLE" "$id"
        assert_failed
        assert_contains "$stderr" "memory limit"
        assert_contains "$stderr" "16384 bytes"
        assert_contains "$stderr" "too small"
        assert_eq "$(ls -A "$ROOT")" "" "state left behind"
        [ -z "$(cgroup_dirs_of "$id")" ] || fail "cgroups left: $(cgroup_dirs_of "$id")"
    done
}
